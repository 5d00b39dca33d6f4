//! What the kiosk asks of the room: store a submission durably and say when it is, look up
//! a ticket. The kiosk (UI thread) sends requests over a channel; the room answers on a
//! one-shot channel the UI polls, so the UI never waits on the disk or the network.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::Room;
use super::credential;
use crate::store::RoomTicket;
use crate::wire::{FeedbackRecord, RatingRecord, Record};

/// Why the room could not do what the kiosk asked. Each variant has a kiosk text
/// ([`ServiceError::text_key`]); the words here are for the log only, never the screen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    #[error("this box is not enrolled yet; ask province IT staff")]
    NotEnrolled,
    #[error("the credential file cannot be read: {0}")]
    Credential(String),
    #[error("the recording cannot be kept: {0}")]
    Voice(String),
    #[error("the room's database refused it: {0}")]
    Store(String),
    #[error("no free code after 32 tries")]
    NoFreeCode,
    #[error("the room service stopped")]
    Stopped,
    #[error("this screen is a preview, not connected to a room")]
    Preview,
}

impl ServiceError {
    /// Every variant's kiosk text key (a test checks each exists in every language).
    pub const TEXT_KEYS: [&'static str; 7] = [
        "error-not-enrolled",
        "error-credential",
        "error-voice",
        "error-store",
        "error-no-free-code",
        "error-stopped",
        "error-preview",
    ];

    /// The key of the kiosk text that explains this to a resident.
    pub fn text_key(&self) -> &'static str {
        let index = match self {
            ServiceError::NotEnrolled => 0,
            ServiceError::Credential(_) => 1,
            ServiceError::Voice(_) => 2,
            ServiceError::Store(_) => 3,
            ServiceError::NoFreeCode => 4,
            ServiceError::Stopped => 5,
            ServiceError::Preview => 6,
        };
        Self::TEXT_KEYS[index]
    }
}

impl From<crate::store::StoreError> for ServiceError {
    fn from(e: crate::store::StoreError) -> Self {
        ServiceError::Store(e.to_string())
    }
}

/// A finished recording: where the recorder left it and the SHA-256 it computed while
/// writing it, so the room neither reads nor hashes it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voice {
    pub path: PathBuf,
    pub sha256_hex: String,
}

/// What a resident composed on the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackDraft {
    pub category: String,
    pub text: String,
    /// A finished recording (Ogg/Opus) to keep with the feedback.
    pub voice: Option<Voice>,
    /// Only with the resident's explicit consent; empty fields are dropped.
    pub name: Option<String>,
    pub phone: Option<String>,
    pub village: Option<String>,
    pub language: String,
}

/// What the resident takes away: the ticket code and where to read the reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub ticket_code: String,
    pub status_url: String,
}

/// A ticket as the kiosk shows it, with the time of the last successful sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketView {
    pub ticket: RoomTicket,
    pub last_sync_ms: Option<i64>,
}

#[derive(Debug)]
pub enum KioskRequest {
    SubmitFeedback {
        draft: FeedbackDraft,
        reply: oneshot::Sender<Result<Receipt, ServiceError>>,
    },
    SubmitRating {
        question: String,
        score: u8,
        filtered: bool,
        reply: oneshot::Sender<Result<(), ServiceError>>,
    },
    LookupTicket {
        code: String,
        reply: oneshot::Sender<Result<Option<TicketView>, ServiceError>>,
    },
    /// The feedback categories and rating question last synced from the hub.
    Settings {
        reply: oneshot::Sender<KioskSettings>,
    },
    /// Campaigns, pledges and the donor wall (`room::contrib_service`).
    Contrib(super::contrib_service::ContribRequest),
    /// The news shown now, newest first (`room::news`).
    News {
        reply: oneshot::Sender<Result<Vec<super::news::KioskNews>, ServiceError>>,
    },
}

/// What the hub decides about the kiosk's feedback screens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskSettings {
    pub categories: Vec<crate::wire::Category>,
    /// In Vietnamese, as set at the hub; `None` until the first sync.
    pub rating_question: Option<String>,
}

/// The kiosk's end: cheap to clone, usable from any thread.
#[derive(Debug, Clone)]
pub struct KioskClient {
    tx: mpsc::UnboundedSender<KioskRequest>,
}

impl KioskClient {
    pub fn send(&self, request: KioskRequest) {
        if self.tx.send(request).is_err() {
            tracing::error!("the room stopped; a kiosk request was dropped");
        }
    }
}

pub fn channel() -> (KioskClient, mpsc::UnboundedReceiver<KioskRequest>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (KioskClient { tx }, rx)
}

pub(super) async fn serve(room: Arc<Room>, mut requests: mpsc::UnboundedReceiver<KioskRequest>) {
    // Read once and kept: the box is enrolled once, and a submission should not wait on
    // the disk for it. Until it exists it is looked for again at each submission.
    let mut credential: Option<credential::Credential> = None;
    loop {
        let request = tokio::select! {
            _ = room.shutdown.cancelled() => return,
            r = requests.recv() => match r { Some(r) => r, None => return },
        };
        match request {
            KioskRequest::SubmitFeedback { draft, reply } => {
                let result = submit_feedback(&room, &mut credential, draft).await;
                if let Err(e) = &result {
                    tracing::error!(error = %e, "feedback not stored");
                }
                let _ = reply.send(result);
            }
            KioskRequest::SubmitRating {
                question,
                score,
                filtered,
                reply,
            } => {
                let record = Record::Rating(RatingRecord {
                    question,
                    score,
                    filtered,
                    submitted_at_ms: crate::clock::now_ms(),
                });
                let result = room
                    .store
                    .call(move |s| s.submit(Uuid::now_v7(), &record, crate::clock::now_ms()))
                    .await
                    .map(|_| ())
                    .map_err(ServiceError::from);
                room.sync_wake.notify_one();
                let _ = reply.send(result);
            }
            KioskRequest::Settings { reply } => {
                let settings = room
                    .store
                    .call(|s| {
                        let categories = s
                            .kv_get(super::sync_task::KV_CATEGORIES)
                            .ok()
                            .flatten()
                            .and_then(|json| {
                                serde_json::from_str::<Vec<crate::wire::Category>>(&json).ok()
                            })
                            .filter(|list| !list.is_empty())
                            .unwrap_or_else(crate::feedback::default_categories);
                        let rating_question = s
                            .kv_get(super::sync_task::KV_RATING_QUESTION)
                            .ok()
                            .flatten();
                        KioskSettings {
                            categories,
                            rating_question,
                        }
                    })
                    .await;
                let _ = reply.send(settings);
            }
            KioskRequest::LookupTicket { code, reply } => {
                let result = room
                    .store
                    .call(move |s| {
                        let Some(normalized) = crate::feedback::ticket::normalize(&code) else {
                            return Ok(None);
                        };
                        let ticket = s.room_ticket(&normalized)?;
                        let last_sync_ms = s
                            .kv_get(super::sync_task::KV_LAST_SYNC_MS)?
                            .and_then(|v| v.parse().ok());
                        Ok::<_, crate::store::StoreError>(ticket.map(|ticket| TicketView {
                            ticket,
                            last_sync_ms,
                        }))
                    })
                    .await
                    .map_err(ServiceError::from);
                let _ = reply.send(result);
            }
            KioskRequest::Contrib(request) => {
                super::contrib_service::handle(&room, request).await;
            }
            KioskRequest::News { reply } => super::news::shown(&room, reply).await,
        }
    }
}

/// Keeps the recording under its hash, then stores ticket and outbox item together.
async fn submit_feedback(
    room: &Arc<Room>,
    credential: &mut Option<credential::Credential>,
    draft: FeedbackDraft,
) -> Result<Receipt, ServiceError> {
    if credential.is_none() {
        let data = room.data.clone();
        *credential = tokio::task::spawn_blocking(move || credential::load(&data))
            .await
            .map_err(|e| ServiceError::Credential(e.to_string()))?
            .map_err(|e| ServiceError::Credential(e.to_string()))?;
    }
    let ticket_prefix = match credential {
        Some(c) if !c.ticket_prefix.is_empty() => c.ticket_prefix.clone(),
        Some(_) => "PH-00".to_owned(),
        None => return Err(ServiceError::NotEnrolled),
    };
    let voice_sha256 = match &draft.voice {
        Some(voice) => Some(keep_voice(room, voice).await?),
        None => None,
    };
    let keep = |s: &Option<String>| {
        s.as_ref()
            .map(|v| crate::text::nfc(v.trim()))
            .filter(|v| !v.is_empty())
    };
    let id = Uuid::now_v7();
    let now = crate::clock::now_ms();
    let text = crate::text::nfc(draft.text.trim());
    let stored = submit_with_fresh_code(
        room,
        id,
        now,
        || crate::feedback::ticket::new_code(&ticket_prefix, &mut rand::rng()),
        |code| {
            Ok::<_, ServiceError>(Record::Feedback(FeedbackRecord {
                ticket_code: code.to_owned(),
                category: draft.category.clone(),
                text: text.clone(),
                voice_sha256: voice_sha256.clone(),
                name: keep(&draft.name),
                phone: keep(&draft.phone),
                village: keep(&draft.village),
                language: draft.language.clone(),
                submitted_at_ms: now,
            }))
        },
    )
    .await?;
    let code = stored.ok_or(ServiceError::NoFreeCode)?;
    let status_url = room
        .config
        .hub_url
        .join(&format!("t/{code}"))
        .map(|u| u.to_string())
        .unwrap_or_default();
    Ok(Receipt {
        ticket_code: code,
        status_url,
    })
}

/// Stores the record `make` builds for a fresh code (a code already taken, which the store
/// refuses, gets another try, 32 in all) and wakes the sync task. Returns the code stored,
/// `None` if every try was taken.
pub(super) async fn submit_with_fresh_code<E: From<crate::store::StoreError>>(
    room: &Arc<Room>,
    id: Uuid,
    now_ms: i64,
    mut new_code: impl FnMut() -> String,
    mut make: impl FnMut(&str) -> Result<Record, E>,
) -> Result<Option<String>, E> {
    for _ in 0..32 {
        let code = new_code();
        let record = make(&code)?;
        let stored = room
            .store
            .call(move |s| s.submit(id, &record, now_ms))
            .await?;
        if stored {
            room.sync_wake.notify_one();
            return Ok(Some(code));
        }
    }
    Ok(None)
}

/// Moves a finished recording to `voice/<sha256>.ogg` (a rename within the data
/// directory, no copy) and makes the move durable; returns the hash the recorder computed.
async fn keep_voice(room: &Arc<Room>, voice: &Voice) -> Result<String, ServiceError> {
    let voice = voice.clone();
    let data = room.data.clone();
    let failed = |e: std::io::Error, path: &std::path::Path| {
        ServiceError::Voice(format!("{}: {e}", path.display()))
    };
    tokio::task::spawn_blocking(move || {
        use std::os::unix::fs::PermissionsExt;
        let target = data.voice_path(&voice.sha256_hex);
        let dir = target.parent().unwrap_or(data.root());
        std::fs::create_dir_all(dir).map_err(|e| failed(e, dir))?;
        std::fs::rename(&voice.path, &target).map_err(|e| failed(e, &voice.path))?;
        // Personal data: readable by the room's user only, like every secret file.
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| failed(e, &target))?;
        std::fs::File::open(&target)
            .and_then(|f| f.sync_all())
            .map_err(|e| failed(e, &target))?;
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| failed(e, dir))?;
        Ok(voice.sha256_hex)
    })
    .await
    .map_err(|e| ServiceError::Voice(e.to_string()))?
}
