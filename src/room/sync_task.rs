//! The I/O around `sync::SyncMachine`: reads the outbox, talks HTTP to the hub, writes
//! results back. Woken when something is submitted, otherwise on the machine's timers.

use std::sync::Arc;

use uuid::Uuid;

use super::Room;
use super::credential::{self, Credential};
use crate::sync::{Action, BATCH_MAX, Outcome, SyncMachine};
use crate::wire::{ApiError, DownSync, Record, UploadAck, UploadBatch, UploadItem};

/// Delivered submissions stay at the box this long (for support), then are forgotten.
const KEEP_DELIVERED_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// Keys in the room's key/value table.
pub const KV_DOWN_CURSOR: &str = "sync.down_cursor";
pub const KV_LAST_SYNC_MS: &str = "sync.last_ok_ms";
pub const KV_CATEGORIES: &str = "feedback.categories";
pub const KV_RATING_QUESTION: &str = "feedback.rating_question";
pub const KV_CONTRIB_CURSOR: &str = "contrib.confirmations_cursor";
/// How long after a pledge the room keeps asking the hub often for its confirmation.
pub const PLEDGE_WATCH_MS: i64 = 15 * 60 * 1000;

pub(super) async fn run(room: Arc<Room>, client: reqwest::Client) {
    let seed = rand::random();
    let mut machine = SyncMachine::new(seed, crate::clock::now_ms());
    loop {
        if room.shutdown.is_cancelled() {
            return;
        }
        let credential = match credential::load(&room.data) {
            Ok(Some(c)) => c,
            _ => {
                if sleep_or_wake(&room, 2_000).await {
                    return;
                }
                continue;
            }
        };
        let pending = match room.store.call(|s| s.pending(BATCH_MAX)).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outbox");
                if sleep_or_wake(&room, 5_000).await {
                    return;
                }
                continue;
            }
        };
        room.metrics.outbox_pending.set(pending.len() as i64);
        let ids: Vec<Uuid> = pending.iter().map(|p| p.id).collect();
        let now = crate::clock::now_ms();
        if let Ok(Some(pledged_ms)) = room.store.call(|s| s.newest_unconfirmed_pledge_ms()).await {
            machine.hurry_until(now, pledged_ms + PLEDGE_WATCH_MS);
        }
        let outcome = match machine.next(now, &ids) {
            Action::SleepUntil(until_ms) => {
                if sleep_or_wake(&room, (until_ms - now).max(0)).await {
                    return;
                }
                continue;
            }
            Action::Upload(batch_ids) => {
                let items: Vec<UploadItem> = pending
                    .iter()
                    .filter(|p| batch_ids.contains(&p.id))
                    .filter_map(|p| match serde_json::from_str::<Record>(&p.body) {
                        Ok(record) => Some(UploadItem { id: p.id, seq: p.seq, record }),
                        Err(e) => {
                            tracing::error!(id = %p.id, error = %e, "an outbox item cannot be read; it is skipped");
                            None
                        }
                    })
                    .collect();
                upload(&room, &client, &credential, items).await
            }
            Action::UploadVoice(sha) => upload_voice(&room, &client, &credential, &sha).await,
            Action::Download => download(&room, &client, &credential).await,
        };
        if let Outcome::Failed(why) = &outcome {
            tracing::warn!(%why, "sync attempt failed; will retry");
        }
        let ok = !matches!(outcome, Outcome::Failed(_));
        let delivered = machine.done(crate::clock::now_ms(), outcome);
        // The hub checked each voice file's hash before storing the item that names it:
        // the box's copy of a delivered recording is no longer needed.
        for item in pending.iter().filter(|p| delivered.contains(&p.id)) {
            if let Ok(Record::Feedback(f)) = serde_json::from_str::<Record>(&item.body)
                && let Some(sha) = f.voice_sha256
            {
                let _ = tokio::fs::remove_file(room.data.voice_path(&sha)).await;
            }
        }
        let now = crate::clock::now_ms();
        let result = room
            .store
            .call(move |s| {
                for id in &delivered {
                    s.mark_delivered(*id, now)?;
                }
                s.mark_tickets_synced(&delivered, now)?;
                if ok {
                    s.kv_set(KV_LAST_SYNC_MS, &now.to_string())?;
                }
                s.purge_delivered(now - KEEP_DELIVERED_MS)?;
                Ok::<_, crate::store::StoreError>(())
            })
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "cannot record delivered items; they will be sent again");
        }
    }
}

/// Sleeps up to `ms`; returns early when something is submitted. True on shutdown.
async fn sleep_or_wake(room: &Room, ms: i64) -> bool {
    tokio::select! {
        _ = room.shutdown.cancelled() => true,
        _ = room.sync_wake.notified() => false,
        _ = tokio::time::sleep(std::time::Duration::from_millis(ms as u64)) => false,
    }
}

fn url(room: &Room, path: &str) -> Result<url::Url, String> {
    room.config.hub_url.join(path).map_err(|e| e.to_string())
}

async fn failure(response: reqwest::Response) -> Outcome {
    let status = response.status();
    let message = response
        .json::<ApiError>()
        .await
        .map(|e| e.message)
        .unwrap_or_default();
    Outcome::Failed(format!("hub answered {status}: {message}"))
}

async fn upload(
    room: &Room,
    client: &reqwest::Client,
    credential: &Credential,
    items: Vec<UploadItem>,
) -> Outcome {
    let Ok(url) = url(room, "api/v1/sync/up") else {
        return Outcome::Failed("bad hub URL".into());
    };
    let sent = client
        .post(url)
        .bearer_auth(&credential.credential)
        .json(&UploadBatch { items })
        .send()
        .await;
    match sent {
        Ok(r) if r.status().is_success() => match r.json::<UploadAck>().await {
            Ok(ack) => Outcome::Uploaded {
                stored: ack.stored,
                need_voice: ack.need_voice,
            },
            Err(e) => Outcome::Failed(format!("unreadable answer: {e}")),
        },
        Ok(r) => failure(r).await,
        Err(e) => Outcome::Failed(super::enroll::error_chain(&e)),
    }
}

async fn upload_voice(
    room: &Room,
    client: &reqwest::Client,
    credential: &Credential,
    sha: &str,
) -> Outcome {
    let path = room.data.voice_path(sha);
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(e) => return Outcome::Failed(format!("{}: {e}", path.display())),
    };
    let Ok(url) = url(room, &format!("api/v1/voice/{sha}")) else {
        return Outcome::Failed("bad hub URL".into());
    };
    match client
        .put(url)
        .bearer_auth(&credential.credential)
        .body(bytes)
        .send()
        .await
    {
        Ok(r) if r.status().is_success() => Outcome::VoiceUploaded(sha.to_owned()),
        Ok(r) => failure(r).await,
        Err(e) => Outcome::Failed(super::enroll::error_chain(&e)),
    }
}

async fn download(room: &Room, client: &reqwest::Client, credential: &Credential) -> Outcome {
    let cursor = room
        .store
        .call(|s| s.kv_get(KV_DOWN_CURSOR))
        .await
        .ok()
        .flatten()
        .and_then(|c| c.parse::<i64>().ok())
        .unwrap_or(0);
    let contrib_cursor = room
        .store
        .call(|s| s.kv_get(KV_CONTRIB_CURSOR))
        .await
        .ok()
        .flatten()
        .and_then(|c| c.parse::<i64>().ok())
        .unwrap_or(0);
    let Ok(mut url) = url(room, "api/v1/sync/down") else {
        return Outcome::Failed("bad hub URL".into());
    };
    url.query_pairs_mut()
        .append_pair("cursor", &cursor.to_string())
        .append_pair("confirmations_cursor", &contrib_cursor.to_string());
    let down = match client
        .get(url)
        .bearer_auth(&credential.credential)
        .send()
        .await
    {
        Ok(r) if r.status().is_success() => match r.json::<DownSync>().await {
            Ok(d) => d,
            Err(e) => return Outcome::Failed(format!("unreadable answer: {e}")),
        },
        Ok(r) => return failure(r).await,
        Err(e) => return Outcome::Failed(super::enroll::error_chain(&e)),
    };
    let now = crate::clock::now_ms();
    let updated = !down.tickets.is_empty();
    let applied = room
        .store
        .call(move |s| {
            s.apply_ticket_updates(&down.tickets, now)?;
            s.apply_contrib_down(down.campaigns.as_deref(), &down.confirmations, now)?;
            s.kv_set(KV_CONTRIB_CURSOR, &down.confirmations_cursor.to_string())?;
            s.kv_set(KV_DOWN_CURSOR, &down.cursor.to_string())?;
            s.kv_set(KV_RATING_QUESTION, &down.rating_question)?;
            let categories =
                serde_json::to_string(&down.categories).unwrap_or_else(|_| "[]".into());
            s.kv_set(KV_CATEGORIES, &categories)
        })
        .await;
    match applied {
        Ok(()) => {
            if updated {
                tracing::info!("ticket replies received from the hub");
            }
            Outcome::Downloaded
        }
        Err(e) => Outcome::Failed(format!("cannot store what the hub sent: {e}")),
    }
}
