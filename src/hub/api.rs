//! The hub's own routes: health, metrics, enrollment, and what a room asks about itself
//! (who it is, who is online, its WebSocket). Which route serves what is in `routes.rs`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, Query, State, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::Hub;
use super::auth::RoomCaller;
use super::error::{ApiFailure, JsonBody};
use crate::wire::{EnrollRequest, EnrollResponse};

#[derive(Debug, serde::Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    uptime_secs: u64,
    db_ok: bool,
    schema_version: u32,
    rooms_connected: usize,
}

pub(super) async fn healthz(State(hub): State<Arc<Hub>>) -> Response {
    let (db_ok, schema_version) = hub
        .store
        .call(|s| (s.ping(), s.schema_version().unwrap_or(0)))
        .await;
    let health = Health {
        status: if db_ok { "ok" } else { "degraded" },
        version: env!("CARGO_PKG_VERSION"),
        uptime_secs: hub.started.elapsed().as_secs(),
        db_ok,
        schema_version,
        rooms_connected: hub.lock_board().connected_count(),
    };
    let status = if db_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(health)).into_response()
}

pub(super) async fn metrics(State(hub): State<Arc<Hub>>) -> Response {
    hub.metrics
        .uptime_seconds
        .set(hub.started.elapsed().as_secs() as i64);
    let streams = crate::metrics::forwarder_samples(&hub.meetings.engine().stats());
    crate::metrics::response_with(&hub.metrics.registry, &streams)
}

pub(super) async fn enroll(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    JsonBody(request): JsonBody<EnrollRequest>,
) -> Result<Json<EnrollResponse>, ApiFailure> {
    let now = crate::clock::now_ms();
    let client = client.ip();
    let limited = || {
        ApiFailure::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many wrong enrollment codes from this address; wait 10 minutes",
        )
    };
    if !hub
        .enroll_failures
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .allowed(client, now)
    {
        return Err(limited());
    }
    let fail = |message: &str| {
        hub.enroll_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .record(client, now);
        hub.metrics.reject("enrollment");
        tracing::warn!(%client, reason = message, "enrollment refused");
        ApiFailure::new(StatusCode::UNAUTHORIZED, "enrollment_refused", message)
    };
    let Some(code) = crate::auth::normalize_enrollment_code(&request.code) else {
        return Err(fail(
            "that is not an enrollment code; it looks like 7K3P9-XW2QM (letters and digits)",
        ));
    };
    let credential = crate::auth::new_credential(&mut rand::rng());
    let credential_hash = crate::auth::secret_hash(&credential);
    let code_hash = crate::auth::secret_hash(&code);
    let unit = request.unit.clone();
    let outcome = hub
        .store
        .call(move |s| s.redeem_enrollment(&code_hash, unit.as_deref(), &credential_hash, now))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "enrollment failed");
            ApiFailure::internal()
        })?;
    let room = match outcome {
        Ok(room) => room,
        Err(refusal) => return Err(fail(&refusal.to_string())),
    };
    hub.metrics.enrollments.inc();
    tracing::info!(room_id = %room.id, unit = %room.unit_id, "room enrolled");
    if let Err(e) = hub.sync_rooms().await {
        tracing::error!(error = %e, "cannot reload rooms");
    }
    let unit_name = hub
        .config
        .unit(&room.unit_id)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| room.unit_id.clone());
    Ok(Json(EnrollResponse {
        room_id: room.id,
        unit_id: room.unit_id,
        unit_name,
        ticket_prefix: room.ticket_prefix.clone().unwrap_or_default(),
        room_name: room.name,
        credential,
    }))
}

/// What a technician's phone shows after scanning the QR that `hub add-room` prints.
pub(super) async fn enroll_page(
    State(hub): State<Arc<Hub>>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Html<String> {
    let code = query
        .get("code")
        .and_then(|c| crate::auth::normalize_enrollment_code(c))
        .map(|c| format!("{}-{}", &c[..5], &c[5..]))
        .unwrap_or_else(|| "&lt;CODE&gt;".to_owned());
    let hub_url = crate::text::html_escape(hub.config.public_url.as_str());
    Html(format!(
        "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>\
         <title>phonghop enrollment</title><h1>Enroll a room box</h1>\
         <p>On the box, as root, run:</p>\
         <pre>phonghop room enroll --config /etc/phonghop/room.toml --hub {hub_url} --code {code}</pre>\
         <p>The code works once, within 24 hours of being issued.</p>"
    ))
}

pub(super) async fn me(RoomCaller(room): RoomCaller) -> Response {
    Json(room).into_response()
}

pub(super) async fn presence(State(hub): State<Arc<Hub>>) -> Response {
    Json(hub.presence.borrow().clone()).into_response()
}

pub(super) async fn websocket(
    State(hub): State<Arc<Hub>>,
    RoomCaller(room): RoomCaller,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, ApiFailure> {
    let upgrade = upgrade
        .map_err(|e| ApiFailure::new(StatusCode::BAD_REQUEST, "not_websocket", &e.body_text()))?;
    Ok(upgrade
        .max_message_size(super::ws::ROOM_MESSAGE_MAX_BYTES)
        .max_frame_size(super::ws::ROOM_MESSAGE_MAX_BYTES)
        .on_upgrade(move |socket| super::ws::serve(hub, room, socket)))
}
