//! Store-and-forward sync between a room and the hub, as a state machine without I/O.
//!
//! The room writes everything to its outbox first (durable before the screen says "sent"),
//! then this machine decides what to send. Exactly-once rests on three rules:
//! 1. every item carries the room's UUIDv7 and the hub applies an id once (a retried or
//!    duplicated upload changes nothing);
//! 2. an item leaves the outbox only after the hub acknowledged storing it;
//! 3. items go in outbox order, one batch in flight, and the hub stops at the first item it
//!    cannot store yet (a voice file it lacks), so order holds.
//!
//! A crash anywhere only means a batch is sent again. The driver (`room::sync_task`) does the
//! HTTP and the database work and feeds the results back here with the time.

use std::collections::VecDeque;
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;
use uuid::Uuid;

use crate::backoff::Backoff;

/// How many items go in one upload.
pub const BATCH_MAX: usize = 100;
/// How often the room asks for replies and settings when nothing else happens.
pub const DOWN_EVERY_MS: i64 = 30_000;
/// How often it asks while a donor may be waiting at the kiosk for a pledge's "thank you".
pub const FAST_DOWN_EVERY_MS: i64 = 3_000;

/// What the driver should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Upload these outbox items (in this order).
    Upload(Vec<Uuid>),
    /// Upload the voice file with this SHA-256 first.
    UploadVoice(String),
    /// Fetch ticket updates, categories and the rating question.
    Download,
    /// Nothing to do before this time (or before new items are enqueued).
    SleepUntil(i64),
}

/// What came of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The hub stored these items (now or earlier) and lacks these voice files.
    Uploaded {
        stored: Vec<Uuid>,
        need_voice: Vec<String>,
    },
    VoiceUploaded(String),
    /// `more`: the hub's page was full; ask again at once.
    Downloaded {
        more: bool,
    },
    /// Transport or server failure: try again after a backoff.
    Failed(String),
}

/// Why the room refused the hub's answer to an upload. The room acts only on what it asked
/// about: an answer that names anything else is wrong as a whole (a hub that asked for
/// `../../..` once made a room read a file outside its data directory), so nothing of it
/// is applied and the attempt counts as failed, with the usual backoff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadAnswer {
    #[error("the hub acknowledged item {0}, which the batch did not carry")]
    NotSent(Uuid),
    #[error("the hub asked for a voice file named {0:?}, which is not a lowercase hex SHA-256")]
    NotAHash(String),
    #[error("the hub asked for voice file {0}, which no item of the batch names")]
    NotNamed(String),
}

/// One uploaded item as the check of the answer needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentItem<'a> {
    pub id: Uuid,
    /// The recording the item names, if any.
    pub voice_sha256: Option<&'a str>,
}

/// Whether `s` is a SHA-256 as this box writes them: 64 lowercase hex digits, nothing else
/// (so it is always safe as a file name).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Checks an upload's acknowledgement against the batch sent: every id stored must be one
/// sent, every voice file asked for must be a hash that an item of the batch names.
pub fn check_ack(
    sent: &[SentItem<'_>],
    stored: &[Uuid],
    need_voice: &[String],
) -> Result<(), BadAnswer> {
    if let Some(id) = stored.iter().find(|id| !sent.iter().any(|s| s.id == **id)) {
        return Err(BadAnswer::NotSent(*id));
    }
    for sha in need_voice {
        if !is_sha256_hex(sha) {
            // Shown in logs and the staff panel: never the whole of what a hub sent.
            return Err(BadAnswer::NotAHash(sha.chars().take(80).collect()));
        }
        if !sent.iter().any(|s| s.voice_sha256 == Some(sha.as_str())) {
            return Err(BadAnswer::NotNamed(sha.clone()));
        }
    }
    Ok(())
}

#[derive(Debug)]
pub struct SyncMachine {
    backoff: Backoff,
    rng: StdRng,
    /// Earliest time for the next network attempt (backoff after failures).
    not_before_ms: i64,
    next_down_ms: i64,
    need_voice: VecDeque<String>,
    in_flight: bool,
    /// Until then downloads come every `FAST_DOWN_EVERY_MS` (a pledge awaits its transfer).
    fast_until_ms: i64,
    /// Why the last attempt failed, for the kiosk's staff panel and metrics.
    pub last_error: Option<String>,
}

impl SyncMachine {
    pub fn new(seed: u64, now_ms: i64) -> Self {
        Self {
            backoff: Backoff::new(Duration::from_secs(1), Duration::from_secs(120)),
            rng: StdRng::seed_from_u64(seed),
            not_before_ms: now_ms,
            next_down_ms: now_ms,
            need_voice: VecDeque::new(),
            in_flight: false,
            fast_until_ms: i64::MIN,
            last_error: None,
        }
    }

    /// Asks the hub every `FAST_DOWN_EVERY_MS` until `until_ms`: a pledge was made and the
    /// donor may be waiting at the kiosk for the bank's confirmation.
    pub fn hurry_until(&mut self, now_ms: i64, until_ms: i64) {
        if until_ms > now_ms {
            self.fast_until_ms = self.fast_until_ms.max(until_ms);
            self.next_down_ms = self.next_down_ms.min(now_ms + FAST_DOWN_EVERY_MS);
        }
    }

    /// Decides the next action. `pending` is the head of the outbox, oldest first.
    pub fn next(&mut self, now_ms: i64, pending: &[Uuid]) -> Action {
        if self.in_flight {
            // The driver runs one action at a time; asking again means it lost track.
            return Action::SleepUntil(now_ms + 1_000);
        }
        if now_ms < self.not_before_ms {
            return Action::SleepUntil(self.not_before_ms);
        }
        let action = if let Some(sha) = self.need_voice.front() {
            Action::UploadVoice(sha.clone())
        } else if !pending.is_empty() {
            Action::Upload(pending.iter().take(BATCH_MAX).copied().collect())
        } else if now_ms >= self.next_down_ms {
            Action::Download
        } else {
            return Action::SleepUntil(self.next_down_ms);
        };
        self.in_flight = true;
        action
    }

    /// Feeds back the result of the last action; returns the ids the driver must now mark
    /// delivered in the outbox.
    pub fn done(&mut self, now_ms: i64, outcome: Outcome) -> Vec<Uuid> {
        self.in_flight = false;
        match outcome {
            Outcome::Uploaded { stored, need_voice } => {
                self.succeeded(now_ms);
                for sha in need_voice {
                    if !self.need_voice.contains(&sha) {
                        self.need_voice.push_back(sha);
                    }
                }
                // Replies may be waiting for what was just stored: ask soon.
                self.next_down_ms = self.next_down_ms.min(now_ms + 2_000);
                stored
            }
            Outcome::VoiceUploaded(sha) => {
                self.succeeded(now_ms);
                self.need_voice.retain(|s| s != &sha);
                Vec::new()
            }
            Outcome::Downloaded { more } => {
                self.succeeded(now_ms);
                let every = if more {
                    0
                } else if now_ms < self.fast_until_ms {
                    FAST_DOWN_EVERY_MS
                } else {
                    DOWN_EVERY_MS
                };
                self.next_down_ms = now_ms + every;
                Vec::new()
            }
            Outcome::Failed(why) => {
                let delay = self.backoff.next_delay(&mut self.rng);
                self.not_before_ms = now_ms + delay.as_millis() as i64;
                self.last_error = Some(why);
                Vec::new()
            }
        }
    }

    /// The hub said something changed (a staff reply): download at the next chance rather
    /// than at the next poll, so a reply reaches the kiosk in seconds. Backoff still holds,
    /// and uploads already waiting still go first (order of the outbox).
    pub fn download_soon(&mut self, now_ms: i64) {
        self.next_down_ms = self.next_down_ms.min(now_ms);
    }

    /// A hub session just opened: the hub is reachable again, so the backoff that grew while it
    /// was not (up to two minutes, with jitter) no longer applies, and what waits goes now, then
    /// a download (hints sent while the link was down were lost). Otherwise a long outage could
    /// hold the outbox back up to that backoff after the hub returned. Session opens are
    /// themselves backed off by the hub link, so a hub that accepts sessions but fails syncs is
    /// not hammered.
    pub fn hub_reachable(&mut self, now_ms: i64) {
        self.backoff.reset();
        self.not_before_ms = self.not_before_ms.min(now_ms);
        self.download_soon(now_ms);
    }

    fn succeeded(&mut self, now_ms: i64) {
        self.backoff.reset();
        self.not_before_ms = now_ms;
        self.last_error = None;
    }
}

#[cfg(test)]
mod answer_tests {
    use super::*;

    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn sent() -> Vec<SentItem<'static>> {
        vec![
            SentItem {
                id: Uuid::from_u128(1),
                voice_sha256: Some(SHA),
            },
            SentItem {
                id: Uuid::from_u128(2),
                voice_sha256: None,
            },
        ]
    }

    #[test]
    fn an_answer_about_the_batch_sent_is_accepted() {
        assert_eq!(
            check_ack(&sent(), &[Uuid::from_u128(2)], &[SHA.into()]),
            Ok(())
        );
        assert_eq!(check_ack(&sent(), &[], &[]), Ok(()));
    }

    #[test]
    fn an_answer_naming_anything_else_is_refused() {
        let sent = sent();
        assert_eq!(
            check_ack(&sent, &[Uuid::from_u128(3)], &[]),
            Err(BadAnswer::NotSent(Uuid::from_u128(3)))
        );
        for path in [
            "../../../etc/passwd",
            "..",
            "",
            &SHA.to_uppercase(),
            &SHA[1..],
        ] {
            assert!(
                matches!(
                    check_ack(&sent, &[], &[path.to_owned()]),
                    Err(BadAnswer::NotAHash(_))
                ),
                "{path:?}"
            );
        }
        let longer = format!("{SHA}0");
        assert!(matches!(
            check_ack(&sent, &[], &[longer]),
            Err(BadAnswer::NotAHash(_))
        ));
        let other = "0".repeat(64);
        assert_eq!(
            check_ack(&sent, &[], std::slice::from_ref(&other)),
            Err(BadAnswer::NotNamed(other))
        );
        let huge = "a/".repeat(100_000);
        let Err(BadAnswer::NotAHash(shown)) = check_ack(&sent, &[], &[huge]) else {
            panic!("refused")
        };
        assert_eq!(shown.len(), 80, "a hostile name is not echoed whole");
    }
}

#[cfg(test)]
mod tests {
    //! A simulated hub and a lossy link in virtual time: every item arrives exactly once and
    //! in order, whatever is lost, duplicated or crashed.

    use std::collections::{BTreeMap, HashSet};

    use proptest::prelude::*;
    use rand::Rng;

    use super::*;

    /// The hub's side of the contract: stores an id once, in arrival order, and refuses an
    /// item whose voice it lacks (stopping there).
    #[derive(Default)]
    struct Hub {
        stored: Vec<Uuid>,
        seen: HashSet<Uuid>,
        voices: HashSet<String>,
    }

    impl Hub {
        fn upload(
            &mut self,
            batch: &[Uuid],
            voice_of: &BTreeMap<Uuid, String>,
        ) -> (Vec<Uuid>, Vec<String>) {
            let mut stored = Vec::new();
            for id in batch {
                if let Some(sha) = voice_of.get(id)
                    && !self.voices.contains(sha)
                {
                    return (stored, vec![sha.clone()]);
                }
                if self.seen.insert(*id) {
                    self.stored.push(*id);
                }
                stored.push(*id);
            }
            (stored, Vec::new())
        }
    }

    /// The room's outbox: ids in order, delivered ones removed; survives a crash.
    struct Room {
        outbox: Vec<Uuid>,
    }

    fn run(
        seed: u64,
        items: usize,
        loss_pct: u32,
        crash_pct: u32,
        voice_every: usize,
    ) -> (Vec<Uuid>, Hub, i64) {
        let mut rng = StdRng::seed_from_u64(seed);
        let ids: Vec<Uuid> = (0..items).map(|i| Uuid::from_u128(i as u128 + 1)).collect();
        let voice_of: BTreeMap<Uuid, String> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| voice_every > 0 && i % voice_every == 0)
            .map(|(i, id)| (*id, format!("sha{i}")))
            .collect();
        let mut room = Room {
            outbox: ids.clone(),
        };
        let mut hub = Hub::default();
        let mut now = 0i64;
        let mut machine = SyncMachine::new(seed, now);
        for _step in 0..200_000 {
            if room.outbox.is_empty() {
                break;
            }
            match machine.next(now, &room.outbox) {
                Action::SleepUntil(t) => now = t.max(now + 1),
                action => {
                    let lost_request = rng.random_ratio(loss_pct, 100);
                    let lost_answer = rng.random_ratio(loss_pct, 100);
                    let outcome = if lost_request {
                        Outcome::Failed("request lost".into())
                    } else {
                        let outcome = match &action {
                            Action::Upload(batch) => {
                                let (stored, need_voice) = hub.upload(batch, &voice_of);
                                Outcome::Uploaded { stored, need_voice }
                            }
                            Action::UploadVoice(sha) => {
                                hub.voices.insert(sha.clone());
                                Outcome::VoiceUploaded(sha.clone())
                            }
                            Action::Download => Outcome::Downloaded { more: false },
                            Action::SleepUntil(_) => unreachable!("handled above"),
                        };
                        if lost_answer {
                            Outcome::Failed("answer lost".into())
                        } else {
                            outcome
                        }
                    };
                    now += 50;
                    let delivered = machine.done(now, outcome);
                    room.outbox.retain(|id| !delivered.contains(id));
                    if rng.random_ratio(crash_pct, 100) {
                        // The room restarts: the outbox is on disk, the machine is new.
                        machine = SyncMachine::new(rng.random(), now);
                    }
                }
            }
        }
        (ids, hub, now)
    }

    #[test]
    fn without_loss_everything_arrives_in_order_quickly() {
        let (ids, hub, now_ms) = run(1, 500, 0, 0, 50);
        assert_eq!(hub.stored, ids);
        assert!(now_ms < 10_000, "{now_ms} ms of virtual time");
    }

    proptest! {
        #[test]
        fn every_item_arrives_exactly_once_and_in_order_under_loss_and_crashes(
            seed in any::<u64>(), loss in 0u32..60, crash in 0u32..20, voice_every in 0usize..7,
        ) {
            let (ids, hub, _) = run(seed, 120, loss, crash, voice_every);
            prop_assert_eq!(hub.stored, ids);
        }
    }

    #[test]
    fn failures_back_off_and_success_resets() {
        let mut m = SyncMachine::new(7, 0);
        let id = Uuid::from_u128(1);
        assert_eq!(m.next(0, &[id]), Action::Upload(vec![id]));
        m.done(0, Outcome::Failed("down".into()));
        let Action::SleepUntil(t1) = m.next(0, &[id]) else {
            panic!("must wait")
        };
        assert!(t1 >= 500);
        assert_eq!(m.next(t1, &[id]), Action::Upload(vec![id]));
        let delivered = m.done(
            t1,
            Outcome::Uploaded {
                stored: vec![id],
                need_voice: vec![],
            },
        );
        assert_eq!(delivered, vec![id]);
        assert!(m.last_error.is_none());
    }

    #[test]
    fn while_a_pledge_waits_it_downloads_every_few_seconds_then_slows_down() {
        let mut m = SyncMachine::new(7, 0);
        assert_eq!(m.next(0, &[]), Action::Download);
        m.done(0, Outcome::Downloaded { more: false });
        m.hurry_until(1_000, 10_000);
        assert_eq!(
            m.next(1_000, &[]),
            Action::SleepUntil(1_000 + FAST_DOWN_EVERY_MS)
        );
        assert_eq!(m.next(4_000, &[]), Action::Download);
        m.done(4_000, Outcome::Downloaded { more: false });
        assert_eq!(
            m.next(4_000, &[]),
            Action::SleepUntil(4_000 + FAST_DOWN_EVERY_MS)
        );
        assert_eq!(m.next(7_000, &[]), Action::Download);
        m.done(12_000, Outcome::Downloaded { more: false });
        assert_eq!(
            m.next(12_000, &[]),
            Action::SleepUntil(12_000 + DOWN_EVERY_MS)
        );
    }

    #[test]
    fn a_hint_from_the_hub_downloads_at_once_instead_of_at_the_next_poll() {
        let mut m = SyncMachine::new(7, 0);
        assert_eq!(m.next(0, &[]), Action::Download);
        m.done(100, Outcome::Downloaded { more: false });
        assert_eq!(m.next(5_000, &[]), Action::SleepUntil(100 + DOWN_EVERY_MS));
        m.download_soon(5_000);
        assert_eq!(m.next(5_000, &[]), Action::Download);
        m.done(5_050, Outcome::Downloaded { more: false });
        assert_eq!(
            m.next(5_060, &[]),
            Action::SleepUntil(5_050 + DOWN_EVERY_MS),
            "after the hinted download the poll goes back to its pace"
        );
    }

    #[test]
    fn a_full_page_from_the_hub_is_followed_by_the_next_at_once() {
        let mut m = SyncMachine::new(7, 0);
        assert_eq!(m.next(0, &[]), Action::Download);
        m.done(100, Outcome::Downloaded { more: true });
        assert_eq!(
            m.next(100, &[]),
            Action::Download,
            "the rest waits at the hub"
        );
        m.done(150, Outcome::Downloaded { more: false });
        assert_eq!(m.next(150, &[]), Action::SleepUntil(150 + DOWN_EVERY_MS));
    }

    #[test]
    fn a_hint_waits_for_the_backoff_and_for_pending_uploads() {
        let mut m = SyncMachine::new(7, 0);
        let id = Uuid::from_u128(1);
        assert_eq!(m.next(0, &[]), Action::Download);
        m.done(0, Outcome::Downloaded { more: false });
        assert_eq!(m.next(100, &[id]), Action::Upload(vec![id]));
        m.done(100, Outcome::Failed("down".into()));
        m.download_soon(200);
        let Action::SleepUntil(t) = m.next(200, &[id]) else {
            panic!("a failure backs off even when the hub hints")
        };
        assert!(t > 200);
        assert_eq!(
            m.next(t, &[id]),
            Action::Upload(vec![id]),
            "what waits in the outbox goes first"
        );
        m.done(
            t,
            Outcome::Uploaded {
                stored: vec![id],
                need_voice: vec![],
            },
        );
        assert_eq!(m.next(t, &[]), Action::Download, "the hint was kept");
    }

    #[test]
    fn a_hub_session_opening_ends_the_backoff_at_once() {
        let mut m = SyncMachine::new(7, 0);
        let id = Uuid::from_u128(1);
        let mut now = 0;
        // Ten minutes of failures: the backoff grows toward its two-minute cap.
        loop {
            match m.next(now, &[id]) {
                Action::SleepUntil(t) => now = t,
                _ => {
                    m.done(now, Outcome::Failed("hub down".into()));
                    if now >= 600_000 {
                        break;
                    }
                }
            }
        }
        let Action::SleepUntil(waiting_until) = m.next(now, &[id]) else {
            panic!("backing off after a failure")
        };
        assert!(waiting_until > now);
        m.hub_reachable(now);
        assert_eq!(m.next(now, &[id]), Action::Upload(vec![id]), "at once");
        m.done(
            now,
            Outcome::Uploaded {
                stored: vec![id],
                need_voice: vec![],
            },
        );
        assert_eq!(
            m.next(now, &[]),
            Action::Download,
            "then what changed meanwhile"
        );
    }

    #[test]
    fn with_nothing_pending_it_downloads_every_thirty_seconds() {
        let mut m = SyncMachine::new(7, 0);
        assert_eq!(m.next(0, &[]), Action::Download);
        m.done(100, Outcome::Downloaded { more: false });
        assert_eq!(m.next(200, &[]), Action::SleepUntil(100 + DOWN_EVERY_MS));
        assert_eq!(m.next(100 + DOWN_EVERY_MS, &[]), Action::Download);
    }
}
