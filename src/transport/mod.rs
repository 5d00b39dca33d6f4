//! Transport: the only module that touches webrtc-rs. Peer connections between each room
//! (or browser) and the hub, the hub's forwarder, and the room's side of a call.
//!
//! - [`peer`]: one way to build a peer connection (VP8 + Opus, NACK, TWCC, GCC).
//! - `estimate`: the room's bandwidth estimate (GCC's delay half, a loss half that tells random
//!   loss from congestion, only packets some feedback named).
//! - [`rtp`]: pure helpers on RTP packets (VP8 keyframes, sequence rewriting for slot switches).
//! - `rtx`: undoes RTX retransmissions before webrtc-rs's NACK generator (see there why).

pub mod client;
mod estimate;
mod feedback;
mod inbound;
pub mod peer;
pub mod receiver;
pub mod rtp;
mod rtx;
pub mod sfu;

/// Log targets of webrtc-rs that warn in normal operation, raised to `error` in the default
/// log filter (`PHONGHOP_LOG=debug` still shows them). Each warns about something our code
/// cannot change:
/// - `rtc_dtls::config`: "conn.remote_addr is empty, please set explicitly server_name".
///   WebRTC authenticates DTLS by the certificate fingerprint in the SDP, not by a name, and
///   webrtc-rs 0.21 builds its DTLS config without a way to pass one
///   (`rtc::peer_connection::transport::dtls`).
/// - `rtc_ice::agent`: "pingAllCandidates called with no candidate pairs": with trickle ICE the
///   agent starts checking before the first remote candidate arrives, at every join.
/// - `rtc::peer_connection::handler`: "SrtpHandler.handle_read got error: remote_srtp_context
///   is not set yet": the side that finishes DTLS first may send before the other side has
///   its keys (our own senders wait for their side's handshake; the other side's cannot be
///   waited for), so a few packets at a join are dropped by design.
pub const QUIET_LOG_TARGETS: &str =
    "rtc_dtls::config=error,rtc_ice::agent=error,rtc::peer_connection::handler=error";

/// Why the transport could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// webrtc-rs refused (SDP, ICE, DTLS, a track).
    #[error("WebRTC: {0}")]
    Engine(String),
}

impl TransportError {
    pub(crate) fn engine(error: impl std::fmt::Display) -> Self {
        TransportError::Engine(error.to_string())
    }
}
