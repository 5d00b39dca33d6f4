//! `phonghop demo`: a hub and two rooms (province Lào Cai, commune Lao Chải) on this
//! machine, enrolled and connected, in a temporary data directory.

use std::io::Write;
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::config::RoomConfig;
use crate::room::call_view::{CallPhase, CallView};
use crate::room::{HubLink, RoomStatus};

/// The hub configuration the demo runs, also shipped as `config/demo.toml`.
pub const DEMO_HUB_TOML: &str = include_str!("../config/demo.toml");

/// The staff PIN of the demo's rooms (and of the example configs).
pub const DEMO_STAFF_PIN: &str = "2468";

/// Rooms the demo enrolls: (unit id, room name).
const DEMO_ROOMS: &[(&str, &str)] = &[
    ("lao-cai", "Phòng họp số tỉnh Lào Cai"),
    ("lao-chai", "Phòng họp số xã Lao Chải"),
];

/// One demo room as the kiosk window needs it: its status and its call.
pub type DemoRoom = (watch::Receiver<RoomStatus>, CallView);

#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Stop after this many seconds; run until Ctrl-C when `None`.
    pub seconds: Option<u64>,
    /// Where to hand the rooms' status channels and call views once they run (for the
    /// kiosk window).
    pub rooms: Option<std::sync::mpsc::Sender<Vec<DemoRoom>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo setup: {0}")]
    Setup(String),
    #[error("after {seconds} s only {connected} of {total} rooms were connected")]
    NotConnected {
        seconds: u64,
        connected: usize,
        total: usize,
    },
}

fn setup<E: std::fmt::Display>(e: E) -> DemoError {
    DemoError::Setup(e.to_string())
}

/// Runs the demo, printing a status line a second to `out`.
pub async fn run(
    options: DemoOptions,
    out: &mut (dyn Write + Send),
    stop: CancellationToken,
) -> Result<(), DemoError> {
    let dir = tempfile::Builder::new()
        .prefix("phonghop-demo-")
        .tempdir()
        .map_err(setup)?;
    let mut hub_config =
        crate::config::parse_hub_str("config/demo.toml", DEMO_HUB_TOML).map_err(setup)?;
    hub_config.data_dir = dir.path().join("hub");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(setup)?;
    let hub_addr = listener.local_addr().map_err(setup)?;
    let hub_url: url::Url = format!("http://{hub_addr}/").parse().map_err(setup)?;
    hub_config.public_url = hub_url.clone();

    let hub_stop = CancellationToken::new();
    let hub_task = tokio::spawn(crate::hub::run(
        listener,
        hub_config.clone(),
        hub_stop.clone().cancelled_owned(),
    ));

    let pin_hash = crate::auth::hash_pin(DEMO_STAFF_PIN).map_err(setup)?;
    let room_stop = CancellationToken::new();
    let mut rooms: Vec<(
        String,
        watch::Receiver<RoomStatus>,
        tokio::task::JoinHandle<_>,
        CallView,
    )> = Vec::new();
    let mut room_ids = Vec::new();
    for (unit, name) in DEMO_ROOMS {
        let (record, code) =
            crate::hub::admin::add_room(&hub_config, "config/demo.toml", unit, name)
                .map_err(setup)?;
        room_ids.push(record.id);
        let config = RoomConfig::local(
            unit,
            dir.path().join(format!("room-{unit}")),
            hub_url.clone(),
            pin_hash.clone(),
        );
        crate::room::enroll::enroll(&config, None, &code)
            .await
            .map_err(setup)?;
        let health = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(setup)?;
        let (status_tx, status_rx) = crate::room::status_channel(unit);
        let unit_name = hub_config
            .unit(unit)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        let call = CallView::new();
        let (_kiosk, requests) = crate::room::service::channel();
        let task = tokio::spawn(crate::room::run_full(
            health,
            config,
            status_tx,
            requests,
            call.clone(),
            room_stop.clone().cancelled_owned(),
        ));
        rooms.push((unit_name, status_rx, task, call));
    }

    if let Some(tx) = &options.rooms {
        let _ = tx.send(
            rooms
                .iter()
                .map(|(_, rx, _, call)| (rx.clone(), call.clone()))
                .collect(),
        );
    }
    // The province chairs a meeting with the commune: live video both ways.
    let meeting = crate::hub::meeting_api::start_meeting(&hub_config, &room_ids[0], &room_ids[1..])
        .map_err(setup)?;
    let _ = writeln!(
        out,
        "phonghop demo: hub at {hub_url} (data in {})",
        dir.path().display()
    );
    let started = tokio::time::Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let mut connected = 0;
    let mut elapsed_secs = 0;
    let mut last_frames: Vec<u64> = vec![0; rooms.len()];
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tick.tick() => {}
        }
        elapsed_secs = started.elapsed().as_secs();
        connected = rooms
            .iter()
            .filter(|(_, rx, _, _)| rx.borrow().connected())
            .count();
        let parts: Vec<String> = rooms
            .iter()
            .zip(last_frames.iter_mut())
            .map(|((name, rx, _, call), last)| {
                // Frames decoded in the big picture (the other room) during the last second.
                let frames = call.tile(0).map(|t| t.frames_published()).unwrap_or(0);
                let fps = frames.saturating_sub(*last);
                *last = frames;
                let video = match call.snapshot().phase {
                    CallPhase::Idle => "no meeting".to_owned(),
                    CallPhase::Joining => "joining".to_owned(),
                    CallPhase::Reconnecting => "reconnecting".to_owned(),
                    CallPhase::Live => format!("receiving {fps} fps"),
                };
                format!("{name}: {}, {video}", link_word(&rx.borrow().link))
            })
            .collect();
        let _ = writeln!(
            out,
            "[{elapsed_secs:>3} s] rooms connected {connected}/{} | meeting {} | {}",
            rooms.len(),
            meeting.id,
            parts.join(" | ")
        );
        let _ = out.flush();
        if options.seconds.is_some_and(|s| elapsed_secs >= s) {
            break;
        }
    }

    room_stop.cancel();
    for (_, _, task, _) in rooms.drain(..) {
        let _ = task.await;
    }
    hub_stop.cancel();
    let _ = hub_task.await;
    if connected < DEMO_ROOMS.len() {
        return Err(DemoError::NotConnected {
            seconds: elapsed_secs,
            connected,
            total: DEMO_ROOMS.len(),
        });
    }
    Ok(())
}

fn link_word(link: &HubLink) -> String {
    match link {
        HubLink::NotEnrolled => "not enrolled".into(),
        HubLink::Connecting { attempt } => format!("connecting (attempt {attempt})"),
        HubLink::Connected { .. } => "connected".into(),
        HubLink::Retrying { retry_in_ms, .. } => format!("retrying in {} s", retry_in_ms / 1000),
        HubLink::Rejected { reason } => format!("refused: {reason}"),
    }
}

/// A connected commune room with the province online, for screenshots and benchmarks.
pub fn sample_room_status() -> RoomStatus {
    use crate::wire::PresenceEntry;
    let mut status = RoomStatus::new("lao-chai");
    status.room_id = Some("demo".into());
    status.room_name = Some("Phòng họp số xã Lao Chải".into());
    status.link = HubLink::Connected { since_ms: 0 };
    status.presence = vec![
        PresenceEntry {
            room_id: "demo".into(),
            unit_id: "lao-chai".into(),
            name: "Phòng họp số xã Lao Chải".into(),
            connected: true,
            since_ms: 0,
        },
        PresenceEntry {
            room_id: "province".into(),
            unit_id: "lao-cai".into(),
            name: "Phòng họp số tỉnh Lào Cai".into(),
            connected: true,
            since_ms: 0,
        },
    ];
    status
}
