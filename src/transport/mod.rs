//! Transport: the only module that touches webrtc-rs. Peer connections between each room
//! (or browser) and the hub, the hub's forwarder, and the room's side of a call.
//!
//! - [`peer`]: one way to build a peer connection (VP8 + Opus, NACK, TWCC, GCC).
//! - [`rtp`]: pure helpers on RTP packets (VP8 keyframes, sequence rewriting for slot switches).
//! - `rtx`: undoes RTX retransmissions before webrtc-rs's NACK generator (see there why).

pub mod client;
mod feedback;
mod inbound;
pub mod peer;
pub mod rtp;
mod rtx;
pub mod sfu;

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
