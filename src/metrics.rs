//! Prometheus metrics (the `prometheus-client` crate). Each hub or room instance owns its
//! registry, so several can run in one test process without sharing counters.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabel {
    version: String,
}

/// Adds `phonghop_build_info{version}` and the uptime gauge every registry has.
fn common(registry: &mut Registry) -> Gauge {
    let info = Family::<VersionLabel, Gauge>::default();
    info.get_or_create(&VersionLabel {
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
    .set(1);
    registry.register("phonghop_build_info", "Version of this phonghop", info);
    let uptime = Gauge::default();
    registry.register(
        "phonghop_uptime_seconds",
        "Seconds since start",
        uptime.clone(),
    );
    uptime
}

#[derive(Debug)]
pub struct HubMetrics {
    pub registry: Registry,
    pub uptime_seconds: Gauge,
    pub rooms_connected: Gauge,
    pub room_sessions: Counter,
    pub auth_rejections: Family<ReasonLabel, Counter>,
    pub enrollments: Counter,
    pub sync_items: Counter,
}

impl HubMetrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let uptime_seconds = common(&mut registry);
        let rooms_connected = Gauge::default();
        registry.register(
            "phonghop_hub_rooms_connected",
            "Rooms with a live session now",
            rooms_connected.clone(),
        );
        let room_sessions = Counter::default();
        registry.register(
            "phonghop_hub_room_sessions",
            "Room sessions started",
            room_sessions.clone(),
        );
        let auth_rejections = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "phonghop_hub_auth_rejections",
            "Requests refused for a missing, unknown or revoked credential",
            auth_rejections.clone(),
        );
        let enrollments = Counter::default();
        registry.register(
            "phonghop_hub_enrollments",
            "Rooms enrolled",
            enrollments.clone(),
        );
        let sync_items = Counter::default();
        registry.register(
            "phonghop_hub_sync_items",
            "Feedback and ratings stored from room uploads (retries counted again)",
            sync_items.clone(),
        );
        Self {
            registry,
            uptime_seconds,
            rooms_connected,
            room_sessions,
            auth_rejections,
            enrollments,
            sync_items,
        }
    }

    pub fn reject(&self, reason: &str) {
        self.auth_rejections
            .get_or_create(&ReasonLabel {
                reason: reason.to_owned(),
            })
            .inc();
    }
}

impl Default for HubMetrics {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Debug)]
pub struct RoomMetrics {
    pub registry: Registry,
    pub uptime_seconds: Gauge,
    pub hub_connected: Gauge,
    pub hub_connects: Counter,
    pub hub_disconnects: Counter,
    pub hub_rejections: Counter,
    pub outbox_pending: Gauge,
}

impl RoomMetrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let uptime_seconds = common(&mut registry);
        let hub_connected = Gauge::default();
        registry.register(
            "phonghop_room_hub_connected",
            "1 while the session with the hub is up",
            hub_connected.clone(),
        );
        let hub_connects = Counter::default();
        registry.register(
            "phonghop_room_hub_connects",
            "Sessions with the hub established",
            hub_connects.clone(),
        );
        let hub_disconnects = Counter::default();
        registry.register(
            "phonghop_room_hub_disconnects",
            "Sessions with the hub lost",
            hub_disconnects.clone(),
        );
        let hub_rejections = Counter::default();
        registry.register(
            "phonghop_room_hub_rejections",
            "Connection attempts the hub refused (credential unknown or revoked)",
            hub_rejections.clone(),
        );
        let outbox_pending = Gauge::default();
        registry.register(
            "phonghop_room_outbox_pending",
            "Items stored at the room and not yet delivered to the hub",
            outbox_pending.clone(),
        );
        Self {
            registry,
            uptime_seconds,
            hub_connected,
            hub_connects,
            hub_disconnects,
            hub_rejections,
            outbox_pending,
        }
    }
}

impl Default for RoomMetrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The text exposition format for `GET /metrics`.
pub fn render(registry: &Registry) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, registry);
    out
}

/// Response for `GET /metrics` with the content type Prometheus expects.
pub fn response(registry: &Registry) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        render(registry),
    )
        .into_response()
}
