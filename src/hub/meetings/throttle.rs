//! Rosters go out at most once per interval per meeting, the latest one winning.
//!
//! Every join changes the roster that every participant is sent. When a province's 150
//! communes join at the scheduled start, sending each change at once is 150 × 150 messages,
//! each listing up to 150 rooms: the light capacity bench measured the hub's memory at 593 MB
//! for 150 participants (81 MB at 60) and join times growing to seconds. Only the latest
//! roster matters to a participant, so the first change goes out at once (a single join, a
//! hand raised, is not delayed) and the changes within the next interval are folded into one
//! that goes out when it ends.
//!
//! No I/O and no clock: the caller passes the time and arranges the flush at the time asked.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// How often one meeting's roster of one kind may go out.
pub const ROSTER_EVERY: Duration = Duration::from_millis(200);

/// What to do with a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    /// Send it now.
    Now,
    /// Arrange a flush at this time; send the latest value then (and call [`Throttle::flushed`]).
    FlushAt(Instant),
    /// A flush is already arranged and will carry this change.
    Folded,
}

#[derive(Debug, Clone, Copy)]
struct KeyState {
    last_sent: Instant,
    flush_due: bool,
}

/// Per key (a meeting and a kind of roster): when it last went out and whether a flush is due.
#[derive(Debug)]
pub struct Throttle<K> {
    every: Duration,
    keys: HashMap<K, KeyState>,
}

impl<K: Hash + Eq + Clone> Default for Throttle<K> {
    fn default() -> Self {
        Throttle::new(ROSTER_EVERY)
    }
}

impl<K: Hash + Eq + Clone> Throttle<K> {
    pub fn new(every: Duration) -> Self {
        Throttle {
            every,
            keys: HashMap::new(),
        }
    }

    /// A change of `key` at `now`.
    pub fn changed(&mut self, key: &K, now: Instant) -> Throttled {
        match self.keys.get_mut(key) {
            Some(state) if state.flush_due => Throttled::Folded,
            Some(state) if now.saturating_duration_since(state.last_sent) < self.every => {
                state.flush_due = true;
                Throttled::FlushAt(state.last_sent + self.every)
            }
            Some(state) => {
                state.last_sent = now;
                Throttled::Now
            }
            None => {
                self.keys.insert(
                    key.clone(),
                    KeyState {
                        last_sent: now,
                        flush_due: false,
                    },
                );
                Throttled::Now
            }
        }
    }

    /// The arranged flush of `key` went out at `now`.
    pub fn flushed(&mut self, key: &K, now: Instant) {
        if let Some(state) = self.keys.get_mut(key) {
            state.last_sent = now;
            state.flush_due = false;
        }
    }

    /// Forgets a key (its meeting ended); a flush still arranged for it sends nothing harmful.
    pub fn forget(&mut self, key: &K) {
        self.keys.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_lone_change_goes_out_at_once() {
        let mut t = Throttle::new(ROSTER_EVERY);
        let t0 = Instant::now();
        assert_eq!(t.changed(&"m", t0), Throttled::Now);
        assert_eq!(t.changed(&"m", t0 + ROSTER_EVERY), Throttled::Now);
        assert_eq!(t.changed(&"other", t0 + ROSTER_EVERY), Throttled::Now);
    }

    #[test]
    fn a_burst_is_one_send_now_and_one_flush_at_the_end_of_the_interval() {
        let mut t = Throttle::new(ROSTER_EVERY);
        let t0 = Instant::now();
        assert_eq!(t.changed(&"m", t0), Throttled::Now);
        assert_eq!(
            t.changed(&"m", t0 + 10 * MS),
            Throttled::FlushAt(t0 + ROSTER_EVERY)
        );
        for i in 11..150 {
            assert_eq!(t.changed(&"m", t0 + i * MS), Throttled::Folded);
        }
        t.flushed(&"m", t0 + ROSTER_EVERY);
        // A change right after the flush waits for the next interval, not the old one.
        assert_eq!(
            t.changed(&"m", t0 + ROSTER_EVERY + MS),
            Throttled::FlushAt(t0 + 2 * ROSTER_EVERY)
        );
    }

    #[test]
    fn a_thousand_joins_in_a_second_send_about_one_roster_per_interval() {
        let mut t = Throttle::new(ROSTER_EVERY);
        let t0 = Instant::now();
        let mut sends = 0;
        let mut due: Option<Instant> = None;
        for i in 0..1000u32 {
            let now = t0 + Duration::from_micros(u64::from(i) * 1000);
            if let Some(at) = due
                && at <= now
            {
                t.flushed(&"m", at);
                sends += 1;
                due = None;
            }
            match t.changed(&"m", now) {
                Throttled::Now => sends += 1,
                Throttled::FlushAt(at) => due = Some(at),
                Throttled::Folded => {}
            }
        }
        if due.is_some() {
            sends += 1;
        }
        // One at once, then one per 200 ms of the second: 6, never the 1,000 changes.
        assert!((5..=7).contains(&sends), "{sends} sends");
    }
}
