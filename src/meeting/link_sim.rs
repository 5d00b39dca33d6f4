//! A seeded model of a room's uplink for the adaptation's tests: packets of 1,200 bytes sent
//! evenly at a rate, a drop-tail queue in front of a capacity (a squeezed uplink: `tc tbf`),
//! and random loss on the wire after it (a poor radio link: iptables' `statistic` match).
//! Feedback comes every 100 ms, as webrtc-rs's TWCC receiver sends it.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::loss_estimate::Ack;

pub const PACKET_BYTES: u32 = 1_200;
/// The one-way delay of an empty queue (ms).
const BASE_DELAY_MS: f64 = 20.0;
pub const FEEDBACK_MS: f64 = 100.0;

pub struct Link {
    pub capacity_bps: f64,
    /// How much the queue holds, in ms of the capacity (tbf's `latency`).
    pub buffer_ms: f64,
    pub random_loss: f64,
    /// When the queue empties (ms).
    busy_until_ms: f64,
    rng: StdRng,
    now_ms: f64,
    next_send_ms: f64,
}

/// What one feedback interval did.
pub struct Sent {
    pub acks: Vec<Ack>,
    /// Dropped by the full queue: a retransmission meets the same queue, so these stay lost.
    pub queue_drops: u32,
    /// Dropped at random on the wire, then whether the retransmission was lost too (up to two
    /// attempts, as NACK every 20 ms allows within the receiver's jitter buffer).
    pub random_losses: u32,
    pub unrepaired: u32,
}

impl Sent {
    /// The loss left after retransmissions, as the receiver's report counts it.
    pub fn residual_loss(&self) -> f64 {
        if self.acks.is_empty() {
            return 0.0;
        }
        f64::from(self.queue_drops + self.unrepaired) / self.acks.len() as f64
    }
}

impl Link {
    pub fn new(seed: u64, capacity_bps: f64, buffer_ms: f64, random_loss: f64) -> Self {
        Link {
            capacity_bps,
            buffer_ms,
            random_loss,
            busy_until_ms: 0.0,
            rng: StdRng::seed_from_u64(seed),
            now_ms: 0.0,
            next_send_ms: 0.0,
        }
    }

    /// One feedback interval of sending at `rate_bps`.
    pub fn send(&mut self, rate_bps: f64) -> Sent {
        let gap_ms = f64::from(PACKET_BYTES) * 8_000.0 / rate_bps.max(1.0);
        let serve_ms = f64::from(PACKET_BYTES) * 8_000.0 / self.capacity_bps;
        let end = self.now_ms + FEEDBACK_MS;
        let mut sent = Sent {
            acks: Vec::new(),
            queue_drops: 0,
            random_losses: 0,
            unrepaired: 0,
        };
        let mut t = self.next_send_ms.max(self.now_ms);
        while t < end {
            let waiting_ms = (self.busy_until_ms - t).max(0.0);
            let arrived_ms = if waiting_ms > self.buffer_ms {
                sent.queue_drops += 1;
                None
            } else {
                self.busy_until_ms = t.max(self.busy_until_ms) + serve_ms;
                if self.rng.random::<f64>() < self.random_loss {
                    sent.random_losses += 1;
                    let repairs_lost = (0..2).all(|_| self.rng.random::<f64>() < self.random_loss);
                    sent.unrepaired += u32::from(repairs_lost);
                    None
                } else {
                    Some(self.busy_until_ms + BASE_DELAY_MS)
                }
            };
            sent.acks.push(Ack {
                sent_ms: t,
                size_bytes: PACKET_BYTES,
                arrived_ms,
            });
            t += gap_ms;
        }
        self.next_send_ms = t;
        self.now_ms = end;
        sent
    }
}
