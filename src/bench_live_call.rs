//! A live meeting in this process for `phonghop room --bench-ui --screen meeting`: the demo's
//! hub, the province hosting, Sa Pa given the floor, and Lao Chải watching. Lao Chải's call
//! view is what the benchmarked kiosk shows, so its two pictures (the floor and the host)
//! come through the real receive path: webrtc-rs on loopback UDP, the hub's forwarder, the
//! room's VP8 decoder and RGBA conversion, the frame mailbox.
//!
//! Lao Chải is a whole room, as the box under the kiosk is: its test camera and tone are
//! captured and encoded (720p, 360p and 180p) and sent to the hub, and its pictures decoded.
//! The province and Sa Pa are far away in a real meeting, so their encoders are not this
//! box's load: they replay a clip of the test picture encoded once at 720p before the
//! meeting (`bench_light::ClipSenders`), which still reaches Lao Chải as live RTP through
//! the hub. Measured with them as whole rooms, the two extra encoders took about a fifth of
//! the machine and preempted the kiosk's frames.

use std::time::Duration;

use crate::app::{AppError, HubBuilder, RoomBuilder, RunningHub, RunningRoom};
use crate::bench_light::ClipSenders;
use crate::room::call_view::CallView;

/// The far rooms (unit, name): the host, and the one given the floor.
const FAR_ROOMS: [(&str, &str); 2] = [("lao-cai", "lao-cai"), ("sa-pa", "sa-pa")];
/// The room whose kiosk is measured.
const KIOSK_UNIT: &str = "lao-chai";

#[derive(Debug, thiserror::Error)]
pub enum LiveCallError {
    #[error("UI bench meeting: {0}")]
    App(#[from] AppError),
    #[error("UI bench meeting: {0}")]
    Io(#[from] std::io::Error),
    #[error("UI bench meeting: {0}")]
    Pin(#[from] crate::auth::PinError),
    #[error("UI bench meeting: {0}")]
    Staff(#[from] crate::hub::accounts::AccountError),
    #[error("UI bench meeting: {0}")]
    Tls(#[from] crate::hub::tls::TlsError),
    #[error("UI bench meeting: the hub's staff API: {0}")]
    Http(#[from] reqwest::Error),
    #[error("UI bench meeting: the far rooms: {0}")]
    FarRooms(#[from] crate::bench_light::BenchLightError),
    #[error("UI bench meeting: the hub answered {status} to {what}: {body}")]
    Refused {
        what: &'static str,
        status: u16,
        body: String,
    },
    #[error(
        "UI bench meeting: after {waited_secs} s {what} (is GStreamer's vp8 plugin installed? \
         `scripts/install-deps.sh`)"
    )]
    NotLive { waited_secs: u64, what: String },
}

/// The running meeting; [`LiveCall::stop`] ends it (dropping it leaves the tasks to the
/// runtime's shutdown).
#[derive(Debug)]
pub struct LiveCall {
    /// The watching room's call: two remote pictures, its own self-view.
    pub view: CallView,
    /// The watching room's id (the kiosk's own room).
    pub room_id: String,
    hub: RunningHub,
    room: RunningRoom,
    far: ClipSenders,
    _dir: tempfile::TempDir,
}

impl LiveCall {
    /// Starts the hub and the rooms, the meeting, gives Sa Pa the floor, and returns once
    /// the watching room has decoded frames in both its slots (or fails after `timeout`).
    pub async fn start(timeout: Duration) -> Result<LiveCall, LiveCallError> {
        let started = tokio::time::Instant::now();
        let waited = || started.elapsed().as_secs();
        let dir = tempfile::Builder::new()
            .prefix("phonghop-bench-ui-")
            .tempdir()?;
        let hub = HubBuilder::demo(&dir.path().join("hub"))?
            .spawn_local()
            .await?;
        let pin_hash = crate::auth::hash_pin(crate::demo::DEMO_STAFF_PIN)?;
        let (mut config, room_id) = hub
            .enroll_room(
                KIOSK_UNIT,
                KIOSK_UNIT,
                dir.path().join(KIOSK_UNIT),
                &pin_hash,
            )
            .await?;
        // The voices are decoded and mixed as in a meeting, but not played anywhere.
        config.media.speaker = crate::config::DeviceChoice::Test;
        let room = RoomBuilder::new(config).spawn_bound().await?;
        let far = ClipSenders::start(
            &hub.config,
            &hub.url,
            &FAR_ROOMS,
            crate::meeting::Layer::P720,
        )
        .await?;
        let mut ids = far.room_ids();
        ids.push(room_id.clone());
        let mut call = LiveCall {
            view: room.call.clone(),
            room_id,
            hub,
            room,
            far,
            _dir: dir,
        };
        let connected = tokio::time::timeout_at(
            started + timeout,
            call.room.status.wait_for(|s| s.connected()),
        )
        .await
        .is_ok_and(|changed| changed.is_ok());
        if !connected {
            return Err(LiveCallError::NotLive {
                waited_secs: waited(),
                what: "the kiosk's room is still not connected to the hub".into(),
            });
        }
        while !call.far.all_connected() {
            if started.elapsed() > timeout {
                return Err(LiveCallError::NotLive {
                    waited_secs: waited(),
                    what: format!(
                        "the far rooms are not connected to the hub: {:?}",
                        call.far.problems()
                    ),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        crate::demo::add_demo_staff(&call.hub.config)?;
        let (_, token) = crate::hub::accounts::issue_token(
            &call.hub.config,
            crate::demo::DEMO_STAFF[0].0,
            "bench-ui",
        )?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured((*crate::hub::tls::client_config(None)?).clone())
            .timeout(Duration::from_secs(5))
            .build()?;
        let url = |path: &str| {
            call.hub
                .url
                .join(path)
                .map_err(|e| std::io::Error::other(format!("{path}: {e}")))
        };
        let answer = http
            .post(url("api/v1/meetings")?)
            .bearer_auth(&token)
            .json(&serde_json::json!({ "host": ids[0], "rooms": [ids[1], ids[2]] }))
            .send()
            .await?;
        let meeting = refused_unless_ok(answer, "starting the meeting").await?;
        let meeting = meeting["id"].as_str().unwrap_or_default().to_owned();
        // The floor can be given once Sa Pa has joined.
        let chair = url(&format!("api/v1/meetings/{meeting}/chair"))?;
        loop {
            let answer = http
                .post(chair.clone())
                .bearer_auth(&token)
                .json(&serde_json::json!({ "action": "give_floor", "room": ids[1] }))
                .send()
                .await?;
            if answer.status().is_success() {
                break;
            }
            if started.elapsed() > timeout {
                refused_unless_ok(answer, "giving Sa Pa the floor").await?;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        loop {
            let snapshot = call.view.snapshot();
            let shown: Vec<Option<&str>> = snapshot
                .slots
                .iter()
                .map(|s| s.as_ref().map(|s| s.participant_id.as_str()))
                .collect();
            let both_decoding = call.view.tiles().len() >= 2
                && call.view.tiles()[..2]
                    .iter()
                    .all(|t| t.frames_published() > 0 && t.latest().is_some());
            if both_decoding && shown.contains(&Some(&ids[1])) && shown.contains(&Some(&ids[0])) {
                return Ok(call);
            }
            if started.elapsed() > timeout {
                return Err(LiveCallError::NotLive {
                    waited_secs: waited(),
                    what: format!(
                        "the watching room does not decode the floor and the host: slots {shown:?}, frames {:?}, far rooms' problems {:?}",
                        call.view
                            .tiles()
                            .iter()
                            .map(|t| t.frames_published())
                            .collect::<Vec<_>>(),
                        call.far.problems()
                    ),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the rooms, then the hub.
    pub async fn stop(self) {
        self.far.stop().await;
        let _ = self.room.stop().await;
        let _ = self.hub.stop().await;
    }
}

async fn refused_unless_ok(
    answer: reqwest::Response,
    what: &'static str,
) -> Result<serde_json::Value, LiveCallError> {
    let status = answer.status();
    let body = answer.text().await?;
    if !status.is_success() {
        return Err(LiveCallError::Refused {
            what,
            status: status.as_u16(),
            body,
        });
    }
    Ok(serde_json::from_str(&body).unwrap_or_default())
}
