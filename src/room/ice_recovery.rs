//! When the room restarts ICE after its media path drops: a pure state machine with time
//! as input, fed by the call task (ICE went down, came back) and the hub session (the hub
//! was heard, the session was opened again).
//!
//! An ICE restart is an offer the hub has to answer. Sent while the hub cannot be reached,
//! it waits in a stuck TCP connection or the outbox and the room learns nothing; sent on a
//! fixed clock, the restarts that matter come late (after a 20 s outage the old clock gave
//! pictures 11–15 s after the link returned). So a restart goes out only once the hub has
//! been heard since the path dropped (or since the last restart), at once when a new hub
//! session opens, and otherwise 3 s after the last restart, then 4, 8 and 16 s apart.

use std::time::{Duration, Instant};

/// ICE disconnected this long before the first restart (a brief blip recovers by itself).
pub const FIRST_AFTER: Duration = Duration::from_secs(2);
/// The waits after each restart before the next, the last one repeating.
pub const WAITS: [Duration; 4] = [
    Duration::from_secs(3),
    Duration::from_secs(4),
    Duration::from_secs(8),
    Duration::from_secs(16),
];

#[derive(Debug, Default, Clone)]
pub struct IceRecovery {
    /// ICE has been disconnected since then.
    down_since: Option<Instant>,
    /// The last message of any kind from the hub.
    hub_heard: Option<Instant>,
    /// The last restart in this outage and how many there were.
    last_restart: Option<Instant>,
    restarts: usize,
}

impl IceRecovery {
    pub fn new() -> Self {
        Self::default()
    }

    /// ICE reported the path disconnected (repeats keep the first time).
    pub fn disconnected(&mut self, now: Instant) {
        if self.down_since.is_none() {
            self.down_since = Some(now);
            self.last_restart = None;
            self.restarts = 0;
        }
    }

    /// ICE is connected again: nothing to recover.
    pub fn connected(&mut self) {
        self.down_since = None;
        self.last_restart = None;
        self.restarts = 0;
    }

    /// Something arrived from the hub at `at`.
    pub fn hub_heard(&mut self, at: Instant) {
        if self.hub_heard.is_none_or(|h| at > h) {
            self.hub_heard = Some(at);
        }
    }

    /// A new hub session opened at `at`: offers sent on the old one may be lost, so the
    /// next restart goes out now rather than after a backed-off wait.
    pub fn hub_reconnected(&mut self, at: Instant) {
        self.hub_heard(at);
        if self.down_since.is_some() {
            self.last_restart = None;
            self.restarts = 0;
        }
    }

    /// True while ICE is down: the hub session checks the hub often meanwhile.
    pub fn recovering(&self) -> bool {
        self.down_since.is_some()
    }

    /// Whether to restart ICE now; if so, the restart is counted as sent at `now`.
    pub fn poll(&mut self, now: Instant) -> bool {
        let Some(down) = self.down_since else {
            return false;
        };
        if now.saturating_duration_since(down) < FIRST_AFTER {
            return false;
        }
        // The hub must have been heard since the path dropped and since the last restart:
        // otherwise the offer has nowhere to go.
        let since = self.last_restart.map_or(down, |r| r.max(down));
        if self.hub_heard.is_none_or(|h| h <= since) {
            return false;
        }
        if let Some(last) = self.last_restart {
            let wait = WAITS[(self.restarts.saturating_sub(1)).min(WAITS.len() - 1)];
            if now.saturating_duration_since(last) < wait {
                return false;
            }
        }
        self.last_restart = Some(now);
        self.restarts += 1;
        true
    }

    /// Restarts sent in this outage (since the last new hub session).
    pub fn restarts(&self) -> usize {
        self.restarts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// Polls every 250 ms from `from` to `to` seconds; the hub answers every second when
    /// `hub_up` says so. Returns the restart times in seconds.
    fn run(
        r: &mut IceRecovery,
        t0: Instant,
        from: f64,
        to: f64,
        hub_up: impl Fn(f64) -> bool,
    ) -> Vec<f64> {
        let mut out = Vec::new();
        let mut t = from;
        while t < to {
            if hub_up(t) && (t.fract() == 0.0) {
                r.hub_heard(t0 + secs(t));
            }
            if r.poll(t0 + secs(t)) {
                out.push(t);
            }
            t += 0.25;
        }
        out
    }

    #[test]
    fn a_connected_path_is_never_restarted() {
        let t0 = Instant::now();
        let mut r = IceRecovery::new();
        assert!(run(&mut r, t0, 0.0, 60.0, |_| true).is_empty());
        assert!(!r.recovering());
    }

    #[test]
    fn with_the_hub_in_reach_the_first_restart_comes_after_two_seconds_then_backs_off() {
        let t0 = Instant::now();
        let mut r = IceRecovery::new();
        r.disconnected(t0);
        let restarts = run(&mut r, t0, 0.0, 60.0, |_| true);
        assert_eq!(restarts, vec![2.0, 5.0, 9.0, 17.0, 33.0, 49.0]);
        assert_eq!(r.restarts(), 6);
    }

    #[test]
    fn no_restart_is_sent_while_the_hub_is_silent() {
        let t0 = Instant::now();
        let mut r = IceRecovery::new();
        r.hub_heard(t0);
        r.disconnected(t0 + secs(0.5));
        // The link is down for 20 s: the hub is not heard and nothing is sent.
        assert!(run(&mut r, t0, 0.5, 20.0, |_| false).is_empty());
        // It is heard again at 20 s: the restart goes out at once.
        assert_eq!(run(&mut r, t0, 20.0, 21.0, |_| true), vec![20.0]);
    }

    #[test]
    fn a_new_hub_session_sends_the_next_restart_at_once_instead_of_waiting() {
        let t0 = Instant::now();
        let mut r = IceRecovery::new();
        r.disconnected(t0);
        // In reach at first: restarts at 2, 5, 9 s; then the hub link drops.
        assert_eq!(run(&mut r, t0, 0.0, 10.0, |_| true), vec![2.0, 5.0, 9.0]);
        assert!(run(&mut r, t0, 10.0, 30.0, |_| false).is_empty());
        // A new session at 30.3 s: restart on the next poll, not 8 s after the last one.
        r.hub_reconnected(t0 + secs(30.3));
        assert!(r.poll(t0 + secs(30.5)));
        // And the waits start over from there.
        r.hub_heard(t0 + secs(33.0));
        assert!(!r.poll(t0 + secs(33.25)));
        assert!(r.poll(t0 + secs(33.5)));
    }

    #[test]
    fn a_hub_heard_only_before_the_last_restart_holds_the_next_one() {
        let t0 = Instant::now();
        let mut r = IceRecovery::new();
        r.disconnected(t0);
        r.hub_heard(t0 + secs(1.0));
        r.hub_heard(t0 + secs(1.5));
        assert!(r.poll(t0 + secs(2.0)));
        // Silence since: the wait is over at 5 s but nothing is sent.
        assert!(!r.poll(t0 + secs(5.0)));
        assert!(!r.poll(t0 + secs(12.0)));
        r.hub_heard(t0 + secs(12.1));
        assert!(r.poll(t0 + secs(12.25)));
    }

    #[test]
    fn reconnecting_media_starts_the_next_outage_from_scratch() {
        let t0 = Instant::now();
        let mut r = IceRecovery::new();
        r.disconnected(t0);
        assert_eq!(
            run(&mut r, t0, 0.0, 20.0, |_| true),
            vec![2.0, 5.0, 9.0, 17.0]
        );
        r.connected();
        assert!(!r.recovering());
        assert!(!r.poll(t0 + secs(40.0)));
        r.disconnected(t0 + secs(50.0));
        assert!(r.recovering());
        assert_eq!(r.restarts(), 0);
        assert_eq!(run(&mut r, t0, 50.0, 56.0, |_| true), vec![52.0, 55.0]);
        // A repeated "disconnected" keeps the first time.
        r.disconnected(t0 + secs(56.0));
        r.hub_heard(t0 + secs(58.0));
        assert!(r.poll(t0 + secs(59.0)));
    }
}
