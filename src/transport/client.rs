//! A participant's peer connection to the hub (the room's side of a call): it offers one
//! sending video and audio section plus receiving sections for every slot, sends encoded
//! frames, hands received RTP to a sink, and reports what the hub asks of it (keyframes,
//! a bitrate cap) and what the link looks like (estimate, loss, round trip).
//!
//! **Simulcast**: given rids, the video section sends one RTP stream per rid (RFC 8851
//! `a=rid` and `a=simulcast:send`, each stream on its own SSRC), every packet carrying the
//! `mid` and `rtp-stream-id` header extensions so the SFU (Janus) can tell the streams apart
//! without SSRCs in the SDP. webrtc-rs 0.21 writes the SDP from the track's encodings but adds
//! neither extension by itself (its own interop test, `simulcast_rtc_to_webrtc_interop.rs`,
//! sets them by hand), so [`ClientPeer::send_layer`] does.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rtc::media::Sample;
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::sdp::RTCSessionDescription;
use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtcp::payload_feedbacks::receiver_estimated_maximum_bitrate::ReceiverEstimatedMaximumBitrate;
use rtc::rtp::extension::HeaderExtension;
use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use rtc::rtp_transceiver::{RTCRtpTransceiverDirection, RTCRtpTransceiverInit};
use rtc::shared::marshal::{Marshal, MarshalSize};
use rtc::statistics::StatsSelector;
use rtc::statistics::report::RTCStatsReportEntry;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_local::{TrackLocal, TrackLocalEvent};
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionEventHandler, RTCIceConnectionState, RTCPeerConnectionIceEvent,
    RTCPeerConnectionState,
};

use super::TransportError;
use super::peer::{self, Estimate, PeerOptions};
use crate::wire::{IceCandidate, MEDIA_SLOTS};

/// Audio or video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    Audio,
    Video,
}

/// Where received RTP goes (the room's decoders). Called from the transport's tasks; must
/// not block.
pub trait RemoteMedia: Send + Sync {
    fn on_rtp(&self, slot: usize, kind: MediaKind, packet: &[u8]);
}

/// What the peer connection tells the call.
#[derive(Debug, Clone, PartialEq)]
pub enum PeerEvent {
    /// A local candidate to trickle to the hub.
    LocalCandidate(IceCandidate),
    Connected,
    /// ICE lost the path (a cable, a Wi-Fi roam, the modem): worth an ICE restart.
    Disconnected,
    /// The connection failed or closed: start over with a new one.
    Failed,
}

/// Link figures for metrics and the layer decision.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkStats {
    pub round_trip_ms: Option<f64>,
    /// Fraction of our video packets the hub reported lost (0.0–1.0).
    pub video_loss: f64,
    pub jitter_ms: Option<f64>,
    pub packets_lost: i64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Video packets we sent again (RTX) because the hub NACKed them.
    pub retransmitted_packets_sent: u64,
    /// Repairs that arrived on the received streams' RTX SSRCs.
    pub retransmitted_packets_received: u64,
}

/// Receiving video tracks by slot, so the call can ask their senders for keyframes.
pub(super) type RemoteVideo = Arc<std::sync::Mutex<Vec<(usize, Arc<dyn TrackRemote>)>>>;

/// The events of a participant's peer connection (this one, and the receive-only one of
/// `transport::receiver`).
pub(super) struct Handler {
    pub(super) events: tokio::sync::mpsc::UnboundedSender<PeerEvent>,
    pub(super) sink: Arc<dyn RemoteMedia>,
    /// Receiving tracks, so the call can ask their senders for keyframes.
    pub(super) remote_video: RemoteVideo,
    pub(super) packets_received: Arc<AtomicU64>,
    /// Whether DTLS has finished, so SRTP keys exist (see [`ClientPeer::send`]).
    pub(super) connected: Arc<AtomicBool>,
}

/// Asks the sender of the video received in `slot` for a keyframe (PLI).
pub(super) async fn request_keyframe_on(remote_video: &RemoteVideo, slot: usize) {
    let tracks: Vec<Arc<dyn TrackRemote>> = remote_video
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|(s, _)| *s == slot)
        .map(|(_, t)| t.clone())
        .collect();
    for track in tracks {
        let ssrc = track.ssrcs().await.first().copied().unwrap_or(0);
        let _ = track
            .write_rtcp(vec![Box::new(PictureLossIndication {
                sender_ssrc: 0,
                media_ssrc: ssrc,
            })])
            .await;
    }
}

/// Which slot a hub track carries: from its stream id `slot-N`, else from the transceiver order.
fn slot_of(stream_id: &str) -> Option<usize> {
    stream_id.strip_prefix("slot-")?.parse().ok()
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        if let Some(candidate) = peer::wire_candidate(&event) {
            let _ = self.events.send(PeerEvent::LocalCandidate(candidate));
        }
    }

    async fn on_ice_connection_state_change(&self, state: RTCIceConnectionState) {
        if state == RTCIceConnectionState::Disconnected {
            let _ = self.events.send(PeerEvent::Disconnected);
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        self.connected.store(
            state == RTCPeerConnectionState::Connected,
            Ordering::Relaxed,
        );
        let event = match state {
            RTCPeerConnectionState::Connected => PeerEvent::Connected,
            RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed => PeerEvent::Failed,
            _ => return,
        };
        let _ = self.events.send(event);
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let kind = match track.kind().await {
            RtpCodecKind::Audio => MediaKind::Audio,
            _ => MediaKind::Video,
        };
        let stream_id = track.stream_id().await;
        let Some(slot) = slot_of(&stream_id) else {
            tracing::warn!(stream = %stream_id, "ignoring a track that is not a slot");
            return;
        };
        if kind == MediaKind::Video {
            self.remote_video
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((slot, track.clone()));
        }
        let sink = self.sink.clone();
        let counter = self.packets_received.clone();
        tokio::spawn(async move {
            while let Some(event) = track.poll().await {
                if let TrackRemoteEvent::OnRtpPacket(packet) = event
                    && let Ok(bytes) = packet.marshal()
                {
                    counter.fetch_add(1, Ordering::Relaxed);
                    sink.on_rtp(slot, kind, &bytes);
                }
            }
        });
    }
}

/// An SDES header extension's value (`mid`, `rtp-stream-id`): the text itself.
struct SdesValue(Bytes);

impl MarshalSize for SdesValue {
    fn marshal_size(&self) -> usize {
        self.0.len()
    }
}

impl Marshal for SdesValue {
    fn marshal_to(&self, buf: &mut [u8]) -> Result<usize, rtc::shared::error::Error> {
        let out = buf
            .get_mut(..self.0.len())
            .ok_or(rtc::shared::error::Error::BufferTooShort)?;
        out.copy_from_slice(&self.0);
        Ok(self.0.len())
    }
}

fn sdes_extension(uri: &'static str, value: &str) -> HeaderExtension {
    HeaderExtension::Custom {
        uri: uri.into(),
        extension: Box::new(SdesValue(Bytes::copy_from_slice(value.as_bytes()))),
    }
}

/// One video stream we send: its rid (none without simulcast) and SSRC.
#[derive(Debug, Clone)]
struct VideoStream {
    rid: Option<String>,
    ssrc: u32,
}

/// The room's peer connection for one meeting.
pub struct ClientPeer {
    pc: Arc<dyn PeerConnection>,
    video: Arc<TrackLocalStaticSample>,
    audio: Arc<TrackLocalStaticSample>,
    /// The video streams, in the order of the rids given (one without simulcast).
    video_streams: Vec<VideoStream>,
    video_pt: u8,
    /// The video section's mid, once the offer made it (for the simulcast extensions).
    video_mid: std::sync::Mutex<Option<String>>,
    video_transceiver: Arc<dyn webrtc::rtp_transceiver::RtpTransceiver>,
    audio_out: (u32, u8),
    estimate: Option<Estimate>,
    remote_video: RemoteVideo,
    /// The cap the hub last asked for with REMB (bits/s; 0 = none yet).
    remb_cap_bps: Arc<AtomicU64>,
    /// Set when the hub asked for a keyframe (PLI/FIR); the call takes it.
    keyframe_wanted: Arc<AtomicBool>,
    keyframe_requests: Arc<AtomicU32>,
    packets_received: Arc<AtomicU64>,
    connected: Arc<AtomicBool>,
}

impl std::fmt::Debug for ClientPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientPeer").finish_non_exhaustive()
    }
}

fn local_track(
    kind: RtpCodecKind,
    encodings: Vec<rtc::rtp_transceiver::rtp_sender::RTCRtpEncodingParameters>,
) -> Result<Arc<TrackLocalStaticSample>, TransportError> {
    let label = match kind {
        RtpCodecKind::Audio => "audio",
        _ => "video",
    };
    let track = MediaStreamTrack::new(
        "phonghop".to_owned(),
        format!("phonghop-{label}"),
        label.to_owned(),
        kind,
        encodings,
    );
    TrackLocalStaticSample::new(Instant::now(), track)
        .map(Arc::new)
        .map_err(TransportError::engine)
}

/// Reads RTCP about one of our sending tracks: keyframe requests and REMB caps.
fn watch_sender_feedback(
    track: std::sync::Weak<TrackLocalStaticSample>,
    remb_cap_bps: Arc<AtomicU64>,
    keyframe_wanted: Arc<AtomicBool>,
    keyframe_requests: Arc<AtomicU32>,
) {
    tokio::spawn(async move {
        loop {
            // `poll` answers `None` until the track is bound to its sender (after the
            // answer); then it waits for RTCP. A weak reference ends the loop with the call.
            let Some(track) = track.upgrade() else { break };
            let Some(event) = track.poll().await else {
                drop(track);
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            let TrackLocalEvent::OnRtcpPacket(packets) = event else {
                continue;
            };
            for packet in packets {
                tracing::trace!(header = ?packet.header(), "RTCP about a sent track");
                let any = packet.as_any();
                if any.downcast_ref::<PictureLossIndication>().is_some()
                    || any.downcast_ref::<FullIntraRequest>().is_some()
                {
                    keyframe_wanted.store(true, Ordering::Relaxed);
                    keyframe_requests.fetch_add(1, Ordering::Relaxed);
                } else if let Some(remb) = any.downcast_ref::<ReceiverEstimatedMaximumBitrate>() {
                    remb_cap_bps.store(remb.bitrate.max(1.0) as u64, Ordering::Relaxed);
                }
            }
        }
    });
}

async fn negotiated_payload_type(
    transceiver: &Arc<dyn webrtc::rtp_transceiver::RtpTransceiver>,
    fallback: u8,
) -> u8 {
    let Ok(Some(sender)) = transceiver.sender().await else {
        return fallback;
    };
    match sender.get_parameters().await {
        Ok(params) => params
            .rtp_parameters
            .codecs
            .first()
            .map(|c| c.payload_type)
            .unwrap_or(fallback),
        Err(_) => fallback,
    }
}

impl ClientPeer {
    /// Builds the connection with its sending tracks and receiving slots. Events arrive on
    /// the returned receiver; received RTP goes to `sink`. Video goes out as one stream.
    pub async fn new(
        options: &PeerOptions,
        sink: Arc<dyn RemoteMedia>,
    ) -> Result<(ClientPeer, tokio::sync::mpsc::UnboundedReceiver<PeerEvent>), TransportError> {
        Self::with_simulcast(options, sink, &[]).await
    }

    /// As [`ClientPeer::new`], but with `simulcast_rids` (best first, as Janus reads them by
    /// default) video goes out as one stream per rid, each sent with
    /// [`ClientPeer::send_layer`]; with none, as one stream.
    pub async fn with_simulcast(
        options: &PeerOptions,
        sink: Arc<dyn RemoteMedia>,
        simulcast_rids: &[String],
    ) -> Result<(ClientPeer, tokio::sync::mpsc::UnboundedReceiver<PeerEvent>), TransportError> {
        let (events, rx) = tokio::sync::mpsc::unbounded_channel();
        let remote_video = Arc::new(std::sync::Mutex::new(Vec::new()));
        let packets_received = Arc::new(AtomicU64::new(0));
        let connected = Arc::new(AtomicBool::new(false));
        let handler = Arc::new(Handler {
            events,
            sink,
            remote_video: remote_video.clone(),
            packets_received: packets_received.clone(),
            connected: connected.clone(),
        });
        let (pc, estimate) = peer::build(options, handler).await?;
        let audio_ssrc = rand::random::<u32>();
        let video_streams: Vec<VideoStream> = if simulcast_rids.is_empty() {
            vec![VideoStream {
                rid: None,
                ssrc: rand::random::<u32>(),
            }]
        } else {
            simulcast_rids
                .iter()
                .map(|rid| VideoStream {
                    rid: Some(rid.clone()),
                    ssrc: rand::random::<u32>(),
                })
                .collect()
        };
        let video_encodings = video_streams
            .iter()
            .map(|stream| match &stream.rid {
                None => peer::send_encoding(RtpCodecKind::Video, stream.ssrc),
                Some(rid) => peer::simulcast_encoding(rid, stream.ssrc),
            })
            .collect();
        let video = local_track(RtpCodecKind::Video, video_encodings)?;
        let audio = local_track(
            RtpCodecKind::Audio,
            vec![peer::send_encoding(RtpCodecKind::Audio, audio_ssrc)],
        )?;
        // Section order is the contract with the hub (and the browser page): video
        // (send + slot 0), audio (send + slot 0), then video and audio for each further slot.
        let video_sender = pc
            .add_transceiver_from_track(
                video.clone() as Arc<dyn TrackLocal>,
                Some(RTCRtpTransceiverInit {
                    direction: RTCRtpTransceiverDirection::Sendrecv,
                    ..Default::default()
                }),
            )
            .await
            .map_err(TransportError::engine)?;
        let audio_sender = pc
            .add_transceiver_from_track(
                audio.clone() as Arc<dyn TrackLocal>,
                Some(RTCRtpTransceiverInit {
                    direction: RTCRtpTransceiverDirection::Sendrecv,
                    ..Default::default()
                }),
            )
            .await
            .map_err(TransportError::engine)?;
        for _ in 1..MEDIA_SLOTS {
            for kind in [RtpCodecKind::Video, RtpCodecKind::Audio] {
                pc.add_transceiver_from_kind(
                    kind,
                    Some(RTCRtpTransceiverInit {
                        direction: RTCRtpTransceiverDirection::Recvonly,
                        ..Default::default()
                    }),
                )
                .await
                .map_err(TransportError::engine)?;
            }
        }
        let video_pt = negotiated_payload_type(&video_sender, peer::VP8_PAYLOAD_TYPE).await;
        let audio_pt = negotiated_payload_type(&audio_sender, peer::OPUS_PAYLOAD_TYPE).await;
        let remb_cap_bps = Arc::new(AtomicU64::new(0));
        let keyframe_wanted = Arc::new(AtomicBool::new(false));
        let keyframe_requests = Arc::new(AtomicU32::new(0));
        watch_sender_feedback(
            Arc::downgrade(&video),
            remb_cap_bps.clone(),
            keyframe_wanted.clone(),
            keyframe_requests.clone(),
        );
        watch_sender_feedback(
            Arc::downgrade(&audio),
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicU32::new(0)),
        );
        Ok((
            ClientPeer {
                pc,
                video,
                audio,
                video_streams,
                video_pt,
                video_mid: std::sync::Mutex::new(None),
                video_transceiver: video_sender,
                audio_out: (audio_ssrc, audio_pt),
                estimate,
                remote_video,
                remb_cap_bps,
                keyframe_wanted,
                keyframe_requests,
                packets_received,
                connected,
            },
            rx,
        ))
    }

    /// The offer to send to the hub (`ice_restart` after a network change).
    pub async fn create_offer(&self, ice_restart: bool) -> Result<String, TransportError> {
        if ice_restart {
            self.pc
                .restart_ice()
                .await
                .map_err(TransportError::engine)?;
        }
        let offer = self
            .pc
            .create_offer(None)
            .await
            .map_err(TransportError::engine)?;
        let sdp = offer.sdp.clone();
        self.pc
            .set_local_description(offer)
            .await
            .map_err(TransportError::engine)?;
        if let Ok(Some(mid)) = self.video_transceiver.mid().await {
            *self.video_mid.lock().unwrap_or_else(|p| p.into_inner()) = Some(mid);
        }
        Ok(sdp)
    }

    pub async fn set_answer(&self, sdp: String) -> Result<(), TransportError> {
        let answer = RTCSessionDescription::answer(sdp).map_err(TransportError::engine)?;
        self.pc
            .set_remote_description(answer)
            .await
            .map_err(TransportError::engine)
    }

    pub async fn add_candidate(&self, candidate: IceCandidate) -> Result<(), TransportError> {
        super::peer::add_remote_candidate(self.pc.as_ref(), candidate).await
    }

    /// Sends one encoded frame (VP8 or Opus). Until the connection is up the frame is
    /// dropped: SRTP keys come from the DTLS handshake, so webrtc-rs could only refuse it
    /// (a warning per packet at every join), and the hub asks for a keyframe once connected.
    pub async fn send(
        &self,
        kind: MediaKind,
        data: Bytes,
        duration: Duration,
    ) -> Result<(), TransportError> {
        match kind {
            MediaKind::Video => self.send_layer(0, data, duration).await,
            MediaKind::Audio => {
                self.write(&self.audio, self.audio_out, &[], data, duration)
                    .await
            }
        }
    }

    /// Sends one encoded video frame on the stream of the `index`th rid given to
    /// [`ClientPeer::new`] (0 without simulcast). An index past the streams is an error.
    pub async fn send_layer(
        &self,
        index: usize,
        data: Bytes,
        duration: Duration,
    ) -> Result<(), TransportError> {
        let stream = self.video_streams.get(index).ok_or_else(|| {
            TransportError::Engine(format!(
                "no video stream {index}: this connection sends {}",
                self.video_streams.len()
            ))
        })?;
        let mut extensions = Vec::new();
        if let Some(rid) = &stream.rid {
            let mid = self
                .video_mid
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            if let Some(mid) = mid {
                extensions.push(sdes_extension(rtc::sdp::extmap::SDES_MID_URI, &mid));
            }
            extensions.push(sdes_extension(
                rtc::sdp::extmap::SDES_RTP_STREAM_ID_URI,
                rid,
            ));
        }
        self.write(
            &self.video,
            (stream.ssrc, self.video_pt),
            &extensions,
            data,
            duration,
        )
        .await
    }

    async fn write(
        &self,
        track: &TrackLocalStaticSample,
        (ssrc, pt): (u32, u8),
        extensions: &[HeaderExtension],
        data: Bytes,
        duration: Duration,
    ) -> Result<(), TransportError> {
        if !self.connected.load(Ordering::Relaxed) {
            return Ok(());
        }
        let sample = Sample {
            data,
            timestamp: Instant::now(),
            duration,
            packet_timestamp: 0,
            prev_dropped_packets: 0,
            prev_padding_packets: 0,
        };
        track
            .write_sample(ssrc, pt, &sample, extensions)
            .await
            .map_err(TransportError::engine)
    }

    /// The bitrate to aim for: the congestion controller's estimate, capped by the hub's REMB.
    pub fn available_bps(&self) -> f64 {
        let estimate = self
            .estimate
            .as_ref()
            .map(Estimate::bps)
            .unwrap_or(peer::MAX_BITRATE_BPS);
        match self.remb_cap_bps.load(Ordering::Relaxed) {
            0 => estimate,
            cap => estimate.min(cap as f64),
        }
    }

    pub fn congestion_estimate_bps(&self) -> Option<f64> {
        self.estimate.as_ref().map(Estimate::bps)
    }

    /// The congestion controller's delay- and loss-based halves, for metrics.
    pub fn congestion_estimate_parts(&self) -> Option<peer::EstimateBreakdown> {
        self.estimate.as_ref().map(Estimate::parts)
    }

    pub fn remb_cap_bps(&self) -> Option<u64> {
        match self.remb_cap_bps.load(Ordering::Relaxed) {
            0 => None,
            cap => Some(cap),
        }
    }

    /// True once after the hub asked for a keyframe.
    pub fn take_keyframe_request(&self) -> bool {
        self.keyframe_wanted.swap(false, Ordering::Relaxed)
    }

    pub fn keyframe_requests(&self) -> u32 {
        self.keyframe_requests.load(Ordering::Relaxed)
    }

    pub fn packets_received(&self) -> u64 {
        self.packets_received.load(Ordering::Relaxed)
    }

    /// Asks the hub for a keyframe on a receiving slot (a decoder started or broke).
    pub async fn request_keyframe(&self, slot: usize) {
        request_keyframe_on(&self.remote_video, slot).await;
    }

    /// Round trip, loss and jitter from the connection's statistics.
    pub async fn stats(&self) -> LinkStats {
        let report = self.pc.get_stats(Instant::now(), StatsSelector::None).await;
        let mut stats = LinkStats::default();
        for entry in report.iter() {
            match entry {
                RTCStatsReportEntry::RemoteInboundRtp(remote) => {
                    if remote.round_trip_time_measurements > 0 {
                        stats.round_trip_ms = Some(remote.round_trip_time * 1000.0);
                    }
                    if remote.received_rtp_stream_stats.rtp_stream_stats.kind == RtpCodecKind::Video
                    {
                        stats.video_loss = remote.fraction_lost;
                    }
                }
                RTCStatsReportEntry::InboundRtp(inbound) => {
                    let received = &inbound.received_rtp_stream_stats;
                    stats.packets_lost += received.packets_lost;
                    stats.retransmitted_packets_received += inbound.retransmitted_packets_received;
                    // webrtc-rs reports jitter in RTP timestamp units (90 kHz for video).
                    if received.rtp_stream_stats.kind == RtpCodecKind::Video {
                        stats.jitter_ms = Some(received.jitter / 90.0);
                    }
                }
                RTCStatsReportEntry::OutboundRtp(outbound) => {
                    stats.retransmitted_packets_sent += outbound.retransmitted_packets_sent;
                }
                RTCStatsReportEntry::IceCandidatePair(pair) => {
                    // Summed over the pairs: once ICE moves to another pair the old one keeps
                    // its count, and the largest pair's count stood still while the media
                    // flowed (0 kb/s sent through a whole fault case in the trace).
                    stats.bytes_sent += pair.bytes_sent;
                    stats.bytes_received += pair.bytes_received;
                    if stats.round_trip_ms.is_none() && pair.current_round_trip_time > 0.0 {
                        stats.round_trip_ms = Some(pair.current_round_trip_time * 1000.0);
                    }
                }
                _ => {}
            }
        }
        stats
    }

    pub async fn close(&self) {
        let _ = self.pc.close().await;
    }
}
