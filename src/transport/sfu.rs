//! The hub's built-in forwarder: one peer connection per participant, RTP forwarded
//! **without transcoding** into each receiver's slots as the subscription API says.
//!
//! Each receiver has `MEDIA_SLOTS` outgoing video and audio tracks. A [`SlotRewriter`] per
//! track keeps its sequence numbers and timestamps continuous when the source changes, and
//! holds video back until the new source's keyframe (which the forwarder asks for at once).
//! Keyframe requests from receivers go upstream to whoever feeds the slot; a bitrate cap
//! goes to a sender as REMB.
//!
//! A slot's audio follows its video only while the source's voice is forwarded (the chair's
//! rule, told through [`MediaEngine::set_audio_forwarded`]); otherwise the audio track has no
//! source and the muted participant's packets are dropped here, whatever its box sends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::sdp::RTCSessionDescription;
use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtcp::payload_feedbacks::receiver_estimated_maximum_bitrate::ReceiverEstimatedMaximumBitrate;
use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::media_stream::track_local::{TrackLocal, TrackLocalEvent};
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionEventHandler, RTCPeerConnectionIceEvent, RTCPeerConnectionState,
};

use super::peer::{self, PeerOptions};
use super::rtp::{SlotRewriter, vp8_keyframe_start};
use crate::meeting::engine::{EngineError, EngineEvent, MediaEngine, StreamStats};
use crate::wire::{IceCandidate, MEDIA_SLOTS};

/// Keyframe requests to one source are sent at most this often (a switch, a new receiver and
/// a decoder error arriving together must not make the encoder send keyframes back to back).
const KEYFRAME_REQUEST_GAP: Duration = Duration::from_millis(300);
/// How often a bitrate cap is repeated (REMB is a soft state: senders expect it refreshed).
const REMB_EVERY: Duration = Duration::from_millis(500);

/// One outgoing slot track and how packets are renumbered into it.
struct SlotOut {
    track: Arc<TrackLocalStaticRTP>,
    ssrc: u32,
    payload_type: AtomicU64,
    rewriter: Mutex<SlotRewriter>,
    /// Source key feeding this slot (0 = none), readable without the lock.
    source: AtomicU64,
}

/// Receiving side of one participant's uplink.
#[derive(Default)]
struct Uplink {
    video: Option<(Arc<dyn TrackRemote>, u32)>,
    last_keyframe_request: Option<Instant>,
    /// A request came too soon after the last one; it is sent when the gap ends.
    keyframe_request_deferred: bool,
}

struct Session {
    meeting_id: String,
    participant_id: String,
    /// Unique per session; slots refer to sources by it.
    key: u64,
    pc: Arc<dyn PeerConnection>,
    fingerprint: String,
    video_slots: Vec<SlotOut>,
    audio_slots: Vec<SlotOut>,
    uplink: Mutex<Uplink>,
    remb_cap_bps: AtomicU64,
    video_in: AtomicU64,
    audio_in: AtomicU64,
    video_bytes_in: AtomicU64,
    video_out: AtomicU64,
    audio_out: AtomicU64,
    keyframe_requests: AtomicU64,
    started: Instant,
    /// Set when the session is closed, so its helper tasks stop.
    closed: std::sync::atomic::AtomicBool,
    /// Set once DTLS is done: before that there are no SRTP keys, so forwarding to this
    /// session could only fail (webrtc-rs warns per packet).
    connected: std::sync::atomic::AtomicBool,
}

impl Session {
    fn slots(&self, kind: RtpCodecKind) -> &[SlotOut] {
        match kind {
            RtpCodecKind::Audio => &self.audio_slots,
            _ => &self.video_slots,
        }
    }

    /// Asks this participant's encoder for a keyframe. Requests closer together than
    /// `KEYFRAME_REQUEST_GAP` are not dropped but folded into one sent when the gap ends:
    /// a quick switch away and back must still get its picture.
    async fn request_keyframe(self: &Arc<Self>) {
        if let Some(track) = self.claim_keyframe_request() {
            self.send_pli(track).await;
        }
    }

    /// The uplink to send a PLI on now, or `None` (no video yet, or deferred to later).
    fn claim_keyframe_request(self: &Arc<Self>) -> Option<(Arc<dyn TrackRemote>, u32)> {
        let mut uplink = self.uplink.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if let Some(last) = uplink.last_keyframe_request
            && now.duration_since(last) < KEYFRAME_REQUEST_GAP
        {
            if !uplink.keyframe_request_deferred {
                uplink.keyframe_request_deferred = true;
                let wait = KEYFRAME_REQUEST_GAP - now.duration_since(last);
                let session = self.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(wait).await;
                    session
                        .uplink
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .keyframe_request_deferred = false;
                    if let Some(track) = session.claim_keyframe_request() {
                        session.send_pli(track).await;
                    }
                });
            }
            return None;
        }
        let track = uplink.video.clone()?;
        uplink.last_keyframe_request = Some(now);
        Some(track)
    }

    async fn send_pli(&self, (track, ssrc): (Arc<dyn TrackRemote>, u32)) {
        self.keyframe_requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(participant = %self.participant_id, "asking for a keyframe");
        let _ = track
            .write_rtcp(vec![Box::new(PictureLossIndication {
                sender_ssrc: 0,
                media_ssrc: ssrc,
            })])
            .await;
    }
}

type SessionKey = (String, String);

#[derive(Default)]
struct Shared {
    sessions: RwLock<HashMap<SessionKey, Arc<Session>>>,
    /// Wanted routing by (meeting, subscriber) → participant ids per slot, kept so that a
    /// session that comes (back) later gets its slots filled at once.
    wanted: Mutex<HashMap<SessionKey, Vec<Option<String>>>>,
    /// Participants whose voice is forwarded; everyone else's audio is dropped. Kept apart
    /// from the sessions, like `wanted`, so a session that comes (back) later is gated at once.
    audible: Mutex<std::collections::HashSet<SessionKey>>,
    next_key: AtomicU64,
}

impl Shared {
    fn session(&self, meeting_id: &str, participant_id: &str) -> Option<Arc<Session>> {
        self.sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(meeting_id.to_owned(), participant_id.to_owned()))
            .cloned()
    }

    fn session_by_key(&self, key: u64) -> Option<Arc<Session>> {
        self.sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .find(|s| s.key == key)
            .cloned()
    }

    fn meeting_sessions(&self, meeting_id: &str) -> Vec<Arc<Session>> {
        self.sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|s| s.meeting_id == meeting_id)
            .cloned()
            .collect()
    }

    /// Points `subscriber`'s slots at the wanted sources; returns sources that need a keyframe.
    fn apply_route(&self, subscriber: &Session) -> Vec<Arc<Session>> {
        let wanted = self
            .wanted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(
                subscriber.meeting_id.clone(),
                subscriber.participant_id.clone(),
            ))
            .cloned()
            .unwrap_or_default();
        let audible = self.audible.lock().unwrap_or_else(|p| p.into_inner());
        let mut need_keyframe = Vec::new();
        for slot in 0..MEDIA_SLOTS {
            let source = wanted
                .get(slot)
                .cloned()
                .flatten()
                .and_then(|id| self.session(&subscriber.meeting_id, &id));
            let key = source.as_ref().map(|s| s.key);
            let heard = source.as_ref().is_some_and(|s| {
                audible.contains(&(s.meeting_id.clone(), s.participant_id.clone()))
            });
            for (slots, video) in [
                (&subscriber.video_slots, true),
                (&subscriber.audio_slots, false),
            ] {
                let Some(out) = slots.get(slot) else { continue };
                // A muted source's audio slot has no source: its packets match no slot.
                let key = if video || heard { key } else { None };
                let switched = out
                    .rewriter
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .switch_to(key);
                out.source.store(key.unwrap_or(0), Ordering::Relaxed);
                if switched
                    && video
                    && let Some(source) = &source
                {
                    need_keyframe.push(source.clone());
                }
            }
        }
        need_keyframe
    }
}

struct Handler {
    shared: Arc<Shared>,
    meeting_id: String,
    participant_id: String,
    key: u64,
    events: tokio::sync::mpsc::UnboundedSender<EngineEvent>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        if let Some(candidate) = peer::wire_candidate(&event) {
            let _ = self.events.send(EngineEvent::LocalCandidate(candidate));
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        match state {
            RTCPeerConnectionState::Connected => {
                if let Some(session) = self.shared.session(&self.meeting_id, &self.participant_id)
                    && session.key == self.key
                {
                    session.connected.store(true, Ordering::Relaxed);
                    // What its slots show was held back until now: start each with a keyframe.
                    for out in &session.video_slots {
                        let source = out.source.load(Ordering::Relaxed);
                        if source != 0
                            && let Some(source) = self.shared.session_by_key(source)
                        {
                            source.request_keyframe().await;
                        }
                    }
                }
                let _ = self.events.send(EngineEvent::Connected);
            }
            RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed => {
                let _ = self.events.send(EngineEvent::Failed);
            }
            _ => {}
        }
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let kind = track.kind().await;
        let ssrc = track.ssrcs().await.first().copied().unwrap_or(0);
        let Some(session) = self.shared.session(&self.meeting_id, &self.participant_id) else {
            return;
        };
        if session.key != self.key {
            return;
        }
        if kind == RtpCodecKind::Video {
            session
                .uplink
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .video = Some((track.clone(), ssrc));
            // Whoever already waits for this participant's picture needs a keyframe now.
            session.request_keyframe().await;
        }
        tokio::spawn(forward(self.shared.clone(), session, track, kind));
    }
}

/// Forwards one uplink track's packets into every slot it feeds.
async fn forward(
    shared: Arc<Shared>,
    source: Arc<Session>,
    track: Arc<dyn TrackRemote>,
    kind: RtpCodecKind,
) {
    let video = kind == RtpCodecKind::Video;
    let mut receivers: Vec<Arc<Session>> = Vec::new();
    let mut refreshed = Instant::now() - Duration::from_secs(1);
    while let Some(event) = track.poll().await {
        let TrackRemoteEvent::OnRtpPacket(packet) = event else {
            continue;
        };
        if video {
            source.video_in.fetch_add(1, Ordering::Relaxed);
            source
                .video_bytes_in
                .fetch_add(packet.payload.len() as u64, Ordering::Relaxed);
        } else {
            source.audio_in.fetch_add(1, Ordering::Relaxed);
        }
        // The receiver list changes rarely; re-read it a few times a second.
        if refreshed.elapsed() > Duration::from_millis(200) {
            receivers = shared.meeting_sessions(&source.meeting_id);
            refreshed = Instant::now();
        }
        let keyframe = video && vp8_keyframe_start(&packet.payload);
        for receiver in &receivers {
            if receiver.key == source.key || !receiver.connected.load(Ordering::Relaxed) {
                continue;
            }
            for out in receiver.slots(kind) {
                if out.source.load(Ordering::Relaxed) != source.key {
                    continue;
                }
                let mapped = out
                    .rewriter
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .rewrite(
                        source.key,
                        packet.header.sequence_number,
                        packet.header.timestamp,
                        keyframe,
                    );
                let Some((seq, ts)) = mapped else { continue };
                let mut copy = packet.clone();
                copy.header.sequence_number = seq;
                copy.header.timestamp = ts;
                copy.header.ssrc = out.ssrc;
                copy.header.payload_type = out.payload_type.load(Ordering::Relaxed) as u8;
                // Header extension ids belong to the sender's session; in the receiver's they
                // may mean something else (a MID there would misroute the packet). The
                // receiver's own extensions (TWCC) are added by its session's interceptors.
                copy.header.extension = false;
                copy.header.extensions.clear();
                copy.header.extension_profile = 0;
                copy.header.extensions_padding = 0;
                if out.track.write_rtp(copy).await.is_ok() {
                    if video {
                        receiver.video_out.fetch_add(1, Ordering::Relaxed);
                    } else {
                        receiver.audio_out.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
    }
}

/// Passes receivers' keyframe requests on a slot upstream to its current source.
fn watch_slot_feedback(
    shared: Arc<Shared>,
    track: Arc<TrackLocalStaticRTP>,
    slot_source: Arc<Session>,
    slot: usize,
) {
    tokio::spawn(async move {
        loop {
            if slot_source.closed.load(Ordering::Relaxed) {
                break;
            }
            // `None` until the track is bound to its sender; then RTCP as it comes.
            let Some(event) = track.poll().await else {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            let TrackLocalEvent::OnRtcpPacket(packets) = event else {
                continue;
            };
            let wants_keyframe = packets.iter().any(|p| {
                let any = p.as_any();
                any.downcast_ref::<PictureLossIndication>().is_some()
                    || any.downcast_ref::<FullIntraRequest>().is_some()
            });
            if !wants_keyframe {
                continue;
            }
            let key = slot_source
                .video_slots
                .get(slot)
                .map(|o| o.source.load(Ordering::Relaxed))
                .unwrap_or(0);
            if key != 0
                && let Some(source) = shared.session_by_key(key)
            {
                source.request_keyframe().await;
            }
        }
    });
}

/// Sends REMB to a capped sender while the cap lasts.
fn enforce_caps(session: Arc<Session>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REMB_EVERY);
        loop {
            tick.tick().await;
            if session.closed.load(Ordering::Relaxed) {
                break;
            }
            let cap = session.remb_cap_bps.load(Ordering::Relaxed);
            let lift = cap == u64::MAX;
            if cap == 0 {
                continue;
            }
            let Some((track, ssrc)) = session
                .uplink
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .video
                .clone()
            else {
                continue;
            };
            // A lifted cap is announced once with a high value so the sender stops limiting.
            let bitrate = if lift {
                peer::MAX_BITRATE_BPS as f32 * 4.0
            } else {
                cap as f32
            };
            let _ = track
                .write_rtcp(vec![Box::new(ReceiverEstimatedMaximumBitrate {
                    sender_ssrc: 0,
                    bitrate,
                    ssrcs: vec![ssrc],
                })])
                .await;
            if lift {
                session.remb_cap_bps.store(0, Ordering::Relaxed);
            }
        }
    });
}

fn slot_track(kind: RtpCodecKind, slot: usize) -> (Arc<TrackLocalStaticRTP>, u32) {
    let ssrc = rand::random::<u32>();
    let label = match kind {
        RtpCodecKind::Audio => "audio",
        _ => "video",
    };
    let track = MediaStreamTrack::new(
        format!("slot-{slot}"),
        format!("slot-{slot}-{label}"),
        format!("slot-{slot}-{label}"),
        kind,
        vec![peer::send_encoding(kind, ssrc)],
    );
    (Arc::new(TrackLocalStaticRTP::new(track)), ssrc)
}

/// The DTLS fingerprint line of an SDP: it changes when the participant built a new peer
/// connection (a restarted room), and stays the same for an ICE restart.
fn fingerprint(sdp: &str) -> String {
    sdp.lines()
        .find(|l| l.starts_with("a=fingerprint:"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The built-in forwarder.
#[derive(Clone)]
pub struct Forwarder {
    shared: Arc<Shared>,
    options: PeerOptions,
}

impl std::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarder").finish_non_exhaustive()
    }
}

impl Forwarder {
    pub fn new(options: PeerOptions) -> Self {
        Forwarder {
            shared: Arc::default(),
            options,
        }
    }

    async fn create_session(
        &self,
        meeting_id: &str,
        participant_id: &str,
        offer: RTCSessionDescription,
        events: tokio::sync::mpsc::UnboundedSender<EngineEvent>,
    ) -> Result<(Arc<Session>, String), EngineError> {
        let key = self.shared.next_key.fetch_add(1, Ordering::Relaxed) + 1;
        let handler = Arc::new(Handler {
            shared: self.shared.clone(),
            meeting_id: meeting_id.to_owned(),
            participant_id: participant_id.to_owned(),
            key,
            events: events.clone(),
        });
        let (pc, _) = peer::build(&self.options, handler)
            .await
            .map_err(|e| EngineError::Engine(e.to_string()))?;
        let mut video_slots = Vec::new();
        let mut audio_slots = Vec::new();
        let mut senders = Vec::new();
        for slot in 0..MEDIA_SLOTS {
            for kind in [RtpCodecKind::Video, RtpCodecKind::Audio] {
                let (track, ssrc) = slot_track(kind, slot);
                let sender = pc
                    .add_track(track.clone() as Arc<dyn TrackLocal>)
                    .await
                    .map_err(|e| EngineError::Engine(e.to_string()))?;
                senders.push((kind, slot, sender));
                let out = SlotOut {
                    track,
                    ssrc,
                    payload_type: AtomicU64::new(u64::from(match kind {
                        RtpCodecKind::Audio => peer::OPUS_PAYLOAD_TYPE,
                        _ => peer::VP8_PAYLOAD_TYPE,
                    })),
                    rewriter: Mutex::new(SlotRewriter::new(kind == RtpCodecKind::Video)),
                    source: AtomicU64::new(0),
                };
                match kind {
                    RtpCodecKind::Audio => audio_slots.push(out),
                    _ => video_slots.push(out),
                }
            }
        }
        let sdp = offer.sdp.clone();
        pc.set_remote_description(offer)
            .await
            .map_err(|e| EngineError::BadSdp(e.to_string()))?;
        let answer = pc
            .create_answer(None)
            .await
            .map_err(|e| EngineError::BadSdp(e.to_string()))?;
        let answer_sdp = answer.sdp.clone();
        pc.set_local_description(answer)
            .await
            .map_err(|e| EngineError::Engine(e.to_string()))?;
        let session = Arc::new(Session {
            meeting_id: meeting_id.to_owned(),
            participant_id: participant_id.to_owned(),
            key,
            pc,
            fingerprint: fingerprint(&sdp),
            video_slots,
            audio_slots,
            uplink: Mutex::new(Uplink::default()),
            remb_cap_bps: AtomicU64::new(0),
            video_in: AtomicU64::new(0),
            audio_in: AtomicU64::new(0),
            video_bytes_in: AtomicU64::new(0),
            video_out: AtomicU64::new(0),
            audio_out: AtomicU64::new(0),
            keyframe_requests: AtomicU64::new(0),
            started: Instant::now(),
            closed: std::sync::atomic::AtomicBool::new(false),
            connected: std::sync::atomic::AtomicBool::new(false),
        });
        // Payload types as this receiver negotiated them (browsers choose their own).
        for (kind, slot, sender) in senders {
            if let Ok(params) = sender.get_parameters().await
                && let Some(codec) = params.rtp_parameters.codecs.first()
                && let Some(out) = session.slots(kind).get(slot)
            {
                out.payload_type
                    .store(u64::from(codec.payload_type), Ordering::Relaxed);
            }
            if kind == RtpCodecKind::Video
                && let Some(out) = session.video_slots.get(slot)
            {
                watch_slot_feedback(
                    self.shared.clone(),
                    out.track.clone(),
                    session.clone(),
                    slot,
                );
            }
        }
        Ok((session, answer_sdp))
    }
}

#[async_trait::async_trait]
impl MediaEngine for Forwarder {
    async fn negotiate(
        &self,
        meeting_id: &str,
        participant_id: &str,
        offer_sdp: String,
        events: tokio::sync::mpsc::UnboundedSender<EngineEvent>,
    ) -> Result<String, EngineError> {
        let offer = RTCSessionDescription::offer(offer_sdp.clone())
            .map_err(|e| EngineError::BadSdp(e.to_string()))?;
        if let Some(existing) = self.shared.session(meeting_id, participant_id) {
            if existing.fingerprint == fingerprint(&offer_sdp) {
                // The same peer connection renegotiating: an ICE restart.
                existing
                    .pc
                    .set_remote_description(offer)
                    .await
                    .map_err(|e| EngineError::BadSdp(e.to_string()))?;
                let answer = existing
                    .pc
                    .create_answer(None)
                    .await
                    .map_err(|e| EngineError::BadSdp(e.to_string()))?;
                let sdp = answer.sdp.clone();
                existing
                    .pc
                    .set_local_description(answer)
                    .await
                    .map_err(|e| EngineError::Engine(e.to_string()))?;
                return Ok(sdp);
            }
            // A new peer connection (the room restarted): the old one is dead weight.
            self.close(meeting_id, participant_id).await;
        }
        let (session, answer) = self
            .create_session(meeting_id, participant_id, offer, events)
            .await?;
        self.shared
            .sessions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                (meeting_id.to_owned(), participant_id.to_owned()),
                session.clone(),
            );
        enforce_caps(session.clone());
        // Fill its slots, and the slots of others that wait for it.
        for subscriber in self.shared.meeting_sessions(meeting_id) {
            for source in self.shared.apply_route(&subscriber) {
                source.request_keyframe().await;
            }
        }
        Ok(answer)
    }

    async fn add_candidate(
        &self,
        meeting_id: &str,
        participant_id: &str,
        candidate: IceCandidate,
    ) -> Result<(), EngineError> {
        let session = self
            .shared
            .session(meeting_id, participant_id)
            .ok_or(EngineError::NoSession)?;
        super::peer::add_remote_candidate(session.pc.as_ref(), candidate)
            .await
            .map_err(|super::TransportError::Engine(why)| EngineError::Engine(why))
    }

    async fn close(&self, meeting_id: &str, participant_id: &str) {
        let removed = self
            .shared
            .sessions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(meeting_id.to_owned(), participant_id.to_owned()));
        self.shared
            .wanted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(meeting_id.to_owned(), participant_id.to_owned()));
        self.shared
            .audible
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(meeting_id.to_owned(), participant_id.to_owned()));
        if let Some(session) = removed {
            session.closed.store(true, Ordering::Relaxed);
            let _ = session.pc.close().await;
            for subscriber in self.shared.meeting_sessions(meeting_id) {
                self.shared.apply_route(&subscriber);
            }
        }
    }

    fn subscribe(&self, meeting_id: &str, subscriber: &str, slots: &[Option<String>]) {
        self.shared
            .wanted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                (meeting_id.to_owned(), subscriber.to_owned()),
                slots.to_vec(),
            );
        if let Some(session) = self.shared.session(meeting_id, subscriber) {
            let need = self.shared.apply_route(&session);
            if !need.is_empty() {
                tokio::spawn(async move {
                    for source in need {
                        source.request_keyframe().await;
                    }
                });
            }
        }
    }

    fn set_audio_forwarded(&self, meeting_id: &str, participant_id: &str, forwarded: bool) {
        let key = (meeting_id.to_owned(), participant_id.to_owned());
        let changed = {
            let mut audible = self
                .shared
                .audible
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if forwarded {
                audible.insert(key)
            } else {
                audible.remove(&key)
            }
        };
        if changed {
            tracing::debug!(meeting_id, participant = %participant_id, forwarded, "voice gate changed");
            // Audio slots need no keyframe: nothing to request.
            for subscriber in self.shared.meeting_sessions(meeting_id) {
                self.shared.apply_route(&subscriber);
            }
        }
    }

    fn cap_bitrate(&self, meeting_id: &str, participant_id: &str, bps: Option<u64>) {
        if let Some(session) = self.shared.session(meeting_id, participant_id) {
            session
                .remb_cap_bps
                .store(bps.unwrap_or(u64::MAX).max(1), Ordering::Relaxed);
        }
    }

    fn name(&self) -> &'static str {
        "builtin"
    }

    fn stats(&self) -> Vec<StreamStats> {
        let sessions: Vec<Arc<Session>> = self
            .shared
            .sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        let mut out = Vec::new();
        for s in sessions {
            let secs = s.started.elapsed().as_secs_f64().max(0.001);
            let cap = match s.remb_cap_bps.load(Ordering::Relaxed) {
                0 | u64::MAX => None,
                c => Some(c),
            };
            out.push(StreamStats {
                meeting_id: s.meeting_id.clone(),
                participant_id: s.participant_id.clone(),
                kind: "video",
                packets_in: s.video_in.load(Ordering::Relaxed),
                packets_out: s.video_out.load(Ordering::Relaxed),
                bitrate_in_bps: s.video_bytes_in.load(Ordering::Relaxed) as f64 * 8.0 / secs,
                keyframe_requests: s.keyframe_requests.load(Ordering::Relaxed),
                bitrate_cap_bps: cap,
            });
            out.push(StreamStats {
                meeting_id: s.meeting_id.clone(),
                participant_id: s.participant_id.clone(),
                kind: "audio",
                packets_in: s.audio_in.load(Ordering::Relaxed),
                packets_out: s.audio_out.load(Ordering::Relaxed),
                bitrate_in_bps: 0.0,
                keyframe_requests: 0,
                bitrate_cap_bps: None,
            });
        }
        out
    }
}
