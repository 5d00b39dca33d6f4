//! Telling random loss from congestion: the loss-based half of a room's bandwidth estimate.
//!
//! webrtc-rs's GCC cuts its loss-based estimate whenever the smoothed loss crosses 10 %, however
//! the loss came about. On a highland link that drops a few per cent of packets at random with
//! capacity to spare, that sank the estimate to ~95 kb/s and took rooms to audio only, although
//! sending less repaired nothing. This estimator follows libwebrtc's loss-based estimator v2
//! (`modules/congestion_controller/goog_cc/loss_based_bwe_v2.cc`, the defaults of its field
//! trial `WebRTC-Bwe-LossBasedBweV2`): loss is modelled as
//!
//! ```text
//! p(loss) = inherent + (1 − inherent) · max(0, (sending rate − bandwidth) / sending rate)
//! ```
//!
//! and the pair (inherent loss, loss-limited bandwidth) is chosen by maximum likelihood over the
//! last 20 observations of ≥ 250 ms (temporal weight 0.9 per observation), among the candidates
//! v2 tries (the current estimate × 1.02 / 1.0 / 0.95, the acknowledged rate, the delay-based
//! estimate), with one Newton step on the inherent loss, the inherent loss held within
//! `[0.001, 0.05 + 75 kb/s ÷ bandwidth]`, v2's bias towards higher bandwidth below 15 % loss, and
//! its instant upper bound `75 kb/s ÷ (loss − 5 %)`. Loss that does not grow with the sending
//! rate is thus inherent to the link and costs no bandwidth; loss that appears when the rate
//! exceeds a limit moves the bandwidth to that limit.
//!
//! **Delay is the other witness.** A sender that keeps its rate steady gives the likelihood
//! nothing to tell the two apart, and v2 leans on GCC's delay detector for that. Here an
//! observation whose packets queued (one-way delay ≥ [`QUEUED_MS`] above the lowest of the last
//! 30 s) cannot blame its losses on the link: a drop-tail queue that overflows (a squeezed
//! uplink) drops exactly while it is full, whereas a lossy radio drops with the delay flat. For
//! such observations the inherent loss is held at its lower bound, so their loss counts as
//! congestion. (This is this module's addition to v2, which reaches the same end through the
//! delay-based estimate alone.)
//!
//! The estimate is combined as v2 does: `min(loss-limited bandwidth, instant upper bound,
//! delay-based estimate)`. Packets whose fate the receiver never reported (their feedback was
//! lost) must not be passed in as lost: libwebrtc's feedback adapter counts only the packets a
//! feedback names, and so does the transport that feeds this.
//!
//! **What got through bounds it both ways.** A squeezed uplink showed two failures of an estimate
//! that is free of the acknowledged rate (`make test-faults`, 250 kb/s through `tc tbf`). Up:
//! once the room had stepped down to what fits, nothing was lost, and with webrtc-rs's
//! delay-based half blind to the standing queue the estimate leapt back to the maximum and took
//! the room into the squeeze again. Down: the overload's losses sank the estimate to the 60 kb/s
//! floor, well below the 250 kb/s the link kept delivering, and v2's rule of no increase while
//! the window's loss exceeds the inherent loss held it there, so the room sat at audio only. So:
//! - the estimate rises only to `1.5 × acknowledged rate + 10 kb/s` (or stays where it was, if
//!   higher), as libwebrtc's AIMD rate control bounds its delay-based estimate
//!   (`aimd_rate_control.cc`: "we limit the new bitrate based on the throughput to avoid unlimited
//!   bitrate increases"); webrtc-rs's GCC has no such bound. Climbing higher takes a probe
//!   ([`super::adapt`]), whose traffic raises the acknowledged rate if the link carries it;
//! - it never falls below `0.85 × acknowledged rate`: v2's instant lower bound
//!   (`LowerBoundByAckedRateFactor`), with the 0.85 AIMD backs off to from what gets through, so
//!   that a room settling under a squeeze sends a little less than the link delivers rather than
//!   exactly as much; but not above v2's instant upper bound, so heavy loss still limits it.
//!
//! The pacer releases packets at [`PACING_FACTOR`] times the estimate, not at the estimate: an
//! encoder overshoot or a probe must reach the link (and be judged there) rather than queue in
//! the sender for seconds behind audio.
//!
//! No I/O and no clock: every time is the packets' own send time, in milliseconds.

use std::collections::VecDeque;

/// One packet whose fate the receiver reported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ack {
    /// When it left, on this side's clock (ms).
    pub sent_ms: f64,
    pub size_bytes: u32,
    /// When it arrived, on the receiver's clock (ms; only differences mean anything), or `None`
    /// when the receiver reported it lost.
    pub arrived_ms: Option<f64>,
}

/// v2's defaults.
const OBSERVATION_MIN_MS: f64 = 250.0;
const WINDOW: usize = 20;
const TEMPORAL_WEIGHT: f64 = 0.9;
const CANDIDATE_FACTORS: [f64; 3] = [1.02, 1.0, 0.95];
const HIGHER_BANDWIDTH_BIAS: f64 = 0.0002;
const HIGHER_LOG_BANDWIDTH_BIAS: f64 = 0.02;
const INHERENT_LOSS_LOWER_BOUND: f64 = 1.0e-3;
const HIGH_BANDWIDTH_PREFERENCE_LOSS: f64 = 0.15;
const BANDWIDTH_PREFERENCE_SMOOTHING: f64 = 0.002;
const INHERENT_LOSS_UPPER_BALANCE_BPS: f64 = 75_000.0;
const INHERENT_LOSS_UPPER_OFFSET: f64 = 0.05;
const INITIAL_INHERENT_LOSS: f64 = 0.01;
const NEWTON_STEP: f64 = 0.75;
const INSTANT_UPPER_BALANCE_BPS: f64 = 75_000.0;
const INSTANT_UPPER_LOSS_OFFSET: f64 = 0.05;
/// While loss limits the estimate it rises at most this much per observation.
const MAX_INCREASE_FACTOR: f64 = 1.3;
const MIN_OBSERVATIONS: usize = 3;
/// How many of the newest observations (≥ 250 ms each) make the recent loss.
const RECENT_OBSERVATIONS: usize = 4;
/// Sending below this share of the estimate is application-limited (libwebrtc's ALR detector's
/// 65 %): the acknowledged rate then says nothing about the link and is not a candidate.
const APP_LIMITED_SHARE: f64 = 0.65;

/// The estimate rises to at most this multiple of the acknowledged rate plus the offset
/// (libwebrtc's AIMD: `1.5 * estimated_throughput + DataRate::KilobitsPerSec(10)`).
const THROUGHPUT_LIMIT_FACTOR: f64 = 1.5;
const THROUGHPUT_LIMIT_OFFSET_BPS: f64 = 10_000.0;
/// The estimate never falls below this share of the acknowledged rate (v2's instant lower bound
/// by the acked rate, with AIMD's backoff factor `beta` 0.85).
const ACKED_LOWER_BOUND_FACTOR: f64 = 0.85;
/// What the pacer releases at, as a multiple of the estimate: libwebrtc's
/// `kDefaultPaceMultiplier` (2.5). Pacing at the estimate itself (webrtc-rs's choice) held the
/// video of a room whose estimate had sunk behind its own audio, and the receiver got no
/// pictures at all.
pub const PACING_FACTOR: f64 = 2.5;

/// Queueing delay at or above which an observation's losses count as congestion.
pub const QUEUED_MS: f64 = 40.0;
/// How far back the lowest one-way delay (the empty-queue baseline) is looked for.
const BASE_DELAY_WINDOW_MS: f64 = 30_000.0;

#[derive(Debug, Clone, Copy)]
struct Observation {
    packets: f64,
    lost: f64,
    sending_bps: f64,
    /// Whether the packets queued: their loss is not the link's own.
    queued: bool,
}

/// Packets gathered towards the next observation.
#[derive(Debug, Default, Clone)]
struct Partial {
    packets: u32,
    lost: u32,
    bytes: u64,
    acked_bytes: u64,
    first_sent_ms: Option<f64>,
    last_sent_ms: f64,
    delay_sum_ms: f64,
    delays: u32,
    min_delay_ms: f64,
}

/// What the estimator concluded, for metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossView {
    /// The loss-based estimate (already bounded by the delay-based one), bits per second.
    pub estimate_bps: f64,
    /// Loss the model puts down to the link itself (random), 0.0–1.0.
    pub inherent_loss: f64,
    /// Weighted average of reported loss over the window, 0.0–1.0.
    pub average_loss: f64,
    /// Loss over the last second or so of observations (0.0–1.0): what the layer now being
    /// sent meets, where the window's average still carries a layer already left.
    pub recent_loss: f64,
    /// How far the latest observation's one-way delay stood above the baseline (ms).
    pub queueing_ms: f64,
    /// Whether loss, not delay, sets the estimate now.
    pub loss_limited: bool,
    /// What the latest observation sent and what of it the receiver acknowledged (b/s).
    pub sending_bps: f64,
    pub acked_bps: f64,
}

/// The estimator for one sender.
#[derive(Debug, Clone)]
pub struct LossBasedEstimator {
    min_bps: f64,
    max_bps: f64,
    observations: VecDeque<Observation>,
    partial: Partial,
    /// Send time that closed the last observation.
    last_observation_end_ms: Option<f64>,
    /// (send time, lowest one-way delay) of recent observations.
    base_delays: VecDeque<(f64, f64)>,
    bandwidth_bps: Option<f64>,
    inherent_loss: f64,
    delay_based_bps: f64,
    acked_bps: f64,
    sending_bps: f64,
    queueing_ms: f64,
    result_bps: f64,
}

impl LossBasedEstimator {
    pub fn new(min_bps: f64, max_bps: f64) -> Self {
        LossBasedEstimator {
            min_bps,
            max_bps,
            observations: VecDeque::with_capacity(WINDOW),
            partial: Partial::default(),
            last_observation_end_ms: None,
            base_delays: VecDeque::new(),
            bandwidth_bps: None,
            inherent_loss: INITIAL_INHERENT_LOSS,
            delay_based_bps: max_bps,
            acked_bps: 0.0,
            sending_bps: 0.0,
            queueing_ms: 0.0,
            result_bps: max_bps,
        }
    }

    /// The estimate to send at (bits per second): the delay-based one until there are enough
    /// observations, then the lower of it and what loss allows.
    pub fn estimate_bps(&self) -> f64 {
        self.result_bps
    }

    pub fn view(&self) -> LossView {
        LossView {
            estimate_bps: self.result_bps,
            inherent_loss: self.inherent_loss,
            average_loss: self.average_loss(),
            recent_loss: self.recent_loss(),
            queueing_ms: self.queueing_ms,
            loss_limited: self.result_bps < self.delay_based_bps.min(self.max_bps),
            sending_bps: self.sending_bps,
            acked_bps: self.acked_bps,
        }
    }

    /// Folds in the packets one feedback reported on (in send order), with the delay-based
    /// estimate as it stands after the same feedback.
    pub fn on_feedback(&mut self, acks: &[Ack], delay_based_bps: f64) {
        self.delay_based_bps = delay_based_bps.clamp(self.min_bps, self.max_bps);
        for ack in acks {
            let p = &mut self.partial;
            if p.first_sent_ms.is_none() {
                p.first_sent_ms = Some(ack.sent_ms);
                p.min_delay_ms = f64::INFINITY;
            }
            p.packets += 1;
            p.bytes += u64::from(ack.size_bytes);
            p.last_sent_ms = p.last_sent_ms.max(ack.sent_ms);
            match ack.arrived_ms {
                Some(arrived) => {
                    let delay = arrived - ack.sent_ms;
                    p.acked_bytes += u64::from(ack.size_bytes);
                    p.delay_sum_ms += delay;
                    p.delays += 1;
                    p.min_delay_ms = p.min_delay_ms.min(delay);
                }
                None => p.lost += 1,
            }
        }
        if self.close_observation() {
            self.choose();
        }
        let fresh = self.bounded();
        self.result_bps = if self.observations.len() < MIN_OBSERVATIONS {
            fresh
        } else {
            let ceiling = self
                .result_bps
                .max(THROUGHPUT_LIMIT_FACTOR * self.acked_bps + THROUGHPUT_LIMIT_OFFSET_BPS);
            let floor = (ACKED_LOWER_BOUND_FACTOR * self.acked_bps)
                .min(self.instant_upper_bound())
                .min(self.delay_based_bps);
            fresh
                .min(ceiling)
                .max(floor)
                .clamp(self.min_bps, self.max_bps)
        };
    }

    /// Turns the gathered packets into an observation once they span long enough.
    fn close_observation(&mut self) -> bool {
        let p = &self.partial;
        let Some(first) = p.first_sent_ms else {
            return false;
        };
        let start = self.last_observation_end_ms.unwrap_or(first);
        let span_ms = p.last_sent_ms - start;
        if span_ms < OBSERVATION_MIN_MS || p.packets == 0 {
            return false;
        }
        let end = p.last_sent_ms;
        let sending_bps = p.bytes as f64 * 8_000.0 / span_ms;
        self.sending_bps = sending_bps;
        self.acked_bps = p.acked_bytes as f64 * 8_000.0 / span_ms;
        let queued = if p.delays > 0 {
            while self
                .base_delays
                .front()
                .is_some_and(|(at, _)| end - at > BASE_DELAY_WINDOW_MS)
            {
                self.base_delays.pop_front();
            }
            self.base_delays.push_back((end, p.min_delay_ms));
            let base = self
                .base_delays
                .iter()
                .map(|(_, d)| *d)
                .fold(f64::INFINITY, f64::min);
            self.queueing_ms = (p.delay_sum_ms / f64::from(p.delays) - base).max(0.0);
            self.queueing_ms >= QUEUED_MS
        } else {
            // Nothing arrived: no delay to judge by; the loss stands as it is.
            false
        };
        if self.observations.len() == WINDOW {
            self.observations.pop_front();
        }
        self.observations.push_back(Observation {
            packets: f64::from(p.packets),
            lost: f64::from(p.lost),
            sending_bps,
            queued,
        });
        self.last_observation_end_ms = Some(end);
        self.partial = Partial::default();
        true
    }

    /// Weights, newest observation last: 0.9 to the power of its age.
    fn weighted(&self) -> impl Iterator<Item = (f64, &Observation)> {
        let newest = self.observations.len().saturating_sub(1);
        self.observations
            .iter()
            .enumerate()
            .map(move |(i, o)| (TEMPORAL_WEIGHT.powi((newest - i) as i32), o))
    }

    fn average_loss(&self) -> f64 {
        let (lost, packets) = self.weighted().fold((0.0, 0.0), |(l, n), (w, o)| {
            (l + w * o.lost, n + w * o.packets)
        });
        if packets > 0.0 { lost / packets } else { 0.0 }
    }

    fn recent_loss(&self) -> f64 {
        let (lost, packets) = self
            .observations
            .iter()
            .rev()
            .take(RECENT_OBSERVATIONS)
            .fold((0.0, 0.0), |(l, n), o| (l + o.lost, n + o.packets));
        if packets > 0.0 { lost / packets } else { 0.0 }
    }

    fn inherent_upper_bound(bandwidth_bps: f64) -> f64 {
        if bandwidth_bps <= 0.0 {
            return 1.0;
        }
        (INHERENT_LOSS_UPPER_OFFSET + INHERENT_LOSS_UPPER_BALANCE_BPS / bandwidth_bps).min(1.0)
    }

    fn feasible(inherent: f64, bandwidth_bps: f64) -> f64 {
        inherent
            .max(INHERENT_LOSS_LOWER_BOUND)
            .min(Self::inherent_upper_bound(bandwidth_bps))
    }

    /// The loss an observation should see under (inherent, bandwidth); also the share of the
    /// inherent loss in it (its derivative), which is 0 for a queued observation.
    fn loss_probability(o: &Observation, inherent: f64, bandwidth_bps: f64) -> (f64, f64) {
        let inherent = if o.queued {
            INHERENT_LOSS_LOWER_BOUND
        } else {
            inherent
        };
        let over = if o.sending_bps > bandwidth_bps {
            (o.sending_bps - bandwidth_bps) / o.sending_bps
        } else {
            0.0
        };
        let p = (inherent + (1.0 - inherent) * over).clamp(1.0e-6, 1.0 - 1.0e-6);
        (p, if o.queued { 0.0 } else { 1.0 - over })
    }

    fn newton_step(&self, inherent: f64, bandwidth_bps: f64) -> f64 {
        let (mut first, mut second) = (0.0, 0.0);
        for (w, o) in self.weighted() {
            let (p, dp) = Self::loss_probability(o, inherent, bandwidth_bps);
            let received = o.packets - o.lost;
            first += w * dp * (o.lost / p - received / (1.0 - p));
            second -= w * dp * dp * (o.lost / (p * p) + received / ((1.0 - p) * (1.0 - p)));
        }
        if second >= 0.0 {
            // Only queued observations: the inherent loss does not enter the likelihood.
            return Self::feasible(inherent, bandwidth_bps);
        }
        Self::feasible(inherent - NEWTON_STEP * first / second, bandwidth_bps)
    }

    /// v2's preference for more bandwidth, which turns into a preference for less above 15 %
    /// average loss.
    fn bandwidth_bias(&self, bandwidth_bps: f64) -> f64 {
        let loss = self.average_loss();
        let adjust = |factor: f64| {
            factor * (HIGH_BANDWIDTH_PREFERENCE_LOSS - loss)
                / (BANDWIDTH_PREFERENCE_SMOOTHING + (HIGH_BANDWIDTH_PREFERENCE_LOSS - loss).abs())
        };
        let kbps = bandwidth_bps / 1000.0;
        adjust(HIGHER_BANDWIDTH_BIAS) * kbps + adjust(HIGHER_LOG_BANDWIDTH_BIAS) * (1.0 + kbps).ln()
    }

    fn objective(&self, inherent: f64, bandwidth_bps: f64) -> f64 {
        let bias = self.bandwidth_bias(bandwidth_bps);
        self.weighted()
            .map(|(w, o)| {
                let (p, _) = Self::loss_probability(o, inherent, bandwidth_bps);
                w * (o.lost * p.ln() + (o.packets - o.lost) * (1.0 - p).ln() + bias * o.packets)
            })
            .sum()
    }

    /// Picks the most likely (inherent loss, bandwidth) among v2's candidates.
    fn choose(&mut self) {
        let current = *self.bandwidth_bps.get_or_insert(self.delay_based_bps);
        if self.observations.len() < MIN_OBSERVATIONS {
            return;
        }
        let newest = self.observations.back().copied();
        let sending = newest.map_or(0.0, |o| o.sending_bps);
        let mut bandwidths: Vec<f64> = CANDIDATE_FACTORS.iter().map(|f| f * current).collect();
        if sending >= APP_LIMITED_SHARE * self.result_bps || newest.is_some_and(|o| o.queued) {
            bandwidths.push(self.acked_bps);
        }
        if self.delay_based_bps > current {
            bandwidths.push(self.delay_based_bps);
        }
        let loss_limited = self.result_bps < self.delay_based_bps;
        let ceiling = if loss_limited {
            current * MAX_INCREASE_FACTOR
        } else {
            self.max_bps
        };
        let mut best = (f64::NEG_INFINITY, current, self.inherent_loss);
        for bandwidth in bandwidths {
            let bandwidth = bandwidth.min(ceiling.max(current)).max(self.min_bps);
            let inherent = Self::feasible(self.inherent_loss, bandwidth);
            let inherent = self.newton_step(inherent, bandwidth);
            let objective = self.objective(inherent, bandwidth);
            if objective > best.0 {
                best = (objective, bandwidth, inherent);
            }
        }
        let (_, mut bandwidth, inherent) = best;
        // v2: no increase while the link loses more than the model calls inherent.
        if bandwidth > current && self.average_loss() > inherent {
            bandwidth = current;
        }
        // A drop-tail queue that overflows is overuse, whatever the likelihood's preference for
        // more bandwidth says after quieter observations: back off to 0.85 × what got through,
        // as GCC's delay-based half does on overuse (webrtc-rs's stayed at its maximum through
        // a whole squeeze: the standing queue has no slope).
        if let Some(o) = newest
            && o.queued
            && o.lost > 0.0
        {
            bandwidth = bandwidth.min(ACKED_LOWER_BOUND_FACTOR * self.acked_bps);
        }
        self.bandwidth_bps = Some(bandwidth);
        self.inherent_loss = inherent;
    }

    fn instant_upper_bound(&self) -> f64 {
        let loss = self.average_loss();
        if loss > INSTANT_UPPER_LOSS_OFFSET {
            INSTANT_UPPER_BALANCE_BPS / (loss - INSTANT_UPPER_LOSS_OFFSET)
        } else {
            self.max_bps
        }
    }

    fn bounded(&self) -> f64 {
        if self.observations.len() < MIN_OBSERVATIONS {
            return self.delay_based_bps;
        }
        let bandwidth = self.bandwidth_bps.unwrap_or(self.delay_based_bps);
        bandwidth
            .min(self.instant_upper_bound())
            .min(self.delay_based_bps)
            .clamp(self.min_bps, self.max_bps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meeting::link_sim::Link;

    const MIN: f64 = 60_000.0;
    const MAX: f64 = 2_500_000.0;

    /// Sends for `secs` at `rate(estimate)`, the delay-based estimate held at `delay_based`.
    fn run(
        e: &mut LossBasedEstimator,
        link: &mut Link,
        secs: u32,
        delay_based: f64,
        rate: impl Fn(f64) -> f64,
    ) {
        for _ in 0..secs * 10 {
            let sent = link.send(rate(e.estimate_bps()));
            e.on_feedback(&sent.acks, delay_based);
        }
    }

    #[test]
    fn random_loss_with_flat_delay_costs_no_bandwidth() {
        for seed in 0..8 {
            let mut e = LossBasedEstimator::new(MIN, MAX);
            // 5 % random loss, capacity well above what is sent (1.5 Mb/s).
            let mut link = Link::new(seed, 10_000_000.0, 150.0, 0.05);
            run(&mut e, &mut link, 30, MAX, |_| 1_500_000.0);
            let v = e.view();
            assert!(
                v.estimate_bps >= 2_000_000.0,
                "seed {seed}: random loss must not sink the estimate: {v:?}"
            );
            assert!(
                (0.03..0.08).contains(&v.inherent_loss),
                "seed {seed}: {v:?}"
            );
            assert!(v.queueing_ms < QUEUED_MS, "{v:?}");
        }
    }

    #[test]
    fn a_squeeze_with_a_full_queue_brings_the_estimate_to_the_capacity() {
        for seed in 0..8 {
            let mut e = LossBasedEstimator::new(MIN, MAX);
            // 250 kb/s with 150 ms of buffer (`make fault`'s tbf), sending at 290 kb/s: the
            // queue fills and the excess is dropped, while the delay-based half (a standing
            // queue has no slope) sees nothing.
            let mut link = Link::new(seed, 250_000.0, 150.0, 0.0);
            run(&mut e, &mut link, 20, MAX, |_| 290_000.0);
            let v = e.view();
            assert!(v.queueing_ms >= QUEUED_MS, "seed {seed}: {v:?}");
            assert!(v.loss_limited, "{v:?}");
            assert!(
                v.estimate_bps <= 300_000.0,
                "seed {seed}: a squeeze must bring the estimate down: {v:?}"
            );
        }
    }

    #[test]
    fn after_a_squeeze_the_estimate_stays_with_what_gets_through() {
        for seed in 0..8 {
            let mut e = LossBasedEstimator::new(MIN, MAX);
            let mut link = Link::new(seed, 250_000.0, 150.0, 0.0);
            run(&mut e, &mut link, 15, MAX, |_| 400_000.0);
            // The room stepped down and sends 200 kb/s, which the squeezed link carries: no
            // loss, the delay-based half (blind to a standing queue) at its maximum. The
            // estimate must neither leap back there (the room would return into the squeeze)
            // nor stay sunk at the floor (the room would drop its picture).
            let (mut lowest, mut highest) = (f64::INFINITY, 0.0_f64);
            for step in 0..300 {
                let sent = link.send(200_000.0);
                e.on_feedback(&sent.acks, MAX);
                if step >= 10 {
                    lowest = lowest.min(e.estimate_bps());
                    highest = highest.max(e.estimate_bps());
                }
            }
            assert!(
                (150_000.0..=400_000.0).contains(&lowest) && highest <= 400_000.0,
                "seed {seed}: {lowest}–{highest} {:?}",
                e.view()
            );
        }
    }

    #[test]
    fn heavy_random_loss_still_limits_the_estimate() {
        let mut e = LossBasedEstimator::new(MIN, MAX);
        let mut link = Link::new(3, 10_000_000.0, 150.0, 0.30);
        run(&mut e, &mut link, 20, MAX, |_| 1_500_000.0);
        let v = e.view();
        assert!(v.estimate_bps < 600_000.0, "30 % loss: {v:?}");
    }

    #[test]
    fn the_estimate_recovers_when_the_loss_stops() {
        let mut e = LossBasedEstimator::new(MIN, MAX);
        let mut link = Link::new(4, 250_000.0, 150.0, 0.0);
        run(&mut e, &mut link, 15, MAX, |_| 400_000.0);
        assert!(e.estimate_bps() < 350_000.0, "{:?}", e.view());
        link.capacity_bps = 10_000_000.0;
        // The sender follows the estimate (as the encoder does), so there is room to find.
        run(&mut e, &mut link, 30, MAX, |est| est * 0.9);
        assert!(e.estimate_bps() >= 2_000_000.0, "{:?}", e.view());
    }

    #[test]
    fn until_enough_is_seen_the_delay_based_estimate_stands() {
        let mut e = LossBasedEstimator::new(MIN, MAX);
        let mut link = Link::new(6, 10_000_000.0, 150.0, 0.5);
        let sent = link.send(1_000_000.0);
        e.on_feedback(&sent.acks, 800_000.0);
        assert_eq!(e.estimate_bps(), 800_000.0);
        e.on_feedback(&[], 5_000_000.0);
        assert_eq!(e.estimate_bps(), MAX, "clamped to the maximum");
    }
}
