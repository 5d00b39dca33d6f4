//! `phonghop bench ...`: measurements that print numbers (never timed tests).

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::config::RoomConfig;
use crate::room::service::{FeedbackDraft, KioskRequest};

#[derive(Debug, serde::Serialize)]
pub struct SyncReport {
    pub records: usize,
    /// Catch-up throughput: records stored at the hub per second once it is reachable again
    /// after the box took `records` submissions offline (first to last arrival).
    pub records_per_sec: f64,
    /// Kiosk "Send" → stored with fsync at the room.
    pub submit_to_durable_ms_p50: f64,
    pub submit_to_durable_ms_p99: f64,
    /// Stored at the room → stored at the hub, with the hub up (`online_records` items).
    pub room_to_hub_ms_p50: f64,
    pub room_to_hub_ms_p95: f64,
    pub online_records: usize,
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
) -> Result<Vec<f64>, String> {
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
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        durable_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(durable_ms)
}

async fn wait_for_rows(
    store: &crate::store::Store,
    count: usize,
) -> Result<Vec<crate::store::FeedbackRow>, String> {
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let rows = store
            .feedback_list(&Default::default())
            .map_err(|e| e.to_string())?;
        if rows.len() >= count {
            return Ok(rows);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "only {} of {count} records reached the hub",
                rows.len()
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A hub and a room on this machine. The room takes `records` submissions while the hub is
/// down, then the hub comes back and the catch-up is timed; then 200 more are sent with
/// the hub up to time the way from room to hub.
pub async fn sync(records: usize) -> Result<SyncReport, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut hub_config =
        crate::config::parse_hub_str("config/demo.toml", crate::demo::DEMO_HUB_TOML)
            .map_err(|e| e.to_string())?;
    hub_config.data_dir = dir.path().join("hub");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let hub_addr = listener.local_addr().map_err(|e| e.to_string())?;
    let hub_url: url::Url = format!("http://{hub_addr}/")
        .parse()
        .map_err(|e: url::ParseError| e.to_string())?;
    hub_config.public_url = hub_url.clone();
    let stop = CancellationToken::new();
    let hub = tokio::spawn(crate::hub::run(
        listener,
        hub_config.clone(),
        stop.clone().cancelled_owned(),
    ));
    let (_, code) = crate::hub::admin::add_room(&hub_config, "demo", "lao-chai", "bench")
        .map_err(|e| e.to_string())?;
    let room_config =
        RoomConfig::local("lao-chai", dir.path().join("room"), hub_url, String::new());
    crate::room::enroll::enroll(&room_config, None, &code)
        .await
        .map_err(|e| e.to_string())?;
    let health = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let (status, _status_rx) = crate::room::status_channel("lao-chai");
    let (kiosk, requests) = crate::room::service::channel();
    let room_stop = CancellationToken::new();
    let room = tokio::spawn(crate::room::run_with_kiosk(
        health,
        room_config,
        status,
        requests,
        room_stop.clone().cancelled_owned(),
    ));

    // Offline: the hub is stopped; the box stores everything durably.
    stop.cancel();
    let _ = hub.await;
    let mut durable_ms = submit_all(&kiosk, 0, records).await?;

    // The hub is back on the same port: time the catch-up.
    let listener = tokio::net::TcpListener::bind(hub_addr)
        .await
        .map_err(|e| e.to_string())?;
    let stop = CancellationToken::new();
    let hub = tokio::spawn(crate::hub::run(
        listener,
        hub_config,
        stop.clone().cancelled_owned(),
    ));
    let hub_store = crate::store::Store::open(&dir.path().join("hub/phonghop.db"))
        .map_err(|e| e.to_string())?;
    let rows = wait_for_rows(&hub_store, records).await?;
    let first = rows.iter().map(|r| r.received_at_ms).min().unwrap_or(0);
    let last = rows.iter().map(|r| r.received_at_ms).max().unwrap_or(0);
    let records_per_sec = records as f64 / ((last - first).max(1) as f64 / 1000.0);

    // Online: the way from room to hub.
    let online = 200;
    durable_ms.extend(submit_all(&kiosk, records, online).await?);
    let rows = wait_for_rows(&hub_store, records + online).await?;
    room_stop.cancel();
    stop.cancel();
    let _ = room.await;
    let _ = hub.await;
    let mut transit: Vec<f64> = rows
        .iter()
        .filter(|r| r.room_seq > records as i64)
        .map(|r| (r.received_at_ms - r.submitted_at_ms) as f64)
        .collect();
    transit.sort_by(f64::total_cmp);
    durable_ms.sort_by(f64::total_cmp);
    Ok(SyncReport {
        records,
        records_per_sec,
        submit_to_durable_ms_p50: percentile(&durable_ms, 0.50),
        submit_to_durable_ms_p99: percentile(&durable_ms, 0.99),
        room_to_hub_ms_p50: percentile(&transit, 0.50),
        room_to_hub_ms_p95: percentile(&transit, 0.95),
        online_records: transit.len(),
    })
}
