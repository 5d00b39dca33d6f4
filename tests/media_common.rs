//! What the read-aloud and voice playback behaviours share.

use std::path::Path;
use std::time::{Duration, Instant};

/// Stops something that plays into `file` and checks that it stopped at once and for good:
/// `stop` returns within `bound` (loose on purpose: speed belongs to benchmarks) with nothing
/// playing, and after `settle` (output already in flight) the file no longer grows for
/// `watch`. Returns the file's size then, for the caller to check it holds only a part.
pub fn stop_and_check_it_stays_stopped(
    stop: impl FnOnce(),
    playing: impl Fn() -> bool,
    bound: Duration,
    file: &Path,
    settle: Duration,
    watch: Duration,
) -> u64 {
    let size = || std::fs::metadata(file).map_or(0, |m| m.len());
    let asked = Instant::now();
    stop();
    assert!(!playing(), "still playing after stop returned");
    assert!(asked.elapsed() < bound, "stop took {:?}", asked.elapsed());
    std::thread::sleep(settle);
    let stopped_at = size();
    std::thread::sleep(watch);
    assert_eq!(size(), stopped_at, "still playing after stop");
    stopped_at
}
