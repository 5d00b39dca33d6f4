//! Which simulcast layer a subscriber receives, from what its link carries: a pure state
//! machine fed the subscriber's receive reports ([`crate::wire::ReceiveReport`], one a second)
//! with the time as an input. The engine (`janus::engine`) does the I/O: it asks Janus for
//! the chosen `substream`, or stops the subscriber's video when even the lowest does not fit.
//!
//! The signal is the loss on the subscriber's receiving connection after repairs: an SFU
//! sending a layer the subscriber's downlink cannot carry fills the bottleneck's queue, and
//! what does not fit is dropped (a shaper, a modem's buffer), so loss is what a too-big layer
//! shows first at the receiver, without a receive-side bandwidth estimator.
//!
//! - **Down fast**: one report with [`DOWN_LOSS`] or more steps down one layer (below the
//!   lowest: audio only). After any change the next [`SETTLE_MS`] are not judged: the
//!   switch's keyframe and what was queued before it are not the new layer's fault.
//! - **Up after a steady period**: [`UP_LOSS`] or less for the current wait (first
//!   [`FIRST_UP_WAIT_MS`]) steps up one layer. A step up that steps back down within
//!   [`CONFIRM_MS`] failed and doubles the wait (up to [`MAX_UP_WAIT_MS`]); one that holds that
//!   long resets it. So a subscriber whose link carries only the low layer tries the next one
//!   briefly and ever more rarely, and one whose limit is lifted is back up within the wait.
//! - Loss between the two thresholds holds the layer and restarts the steady period.

/// A report with this share of video packets lost steps down.
pub const DOWN_LOSS: f64 = 0.10;
/// Reports at or below this share count towards a step up.
pub const UP_LOSS: f64 = 0.02;
/// After a change, reports within this long are not judged.
pub const SETTLE_MS: u64 = 2_000;
/// First steady period before a step up; doubles after each failed one.
pub const FIRST_UP_WAIT_MS: u64 = 6_000;
pub const MAX_UP_WAIT_MS: u64 = 48_000;
/// A step up undone within this long failed; one that lasts this long resets the wait.
pub const CONFIRM_MS: u64 = 15_000;

/// What the subscriber receives: no video (audio only), or a simulcast substream (0 = the
/// lowest layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reception {
    AudioOnly,
    Substream(u8),
}

impl Reception {
    fn from_level(level: u8) -> Reception {
        match level {
            0 => Reception::AudioOnly,
            n => Reception::Substream(n - 1),
        }
    }
}

/// One subscriber's layer choice.
#[derive(Debug, Clone)]
pub struct SubstreamChooser {
    /// 0 = audio only, n = substream n - 1.
    level: u8,
    /// The highest level there is (the number of layers published).
    top: u8,
    changed_at_ms: Option<u64>,
    /// Since when the loss has been low enough for a step up.
    steady_since_ms: Option<u64>,
    up_wait_ms: u64,
    /// When the last step up was made, while it is not yet confirmed.
    unconfirmed_up_ms: Option<u64>,
}

impl SubstreamChooser {
    /// A subscriber starts on the best of `layers` substreams (what Janus sends a new
    /// subscriber) and moves down from there if its link says so.
    pub fn new(layers: u8) -> SubstreamChooser {
        let top = layers.max(1);
        SubstreamChooser {
            level: top,
            top,
            changed_at_ms: None,
            steady_since_ms: None,
            up_wait_ms: FIRST_UP_WAIT_MS,
            unconfirmed_up_ms: None,
        }
    }

    pub fn reception(&self) -> Reception {
        Reception::from_level(self.level)
    }

    /// The wait before the next step up, for logs and tests.
    pub fn up_wait_ms(&self) -> u64 {
        self.up_wait_ms
    }

    /// The publishers now offer `layers` substreams: a choice above the best comes down to it.
    pub fn set_layers(&mut self, layers: u8) {
        self.top = layers.max(1);
        self.level = self.level.min(self.top);
    }

    /// One receive report's loss (0.0–1.0) at `now_ms`; returns the new reception when it
    /// changes.
    pub fn observe(&mut self, now_ms: u64, loss: f64) -> Option<Reception> {
        if let Some(at) = self.unconfirmed_up_ms
            && now_ms.saturating_sub(at) >= CONFIRM_MS
        {
            self.unconfirmed_up_ms = None;
            self.up_wait_ms = FIRST_UP_WAIT_MS;
        }
        if self
            .changed_at_ms
            .is_some_and(|at| now_ms.saturating_sub(at) < SETTLE_MS)
        {
            return None;
        }
        if loss >= DOWN_LOSS {
            self.steady_since_ms = None;
            if self.level == 0 {
                return None;
            }
            if self.unconfirmed_up_ms.take().is_some() {
                self.up_wait_ms = (self.up_wait_ms * 2).min(MAX_UP_WAIT_MS);
            }
            return Some(self.change(now_ms, self.level - 1));
        }
        if loss > UP_LOSS {
            self.steady_since_ms = None;
            return None;
        }
        let since = *self.steady_since_ms.get_or_insert(now_ms);
        if self.level < self.top && now_ms.saturating_sub(since) >= self.up_wait_ms {
            self.unconfirmed_up_ms = Some(now_ms);
            return Some(self.change(now_ms, self.level + 1));
        }
        None
    }

    fn change(&mut self, now_ms: u64, level: u8) -> Reception {
        self.level = level;
        self.changed_at_ms = Some(now_ms);
        self.steady_since_ms = None;
        self.reception()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds one report a second with `loss(t)` from `from_s` to `to_s` (exclusive) and
    /// returns every change with its time in seconds.
    fn run(
        chooser: &mut SubstreamChooser,
        from_s: u64,
        to_s: u64,
        loss: impl Fn(u64) -> f64,
    ) -> Vec<(u64, Reception)> {
        (from_s..to_s)
            .filter_map(|t| chooser.observe(t * 1000, loss(t)).map(|r| (t, r)))
            .collect()
    }

    #[test]
    fn a_clean_link_keeps_the_best_layer() {
        let mut c = SubstreamChooser::new(3);
        assert_eq!(c.reception(), Reception::Substream(2));
        assert!(run(&mut c, 0, 120, |_| 0.0).is_empty());
        assert!(run(&mut c, 120, 240, |_| 0.015).is_empty());
    }

    #[test]
    fn heavy_loss_steps_down_within_a_second_and_settles_between_steps() {
        let mut c = SubstreamChooser::new(3);
        let changes = run(&mut c, 0, 10, |_| 0.3);
        // Down at once, then one step per settle period, to audio only, and no further.
        assert_eq!(
            changes,
            vec![
                (0, Reception::Substream(1)),
                (2, Reception::Substream(0)),
                (4, Reception::AudioOnly),
            ]
        );
    }

    #[test]
    fn a_link_that_carries_only_the_low_layer_stays_there_and_tries_up_ever_more_rarely() {
        let mut c = SubstreamChooser::new(3);
        // The link carries substream 0 and nothing more: any higher one loses 30 %.
        let mut level = c.reception();
        let mut ups = Vec::new();
        for t in 0..300u64 {
            let loss = if level > Reception::Substream(0) {
                0.3
            } else {
                0.0
            };
            if let Some(r) = c.observe(t * 1000, loss) {
                if r > level {
                    ups.push(t);
                }
                level = r;
            }
        }
        assert_eq!(level, Reception::Substream(0));
        // Each failed try doubles the wait: the gaps between tries grow.
        assert!(ups.len() >= 3, "{ups:?}");
        let gaps: Vec<u64> = ups.windows(2).map(|w| w[1] - w[0]).collect();
        // (10, 26, 54, 106, 158, …: waits of 6, 12, 24, 48 s and then 48 s on.)
        assert!(gaps.windows(2).all(|g| g[1] >= g[0]), "{gaps:?}");
        assert!(gaps.first() < gaps.last(), "{gaps:?}");
        assert_eq!(c.up_wait_ms(), MAX_UP_WAIT_MS);
    }

    #[test]
    fn when_the_limit_is_lifted_the_best_layer_comes_back_and_the_wait_resets() {
        let mut c = SubstreamChooser::new(3);
        let mut level = c.reception();
        for t in 0..120u64 {
            let loss = if level > Reception::Substream(0) {
                0.3
            } else {
                0.0
            };
            if let Some(r) = c.observe(t * 1000, loss) {
                level = r;
            }
        }
        assert_eq!(level, Reception::Substream(0));
        // Lifted at 120 s: back to the best within two of the longest waits.
        let changes = run(&mut c, 120, 120 + 2 * MAX_UP_WAIT_MS / 1000 + 10, |_| 0.0);
        let best = changes
            .iter()
            .find(|(_, r)| *r == Reception::Substream(2))
            .map(|(t, _)| *t);
        assert!(best.is_some(), "{changes:?}");
        assert_eq!(c.up_wait_ms(), FIRST_UP_WAIT_MS);
    }

    #[test]
    fn moderate_loss_holds_the_layer_and_delays_the_step_up() {
        let mut c = SubstreamChooser::new(3);
        c.observe(0, 0.5);
        assert_eq!(c.reception(), Reception::Substream(1));
        // 5 % every third second: never down, and never steady long enough to go up.
        let changes = run(&mut c, 3, 60, |t| if t % 3 == 0 { 0.05 } else { 0.0 });
        assert!(changes.is_empty(), "{changes:?}");
        // Steady after the last of those (57 s): up after the first wait.
        let changes = run(&mut c, 60, 80, |_| 0.0);
        assert_eq!(
            changes.first(),
            Some(&(58 + FIRST_UP_WAIT_MS / 1000, Reception::Substream(2)))
        );
    }

    #[test]
    fn fewer_layers_published_bring_the_choice_down_to_the_best_there_is() {
        let mut c = SubstreamChooser::new(3);
        c.set_layers(2);
        assert_eq!(c.reception(), Reception::Substream(1));
        assert!(run(&mut c, 0, 60, |_| 0.0).is_empty());
    }
}
