//! The I/O around `sync::SyncMachine`: reads the outbox, talks HTTP to the hub, writes
//! results back. Woken when something is submitted and when the hub hints that replies
//! wait (then it downloads at once), otherwise on the machine's timers.

use std::sync::Arc;

use uuid::Uuid;

use super::Room;
use super::credential::{self, Credential};
use crate::store::StoreError;
use crate::store::delivery::SyncStepRecord;
use crate::sync::{Action, BATCH_MAX, Outcome, SentItem, SyncMachine};
use crate::wire::{ApiError, DownSync, Record, UploadAck, UploadBatch, UploadItem};

/// Delivered submissions stay at the box this long (for support), then are forgotten.
const KEEP_DELIVERED_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// Keys in the room's key/value table.
pub const KV_DOWN_CURSOR: &str = "sync.down_cursor";
pub const KV_LAST_SYNC_MS: &str = "sync.last_ok_ms";
pub const KV_CATEGORIES: &str = "feedback.categories";
pub const KV_RATING_QUESTION: &str = "feedback.rating_question";
pub const KV_CONTRIB_CURSOR: &str = "contrib.confirmations_cursor";
pub const KV_NEWS_CURSOR: &str = "news.cursor";
/// How long after a pledge the room keeps asking the hub often for its confirmation.
pub const PLEDGE_WATCH_MS: i64 = 15 * 60 * 1000;

/// Why one sync attempt failed; the machine backs off and retries whatever it was.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the hub URL {base} cannot be joined with {path}: {source}")]
    Url {
        base: String,
        path: String,
        source: url::ParseError,
    },
    #[error("hub answered {status}: {message}")]
    Hub {
        status: reqwest::StatusCode,
        message: String,
    },
    /// The request did not get through (the chain of causes, for the staff panel).
    #[error("{0}")]
    Transport(String),
    #[error(transparent)]
    Answer(#[from] super::answer::AnswerError),
    #[error("{path}: {source}")]
    Voice {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot store what the hub sent: {0}")]
    Store(#[from] StoreError),
    #[error("refused the hub's answer: {0}")]
    BadAnswer(#[from] crate::sync::BadAnswer),
}

impl SyncError {
    /// The hub no longer knows this credential: the box may have been enrolled again.
    fn credential_refused(&self) -> bool {
        matches!(self, SyncError::Hub { status, .. } if *status == reqwest::StatusCode::UNAUTHORIZED)
    }
}

/// What woke the task up.
enum Woken {
    Shutdown,
    /// A submission, or the timer: the machine decides.
    Work,
    /// The hub said replies or settings changed.
    Hint,
    /// A hub session opened: the hub is reachable again.
    HubBack,
}

pub(super) async fn run(room: Arc<Room>, client: reqwest::Client) {
    let seed = rand::random();
    let mut machine = SyncMachine::new(seed, crate::clock::now_ms());
    // Read once; read again only when the hub refuses it (the box was enrolled anew).
    let mut credential: Option<Credential> = None;
    let mut voice_sent = VoiceSent::new();
    loop {
        if room.shutdown.is_cancelled() {
            return;
        }
        let Some(current) = credential.as_ref() else {
            match credential::load(&room.data) {
                Ok(Some(c)) => credential = Some(c),
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "cannot read the credential"),
            }
            if credential.is_none() && !wait(&room, &mut machine, 2_000).await {
                return;
            }
            continue;
        };
        let pending = match room.store.call(|s| s.pending(BATCH_MAX)).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outbox");
                if !wait(&room, &mut machine, 5_000).await {
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
        let attempt = match machine.next(now, &ids) {
            Action::SleepUntil(until_ms) => {
                if !wait(&room, &mut machine, (until_ms - now).max(0)).await {
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
                upload(&room, &client, current, items).await
            }
            Action::UploadVoice(sha) => {
                upload_voice(&room, &client, current, &sha, &mut voice_sent).await
            }
            Action::Download => download(&room, &client, current).await,
        };
        let outcome = match attempt {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::warn!(why = %e, "sync attempt failed; will retry");
                if e.credential_refused() {
                    credential = None;
                }
                Outcome::Failed(e.to_string())
            }
        };
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
        // One transaction (one fsync) for the whole batch's bookkeeping.
        let result = room
            .store
            .call(move |s| {
                s.record_sync_step(&SyncStepRecord {
                    delivered: &delivered,
                    last_ok_key: ok.then_some(KV_LAST_SYNC_MS),
                    now_ms: now,
                    purge_before_ms: now - KEEP_DELIVERED_MS,
                })
            })
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "cannot record delivered items; they will be sent again");
        }
    }
}

/// Sleeps up to `ms`, or until something is submitted or the hub hints; a hint asks the
/// machine for a download at once. False on shutdown.
async fn wait(room: &Room, machine: &mut SyncMachine, ms: i64) -> bool {
    match sleep_or_wake(room, ms).await {
        Woken::Shutdown => false,
        Woken::Work => true,
        Woken::Hint => {
            machine.download_soon(crate::clock::now_ms());
            true
        }
        Woken::HubBack => {
            machine.hub_reachable(crate::clock::now_ms());
            true
        }
    }
}

async fn sleep_or_wake(room: &Room, ms: i64) -> Woken {
    tokio::select! {
        _ = room.shutdown.cancelled() => Woken::Shutdown,
        _ = room.download_hint.notified() => Woken::Hint,
        _ = room.hub_back.notified() => Woken::HubBack,
        _ = room.sync_wake.notified() => Woken::Work,
        _ = tokio::time::sleep(std::time::Duration::from_millis(ms as u64)) => Woken::Work,
    }
}

pub(super) fn url(room: &Room, path: &str) -> Result<url::Url, SyncError> {
    room.config
        .hub_url
        .join(path)
        .map_err(|source| SyncError::Url {
            base: room.config.hub_url.to_string(),
            path: path.to_owned(),
            source,
        })
}

pub(super) async fn failure(response: reqwest::Response) -> SyncError {
    let status = response.status();
    let message = super::answer::read_json::<ApiError>(
        response,
        "a failed request",
        super::answer::SMALL_MAX_BYTES,
    )
    .await
    .map(|e| e.message)
    .unwrap_or_default();
    SyncError::Hub { status, message }
}

pub(super) fn transport(e: &reqwest::Error) -> SyncError {
    SyncError::Transport(super::enroll::error_chain(e))
}

async fn upload(
    room: &Room,
    client: &reqwest::Client,
    credential: &Credential,
    items: Vec<UploadItem>,
) -> Result<Outcome, SyncError> {
    let sent: Vec<(Uuid, Option<String>)> = items
        .iter()
        .map(|i| match &i.record {
            Record::Feedback(f) => (i.id, f.voice_sha256.clone()),
            _ => (i.id, None),
        })
        .collect();
    let response = client
        .post(url(room, "api/v1/sync/up")?)
        .bearer_auth(&credential.credential)
        .json(&UploadBatch { items })
        .send()
        .await
        .map_err(|e| transport(&e))?;
    if !response.status().is_success() {
        return Err(failure(response).await);
    }
    let ack: UploadAck =
        super::answer::read_json(response, "an upload", super::answer::ACK_MAX_BYTES).await?;
    let sent: Vec<SentItem<'_>> = sent
        .iter()
        .map(|(id, voice)| SentItem {
            id: *id,
            voice_sha256: voice.as_deref(),
        })
        .collect();
    let rejected_ids: Vec<_> = ack.rejected.iter().map(|r| r.id).collect();
    crate::sync::check_ack(&sent, &ack.stored, &ack.need_voice)?;
    crate::sync::check_ack(&sent, &rejected_ids, &[])?;
    // An item the hub refused for good leaves the outbox (the hub lists it as done too);
    // the reason stays in the room's log for the technician.
    let mut stored = ack.stored;
    for rejected in ack.rejected {
        tracing::warn!(id = %rejected.id, reason = %rejected.reason, "the hub rejected a submission for good");
        if !stored.contains(&rejected.id) {
            stored.push(rejected.id);
        }
    }
    Ok(Outcome::Uploaded {
        stored,
        need_voice: ack.need_voice,
    })
}

/// A resumed upload sends at most this much per request: a link that drops mid-request
/// costs at most this (the hub keeps what reached it), and at 128 kb/s it is 2 s of sending
/// between two short answers.
pub const VOICE_CHUNK_BYTES: usize = 32 * 1024;

/// Requests in a row that move a resumed upload no further before the attempt is handed
/// back to the sync machine's backoff (the link is down, not just dropping).
const VOICE_STALLS_MAX: u32 = 3;

/// What the hub answers about a resumed upload.
#[derive(Debug, serde::Deserialize)]
struct UploadState {
    received_bytes: u64,
    stored: bool,
}

/// Voice bytes put on the link per recording until the hub holds it whole, for the log
/// line that says what the link cost (and the metrics).
pub(super) type VoiceSent = std::collections::HashMap<String, u64>;

async fn upload_voice(
    room: &Room,
    client: &reqwest::Client,
    credential: &Credential,
    sha: &str,
    sent: &mut VoiceSent,
) -> Result<Outcome, SyncError> {
    // Only hashes the room's own items name get here (`sync::check_ack`); checked again
    // because this one becomes a file name.
    if !crate::sync::is_sha256_hex(sha) {
        return Err(crate::sync::BadAnswer::NotAHash(sha.chars().take(80).collect()).into());
    }
    let path = room.data.voice_path(sha);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|source| SyncError::Voice {
            path: path.display().to_string(),
            source,
        })?;
    let counter = sent.entry(sha.to_owned()).or_default();
    if room
        .hub_resumes_voice
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        resume_voice(room, client, credential, sha, &bytes, counter).await?;
    } else {
        put_whole_voice(room, client, credential, sha, bytes.clone(), counter).await?;
    }
    let sent_bytes = sent.remove(sha).unwrap_or_default();
    room.metrics
        .voice_delivered_bytes
        .inc_by(bytes.len() as u64);
    tracing::info!(
        sha256 = %sha,
        file_bytes = bytes.len(),
        sent_bytes,
        sent_per_file = sent_bytes as f64 / bytes.len().max(1) as f64,
        "voice recording delivered"
    );
    Ok(Outcome::VoiceUploaded(sha.to_owned()))
}

fn count_sent(room: &Room, counter: &mut u64, bytes: usize) {
    *counter += bytes as u64;
    room.metrics.voice_sent_bytes.inc_by(bytes as u64);
}

/// The one-request upload an older hub (no `voice_resume` in its welcome) takes.
async fn put_whole_voice(
    room: &Room,
    client: &reqwest::Client,
    credential: &Credential,
    sha: &str,
    bytes: Vec<u8>,
    counter: &mut u64,
) -> Result<(), SyncError> {
    count_sent(room, counter, bytes.len());
    let response = client
        .put(url(room, &format!("api/v1/voice/{sha}"))?)
        .bearer_auth(&credential.credential)
        .body(bytes)
        .send()
        .await
        .map_err(|e| transport(&e))?;
    if !response.status().is_success() {
        return Err(failure(response).await);
    }
    Ok(())
}

async fn voice_state(
    client: &reqwest::Client,
    credential: &Credential,
    url: &url::Url,
) -> Result<UploadState, SyncError> {
    get_json(
        client,
        credential,
        url.clone(),
        "a voice upload's state",
        super::answer::SMALL_MAX_BYTES,
    )
    .await
}

/// A GET with the room's credential whose JSON answer is read up to `max_bytes`; a refusal
/// is the hub's own error.
async fn get_json<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    credential: &Credential,
    url: url::Url,
    what: &'static str,
    max_bytes: usize,
) -> Result<T, SyncError> {
    let response = client
        .get(url)
        .bearer_auth(&credential.credential)
        .send()
        .await
        .map_err(|e| transport(&e))?;
    if !response.status().is_success() {
        return Err(failure(response).await);
    }
    Ok(super::answer::read_json(response, what, max_bytes).await?)
}

/// Sends what the hub lacks of a recording in pieces, from where the hub's partial ends.
/// A dropped link costs the piece in flight: the room asks where the hub stands and goes
/// on at once while that keeps moving, and leaves it to the backoff when it does not.
async fn resume_voice(
    room: &Room,
    client: &reqwest::Client,
    credential: &Credential,
    sha: &str,
    bytes: &[u8],
    counter: &mut u64,
) -> Result<(), SyncError> {
    let total = bytes.len() as u64;
    let state_url = url(room, &format!("api/v1/voice/{sha}/upload"))?;
    let mut state = voice_state(client, credential, &state_url).await?;
    let mut stalls = 0;
    loop {
        if state.stored {
            return Ok(());
        }
        let offset = state.received_bytes;
        if offset >= total {
            return Err(SyncError::Hub {
                status: reqwest::StatusCode::CONFLICT,
                message: format!(
                    "the hub holds {offset} bytes of this {total}-byte recording without \
                     having stored it"
                ),
            });
        }
        let end = (offset as usize + VOICE_CHUNK_BYTES).min(bytes.len());
        let chunk = bytes[offset as usize..end].to_vec();
        count_sent(room, counter, chunk.len());
        let mut piece_url = state_url.clone();
        piece_url
            .query_pairs_mut()
            .append_pair("offset", &offset.to_string())
            .append_pair("total", &total.to_string());
        let answer = client
            .patch(piece_url)
            .bearer_auth(&credential.credential)
            .body(chunk)
            .send()
            .await;
        let why = match answer {
            Ok(response) if response.status().is_success() => {
                match super::answer::read_json::<UploadState>(
                    response,
                    "a voice upload's state",
                    super::answer::SMALL_MAX_BYTES,
                )
                .await
                {
                    Ok(answered) => {
                        state = answered;
                        stalls = 0;
                        continue;
                    }
                    Err(e) => SyncError::from(e),
                }
            }
            // Another attempt still holds the partial, or it ends elsewhere: ask again.
            Ok(response) if response.status() == reqwest::StatusCode::CONFLICT => {
                failure(response).await
            }
            Ok(response) => return Err(failure(response).await),
            Err(e) => transport(&e),
        };
        tracing::info!(sha256 = %sha, offset, why = %why, "a voice upload was cut; asking the hub where it stands");
        state = voice_state(client, credential, &state_url).await?;
        if state.received_bytes > offset || state.stored {
            stalls = 0;
        } else {
            stalls += 1;
            if stalls >= VOICE_STALLS_MAX {
                return Err(why);
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }
}

async fn download(
    room: &Room,
    client: &reqwest::Client,
    credential: &Credential,
) -> Result<Outcome, SyncError> {
    let (cursor, contrib_cursor, news_cursor) = room
        .store
        .call(|s| {
            let read = |key| {
                s.kv_get(key)
                    .map(|v| v.and_then(|c| c.parse::<i64>().ok()).unwrap_or(0))
            };
            Ok::<_, StoreError>((
                read(KV_DOWN_CURSOR)?,
                read(KV_CONTRIB_CURSOR)?,
                read(KV_NEWS_CURSOR)?,
            ))
        })
        .await?;
    let mut url = url(room, "api/v1/sync/down")?;
    url.query_pairs_mut()
        .append_pair("cursor", &cursor.to_string())
        .append_pair("confirmations_cursor", &contrib_cursor.to_string())
        .append_pair("news_cursor", &news_cursor.to_string());
    let down: DownSync = get_json(
        client,
        credential,
        url,
        "a download",
        super::answer::DOWN_MAX_BYTES,
    )
    .await?;
    let now = crate::clock::now_ms();
    let updated = !down.tickets.is_empty();
    let more = down.more;
    room.store
        .call(move |s| {
            s.apply_ticket_updates(&down.tickets, now)?;
            s.apply_contrib_down(down.campaigns.as_deref(), &down.confirmations, now)?;
            s.apply_news_down(&down.news, &down.news_removed, now)?;
            s.kv_set(KV_NEWS_CURSOR, &down.news_cursor.to_string())?;
            s.kv_set(KV_CONTRIB_CURSOR, &down.confirmations_cursor.to_string())?;
            s.kv_set(KV_DOWN_CURSOR, &down.cursor.to_string())?;
            s.kv_set(KV_RATING_QUESTION, &down.rating_question)?;
            let categories =
                serde_json::to_string(&down.categories).unwrap_or_else(|_| "[]".into());
            s.kv_set(KV_CATEGORIES, &categories)
        })
        .await?;
    if updated {
        tracing::info!("ticket replies received from the hub");
    }
    super::news::fetch_missing(room, client, credential).await?;
    Ok(Outcome::Downloaded { more })
}
