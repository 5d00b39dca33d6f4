//! The people's voice at the hub: store-and-forward sync for rooms, voice uploads, the staff
//! feedback API, and the public ticket page. Who may call which is in `routes.rs`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use futures_util::StreamExt as _;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Hub;
use super::auth::{RoomCaller, Staff};
use super::contrib_sync::PledgeRefusal;
use super::error::{ApiFailure, JsonBody};
use super::routes::VOICE_MAX_BYTES;
use super::voice_partial::{OfferRefusal, PartialError, Partials};
use crate::datadir::{DataDir, DataDirError};
use crate::feedback::Status;
use crate::store::{FeedbackFilter, FeedbackRow, StoreError};
use crate::text::html_escape;
use crate::wire::{DownSync, Record, UploadBatch, UploadItem};

/// A comment longer than this is not typed on a kiosk.
pub const TEXT_MAX_CHARS: usize = 5_000;
/// A category is an id from the hub's `[[category]]` list (`roads`, `welfare`).
pub const CATEGORY_MAX_CHARS: usize = 64;
/// A resident's name as typed on the kiosk.
pub const NAME_MAX_CHARS: usize = 100;
/// A phone number: Vietnam's are 10 digits, `+84` and separators add a few.
pub const PHONE_MAX_CHARS: usize = 20;
/// A village, hamlet or street name.
pub const VILLAGE_MAX_CHARS: usize = 100;
/// A language tag such as `vi`, `en`, `hmn`.
pub const LANGUAGE_MAX_CHARS: usize = 16;
/// The rating question the hub itself sent the room.
pub const QUESTION_MAX_CHARS: usize = 500;

/// Why an uploaded item is refused for good; the answer names it and the room moves past
/// it (logging this text), so a faulty or restored box cannot stall its own queue.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UploadRefusal {
    #[error("ticket {ticket:?} is not under this room's prefix {prefix}")]
    OutsidePrefix { ticket: String, prefix: String },
    #[error("ticket {ticket:?} is not a ticket code such as LC-7K3P9")]
    TicketFormat { ticket: String },
    #[error("feedback {id} is longer than {TEXT_MAX_CHARS} characters")]
    TooLong { id: Uuid },
    #[error("{id}: {field} is {chars} characters, at most {max} allowed")]
    FieldTooLong {
        id: Uuid,
        field: &'static str,
        chars: usize,
        max: usize,
    },
    #[error(
        "{id}: phone {phone:?} is not a phone number (digits, an optional +, spaces, dots or dashes)"
    )]
    Phone { id: Uuid, phone: String },
    #[error("feedback {id} has neither text nor voice")]
    Empty { id: Uuid },
    #[error("feedback {id} names voice {sha256:?}, not a SHA-256")]
    NotSha256 { id: Uuid, sha256: String },
    #[error("rating {id} has score {score}, expected 1 to 5")]
    Score { id: Uuid, score: u8 },
    #[error(transparent)]
    Pledge(#[from] PledgeRefusal),
}

/// Why a staff list filter was refused.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    #[error("status {given:?} is not one of: {all}")]
    Status { given: String, all: String },
    #[error("since {given:?} is not a date like 2026-11-01")]
    Date { given: String },
}

/// Why a voice upload that passed its checks could not be kept.
#[derive(Debug, thiserror::Error)]
enum VoiceKeepError {
    #[error(transparent)]
    File(#[from] DataDirError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn at_most(id: Uuid, field: &'static str, text: &str, max: usize) -> Result<(), UploadRefusal> {
    let chars = text.chars().count();
    if chars > max {
        return Err(UploadRefusal::FieldTooLong {
            id,
            field,
            chars,
            max,
        });
    }
    Ok(())
}

/// Checks one uploaded item before anything is stored: a faulty box must not write
/// nonsense into the province's records, and a refused item is refused alone.
fn check_item(item: &UploadItem, ticket_prefix: Option<&str>) -> Result<(), UploadRefusal> {
    let id = item.id;
    match &item.record {
        Record::Feedback(f) => {
            if crate::feedback::ticket::normalize(&f.ticket_code).as_deref()
                != Some(f.ticket_code.as_str())
            {
                return Err(UploadRefusal::TicketFormat {
                    ticket: f.ticket_code.chars().take(40).collect(),
                });
            }
            if let Some(prefix) = ticket_prefix
                && !f.ticket_code.starts_with(prefix)
            {
                return Err(UploadRefusal::OutsidePrefix {
                    ticket: f.ticket_code.clone(),
                    prefix: prefix.to_owned(),
                });
            }
            if f.text.chars().count() > TEXT_MAX_CHARS {
                return Err(UploadRefusal::TooLong { id });
            }
            at_most(id, "category", &f.category, CATEGORY_MAX_CHARS)?;
            at_most(id, "language", &f.language, LANGUAGE_MAX_CHARS)?;
            if let Some(name) = &f.name {
                at_most(id, "name", name, NAME_MAX_CHARS)?;
            }
            if let Some(village) = &f.village {
                at_most(id, "village", village, VILLAGE_MAX_CHARS)?;
            }
            if let Some(phone) = &f.phone {
                at_most(id, "phone", phone, PHONE_MAX_CHARS)?;
                if !phone.trim().is_empty() && !crate::feedback::is_phone_number(phone.trim()) {
                    return Err(UploadRefusal::Phone {
                        id,
                        phone: phone.clone(),
                    });
                }
            }
            if f.text.trim().is_empty() && f.voice_sha256.is_none() {
                return Err(UploadRefusal::Empty { id });
            }
            if let Some(sha) = &f.voice_sha256
                && !is_sha256_hex(sha)
            {
                return Err(UploadRefusal::NotSha256 {
                    id,
                    sha256: sha.chars().take(80).collect(),
                });
            }
        }
        Record::Rating(r) => {
            if !(1..=5).contains(&r.score) {
                return Err(UploadRefusal::Score { id, score: r.score });
            }
            at_most(id, "question", &r.question, QUESTION_MAX_CHARS)?;
        }
        Record::Pledge(p) => super::contrib_sync::validate_pledge(id, p)?,
    }
    Ok(())
}

/// Why the hub refuses one uploaded item for good (`None`: it may be stored), as the sync
/// route answers it: the route and the `sync_batch` fuzz target share this check.
pub fn upload_refusal(item: &UploadItem, ticket_prefix: Option<&str>) -> Option<String> {
    check_item(item, ticket_prefix)
        .err()
        .map(|refusal| refusal.to_string())
}

/// Each item is checked alone: a refused one is answered as rejected (and done) in its
/// place, the others are stored, so a bad item never makes the room resend the batch for
/// ever. Rejections are logged with the room, the item and the reason for staff.
pub(super) async fn sync_up(
    State(hub): State<Arc<Hub>>,
    RoomCaller(room): RoomCaller,
    JsonBody(batch): JsonBody<UploadBatch>,
) -> Result<Response, ApiFailure> {
    let now = crate::clock::now_ms();
    let room_id = room.id.clone();
    let prefix = room.ticket_prefix.clone();
    let ack = hub
        .store
        .call(move |s| {
            s.store_upload_checked(
                &room.id,
                &batch.items,
                |item| upload_refusal(item, prefix.as_deref()),
                now,
            )
        })
        .await?;
    for rejected in &ack.rejected {
        tracing::warn!(room_id = %room_id, id = %rejected.id, reason = %rejected.reason, "rejected an uploaded item for good");
    }
    let stored = ack.stored.len() - ack.rejected.len();
    hub.metrics.sync_items.inc_by(stored as u64);
    hub.metrics
        .sync_items_rejected
        .inc_by(ack.rejected.len() as u64);
    Ok(Json(ack).into_response())
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct DownQuery {
    #[serde(default)]
    cursor: i64,
    #[serde(default)]
    confirmations_cursor: i64,
    #[serde(default)]
    news_cursor: i64,
}

pub(super) async fn sync_down(
    State(hub): State<Arc<Hub>>,
    RoomCaller(room): RoomCaller,
    Query(query): Query<DownQuery>,
) -> Result<Response, ApiFailure> {
    let room_id = room.id.clone();
    let news = super::news_api::down(&hub, room.unit_id.clone(), query.news_cursor).await?;
    let (cursor, tickets) = hub
        .store
        .call(move |s| s.ticket_updates_for_room(&room.id, query.cursor))
        .await?;
    let contrib = super::contrib_sync::down(&hub, room_id, query.confirmations_cursor).await?;
    let more = tickets.len() as i64 >= crate::store::TICKET_UPDATES_MAX
        || contrib.confirmations.len() as i64 >= crate::store::CONFIRMATIONS_MAX
        || news.more;
    Ok(Json(DownSync {
        more,
        cursor,
        tickets,
        categories: hub.config.feedback.categories.clone(),
        rating_question: hub.config.feedback.rating_question.clone(),
        campaigns: Some(contrib.campaigns),
        confirmations_cursor: contrib.cursor,
        confirmations: contrib.confirmations,
        news_cursor: news.cursor,
        news: news.items,
        news_removed: news.removed,
    })
    .into_response())
}

fn voice_path(hub: &Hub, sha256: &str) -> std::path::PathBuf {
    DataDir::new(&hub.config.data_dir).voice_path(sha256)
}

/// Only ever reached by an authenticated room (the route table's layer), so a stranger's
/// upload is refused before a byte of it is read.
pub(super) async fn put_voice(
    State(hub): State<Arc<Hub>>,
    Path(sha256): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiFailure> {
    if !is_sha256_hex(&sha256) {
        return Err(ApiFailure::invalid(&format!(
            "{sha256:?} is not a lowercase hex SHA-256"
        )));
    }
    let body = body?;
    let actual = hex::encode(Sha256::digest(&body));
    if actual != sha256 {
        return Err(ApiFailure::invalid(&format!(
            "the upload's SHA-256 is {actual}, not {sha256}: damaged in transit, send it again"
        )));
    }
    let path = voice_path(&hub, &sha256);
    let bytes = body.len() as u64;
    let now = crate::clock::now_ms();
    let store = hub.store.clone();
    tokio::task::spawn_blocking(move || -> Result<(), VoiceKeepError> {
        crate::datadir::write_durably(&path, &body, 0o600)?;
        store.add_voice(&sha256, bytes, now)?;
        Ok(())
    })
    .await
    .map_err(|_| ApiFailure::internal())?
    .map_err(|e| {
        tracing::error!(error = %e, "cannot store a voice file");
        ApiFailure::internal()
    })?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "stored": true })),
    )
        .into_response())
}

/// Whether the hub holds this recording whole: its row and its file (a crash between the
/// two leaves a file without a row, which a new upload replaces).
fn voice_is_stored(hub: &Hub, sha256: &str) -> Result<Option<u64>, VoiceKeepError> {
    if !hub.store.has_voice(sha256)? {
        return Ok(None);
    }
    Ok(std::fs::metadata(voice_path(hub, sha256))
        .ok()
        .map(|m| m.len()))
}

fn partials(hub: &Hub) -> Partials {
    Partials::new(&DataDir::new(&hub.config.data_dir))
}

/// What a resumable upload's status and each of its requests answer.
#[derive(Debug, serde::Serialize)]
struct UploadState {
    received_bytes: u64,
    stored: bool,
}

fn partial_failure(e: PartialError) -> ApiFailure {
    let message = e.to_string();
    match e {
        PartialError::Busy => ApiFailure::new(StatusCode::CONFLICT, "busy", &message),
        PartialError::Offer(OfferRefusal::WrongOffset { .. }) => {
            ApiFailure::new(StatusCode::CONFLICT, "wrong_offset", &message)
        }
        PartialError::Offer(OfferRefusal::TooLarge { .. } | OfferRefusal::Overlong { .. }) => {
            ApiFailure::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", &message)
        }
        PartialError::Offer(OfferRefusal::Empty | OfferRefusal::PastTotal { .. }) => {
            ApiFailure::bad_request(&message)
        }
        PartialError::HashMismatch { .. } => {
            ApiFailure::new(StatusCode::UNPROCESSABLE_ENTITY, "hash_mismatch", &message)
        }
        PartialError::Io { .. } | PartialError::DataDir(_) => {
            tracing::error!(error = %e, "cannot keep a voice upload's partial");
            ApiFailure::internal()
        }
    }
}

fn keep_failure(e: VoiceKeepError) -> ApiFailure {
    tracing::error!(error = %e, "cannot store a voice file");
    ApiFailure::internal()
}

/// How much of a recording this room has sent so far, so it sends only the rest.
pub(super) async fn voice_upload_state(
    State(hub): State<Arc<Hub>>,
    RoomCaller(room): RoomCaller,
    Path(sha256): Path<String>,
) -> Result<Response, ApiFailure> {
    if !is_sha256_hex(&sha256) {
        return Err(ApiFailure::invalid(&format!(
            "{sha256:?} is not a lowercase hex SHA-256"
        )));
    }
    let state = tokio::task::spawn_blocking(move || -> Result<UploadState, ApiFailure> {
        let partials = partials(&hub);
        if let Err(e) = partials.sweep_stale() {
            tracing::warn!(error = %e, "cannot sweep stale voice partials");
        }
        if let Some(bytes) = voice_is_stored(&hub, &sha256).map_err(keep_failure)? {
            return Ok(UploadState {
                received_bytes: bytes,
                stored: true,
            });
        }
        let held = partials.held(&room.id, &sha256).map_err(partial_failure)?;
        Ok(UploadState {
            received_bytes: held,
            stored: false,
        })
    })
    .await
    .map_err(|_| ApiFailure::internal())??;
    Ok(Json(state).into_response())
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct ResumeQuery {
    offset: u64,
    total: u64,
}

/// The next bytes of a recording, appended only at the exact end of what this room's
/// partial holds. Every chunk that arrives is kept even if the connection then drops (the
/// room asks where it stands and goes on); the last byte triggers the SHA-256 check over
/// the whole file. Only an authenticated room gets here, and only to its own partial.
pub(super) async fn patch_voice(
    State(hub): State<Arc<Hub>>,
    RoomCaller(room): RoomCaller,
    Path(sha256): Path<String>,
    query: Result<Query<ResumeQuery>, QueryRejection>,
    body: Body,
) -> Result<Response, ApiFailure> {
    if !is_sha256_hex(&sha256) {
        return Err(ApiFailure::invalid(&format!(
            "{sha256:?} is not a lowercase hex SHA-256"
        )));
    }
    let Query(ResumeQuery { offset, total }) = query.map_err(|e| {
        ApiFailure::bad_request(&format!(
            "{}: give ?offset=<bytes the hub holds>&total=<file size>",
            e.body_text()
        ))
    })?;
    let max = VOICE_MAX_BYTES as u64;
    let opened = {
        let hub = hub.clone();
        let sha256 = sha256.clone();
        tokio::task::spawn_blocking(move || {
            if let Some(bytes) = voice_is_stored(&hub, &sha256).map_err(keep_failure)? {
                return Ok(Err(bytes));
            }
            partials(&hub)
                .open_at(&room.id, &sha256, offset, total, max)
                .map(Ok)
                .map_err(partial_failure)
        })
        .await
        .map_err(|_| ApiFailure::internal())??
    };
    let mut writer = match opened {
        Ok(writer) => writer,
        // Already whole here (another attempt finished it): nothing to add.
        Err(bytes) => {
            return Ok(Json(UploadState {
                received_bytes: bytes,
                stored: true,
            })
            .into_response());
        }
    };
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let Ok(chunk) = chunk else {
            // The link dropped: what arrived stays for the room to resume from.
            break;
        };
        let (back, appended) = tokio::task::spawn_blocking(move || {
            let appended = writer.append(&chunk);
            (writer, appended)
        })
        .await
        .map_err(|_| ApiFailure::internal())?;
        writer = back;
        appended.map_err(partial_failure)?;
    }
    if !writer.is_complete() {
        let held = writer.len();
        tokio::task::spawn_blocking(move || writer.sync())
            .await
            .map_err(|_| ApiFailure::internal())?
            .map_err(partial_failure)?;
        return Ok(Json(UploadState {
            received_bytes: held,
            stored: false,
        })
        .into_response());
    }
    let path = voice_path(&hub, &sha256);
    let store = hub.store.clone();
    let bytes = tokio::task::spawn_blocking(move || -> Result<u64, ApiFailure> {
        let bytes = writer.finish(&sha256, &path).map_err(partial_failure)?;
        store
            .add_voice(&sha256, bytes, crate::clock::now_ms())
            .map_err(|e| keep_failure(e.into()))?;
        Ok(bytes)
    })
    .await
    .map_err(|_| ApiFailure::internal())??;
    Ok((
        StatusCode::CREATED,
        Json(UploadState {
            received_bytes: bytes,
            stored: true,
        }),
    )
        .into_response())
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct ListQuery {
    status: Option<String>,
    unit: Option<String>,
    /// `YYYY-MM-DD`
    since: Option<String>,
}

/// A commune officer's list holds her unit's items only, whatever `unit` she asks for.
pub(super) async fn list(
    State(hub): State<Arc<Hub>>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiFailure> {
    let filter = filter_from(query.status.as_deref(), query.unit, query.since.as_deref())
        .map_err(|e| ApiFailure::invalid(&e.to_string()))?;
    let scope = staff.scope();
    let rows = hub
        .store
        .call(move |s| s.feedback_list_in(&filter, scope.unit()))
        .await?;
    Ok(Json(rows).into_response())
}

/// Builds a list filter from what staff typed (`--status`, `--unit`, `--since`).
pub fn filter_from(
    status: Option<&str>,
    unit: Option<String>,
    since: Option<&str>,
) -> Result<FeedbackFilter, FilterError> {
    let status = match status {
        None => None,
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            let all: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
            FilterError::Status {
                given: s.to_owned(),
                all: all.join(", "),
            }
        })?),
    };
    let since_ms = match since {
        None => None,
        Some(d) => Some(
            d.parse::<jiff::civil::Date>()
                .ok()
                .and_then(|date| date.to_zoned_datetime(jiff::tz::TimeZone::system()).ok())
                .map(|z| z.timestamp().as_millisecond())
                .ok_or_else(|| FilterError::Date {
                    given: d.to_owned(),
                })?,
        ),
    };
    Ok(FeedbackFilter {
        status,
        unit_id: unit,
        since_ms,
        include_hidden: false,
        channel: None,
    })
}

pub(super) async fn show(
    State(hub): State<Arc<Hub>>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, ApiFailure> {
    let row = find_for(&hub, &staff, code).await?;
    Ok(Json(row).into_response())
}

/// The item `code` if `staff` may see it: 404 when there is none, 403 when it belongs to
/// another unit's room.
async fn find_for(hub: &Hub, staff: &Staff, code: String) -> Result<FeedbackRow, ApiFailure> {
    let row = find(hub, code).await?;
    staff.may_see_unit(&row.unit_id)?;
    Ok(row)
}

async fn find(hub: &Hub, code: String) -> Result<FeedbackRow, ApiFailure> {
    let normalized = crate::feedback::ticket::normalize(&code)
        .ok_or_else(|| ApiFailure::not_found("not a ticket code"))?;
    hub.store
        .call(move |s| s.feedback_by_ticket(&normalized))
        .await?
        .ok_or_else(|| ApiFailure::not_found("no such ticket"))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateRequest {
    pub status: Option<String>,
    pub reply: Option<String>,
    /// Accepted for older scripts and ignored: the history records the signed-in login.
    pub by: Option<String>,
}

pub(super) async fn update(
    State(hub): State<Arc<Hub>>,
    staff: Staff,
    Path(code): Path<String>,
    JsonBody(request): JsonBody<UpdateRequest>,
) -> Result<Response, ApiFailure> {
    let status = match request.status.as_deref() {
        None => None,
        Some(s) => Some(
            Status::parse(s)
                .ok_or_else(|| ApiFailure::invalid(&format!("status {s:?} is not a status")))?,
        ),
    };
    if let Some(by) = request.by.as_deref().filter(|by| *by != staff.login) {
        tracing::debug!(by, login = %staff.login, "the history records the signed-in login");
    }
    let code = find_for(&hub, &staff, code).await?.record.ticket_code;
    let now = crate::clock::now_ms();
    let by = staff.login.clone();
    let status = status.map(Status::as_str);
    let outcome = hub
        .store
        .call(move |s| super::tickets::update(s, &code, status, request.reply.as_deref(), &by, now))
        .await;
    match outcome {
        Ok(row) => {
            let _ = hub.sync_hints.send(());
            Ok(Json(row).into_response())
        }
        Err(super::tickets::TicketError::Store(e)) => Err(e.into()),
        Err(refusal) => Err(ApiFailure::new(
            StatusCode::CONFLICT,
            "refused",
            &refusal.to_string(),
        )),
    }
}

pub(super) async fn voice(
    State(hub): State<Arc<Hub>>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, ApiFailure> {
    let row = find_for(&hub, &staff, code).await?;
    let sha = row
        .record
        .voice_sha256
        .ok_or_else(|| ApiFailure::not_found("this feedback has no voice"))?;
    let bytes = tokio::fs::read(voice_path(&hub, &sha)).await.map_err(|e| {
        tracing::error!(error = %e, "voice file missing");
        ApiFailure::internal()
    })?;
    Ok(([(header::CONTENT_TYPE, "audio/ogg")], bytes).into_response())
}

/// What anyone with the code may see: status, dates, the reply. Never the text (it may
/// name people), never a name, phone or village.
pub(super) async fn public_ticket(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
) -> Response {
    let now = crate::clock::now_ms();
    let bucket = super::edge::rate_bucket(client.ip());
    let limited = || {
        (
            StatusCode::TOO_MANY_REQUESTS,
            Html(page(
                "Quá nhiều yêu cầu",
                "<p>Vui lòng thử lại sau một phút.</p>",
            )),
        )
            .into_response()
    };
    {
        let mut views = hub.public_views.lock().unwrap_or_else(|p| p.into_inner());
        let mut misses = hub.ticket_misses.lock().unwrap_or_else(|p| p.into_inner());
        if !views.allowed(bucket, now) || !misses.allowed(bucket, now) {
            tracing::warn!(client = %client.ip(), "public ticket lookups rate limited");
            return limited();
        }
        views.record(bucket, now);
    }
    let row = match find(&hub, code).await {
        Ok(row) if !row.hidden => row,
        _ => {
            hub.ticket_misses
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .record(bucket, now);
            return (
                StatusCode::NOT_FOUND,
                Html(page(
                    "Không tìm thấy phiếu",
                    "<p>Hãy kiểm tra lại mã phiếu.</p>",
                )),
            )
                .into_response();
        }
    };
    let status = row.status;
    let reply = row
        .reply
        .as_deref()
        .map(|r| format!("<h2>Trả lời của Ủy ban</h2><p>{}</p>", html_escape(r)))
        .unwrap_or_else(|| "<p>Chưa có trả lời.</p>".to_owned());
    let body = format!(
        "<p>Mã phiếu: <b>{code}</b></p><p>Trạng thái: <b>{status}</b> ({open})</p>\
         <p>Gửi lúc: {sent}</p><p>Cập nhật: {updated}</p>{reply}",
        code = html_escape(&row.ticket_code),
        status = status_vi(status),
        open = status.open311(),
        sent = crate::clock::rfc3339(row.submitted_at_ms),
        updated = crate::clock::rfc3339(row.updated_at_ms),
    );
    Html(page(&format!("Phiếu {}", row.ticket_code), &body)).into_response()
}

fn status_vi(status: Status) -> &'static str {
    match status {
        Status::New => "Mới nhận",
        Status::Acknowledged => "Đã tiếp nhận",
        Status::InProgress => "Đang xử lý",
        Status::Resolved => "Đã giải quyết",
        Status::Rejected => "Không giải quyết",
        Status::Duplicate => "Trùng với phiếu khác",
        Status::Closed => "Đã đóng",
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=vi><meta charset=utf-8><meta name=viewport content='width=device-width'>\
         <title>{t}</title><style>body{{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em;font-size:1.2em}}</style>\
         <h1>{t}</h1>{body}</html>",
        t = html_escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{RatingRecord, UploadItem};

    fn item(record: Record) -> UploadItem {
        UploadItem {
            id: uuid::Uuid::now_v7(),
            seq: 1,
            record,
        }
    }

    fn with_contact(name: &str, phone: &str, village: &str) -> Record {
        let Record::Feedback(mut f) = Record::test_feedback("LC-7KABC", "x") else {
            unreachable!("feedback")
        };
        f.name = Some(name.into());
        f.phone = Some(phone.into());
        f.village = Some(village.into());
        Record::Feedback(f)
    }

    #[test]
    fn uploads_are_checked_item_by_item_before_anything_is_stored() {
        assert!(
            check_item(
                &item(Record::test_feedback("LC-7KABC", "Đường hỏng")),
                Some("LC-7K")
            )
            .is_ok()
        );
        assert!(
            check_item(
                &item(with_contact("Giàng Thị Mỷ", "+84 912 000 111", "Lao Chải")),
                Some("LC-7K")
            )
            .is_ok()
        );
        let Record::Feedback(mut long_category) = Record::test_feedback("LC-7KABC", "x") else {
            unreachable!("feedback")
        };
        long_category.category = "c".repeat(1_500_000);
        let cases = [
            (Record::test_feedback("LC-9ZABC", "x"), "prefix"),
            (Record::test_feedback("LC-7KAB", "x"), "not a ticket code"),
            (
                Record::test_feedback("LC-7KABC; DROP", "x"),
                "not a ticket code",
            ),
            (
                Record::test_feedback("LC-7KABC", " "),
                "neither text nor voice",
            ),
            (
                Record::test_feedback("LC-7KABC", &"a".repeat(TEXT_MAX_CHARS + 1)),
                "longer",
            ),
            (
                Record::Feedback(long_category),
                "category is 1500000 characters",
            ),
            (
                with_contact(&"n".repeat(NAME_MAX_CHARS + 1), "0912000111", "v"),
                "name is",
            ),
            (
                with_contact("n", "0912000111", &"v".repeat(VILLAGE_MAX_CHARS + 1)),
                "village is",
            ),
            (
                with_contact("n", &"9".repeat(PHONE_MAX_CHARS + 1), "v"),
                "phone is",
            ),
            (
                with_contact("n", "call me maybe", "v"),
                "not a phone number",
            ),
            (
                Record::Rating(RatingRecord {
                    question: "q".into(),
                    score: 6,
                    filtered: false,
                    submitted_at_ms: 0,
                }),
                "score 6",
            ),
        ];
        for (record, expected) in cases {
            let err = check_item(&item(record), Some("LC-7K")).expect_err(expected);
            let err = err.to_string();
            assert!(err.contains(expected), "{expected}: {err}");
        }
    }

    #[test]
    fn staff_filters_are_parsed_with_clear_errors() {
        assert!(filter_from(Some("in_progress"), None, Some("2026-11-01")).is_ok());
        assert!(
            filter_from(Some("done"), None, None)
                .expect_err("bad status")
                .to_string()
                .contains("is not one of")
        );
        assert!(
            filter_from(None, None, Some("01/11/2026"))
                .expect_err("bad date")
                .to_string()
                .contains("not a date")
        );
    }
}
