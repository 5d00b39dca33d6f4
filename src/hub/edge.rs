//! What the hub does to every request before its route sees it, and to every answer: who the
//! client is (the TCP peer, or what a trusted reverse proxy says), a stalled request body
//! cut off, security headers on public pages, and who may read `/metrics`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Hub;
use super::error::ApiFailure;
use crate::config::{IpNetwork, MetricsAccess};

/// The TCP peer of a request whose client address was taken from a trusted proxy's
/// `X-Forwarded-For` (the `ConnectInfo` then holds the client).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProxyPeer(pub SocketAddr);

/// The client a request comes from. Only when the TCP peer is one of `trusted` is
/// `X-Forwarded-For` read, right to left, skipping the trusted proxies: the first address
/// no trusted proxy stands for is the client (a client can prepend anything it likes, but
/// not what our own proxy appends). A header that does not parse leaves the peer.
pub(crate) fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNetwork]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(text) = value.to_str() else {
            return peer;
        };
        for hop in text.split(',') {
            let hop = hop.trim();
            let parsed = hop
                .parse::<IpAddr>()
                .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()));
            match parsed {
                Ok(ip) => hops.push(ip),
                Err(_) => return peer,
            }
        }
    }
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop;
        if !is_trusted(hop) {
            break;
        }
    }
    client
}

/// Puts the real client in the request's `ConnectInfo`, so rate limits, logs and every
/// handler see it; the proxy itself is kept as [`ProxyPeer`].
pub(super) async fn client_address(
    State(hub): State<Arc<Hub>>,
    mut request: Request,
    next: Next,
) -> Response {
    let trusted = &hub.config.trusted_proxies;
    if !trusted.is_empty()
        && let Some(ConnectInfo(peer)) = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
    {
        let client = client_of(peer.ip(), request.headers(), trusted);
        if client != peer.ip() {
            let extensions = request.extensions_mut();
            extensions.insert(ConnectInfo(SocketAddr::new(client, 0)));
            extensions.insert(ProxyPeer(peer));
        }
    }
    next.run(request).await
}

/// Ticket codes have 29³ = 24,389 random endings per room: a client (an IPv6 one per /64)
/// that looked up this many codes that do not exist in an hour must wait, so sweeping one
/// room's codes takes over a thousand hours per address. A resident mistyping their code
/// a few times is far below it.
pub(crate) const TICKET_MISSES_PER_HOUR: u32 = 20;

/// Campaign pages and their CSV per client and minute: a donor refreshing, a journalist
/// downloading, a shared link opened in one office are all well under it.
pub(crate) const CAMPAIGN_VIEWS_PER_MINUTE: u32 = 120;

/// The address a client's rate limits count against: an IPv6 client gets a whole /64
/// (what one subscriber is given), or it would have a fresh address per request.
pub(crate) fn rate_bucket(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
        v4 => v4,
    }
}

fn too_many(what: &str) -> Response {
    ApiFailure::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
        &format!("too many {what} from this address; wait a minute and try again"),
    )
    .into_response()
}

/// `/c/<slug>` and its CSV, rate limited per client.
pub(super) async fn campaign_page(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    page: axum::extract::Path<String>,
) -> Response {
    let now = crate::clock::now_ms();
    let bucket = rate_bucket(client.ip());
    {
        let mut limiter = hub.campaign_views.lock().unwrap_or_else(|p| p.into_inner());
        if !limiter.allowed(bucket, now) {
            return too_many("campaign page views");
        }
        limiter.record(bucket, now);
    }
    super::contrib_api::public_page(State(hub), page).await
}

/// `/open311/v2/requests/<code>.json` answers for a ticket code as `/t/<code>` does, so a
/// lookup that finds nothing counts against the same per-client miss budget.
pub(super) async fn open311_request(
    State(hub): State<Arc<Hub>>,
    connect: ConnectInfo<SocketAddr>,
    id: axum::extract::Path<String>,
) -> Response {
    let now = crate::clock::now_ms();
    let bucket = rate_bucket(connect.0.ip());
    let allowed = hub
        .ticket_misses
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .allowed(bucket, now);
    if !allowed {
        tracing::warn!(client = %connect.0.ip(), "Open311 lookups rate limited");
        return too_many("lookups of codes that do not exist");
    }
    let response = super::open311::request(State(hub.clone()), connect, id)
        .await
        .into_response();
    if response.status() == StatusCode::NOT_FOUND {
        hub.ticket_misses
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .record(bucket, now);
    }
    response
}

/// Content security policy of the hub's own public pages (ticket, campaign, enrollment):
/// their only inline code is a `<style>`, they load nothing, and no site may frame them.
const PUBLIC_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The browser meeting page carries its own inline script; it may still not be framed.
const MEET_CSP: &str = "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// HSTS for a hub serving TLS itself: one year; browsers that saw it never fall back to http.
const HSTS: &str = "max-age=31536000";

/// Security headers on every answer outside `/staff` (which sets its own): no sniffing,
/// no framing, a content policy on pages, HSTS when the hub serves TLS.
pub(super) async fn public_headers(
    State(hub): State<Arc<Hub>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if hub.config.tls.is_some() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    if path == "/staff" || path.starts_with("/staff/") {
        return response;
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let csp = if path.starts_with("/meet/") {
        MEET_CSP
    } else {
        PUBLIC_CSP
    };
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(csp));
    response
}

/// Cuts off a request whose body stops arriving for longer than the configured pause, so a
/// client cannot hold a connection (and an upload's buffer) by sending nothing.
pub(super) async fn body_stall_timeout(
    State(hub): State<Arc<Hub>>,
    request: Request,
    next: Next,
) -> Response {
    let pause = Duration::from_secs(hub.config.limits.body_stall_timeout_secs);
    let request = request.map(|body| stall_timeout(body, pause));
    next.run(request).await
}

/// The body stopped arriving.
#[derive(Debug, thiserror::Error)]
#[error("the request body stalled for more than {0:?}")]
pub(crate) struct BodyStalled(Duration);

/// `body`, failing when no chunk arrives within `pause` of the last one.
fn stall_timeout(body: Body, pause: Duration) -> Body {
    use futures_util::StreamExt;
    let chunks = body.into_data_stream();
    let stream = futures_util::stream::unfold(Some(chunks), move |state| async move {
        let mut chunks = state?;
        match tokio::time::timeout(pause, chunks.next()).await {
            Ok(Some(chunk)) => Some((chunk, Some(chunks))),
            Ok(None) => None,
            Err(_) => {
                tracing::warn!(?pause, "closed a request whose body stalled");
                Some((Err(axum::Error::new(BodyStalled(pause))), None))
            }
        }
    });
    Body::from_stream(stream)
}

/// `/metrics` lists room and meeting ids: by default only a client on the hub box itself
/// that came through no untrusted proxy may read it (`[hub] metrics`).
pub(super) async fn metrics(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let allowed = match &hub.config.metrics {
        MetricsAccess::Public => true,
        MetricsAccess::Token(token) => request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| super::auth::same_secret(given.trim(), token.expose())),
        MetricsAccess::Loopback => {
            // A proxy on this box would make every client look local: a forwarded request
            // counts as local only when a trusted proxy said where it came from.
            let forwarded = request.headers().contains_key("x-forwarded-for")
                || request.headers().contains_key(header::FORWARDED);
            let through_trusted = request.extensions().get::<ProxyPeer>().is_some();
            client.ip().is_loopback() && (!forwarded || through_trusted)
        }
    };
    if !allowed {
        hub.metrics.reject("metrics");
        let proxy = request.extensions().get::<ProxyPeer>().map(|p| p.0);
        tracing::warn!(client = %client.ip(), ?proxy, "refused /metrics");
        let message = match hub.config.metrics {
            MetricsAccess::Token(_) => "send Authorization: Bearer <[hub] metrics_token>",
            _ => "metrics are served to the hub box itself only ([hub] metrics in the hub config)",
        };
        return ApiFailure::new(StatusCode::FORBIDDEN, "forbidden", message).into_response();
    }
    super::api::metrics(State(hub)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNetwork> {
        list.iter()
            .map(|s| IpNetwork::parse(s).expect("network"))
            .collect()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).expect("value"));
        }
        headers
    }

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_proxy() {
        let trusted = nets(&["127.0.0.1", "10.0.0.0/8"]);
        let stranger: IpAddr = [203, 0, 113, 9].into();
        let proxy: IpAddr = [127, 0, 0, 1].into();
        let headers = forwarded(&["198.51.100.7"]);
        assert_eq!(client_of(stranger, &headers, &trusted), stranger);
        assert_eq!(client_of(proxy, &headers, &[]), proxy, "nothing trusted");
        assert_eq!(
            client_of(proxy, &headers, &trusted),
            IpAddr::from([198, 51, 100, 7])
        );
    }

    #[test]
    fn a_client_cannot_hide_behind_an_address_it_prepends() {
        let trusted = nets(&["127.0.0.1", "10.0.0.0/8"]);
        let proxy: IpAddr = [127, 0, 0, 1].into();
        // The client sent "1.1.1.1"; our proxies appended the real client and a hop.
        let headers = forwarded(&["1.1.1.1, 198.51.100.7", "10.1.2.3"]);
        assert_eq!(
            client_of(proxy, &headers, &trusted),
            IpAddr::from([198, 51, 100, 7])
        );
        let garbage = forwarded(&["not-an-address"]);
        assert_eq!(client_of(proxy, &garbage, &trusted), proxy);
        assert_eq!(client_of(proxy, &HeaderMap::new(), &trusted), proxy);
    }

    #[test]
    fn an_ipv6_client_is_limited_as_its_whole_slash_64() {
        let a: IpAddr = "2001:db8:1:2::5".parse().expect("v6");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("v6");
        let other: IpAddr = "2001:db8:1:3::5".parse().expect("v6");
        assert_eq!(rate_bucket(a), rate_bucket(b));
        assert_ne!(rate_bucket(a), rate_bucket(other));
        let v4: IpAddr = [198, 51, 100, 7].into();
        assert_eq!(rate_bucket(v4), v4);
    }

    #[test]
    fn networks_hold_their_addresses_only() {
        let net = IpNetwork::parse("10.0.0.0/8").expect("net");
        assert!(net.contains([10, 200, 0, 1].into()));
        assert!(!net.contains([11, 0, 0, 1].into()));
        let mapped: IpAddr = "::ffff:10.1.1.1".parse().expect("v6");
        assert!(net.contains(mapped));
        let v6 = IpNetwork::parse("fd00::/8").expect("v6 net");
        assert!(v6.contains("fd12::1".parse().expect("v6")));
        assert!(!v6.contains([10, 0, 0, 1].into()));
        assert!(IpNetwork::parse("10.0.0.0/33").is_none());
        assert!(IpNetwork::parse("proxy.local").is_none());
        assert!(
            IpNetwork::parse("0.0.0.0/0")
                .expect("all")
                .contains([8, 8, 8, 8].into())
        );
    }
}
