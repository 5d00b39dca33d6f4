//! Choosing what a room sends as its link changes: 720p → 360p → 180p → audio only, and
//! back up, with hysteresis so a link on the edge does not flap.
//!
//! Fed the available bitrate (the congestion controller's estimate, capped by what the hub
//! asks for with REMB) and the loss the hub reports, with the time as an input.

/// What the room sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    AudioOnly,
    P180,
    P360,
    P720,
}

impl Layer {
    /// Bitrate below which this layer is not worth sending (video only).
    fn needs_bps(self) -> f64 {
        match self {
            Layer::AudioOnly => 0.0,
            Layer::P180 => 120_000.0,
            Layer::P360 => 400_000.0,
            Layer::P720 => 1_200_000.0,
        }
    }

    /// The most the encoder is given at this layer.
    pub fn max_bps(self) -> u32 {
        match self {
            Layer::AudioOnly => 0,
            Layer::P180 => 250_000,
            Layer::P360 => 800_000,
            Layer::P720 => 2_000_000,
        }
    }

    /// The most loss (fraction) at which this layer is still chosen (Jitsi's figures:
    /// 360p above 2 %, 180p above 5 %, audio only above 15 %).
    fn tolerates_loss(self) -> f64 {
        match self {
            Layer::AudioOnly => 1.0,
            Layer::P180 => 0.15,
            Layer::P360 => 0.05,
            Layer::P720 => 0.02,
        }
    }

    fn down(self) -> Layer {
        match self {
            Layer::P720 => Layer::P360,
            Layer::P360 => Layer::P180,
            _ => Layer::AudioOnly,
        }
    }

    fn up(self) -> Layer {
        match self {
            Layer::AudioOnly => Layer::P180,
            Layer::P180 => Layer::P360,
            _ => Layer::P720,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Layer::AudioOnly => "audio-only",
            Layer::P180 => "180p",
            Layer::P360 => "360p",
            Layer::P720 => "720p",
        }
    }
}

/// How long conditions must hold before stepping down, and up.
pub const DOWN_AFTER_MS: u64 = 1_000;
pub const UP_AFTER_MS: u64 = 4_000;
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
        }
    }

    pub fn layer(&self) -> Layer {
        self.layer
    }

    /// One step: `available_bps` from the congestion controller (and any cap), `loss` the
    /// fraction of packets the receiver reported lost (0.0–1.0).
    pub fn tick(&mut self, now_ms: u64, available_bps: f64, loss: f64) -> Decision {
        let before = self.layer;
        let fits = |layer: Layer, headroom: f64| {
            available_bps * VIDEO_SHARE >= layer.needs_bps() * headroom
                && loss <= layer.tolerates_loss()
        };
        if self.layer != Layer::AudioOnly && !fits(self.layer, 1.0) {
            let since = *self.too_much_since.get_or_insert(now_ms);
            if now_ms.saturating_sub(since) >= DOWN_AFTER_MS {
                self.layer = self.layer.down();
                self.too_much_since = None;
                self.room_above_since = None;
            }
        } else {
            self.too_much_since = None;
            let next = self.layer.up();
            if next != self.layer && next <= self.ceiling && fits(next, UP_HEADROOM) {
                let since = *self.room_above_since.get_or_insert(now_ms);
                if now_ms.saturating_sub(since) >= UP_AFTER_MS {
                    self.layer = next;
                    self.room_above_since = None;
                }
            } else {
                self.room_above_since = None;
            }
        }
        let target_bps = ((available_bps * VIDEO_SHARE) as u32)
            .clamp(self.layer.needs_bps() as u32, self.layer.max_bps().max(1));
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
            c.tick(now, bps, loss);
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

    #[test]
    fn a_brief_dip_does_not_flap() {
        let mut c = LayerController::new(Layer::P360, Layer::P720);
        c.tick(500, 100_000.0, 0.0);
        c.tick(1000, 1_000_000.0, 0.0);
        assert_eq!(
            c.layer(),
            Layer::P360,
            "a dip shorter than the hold time is ignored"
        );
        // Just enough for 720p without headroom: never steps up.
        let need = Layer::P720.needs_bps() / VIDEO_SHARE;
        run(&mut c, 1000, 20, need * 1.1, 0.0);
        assert_eq!(c.layer(), Layer::P360);
    }

    #[test]
    fn never_above_the_ceiling_and_target_within_layer() {
        let mut c = LayerController::new(Layer::P720, Layer::P360);
        assert_eq!(c.layer(), Layer::P360);
        let d = c.tick(500, 10_000_000.0, 0.0);
        assert_eq!(d.layer, Layer::P360);
        assert_eq!(d.target_bps, Layer::P360.max_bps());
    }
}
