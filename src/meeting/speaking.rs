//! Whether a room is speaking, from its microphone level: what each room reports to the hub
//! so every roster can show who speaks. Pure (no I/O, time as input) so its hysteresis and
//! rate are tested in milliseconds.
//!
//! A level above [`SPEAKING_ON_LEVEL`] held for [`SPEAKING_ON_AFTER_MS`] starts speaking; a
//! level below [`SPEAKING_OFF_LEVEL`] held for [`SPEAKING_OFF_AFTER_MS`] ends it (pauses
//! between words do not flicker the roster). A closed microphone ends it at once and reports
//! nothing more until it opens. Two reports are at least [`MIN_REPORT_GAP_MS`] apart.

/// Meter level (0..=1, dB from -60 dBFS) that starts speech: about -57 dBFS, above a quiet
/// room's hiss.
pub const SPEAKING_ON_LEVEL: f32 = 0.05;
/// Level below which speech may end: lower than the start level, so a voice hovering at the
/// threshold does not toggle.
pub const SPEAKING_OFF_LEVEL: f32 = 0.035;
pub const SPEAKING_ON_AFTER_MS: u64 = 150;
pub const SPEAKING_OFF_AFTER_MS: u64 = 1_000;
/// At most a few reports a second, whatever the level does.
pub const MIN_REPORT_GAP_MS: u64 = 300;

/// One room's speaking state as it last told the hub.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpeakingDetector {
    speaking: bool,
    /// Since when the level has said the opposite of `speaking`.
    crossing_since_ms: Option<u64>,
    last_report_ms: Option<u64>,
}

impl SpeakingDetector {
    pub fn new() -> Self {
        Self::default()
    }

    /// What the room last reported.
    pub fn speaking(&self) -> bool {
        self.speaking
    }

    /// One meter sample at `now_ms` (monotonic) with the microphone open or closed; returns
    /// the new state when the hub must be told it.
    pub fn observe(&mut self, now_ms: u64, level: f32, mic_open: bool) -> Option<bool> {
        if !mic_open {
            self.crossing_since_ms = None;
            return self.speaking.then(|| self.report(now_ms, false));
        }
        let crossing = if self.speaking {
            level < SPEAKING_OFF_LEVEL
        } else {
            level >= SPEAKING_ON_LEVEL
        };
        if !crossing {
            self.crossing_since_ms = None;
            return None;
        }
        let since = *self.crossing_since_ms.get_or_insert(now_ms);
        let hold = if self.speaking {
            SPEAKING_OFF_AFTER_MS
        } else {
            SPEAKING_ON_AFTER_MS
        };
        let gap_ok = self
            .last_report_ms
            .is_none_or(|last| now_ms.saturating_sub(last) >= MIN_REPORT_GAP_MS);
        if now_ms.saturating_sub(since) >= hold && gap_ok {
            self.crossing_since_ms = None;
            return Some(self.report(now_ms, !self.speaking));
        }
        None
    }

    fn report(&mut self, now_ms: u64, speaking: bool) -> bool {
        self.speaking = speaking;
        self.last_report_ms = Some(now_ms);
        speaking
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `level` every `step_ms` from `from_ms` for `for_ms`; returns the reports.
    fn feed(
        d: &mut SpeakingDetector,
        from_ms: u64,
        for_ms: u64,
        step_ms: u64,
        level: impl Fn(u64) -> f32,
        mic_open: bool,
    ) -> Vec<(u64, bool)> {
        let mut out = Vec::new();
        let mut t = from_ms;
        while t < from_ms + for_ms {
            if let Some(s) = d.observe(t, level(t), mic_open) {
                out.push((t, s));
            }
            t += step_ms;
        }
        out
    }

    #[test]
    fn speech_starts_after_a_short_hold_and_ends_after_a_long_silence() {
        let mut d = SpeakingDetector::new();
        assert_eq!(feed(&mut d, 0, 1_000, 50, |_| 0.01, true), vec![]);
        // A click shorter than the hold is not speech.
        assert_eq!(feed(&mut d, 1_000, 100, 50, |_| 0.5, true), vec![]);
        assert_eq!(feed(&mut d, 1_100, 100, 50, |_| 0.0, true), vec![]);
        assert_eq!(
            feed(&mut d, 2_000, 500, 50, |_| 0.3, true),
            vec![(2_150, true)]
        );
        // Pauses between words shorter than a second keep it speaking.
        assert_eq!(
            feed(
                &mut d,
                2_500,
                2_000,
                50,
                |t| if t % 800 < 600 { 0.3 } else { 0.0 },
                true
            ),
            vec![]
        );
        assert_eq!(
            feed(&mut d, 4_500, 2_000, 50, |_| 0.0, true),
            vec![(5_500, false)]
        );
    }

    #[test]
    fn a_voice_hovering_at_the_threshold_does_not_flicker() {
        let mut d = SpeakingDetector::new();
        assert_eq!(
            feed(&mut d, 0, 300, 50, |_| SPEAKING_ON_LEVEL, true),
            vec![(150, true)]
        );
        // Just under the start level, but above the end level: still speaking.
        let between = (SPEAKING_ON_LEVEL + SPEAKING_OFF_LEVEL) / 2.0;
        assert_eq!(feed(&mut d, 300, 5_000, 50, |_| between, true), vec![]);
        assert!(d.speaking());
    }

    #[test]
    fn a_closed_microphone_ends_speech_at_once_and_reports_nothing_more() {
        let mut d = SpeakingDetector::new();
        assert_eq!(feed(&mut d, 0, 400, 50, |_| 0.5, true), vec![(150, true)]);
        assert_eq!(d.observe(400, 0.5, false), Some(false));
        assert_eq!(feed(&mut d, 450, 5_000, 50, |_| 0.5, false), vec![]);
        // Silent and closed from the start: never a report.
        let mut quiet = SpeakingDetector::new();
        assert_eq!(feed(&mut quiet, 0, 5_000, 50, |_| 0.0, false), vec![]);
    }

    #[test]
    fn reports_are_never_closer_than_the_minimum_gap_whatever_the_level_does() {
        let mut d = SpeakingDetector::new();
        // A level jumping every sample, with the microphone flipping too.
        let reports = {
            let mut out = Vec::new();
            for t in (0..20_000u64).step_by(10) {
                let level = if (t / 170) % 2 == 0 { 0.9 } else { 0.0 };
                let open = (t / 1_300) % 3 != 2;
                if let Some(s) = d.observe(t, level, open) {
                    out.push((t, s));
                }
            }
            out
        };
        assert!(reports.len() > 4, "{reports:?}");
        for pair in reports.windows(2) {
            assert_ne!(
                pair[0].1, pair[1].1,
                "only changes are reported: {reports:?}"
            );
        }
        let starts: Vec<u64> = reports.iter().filter(|r| r.1).map(|r| r.0).collect();
        for pair in starts.windows(2) {
            assert!(pair[1] - pair[0] >= MIN_REPORT_GAP_MS, "{reports:?}");
        }
    }
}
