//! A room's send-side bandwidth estimate: GCC's delay-based half (webrtc-rs) with the
//! loss-based half replaced by [`crate::meeting::loss_estimate`], which tells random loss from
//! congestion. The combined estimate is what the layer choice reads and the encoder is given;
//! the pacer releases packets at [`PACING_FACTOR`] times it (libwebrtc's pacing multiplier), so
//! a low estimate never holds the video behind the audio in the sender.
//!
//! webrtc-rs's send history reports every packet older than the newest acknowledged one as
//! lost when no feedback named it, so a lost TWCC feedback (5 % of them on a link losing 5 %
//! each way) turned ~100 ms of delivered packets into "lost" ones: GCC counted 6–20 % loss on a
//! link dropping 5 %. Here an interceptor in the congestion-control slot notes which transport
//! sequence numbers each feedback names before the history sees it, and a packet no feedback
//! named is left out (its fate is unknown, not lost), as libwebrtc's feedback adapter does.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rtc::interceptor::{
    BandwidthEstimator, CongestionControlBuilder, CongestionControlInterceptor, EstimatorStats,
    Gcc, Interceptor, PacerBuilder, Packet, PacketReport, Registry, Slot, StreamInfo, TaggedPacket,
    TwccReceiverBuilder, TwccSenderBuilder,
};
use rtc::peer_connection::configuration::media_engine::MediaEngine;
use rtc::rtcp::transport_feedbacks::transport_layer_cc::TransportLayerCc;
use rtc::rtp_transceiver::rtp_sender::{
    RTCPFeedback, RTCRtpHeaderExtensionCapability, RtpCodecKind, TYPE_RTCP_FB_TRANSPORT_CC,
};
use rtc::sansio::Protocol;

use super::TransportError;
use crate::meeting::loss_estimate::{Ack, LossBasedEstimator, PACING_FACTOR};

/// Where the estimator starts: low, so the first seconds are deliverable on a highland link,
/// and probing climbs from there.
pub const INITIAL_BITRATE_BPS: f64 = 600_000.0;
pub const MIN_BITRATE_BPS: f64 = 60_000.0;
pub const MAX_BITRATE_BPS: f64 = 2_500_000.0;

/// How long the ranges a feedback named are remembered: longer than webrtc-rs keeps a sent
/// packet waiting for its feedback (2 s).
const NAMED_FOR: Duration = Duration::from_secs(4);

/// The congestion controller's latest estimate, readable from any task.
#[derive(Debug, Clone)]
pub struct Estimate(Arc<EstimateParts>);

/// The target and its parts, as `f64` bits (written by the estimator inside the interceptor
/// chain, read by the call).
#[derive(Debug, Default)]
struct EstimateParts {
    target: AtomicU64,
    delay_based: AtomicU64,
    loss_based: AtomicU64,
    loss: AtomicU64,
    recent_loss: AtomicU64,
    inherent_loss: AtomicU64,
    queueing_ms: AtomicU64,
    sending: AtomicU64,
    acked: AtomicU64,
}

fn load(value: &AtomicU64) -> f64 {
    f64::from_bits(value.load(Ordering::Relaxed))
}

impl Estimate {
    pub fn bps(&self) -> f64 {
        load(&self.0.target)
    }

    /// Why the estimate is where it is: the delay-based half (queues building) and the
    /// loss-based half (congestion loss), whichever is lower wins; the loss reported and how
    /// much of it the link loses anyway.
    pub fn parts(&self) -> EstimateBreakdown {
        EstimateBreakdown {
            delay_based_bps: load(&self.0.delay_based),
            loss_based_bps: load(&self.0.loss_based),
            loss: load(&self.0.loss),
            recent_loss: load(&self.0.recent_loss),
            inherent_loss: load(&self.0.inherent_loss),
            queueing_ms: load(&self.0.queueing_ms),
            sending_bps: load(&self.0.sending),
            acked_bps: load(&self.0.acked),
        }
    }
}

/// See [`Estimate::parts`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EstimateBreakdown {
    pub delay_based_bps: f64,
    pub loss_based_bps: f64,
    /// Fraction of the packets named by feedback that were lost (0.0–1.0, weighted average).
    pub loss: f64,
    /// Loss over about the last second only: what the layer being sent now meets.
    pub recent_loss: f64,
    /// The part of that loss put down to the link itself, which costs no bandwidth.
    pub inherent_loss: f64,
    /// How far one-way delay stands above its recent low (ms).
    pub queueing_ms: f64,
    /// What the latest feedback window sent, and what of it the receiver acknowledged (b/s).
    pub sending_bps: f64,
    pub acked_bps: f64,
}

/// Transport-wide sequence ranges recent feedback named.
#[derive(Debug, Default)]
struct Named {
    ranges: VecDeque<(Instant, u16, u16)>,
}

impl Named {
    fn record(&mut self, now: Instant, base: u16, count: u16) {
        while self
            .ranges
            .front()
            .is_some_and(|(at, _, _)| now.saturating_duration_since(*at) > NAMED_FOR)
        {
            self.ranges.pop_front();
        }
        self.ranges.push_back((now, base, count));
    }

    fn contains(&self, sequence: u16) -> bool {
        self.ranges
            .iter()
            .any(|(_, base, count)| sequence.wrapping_sub(*base) < *count)
    }
}

/// GCC for the delay-based half, [`LossBasedEstimator`] for the rest; publishes the result
/// after each update (the estimator lives inside the interceptor chain, so the numbers have to
/// be pushed out rather than pulled).
struct ReportingEstimator {
    gcc: Gcc,
    loss: LossBasedEstimator,
    named: Arc<Mutex<Named>>,
    /// The origin of send times handed to the loss-based half.
    epoch: Option<Instant>,
    parts: Arc<EstimateParts>,
}

impl ReportingEstimator {
    fn target(&self) -> f64 {
        self.loss
            .estimate_bps()
            .min(self.gcc.delay_based_bitrate())
            .clamp(MIN_BITRATE_BPS, MAX_BITRATE_BPS)
    }

    fn publish(&self) {
        let store = |cell: &AtomicU64, value: f64| cell.store(value.to_bits(), Ordering::Relaxed);
        let view = self.loss.view();
        store(&self.parts.target, self.target());
        store(&self.parts.delay_based, self.gcc.delay_based_bitrate());
        store(&self.parts.loss_based, view.estimate_bps);
        store(&self.parts.loss, view.average_loss);
        store(&self.parts.recent_loss, view.recent_loss);
        store(&self.parts.inherent_loss, view.inherent_loss);
        store(&self.parts.queueing_ms, view.queueing_ms);
        store(&self.parts.sending, view.sending_bps);
        store(&self.parts.acked, view.acked_bps);
    }
}

impl BandwidthEstimator for ReportingEstimator {
    fn on_reports(&mut self, now: Instant, reports: &[PacketReport]) {
        self.gcc.on_reports(now, reports);
        let named = self.named.lock().unwrap_or_else(|p| p.into_inner());
        let epoch = *self
            .epoch
            .get_or_insert_with(|| reports.first().map_or(now, |r| r.departure));
        let acks: Vec<Ack> = reports
            .iter()
            .filter(|r| r.arrived || !r.is_twcc || named.contains(r.twcc_sequence_number))
            .map(|r| Ack {
                sent_ms: r.departure.saturating_duration_since(epoch).as_secs_f64() * 1000.0,
                size_bytes: u32::try_from(r.size).unwrap_or(u32::MAX),
                arrived_ms: r
                    .arrival
                    .filter(|_| r.arrived)
                    .map(|a| a.as_secs_f64() * 1000.0),
            })
            .collect();
        drop(named);
        if !acks.is_empty() {
            self.loss.on_feedback(&acks, self.gcc.delay_based_bitrate());
        }
        self.publish();
    }
    /// What the pacer is told: the pacing rate, not the estimate.
    fn target_bitrate(&self) -> f64 {
        self.target() * PACING_FACTOR
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.gcc.handle_timeout(now);
        self.publish();
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.gcc.poll_timeout()
    }
    fn stats(&self) -> EstimatorStats {
        let mut stats = self.gcc.stats();
        stats.loss_based_bitrate = Some(self.loss.estimate_bps());
        stats.packet_loss = Some(self.loss.view().average_loss);
        stats
    }
}

/// webrtc-rs's congestion-control interceptor, with the ranges each TWCC feedback names noted
/// before it reads them.
struct NamingCongestionControl {
    inner: CongestionControlInterceptor<ReportingEstimator>,
    named: Arc<Mutex<Named>>,
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for NamingCongestionControl {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = rtc::shared::error::Error;
    type Time = Instant;

    fn handle_read(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtcp(packets) = &msg.message.packet {
            let mut named = self.named.lock().unwrap_or_else(|p| p.into_inner());
            for packet in packets {
                if let Some(feedback) = packet.as_any().downcast_ref::<TransportLayerCc>() {
                    named.record(
                        msg.now,
                        feedback.base_sequence_number,
                        feedback.packet_status_count,
                    );
                }
            }
        }
        self.inner.handle_read(msg)
    }
    fn poll_read(&mut self) -> Option<Self::Rout> {
        self.inner.poll_read()
    }
    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        self.inner.handle_write(msg)
    }
    fn poll_write(&mut self) -> Option<Self::Wout> {
        self.inner.poll_write()
    }
    fn handle_event(&mut self, event: ()) -> Result<(), Self::Error> {
        self.inner.handle_event(event)
    }
    fn poll_event(&mut self) -> Option<Self::Eout> {
        self.inner.poll_event()
    }
    fn handle_timeout(&mut self, now: Instant) -> Result<(), Self::Error> {
        self.inner.handle_timeout(now)
    }
    fn poll_timeout(&mut self) -> Option<Self::Time> {
        self.inner.poll_timeout()
    }
    fn close(&mut self) -> Result<(), Self::Error> {
        self.inner.close()
    }
}

impl Interceptor for NamingCongestionControl {
    fn bind_local_stream(&mut self, info: &StreamInfo) {
        self.inner.bind_local_stream(info);
    }
    fn unbind_local_stream(&mut self, info: &StreamInfo) {
        self.inner.unbind_local_stream(info);
    }
    fn bind_remote_stream(&mut self, info: &StreamInfo) {
        self.inner.bind_remote_stream(info);
    }
    fn unbind_remote_stream(&mut self, info: &StreamInfo) {
        self.inner.unbind_remote_stream(info);
    }
}

/// What webrtc-rs's `configure_congestion_control` sets up for TWCC (the feedback and header
/// extension in the SDP, the pacer, the TWCC sender and receiver), with our estimator and the
/// naming interceptor in the congestion-control slot.
pub(crate) fn configure(
    registry: Registry,
    engine: &mut MediaEngine,
) -> Result<(Registry, Estimate), TransportError> {
    for kind in [RtpCodecKind::Video, RtpCodecKind::Audio] {
        engine.register_feedback(
            RTCPFeedback {
                typ: TYPE_RTCP_FB_TRANSPORT_CC.to_owned(),
                parameter: String::new(),
            },
            kind,
        );
        engine
            .register_header_extension(
                RTCRtpHeaderExtensionCapability {
                    uri: rtc::sdp::extmap::TRANSPORT_CC_URI.to_owned(),
                },
                kind,
                None,
            )
            .map_err(TransportError::engine)?;
    }
    let parts = Arc::new(EstimateParts::default());
    let named = Arc::new(Mutex::new(Named::default()));
    let estimator = ReportingEstimator {
        gcc: Gcc::new(INITIAL_BITRATE_BPS, MIN_BITRATE_BPS, MAX_BITRATE_BPS),
        loss: LossBasedEstimator::new(MIN_BITRATE_BPS, MAX_BITRATE_BPS),
        named: named.clone(),
        epoch: None,
        parts: parts.clone(),
    };
    estimator.publish();
    let registry = registry
        .with(
            Slot::CongestionControl,
            NamingCongestionControl {
                inner: CongestionControlBuilder::new(estimator).build(),
                named,
            },
        )
        .with(Slot::Pacer, PacerBuilder::new().build())
        .with(Slot::TwccSender, TwccSenderBuilder::new().build())
        .with(Slot::TwccReceiver, TwccReceiverBuilder::new().build());
    Ok((registry, Estimate(parts)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packet_is_named_only_by_a_feedback_that_covers_it_across_the_wrap() {
        let mut named = Named::default();
        let t0 = Instant::now();
        named.record(t0, 65_530, 10);
        assert!(named.contains(65_530));
        assert!(named.contains(3), "wraps past 65535");
        assert!(!named.contains(4));
        assert!(!named.contains(65_529));
        // Old ranges are forgotten.
        named.record(t0 + NAMED_FOR + Duration::from_secs(1), 100, 5);
        assert!(!named.contains(65_530));
        assert!(named.contains(104));
    }
}
