//! A participant's receive-only peer connection, for engines whose subscriptions offer (Janus's
//! multistream subscriber): the hub passes on the engine's offer, this answers it, and the
//! received tracks (stream ids `slot-N`, as the hub names them) go to the same sink as the
//! main connection's.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64};

use rtc::peer_connection::sdp::RTCSessionDescription;
use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use rtc::statistics::StatsSelector;
use rtc::statistics::report::RTCStatsReportEntry;
use webrtc::peer_connection::PeerConnection;

use super::TransportError;
use super::client::{Handler, PeerEvent, RemoteMedia, RemoteVideo, request_keyframe_on};
use super::peer::{self, PeerOptions};
use crate::wire::IceCandidate;

/// Totals of a receive-only connection (see [`ReceiverPeer::received`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceivedCounts {
    pub video_packets: u64,
    pub video_lost: u64,
    pub bytes: u64,
}

/// The receive-only connection of one subscription.
pub struct ReceiverPeer {
    pc: Arc<dyn PeerConnection>,
    remote_video: RemoteVideo,
    packets_received: Arc<AtomicU64>,
}

impl std::fmt::Debug for ReceiverPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiverPeer").finish_non_exhaustive()
    }
}

impl ReceiverPeer {
    /// Builds the connection from the engine's offer and returns it with its answer.
    pub async fn answer(
        options: &PeerOptions,
        sink: Arc<dyn RemoteMedia>,
        offer_sdp: String,
    ) -> Result<
        (
            ReceiverPeer,
            String,
            tokio::sync::mpsc::UnboundedReceiver<PeerEvent>,
        ),
        TransportError,
    > {
        let (events, rx) = tokio::sync::mpsc::unbounded_channel();
        let remote_video: RemoteVideo = Arc::new(std::sync::Mutex::new(Vec::new()));
        let packets_received = Arc::new(AtomicU64::new(0));
        let handler = Arc::new(Handler {
            events,
            sink,
            remote_video: remote_video.clone(),
            packets_received: packets_received.clone(),
            connected: Arc::new(AtomicBool::new(false)),
        });
        let (pc, _) = peer::build(options, handler).await?;
        let offer = RTCSessionDescription::offer(offer_sdp).map_err(TransportError::engine)?;
        pc.set_remote_description(offer)
            .await
            .map_err(TransportError::engine)?;
        let answer = pc
            .create_answer(None)
            .await
            .map_err(TransportError::engine)?;
        let sdp = answer.sdp.clone();
        pc.set_local_description(answer)
            .await
            .map_err(TransportError::engine)?;
        Ok((
            ReceiverPeer {
                pc,
                remote_video,
                packets_received,
            },
            sdp,
            rx,
        ))
    }

    pub async fn add_candidate(&self, candidate: IceCandidate) -> Result<(), TransportError> {
        super::peer::add_remote_candidate(self.pc.as_ref(), candidate).await
    }

    /// Asks the engine for a keyframe on a receiving slot.
    pub async fn request_keyframe(&self, slot: usize) {
        request_keyframe_on(&self.remote_video, slot).await;
    }

    /// What the connection received so far: its video packets and those lost (after
    /// repairs), and all bytes; the room's receive reports are the differences.
    pub async fn received(&self) -> ReceivedCounts {
        let report = self
            .pc
            .get_stats(std::time::Instant::now(), StatsSelector::None)
            .await;
        let mut counts = ReceivedCounts::default();
        for entry in report.iter() {
            match entry {
                RTCStatsReportEntry::InboundRtp(inbound) => {
                    let received = &inbound.received_rtp_stream_stats;
                    if received.rtp_stream_stats.kind == RtpCodecKind::Video {
                        counts.video_packets += received.packets_received;
                        counts.video_lost += received.packets_lost.max(0) as u64;
                    }
                }
                RTCStatsReportEntry::IceCandidatePair(pair) => {
                    counts.bytes = counts.bytes.max(pair.bytes_received);
                }
                _ => {}
            }
        }
        counts
    }

    pub fn packets_received(&self) -> u64 {
        self.packets_received
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub async fn close(&self) {
        let _ = self.pc.close().await;
    }
}
