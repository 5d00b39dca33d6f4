//! Who is calling: a room (`Authorization: Bearer <credential>`) or a staff member (the
//! dashboard's session cookie or `Authorization: Bearer <token>`). All are extractors that
//! read only the request's head, and the route table puts them in front of whole route
//! groups, so no handler can look at a body before the caller is known. Where the request
//! comes from (loopback or not) grants nothing.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::Hub;
use super::error::ApiFailure;
use crate::hub::accounts::Scope;
use crate::store::{RoomRecord, StoreError};
use crate::store::{StaffAccount, StaffRole};

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

/// The name of the dashboard's session cookie (`Path=/staff`, `HttpOnly`, `SameSite=Strict`).
pub(crate) const SESSION_COOKIE: &str = "phonghop_staff";
/// The header a cookie-authenticated JSON request that changes something must carry,
/// holding the session's CSRF token (bearer-token requests need none: no browser sends
/// a bearer token by itself).
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// How a staff request proved who sent it.
#[derive(Debug, Clone)]
pub(crate) enum Credential {
    /// The dashboard's cookie; `id_hash` names the session row, `csrf` is its form token.
    Session { id_hash: String, csrf: String },
    /// `Authorization: Bearer <token>` from `phonghop hub user token`.
    Token,
}

/// A signed-in staff member: an enabled account with a live session cookie or an API token
/// that is not revoked. Loopback grants nothing: every staff route needs one of the two.
/// Handlers take this to know who acts and what they may see ([`Staff::scope`]).
#[derive(Debug, Clone)]
pub(crate) struct Staff {
    pub user_id: i64,
    pub login: String,
    pub name: String,
    pub role: StaffRole,
    pub unit: Option<String>,
    pub credential: Credential,
}

impl Staff {
    fn new(account: StaffAccount, credential: Credential) -> Self {
        Self {
            user_id: account.id,
            login: account.login,
            name: account.name,
            role: account.role,
            unit: account.unit,
            credential,
        }
    }

    /// The feedback this member may see and change: the whole province, or one unit's.
    pub fn scope(&self) -> Scope {
        match (self.role, &self.unit) {
            (StaffRole::ProvinceAdmin, _) => Scope::All,
            (StaffRole::CommuneStaff, Some(unit)) => Scope::Unit(unit.clone()),
            (StaffRole::CommuneStaff, None) => Scope::Unit(String::new()),
        }
    }

    pub fn is_province_admin(&self) -> bool {
        self.role == StaffRole::ProvinceAdmin
    }

    /// 403 unless this member may see an item of `unit`.
    pub fn may_see_unit(&self, unit: &str) -> Result<(), ApiFailure> {
        if self.scope().allows_unit(unit) {
            Ok(())
        } else {
            tracing::warn!(login = %self.login, unit, "staff refused another unit's item");
            Err(forbidden("this item belongs to another unit than yours"))
        }
    }

    /// The session's CSRF token, for the hidden `csrf` input of a form.
    pub fn csrf(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session { csrf, .. } => Some(csrf),
            Credential::Token => None,
        }
    }

    /// Whether `given` is this session's CSRF token (compared in constant time). A bearer
    /// token needs none, so any value passes.
    pub fn csrf_matches(&self, given: &str) -> bool {
        match &self.credential {
            Credential::Session { csrf, .. } => same_secret(csrf, given),
            Credential::Token => true,
        }
    }
}

/// Compares two secrets without telling, by its timing, how much of them matched.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

pub(crate) fn forbidden(message: &str) -> ApiFailure {
    ApiFailure::new(StatusCode::FORBIDDEN, "forbidden", message)
}

fn unauthorized(message: &str) -> ApiFailure {
    ApiFailure::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

impl FromRequestParts<Arc<Hub>> for Staff {
    type Rejection = ApiFailure;

    /// The route table's layer authenticates first and leaves the member in the request's
    /// extensions; a handler asking again gets it without a second lookup.
    async fn from_request_parts(parts: &mut Parts, hub: &Arc<Hub>) -> Result<Self, ApiFailure> {
        if let Some(known) = parts.extensions.get::<Staff>() {
            return Ok(known.clone());
        }
        let staff = authenticate_staff(hub, parts).await?;
        parts.extensions.insert(staff.clone());
        Ok(staff)
    }
}

/// The token of an `Authorization: Bearer <token>` header, as rooms and staff send it;
/// `None` for another scheme or an empty token.
fn bearer_token(value: &HeaderValue) -> Option<&str> {
    value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

async fn authenticate_staff(hub: &Hub, parts: &Parts) -> Result<Staff, ApiFailure> {
    let client = client_ip(parts);
    let reject = |reason: &'static str, message: &str| {
        hub.metrics.reject(reason);
        tracing::warn!(client = ?client, reason, path = %parts.uri.path(), "rejected a staff request");
        unauthorized(message)
    };
    let lookup_failed = |e: StoreError| {
        tracing::error!(error = %e, "staff credential lookup failed");
        ApiFailure::internal()
    };
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let Some(token) = bearer_token(value) else {
            return Err(reject(
                "staff_malformed",
                "Authorization must be: Bearer <token from `phonghop hub user token`>",
            ));
        };
        let hash = crate::hub::accounts::secret_hash(token);
        let account = hub
            .store
            .call(move |s| s.staff_by_token(&hash))
            .await
            .map_err(lookup_failed)?;
        return match account {
            Some(account) => Ok(Staff::new(account, Credential::Token)),
            None => Err(reject(
                "staff_token",
                "unknown or revoked token, or a disabled account",
            )),
        };
    }
    let Some(session) = cookie(&parts.headers, SESSION_COOKIE).filter(|s| !s.is_empty()) else {
        return Err(reject(
            "staff_missing",
            "sign in at /staff/login, or send Authorization: Bearer <token>",
        ));
    };
    let id_hash = crate::hub::accounts::secret_hash(session);
    let now = crate::clock::now_ms();
    let found = {
        let id_hash = id_hash.clone();
        hub.store
            .call(move |s| s.staff_session(&id_hash, crate::hub::accounts::SESSION_IDLE_MS, now))
            .await
            .map_err(lookup_failed)?
    };
    let Some((account, csrf)) = found else {
        return Err(reject(
            "staff_session",
            "your session has ended; sign in again at /staff/login",
        ));
    };
    let staff = Staff::new(account, Credential::Session { id_hash, csrf });
    // A JSON request that changes something, sent with the cookie a browser attaches by
    // itself, must also prove it came from the dashboard's own pages.
    let changes = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if changes && parts.uri.path().starts_with("/api/") {
        let given = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !staff.csrf_matches(given) {
            hub.metrics.reject("staff_csrf");
            return Err(forbidden(
                "a signed-in browser request that changes something must carry the page's \
                 X-CSRF-Token header",
            ));
        }
    }
    Ok(staff)
}

/// A province admin; commune staff get 403. The route table puts this in front of the
/// routes only the province may use (campaigns, meetings and their links, subscriptions
/// and caps), so a handler there cannot forget the check.
#[derive(Debug, Clone)]
pub(crate) struct ProvinceAdmin;

impl FromRequestParts<Arc<Hub>> for ProvinceAdmin {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, hub: &Arc<Hub>) -> Result<Self, ApiFailure> {
        let staff = Staff::from_request_parts(parts, hub).await?;
        if staff.is_province_admin() {
            Ok(ProvinceAdmin)
        } else {
            tracing::warn!(login = %staff.login, path = %parts.uri.path(), "commune staff refused a province route");
            Err(forbidden("only a province admin may use this"))
        }
    }
}

/// A signed-in member on a dashboard page; anyone else is sent to the login form (a
/// browser shows that, where a 401 JSON body would be a dead end).
#[derive(Debug, Clone)]
pub(crate) struct StaffPage(pub Staff);

impl FromRequestParts<Arc<Hub>> for StaffPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, hub: &Arc<Hub>) -> Result<Self, Response> {
        match Staff::from_request_parts(parts, hub).await {
            Ok(staff) => Ok(StaffPage(staff)),
            Err(failure) if failure.status() == StatusCode::UNAUTHORIZED => {
                Err(Redirect::to("/staff/login").into_response())
            }
            Err(failure) => Err(failure.into_response()),
        }
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
    let Some(token) = bearer_token(value) else {
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

    /// Failed staff logins per address before it must wait (a lockout per login stops
    /// guessing one password; this stops trying one password on many logins).
    pub fn staff_logins() -> Self {
        Self::new(30, 10 * 60 * 1000)
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
