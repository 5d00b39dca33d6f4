//! Authenticating rooms: `Authorization: Bearer <credential>` on every request and WebSocket.

use std::collections::HashMap;
use std::net::IpAddr;

use axum::http::{HeaderMap, StatusCode, header};

use super::Hub;
use super::api::ApiFailure;
use crate::store::RoomRecord;

/// Checks the request's credential. Failures are logged with the client address and the
/// reason, never with the credential itself.
pub(crate) async fn authenticate(
    hub: &Hub,
    headers: &HeaderMap,
    client: IpAddr,
) -> Result<RoomRecord, ApiFailure> {
    let reject = |reason: &'static str, message: &str| {
        hub.metrics.reject(reason);
        tracing::warn!(%client, reason, "rejected a room request");
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
            tracing::warn!(%client, room_id = %room.id, "revoked room tried to connect");
            Err(reject("revoked", "this room was revoked at the hub"))
        }
        Some(room) => Ok(room),
    }
}

/// Counts failed enrollment attempts per client address in a sliding window.
#[derive(Debug, Default)]
pub(crate) struct FailureLimiter {
    failures: HashMap<IpAddr, (i64, u32)>,
}

impl FailureLimiter {
    /// Failures allowed per window before a client is told to wait.
    pub const MAX_FAILURES: u32 = 10;
    pub const WINDOW_MS: i64 = 10 * 60 * 1000;

    pub fn allowed(&mut self, client: IpAddr, now_ms: i64) -> bool {
        self.failures
            .retain(|_, (start, _)| now_ms - *start < Self::WINDOW_MS);
        self.failures
            .get(&client)
            .is_none_or(|(_, n)| *n < Self::MAX_FAILURES)
    }

    pub fn record_failure(&mut self, client: IpAddr, now_ms: i64) {
        self.failures.entry(client).or_insert((now_ms, 0)).1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guessing_client_is_slowed_down_and_forgiven_after_the_window() {
        let mut limiter = FailureLimiter::default();
        let ip: IpAddr = [10, 0, 0, 9].into();
        for _ in 0..FailureLimiter::MAX_FAILURES {
            assert!(limiter.allowed(ip, 0));
            limiter.record_failure(ip, 0);
        }
        assert!(!limiter.allowed(ip, 1));
        assert!(limiter.allowed([10, 0, 0, 8].into(), 1));
        assert!(limiter.allowed(ip, FailureLimiter::WINDOW_MS));
    }
}
