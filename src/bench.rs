//! `phonghop bench ...`: measurements that print numbers (never timed tests).

use std::time::{Duration, Instant};

use crate::app::{AppError, HubBuilder, RoomBuilder};
use crate::room::service::{FeedbackDraft, KioskRequest};
use crate::store::{FeedbackRow, Store, StoreError};

/// How many staff replies are timed from the hub to the room's store: enough for a p95.
const REPLIES: usize = 20;
/// Single-row commits timed for the bare-commit yardstick.
const BARE_COMMITS: usize = 200;
/// Submissions sent with the hub up, to time the way from room to hub.
const ONLINE_RECORDS: usize = 200;
/// Longer than any of these waits means something is broken, not slow.
const WAIT_LIMIT: Duration = Duration::from_secs(900);
const REPLY_WAIT_LIMIT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Starting the hub or the room (temporary directory, config, enrollment, sockets).
    #[error("cannot set up the hub and the room: {0}")]
    Setup(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the room did not store submission {n}: {reason}")]
    Submit { n: usize, reason: String },
    #[error("the room's service stopped before answering")]
    ServiceGone,
    #[error("the bench's own reading of a database failed: {0}")]
    Store(#[from] StoreError),
    #[error("only {got} of {want} records reached the hub within {limit_secs} s")]
    NotArrived {
        got: usize,
        want: usize,
        limit_secs: u64,
    },
    #[error("the room did not connect to the hub again within {limit_secs} s")]
    NotConnected { limit_secs: u64 },
    #[error("the staff reply to {ticket} was refused: {detail}")]
    ReplyRefused { ticket: String, detail: String },
    #[error("the staff reply to {ticket} did not reach the room's store within {limit_secs} s")]
    ReplyNotArrived { ticket: String, limit_secs: u64 },
}

fn setup(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> BenchError {
    BenchError::Setup(e.into())
}

#[derive(Debug, serde::Serialize)]
pub struct SyncReport {
    pub records: usize,
    /// Catch-up throughput: records stored at the hub per second once it is reachable again
    /// after the box took `records` submissions offline, timed from the first batch's
    /// arrival to the last (the first batch starts the clock, so it is not counted).
    /// `null` when the records fit in too few batches to time at millisecond resolution.
    pub records_per_sec: Option<f64>,
    /// Kiosk "Send" → stored with fsync at the room.
    pub submit_to_durable_ms_p50: f64,
    pub submit_to_durable_ms_p99: f64,
    /// Stored at the room → stored at the hub, with the hub up (`online_records` items).
    pub room_to_hub_ms_p50: f64,
    pub room_to_hub_ms_p95: f64,
    pub online_records: usize,
    /// A staff reply at the hub (the staff API) → the text readable in the room's store,
    /// over `replies` replies.
    pub reply_to_kiosk_ms_p50: f64,
    pub reply_to_kiosk_ms_p95: f64,
    pub replies: usize,
    /// The median single-row commit (WAL, `synchronous=FULL`) to a scratch file next to the
    /// bench's databases, measured in this run: what one fsync'd commit costs on this disk.
    pub bare_commit_ms: f64,
    /// `submit_to_durable_ms_p50 / bare_commit_ms`: 1.0 would be a submission costing one
    /// bare commit; the same on any machine.
    pub submit_to_durable_vs_bare_commit: f64,
    /// `records_per_sec × bare_commit_ms / 1000`: records caught up in the time of one bare
    /// commit; the same on any machine (`null` with `records_per_sec`).
    pub catch_up_records_per_bare_commit: Option<f64>,
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn draft(n: usize) -> FeedbackDraft {
    FeedbackDraft {
        category: "roads".into(),
        text: format!("Góp ý đo tốc độ số {n}"),
        voice: None,
        name: None,
        phone: None,
        village: None,
        language: "vi".into(),
    }
}

/// Submits like the kiosk: one at a time, each waited for until durable. Returns latencies.
async fn submit_all(
    kiosk: &crate::room::service::KioskClient,
    from: usize,
    count: usize,
) -> Result<Vec<f64>, BenchError> {
    let mut durable_ms = Vec::with_capacity(count);
    for n in from..from + count {
        let t0 = Instant::now();
        let (reply, answer) = tokio::sync::oneshot::channel();
        kiosk.send(KioskRequest::SubmitFeedback {
            draft: draft(n),
            reply,
        });
        answer
            .await
            .map_err(|_| BenchError::ServiceGone)?
            .map_err(|e| BenchError::Submit {
                n,
                reason: e.to_string(),
            })?;
        durable_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(durable_ms)
}

async fn wait_for_rows(store: &Store, count: usize) -> Result<Vec<FeedbackRow>, BenchError> {
    let deadline = Instant::now() + WAIT_LIMIT;
    loop {
        let rows = store.feedback_list(&Default::default())?;
        if rows.len() >= count {
            return Ok(rows);
        }
        if Instant::now() > deadline {
            return Err(BenchError::NotArrived {
                got: rows.len(),
                want: count,
                limit_secs: WAIT_LIMIT.as_secs(),
            });
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Records per second over a catch-up, from the first batch's arrival to the last: the
/// batches after the first over the time they took. `None` when fewer than two batches
/// follow the first (a span of a few milliseconds says nothing).
fn catch_up_rate(rows: &[FeedbackRow]) -> Option<f64> {
    let first = rows.iter().map(|r| r.received_at_ms).min()?;
    let last = rows.iter().map(|r| r.received_at_ms).max()?;
    let later = rows.iter().filter(|r| r.received_at_ms > first).count();
    (later >= 2 * crate::sync::BATCH_MAX && last > first)
        .then(|| later as f64 / ((last - first) as f64 / 1000.0))
}

/// Waits until the room's WebSocket is up to the hub started at `hub_back_at_ms`: the
/// hub's reply hints travel on it. A `Connected` from before the hub stopped does not
/// count (after a long outage the link may still be in its backoff when the catch-up
/// ends).
async fn wait_until_connected(
    status: &mut tokio::sync::watch::Receiver<crate::room::RoomStatus>,
    hub_back_at_ms: i64,
) -> Result<(), BenchError> {
    use crate::room::HubLink;
    let limit = Duration::from_secs(120);
    let connected_again = |s: &crate::room::RoomStatus| matches!(s.link, HubLink::Connected { since_ms } if since_ms >= hub_back_at_ms);
    tokio::time::timeout(limit, status.wait_for(connected_again))
        .await
        .map(|_| ())
        .map_err(|_| BenchError::NotConnected {
            limit_secs: limit.as_secs(),
        })
}

/// Staff answer `tickets` one after another through the hub's staff API (the path the
/// staff tools use); each is timed until its text is readable in the room's database.
async fn time_replies(
    client: &reqwest::Client,
    hub_url: &url::Url,
    staff_token: &str,
    room_store: &Store,
    tickets: &[String],
) -> Result<Vec<f64>, BenchError> {
    let mut reply_ms = Vec::with_capacity(tickets.len());
    for (n, ticket) in tickets.iter().enumerate() {
        let text = format!("Xã đã tiếp nhận, trả lời số {n}");
        let url = hub_url
            .join(&format!("api/v1/feedback/{ticket}"))
            .map_err(setup)?;
        let t0 = Instant::now();
        let answer = client
            .post(url)
            .bearer_auth(staff_token)
            .json(&serde_json::json!({ "status": "in_progress", "reply": text }))
            .send()
            .await
            .map_err(|e| BenchError::ReplyRefused {
                ticket: ticket.clone(),
                detail: crate::room::enroll::error_chain(&e),
            })?;
        if !answer.status().is_success() {
            return Err(BenchError::ReplyRefused {
                ticket: ticket.clone(),
                detail: format!(
                    "{}: {}",
                    answer.status(),
                    answer.text().await.unwrap_or_default()
                ),
            });
        }
        loop {
            let seen = room_store.room_ticket(ticket)?.and_then(|t| t.reply);
            if seen.as_deref() == Some(text.as_str()) {
                break;
            }
            if t0.elapsed() > REPLY_WAIT_LIMIT {
                return Err(BenchError::ReplyNotArrived {
                    ticket: ticket.clone(),
                    limit_secs: REPLY_WAIT_LIMIT.as_secs(),
                });
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        reply_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(reply_ms)
}

/// A hub and a room on this machine. The room takes `records` submissions while the hub is
/// down, then the hub comes back and the catch-up is timed; then 200 more are sent with
/// the hub up to time the way from room to hub; then staff answer 20 of them and each
/// reply is timed to the room. A bare commit next to the databases is the yardstick.
pub async fn sync(records: usize) -> Result<SyncReport, BenchError> {
    let dir = tempfile::tempdir().map_err(setup)?;
    let started = async {
        let hub = HubBuilder::demo(&dir.path().join("hub"))?
            .spawn_local()
            .await?;
        let (room_config, _) = hub
            .enroll_room("lao-chai", "bench", dir.path().join("room"), "")
            .await?;
        let room = RoomBuilder::new(room_config.clone()).spawn_bound().await?;
        Ok::<_, AppError>((hub, room, room_config))
    };
    let (hub, room, room_config) = started.await.map_err(setup)?;
    let (hub_config, hub_addr, hub_url) = (hub.config.clone(), hub.addr, hub.url.clone());
    let kiosk = room.kiosk.clone();
    let mut status_rx = room.status.clone();
    let room_db = crate::datadir::DataDir::new(&room_config.data_dir).db_path();

    // Offline: the hub is stopped; the box stores everything durably.
    let _ = hub.stop().await;
    let mut durable_ms = submit_all(&kiosk, 0, records).await?;

    // The hub is back on the same port: time the catch-up.
    let listener = tokio::net::TcpListener::bind(hub_addr)
        .await
        .map_err(setup)?;
    let back_at_ms = crate::clock::now_ms();
    let hub = HubBuilder::new(hub_config, "config/demo.toml")
        .spawn(listener)
        .map_err(setup)?;
    let hub_store = Store::open(&dir.path().join("hub/phonghop.db"))?;
    let rows = wait_for_rows(&hub_store, records).await?;
    let records_per_sec = catch_up_rate(&rows);

    // Online: the way from room to hub.
    durable_ms.extend(submit_all(&kiosk, records, ONLINE_RECORDS).await?);
    let rows = wait_for_rows(&hub_store, records + ONLINE_RECORDS).await?;

    // Staff replies: the way from hub to kiosk.
    wait_until_connected(&mut status_rx, back_at_ms).await?;
    let room_store = Store::open(&room_db)?;
    let tickets: Vec<String> = rows
        .iter()
        .filter(|r| r.room_seq > records as i64)
        .take(REPLIES)
        .map(|r| r.ticket_code.clone())
        .collect();
    // The client the room itself would use (one TLS provider, passed explicitly).
    let client = crate::room::enroll::http_client(&room_config).map_err(setup)?;
    let staff_token =
        crate::hub::accounts::service_token(&hub.config, "bench", "bench sync").map_err(setup)?;
    let mut reply_ms = time_replies(&client, &hub_url, &staff_token, &room_store, &tickets).await?;

    // The yardstick, on the same disk, with the room and hub idle.
    let bare_commit_ms = crate::store::probe::bare_commit_ms(dir.path(), BARE_COMMITS)?;

    let _ = room.stop().await;
    let _ = hub.stop().await;
    let mut transit: Vec<f64> = rows
        .iter()
        .filter(|r| r.room_seq > records as i64)
        .map(|r| (r.received_at_ms - r.submitted_at_ms) as f64)
        .collect();
    transit.sort_by(f64::total_cmp);
    durable_ms.sort_by(f64::total_cmp);
    reply_ms.sort_by(f64::total_cmp);
    let submit_to_durable_ms_p50 = percentile(&durable_ms, 0.50);
    Ok(SyncReport {
        records,
        records_per_sec,
        submit_to_durable_ms_p50,
        submit_to_durable_ms_p99: percentile(&durable_ms, 0.99),
        room_to_hub_ms_p50: percentile(&transit, 0.50),
        room_to_hub_ms_p95: percentile(&transit, 0.95),
        online_records: transit.len(),
        reply_to_kiosk_ms_p50: percentile(&reply_ms, 0.50),
        reply_to_kiosk_ms_p95: percentile(&reply_ms, 0.95),
        replies: reply_ms.len(),
        bare_commit_ms,
        submit_to_durable_vs_bare_commit: submit_to_durable_ms_p50 / bare_commit_ms,
        catch_up_records_per_bare_commit: records_per_sec.map(|r| r * bare_commit_ms / 1000.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrived_at(received_at_ms: i64) -> FeedbackRow {
        FeedbackRow {
            id: String::new(),
            room_id: None,
            unit_id: String::new(),
            room_seq: 0,
            channel: crate::feedback::Channel::Kiosk,
            photo_sha256: None,
            record: crate::wire::FeedbackRecord {
                ticket_code: String::new(),
                category: "roads".into(),
                text: String::new(),
                voice_sha256: None,
                name: None,
                phone: None,
                village: None,
                language: "vi".into(),
                submitted_at_ms: 0,
            },
            received_at_ms,
            status: crate::feedback::Status::New,
            reply: None,
            replied_at_ms: None,
            updated_at_ms: 0,
            hidden: false,
        }
    }

    /// `batches` batches of 100, one every `every_ms`, the first at 1 000 ms.
    fn catch_up(batches: i64, every_ms: i64) -> Vec<FeedbackRow> {
        (0..batches)
            .flat_map(|b| (0..100).map(move |_| arrived_at(1_000 + b * every_ms)))
            .collect()
    }

    #[test]
    fn the_rate_counts_the_batches_after_the_first_over_the_time_they_took() {
        // 19 batches after the first, 50 ms apart: 1 900 records in 950 ms.
        let rate = catch_up_rate(&catch_up(20, 50)).expect("enough batches");
        assert!((rate - 2_000.0).abs() < 1e-6, "{rate}");
    }

    #[test]
    fn too_few_batches_give_no_rate_rather_than_a_meaningless_one() {
        assert_eq!(catch_up_rate(&catch_up(1, 50)), None);
        assert_eq!(catch_up_rate(&catch_up(2, 50)), None);
        assert!(catch_up_rate(&catch_up(3, 50)).is_some());
    }
}
