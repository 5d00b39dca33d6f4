//! `phonghop room --bench-ui`: frame times and CPU use of the kiosk window.

use std::time::{Duration, Instant};

/// Wall-clock time between frames plus the process's CPU time over the run.
#[derive(Debug)]
pub(super) struct FrameClock {
    frames_wanted: u32,
    last: Option<Instant>,
    started: Option<(Instant, Duration)>,
    intervals_ms: Vec<f64>,
}

impl FrameClock {
    pub fn new(frames: u32) -> Self {
        Self {
            frames_wanted: frames.max(2),
            last: None,
            started: None,
            intervals_ms: Vec::with_capacity(frames as usize),
        }
    }

    /// Records a frame; true once enough frames were measured.
    pub fn frame(&mut self) -> bool {
        let now = Instant::now();
        if let Some(last) = self.last {
            self.intervals_ms.push((now - last).as_secs_f64() * 1000.0);
        } else {
            self.started = Some((now, process_cpu_time()));
        }
        self.last = Some(now);
        self.intervals_ms.len() as u32 >= self.frames_wanted
    }

    pub fn report(&self) -> String {
        let mut sorted = self.intervals_ms.clone();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| {
            sorted
                .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or(0.0)
        };
        let cpu_pct = self.started.map_or(0.0, |(wall0, cpu0)| {
            let wall = wall0.elapsed().as_secs_f64();
            let cpu = (process_cpu_time().saturating_sub(cpu0)).as_secs_f64();
            if wall > 0.0 { 100.0 * cpu / wall } else { 0.0 }
        });
        format!(
            "{{\"frames\":{},\"frame_ms_p50\":{:.2},\"frame_ms_p95\":{:.2},\"frame_ms_max\":{:.2},\"cpu_pct\":{:.1}}}",
            sorted.len(),
            at(0.50),
            at(0.95),
            sorted.last().copied().unwrap_or(0.0),
            cpu_pct
        )
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
