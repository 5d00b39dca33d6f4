//! Choosing what a room sends as its link changes: 720p → 360p → 180p → audio only, and
//! back up, with hysteresis so a link on the edge does not flap. What each layer needs and
//! may use comes from the one layer table ([`super::layer`]); only the loss each tolerates is
//! this controller's own.
//!
//! Fed the congestion controller's estimate, the cap the hub asks for with REMB (a hard
//! limit), and the loss the hub reports, with the time as an input.
//!
//! **Random loss is not congestion.** Neither input counts loss the link causes by itself:
//! the estimate's loss-based half ([`super::loss_estimate`], after libwebrtc's loss-based
//! estimator v2) puts loss that neither grows with the sending rate nor comes with a queue
//! down to the link and keeps the bandwidth, while loss with queueing delay, or growing with
//! the rate, lowers it; and the loss this controller weighs is congestion loss (the estimate's
//! loss beyond what it calls inherent) or what is left after RTX repaired what it could (the
//! hub's receiver report counts a repaired packet as received), whichever is worse. So 5 % random
//! loss on a link with room keeps the picture, and a squeezed uplink still steps it down (both
//! in this module's seeded simulation).
//!
//! A congestion controller cannot see room it is not using: a room that fell to audio only
//! sends 60 kb/s and its estimate rises only to 1.5 × what is acknowledged (libwebrtc's AIMD
//! bound, [`super::loss_estimate`]) however good the link becomes. So after a quiet spell the
//! controller **probes**: it tries the next layer up even though the estimate does not yet
//! promise it, and for a grace period judges it by what the link does with the extra traffic
//! rather than by the estimate, which climbs only as that traffic is acknowledged. A probe
//! fails on loss, on the estimate falling, on less than [`PROBE_DELIVERED_SHARE`] of what it
//! sends being acknowledged (libwebrtc's probe controller probes further only while the rate a
//! probe measured reaches 70 % of what it sent), or on queueing delay growing by
//! [`PROBE_QUEUE_GROWTH_MS`] (a deep buffer that loses nothing still queues); and it is kept
//! only if by the end of its grace the estimate reached [`PROBE_REACHED_SHARE`] of what the
//! layer needs (what is acknowledged lifts the estimate; traffic that did not get through lifts
//! nothing). Every step up is
//! such a trial, whether probed or promised by the estimate; one that steps back down within
//! [`PROBE_CONFIRM_MS`] failed, and each failure doubles the wait before the next step up of
//! either kind into that layer or above (8 s, 16 s, … 64 s), as libwebrtc's loss-based
//! estimator v2 doubles its HOLD after each loss-limited decrease (`HoldDurationFactor`, 300 ms
//! up to 60 s there). Only a step up into that layer holding clears the wait: a step up below it
//! holding says nothing about whether it fits now (the still test picture fits 250 kb/s at 360p,
//! and with every held 360p clearing it the room retried 720p eight seconds later and fell to
//! audio only four times in three minutes). So a room under a squeeze tries a bigger picture
//! briefly and ever more rarely, and stays at what fits.
//! But a step up that failed while the estimate put much of the loss down to the link itself
//! (heavy random loss) says nothing about capacity: once that loss is gone the wait starts
//! again from the first, so the picture comes back within seconds of a bad radio spell ending.
//! Probes never go above the hub's cap.

use super::layer::Layer;

/// Bitrate below which `layer` is not worth sending (video only): the table's minimum.
fn needs_bps(layer: Layer) -> f64 {
    layer.video().map_or(0.0, |v| f64::from(v.min_bps))
}

/// The most the encoder is given at `layer`: the table's maximum.
fn max_bps(layer: Layer) -> u32 {
    layer.video().map_or(0, |v| v.max_bps)
}

/// The most loss (fraction) at which `layer` is still chosen (Jitsi's figures: 360p above
/// 2 %, 180p above 5 %, audio only above 15 %).
fn tolerates_loss(layer: Layer) -> f64 {
    match layer {
        Layer::AudioOnly => 1.0,
        Layer::P180 => 0.15,
        Layer::P360 => 0.05,
        Layer::P720 => 0.02,
    }
}

/// How long conditions must hold before stepping down, and up.
pub const DOWN_AFTER_MS: u64 = 1_000;
pub const UP_AFTER_MS: u64 = 4_000;
/// First wait before probing the next layer up; doubles after each failed probe.
pub const PROBE_FIRST_WAIT_MS: u64 = 8_000;
pub const PROBE_MAX_WAIT_MS: u64 = 64_000;
/// How long a probe is judged by what the link does with it, while the estimate catches up.
pub const PROBE_GRACE_MS: u64 = 5_000;
/// A step up that steps back down within this long failed (the wait before the next doubles);
/// one that holds this long resets the wait.
pub const PROBE_CONFIRM_MS: u64 = 20_000;
/// A probe whose traffic is acknowledged at less than this share of what was sent congested
/// the path (libwebrtc's probe controller: `further_probe_threshold` 0.7; 0.8 here, as random
/// loss the link causes by itself stays well below 20 % where a picture is worth probing).
pub const PROBE_DELIVERED_SHARE: f64 = 0.8;
/// A probe is kept only if by the end of its grace the estimate reached this share of what the
/// layer needs (libwebrtc's probe controller probes further only while a probe's result
/// reaches 70 % of what it probed, `further_probe_threshold`).
pub const PROBE_REACHED_SHARE: f64 = 0.7;
/// Queueing delay growing by this much over where it stood when a probe started means the
/// probe's traffic is filling a queue.
pub const PROBE_QUEUE_GROWTH_MS: f64 = 60.0;
/// An estimate below this share of its value when a probe started (or was accepted) means
/// the probe congested the path.
const PROBE_FALL: f64 = 0.8;
/// Loss the estimate puts down to the link itself ([`PathReport::inherent_loss`]) above which
/// a step up that fails was failed by the link's own loss, which sending less does not cure.
const LOSSY_LINK: f64 = 0.03;
/// The link's own loss counts as gone once it stays below this share of what it was when such
/// a step up failed, for [`LOSS_GONE_TICKS`] ticks in a row.
const LOSS_GONE_SHARE: f64 = 1.0 / 3.0;
const LOSS_GONE_TICKS: u32 = 2;
/// Stepping up needs this much headroom over the higher layer's need.
const UP_HEADROOM: f64 = 1.25;
/// The encoder gets this share of the available bitrate (the rest is audio and overhead).
const VIDEO_SHARE: f64 = 0.85;

/// The layer decision for one sender.
#[derive(Debug, Clone)]
pub struct LayerController {
    layer: Layer,
    /// The best layer the device and settings allow (e.g. 360p for a weak box).
    ceiling: Layer,
    /// Since when the current layer has been too much, and since when the next one up would fit.
    too_much_since: Option<u64>,
    room_above_since: Option<u64>,
    /// Since when the current layer has been steady (no step down), for probing.
    steady_since: Option<u64>,
    probe_wait_ms: u64,
    /// A probe in progress: when it started, and the estimate and queueing delay then.
    probing_since: Option<u64>,
    probe_start_estimate: f64,
    probe_start_queueing_ms: f64,
    /// The latest step up not yet confirmed: when it was made and the wait it was made after.
    raised: Option<(u64, u64)>,
    /// What the path did with the latest traffic (see [`LayerController::observe_path`]).
    path: Option<PathReport>,
    /// The probe's grace is over but the estimate never reached the layer: it fails.
    probe_unconfirmed: bool,
    /// After a probe succeeded: the estimate it was accepted at. The layer then stays while
    /// the estimate does not fall well below that and loss stays low, rather than waiting for
    /// an app-limited estimate to climb above the layer's nominal need.
    accepted_estimate: Option<f64>,
    /// The link's own loss when the current step up started (see [`LOSSY_LINK`]).
    trial_link_loss: f64,
    /// Step ups failed on a link that was losing packets before they started, at this loss:
    /// once that loss is gone the wait they doubled no longer says anything about the link's
    /// capacity and starts again from the first (a squeeze, where only the step up's own
    /// traffic is lost, keeps its doubled wait).
    failed_on_lossy_link: Option<f64>,
    loss_gone_ticks: u32,
    /// The lowest layer a step up into failed since one into it (or above) last held: only
    /// step ups into it or above wait [`LayerController::probe_wait_ms`]; a step up below it
    /// holding says nothing about whether it fits now, so it leaves that wait as it is.
    failed_layer: Option<Layer>,
}

/// What the congestion controller saw of the latest traffic: how much of it was acknowledged
/// and how far one-way delay stands above its low.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathReport {
    pub sending_bps: f64,
    pub acked_bps: f64,
    pub queueing_ms: f64,
    /// Loss the estimate puts down to the link itself, not to the rate (0.0–1.0).
    pub inherent_loss: f64,
}

impl PathReport {
    /// Acknowledged share of what was sent (1.0 when nothing was sent).
    fn delivered_share(&self) -> f64 {
        if self.sending_bps > 0.0 {
            (self.acked_bps / self.sending_bps).min(1.0)
        } else {
            1.0
        }
    }
}

/// What to tell the encoder after a tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub layer: Layer,
    pub target_bps: u32,
    /// The layer differs from the last tick's.
    pub changed: bool,
}

impl LayerController {
    pub fn new(start: Layer, ceiling: Layer) -> Self {
        LayerController {
            layer: start.min(ceiling),
            ceiling,
            too_much_since: None,
            room_above_since: None,
            steady_since: None,
            probe_wait_ms: PROBE_FIRST_WAIT_MS,
            probing_since: None,
            probe_start_estimate: 0.0,
            probe_start_queueing_ms: 0.0,
            raised: None,
            path: None,
            probe_unconfirmed: false,
            accepted_estimate: None,
            trial_link_loss: 0.0,
            failed_on_lossy_link: None,
            loss_gone_ticks: 0,
            failed_layer: None,
        }
    }

    /// Tells the controller what the path did with the latest traffic, before a tick; a probe
    /// is judged by it. Without reports a probe is judged by loss and the estimate only.
    pub fn observe_path(&mut self, report: PathReport) {
        self.path = Some(report);
    }

    /// The wait before the next step up now (doubles after each failed one).
    pub fn probe_wait_ms(&self) -> u64 {
        self.probe_wait_ms
    }

    /// The loss the link causes by itself, as the estimate models it: in a squeeze, where only
    /// what exceeds the capacity is lost, it stays near zero.
    fn link_loss(&self) -> f64 {
        self.path.map_or(0.0, |p| p.inherent_loss)
    }

    /// Starts judging a step up to `self.layer`, from a layer whose link lost `link_loss`.
    fn start_trial(&mut self, now_ms: u64, estimate_bps: f64, link_loss: f64) {
        self.trial_link_loss = link_loss;
        self.probing_since = Some(now_ms);
        self.probe_start_estimate = estimate_bps;
        self.probe_start_queueing_ms = self.path.map_or(0.0, |p| p.queueing_ms);
        self.raised = Some((now_ms, self.probe_wait_ms));
        self.steady_since = Some(now_ms);
        self.accepted_estimate = None;
    }

    /// Whether a probe of a higher layer is being judged now.
    pub fn probing(&self) -> bool {
        self.probing_since.is_some()
    }

    pub fn layer(&self) -> Layer {
        self.layer
    }

    /// One step: `estimate_bps` from the congestion controller, `cap_bps` the hub's REMB cap
    /// (if any), `loss` the fraction of packets lost to congestion, not to the link itself:
    /// what the receiver still missed after RTX repairs, or the estimate's loss beyond what it
    /// calls inherent (0.0–1.0).
    pub fn tick(
        &mut self,
        now_ms: u64,
        estimate_bps: f64,
        cap_bps: Option<f64>,
        loss: f64,
    ) -> Decision {
        let before = self.layer;
        let cap = cap_bps.unwrap_or(f64::INFINITY);
        let available_bps = estimate_bps.min(cap);
        let fits = |layer: Layer, headroom: f64, budget: f64| {
            budget * VIDEO_SHARE >= needs_bps(layer) * headroom && loss <= tolerates_loss(layer)
        };
        let steady = *self.steady_since.get_or_insert(now_ms);
        let link_loss = self.link_loss();
        if let Some(failed_at) = self.failed_on_lossy_link
            && self.probing_since.is_none()
        {
            self.loss_gone_ticks = if link_loss < failed_at * LOSS_GONE_SHARE {
                self.loss_gone_ticks + 1
            } else {
                0
            };
            if self.loss_gone_ticks >= LOSS_GONE_TICKS {
                self.failed_on_lossy_link = None;
                self.loss_gone_ticks = 0;
                self.probe_wait_ms = PROBE_FIRST_WAIT_MS;
                self.failed_layer = None;
            }
        }
        if let Some(since) = self.probing_since
            && now_ms.saturating_sub(since) >= PROBE_GRACE_MS
            && estimate_bps < PROBE_REACHED_SHARE * needs_bps(self.layer) / VIDEO_SHARE
        {
            // The probe's traffic did not lift the estimate (it rises with what is
            // acknowledged): what was sent did not get through. Judged as too much below.
            self.probe_unconfirmed = true;
        } else if let Some(since) = self.probing_since
            && now_ms.saturating_sub(since) >= PROBE_GRACE_MS
        {
            // The probe held through its grace: keep the layer, judged from now on against the
            // estimate it was accepted at.
            self.probing_since = None;
            if !fits(self.layer, 1.0, available_bps) {
                self.accepted_estimate = Some(estimate_bps);
            }
        }
        if let Some((at, _)) = self.raised
            && now_ms.saturating_sub(at) >= PROBE_CONFIRM_MS
        {
            self.raised = None;
            if self.failed_layer.is_none_or(|failed| self.layer >= failed) {
                self.probe_wait_ms = PROBE_FIRST_WAIT_MS;
                self.failed_layer = None;
            }
        }
        // A probe is judged by loss (and the hard cap) only until its grace ends.
        let in_grace = self
            .probing_since
            .is_some_and(|since| now_ms.saturating_sub(since) < PROBE_GRACE_MS);
        // The estimate falling well below where it was is the congestion controller seeing
        // the queue our extra traffic built: the layer is too much, probe or not.
        let falling = |reference: f64| estimate_bps < reference * PROBE_FALL;
        // A probe's traffic not getting through, or filling a queue.
        let congesting = self.path.is_some_and(|p| {
            p.delivered_share() < PROBE_DELIVERED_SHARE
                || p.queueing_ms - self.probe_start_queueing_ms >= PROBE_QUEUE_GROWTH_MS
        });
        let too_much = self.layer != Layer::AudioOnly
            && if std::mem::take(&mut self.probe_unconfirmed) {
                true
            } else if in_grace {
                !fits(self.layer, 1.0, cap)
                    || loss > tolerates_loss(self.layer)
                    || falling(self.probe_start_estimate)
                    || congesting
            } else if let Some(accepted) = self.accepted_estimate {
                !fits(self.layer, 1.0, cap)
                    || loss > tolerates_loss(self.layer)
                    || falling(accepted)
            } else {
                !fits(self.layer, 1.0, available_bps)
            };
        if too_much {
            let since = *self.too_much_since.get_or_insert(now_ms);
            if now_ms.saturating_sub(since) >= DOWN_AFTER_MS {
                self.probing_since = None;
                // Stepping back down from an unconfirmed step up: that step failed.
                if let Some((_, wait)) = self.raised.take() {
                    self.probe_wait_ms = (wait * 2).min(PROBE_MAX_WAIT_MS);
                    self.failed_layer = Some(
                        self.failed_layer
                            .map_or(self.layer, |failed| failed.min(self.layer)),
                    );
                    if self.trial_link_loss >= LOSSY_LINK {
                        let worst = self.failed_on_lossy_link.unwrap_or(0.0);
                        self.failed_on_lossy_link = Some(worst.max(self.trial_link_loss));
                    }
                }
                self.accepted_estimate = None;
                self.layer = self.layer.down();
                self.too_much_since = None;
                self.room_above_since = None;
                self.steady_since = Some(now_ms);
            }
        } else {
            self.too_much_since = None;
            let next = self.layer.up();
            let can_rise =
                next != self.layer && next <= self.ceiling && self.probing_since.is_none();
            // After a failed step up, no step up of either kind into that layer (or above)
            // before the wait is over; below it, the first wait.
            let wait_ms = if self.failed_layer.is_some_and(|failed| next >= failed) {
                self.probe_wait_ms
            } else {
                PROBE_FIRST_WAIT_MS
            };
            let backing_off =
                wait_ms > PROBE_FIRST_WAIT_MS && now_ms.saturating_sub(steady) < wait_ms;
            if can_rise && fits(next, UP_HEADROOM, available_bps) {
                let since = *self.room_above_since.get_or_insert(now_ms);
                if now_ms.saturating_sub(since) >= UP_AFTER_MS && !backing_off {
                    self.layer = next;
                    self.room_above_since = None;
                    self.start_trial(now_ms, estimate_bps, link_loss);
                }
            } else {
                self.room_above_since = None;
                if can_rise
                    && fits(next, 1.0, cap)
                    && loss <= tolerates_loss(next)
                    && now_ms.saturating_sub(steady) >= wait_ms
                {
                    self.layer = next;
                    self.start_trial(now_ms, estimate_bps, link_loss);
                }
            }
        }
        // The encoder gets the available share, or during a probe the layer's minimum.
        let budget = if self.probing_since.is_some() {
            (available_bps * VIDEO_SHARE).max(needs_bps(self.layer))
        } else {
            available_bps * VIDEO_SHARE
        };
        let target_bps = (budget.min(cap * VIDEO_SHARE) as u32).clamp(
            needs_bps(self.layer).min(cap * VIDEO_SHARE) as u32,
            max_bps(self.layer).max(1),
        );
        Decision {
            layer: self.layer,
            target_bps,
            changed: self.layer != before,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the controller at 2 ticks a second for `secs` under constant conditions.
    fn run(c: &mut LayerController, from_ms: u64, secs: u64, bps: f64, loss: f64) -> u64 {
        let mut now = from_ms;
        for _ in 0..secs * 2 {
            now += 500;
            c.tick(now, bps, None, loss);
        }
        now
    }

    #[test]
    fn steps_down_under_a_cap_and_back_up_when_it_lifts() {
        let mut c = LayerController::new(Layer::P720, Layer::P720);
        let t = run(&mut c, 0, 3, 3_000_000.0, 0.0);
        assert_eq!(c.layer(), Layer::P720);
        let t = run(&mut c, t, 3, 300_000.0, 0.0);
        assert_eq!(c.layer(), Layer::P180, "300 kb/s holds 180p only");
        let t = run(&mut c, t, 3, 50_000.0, 0.0);
        assert_eq!(c.layer(), Layer::AudioOnly);
        let t = run(&mut c, t, 30, 3_000_000.0, 0.0);
        assert_eq!(c.layer(), Layer::P720, "recovers step by step");
        let _ = t;
    }

    #[test]
    fn loss_alone_steps_down() {
        let mut c = LayerController::new(Layer::P720, Layer::P720);
        run(&mut c, 0, 3, 3_000_000.0, 0.08);
        assert_eq!(c.layer(), Layer::P180);
        run(&mut c, 10_000, 3, 3_000_000.0, 0.3);
        assert_eq!(c.layer(), Layer::AudioOnly);
    }

    /// Runs with a cap for `secs`.
    fn run_capped(c: &mut LayerController, from_ms: u64, secs: u64, bps: f64, cap: f64) -> u64 {
        let mut now = from_ms;
        for _ in 0..secs * 2 {
            now += 500;
            c.tick(now, bps, Some(cap), 0.0);
        }
        now
    }

    #[test]
    fn an_app_limited_estimate_is_probed_past_and_a_failed_probe_backs_off() {
        // Audio only, and the estimate stuck at what audio uses: probing climbs anyway.
        let mut c = LayerController::new(Layer::AudioOnly, Layer::P720);
        let mut now = 0;
        let mut estimate = 60_000.0;
        let mut seen = vec![c.layer()];
        for _ in 0..120 {
            now += 500;
            // The estimate follows what is sent, as an app-limited GCC does: a bit above it.
            let d = c.tick(now, estimate, None, 0.0);
            estimate = (f64::from(d.target_bps) * 1.6).max(60_000.0);
            if seen.last() != Some(&c.layer()) {
                seen.push(c.layer());
            }
        }
        assert_eq!(c.layer(), Layer::P720, "climbed back: {seen:?}");

        // A link that really holds 100 kb/s: sending more builds a queue, the estimate falls
        // and loss appears, so each probe fails and the next one waits longer.
        let mut c = LayerController::new(Layer::AudioOnly, Layer::P720);
        let mut probes = Vec::new();
        let (mut now, mut estimate, mut loss) = (0, 60_000.0, 0.0);
        for _ in 0..400 {
            now += 500;
            let was = c.layer();
            let d = c.tick(now, estimate, None, loss);
            let sending = if d.layer == Layer::AudioOnly {
                32_000.0
            } else {
                f64::from(d.target_bps) + 32_000.0
            };
            if sending > 100_000.0 {
                estimate *= 0.7;
                loss = 0.2;
            } else {
                estimate = (estimate * 1.05).min(90_000.0);
                loss = 0.0;
            }
            if was == Layer::AudioOnly && c.layer() == Layer::P180 {
                probes.push(now);
            }
        }
        assert_eq!(c.layer(), Layer::AudioOnly);
        assert!(probes.len() >= 3, "{probes:?}");
        let gaps: Vec<u64> = probes.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(
            gaps.windows(2).all(|g| g[1] >= g[0]),
            "waits grow: {gaps:?}"
        );
        assert!(gaps.last().is_some_and(|g| *g >= 32_000), "{gaps:?}");

        // An estimate that stays at its floor whatever is sent (it rises with what the
        // receiver acknowledges, so the probe's traffic did not get through): each probe fails
        // at the end of its grace, and the waits grow.
        let mut c = LayerController::new(Layer::AudioOnly, Layer::P720);
        let mut now = 0;
        for _ in 0..400 {
            now += 500;
            c.tick(now, 60_000.0, None, 0.0);
        }
        assert_eq!(
            c.layer(),
            Layer::AudioOnly,
            "a probe that lifts nothing is not kept"
        );
        assert_eq!(c.probe_wait_ms(), PROBE_MAX_WAIT_MS);
    }

    #[test]
    fn probes_never_exceed_the_hubs_cap() {
        let mut c = LayerController::new(Layer::P360, Layer::P720);
        let now = run_capped(&mut c, 0, 120, 3_000_000.0, 150_000.0);
        assert_eq!(c.layer(), Layer::P180);
        let d = c.tick(now + 500, 3_000_000.0, Some(150_000.0), 0.0);
        assert!(d.target_bps <= 150_000, "{d:?}");
    }

    #[test]
    fn a_brief_dip_does_not_flap() {
        let mut c = LayerController::new(Layer::P360, Layer::P720);
        c.tick(500, 100_000.0, None, 0.0);
        c.tick(1000, 1_000_000.0, None, 0.0);
        assert_eq!(
            c.layer(),
            Layer::P360,
            "a dip shorter than the hold time is ignored"
        );
        // Just enough for 720p but without headroom: no step up on the estimate's word; only
        // a probe, after its wait, tries it (and keeps it, since it fits).
        let need = needs_bps(Layer::P720) / VIDEO_SHARE;
        run(&mut c, 1000, 3, need * 1.1, 0.0);
        assert_eq!(c.layer(), Layer::P360);
        run(&mut c, 4000, 20, need * 1.1, 0.0);
        assert_eq!(c.layer(), Layer::P720);
    }

    use crate::meeting::link_sim::{FEEDBACK_MS, Link};
    use crate::meeting::loss_estimate::{LossBasedEstimator, PACING_FACTOR};

    /// What a room sends besides video: Opus with FEC, RTCP, headers (b/s). A room at audio
    /// only sent 58–84 kb/s through the squeeze of `make test-faults`.
    const AUDIO_BPS: f64 = 60_000.0;

    /// A room over a simulated uplink, wired as `room::call` wires the real one: the encoder
    /// sends what the controller decided (as a real camera's VP8 does: the squeeze run sent
    /// 2 Mb/s at 720p), the pacer releases at [`PACING_FACTOR`] × the estimate (what it holds
    /// back beyond that counts as lost to the receiver), the loss-based estimator reads each
    /// feedback (the delay-based half held at its maximum: webrtc-rs's stayed at 2.5 Mb/s
    /// through the whole squeeze), and every 500 ms the controller is told what the path did
    /// and ticked with the estimate and the worse of the loss left after repairs and the
    /// estimate's congestion loss.
    struct SimulatedRoom {
        estimator: LossBasedEstimator,
        controller: LayerController,
        target_bps: f64,
        now_ms: u64,
        /// The estimate at each tick.
        estimates: Vec<f64>,
        /// What the encoder needs for the picture at 180p, 360p, 720p: it sends no more than
        /// that whatever its target (a still test picture); `None`, its target (a camera).
        picture_bps: Option<[f64; 3]>,
    }

    impl SimulatedRoom {
        fn new() -> Self {
            Self::starting_at(Layer::P360)
        }

        fn starting_at(layer: Layer) -> Self {
            SimulatedRoom {
                estimator: LossBasedEstimator::new(60_000.0, 2_500_000.0),
                controller: LayerController::new(layer, Layer::P720),
                target_bps: f64::from(layer.captured().start_bps),
                now_ms: 0,
                estimates: Vec::new(),
                picture_bps: None,
            }
        }

        /// What the encoder sends at the current layer.
        fn video_bps(&self) -> f64 {
            let layer = self.controller.layer();
            let needs = match (self.picture_bps, layer) {
                (_, Layer::AudioOnly) => return 0.0,
                (None, _) => return self.target_bps,
                (Some([p180, _, _]), Layer::P180) => p180,
                (Some([_, p360, _]), Layer::P360) => p360,
                (Some([_, _, p720]), Layer::P720) => p720,
            };
            self.target_bps.min(needs)
        }

        /// `secs` over `link`; the layer after each tick.
        fn run(&mut self, link: &mut Link, secs: u64) -> Vec<Layer> {
            let (mut packets, mut unrepaired) = (0usize, 0.0);
            let mut layers = Vec::new();
            for step in 1..=secs * 1000 / FEEDBACK_MS as u64 {
                let video = self.video_bps();
                let offered = video + AUDIO_BPS;
                let paced = offered.min(PACING_FACTOR * self.estimator.estimate_bps());
                let sent = link.send(paced);
                self.estimator.on_feedback(&sent.acks, 2_500_000.0);
                let held_back = 1.0 - paced / offered;
                let residual = held_back + (1.0 - held_back) * sent.residual_loss();
                packets += sent.acks.len();
                unrepaired += residual * sent.acks.len() as f64;
                self.now_ms += FEEDBACK_MS as u64;
                if step % 5 == 0 {
                    let view = self.estimator.view();
                    let congestion_loss =
                        (view.average_loss.min(view.recent_loss) - view.inherent_loss).max(0.0);
                    let loss = (unrepaired / packets.max(1) as f64).max(congestion_loss);
                    self.controller.observe_path(PathReport {
                        sending_bps: view.sending_bps,
                        acked_bps: view.acked_bps,
                        queueing_ms: view.queueing_ms,
                        inherent_loss: view.inherent_loss,
                    });
                    let d = self
                        .controller
                        .tick(self.now_ms, view.estimate_bps, None, loss);
                    self.target_bps = f64::from(d.target_bps);
                    (packets, unrepaired) = (0, 0.0);
                    layers.push(d.layer);
                    self.estimates.push(view.estimate_bps);
                }
            }
            layers
        }
    }

    /// The longest stretch of ticks (500 ms) that `keep` holds.
    fn longest_run(layers: &[Layer], keep: impl Fn(Layer) -> bool) -> usize {
        let (mut run, mut longest) = (0, 0);
        for l in layers {
            run = if keep(*l) { run + 1 } else { 0 };
            longest = longest.max(run);
        }
        longest
    }

    #[test]
    fn a_squeeze_for_minutes_keeps_the_room_at_the_picture_that_fits() {
        for seed in 0..6 {
            // 250 kb/s with 150 ms of queue (`make test-faults`' tbf) for three minutes, from 720p.
            let mut link = Link::new(seed, 250_000.0, 150.0, 0.0);
            let mut room = SimulatedRoom::starting_at(Layer::P720);
            let layers = room.run(&mut link, 180);
            let settled = &layers[40..];
            // 180p fits (its floor, 120 kb/s, and the audio); 360p does not (400 kb/s).
            assert!(
                share(settled, |l| l == Layer::P180) >= 0.8,
                "seed {seed}: the room should keep a 180p picture: {layers:?}"
            );
            // Probes of 360p are short, and ever rarer.
            let above = longest_run(settled, |l| l > Layer::P180);
            assert!(
                above as u64 * 500 <= PROBE_GRACE_MS + DOWN_AFTER_MS + 1_000,
                "seed {seed}: {above} ticks above 180p in a row: {layers:?}"
            );
            let probes: Vec<usize> = settled
                .windows(2)
                .enumerate()
                .filter(|(_, w)| w[0] <= Layer::P180 && w[1] > Layer::P180)
                .map(|(i, _)| i)
                .collect();
            assert!(probes.len() <= 6, "seed {seed}: {probes:?} {layers:?}");
            assert!(
                room.controller.probe_wait_ms() >= 32_000,
                "seed {seed}: failed probes back off: {probes:?}"
            );
            // The estimate stays near what the link delivers, not at the floor.
            let low = room.estimates[40..]
                .iter()
                .filter(|e| **e < 150_000.0)
                .count();
            assert!(
                low * 10 <= settled.len(),
                "seed {seed}: estimate sank: {:?}",
                &room.estimates[40..]
            );
            // The squeeze lifted: the picture comes back all the way.
            link.capacity_bps = 10_000_000.0;
            let layers = room.run(&mut link, 180);
            let back = layers.iter().position(|l| *l >= Layer::P360);
            assert!(
                back.is_some_and(|t| t <= 2 * 70),
                "seed {seed}: 360p within 70 s: {layers:?}"
            );
            assert_eq!(layers.last(), Some(&Layer::P720), "seed {seed}: {layers:?}");
        }
    }

    #[test]
    fn a_squeeze_with_a_picture_that_fits_at_360p_keeps_a_picture_throughout() {
        for seed in 0..6 {
            // `make test-faults`' squeeze (250 kb/s, 150 ms of queue, three minutes) with the
            // rooms' still test picture, which the encoder sends at 360p for about 200 kb/s
            // whatever its target (the full run of 2026-12-07: 30 of its pictures a second
            // reached the province at 360p) and at 720p for more than the link carries.
            let mut link = Link::new(seed, 250_000.0, 150.0, 0.0);
            let mut room = SimulatedRoom::starting_at(Layer::P720);
            room.picture_bps = Some([110_000.0, 190_000.0, 600_000.0]);
            let layers = room.run(&mut link, 180);
            let settled = &layers[40..];
            // Each failed try of 720p cost that run a spell of audio only (14–29 s, four
            // times): a step up to 180p or 360p holding must not clear what 720p's failures
            // taught, or 720p is tried again eight seconds after it (before: tries 33, 57 and
            // 37 s apart here).
            let tries: Vec<usize> = settled
                .windows(2)
                .enumerate()
                .filter(|(_, w)| w[0] < Layer::P720 && w[1] == Layer::P720)
                .map(|(i, _)| i)
                .collect();
            assert!(
                tries.len() <= 4,
                "seed {seed}: 720p tried at {tries:?}: {layers:?}"
            );
            let gaps: Vec<usize> = tries.windows(2).map(|w| w[1] - w[0]).collect();
            assert!(
                gaps.windows(2).all(|g| g[1] > g[0]),
                "seed {seed}: tries of 720p ever rarer: {tries:?}: {layers:?}"
            );
            let blind = longest_run(settled, |l| l == Layer::AudioOnly);
            assert!(
                blind as u64 * 500 <= 10_000,
                "seed {seed}: {blind} ticks of audio only in a row: {layers:?}"
            );
            assert!(
                share(settled, |l| l >= Layer::P180) >= 0.9,
                "seed {seed}: {layers:?}"
            );
        }
    }

    fn share(layers: &[Layer], keep: impl Fn(Layer) -> bool) -> f64 {
        layers.iter().filter(|l| keep(**l)).count() as f64 / layers.len() as f64
    }

    #[test]
    fn random_loss_with_flat_delay_and_repairs_keeps_the_picture() {
        for seed in 0..6 {
            // 5 % of packets lost at random, 10 Mb/s of capacity: nothing to gain by sending less.
            let mut link = Link::new(seed, 10_000_000.0, 150.0, 0.05);
            let layers = SimulatedRoom::new().run(&mut link, 60);
            let settled = &layers[20..];
            assert!(
                settled.iter().all(|l| *l >= Layer::P360),
                "seed {seed}: the picture was dropped: {layers:?}"
            );
            assert!(
                share(settled, |l| l == Layer::P720) >= 0.9,
                "seed {seed}: {layers:?}"
            );
        }
    }

    #[test]
    fn the_picture_comes_back_soon_after_heavy_random_loss_ends() {
        for (seed, loss) in (0..6).flat_map(|seed| [(seed, 0.10), (seed, 0.30)]) {
            // A minute of heavy random loss on a link with room (a poor radio link), then clean.
            let mut link = Link::new(seed, 10_000_000.0, 150.0, loss);
            let mut room = SimulatedRoom::new();
            room.run(&mut link, 60);
            link.random_loss = 0.0;
            let layers = room.run(&mut link, 60);
            // Step ups failed during the loss were failed by the loss, not by the link's
            // capacity: once it ends the room steps up after the first wait, not a wait doubled
            // by every failure (before: 25 s here, and 28 s after 10 % and 68 s after 30 % on the
            // real link, README). From audio only that is two steps: 180p, then 360p.
            let back = layers.iter().position(|l| *l >= Layer::P360);
            assert!(
                back.is_some_and(|t| t as u64 * 500 <= 2 * PROBE_FIRST_WAIT_MS),
                "seed {seed}, loss {loss}: back to 360p after {back:?} ticks: {layers:?}"
            );
            assert_eq!(
                layers.last(),
                Some(&Layer::P720),
                "seed {seed}, loss {loss}: {layers:?}"
            );
        }
    }

    #[test]
    fn a_squeezed_uplink_still_steps_the_picture_down() {
        for seed in 0..6 {
            // `make fault`'s squeeze: 250 kb/s, 150 ms of queue, no random loss.
            let mut link = Link::new(seed, 250_000.0, 150.0, 0.0);
            let mut room = SimulatedRoom::new();
            let layers = room.run(&mut link, 60);
            let settled = &layers[20..];
            assert!(
                share(settled, |l| l <= Layer::P180) >= 0.8,
                "seed {seed}: 250 kb/s cannot carry 360p: {layers:?}"
            );
            // The squeeze lifted: the picture comes back.
            link.capacity_bps = 10_000_000.0;
            let layers = room.run(&mut link, 90);
            assert!(
                layers.last().is_some_and(|l| *l >= Layer::P360),
                "seed {seed}: {layers:?}"
            );
        }
    }

    #[test]
    fn never_above_the_ceiling_and_target_within_layer() {
        let mut c = LayerController::new(Layer::P720, Layer::P360);
        assert_eq!(c.layer(), Layer::P360);
        let d = c.tick(500, 10_000_000.0, None, 0.0);
        assert_eq!(d.layer, Layer::P360);
        assert_eq!(d.target_bps, max_bps(Layer::P360));
    }
}
