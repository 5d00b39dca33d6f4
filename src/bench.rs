//! `phonghop bench ...`: measurements that print numbers (never timed tests).

use std::time::{Duration, Instant};

use crate::app::{AppError, HubBuilder, RoomBuilder};
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
    let started = async {
        let hub = HubBuilder::demo(&dir.path().join("hub"))?
            .spawn_local()
            .await?;
        let (room_config, _) = hub
            .enroll_room("lao-chai", "bench", dir.path().join("room"), "")
            .await?;
        let room = RoomBuilder::new(room_config).spawn_bound().await?;
        Ok::<_, AppError>((hub, room))
    };
    let (hub, room) = started.await.map_err(|e| e.to_string())?;
    let (hub_config, hub_addr) = (hub.config.clone(), hub.addr);
    let kiosk = room.kiosk.clone();

    // Offline: the hub is stopped; the box stores everything durably.
    let _ = hub.stop().await;
    let mut durable_ms = submit_all(&kiosk, 0, records).await?;

    // The hub is back on the same port: time the catch-up.
    let listener = tokio::net::TcpListener::bind(hub_addr)
        .await
        .map_err(|e| e.to_string())?;
    let hub = HubBuilder::new(hub_config, "config/demo.toml")
        .spawn(listener)
        .map_err(|e| e.to_string())?;
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
    let _ = room.stop().await;
    let _ = hub.stop().await;
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
