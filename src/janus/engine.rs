//! The Janus [`MediaEngine`]: with `[media] engine = "janus"` each participant's media goes
//! through its meeting's VideoRoom (<https://janus.conf.meetecho.com/docs/videoroom.html>)
//! instead of the built-in forwarder. The hub stays the only one that speaks Janus's API;
//! rooms keep signalling to the hub and only exchange media with Janus.
//!
//! - **Publishing**: a participant's offer becomes `joinandconfigure` (as a publisher, with
//!   a feed id derived from the meeting and participant) on a handle of its own; Janus's
//!   answer goes back as the hub's answer, trickled candidates become `trickle`. Janus's
//!   `webrtcup` and `hangup` are the engine's `Connected` and `Failed`.
//! - **Receiving**: one multistream subscriber handle per participant (`join` as a
//!   subscriber with the feeds of its slots). Janus offers; the offer goes to the
//!   participant as `subscribe_offer` with each section's stream id rewritten to the slot it
//!   carries (`slot-0`, `slot-1`), the participant's receive-only connection answers, and the
//!   answer goes back with `start`. A new source in a slot that already shows someone is a
//!   `switch` (no renegotiation); a slot that fills or empties makes a new subscriber.
//! - **Voices**: a participant whose voice the chair does not forward is muted at Janus
//!   (`moderate` on its audio stream), so its audio is dropped there as the forwarder drops
//!   it. **Caps** are the publisher's `configure` `bitrate` (Janus's REMB).
//! - **Simulcast**: rooms publish every layer up to their ceiling as a stream of its own (rids
//!   `720p`, `360p`, `180p`, best first). Each subscriber's receive reports go through
//!   `meeting::simulcast`'s chooser, and a change becomes `configure` on its subscriber handle:
//!   each video stream's `substream` (within what its publisher sends), or `send: false` for
//!   audio only.
//!
//! The session to Janus is opened on first use and again after it failed (Janus restarted):
//! every handle of the old one reports `Failed`, and participants join again by themselves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc::UnboundedSender;

use super::{JanusClient, JanusError, VideoRoomErrorKind};
use crate::config::JanusConfig;
use crate::meeting::engine::{EngineError, EngineEvent, MediaEngine, StreamStats};
use crate::meeting::simulcast::{Reception, SubstreamChooser};
use crate::wire::IceCandidate;

/// How long a first offer waits for the meeting's VideoRoom to exist (it is created when the
/// meeting starts, at the same time the rooms are invited).
const ROOM_WAIT: Duration = Duration::from_secs(10);
/// Pause between attempts while the room is not there yet.
const ROOM_POLL: Duration = Duration::from_millis(250);

/// VideoRoom error: a participant with this id is already in the room (the previous
/// connection of the same participant has not left yet).
const ERROR_ID_EXISTS: u16 = 436;

/// The feed id (Janus participant id) of a participant in a meeting: the first 53 bits of
/// SHA-256, so the hub knows every feed without asking, and the same after a restart.
pub fn feed_id(meeting_id: &str, participant_id: &str) -> u64 {
    let digest = Sha256::digest(format!("phonghop feed {meeting_id} {participant_id}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) & ((1 << 53) - 1)).max(1)
}

/// The `mid`s of the first sending video and audio sections of an offer: the streams a
/// publisher gives the room.
fn sending_mids(sdp: &str) -> (Option<String>, Option<String>) {
    let mut video = None;
    let mut audio = None;
    for section in sdp.split("\nm=").skip(1) {
        let kind = section.split_whitespace().next().unwrap_or_default();
        let mut mid = None;
        let mut sends = true;
        for line in section.lines().map(str::trim) {
            if let Some(m) = line.strip_prefix("a=mid:") {
                mid = Some(m.to_owned());
            }
            if line == "a=recvonly" || line == "a=inactive" {
                sends = false;
            }
        }
        // A rejected section (port 0) sends nothing either.
        if section.split_whitespace().nth(1) == Some("0") {
            sends = false;
        }
        match kind {
            "video" if sends && video.is_none() => video = mid,
            "audio" if sends && audio.is_none() => audio = mid,
            _ => {}
        }
    }
    (video, audio)
}

/// How many simulcast layers the first sending video section of an offer publishes (its
/// `a=rid:<id> send` lines; 1 without simulcast).
fn video_layers(sdp: &str) -> u8 {
    for section in sdp.split("\nm=").skip(1) {
        if !section.starts_with("video") {
            continue;
        }
        let lines: Vec<&str> = section.lines().map(str::trim).collect();
        if lines
            .iter()
            .any(|l| *l == "a=recvonly" || *l == "a=inactive")
        {
            continue;
        }
        let rids = lines
            .iter()
            .filter(|l| l.starts_with("a=rid:") && l.split_whitespace().nth(1) == Some("send"))
            .count();
        return u8::try_from(rids).unwrap_or(u8::MAX).max(1);
    }
    1
}

/// Janus's subscriber offer with each section's stream id set to the slot it carries
/// (`slot-N`), as the built-in forwarder names its tracks, so the participant's receive
/// path needs no other map. Sections not in `slots` are left as they are.
fn name_slots(sdp: &str, slots: &HashMap<String, (usize, &'static str)>) -> String {
    let mut out = String::with_capacity(sdp.len() + 256);
    let mut sections: Vec<Vec<&str>> = vec![Vec::new()];
    for line in sdp.split("\r\n").filter(|l| !l.is_empty()) {
        if line.starts_with("m=") {
            sections.push(Vec::new());
        }
        if let Some(section) = sections.last_mut() {
            section.push(line);
        }
    }
    for section in sections {
        let slot = section
            .iter()
            .find_map(|l| l.strip_prefix("a=mid:"))
            .and_then(|mid| slots.get(mid.trim()));
        for line in section {
            // Janus's own stream names go; the slot's name follows the section's mid.
            let janus_name = line.starts_with("a=msid:")
                || (line.starts_with("a=ssrc:")
                    && [" msid:", " mslabel:", " label:"]
                        .iter()
                        .any(|k| line.contains(k)));
            if slot.is_some() && janus_name {
                continue;
            }
            out.push_str(line);
            out.push_str("\r\n");
            if let Some((n, kind)) = slot
                && line.starts_with("a=mid:")
            {
                out.push_str(&format!("a=msid:slot-{n} phonghop-{kind}-{n}\r\n"));
            }
        }
    }
    out
}

/// A participant's feed in the VideoRoom.
#[derive(Debug, Clone)]
struct Publisher {
    client: Arc<JanusClient>,
    handle: u64,
    feed: u64,
    video_mid: Option<String>,
    audio_mid: Option<String>,
    /// How many simulcast layers its video has (1: one stream).
    video_layers: u8,
    /// The DTLS fingerprint of the offer: the same one again is an ICE restart.
    fingerprint: String,
    /// What was last applied with `moderate` (None: nothing yet).
    audio_muted: Option<bool>,
    /// Janus said `webrtcup`: its media flows, so others can subscribe to it.
    up: bool,
}

/// A participant's multistream subscription.
#[derive(Debug, Clone)]
struct Subscriber {
    client: Arc<JanusClient>,
    handle: u64,
    /// The source shown in each slot, with its feed.
    slots: Vec<Option<(String, u64)>>,
    /// `(sub_mid, slot, kind)` of every subscribed stream.
    streams: Vec<(String, usize, &'static str)>,
    /// The simulcast layers of the publisher in each slot (1: one stream).
    layers: Vec<u8>,
    /// Which offer to this participant it is (answers are matched by count).
    offer_seq: u64,
}

#[derive(Default)]
struct Participant {
    events: Option<UnboundedSender<EngineEvent>>,
    publisher: Option<Publisher>,
    subscriber: Option<Subscriber>,
    /// What the hub wants it to receive, by slot.
    wanted: Vec<Option<String>>,
    /// Whether its voice is forwarded (the chair's rule); not heard until told.
    audio_forwarded: bool,
    bitrate_cap: Option<u64>,
    /// The DTLS fingerprint of its connection whose publisher Janus lost (restarted, hung
    /// up): an ICE restart of that connection cannot get media again, a new one must.
    lost_fingerprint: Option<String>,
    /// Which simulcast layer it receives, from its receive reports (none before the first).
    reception: Option<SubstreamChooser>,
    /// Subscriber offers sent and answers received since its connection started.
    offers_sent: u64,
    answers_seen: u64,
    /// Serialises the work on its subscription.
    work: Arc<tokio::sync::Mutex<()>>,
    /// A resync of its subscription waits to run: more requests until it starts are folded
    /// into it, since it reads the meeting as it is then.
    resync_queued: Arc<std::sync::atomic::AtomicBool>,
}

type Key = (String, String);

struct Shared {
    config: JanusConfig,
    tls: Arc<rustls::ClientConfig>,
    client: tokio::sync::Mutex<Option<Arc<JanusClient>>>,
    participants: Mutex<HashMap<Key, Participant>>,
}

/// Meetings' media through Janus's VideoRoom.
#[derive(Clone)]
pub struct JanusEngine(Arc<Shared>);

impl std::fmt::Debug for JanusEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JanusEngine")
            .field("url", &self.0.config.url.as_str())
            .finish_non_exhaustive()
    }
}

fn engine_error(e: JanusError) -> EngineError {
    match e {
        JanusError::VideoRoom { .. } => EngineError::BadSdp(e.to_string()),
        other => EngineError::Engine(other.to_string()),
    }
}

fn key(meeting_id: &str, participant_id: &str) -> Key {
    (meeting_id.to_owned(), participant_id.to_owned())
}

impl JanusEngine {
    pub fn new(config: JanusConfig, tls: Arc<rustls::ClientConfig>) -> Self {
        JanusEngine(Arc::new(Shared {
            config,
            tls,
            client: tokio::sync::Mutex::new(None),
            participants: Mutex::new(HashMap::new()),
        }))
    }

    fn participants(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Participant>> {
        self.0
            .participants
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// The engine's Janus session, opened again when it failed.
    async fn client(&self) -> Result<Arc<JanusClient>, JanusError> {
        let mut slot = self.0.client.lock().await;
        if let Some(client) = slot.as_ref()
            && client.is_alive()
        {
            return Ok(client.clone());
        }
        let client = Arc::new(JanusClient::connect(&self.0.config, self.0.tls.clone()).await?);
        tracing::info!(url = %self.0.config.url, session = client.session_id(), "the media engine is connected to Janus");
        *slot = Some(client.clone());
        Ok(client)
    }

    fn room(meeting_id: &str) -> u64 {
        crate::hub::meetings::janus_room_id(meeting_id)
    }

    /// Publishes a new connection's offer: `joinandconfigure` on a new handle, retried
    /// while the meeting's room is still being created or the old feed is still leaving.
    async fn publish(
        &self,
        meeting_id: &str,
        participant_id: &str,
        offer_sdp: &str,
    ) -> Result<
        (
            Publisher,
            String,
            tokio::sync::mpsc::UnboundedReceiver<Value>,
        ),
        EngineError,
    > {
        let client = self.client().await.map_err(engine_error)?;
        let (handle, events) = client.attach().await.map_err(engine_error)?;
        let feed = feed_id(meeting_id, participant_id);
        let body = json!({
            "request": "joinandconfigure",
            "ptype": "publisher",
            "room": Self::room(meeting_id),
            "id": feed,
            "display": participant_id,
        });
        let jsep = json!({ "type": "offer", "sdp": offer_sdp });
        let deadline = tokio::time::Instant::now() + ROOM_WAIT;
        let answer = loop {
            match client
                .handle_request(handle, body.clone(), Some(jsep.clone()))
                .await
            {
                Ok(answer) => break answer,
                Err(JanusError::VideoRoom { kind, code, .. })
                    if (kind == VideoRoomErrorKind::NoSuchRoom || code == ERROR_ID_EXISTS)
                        && tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(ROOM_POLL).await;
                }
                Err(e) => {
                    client.detach(handle).await;
                    return Err(engine_error(e));
                }
            }
        };
        let Some(sdp) = answer.sdp("answer").map(str::to_owned) else {
            client.detach(handle).await;
            return Err(EngineError::Engine(format!(
                "Janus joined without an answer: {}",
                answer.data
            )));
        };
        tracing::debug!(answer = %sdp, "Janus's answer to a publisher");
        let (video_mid, audio_mid) = sending_mids(offer_sdp);
        let fingerprint = crate::meeting::signalling::offer_fingerprint(offer_sdp)
            .unwrap_or_default()
            .to_owned();
        Ok((
            Publisher {
                client,
                handle,
                feed,
                video_mid,
                audio_mid,
                video_layers: video_layers(offer_sdp),
                fingerprint,
                audio_muted: None,
                up: false,
            },
            sdp,
            events,
        ))
    }

    /// Passes on Janus's events about a publisher handle while it is the participant's.
    fn watch_publisher(
        &self,
        meeting_id: &str,
        participant_id: &str,
        handle: u64,
        mut events: tokio::sync::mpsc::UnboundedReceiver<Value>,
    ) {
        let this = self.clone();
        let key = key(meeting_id, participant_id);
        tokio::spawn(async move {
            let current = |this: &JanusEngine| -> Option<UnboundedSender<EngineEvent>> {
                let participants = this.participants();
                let p = participants.get(&key)?;
                (p.publisher.as_ref()?.handle == handle)
                    .then(|| p.events.clone())
                    .flatten()
            };
            while let Some(event) = events.recv().await {
                let kind = event.get("janus").and_then(Value::as_str).unwrap_or("");
                let engine_event = match kind {
                    "webrtcup" => EngineEvent::Connected,
                    "hangup" | "detached" => EngineEvent::Failed,
                    _ => continue,
                };
                tracing::debug!(meeting_id = %key.0, participant = %key.1, kind, "Janus event about a publisher");
                let failed = engine_event == EngineEvent::Failed;
                if let Some(tx) = current(&this) {
                    if engine_event == EngineEvent::Connected {
                        if let Some(publisher) = this
                            .participants()
                            .get_mut(&key)
                            .and_then(|p| p.publisher.as_mut())
                        {
                            publisher.up = true;
                        }
                        // Others may subscribe to its feed now.
                        this.resync_meeting(&key.0);
                    }
                    let _ = tx.send(engine_event);
                }
                if failed {
                    break;
                }
            }
            // The session to Janus is gone (or the handle hung up): the participant offers
            // again, and its subscription is made again on the new session.
            if let Some(tx) = current(&this) {
                tracing::warn!(meeting_id = %key.0, participant = %key.1, "the participant's Janus publisher is gone");
                let _ = tx.send(EngineEvent::Failed);
                let mut participants = this.participants();
                if let Some(p) = participants.get_mut(&key) {
                    p.lost_fingerprint = p.publisher.take().map(|gone| gone.fingerprint);
                }
            }
        });
    }

    /// Brings every subscription of a meeting in line (a feed came or went).
    fn resync_meeting(&self, meeting_id: &str) {
        let subscribers: Vec<String> = self
            .participants()
            .keys()
            .filter(|(m, _)| m == meeting_id)
            .map(|(_, p)| p.clone())
            .collect();
        for subscriber in subscribers {
            self.resync(meeting_id, &subscriber);
        }
    }

    ///
    /// At most one resync per participant waits at a time: each publisher that comes up
    /// resyncs the whole meeting, so N joins asked for N x N of them, which piled up behind
    /// each participant's lock (at 120 light participants 14,000 waiting tasks, 135 MB of the
    /// hub's memory; README, meeting capacity). A request while one waits is folded into it.
    fn resync(&self, meeting_id: &str, subscriber: &str) {
        use std::sync::atomic::Ordering;
        let key = key(meeting_id, subscriber);
        let (work, queued) = match self.participants().get(&key) {
            Some(p) => (p.work.clone(), p.resync_queued.clone()),
            None => return,
        };
        if queued.swap(true, Ordering::SeqCst) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let _turn = work.lock().await;
            // From here a change needs a resync of its own: this one may have read too early.
            queued.store(false, Ordering::SeqCst);
            // The participant left (or left and joined again, with resyncs of its own).
            let same = this
                .participants()
                .get(&key)
                .is_some_and(|p| Arc::ptr_eq(&p.resync_queued, &queued));
            if !same {
                return;
            }
            if let Err(e) = this.sync_subscriber(&key).await {
                tracing::warn!(meeting_id = %key.0, participant = %key.1, error = %e, "cannot update what the participant receives from Janus");
            }
        });
    }

    /// What `key` should receive now: each slot's wanted source, if it publishes.
    fn target(&self, key: &Key) -> Option<Vec<Option<(String, u64, Publisher)>>> {
        let participants = self.participants();
        let me = participants.get(key)?;
        // Its own connection must be up at Janus first (the subscriber's offer goes to it).
        me.publisher.as_ref()?;
        Some(
            me.wanted
                .iter()
                .map(|source| {
                    let source = source.as_ref()?;
                    let publisher = participants
                        .get(&(key.0.clone(), source.clone()))?
                        .publisher
                        .clone()
                        .filter(|p| p.up)?;
                    Some((source.clone(), publisher.feed, publisher))
                })
                .collect(),
        )
    }

    async fn sync_subscriber(&self, key: &Key) -> Result<(), JanusError> {
        let Some(target) = self.target(key) else {
            return Ok(());
        };
        let current = self
            .participants()
            .get(key)
            .and_then(|p| p.subscriber.clone());
        let wanted: Vec<Option<(String, u64)>> = target
            .iter()
            .map(|t| t.as_ref().map(|(s, f, _)| (s.clone(), *f)))
            .collect();
        if let Some(sub) = &current {
            if sub.slots == wanted && sub.client.is_alive() {
                return Ok(());
            }
            let same_layout = sub.slots.len() == wanted.len()
                && sub
                    .slots
                    .iter()
                    .zip(&wanted)
                    .all(|(a, b)| a.is_some() == b.is_some());
            if same_layout && sub.client.is_alive() {
                let mut switches = Vec::new();
                for (slot, entry) in target.iter().enumerate() {
                    let Some((_, feed, publisher)) = entry else {
                        continue;
                    };
                    if sub.slots[slot].as_ref().map(|(_, f)| f) == Some(feed) {
                        continue;
                    }
                    for (sub_mid, s, kind) in &sub.streams {
                        if *s != slot {
                            continue;
                        }
                        let mid = if *kind == "video" {
                            &publisher.video_mid
                        } else {
                            &publisher.audio_mid
                        };
                        if let Some(mid) = mid {
                            switches.push(json!({ "feed": feed, "mid": mid, "sub_mid": sub_mid }));
                        }
                    }
                }
                let switched = sub
                    .client
                    .handle_request(
                        sub.handle,
                        json!({ "request": "switch", "streams": switches }),
                        None,
                    )
                    .await;
                match switched {
                    Ok(_) => {
                        tracing::info!(meeting_id = %key.0, participant = %key.1, "switched what the participant receives at Janus");
                        let layers = target
                            .iter()
                            .map(|t| t.as_ref().map_or(1, |(_, _, p)| p.video_layers))
                            .collect();
                        if let Some(p) = self.participants().get_mut(key)
                            && let Some(s) = p.subscriber.as_mut()
                            && s.handle == sub.handle
                        {
                            s.slots = wanted;
                            s.layers = layers;
                        }
                        // A new source starts on the substream Janus picks: the choice goes
                        // to it again.
                        self.apply_reception(key, true);
                        return Ok(());
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "Janus refused a switch; subscribing again");
                    }
                }
            }
            if let Some(p) = self.participants().get_mut(key) {
                p.subscriber = None;
            }
            sub.client.detach(sub.handle).await;
        }
        if wanted.iter().all(Option::is_none) {
            return Ok(());
        }
        let client = self.client().await?;
        let (handle, _events) = client.attach().await?;
        let mut streams = Vec::new();
        for (_, feed, publisher) in target.iter().flatten() {
            for mid in [&publisher.video_mid, &publisher.audio_mid]
                .into_iter()
                .flatten()
            {
                streams.push(json!({ "feed": feed, "mid": mid }));
            }
        }
        let joined = client
            .handle_request(
                handle,
                json!({
                    "request": "join",
                    "ptype": "subscriber",
                    "room": Self::room(&key.0),
                    "streams": streams,
                }),
                None,
            )
            .await;
        let joined = match joined {
            Ok(j) => j,
            Err(e) => {
                client.detach(handle).await;
                return Err(e);
            }
        };
        let Some(offer) = joined.sdp("offer") else {
            client.detach(handle).await;
            return Err(JanusError::Protocol(format!(
                "a subscriber without an offer: {}",
                joined.data
            )));
        };
        // Which section carries which slot: Janus lists each stream with its feed and the
        // feed's mid.
        let mut by_mid = HashMap::new();
        let mut sub_streams = Vec::new();
        for stream in joined
            .data
            .get("streams")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(mid), Some(feed), Some(feed_mid)) = (
                stream.get("mid").and_then(Value::as_str),
                stream.get("feed_id").and_then(Value::as_u64),
                stream.get("feed_mid").and_then(Value::as_str),
            ) else {
                continue;
            };
            for (slot, entry) in target.iter().enumerate() {
                let Some((_, f, publisher)) = entry else {
                    continue;
                };
                if *f != feed {
                    continue;
                }
                let kind = if publisher.video_mid.as_deref() == Some(feed_mid) {
                    "video"
                } else if publisher.audio_mid.as_deref() == Some(feed_mid) {
                    "audio"
                } else {
                    continue;
                };
                by_mid.insert(mid.to_owned(), (slot, kind));
                sub_streams.push((mid.to_owned(), slot, kind));
                break;
            }
        }
        let offer = name_slots(offer, &by_mid);
        tracing::debug!(meeting_id = %key.0, participant = %key.1, offer = %offer, "Janus's offer to a subscriber");
        let layers = target
            .iter()
            .map(|t| t.as_ref().map_or(1, |(_, _, p)| p.video_layers))
            .collect();
        let sent = {
            let mut participants = self.participants();
            match participants.get_mut(key) {
                Some(p) if p.publisher.is_some() => {
                    p.offers_sent += 1;
                    p.subscriber = Some(Subscriber {
                        client: client.clone(),
                        handle,
                        slots: wanted,
                        streams: sub_streams,
                        layers,
                        offer_seq: p.offers_sent,
                    });
                    p.events
                        .as_ref()
                        .is_some_and(|tx| tx.send(EngineEvent::SubscribeOffer(offer)).is_ok())
                }
                _ => false,
            }
        };
        if !sent {
            client.detach(handle).await;
        } else {
            tracing::info!(meeting_id = %key.0, participant = %key.1, handle, "subscribed the participant at Janus");
        }
        Ok(())
    }

    /// Applies the chair's voice rule and the cap to a participant's feed.
    fn apply_publisher_settings(&self, meeting_id: &str, participant_id: &str) {
        let key = key(meeting_id, participant_id);
        let (publisher, muted) = {
            let mut participants = self.participants();
            let Some(p) = participants.get_mut(&key) else {
                return;
            };
            let muted = !p.audio_forwarded;
            let Some(publisher) = p.publisher.as_mut() else {
                return;
            };
            if publisher.audio_muted == Some(muted) {
                return;
            }
            publisher.audio_muted = Some(muted);
            (publisher.clone(), muted)
        };
        let Some(audio_mid) = publisher.audio_mid.clone() else {
            return;
        };
        let secret = crate::hub::meetings::room_secret(&self.0.config.admin_secret, meeting_id);
        let room = Self::room(meeting_id);
        tokio::spawn(async move {
            let moderated = publisher
                .client
                .handle_request(
                    publisher.handle,
                    json!({
                        "request": "moderate",
                        "room": room,
                        "secret": secret.expose(),
                        "id": publisher.feed,
                        "mid": audio_mid,
                        "mute": muted,
                    }),
                    None,
                )
                .await;
            if let Err(e) = moderated {
                tracing::warn!(error = %e, muted, "Janus refused to change whether a voice is forwarded");
            }
        });
    }

    /// Asks Janus for the subscriber's chosen reception on each of its video streams
    /// (`configure` on its subscriber handle), if it has chosen one. A `fresh` subscription
    /// (or a fresh source in it) already gets what Janus starts with, the best substream, so
    /// that choice is not sent again.
    fn apply_reception(&self, key: &Key, fresh: bool) {
        let (sub, reception) = {
            let participants = self.participants();
            let Some(p) = participants.get(key) else {
                return;
            };
            let (Some(sub), Some(chooser)) = (p.subscriber.clone(), p.reception.as_ref()) else {
                return;
            };
            let best = sub.layers.iter().copied().max().unwrap_or(1).max(1) - 1;
            if fresh && chooser.reception() == Reception::Substream(best) {
                return;
            }
            (sub, chooser.reception())
        };
        let streams: Vec<Value> = sub
            .streams
            .iter()
            .filter(|(_, _, kind)| *kind == "video")
            .map(|(mid, slot, _)| match reception {
                Reception::AudioOnly => json!({ "mid": mid, "send": false }),
                Reception::Substream(s) => {
                    let layers = sub.layers.get(*slot).copied().unwrap_or(1).max(1);
                    json!({ "mid": mid, "send": true, "substream": s.min(layers - 1) })
                }
            })
            .collect();
        if streams.is_empty() {
            return;
        }
        let (meeting_id, participant) = key.clone();
        tokio::spawn(async move {
            let configured = sub
                .client
                .handle_request(
                    sub.handle,
                    json!({ "request": "configure", "streams": streams }),
                    None,
                )
                .await;
            match configured {
                Ok(_) => {
                    tracing::info!(%meeting_id, %participant, ?reception, "the participant's simulcast layer changed at Janus");
                }
                Err(e) => {
                    tracing::warn!(%meeting_id, %participant, error = %e, "Janus refused a simulcast layer");
                }
            }
        });
    }

    fn apply_cap(&self, meeting_id: &str, participant_id: &str) {
        let (publisher, cap) = {
            let participants = self.participants();
            let Some(p) = participants.get(&key(meeting_id, participant_id)) else {
                return;
            };
            let Some(publisher) = p.publisher.clone() else {
                return;
            };
            (publisher, p.bitrate_cap)
        };
        tokio::spawn(async move {
            let configured = publisher
                .client
                .handle_request(
                    publisher.handle,
                    json!({ "request": "configure", "bitrate": cap.unwrap_or(0) }),
                    None,
                )
                .await;
            if let Err(e) = configured {
                tracing::warn!(error = %e, "Janus refused a bitrate cap");
            }
        });
    }
}

#[async_trait::async_trait]
impl MediaEngine for JanusEngine {
    async fn negotiate(
        &self,
        meeting_id: &str,
        participant_id: &str,
        offer_sdp: String,
        events: UnboundedSender<EngineEvent>,
    ) -> Result<String, EngineError> {
        let k = key(meeting_id, participant_id);
        let fingerprint = crate::meeting::signalling::offer_fingerprint(&offer_sdp)
            .unwrap_or_default()
            .to_owned();
        // The live publisher when this is an ICE restart of its connection; otherwise the
        // old feed and subscription (a new connection replaces them).
        let (restart, old_publisher, old_subscriber) = {
            let mut participants = self.participants();
            let p = participants.entry(k.clone()).or_default();
            p.events = Some(events);
            let lost = p.lost_fingerprint.clone();
            match &p.publisher {
                Some(publisher)
                    if publisher.fingerprint == fingerprint && publisher.client.is_alive() =>
                {
                    (Some(publisher.clone()), None, None)
                }
                // An ICE restart of a connection Janus no longer has (its session died with a
                // restarted Janus, or it hung up): Janus would answer, but the participant's
                // DTLS session was with the old one, so no media would ever flow. The
                // participant is told to make a new connection.
                Some(publisher) if publisher.fingerprint == fingerprint => {
                    return Err(EngineError::SessionGone);
                }
                None if !fingerprint.is_empty() && lost.as_deref() == Some(&fingerprint) => {
                    return Err(EngineError::SessionGone);
                }
                _ => {
                    p.lost_fingerprint = None;
                    p.offers_sent = 0;
                    p.answers_seen = 0;
                    (None, p.publisher.take(), p.subscriber.take())
                }
            }
        };
        if let Some(publisher) = restart {
            let answer = publisher
                .client
                .handle_request(
                    publisher.handle,
                    json!({ "request": "configure" }),
                    Some(json!({ "type": "offer", "sdp": offer_sdp })),
                )
                .await
                .map_err(engine_error)?;
            return answer
                .sdp("answer")
                .map(str::to_owned)
                .ok_or_else(|| EngineError::Engine("Janus renegotiated without an answer".into()));
        }
        if let Some(sub) = old_subscriber {
            sub.client.detach(sub.handle).await;
        }
        if let Some(publisher) = old_publisher {
            publisher.client.detach(publisher.handle).await;
        }
        let (publisher, answer, janus_events) =
            self.publish(meeting_id, participant_id, &offer_sdp).await?;
        let handle = publisher.handle;
        tracing::info!(
            meeting_id,
            participant = participant_id,
            feed = publisher.feed,
            handle,
            "published at Janus"
        );
        {
            let mut participants = self.participants();
            let p = participants.entry(k.clone()).or_default();
            p.publisher = Some(publisher);
        }
        self.watch_publisher(meeting_id, participant_id, handle, janus_events);
        self.apply_publisher_settings(meeting_id, participant_id);
        if self
            .participants()
            .get(&k)
            .is_some_and(|p| p.bitrate_cap.is_some())
        {
            self.apply_cap(meeting_id, participant_id);
        }
        self.resync_meeting(meeting_id);
        Ok(answer)
    }

    async fn add_candidate(
        &self,
        meeting_id: &str,
        participant_id: &str,
        candidate: IceCandidate,
    ) -> Result<(), EngineError> {
        let publisher = self
            .participants()
            .get(&key(meeting_id, participant_id))
            .and_then(|p| p.publisher.clone())
            .ok_or(EngineError::NoSession)?;
        publisher
            .client
            .trickle(publisher.handle, Some(&candidate))
            .await
            .map_err(engine_error)
    }

    async fn close(&self, meeting_id: &str, participant_id: &str) {
        let removed = self.participants().remove(&key(meeting_id, participant_id));
        if let Some(p) = removed {
            if let Some(sub) = p.subscriber {
                sub.client.detach(sub.handle).await;
            }
            if let Some(publisher) = p.publisher {
                publisher.client.detach(publisher.handle).await;
            }
            self.resync_meeting(meeting_id);
        }
    }

    fn subscribe(&self, meeting_id: &str, subscriber: &str, slots: &[Option<String>]) {
        let changed = {
            let mut participants = self.participants();
            let p = participants.entry(key(meeting_id, subscriber)).or_default();
            let changed = p.wanted != slots;
            p.wanted = slots.to_vec();
            changed
        };
        if changed {
            self.resync(meeting_id, subscriber);
        }
    }

    fn set_audio_forwarded(&self, meeting_id: &str, participant_id: &str, forwarded: bool) {
        {
            let mut participants = self.participants();
            let p = participants
                .entry(key(meeting_id, participant_id))
                .or_default();
            p.audio_forwarded = forwarded;
        }
        self.apply_publisher_settings(meeting_id, participant_id);
    }

    fn cap_bitrate(&self, meeting_id: &str, participant_id: &str, bps: Option<u64>) {
        {
            let mut participants = self.participants();
            let p = participants
                .entry(key(meeting_id, participant_id))
                .or_default();
            p.bitrate_cap = bps;
        }
        self.apply_cap(meeting_id, participant_id);
    }

    fn stats(&self) -> Vec<StreamStats> {
        Vec::new()
    }

    fn name(&self) -> &'static str {
        "janus"
    }

    fn simulcast(&self) -> bool {
        self.0.config.simulcast
    }

    fn receive_report(
        &self,
        meeting_id: &str,
        participant_id: &str,
        report: &crate::wire::ReceiveReport,
        now_ms: u64,
    ) {
        let k = key(meeting_id, participant_id);
        let changed = {
            let mut participants = self.participants();
            let Some(p) = participants.get_mut(&k) else {
                return;
            };
            let Some(layers) = p
                .subscriber
                .as_ref()
                .map(|s| s.layers.iter().copied().max().unwrap_or(1))
            else {
                return;
            };
            let chooser = p
                .reception
                .get_or_insert_with(|| SubstreamChooser::new(layers));
            chooser.set_layers(layers);
            let changed = chooser.observe(now_ms, report.loss());
            tracing::debug!(
                meeting_id,
                participant = participant_id,
                loss = report.loss(),
                received_bps = report.received_bps,
                reception = ?chooser.reception(),
                "a receive report"
            );
            changed
        };
        if changed.is_some() {
            self.apply_reception(&k, false);
        }
    }

    async fn subscriber_answer(
        &self,
        meeting_id: &str,
        participant_id: &str,
        answer_sdp: String,
    ) -> Result<(), EngineError> {
        let k = key(meeting_id, participant_id);
        tracing::debug!(meeting_id, participant = participant_id, answer = %answer_sdp, "a subscriber's answer");
        let subscriber = {
            let mut participants = self.participants();
            let p = participants.get_mut(&k).ok_or(EngineError::NoSession)?;
            p.answers_seen += 1;
            let seen = p.answers_seen;
            // An answer to an offer since replaced is dropped: the next one answers that.
            p.subscriber
                .clone()
                .filter(|s| s.offer_seq == seen)
                .ok_or(EngineError::NoSession)?
        };
        subscriber
            .client
            .handle_request(
                subscriber.handle,
                json!({ "request": "start" }),
                Some(json!({ "type": "answer", "sdp": answer_sdp })),
            )
            .await
            .map_err(engine_error)?;
        // A new subscription starts on the best substream: the layer chosen so far applies.
        self.apply_reception(&k, true);
        Ok(())
    }

    async fn add_subscriber_candidate(
        &self,
        meeting_id: &str,
        participant_id: &str,
        candidate: IceCandidate,
    ) -> Result<(), EngineError> {
        let subscriber = self
            .participants()
            .get(&key(meeting_id, participant_id))
            .and_then(|p| p.subscriber.clone())
            .ok_or(EngineError::NoSession)?;
        subscriber
            .client
            .trickle(subscriber.handle, Some(&candidate))
            .await
            .map_err(engine_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n\
        m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=sendrecv\r\n\
        m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\na=sendrecv\r\n\
        m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=recvonly\r\n\
        m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:3\r\na=recvonly\r\n";

    #[test]
    fn the_sending_sections_of_an_offer_are_found_by_their_direction() {
        assert_eq!(sending_mids(OFFER), (Some("0".into()), Some("1".into())));
        let browser = OFFER.replace("a=mid:0\r\na=sendrecv", "a=mid:0\r\na=recvonly");
        assert_eq!(sending_mids(&browser), (None, Some("1".into())));
    }

    #[test]
    fn subscriber_sections_are_named_for_their_slots() {
        let offer = "v=0\r\ns=-\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=msid:janus janusv0\r\na=ssrc:5 msid:janus janusv0\r\na=ssrc:5 cname:janus\r\n\
            m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\na=msid:janus janusa1\r\n";
        let slots = HashMap::from([
            ("0".to_owned(), (1, "video")),
            ("1".to_owned(), (1, "audio")),
        ]);
        let named = name_slots(offer, &slots);
        assert!(
            named.contains("a=mid:0\r\na=msid:slot-1 phonghop-video-1\r\n"),
            "{named}"
        );
        assert!(
            named.contains("a=mid:1\r\na=msid:slot-1 phonghop-audio-1\r\n"),
            "{named}"
        );
        assert!(!named.contains("janusv0"), "{named}");
        assert!(named.contains("a=ssrc:5 cname:janus"), "{named}");
    }

    #[test]
    fn simulcast_layers_are_counted_from_the_sending_video_sections_rids() {
        assert_eq!(video_layers(OFFER), 1);
        let simulcast = OFFER.replace(
            "a=mid:0\r\na=sendrecv\r\n",
            "a=mid:0\r\na=sendrecv\r\na=rid:720p send\r\na=rid:360p send\r\na=rid:180p send\r\na=simulcast:send 720p;360p;180p\r\n",
        );
        assert_eq!(video_layers(&simulcast), 3);
    }

    #[test]
    fn feed_ids_follow_from_meeting_and_participant() {
        assert_eq!(feed_id("m", "a"), feed_id("m", "a"));
        assert_ne!(feed_id("m", "a"), feed_id("m", "b"));
        assert_ne!(feed_id("m", "a"), feed_id("n", "a"));
        assert!(feed_id("m", "a") < (1 << 53));
    }
}
