//! Meetings over HTTP: the staff API, the browser page `/meet/<id>?t=<token>` and its
//! WebSocket (who may call which is in `routes.rs`), and what `phonghop hub meeting ...`
//! does to the database.

use std::sync::Arc;

use axum::Json;
use axum::extract::ws::{Message, WebSocket};
use axum::extract::{Path, Query, State, WebSocketUpgrade};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use sha2::{Digest, Sha256};

use super::Hub;
use super::admin::AdminError;
use super::error::{ApiFailure, JsonBody};
use crate::config::HubConfig;
use crate::meeting::ParticipantKind;
use crate::meeting::signalling::Sender;
use crate::store::MeetingRow;
use crate::wire::{ClientSignal, HubMessage, ServerSignal, SignalError};

const PAGE: &str = include_str!("assets/meet.html");

pub(crate) fn new_meeting_id() -> String {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
    let mut rng = rand::rng();
    let tail: String = (0..8)
        .map(|_| ALPHABET[rand::Rng::random_range(&mut rng, 0..ALPHABET.len())] as char)
        .collect();
    format!("hop-{tail}")
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// `phonghop hub meeting start`: stores the meeting; a running hub invites the rooms.
pub fn start_meeting(
    config: &HubConfig,
    host: &str,
    rooms: &[String],
) -> Result<MeetingRow, AdminError> {
    let store = crate::app::open_store(&config.data_dir)?;
    Ok(store.start_meeting(&new_meeting_id(), host, rooms, crate::clock::now_ms())?)
}

/// `phonghop hub meeting stop`.
pub fn stop_meeting(config: &HubConfig, id: &str) -> Result<(), AdminError> {
    let store = crate::app::open_store(&config.data_dir)?;
    if store.end_meeting(id, crate::clock::now_ms())? {
        Ok(())
    } else {
        Err(AdminError::Store(crate::store::StoreError::Refused(
            format!(
                "no running meeting {id:?}; `phonghop hub meeting list` shows the running ones"
            ),
        )))
    }
}

pub fn list_meetings(config: &HubConfig) -> Result<Vec<MeetingRow>, AdminError> {
    Ok(crate::app::open_store(&config.data_dir)?.active_meetings()?)
}

/// `phonghop hub meeting link`: a browser link for one meeting, for `name`.
pub fn meeting_link(config: &HubConfig, id: &str, name: &str) -> Result<url::Url, AdminError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AdminError::Store(crate::store::StoreError::Refused(
            "give the person's name (1 to 80 characters) with --name".into(),
        )));
    }
    let store = crate::app::open_store(&config.data_dir)?;
    let token = hex::encode(rand::random::<[u8; 24]>());
    store.add_meeting_link(id, name, &token_hash(&token), crate::clock::now_ms())?;
    let mut url = config
        .public_url
        .join(&format!("meet/{id}"))
        .map_err(|e| AdminError::Store(crate::store::StoreError::Refused(e.to_string())))?;
    url.query_pairs_mut().append_pair("t", &token);
    Ok(url)
}

/// Starts a meeting at the running hub and invites its connected rooms at once: the staff
/// API and the dashboard's form.
pub(super) async fn start_running(
    hub: &Hub,
    host: String,
    rooms: Vec<String>,
) -> Result<MeetingRow, crate::store::StoreError> {
    let id = new_meeting_id();
    let row = hub
        .store
        .call(move |s| s.start_meeting(&id, &host, &rooms, crate::clock::now_ms()))
        .await?;
    hub.reload_meetings().await;
    Ok(row)
}

/// Ends a running meeting and tells its participants; false when none runs with that id.
pub(super) async fn stop_running(hub: &Hub, id: &str) -> Result<bool, crate::store::StoreError> {
    let key = id.to_owned();
    let ended = hub
        .store
        .call(move |s| s.end_meeting(&key, crate::clock::now_ms()))
        .await?;
    if ended {
        hub.reload_meetings().await;
    }
    Ok(ended)
}

/// A browser link for `name` into running meeting `id` ([`meeting_link`], off the async
/// threads); the outer error is a task that did not finish.
pub(super) async fn link_running(
    hub: &Hub,
    id: String,
    name: String,
) -> Result<Result<url::Url, AdminError>, tokio::task::JoinError> {
    let config = hub.config.clone();
    tokio::task::spawn_blocking(move || meeting_link(&config, &id, &name)).await
}

pub(super) async fn list(State(hub): State<Arc<Hub>>) -> Response {
    Json(hub.meetings.views()).into_response()
}

pub(super) async fn show(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
) -> Result<Response, ApiFailure> {
    let view = hub
        .meetings
        .view(&id)
        .ok_or_else(|| ApiFailure::not_found(&format!("no running meeting {id:?}")))?;
    Ok(Json(view).into_response())
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StartRequest {
    host: String,
    rooms: Vec<String>,
}

pub(super) async fn start(
    State(hub): State<Arc<Hub>>,
    JsonBody(request): JsonBody<StartRequest>,
) -> Result<Response, ApiFailure> {
    let row = start_running(&hub, request.host, request.rooms)
        .await
        .map_err(|e| ApiFailure::bad_request(&e.to_string()))?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

pub(super) async fn stop(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
) -> Result<Response, ApiFailure> {
    if !stop_running(&hub, &id).await? {
        return Err(ApiFailure::not_found(&format!("no running meeting {id:?}")));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LinkRequest {
    name: String,
}

pub(super) async fn link(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<LinkRequest>,
) -> Result<Response, ApiFailure> {
    let url = link_running(&hub, id, request.name)
        .await
        .map_err(|_| ApiFailure::internal())?
        .map_err(|e| ApiFailure::bad_request(&e.to_string()))?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "url": url.as_str() })),
    )
        .into_response())
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SubscribeRequest {
    /// Participant ids per slot (`null` = nothing); the whole field `null` returns the
    /// participant to the automatic choice (host and last speaker).
    slots: Option<Vec<Option<String>>>,
}

pub(super) async fn subscribe(
    State(hub): State<Arc<Hub>>,
    Path((id, participant)): Path<(String, String)>,
    JsonBody(request): JsonBody<SubscribeRequest>,
) -> Result<Response, ApiFailure> {
    hub.meetings
        .set_subscription(&id, &participant, request.slots)
        .map_err(|e| ApiFailure::bad_request(&e.to_string()))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CapRequest {
    /// Bits per second, at least 30 000; `null` lifts the cap.
    bps: Option<u64>,
}

pub(super) async fn cap(
    State(hub): State<Arc<Hub>>,
    Path((id, participant)): Path<(String, String)>,
    JsonBody(request): JsonBody<CapRequest>,
) -> Result<Response, ApiFailure> {
    if request.bps.is_some_and(|b| b < 30_000) {
        return Err(ApiFailure::bad_request(
            "bps must be at least 30000 (below that not even audio fits)",
        ));
    }
    hub.meetings
        .cap_bitrate(&id, &participant, request.bps)
        .map_err(|e| ApiFailure::bad_request(&e.to_string()))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct TokenQuery {
    t: Option<String>,
}

/// The link's holder: (meeting id, name), if the token opens this meeting and it runs.
async fn admitted(hub: &Hub, id: &str, token: Option<&str>) -> Option<(String, String)> {
    let hash = token_hash(token?);
    let (meeting_id, name) = hub
        .store
        .call(move |s| s.meeting_link(&hash))
        .await
        .ok()??;
    (meeting_id == id && hub.meetings.is_running(id)).then_some((meeting_id, name))
}

/// One participant per link holder; a reload replaces the earlier page's session. The page
/// gets its TURN credential under the same id.
fn browser_participant_id(token: Option<&str>) -> String {
    format!("web-{}", &token_hash(token.unwrap_or_default())[..10])
}

fn refused_page(message: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        Html(format!(
            "<!doctype html><meta charset=utf-8><title>phonghop</title>\
             <p style=\"font:20px sans-serif\">{message}</p>"
        )),
    )
        .into_response()
}

pub(super) async fn page(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    Query(query): Query<TokenQuery>,
) -> Response {
    let Some((meeting_id, name)) = admitted(&hub, &id, query.t.as_deref()).await else {
        return refused_page(
            "Liên kết không hợp lệ hoặc cuộc họp đã kết thúc. Xin một liên kết mới từ cán bộ. \
             (This link is not valid or the meeting has ended; ask staff for a new one.)",
        );
    };
    let participant_id = browser_participant_id(query.t.as_deref());
    let config = serde_json::json!({
        "meetingId": meeting_id,
        "token": query.t.unwrap_or_default(),
        "name": name,
        "iceServers": hub.meetings.ice_servers_for(&participant_id),
        "slots": crate::wire::MEDIA_SLOTS,
        // The engine takes simulcast: the page reports what it receives, as rooms do.
        "simulcast": hub.meetings.engine().simulcast(),
        "receiveReportEveryMs": crate::wire::RECEIVE_REPORT_EVERY_MS,
        "receiveReportVersion": crate::wire::RECEIVE_REPORT_VERSION,
        "lang": "vi",
    });
    // Inside a <script>: `<` must not open a tag.
    let json = config.to_string().replace('<', "\\u003c");
    let html = PAGE.replacen("/*PHONGHOP_CONFIG*/null", &json, 1);
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

pub(super) async fn browser_ws(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    Query(query): Query<TokenQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let token = query.t.clone();
    let Some((meeting_id, name)) = admitted(&hub, &id, token.as_deref()).await else {
        return ApiFailure::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this link is not valid for a running meeting",
        )
        .into_response();
    };
    let participant_id = browser_participant_id(token.as_deref());
    upgrade
        .max_message_size(256 * 1024)
        .on_upgrade(move |socket| serve_browser(hub, socket, meeting_id, participant_id, name))
}

async fn serve_browser(
    hub: Arc<Hub>,
    socket: WebSocket,
    meeting_id: String,
    participant_id: String,
    name: String,
) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<HubMessage>();
    hub.meetings
        .connected(&participant_id, tx.clone(), ParticipantKind::Browser);
    let sender = Sender {
        participant_id: participant_id.clone(),
        name,
        kind: ParticipantKind::Browser,
    };
    tracing::info!(%meeting_id, %participant_id, "browser joined");
    loop {
        tokio::select! {
            _ = hub.shutdown.cancelled() => break,
            Some(message) = rx.recv() => {
                let HubMessage::Signal { signal, .. } = message else { continue };
                let ended = signal == ServerSignal::Ended;
                let Ok(text) = serde_json::to_string(&signal) else { continue };
                if sink.send(Message::Text(text.into())).await.is_err() || ended {
                    break;
                }
            }
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<ClientSignal>(text.as_str()) {
                    Ok(signal) => {
                        let leave = signal == ClientSignal::Leave;
                        hub.meetings.on_signal(&sender, &meeting_id, signal).await;
                        if leave { break; }
                    }
                    Err(e) => {
                        let reply = ServerSignal::Error {
                            code: SignalError::Malformed,
                            message: format!("cannot read message: {e}"),
                        };
                        if let Ok(text) = serde_json::to_string(&reply) {
                            let _ = sink.send(Message::Text(text.into())).await;
                        }
                    }
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            }
        }
    }
    hub.meetings
        .disconnected(&participant_id, &tx, ParticipantKind::Browser)
        .await;
    tracing::info!(%meeting_id, %participant_id, "browser left");
}
