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
    /// Uploaded items refused for good (the hub's log names room, item and reason).
    pub sync_items_rejected: Counter,
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
        let sync_items_rejected = Counter::default();
        registry.register(
            "phonghop_hub_sync_items_rejected",
            "Uploaded items refused for good (malformed, or a ticket code already taken); the log names each",
            sync_items_rejected.clone(),
        );
        Self {
            registry,
            uptime_seconds,
            rooms_connected,
            room_sessions,
            auth_rejections,
            enrollments,
            sync_items,
            sync_items_rejected,
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
    /// Voice bytes the room put on the link (whole requests, resumed ones and repeats
    /// included) and the sizes of the recordings the hub then held whole: their ratio is
    /// what a dropping link cost.
    pub voice_sent_bytes: Counter,
    pub voice_delivered_bytes: Counter,
    // --- the call (labels: `stream` = slot-0, slot-1, send, received; `device`)
    pub call_active: Gauge,
    pub call_connected: Gauge,
    pub call_test_source: Family<Labels, Gauge>,
    pub call_frames_decoded: Family<Labels, Gauge>,
    pub call_audio_frames_decoded: Family<Labels, Gauge>,
    pub call_audio_frames_concealed: Family<Labels, Gauge>,
    pub call_fps: Family<Labels, Gauge<f64, std::sync::atomic::AtomicU64>>,
    pub call_join_to_first_frame_ms: Family<Labels, Gauge>,
    /// Labels `stream` and `quantile` ("0.5", "0.95").
    pub call_glass_to_glass_ms: Family<Labels, Gauge>,
    pub call_bytes: Family<Labels, Gauge>,
    pub call_encoder_target_bps: Gauge,
    pub call_available_bps: Gauge,
    pub call_layer: Gauge,
    pub call_rtt_ms: Gauge,
    pub call_jitter_ms: Gauge,
    pub call_packets_lost: Gauge,
    pub call_video_loss_ratio: Gauge<f64, std::sync::atomic::AtomicU64>,
    /// Labels `part` ("delay", "loss"): the congestion controller's two halves.
    pub call_estimate_bps: Family<Labels, Gauge>,
    pub call_estimate_loss_ratio: Gauge<f64, std::sync::atomic::AtomicU64>,
    /// Labels `direction` ("sent", "received"): packets repaired by RTX.
    pub call_retransmitted_packets: Family<Labels, Gauge>,
    pub call_reconnects: Counter,
    pub call_ice_restarts: Counter,
}

/// Free-form label pairs, e.g. `[("stream", "slot-0")]`.
pub type Labels = Vec<(String, String)>;

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
        let voice_sent_bytes = Counter::default();
        registry.register(
            "phonghop_room_voice_sent_bytes",
            "Voice recording bytes sent to the hub, repeats after a dropped link included",
            voice_sent_bytes.clone(),
        );
        let voice_delivered_bytes = Counter::default();
        registry.register(
            "phonghop_room_voice_delivered_bytes",
            "Sizes of the voice recordings the hub holds whole",
            voice_delivered_bytes.clone(),
        );
        macro_rules! reg {
            ($name:literal, $help:literal, $metric:expr) => {{
                let m = $metric;
                registry.register($name, $help, m.clone());
                m
            }};
        }
        let call_active = reg!(
            "phonghop_room_call_active",
            "1 while the room is in a meeting",
            Gauge::default()
        );
        let call_connected = reg!(
            "phonghop_room_call_connected",
            "1 while media flows with the hub",
            Gauge::default()
        );
        let call_test_source = reg!(
            "phonghop_room_call_test_source",
            "1 when a test picture/tone stands in for a missing camera or microphone",
            Family::<Labels, Gauge>::default()
        );
        let call_frames_decoded = reg!(
            "phonghop_room_call_frames_decoded",
            "Video frames decoded per received stream",
            Family::<Labels, Gauge>::default()
        );
        let call_audio_frames_decoded = reg!(
            "phonghop_room_call_audio_frames_decoded",
            "Opus frames decoded per received stream",
            Family::<Labels, Gauge>::default()
        );
        let call_audio_frames_concealed = reg!(
            "phonghop_room_call_audio_frames_concealed",
            "Opus frames concealed per received stream (lost packets made up by the decoder)",
            Family::<Labels, Gauge>::default()
        );
        let call_fps = reg!(
            "phonghop_room_call_fps",
            "Video frames decoded per second per received stream",
            Family::<Labels, Gauge<f64, std::sync::atomic::AtomicU64>>::default()
        );
        let call_join_to_first_frame_ms = reg!(
            "phonghop_room_call_join_to_first_frame_ms",
            "Milliseconds from joining (or a new source in the slot) to its first decoded frame",
            Family::<Labels, Gauge>::default()
        );
        let call_glass_to_glass_ms = reg!(
            "phonghop_room_call_glass_to_glass_ms",
            "Capture at the sender to decoded here, over the last 512 stamped (test) pictures",
            Family::<Labels, Gauge>::default()
        );
        let call_bytes = reg!(
            "phonghop_room_call_bytes",
            "Bytes sent and received on the media connection",
            Family::<Labels, Gauge>::default()
        );
        let call_encoder_target_bps = reg!(
            "phonghop_room_call_encoder_target_bps",
            "The VP8 encoder's target bitrate",
            Gauge::default()
        );
        let call_available_bps = reg!(
            "phonghop_room_call_available_bps",
            "The congestion controller's estimate, capped by the hub's REMB",
            Gauge::default()
        );
        let call_layer = reg!(
            "phonghop_room_call_layer",
            "The layer being sent: 720, 360, 180, or 0 for audio only",
            Gauge::default()
        );
        let call_rtt_ms = reg!(
            "phonghop_room_call_rtt_ms",
            "Round-trip time to the hub",
            Gauge::default()
        );
        let call_jitter_ms = reg!(
            "phonghop_room_call_jitter_ms",
            "Jitter of received video",
            Gauge::default()
        );
        let call_packets_lost = reg!(
            "phonghop_room_call_packets_lost",
            "Packets lost on received streams",
            Gauge::default()
        );
        let call_video_loss_ratio = reg!(
            "phonghop_room_call_video_loss_ratio",
            "Fraction of sent video packets the hub reported lost",
            Gauge::<f64, std::sync::atomic::AtomicU64>::default()
        );
        let call_estimate_bps = reg!(
            "phonghop_room_call_estimate_bps",
            "The congestion controller's delay-based and loss-based estimates (the lower one rules)",
            Family::<Labels, Gauge>::default()
        );
        let call_estimate_loss_ratio = reg!(
            "phonghop_room_call_estimate_loss_ratio",
            "Smoothed fraction of sent packets the congestion controller counted lost (TWCC)",
            Gauge::<f64, std::sync::atomic::AtomicU64>::default()
        );
        let call_retransmitted_packets = reg!(
            "phonghop_room_call_retransmitted_packets",
            "Video packets resent on the RTX stream after a NACK (sent) or repaired by one (received)",
            Family::<Labels, Gauge>::default()
        );
        let call_reconnects = reg!(
            "phonghop_room_call_reconnects",
            "Media connections replaced after a failure",
            Counter::default()
        );
        let call_ice_restarts = reg!(
            "phonghop_room_call_ice_restarts",
            "ICE restarts after a network change",
            Counter::default()
        );
        Self {
            registry,
            uptime_seconds,
            hub_connected,
            hub_connects,
            hub_disconnects,
            hub_rejections,
            outbox_pending,
            voice_sent_bytes,
            voice_delivered_bytes,
            call_active,
            call_connected,
            call_test_source,
            call_frames_decoded,
            call_audio_frames_decoded,
            call_audio_frames_concealed,
            call_fps,
            call_join_to_first_frame_ms,
            call_glass_to_glass_ms,
            call_bytes,
            call_encoder_target_bps,
            call_available_bps,
            call_layer,
            call_rtt_ms,
            call_jitter_ms,
            call_packets_lost,
            call_video_loss_ratio,
            call_estimate_bps,
            call_estimate_loss_ratio,
            call_retransmitted_packets,
            call_reconnects,
            call_ice_restarts,
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
    response_with(registry, "")
}

/// `response`, with extra samples (already in the text format) before the end marker: the
/// forwarder's per-stream figures, whose label sets come and go with participants.
pub fn response_with(registry: &Registry, extra: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut text = render(registry);
    if !extra.is_empty() {
        if let Some(at) = text.rfind("# EOF") {
            text.truncate(at);
        }
        text.push_str(extra);
        text.push_str("# EOF\n");
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// The forwarder's per-stream figures in the text format.
pub fn forwarder_samples(stats: &[crate::meeting::engine::StreamStats]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    type Sample = fn(&crate::meeting::engine::StreamStats) -> Option<f64>;
    let families: [(&str, &str, &str, Sample); 5] = [
        (
            "phonghop_hub_stream_packets_in",
            "counter",
            "RTP packets received from a participant",
            |s| Some(s.packets_in as f64),
        ),
        (
            "phonghop_hub_stream_packets_out",
            "counter",
            "RTP packets forwarded to a participant",
            |s| Some(s.packets_out as f64),
        ),
        (
            "phonghop_hub_stream_bitrate_in_bps",
            "gauge",
            "Average bitrate received from a participant since it joined",
            |s| (s.kind == "video").then_some(s.bitrate_in_bps),
        ),
        (
            "phonghop_hub_stream_keyframe_requests",
            "counter",
            "Keyframe requests sent to a participant",
            |s| (s.kind == "video").then_some(s.keyframe_requests as f64),
        ),
        (
            "phonghop_hub_stream_bitrate_cap_bps",
            "gauge",
            "Bitrate cap sent to a participant as REMB",
            |s| s.bitrate_cap_bps.map(|c| c as f64),
        ),
    ];
    for (name, kind, help, value) in families {
        let _ = writeln!(out, "# HELP {name} {help}.\n# TYPE {name} {kind}");
        let suffix = if kind == "counter" { "_total" } else { "" };
        for s in stats {
            if let Some(v) = value(s) {
                let _ = writeln!(
                    out,
                    "{name}{suffix}{{meeting=\"{}\",participant=\"{}\",kind=\"{}\"}} {v}",
                    s.meeting_id, s.participant_id, s.kind
                );
            }
        }
    }
    out
}
