//! `phonghop demo`: a hub and two rooms (province Lào Cai, commune Lao Chải) on this
//! machine, enrolled and connected, in a temporary data directory.

use std::io::Write;
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::app::{AppError, HubBuilder, RoomBuilder, RunningRoom};
use crate::room::call_view::{CallPhase, CallView};
use crate::room::{HubLink, RoomStatus};

/// The hub configuration the demo runs, also shipped as `config/demo.toml`.
pub const DEMO_HUB_TOML: &str = include_str!("../config/demo.toml");

/// The staff PIN of the demo's rooms (and of the example configs).
pub const DEMO_STAFF_PIN: &str = "2468";

/// Rooms the demo enrolls: (unit id, room name).
/// How long after the demo starts its scheduled meeting begins.
const DEMO_MEETING_IN_SECS: i64 = 3;

const DEMO_ROOMS: &[(&str, &str)] = &[
    ("lao-cai", "Phòng họp số tỉnh Lào Cai"),
    ("lao-chai", "Phòng họp số xã Lao Chải"),
];

/// The demo's staff accounts: (login, role, unit, name, password). The passwords are
/// fixed so a newcomer can type them from the screen: demo only, for a hub that lives in a
/// temporary directory on loopback and is gone when the demo stops.
pub const DEMO_STAFF: &[(&str, crate::store::StaffRole, Option<&str>, &str, &str)] = &[
    (
        "tinh",
        crate::store::StaffRole::ProvinceAdmin,
        None,
        "Cán bộ tỉnh Lào Cai (demo)",
        "demo-tinh-2026",
    ),
    (
        "laochai",
        crate::store::StaffRole::CommuneStaff,
        Some("lao-chai"),
        "Cán bộ xã Lao Chải (demo)",
        "demo-laochai-2026",
    ),
];

/// Creates [`DEMO_STAFF`] at the demo's hub.
pub fn add_demo_staff(
    config: &crate::config::HubConfig,
) -> Result<(), crate::hub::accounts::AccountError> {
    for (login, role, unit, name, password) in DEMO_STAFF {
        crate::hub::accounts::add_user(
            config,
            &crate::hub::accounts::NewAccount {
                login,
                name,
                role: *role,
                unit: *unit,
                password: Some(password),
            },
        )?;
    }
    Ok(())
}

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
    Setup(#[from] AppError),
    #[error("demo setup: {0}")]
    Io(#[from] std::io::Error),
    #[error("demo setup: {0}")]
    Pin(#[from] crate::auth::PinError),
    #[error("demo setup: {0}")]
    Staff(#[from] crate::hub::accounts::AccountError),
    #[error("demo sample data: {0}")]
    SampleOpen(#[from] crate::app::OpenError),
    #[error("demo sample data: {0}")]
    SampleStore(#[from] crate::store::StoreError),
    #[error("demo sample data: {0}")]
    SampleCampaign(#[from] crate::hub::campaigns::CampaignError),
    #[error("demo sample data: {0}")]
    SamplePledge(#[from] crate::hub::pledges::PledgeError),
    #[error("demo meeting: {0}")]
    Schedule(#[from] crate::hub::schedule_api::ScheduleOpError),
    #[error("demo meeting: {0}")]
    Plan(#[from] crate::meeting::schedule::ScheduleError),
    #[error("demo meeting: cannot read the chair from the hub: {0}")]
    Chair(#[from] reqwest::Error),
    #[error("demo sample meeting: the chair refused minute {minute} of the script: {refusal}")]
    SampleMeeting {
        minute: i64,
        refusal: crate::meeting::floor::Refusal,
    },
    #[error("demo meeting: {0}")]
    Tls(#[from] crate::hub::tls::TlsError),
    #[error("after {seconds} s only {connected} of {total} rooms were connected")]
    NotConnected {
        seconds: u64,
        connected: usize,
        total: usize,
    },
}

/// Runs the demo, printing a status line a second to `out`.
pub async fn run(
    options: DemoOptions,
    out: &mut (dyn Write + Send),
    stop: CancellationToken,
) -> Result<(), DemoError> {
    let dir = tempfile::Builder::new()
        .prefix("phonghop-demo-")
        .tempdir()?;
    let hub = HubBuilder::demo(&dir.path().join("hub"))?
        .spawn_local()
        .await?;
    let pin_hash = crate::auth::hash_pin(DEMO_STAFF_PIN)?;
    let mut rooms: Vec<(String, RunningRoom)> = Vec::new();
    let mut room_ids = Vec::new();
    for (unit, name) in DEMO_ROOMS {
        let (config, id) = hub
            .enroll_room(
                unit,
                name,
                dir.path().join(format!("room-{unit}")),
                &pin_hash,
            )
            .await?;
        room_ids.push(id);
        let unit_name = hub
            .config
            .unit(unit)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        rooms.push((unit_name, RoomBuilder::new(config).spawn_bound().await?));
    }

    if let Some(tx) = &options.rooms {
        let _ = tx.send(
            rooms
                .iter()
                .map(|(_, room)| (room.status.clone(), room.call.clone()))
                .collect(),
        );
    }
    // The province chairs a meeting with the commune, scheduled a few seconds from now:
    // the hub starts it on time and both rooms join by themselves (live video both ways).
    add_demo_staff(&hub.config)?;
    let meeting = {
        let store = crate::app::open_store(&hub.config.data_dir)?;
        let now_ms = crate::clock::now_ms();
        seed_sample_history(&store, &room_ids, now_ms)?;
        // The schedule is kept to the second: start on a whole second.
        let start_ms = (now_ms / 1000 + DEMO_MEETING_IN_SECS) * 1000;
        let plan = crate::meeting::schedule::MeetingPlan {
            title: "Giao ban trực tuyến (demo)".into(),
            start_ms,
            end_ms: start_ms + 3_600_000,
            host: room_ids[0].clone(),
            rooms: room_ids.clone(),
            agenda: vec!["Tình hình tiếp nhận phản ánh của người dân".into()],
        }
        .check(now_ms, true)?;
        store.schedule_meeting(&crate::hub::meeting_api::new_meeting_id(), &plan, now_ms)?
    };
    // The status line reads the chair (roster, floor) as staff would, with a token.
    let (_, token) = crate::hub::accounts::issue_token(&hub.config, DEMO_STAFF[0].0, "demo")?;
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured((*crate::hub::tls::client_config(None)?).clone())
        .timeout(Duration::from_secs(2))
        .build()?;
    let chair_url = hub
        .url
        .join(&format!("api/v1/meetings/{}", meeting.id))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let hub_url = hub.url.clone();
    let hub_data_dir = hub.config.data_dir.clone();
    let _ = writeln!(
        out,
        "phonghop demo: hub at {hub_url} (data in {})",
        dir.path().display()
    );
    let _ = writeln!(
        out,
        "phonghop demo: staff dashboard at {hub_url}staff/ (demo-only passwords):"
    );
    for (login, role, unit, _, password) in DEMO_STAFF {
        let _ = writeln!(
            out,
            "  {role}{}: login {login}, password {password}",
            unit.map(|u| format!(" of {u}")).unwrap_or_default()
        );
    }
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
            .filter(|(_, room)| room.status.borrow().connected())
            .count();
        let parts: Vec<String> = rooms
            .iter()
            .zip(last_frames.iter_mut())
            .map(|((name, room), last)| {
                let (rx, call) = (&room.status, &room.call);
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
        let chair = chair_line(&http, &chair_url, &token).await;
        let _ = writeln!(
            out,
            "[{elapsed_secs:>3} s] rooms connected {connected}/{} | meeting {} | {} | {chair}",
            rooms.len(),
            meeting.id,
            parts.join(" | ")
        );
        let _ = out.flush();
        if options.seconds.is_some_and(|s| elapsed_secs >= s) {
            break;
        }
    }

    for (_, room) in rooms {
        let _ = room.stop().await;
    }
    let _ = hub.stop().await;
    // The meeting's attendance report, as `phonghop hub meeting report <id>` prints it.
    let store = crate::app::open_store(&hub_data_dir)?;
    let rows = crate::hub::schedule_api::report(&store, &meeting.id, crate::clock::now_ms())?;
    let _ = writeln!(out, "phonghop demo: attendance of meeting {}:", meeting.id);
    let _ = write!(out, "{}", crate::meeting::attendance::to_csv(&rows));
    let _ = out.flush();
    if connected < DEMO_ROOMS.len() {
        return Err(DemoError::NotConnected {
            seconds: elapsed_secs,
            connected,
            total: DEMO_ROOMS.len(),
        });
    }
    Ok(())
}

/// The meeting as the status line shows it: who is present and who has the floor, or that
/// it has not started (the hub knows it only once it runs).
async fn chair_line(http: &reqwest::Client, url: &url::Url, token: &str) -> String {
    let view = async {
        http.get(url.clone())
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json::<serde_json::Value>()
            .await
    };
    let Ok(view) = view.await else {
        return "not started".to_owned();
    };
    let chair = &view["chair"];
    let seats = chair["seats"].as_array().cloned().unwrap_or_default();
    let name_of = |id: &str| {
        seats
            .iter()
            .find(|s| s["room_id"] == id)
            .and_then(|s| s["name"].as_str())
            .unwrap_or(id)
            .to_owned()
    };
    let present: Vec<String> = seats
        .iter()
        .filter(|s| s["present"] == true)
        .map(|s| s["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    let floor = match chair["floor"].as_str() {
        Some(room) => name_of(room),
        None => format!(
            "host {}",
            name_of(chair["host"].as_str().unwrap_or_default())
        ),
    };
    format!("present: {}; floor: {floor}", present.join(", "))
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

/// What residents said in the demo's past weeks: (category, text, what staff answered).
const SAMPLE_FEEDBACK: &[(&str, &str, Option<&str>)] = &[
    (
        "roads",
        "Đường từ bản lên trường bị sạt lở sau mưa.",
        Some("Xã đã cử người khảo sát, sẽ sửa trong tuần."),
    ),
    (
        "welfare",
        "Gia đình bà Vàng Thị Sua chưa nhận được hỗ trợ tháng này.",
        Some("Cán bộ xã đã đến nhà, hỗ trợ đã được chuyển."),
    ),
    ("environment", "Rác thải đổ ra suối đầu bản.", None),
    (
        "services",
        "Xin hướng dẫn làm lại giấy khai sinh.",
        Some("Mời bác lên bộ phận một cửa sáng thứ Hai."),
    ),
    ("security", "Có người lạ thu mua gỗ ban đêm.", None),
    (
        "land",
        "Tranh chấp ranh giới nương giữa hai hộ.",
        Some("Đã hoà giải tại thôn, hai hộ đồng ý."),
    ),
];

/// Four weeks of feedback, replies and ratings from every demo room, and a campaign with
/// pledges and bank transfers, so a newcomer's dashboard, inbox and reports show data at
/// once. It goes through the same store calls as rooms' uploads, staff replies and bank
/// notifications.
pub fn seed_sample_history(
    store: &crate::store::Store,
    room_ids: &[String],
    now_ms: i64,
) -> Result<(), DemoError> {
    use crate::feedback::Status;
    use crate::wire::{FeedbackRecord, RatingRecord, Record, UploadItem};
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    let mut rng = rand::rng();
    for (r, room_id) in room_ids.iter().enumerate() {
        let Some(prefix) = store.room(room_id)?.and_then(|room| room.ticket_prefix) else {
            continue;
        };
        let mut items = Vec::new();
        let mut replies = Vec::new();
        for (i, (category, text, reply)) in SAMPLE_FEEDBACK.iter().enumerate() {
            // Spread over the last four weeks, a different day for each room.
            let submitted_at_ms = now_ms - ((i as i64 * 4 + r as i64 + 1) * DAY_MS);
            let code = crate::feedback::ticket::new_code(&prefix, &mut rng);
            items.push(UploadItem {
                id: uuid::Uuid::now_v7(),
                seq: items.len() as i64 + 1,
                record: Record::Feedback(FeedbackRecord {
                    ticket_code: code.clone(),
                    category: (*category).into(),
                    text: (*text).into(),
                    voice_sha256: None,
                    name: None,
                    phone: None,
                    village: None,
                    language: "vi".into(),
                    submitted_at_ms,
                }),
            });
            items.push(UploadItem {
                id: uuid::Uuid::now_v7(),
                seq: items.len() as i64 + 1,
                record: Record::Rating(RatingRecord {
                    question: "service".into(),
                    score: 3 + ((i + r) % 3) as u8,
                    filtered: false,
                    submitted_at_ms: submitted_at_ms + 60_000,
                }),
            });
            if let Some(reply) = reply {
                replies.push((code, *reply, submitted_at_ms + (i as i64 + 1) * DAY_MS / 3));
            }
        }
        store.store_upload(room_id, &items, now_ms)?;
        for (code, reply, at_ms) in replies {
            // A demo item the store refuses to move stays as it is; nothing else depends on it.
            let _ =
                store.update_feedback(&code, Some(Status::Resolved), Some(reply), "tinh", at_ms)?;
        }
    }

    let campaign = crate::contrib::campaign::CampaignInput {
        slug: "quy-vi-nguoi-ngheo".into(),
        title: "Quỹ Vì người nghèo 2026".into(),
        story: "Hỗ trợ các hộ nghèo trong tỉnh đón Tết.".into(),
        bank: "VCB".into(),
        account: "0011001234567".into(),
        account_name: "UY BAN MTTQ TINH".into(),
        goal_vnd: 50_000_000,
        starts_on: String::new(),
        ends_on: "2099-12-31".into(),
    };
    let campaign = crate::hub::campaigns::create(store, &campaign, now_ms, &mut rng)?;
    for (n, amount_vnd) in [200_000_i64, 500_000, 1_000_000].into_iter().enumerate() {
        let pledge = crate::hub::pledges::add(
            store,
            &crate::hub::pledges::StaffPledgeRequest {
                campaign: campaign.slug.clone(),
                amount_vnd,
                donor_name: None,
                consent_public: false,
                method: crate::hub::pledges::PledgeMethod::Transfer,
            },
            now_ms,
            &mut rng,
        )?;
        let memo = format!("{} ung ho quy vi nguoi ngheo", pledge.reference);
        store.record_transfer(
            &crate::contrib::IncomingTransfer {
                provider: "demo".into(),
                provider_txn_id: format!("demo-{n}"),
                bank_reference: Some(format!("FT26DEMO{n:04}")),
                amount_vnd,
                transfer_text: memo.clone(),
                match_text: memo,
                sender_name: None,
                account: campaign.account.clone(),
                occurred_at_ms: now_ms - (n as i64 + 1) * DAY_MS,
                raw_json: "{}".into(),
            },
            now_ms,
        )?;
    }
    seed_past_meeting(store, room_ids, now_ms)?;
    Ok(())
}

/// The title of the meeting the sample history holds a week ago.
pub const SAMPLE_MEETING_TITLE: &str = "Giao ban tuần: tiếp nhận phản ánh (demo)";

/// What happened in the sample meeting, in minutes after 08:00 of its day: the host and
/// the commune join, the commune's link drops and comes back (one gap), it raises its hand,
/// is given the floor, writes in the chat, the host takes the floor back and ends the
/// meeting. `None` as the room is the host, `Some(i)` the i-th other room.
const SAMPLE_MEETING_SCRIPT: &[(i64, Option<usize>, SampleStep)] = &[
    (0, None, SampleStep::Join),
    (2, Some(0), SampleStep::Join),
    (25, Some(0), SampleStep::Leave),
    (27, Some(0), SampleStep::Join),
    (40, Some(0), SampleStep::RaiseHand),
    (42, None, SampleStep::GiveFloor(0)),
    (43, Some(0), SampleStep::Chat),
    (55, None, SampleStep::TakeFloor),
    (75, None, SampleStep::End),
];

/// The sample meeting's planned length: it ends early, as meetings do.
const SAMPLE_MEETING_PLANNED_MINUTES: i64 = 90;

#[derive(Debug, Clone, Copy)]
enum SampleStep {
    Join,
    Leave,
    RaiseHand,
    GiveFloor(usize),
    Chat,
    TakeFloor,
    End,
}

/// A meeting held a week ago at 08:00 province time, the first room hosting the others,
/// scheduled three days before it: planned, started, chaired and ended through the store
/// calls a live meeting uses (`schedule_meeting`, `start_scheduled_meeting`, the chair's
/// events in `record_meeting_events`, `end_meeting`), so the dashboard lists it and its
/// attendance report is computed from its events as any meeting's is.
fn seed_past_meeting(
    store: &crate::store::Store,
    room_ids: &[String],
    now_ms: i64,
) -> Result<(), DemoError> {
    use crate::meeting::floor::{Actor, Floor, FloorAction};
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    const MINUTE_MS: i64 = 60_000;
    let [host, others @ ..] = room_ids else {
        return Ok(());
    };
    if others.is_empty() {
        return Ok(());
    }
    let offset_ms = i64::from(crate::meeting::schedule::PROVINCE_UTC_OFFSET_HOURS) * 60 * MINUTE_MS;
    let local_midnight_ms = (now_ms + offset_ms).div_euclid(DAY_MS) * DAY_MS - offset_ms;
    let start_ms = local_midnight_ms - 7 * DAY_MS + 8 * 60 * MINUTE_MS;
    let scheduled_at_ms = start_ms - 3 * DAY_MS;
    let plan = crate::meeting::schedule::MeetingPlan {
        title: SAMPLE_MEETING_TITLE.into(),
        start_ms,
        end_ms: start_ms + SAMPLE_MEETING_PLANNED_MINUTES * MINUTE_MS,
        host: host.clone(),
        rooms: room_ids.to_vec(),
        agenda: vec![
            "Phản ánh của người dân trong tuần".into(),
            "Sạt lở đường lên trường".into(),
        ],
    }
    .check(scheduled_at_ms, true)?;
    let id = crate::hub::meeting_api::new_meeting_id();
    store.schedule_meeting(&id, &plan, scheduled_at_ms)?;
    store.start_scheduled_meeting(&id, start_ms)?;
    let mut floor = Floor::new(host, others);
    for (minute, who, step) in SAMPLE_MEETING_SCRIPT {
        let room = match who {
            None => host,
            Some(i) => &others[*i % others.len()],
        };
        let action = match step {
            SampleStep::Join => FloorAction::Join,
            SampleStep::Leave => FloorAction::Leave,
            SampleStep::RaiseHand => FloorAction::RaiseHand,
            SampleStep::GiveFloor(i) => FloorAction::GiveFloor {
                room: others[*i % others.len()].clone(),
            },
            SampleStep::Chat => FloorAction::Chat {
                text: "Xã Lao Chải xin báo cáo: đường lên trường đã thông xe.".into(),
            },
            SampleStep::TakeFloor => FloorAction::TakeFloor,
            SampleStep::End => FloorAction::End,
        };
        let at_ms = start_ms + minute * MINUTE_MS;
        // The script is the chair's own rules played forward; a refusal is a bug in it.
        floor
            .apply(at_ms, &Actor::Room(room.clone()), action)
            .map_err(|refusal| DemoError::SampleMeeting {
                minute: *minute,
                refusal,
            })?;
        if matches!(step, SampleStep::End) {
            store.record_meeting_events(&id, floor.events())?;
            store.end_meeting(&id, at_ms)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_history_fills_the_inbox_the_replies_a_campaign_and_a_held_meeting() {
        let store = crate::store::Store::open_in_memory().expect("store");
        let now = crate::clock::now_ms();
        let mut ids = Vec::new();
        for (i, unit) in ["lao-cai", "lao-chai"].iter().enumerate() {
            let room = store
                .create_room(unit, unit, &format!("D{i}"), &format!("h{i}"), now, now)
                .expect("room")
                .expect("free prefix");
            ids.push(room.id);
        }
        seed_sample_history(&store, &ids, now).expect("seeded");

        let all = store
            .feedback_list(&crate::store::FeedbackFilter::default())
            .expect("list");
        assert_eq!(all.len(), SAMPLE_FEEDBACK.len() * ids.len());
        let answered = SAMPLE_FEEDBACK.iter().filter(|f| f.2.is_some()).count() * ids.len();
        assert_eq!(
            all.iter().filter(|row| row.reply.is_some()).count(),
            answered,
            "every sample reply is stored"
        );
        assert!(all.iter().all(|row| row.record.submitted_at_ms < now));
        let report = store
            .campaign_report("quy-vi-nguoi-ngheo")
            .expect("report")
            .expect("the campaign exists");
        assert_eq!(report.totals.raised_vnd, 1_700_000);
        assert_eq!(report.totals.gifts, 3);

        // A meeting held a week ago, listed and reported as any held meeting is.
        let held = store.scheduled_meetings(None).expect("schedule");
        let [meeting] = held.as_slice() else {
            panic!("one sample meeting, got {held:?}");
        };
        assert_eq!(meeting.plan.title, SAMPLE_MEETING_TITLE);
        assert_eq!(
            meeting.status,
            crate::meeting::schedule::ScheduleStatus::Held
        );
        assert_eq!(meeting.plan.rooms, ids);
        let start = meeting.plan.start_ms;
        assert!(start < now - 6 * 24 * 3_600_000, "a week ago");
        assert!(
            crate::meeting::schedule::format_local(start).ends_with(" 08:00"),
            "at 08:00 province time: {}",
            crate::meeting::schedule::format_local(start)
        );
        let row = store.meeting(&meeting.id).expect("read").expect("started");
        assert_eq!(row.started_at_ms, start);
        assert_eq!(row.ended_at_ms, Some(start + 75 * 60_000));
        assert!(store.active_meetings().expect("running").is_empty());
        let events = store.meeting_events(&meeting.id).expect("events");
        assert!(events.iter().any(|e| matches!(
            &e.kind,
            crate::meeting::floor::EventKind::Chat { room, .. } if room == &ids[1]
        )));
        // Report made long after: the meeting's end closes the intervals, not `now`.
        let rows = crate::hub::schedule_api::report(&store, &meeting.id, now).expect("report");
        let minute = |m: i64| Some(start + m * 60_000);
        let got: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.room_id.as_str(),
                    r.first_join_ms,
                    r.last_leave_ms,
                    r.minutes_present,
                    r.gaps,
                    r.hands_raised,
                    r.times_given_floor,
                    r.never_joined,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (ids[0].as_str(), minute(0), minute(75), 75, 0, 0, 0, false),
                // 2..25 and 27..75: 71 minutes, the dropped link one gap.
                (ids[1].as_str(), minute(2), minute(75), 71, 1, 1, 1, false),
            ]
        );
        let csv = crate::meeting::attendance::to_csv(&rows);
        assert_eq!(csv.lines().count(), 3, "{csv}");
        assert!(csv.lines().all(|l| !l.ends_with("never joined")), "{csv}");
    }
}
