//! With `[media] engine = "janus"`, every running meeting has a Janus VideoRoom: created when
//! the meeting starts, destroyed when it ends (requests of
//! <https://janus.conf.meetecho.com/docs/videoroom.html>, through [`crate::janus`]).
//!
//! The room's id is derived from the meeting id ([`janus_room_id`]) and its secret from the
//! meeting id and `janus_admin_secret` ([`room_secret`]), so a hub that restarts finds (and
//! can destroy) the rooms it made before without storing anything.
//!
//! When Janus cannot be reached (or refuses) at the start, the hub logs why, shows it in the
//! meeting's status (`media` in the staff API's meeting view), and tries again with
//! exponential back-off until the room exists.
//!
//! The media itself goes through the room with `crate::janus::engine` (publishers and
//! subscribers on handles of their own; ARCHITECTURE.md, "Meetings on Janus").

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::backoff::Backoff;
use crate::config::{JanusConfig, Secret};
use crate::janus::{JanusClient, JanusError, RoomSpec, VideoRoomErrorKind};

/// Publisher seats beyond the invited rooms, for browsers that join by link. (The media
/// path can raise it with the VideoRoom's `edit` when more come.)
pub const BROWSER_SEATS: u32 = 20;

/// First and longest wait between attempts to create a room while Janus is away.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(30);

/// How often a running meeting's room is checked to still exist: Janus keeps rooms made
/// through its API in memory only, so a restarted Janus has none, and the rooms' publishers
/// (which rejoin by themselves) need it back within seconds.
const ROOM_CHECK: Duration = Duration::from_secs(2);

/// Attempts to destroy an ended meeting's room (Janus drops non-permanent rooms when it
/// restarts anyway).
const DESTROY_ATTEMPTS: u32 = 5;

/// The VideoRoom id of a meeting: the first 53 bits of SHA-256 of its id (a number any
/// JSON reader keeps exact), never 0 (Janus reads 0 as "pick one").
pub fn janus_room_id(meeting_id: &str) -> u64 {
    let digest = Sha256::digest(format!("phonghop videoroom {meeting_id}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) & ((1 << 53) - 1)).max(1)
}

/// The room's secret (`destroy` needs it): HMAC-SHA256 of the meeting id keyed with
/// `janus_admin_secret`, so only this hub knows it.
pub fn room_secret(admin_secret: &Secret, meeting_id: &str) -> Secret {
    let mut mac = Hmac::<Sha256>::new_from_slice(admin_secret.expose().as_bytes())
        .expect("HMAC takes any key length");
    mac.update(format!("phonghop videoroom secret {meeting_id}").as_bytes());
    Secret::new(hex::encode(&mac.finalize().into_bytes()[..16]))
}

/// Where a meeting's Janus room stands, as the staff API shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JanusRoomStatus {
    /// The VideoRoom id.
    pub room: u64,
    pub state: JanusRoomState,
    /// Why the room is not there yet, in Janus's and the hub's words.
    pub error: Option<String>,
    /// Attempts to create it so far.
    pub attempts: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JanusRoomState {
    /// The first attempt is under way.
    Creating,
    /// The room exists.
    Ready,
    /// Janus could not be reached; the hub tries again with back-off.
    WaitingForJanus,
    /// Janus refused (a configuration mistake, e.g. the admin key): tried again too, as the
    /// operator may fix Janus and restart it.
    Refused,
}

struct Entry {
    status: JanusRoomStatus,
    stop: CancellationToken,
    publishers: u32,
}

struct Shared {
    config: JanusConfig,
    tls: Arc<rustls::ClientConfig>,
    /// One session for all the hub's rooms, opened again when it fails.
    client: tokio::sync::Mutex<Option<JanusClient>>,
    rooms: Mutex<HashMap<String, Entry>>,
}

/// The hub's Janus rooms, one per running meeting.
#[derive(Clone)]
pub struct JanusRooms(Arc<Shared>);

impl std::fmt::Debug for JanusRooms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JanusRooms")
            .field("url", &self.0.config.url.as_str())
            .finish_non_exhaustive()
    }
}

impl JanusRooms {
    pub fn new(config: JanusConfig, tls: Arc<rustls::ClientConfig>) -> Self {
        JanusRooms(Arc::new(Shared {
            config,
            tls,
            client: tokio::sync::Mutex::new(None),
            rooms: Mutex::new(HashMap::new()),
        }))
    }

    fn rooms(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.0.rooms.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn status(&self, meeting_id: &str) -> Option<JanusRoomStatus> {
        self.rooms().get(meeting_id).map(|e| e.status.clone())
    }

    /// A meeting started: its room is created now, or as soon as Janus answers.
    pub fn meeting_started(&self, meeting_id: &str, invited_rooms: usize) {
        let publishers = u32::try_from(invited_rooms)
            .unwrap_or(u32::MAX)
            .saturating_add(BROWSER_SEATS);
        let stop = CancellationToken::new();
        {
            let mut rooms = self.rooms();
            if rooms.contains_key(meeting_id) {
                return;
            }
            rooms.insert(
                meeting_id.to_owned(),
                Entry {
                    status: JanusRoomStatus {
                        room: janus_room_id(meeting_id),
                        state: JanusRoomState::Creating,
                        error: None,
                        attempts: 0,
                    },
                    stop: stop.clone(),
                    publishers,
                },
            );
        }
        let this = self.clone();
        let meeting_id = meeting_id.to_owned();
        tokio::spawn(async move { this.keep_room(&meeting_id, stop).await });
    }

    /// Creates the meeting's room, then checks that it is still there until the meeting ends,
    /// and creates it again when Janus lost it (restarted) or could not be asked.
    async fn keep_room(&self, meeting_id: &str, stop: CancellationToken) {
        loop {
            self.create_until_ready(meeting_id, stop.clone()).await;
            let Some(room) = self.rooms().get(meeting_id).map(|e| e.status.room) else {
                return;
            };
            let lost = loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(ROOM_CHECK) => {}
                }
                let exists = tokio::select! {
                    _ = stop.cancelled() => return,
                    r = self.room_exists(room) => r,
                };
                match exists {
                    Ok(true) => {}
                    Ok(false) => {
                        break "Janus no longer has the meeting's VideoRoom (restarted?)"
                            .to_owned();
                    }
                    Err(e) => break e.to_string(),
                }
            };
            tracing::warn!(meeting_id, room, reason = %lost, "creating the meeting's Janus VideoRoom again");
            if let Some(entry) = self.rooms().get_mut(meeting_id) {
                entry.status.state = JanusRoomState::WaitingForJanus;
                entry.status.error = Some(lost);
            }
        }
    }

    /// `exists` on the hub's Janus session.
    async fn room_exists(&self, room: u64) -> Result<bool, JanusError> {
        let mut slot = self.0.client.lock().await;
        let client = self.session(&mut slot).await?;
        client.room_exists(room).await
    }

    /// A meeting ended: stop trying to create its room, and destroy it.
    pub fn meeting_ended(&self, meeting_id: &str) {
        let Some(entry) = self.rooms().remove(meeting_id) else {
            return;
        };
        entry.stop.cancel();
        let this = self.clone();
        let meeting_id = meeting_id.to_owned();
        tokio::spawn(async move { this.destroy(&meeting_id, entry.status.room).await });
    }

    /// `create` on the hub's Janus session (opened first when there is none or it failed).
    async fn create_room(&self, spec: &RoomSpec) -> Result<(), JanusError> {
        let mut slot = self.0.client.lock().await;
        let client = self.session(&mut slot).await?;
        client.create_room(spec).await
    }

    /// `destroy` on the hub's Janus session.
    async fn destroy_room(&self, room: u64, secret: &Secret) -> Result<(), JanusError> {
        let mut slot = self.0.client.lock().await;
        let client = self.session(&mut slot).await?;
        client.destroy_room(room, secret).await
    }

    /// The hub's Janus session in `slot`, opened again when it failed.
    async fn session<'a>(
        &self,
        slot: &'a mut Option<JanusClient>,
    ) -> Result<&'a JanusClient, JanusError> {
        if slot.as_ref().is_some_and(|c| !c.is_alive())
            && let Some(old) = slot.take()
        {
            old.close().await;
        }
        if slot.is_none() {
            let client = JanusClient::connect(&self.0.config, self.0.tls.clone()).await?;
            tracing::info!(url = %self.0.config.url, session = client.session_id(), "connected to Janus");
            *slot = Some(client);
        }
        slot.as_ref().ok_or(JanusError::Disconnected)
    }

    async fn create_until_ready(&self, meeting_id: &str, stop: CancellationToken) {
        let Some((room, publishers)) = self
            .rooms()
            .get(meeting_id)
            .map(|e| (e.status.room, e.publishers))
        else {
            return;
        };
        let spec = RoomSpec {
            room,
            description: format!("phonghop meeting {meeting_id}"),
            secret: room_secret(&self.0.config.admin_secret, meeting_id),
            publishers,
        };
        let mut backoff = Backoff::new(RETRY_FIRST, RETRY_MAX);
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_os_rng();
        loop {
            let result = tokio::select! {
                _ = stop.cancelled() => return,
                r = self.create_room(&spec) => r,
            };
            let result = match result {
                // Made by this hub before it restarted: the same id and secret.
                Err(JanusError::VideoRoom {
                    kind: VideoRoomErrorKind::RoomExists,
                    ..
                }) => Ok(()),
                other => other,
            };
            let attempts = {
                let mut rooms = self.rooms();
                let Some(entry) = rooms.get_mut(meeting_id) else {
                    return;
                };
                entry.status.attempts += 1;
                match &result {
                    Ok(()) => {
                        entry.status.state = JanusRoomState::Ready;
                        entry.status.error = None;
                    }
                    Err(e) => {
                        entry.status.state = if e.is_transient() {
                            JanusRoomState::WaitingForJanus
                        } else {
                            JanusRoomState::Refused
                        };
                        entry.status.error = Some(e.to_string());
                    }
                }
                entry.status.attempts
            };
            match result {
                Ok(()) => {
                    tracing::info!(
                        meeting_id,
                        room,
                        publishers,
                        attempts,
                        "the meeting's Janus VideoRoom is ready"
                    );
                    return;
                }
                Err(e) => {
                    let delay = backoff.next_delay(&mut rng);
                    if attempts == 1 {
                        tracing::error!(meeting_id, room, error = %e, "cannot create the meeting's Janus VideoRoom; trying again until Janus answers");
                    } else {
                        tracing::warn!(meeting_id, room, attempts, retry_in_ms = delay.as_millis() as u64, error = %e, "the meeting's Janus VideoRoom is still not created");
                    }
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
            }
        }
    }

    async fn destroy(&self, meeting_id: &str, room: u64) {
        let secret = room_secret(&self.0.config.admin_secret, meeting_id);
        let mut backoff = Backoff::new(RETRY_FIRST, RETRY_MAX);
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_os_rng();
        for attempt in 1..=DESTROY_ATTEMPTS {
            match self.destroy_room(room, &secret).await {
                Ok(()) => {
                    tracing::info!(
                        meeting_id,
                        room,
                        "the meeting's Janus VideoRoom is destroyed"
                    );
                    return;
                }
                Err(JanusError::VideoRoom {
                    kind: VideoRoomErrorKind::NoSuchRoom,
                    ..
                }) => {
                    tracing::debug!(
                        meeting_id,
                        room,
                        "the meeting's Janus VideoRoom was already gone"
                    );
                    return;
                }
                Err(e) if e.is_transient() && attempt < DESTROY_ATTEMPTS => {
                    tokio::time::sleep(backoff.next_delay(&mut rng)).await;
                }
                Err(e) => {
                    tracing::warn!(meeting_id, room, error = %e, "cannot destroy the meeting's Janus VideoRoom (Janus drops it when it restarts)");
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_ids_and_secrets_follow_from_the_meeting_id() {
        let a = janus_room_id("m-1");
        assert_eq!(a, janus_room_id("m-1"), "the same id after a restart");
        assert_ne!(a, janus_room_id("m-2"));
        assert!(a > 0 && a < (1 << 53), "{a}");
        let key = Secret::new("0123456789abcdef0123");
        let s = room_secret(&key, "m-1");
        assert_eq!(s, room_secret(&key, "m-1"));
        assert_ne!(s, room_secret(&key, "m-2"));
        assert_ne!(
            s,
            room_secret(&Secret::new("another key of enough length"), "m-1")
        );
        assert_eq!(s.expose().len(), 32);
    }
}
