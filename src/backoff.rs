//! Exponential backoff with full jitter for reconnecting to the hub.
//!
//! Jitter matters: after a province-wide outage dozens of communes come back at once, and
//! without it they would all knock on the hub in the same second.

use std::time::Duration;

use rand::Rng;

#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration) -> Self {
        Self {
            base,
            max,
            attempt: 0,
        }
    }

    /// The delay before the next attempt: uniform in `[base/2, min(max, base * 2^attempt)]`.
    pub fn next_delay(&mut self, rng: &mut impl Rng) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32.checked_shl(self.attempt).unwrap_or(u32::MAX))
            .min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let floor = (self.base / 2).min(ceiling);
        let span_ms = (ceiling - floor).as_millis() as u64;
        floor + Duration::from_millis(rng.random_range(0..=span_ms))
    }

    /// After a successful connection the next failure starts small again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn attempts(&self) -> u32 {
        self.attempt
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn delays_grow_to_the_cap_and_start_over_after_reset() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        let delays: Vec<Duration> = (0..12).map(|_| b.next_delay(&mut rng)).collect();
        assert!(delays.iter().all(|d| *d >= Duration::from_millis(500)));
        assert!(delays.iter().all(|d| *d <= Duration::from_secs(60)));
        assert!(delays[0] <= Duration::from_secs(1));
        assert!(delays[8..].iter().any(|d| *d > Duration::from_secs(10)));
        b.reset();
        assert!(b.next_delay(&mut rng) <= Duration::from_secs(1));
    }

    #[test]
    fn two_rooms_with_different_seeds_do_not_retry_in_lockstep() {
        let mut a = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        let mut b = a.clone();
        let (mut ra, mut rb) = (StdRng::seed_from_u64(1), StdRng::seed_from_u64(2));
        let da: Vec<Duration> = (0..6).map(|_| a.next_delay(&mut ra)).collect();
        let db: Vec<Duration> = (0..6).map(|_| b.next_delay(&mut rb)).collect();
        assert_ne!(da, db);
    }
}
