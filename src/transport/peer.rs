//! Building a peer connection the way every phonghop peer needs it: VP8 and Opus only (so the
//! hub forwards without transcoding), NACK, RTCP reports, TWCC, and optionally send-side
//! congestion control (GCC's delay half and a loss half that tells random loss from congestion,
//! `super::estimate`) whose estimate the application can read.

use std::net::IpAddr;
use std::sync::Arc;

use rtc::interceptor::{NackGeneratorBuilder, NackResponderBuilder, Registry, Slot};
use rtc::peer_connection::configuration::RTCConfigurationBuilder;
use rtc::peer_connection::configuration::interceptor_registry::{
    configure_rtcp_reports, configure_simulcast_extension_headers, configure_twcc_receiver_only,
};
use rtc::peer_connection::configuration::media_engine::{
    MIME_TYPE_OPUS, MIME_TYPE_RTX, MIME_TYPE_VP8, MediaEngine,
};
use rtc::peer_connection::configuration::setting_engine::SettingEngineBuilder;
use rtc::peer_connection::transport::RTCIceServer;
use rtc::rtp_transceiver::rtp_sender::{
    RTCPFeedback, RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters,
    RTCRtpEncodingParameters, RTCRtpRtxParameters, RtpCodecKind,
};
use webrtc::peer_connection::{PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler};

use super::TransportError;
use crate::wire::IceServer;

/// Payload types we offer. Browsers may pick others in their own offers; the hub rewrites
/// the payload type of every forwarded packet to what each receiver negotiated.
pub(crate) const VP8_PAYLOAD_TYPE: u8 = 96;
pub(crate) const OPUS_PAYLOAD_TYPE: u8 = 111;
/// Retransmissions of VP8 (RFC 4588): a lost packet asked for by NACK comes back on its own
/// SSRC, so the receiver's loss and jitter figures stay about the first transmission.
pub(crate) const VP8_RTX_PAYLOAD_TYPE: u8 = 97;

/// How often missing packets are NACKed (again): about a frame, so a repair on a short link
/// arrives within a frame or two.
const NACK_INTERVAL: std::time::Duration = std::time::Duration::from_millis(20);
/// How often one missing packet is asked for at most (webrtc-rs's default is without end).
/// Asked for every 20 ms until the receive window moved past it, each packet a squeeze dropped
/// was resent dozens of times, and the retransmissions filled the squeezed link
/// (`make test-faults`: 2,074 in a minute from a room sending audio only); libwebrtc's
/// `NackRequester` likewise gives up after a few retries spaced by the round trip.
const MAX_NACKS_PER_PACKET: u16 = 3;

pub use super::estimate::{
    Estimate, EstimateBreakdown, INITIAL_BITRATE_BPS, MAX_BITRATE_BPS, MIN_BITRATE_BPS,
};

/// How to build one peer connection.
#[derive(Debug, Clone)]
pub struct PeerOptions {
    /// The address ICE gathers host candidates on (port 0 = any). Tests use 127.0.0.1.
    pub bind_ip: IpAddr,
    pub ice_servers: Vec<IceServer>,
    /// Send-side congestion control (rooms, which encode); the hub only forwards.
    pub congestion_control: bool,
}

fn video_feedback() -> Vec<RTCPFeedback> {
    [
        ("goog-remb", ""),
        ("ccm", "fir"),
        ("nack", ""),
        ("nack", "pli"),
    ]
    .into_iter()
    .map(|(typ, parameter)| RTCPFeedback {
        typ: typ.to_owned(),
        parameter: parameter.to_owned(),
    })
    .collect()
}

pub(crate) fn vp8_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_VP8.to_owned(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: String::new(),
        rtcp_feedback: video_feedback(),
    }
}

pub(crate) fn opus_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: 48_000,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    }
}

/// The one encoding of a track we send: VP8 with its own retransmission SSRC (used when the
/// other side negotiates RTX; webrtc-rs drops it otherwise), or Opus.
pub(crate) fn send_encoding(kind: RtpCodecKind, ssrc: u32) -> RTCRtpEncodingParameters {
    let (codec, rtx) = match kind {
        RtpCodecKind::Audio => (opus_codec(), None),
        _ => (
            vp8_codec(),
            Some(RTCRtpRtxParameters {
                ssrc: rand::random::<u32>(),
            }),
        ),
    };
    RTCRtpEncodingParameters {
        rtp_coding_parameters: RTCRtpCodingParameters {
            ssrc: Some(ssrc),
            rtx,
            ..Default::default()
        },
        codec,
        ..Default::default()
    }
}

/// One simulcast stream of our video: its rid and SSRC. No RTX: a rid-based stream's
/// repairs would need the `repaired-rtp-stream-id` extension to be told apart, so lost
/// packets are resent on the stream's own SSRC (webrtc-rs's NACK responder does so).
pub(crate) fn simulcast_encoding(rid: &str, ssrc: u32) -> RTCRtpEncodingParameters {
    RTCRtpEncodingParameters {
        rtp_coding_parameters: RTCRtpCodingParameters {
            rid: rid.to_owned(),
            ssrc: Some(ssrc),
            ..Default::default()
        },
        codec: vp8_codec(),
        ..Default::default()
    }
}

fn media_engine() -> Result<MediaEngine, TransportError> {
    let mut engine = MediaEngine::default();
    engine
        .register_codec(
            RTCRtpCodecParameters {
                rtp_codec: vp8_codec(),
                payload_type: VP8_PAYLOAD_TYPE,
            },
            RtpCodecKind::Video,
        )
        .map_err(TransportError::engine)?;
    engine
        .register_codec(
            RTCRtpCodecParameters {
                rtp_codec: RTCRtpCodec {
                    mime_type: MIME_TYPE_RTX.to_owned(),
                    clock_rate: 90_000,
                    channels: 0,
                    sdp_fmtp_line: format!("apt={VP8_PAYLOAD_TYPE}"),
                    rtcp_feedback: vec![],
                },
                payload_type: VP8_RTX_PAYLOAD_TYPE,
            },
            RtpCodecKind::Video,
        )
        .map_err(TransportError::engine)?;
    engine
        .register_codec(
            RTCRtpCodecParameters {
                rtp_codec: opus_codec(),
                payload_type: OPUS_PAYLOAD_TYPE,
            },
            RtpCodecKind::Audio,
        )
        .map_err(TransportError::engine)?;
    Ok(engine)
}

/// Converts our wire form of a STUN/TURN server to webrtc-rs's.
pub(crate) fn ice_server(server: &IceServer) -> RTCIceServer {
    RTCIceServer {
        urls: server.urls.clone(),
        username: server.username.clone().unwrap_or_default(),
        credential: server.credential.clone().unwrap_or_default(),
    }
}

/// A gathered local candidate as the wire carries it. Everything is bundled on one
/// transport, so the candidate belongs to the first section.
pub(crate) fn wire_candidate(
    event: &webrtc::peer_connection::RTCPeerConnectionIceEvent,
) -> Option<crate::wire::IceCandidate> {
    let init = event.candidate.to_json().ok()?;
    Some(crate::wire::IceCandidate {
        candidate: init.candidate,
        sdp_mid: Some("0".into()),
        sdp_mline_index: Some(0),
    })
}

/// A remote candidate from the wire, added to `pc` (the forwarder, a room's call and a room's
/// receive-only connection all take them the same way).
pub(crate) async fn add_remote_candidate(
    pc: &dyn PeerConnection,
    candidate: crate::wire::IceCandidate,
) -> Result<(), TransportError> {
    pc.add_ice_candidate(rtc::peer_connection::transport::RTCIceCandidateInit {
        candidate: candidate.candidate,
        sdp_mid: candidate.sdp_mid,
        sdp_mline_index: candidate.sdp_mline_index,
        username_fragment: None,
        url: None,
    })
    .await
    .map_err(TransportError::engine)
}

/// Builds a peer connection; returns the congestion estimate when congestion control is on.
pub async fn build(
    options: &PeerOptions,
    handler: Arc<dyn PeerConnectionEventHandler>,
) -> Result<(Arc<dyn PeerConnection>, Option<Estimate>), TransportError> {
    let mut engine = media_engine()?;
    let mut registry = Registry::new();
    let mut estimate = None;
    if options.congestion_control {
        let (with_estimator, published) = super::estimate::configure(registry, &mut engine)?;
        registry = with_estimator;
        estimate = Some(published);
    }
    // webrtc-rs's defaults, but with NACKs sent every 20 ms instead of 100: a repair must
    // arrive while the receiver's jitter buffer still waits for it
    // ([`crate::media::call::VIDEO_JITTER_LATENCY`]), or a lost packet costs a keyframe.
    let registry = registry
        .with(
            Slot::FecDecoder,
            super::inbound::OnRead::<super::rtx::RepairRtx>::default(),
        )
        .with(Slot::NackResponder, NackResponderBuilder::new().build())
        .with(
            Slot::NackGenerator,
            NackGeneratorBuilder::new()
                .with_interval(NACK_INTERVAL)
                .with_max_nacks_per_packet(MAX_NACKS_PER_PACKET)
                .build(),
        );
    configure_simulcast_extension_headers(&mut engine).map_err(TransportError::engine)?;
    // With congestion control on, `configure_congestion_control` has put the TWCC receiver in
    // place already; a second one would replace it (and webrtc-rs warns at every call).
    let registry = if options.congestion_control {
        registry
    } else {
        configure_twcc_receiver_only(registry, &mut engine).map_err(TransportError::engine)?
    };
    let registry = configure_rtcp_reports(registry);
    // The application-most slot (no jitter-buffer interceptor is used: GStreamer's
    // rtpjitterbuffer does that job in the room).
    let registry = registry.with(
        rtc::interceptor::Slot::JitterBuffer,
        super::inbound::OnRead::<super::feedback::DeliverFeedback>::default(),
    );
    let configuration = RTCConfigurationBuilder::new()
        .with_ice_servers(options.ice_servers.iter().map(ice_server).collect())
        .build();
    // mDNS would bind 224.0.0.251:5353, which fails in a namespace with only loopback, and
    // host candidates on an office LAN need no .local names.
    let settings = SettingEngineBuilder::default()
        .with_multicast_dns_mode(rtc::ice::mdns::MulticastDnsMode::Disabled)
        .with_include_loopback_candidate(options.bind_ip.is_loopback())
        // A connectivity check often arrives before the trickled candidate it comes from,
        // making the pair peer-reflexive; waiting the default second for a "better" pair
        // was most of the time to first frame on a LAN. Host and prflx pairs are taken at once.
        .with_host_acceptance_min_wait(Some(std::time::Duration::ZERO))
        .with_prflx_acceptance_min_wait(Some(std::time::Duration::from_millis(100)))
        .build();
    let peer = PeerConnectionBuilder::new()
        .with_configuration(configuration)
        .with_media_engine(engine)
        .with_setting_engine(settings)
        .with_interceptor_registry(registry)
        .with_handler(handler)
        .with_udp_addrs(vec![format!("{}:0", options.bind_ip)])
        .build()
        .await
        .map_err(TransportError::engine)?;
    Ok((Arc::new(peer), estimate))
}
