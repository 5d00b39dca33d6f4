//! What the kiosk asks of the room: store a submission durably and say when it is, look up
//! a ticket. The kiosk (UI thread) sends requests over a channel; the room answers on a
//! one-shot channel the UI polls, so the UI never waits on the disk or the network.

use std::path::PathBuf;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::Room;
use super::credential;
use crate::store::RoomTicket;
use crate::wire::{FeedbackRecord, RatingRecord, Record};

/// What a resident composed on the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackDraft {
    pub category: String,
    pub text: String,
    /// A finished recording (Ogg/Opus) to keep with the feedback.
    pub voice: Option<PathBuf>,
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
        reply: oneshot::Sender<Result<Receipt, String>>,
    },
    SubmitRating {
        question: String,
        score: u8,
        filtered: bool,
        reply: oneshot::Sender<Result<(), String>>,
    },
    LookupTicket {
        code: String,
        reply: oneshot::Sender<Result<Option<TicketView>, String>>,
    },
    /// The feedback categories and rating question last synced from the hub.
    Settings {
        reply: oneshot::Sender<KioskSettings>,
    },
    /// Campaigns, pledges and the donor wall (`room::contrib_service`).
    Contrib(super::contrib_service::ContribRequest),
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
    loop {
        let request = tokio::select! {
            _ = room.shutdown.cancelled() => return,
            r = requests.recv() => match r { Some(r) => r, None => return },
        };
        match request {
            KioskRequest::SubmitFeedback { draft, reply } => {
                let result = submit_feedback(&room, draft).await;
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
                    .map_err(|e| e.to_string());
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
                    .map_err(|e| e.to_string());
                let _ = reply.send(result);
            }
            KioskRequest::Contrib(request) => {
                super::contrib_service::handle(&room, request).await;
            }
        }
    }
}

/// Keeps the recording under its hash, then stores ticket and outbox item together.
async fn submit_feedback(room: &Arc<Room>, draft: FeedbackDraft) -> Result<Receipt, String> {
    let credential = credential::load(&room.data)
        .map_err(|e| e.to_string())?
        .ok_or("this box is not enrolled yet; ask province IT staff")?;
    let voice_sha256 = match &draft.voice {
        Some(path) => Some(keep_voice(room, path).await?),
        None => None,
    };
    let keep = |s: &Option<String>| {
        s.as_ref()
            .map(|v| crate::text::nfc(v.trim()))
            .filter(|v| !v.is_empty())
    };
    let prefix = if credential.ticket_prefix.is_empty() {
        "PH-00".to_owned()
    } else {
        credential.ticket_prefix.clone()
    };
    let id = Uuid::now_v7();
    let now = crate::clock::now_ms();
    for _ in 0..32 {
        let code = crate::feedback::ticket::new_code(&prefix, &mut rand::rng());
        let record = Record::Feedback(FeedbackRecord {
            ticket_code: code.clone(),
            category: draft.category.clone(),
            text: crate::text::nfc(draft.text.trim()),
            voice_sha256: voice_sha256.clone(),
            name: keep(&draft.name),
            phone: keep(&draft.phone),
            village: keep(&draft.village),
            language: draft.language.clone(),
            submitted_at_ms: now,
        });
        let stored = room
            .store
            .call(move |s| s.submit(id, &record, now))
            .await
            .map_err(|e| e.to_string())?;
        if stored {
            room.sync_wake.notify_one();
            let status_url = room
                .config
                .hub_url
                .join(&format!("t/{code}"))
                .map(|u| u.to_string())
                .unwrap_or_default();
            return Ok(Receipt {
                ticket_code: code,
                status_url,
            });
        }
    }
    Err("could not find a free ticket code".into())
}

/// Moves a finished recording to `voice/<sha256>.ogg` durably and returns the hash.
async fn keep_voice(room: &Arc<Room>, path: &std::path::Path) -> Result<String, String> {
    let path = path.to_owned();
    let data = room.data.clone();
    tokio::task::spawn_blocking(move || {
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let sha = hex::encode(Sha256::digest(&bytes));
        let target = data.voice_path(&sha);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        data.write_secret(&target, &bytes)
            .map_err(|e| e.to_string())?;
        let _ = std::fs::remove_file(&path);
        Ok(sha)
    })
    .await
    .map_err(|e| e.to_string())?
}
