//! `phonghop room --bench-ui`: frame times and CPU use of the kiosk window, against the
//! renderer's own floor measured in the same window, at the same size, in the same run.
//!
//! Absolute frame times do not carry between machines (Xvfb's llvmpipe renders on the CPU,
//! so a loaded 2-core box is several times slower than a quiet one), so every run also
//! measures an empty egui frame (nothing drawn: the clear, the swap and egui's own pass)
//! and reports the ratio. The two kinds of frame alternate in blocks, so both see the same
//! background load: on the meeting screen that is the room's encoder and decoders, which
//! keep running (and keep publishing pictures) while the baseline blocks draw nothing.
//!
//! On the meeting screen it also counts the remote pictures: `pictures_received`, frames
//! the receive path decoded while the screen was measured, and `pictures_decoded`, those
//! actually put on screen (a slot whose picture changed since the frame before, uploaded
//! and drawn in a measured frame).

use std::time::{Duration, Instant};

/// Frames drawn before anything is measured (fonts laid out, textures made).
const WARMUP_FRAMES: u64 = 20;
/// Frames of one kind in a row before the other kind's turn.
const BLOCK_FRAMES: u64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Warmup,
    Screen,
    Baseline,
}

/// What the remote slots showed, per kiosk room and slot.
#[derive(Debug, Default)]
struct Pictures {
    /// The generation each slot showed after the last measured screen frame.
    shown_generation: Vec<u64>,
    shown: u64,
    /// Frames published by the receive path when measuring began.
    published_at_start: Option<u64>,
    published_now: u64,
    /// Remote slots with a picture on screen after the last measured frame.
    on_screen: usize,
}

/// Wall-clock time between frames, by kind, plus the process's CPU time over the run.
#[derive(Debug)]
pub(super) struct FrameClock {
    frames_wanted: usize,
    frame: u64,
    kind: Kind,
    last: Option<Instant>,
    started: Option<(Instant, Duration)>,
    screen_ms: Vec<f64>,
    baseline_ms: Vec<f64>,
    pictures: Pictures,
    screen: String,
    size_pt: [f32; 2],
}

impl FrameClock {
    /// Measures `frames` frames of the screen and as many empty ones.
    pub fn new(frames: u32) -> Self {
        let wanted = frames.max(2) as usize;
        Self {
            frames_wanted: wanted,
            frame: 0,
            kind: Kind::Warmup,
            last: None,
            started: None,
            screen_ms: Vec::with_capacity(wanted),
            baseline_ms: Vec::with_capacity(wanted),
            pictures: Pictures::default(),
            screen: String::new(),
            size_pt: [0.0; 2],
        }
    }

    fn kind_of(&self, frame: u64) -> Kind {
        let Some(measured) = frame.checked_sub(WARMUP_FRAMES) else {
            return Kind::Warmup;
        };
        let screen_full = self.screen_ms.len() >= self.frames_wanted;
        let baseline_full = self.baseline_ms.len() >= self.frames_wanted;
        match (screen_full, baseline_full) {
            (true, false) => Kind::Baseline,
            (false, true) => Kind::Screen,
            _ if (measured / BLOCK_FRAMES).is_multiple_of(2) => Kind::Screen,
            _ => Kind::Baseline,
        }
    }

    /// Starts a frame: closes the previous frame's interval (the time from its start to
    /// this one's covers its whole cost: building, tessellating, painting, swapping) and
    /// says whether this one is a baseline frame, which must draw nothing.
    pub fn begin_frame(&mut self) -> bool {
        let now = Instant::now();
        if let Some(last) = self.last {
            let ms = (now - last).as_secs_f64() * 1000.0;
            match self.kind {
                Kind::Warmup => {}
                Kind::Screen => self.screen_ms.push(ms),
                Kind::Baseline => self.baseline_ms.push(ms),
            }
        }
        self.last = Some(now);
        self.kind = self.kind_of(self.frame);
        if self.kind != Kind::Warmup && self.started.is_none() {
            self.started = Some((now, process_cpu_time()));
        }
        self.frame += 1;
        self.kind == Kind::Baseline
    }

    /// Ends a frame: counts the remote pictures the screen showed; true once both kinds
    /// have their frames.
    pub fn end_frame(&mut self, ctx: &egui::Context, rooms: &[super::RoomKiosk]) -> bool {
        let rect = ctx.content_rect();
        self.size_pt = [rect.width(), rect.height()];
        if let Some(room) = rooms.first() {
            self.screen = format!("{:?}", room.shell.screen);
        }
        if self.kind == Kind::Screen {
            let mut slot = 0;
            let mut published = 0;
            let mut on_screen = 0;
            for room in rooms {
                let Some(call) = &room.call else { continue };
                for (i, tile) in call.tiles().iter().enumerate() {
                    published += tile.frames_published();
                    let shown = room.video.tile(i).is_some();
                    on_screen += usize::from(shown);
                    let generation = tile.latest().map_or(0, |f| f.generation);
                    if self.pictures.shown_generation.len() <= slot {
                        self.pictures.shown_generation.push(generation);
                    } else if shown && self.pictures.shown_generation[slot] != generation {
                        self.pictures.shown += 1;
                        self.pictures.shown_generation[slot] = generation;
                    }
                    slot += 1;
                }
            }
            self.pictures.published_at_start.get_or_insert(published);
            self.pictures.published_now = published;
            self.pictures.on_screen = on_screen;
        }
        self.screen_ms.len() >= self.frames_wanted && self.baseline_ms.len() >= self.frames_wanted
    }

    /// One JSON line: the screen's frame times, the empty frame's, their ratio, CPU and
    /// the remote pictures.
    pub fn report(&self) -> String {
        let screen = Quantiles::of(&self.screen_ms);
        let baseline = Quantiles::of(&self.baseline_ms);
        let measured_secs = self
            .started
            .map_or(0.0, |(wall0, _)| wall0.elapsed().as_secs_f64());
        let cpu_pct = self.started.map_or(0.0, |(_, cpu0)| {
            let cpu = (process_cpu_time().saturating_sub(cpu0)).as_secs_f64();
            if measured_secs > 0.0 {
                100.0 * cpu / measured_secs
            } else {
                0.0
            }
        });
        let ratio = if baseline.p95 > 0.0 {
            screen.p95 / baseline.p95
        } else {
            0.0
        };
        let received = self
            .pictures
            .published_now
            .saturating_sub(self.pictures.published_at_start.unwrap_or(0));
        serde_json::json!({
            "screen": self.screen.to_lowercase(),
            "width_pt": self.size_pt[0].round(),
            "height_pt": self.size_pt[1].round(),
            "frames": screen.count,
            "frame_ms_p50": round2(screen.p50),
            "frame_ms_p95": round2(screen.p95),
            "frame_ms_max": round2(screen.max),
            "baseline_frames": baseline.count,
            "baseline_frame_ms_p50": round2(baseline.p50),
            "baseline_frame_ms_p95": round2(baseline.p95),
            "ratio": round2(ratio),
            "cpu_pct": (cpu_pct * 10.0).round() / 10.0,
            "remote_pictures_on_screen": self.pictures.on_screen,
            "pictures_decoded": self.pictures.shown,
            "pictures_received": received,
            "measured_secs": round2(measured_secs),
        })
        .to_string()
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

struct Quantiles {
    count: usize,
    p50: f64,
    p95: f64,
    max: f64,
}

impl Quantiles {
    fn of(intervals_ms: &[f64]) -> Quantiles {
        let mut sorted = intervals_ms.to_vec();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| {
            sorted
                .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or(0.0)
        };
        Quantiles {
            count: sorted.len(),
            p50: at(0.50),
            p95: at(0.95),
            max: sorted.last().copied().unwrap_or(0.0),
        }
    }
}

/// User + system CPU time of this process, from /proc (Linux clock ticks of 1/100 s).
fn process_cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line: indexes 11 and 12 after the name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_and_empty_frames_alternate_in_blocks_after_the_warmup_until_both_are_full() {
        let mut clock = FrameClock::new(40);
        let mut kinds = Vec::new();
        let ctx = egui::Context::default();
        loop {
            clock.begin_frame();
            kinds.push(clock.kind);
            if clock.end_frame(&ctx, &[]) {
                break;
            }
        }
        assert!(
            kinds[..WARMUP_FRAMES as usize]
                .iter()
                .all(|k| *k == Kind::Warmup)
        );
        let after = &kinds[WARMUP_FRAMES as usize..];
        assert!(
            after[..BLOCK_FRAMES as usize]
                .iter()
                .all(|k| *k == Kind::Screen)
        );
        assert!(
            after[BLOCK_FRAMES as usize..2 * BLOCK_FRAMES as usize]
                .iter()
                .all(|k| *k == Kind::Baseline)
        );
        assert_eq!(clock.screen_ms.len(), 40);
        assert_eq!(clock.baseline_ms.len(), 40);
        let report: serde_json::Value =
            serde_json::from_str(&clock.report()).expect("one JSON object");
        for key in [
            "frames",
            "frame_ms_p95",
            "baseline_frame_ms_p95",
            "ratio",
            "pictures_decoded",
        ] {
            assert!(report.get(key).is_some(), "{key} in {report}");
        }
        assert_eq!(report["frames"], 40);
        assert_eq!(report["pictures_decoded"], 0, "no call, no pictures");
    }
}
