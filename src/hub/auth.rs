//! Who is calling: a room (`Authorization: Bearer <credential>`) or staff (loopback only
//! until staff accounts exist). Both are extractors that read only the request's head, and
//! the route table puts them in front of whole route groups, so no handler can look at a
//! body before the caller is known.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};

use super::Hub;
use super::error::ApiFailure;
use crate::store::RoomRecord;

/// The enrolled, not revoked room that sent this request.
#[derive(Debug, Clone)]
pub(crate) struct RoomCaller(pub RoomRecord);

impl FromRequestParts<Arc<Hub>> for RoomCaller {
    type Rejection = ApiFailure;

    /// The route table's layer authenticates first and leaves the room in the request's
    /// extensions; a handler asking again gets that room without a second lookup.
    async fn from_request_parts(parts: &mut Parts, hub: &Arc<Hub>) -> Result<Self, ApiFailure> {
        if let Some(known) = parts.extensions.get::<RoomCaller>() {
            return Ok(known.clone());
        }
        let room = authenticate(hub, &parts.headers, client_ip(parts)).await?;
        let caller = RoomCaller(room);
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// Staff on the hub machine itself. A later issue replaces the loopback rule with accounts;
/// the routes that need staff already say so through this type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StaffCaller;

impl<S: Send + Sync> FromRequestParts<S> for StaffCaller {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiFailure> {
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(client)| *client);
        require_loopback(client)?;
        Ok(StaffCaller)
    }
}

/// The peer's address, when the server recorded it (always, when served by `hub::run`).
fn client_ip(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(client)| client.ip())
}

/// Checks the request's credential. Failures are logged with the client address and the
/// reason, never with the credential itself.
async fn authenticate(
    hub: &Hub,
    headers: &HeaderMap,
    client: Option<IpAddr>,
) -> Result<RoomRecord, ApiFailure> {
    let reject = |reason: &'static str, message: &str| {
        hub.metrics.reject(reason);
        tracing::warn!(client = ?client, reason, "rejected a room request");
        ApiFailure::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(reject(
            "missing",
            "no credential; send Authorization: Bearer <credential>",
        ));
    };
    let Some(token) = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Err(reject(
            "malformed",
            "Authorization must be: Bearer <credential>",
        ));
    };
    let hash = crate::auth::secret_hash(token);
    let found = hub
        .store
        .call(move |s| s.room_by_credential(&hash))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "credential lookup failed");
            ApiFailure::internal()
        })?;
    match found {
        None => Err(reject(
            "unknown",
            "unknown credential; enroll this box again",
        )),
        Some(room) if room.revoked_at_ms.is_some() => {
            tracing::warn!(client = ?client, room_id = %room.id, "revoked room tried to connect");
            Err(reject("revoked", "this room was revoked at the hub"))
        }
        Some(room) => Ok(room),
    }
}

/// Staff APIs are served to this machine only until staff accounts exist: an operator
/// uses them over SSH or through the CLI. An unknown peer address is not loopback.
fn require_loopback(client: Option<SocketAddr>) -> Result<(), ApiFailure> {
    let loopback = client.is_some_and(|client| {
        let ip = client.ip();
        ip.is_loopback()
            || matches!(ip, IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()))
    });
    if loopback {
        Ok(())
    } else {
        tracing::warn!(client = ?client, "staff API refused to a remote client");
        Err(ApiFailure::new(
            StatusCode::FORBIDDEN,
            "staff_only",
            "staff endpoints answer on the hub machine itself only (127.0.0.1 or ::1): use them \
             there or through an SSH tunnel, or use the `phonghop hub ...` commands",
        ))
    }
}

/// Counts events (failed enrollments, public page views) per client address in a fixed
/// window, to slow down guessing and scraping.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    max_per_window: u32,
    window_ms: i64,
    counts: HashMap<IpAddr, (i64, u32)>,
}

impl RateLimiter {
    /// Wrong enrollment codes allowed per address before it must wait.
    pub fn enrollment() -> Self {
        Self::new(10, 10 * 60 * 1000)
    }

    /// Public ticket page views per address and minute.
    pub fn public_pages() -> Self {
        Self::new(60, 60 * 1000)
    }

    pub fn new(max_per_window: u32, window_ms: i64) -> Self {
        Self {
            max_per_window,
            window_ms,
            counts: HashMap::new(),
        }
    }

    pub fn allowed(&mut self, client: IpAddr, now_ms: i64) -> bool {
        let window_ms = self.window_ms;
        self.counts
            .retain(|_, (start, _)| now_ms - *start < window_ms);
        self.counts
            .get(&client)
            .is_none_or(|(_, n)| *n < self.max_per_window)
    }

    pub fn record(&mut self, client: IpAddr, now_ms: i64) {
        self.counts.entry(client).or_insert((now_ms, 0)).1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_routes_answer_loopback_clients_only() {
        for local in ["127.0.0.1:9", "[::1]:9", "[::ffff:127.0.0.1]:9"] {
            let addr: SocketAddr = local.parse().expect("addr");
            assert!(require_loopback(Some(addr)).is_ok(), "{local}");
        }
        for remote in ["10.0.0.9:9", "[2001:db8::1]:9", "[::ffff:10.0.0.9]:9"] {
            let addr: SocketAddr = remote.parse().expect("addr");
            assert!(require_loopback(Some(addr)).is_err(), "{remote}");
        }
        assert!(
            require_loopback(None).is_err(),
            "an unknown peer is not trusted as local"
        );
    }

    #[test]
    fn a_guessing_client_is_slowed_down_and_forgiven_after_the_window() {
        let mut limiter = RateLimiter::enrollment();
        let ip: IpAddr = [10, 0, 0, 9].into();
        for _ in 0..10 {
            assert!(limiter.allowed(ip, 0));
            limiter.record(ip, 0);
        }
        assert!(!limiter.allowed(ip, 1));
        assert!(limiter.allowed([10, 0, 0, 8].into(), 1));
        assert!(limiter.allowed(ip, 10 * 60 * 1000));
    }
}
