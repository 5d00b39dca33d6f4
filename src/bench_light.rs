//! `phonghop bench meeting --light`: a real hub process and N *light* participants in this
//! process, so what is measured is the engine, not N encoders on two cores.
//!
//! Each participant is a room as the hub sees it: added at the hub (`hub::admin::add_room`),
//! enrolled with its one-time code (`POST /api/v1/enroll`), connected to `/api/v1/ws` with
//! its credential, invited to the meeting, and joined through the project's own client peer
//! (`transport::client::ClientPeer`: offer, trickle, DTLS, SRTP, NACK/RTX, RTCP).
//!
//! - **Senders** replay a clip of about 3 s, encoded ONCE before the hub starts with the
//!   room's own capture (`media::Capture`: moving colour bars and the test tone) at
//!   `--max-layer`, looping,
//!   and starting again at its first frame (a keyframe) whenever the hub asks for a
//!   keyframe. The first sender is the host; the second says it speaks, so every other
//!   participant's two slots show the two of them (the host's own slots show the others).
//! - **Receive-only** participants send nothing and count, per received stream, RTP packets,
//!   sequence gaps left after NACK/RTX repairs, frames (marker bit) and VP8 keyframes,
//!   without decoding. `--decode-sample K` of them also decode slot 0 through the room's own
//!   receive path (`media::VideoReceiver`), which proves the pictures are real.
//!
//! With `--engine janus` the bench first starts Debian's Janus with the project's configs on
//! free ports (`janus::local`) and the hub with `[media] engine = "janus"` pointing at it.
//! Participants then publish through Janus (their offer becomes `joinandconfigure`) and
//! receive through the subscription Janus offers them (`subscribe_offer`), answered from a
//! receive-only connection (`transport::receiver::ReceiverPeer`) whose packets are counted
//! (and decoded) exactly as the main connection's; they gather ICE candidates on the
//! machine's network address, as Janus offers none on loopback.
//!
//! Figures: per participant the frame rate of each video slot that carries a sender over the
//! window; the hub's CPU and RSS (`/proc`), Janus's (with `--engine janus`), this process's
//! CPU (the load generator), the machine's, and the load average. Benchmarks print numbers;
//! nothing here is asserted.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_util::sync::CancellationToken;

use crate::bench_meeting::{
    BenchMeetingError, Children, Goal, cpu_pct, http_client, io, loadavg, machine_stat, mean,
    percentile, post_json, proc_stat, progress, rss_kb, sorted, start_hub,
};
use crate::config::DeviceChoice;
use crate::media::{Capture, CaptureSettings, EncodedFrame, EncodedKind, FrameSlot, VideoReceiver};
use crate::meeting::Layer;
use crate::transport::client::{ClientPeer, MediaKind, PeerEvent, RemoteMedia};
use crate::transport::peer::PeerOptions;
use crate::transport::receiver::ReceiverPeer;
use crate::wire::{
    ClientSignal, EnrollRequest, EnrollResponse, HubMessage, MEDIA_SLOTS, PROTOCOL_VERSION,
    RoomMessage, ServerSignal,
};

/// How long the replayed clip is.
const CLIP_SECS: u32 = 3;
/// What the clip shows: moving colour bars, which keep the encoder near the layer's
/// bitrate cap (the project's test picture, a ball on black, needs a sixth of it at 360p and
/// would load the hub less than a camera does).
const CLIP_PICTURE: &str = "videotestsrc is-live=true pattern=smpte horizontal-speed=2";
/// How often the hub's memory is sampled in the window.
const SAMPLE_EVERY: Duration = Duration::from_millis(500);
/// After every participant saw a first frame: time for slots and keyframes to settle.
const SETTLE: Duration = Duration::from_secs(2);
/// The goal of issue 15 for the built-in forwarder.
pub const GOAL_PARTICIPANTS: usize = 40;
/// The goal of issue 15 for Janus: receive-only participants of one host.
pub const GOAL_JANUS_RECEIVE_ONLY: usize = 100;
pub const GOAL_FPS: f64 = 25.0;

/// What moves the meeting's media.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    Builtin,
    Janus,
}

impl Engine {
    pub fn parse(name: &str) -> Option<Engine> {
        match name {
            "builtin" => Some(Engine::Builtin),
            "janus" => Some(Engine::Janus),
            _ => None,
        }
    }
}

/// Why the bench could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchLightError {
    #[error("{0}")]
    Options(String),
    #[error(transparent)]
    Bench(#[from] BenchMeetingError),
    #[error("recording the clip to replay: {0}")]
    Clip(String),
    #[error("adding {room} at the hub: {reason}")]
    AddRoom { room: String, reason: String },
    #[error("enrolling {room}: {reason}")]
    Enroll { room: String, reason: String },
    #[error("starting Janus for the bench: {0}")]
    Janus(#[from] crate::janus::local::LocalJanusError),
    #[error(
        "this machine's network address (Janus gathers no loopback candidates, so the \
         participants need one): {0}"
    )]
    NetworkAddress(std::io::Error),
    #[error("interrupted")]
    Interrupted,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct LightOptions {
    /// This binary: the hub is started as `<exe> hub ...`.
    pub exe: PathBuf,
    pub engine: Engine,
    /// Participants in all; the first `rooms - receive_only` send.
    pub rooms: usize,
    pub receive_only: usize,
    /// Receive-only participants that also decode slot 0.
    pub decode_sample: usize,
    pub seconds: u64,
    /// The layer the senders' clip is encoded at.
    pub max_layer: Layer,
}

impl LightOptions {
    pub fn senders(&self) -> usize {
        self.rooms.saturating_sub(self.receive_only)
    }

    /// A clear word on options that cannot make a meeting.
    pub fn check(&self) -> Result<(), BenchLightError> {
        let problem = if self.rooms < 2 {
            Some("--rooms must be at least 2".to_owned())
        } else if self.senders() == 0 {
            Some(format!(
                "--receive-only {} leaves no sender among {} rooms; at least one room sends",
                self.receive_only, self.rooms
            ))
        } else if self.decode_sample > self.receive_only {
            Some(format!(
                "--decode-sample {} is more than the {} receive-only rooms",
                self.decode_sample, self.receive_only
            ))
        } else if self.seconds == 0 {
            Some("--seconds must be at least 1".to_owned())
        } else if self.max_layer.video().is_none() {
            Some("--max-layer must be a picture (720p, 360p or 180p)".to_owned())
        } else {
            None
        };
        match problem {
            Some(p) => Err(BenchLightError::Options(p)),
            None => Ok(()),
        }
    }
}

/// The clip the senders replay, as the encoder made it.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ClipInfo {
    /// The source the clip was encoded from.
    pub picture: String,
    pub video_frames: usize,
    pub keyframes: usize,
    pub audio_frames: usize,
    pub video_kbps: f64,
    pub seconds: f64,
}

/// The numbers (the keys `bench meeting` prints where they mean the same here).
#[derive(Debug, Default, serde::Serialize)]
pub struct LightReport {
    pub engine: Option<Engine>,
    pub light: bool,
    pub rooms: usize,
    pub senders: usize,
    pub receive_only: usize,
    pub decode_sample: usize,
    /// Participants whose session with the hub was up before the meeting started.
    pub rooms_connected: usize,
    /// Participants that received a first whole frame on slot 0 before the window.
    pub rooms_live: usize,
    pub seconds: u64,
    pub window_secs: f64,
    pub max_layer: Layer,
    pub cores: usize,
    /// Meeting started → every participant live (or the deadline), ms.
    pub all_live_after_ms: u64,
    /// Offer sent → first whole frame on slot 0, per participant.
    pub ttff_ms_p50: Option<f64>,
    pub ttff_ms_p95: Option<f64>,
    /// Over receivers (every participant whose slots show a sender): each one's worst video
    /// slot, frames over the window / its length. A receiver that got nothing counts 0.
    pub fps_received_min: Option<f64>,
    pub fps_received_median: Option<f64>,
    /// RTP packets of every received stream (video and audio), and the sequence numbers
    /// never received (after NACK/RTX repairs), over the window.
    pub packets_received: u64,
    pub packets_lost: u64,
    pub packets_lost_pct: Option<f64>,
    /// VP8 keyframes received in the window, all participants.
    pub keyframes_received: u64,
    /// Frames decoded by the sample (slot 0), per second; the lowest.
    pub sample_decoded_fps_min: Option<f64>,
    pub hub_cpu_pct: Option<f64>,
    pub hub_rss_mb: Option<f64>,
    /// Janus's process (with `--engine janus`): what moves the media there.
    pub janus_cpu_pct: Option<f64>,
    pub janus_rss_mb: Option<f64>,
    /// This process: every participant's transport, the replay and the counting.
    pub load_generator_cpu_pct: Option<f64>,
    /// The whole machine's busy CPU in the window (% of one core), and what of it was
    /// neither the hub, Janus nor the load generator.
    pub machine_cpu_pct: Option<f64>,
    pub other_processes_cpu_pct: Option<f64>,
    /// `/proc/loadavg` (1 minute) at the start and the end of the window.
    pub loadavg_1m: (Option<f64>, Option<f64>),
    /// Keyframe requests the senders got from the hub (each restarts the clip).
    pub sender_keyframe_requests: u64,
    pub clip: ClipInfo,
    pub per_room: Vec<ParticipantNumbers>,
    pub goals: BTreeMap<String, Goal>,
    pub problems: Vec<String>,
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ParticipantNumbers {
    pub room: String,
    pub role: Role,
    pub ttff_ms: Option<f64>,
    /// Frames per second of each video slot over the window (`None`: the slot showed no
    /// sender).
    pub fps_slots: Vec<Option<f64>>,
    pub packets: u64,
    pub lost: u64,
    pub keyframes: u64,
    pub decoded_fps: Option<f64>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Host,
    #[default]
    Sender,
    ReceiveOnly,
    /// Receive-only, and decodes slot 0.
    Decoding,
}

// ------------------------------------------------------------------ RTP, counted

/// The fields of one RTP packet the counting needs (RFC 3550 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHead<'a> {
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    pub marker: bool,
    pub payload_type: u8,
    pub payload: &'a [u8],
}

/// Reads an RTP packet's header (CSRCs, a header extension and padding skipped); `None`
/// for anything that is not RTP version 2 or is cut short.
pub fn parse_rtp(packet: &[u8]) -> Option<RtpHead<'_>> {
    let first = *packet.first()?;
    if first >> 6 != 2 || packet.len() < 12 {
        return None;
    }
    let padding = first & 0x20 != 0;
    let extension = first & 0x10 != 0;
    let csrcs = usize::from(first & 0x0f);
    let mut at = 12 + 4 * csrcs;
    if extension {
        let words = u16::from_be_bytes([*packet.get(at + 2)?, *packet.get(at + 3)?]);
        at += 4 + 4 * usize::from(words);
    }
    let mut end = packet.len();
    if padding {
        end = end.checked_sub(usize::from(*packet.last()?))?;
    }
    Some(RtpHead {
        sequence: u16::from_be_bytes([packet[2], packet[3]]),
        timestamp: u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]),
        ssrc: u32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]),
        marker: packet[1] & 0x80 != 0,
        payload_type: packet[1] & 0x7f,
        payload: packet.get(at..end)?,
    })
}

/// One received stream's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamCount {
    pub packets: u64,
    /// Whole frames (video: packets with the marker bit).
    pub frames: u64,
    pub keyframes: u64,
    /// The first and the highest sequence number seen, extended past 16-bit wraps.
    first: Option<u64>,
    highest: u64,
    /// The RTP timestamp of the last frame counted.
    last_frame: Option<u32>,
}

impl StreamCount {
    /// Counts one packet; `video` streams count frames and keyframes.
    pub fn add(&mut self, head: &RtpHead<'_>, video: bool) {
        self.packets += 1;
        let seq = self.extend(head.sequence);
        match self.first {
            None => {
                self.first = Some(seq);
                self.highest = seq;
            }
            Some(first) => {
                self.highest = self.highest.max(seq);
                self.first = Some(first.min(seq));
            }
        }
        if video {
            // A frame's last packet, counted once (a repeat of it is not another frame).
            if head.marker && self.last_frame != Some(head.timestamp) {
                self.frames += 1;
                self.last_frame = Some(head.timestamp);
            }
            if crate::transport::rtp::vp8_keyframe_start(head.payload) {
                self.keyframes += 1;
            }
        }
    }

    /// The extended sequence number closest to the highest seen so far.
    fn extend(&self, sequence: u16) -> u64 {
        if self.first.is_none() {
            // Room below, so a packet reordered before the first one does not underflow.
            return (1 << 16) + u64::from(sequence);
        }
        let cycle = self.highest & !0xffff;
        let candidates = [
            cycle.saturating_sub(1 << 16) + u64::from(sequence),
            cycle + u64::from(sequence),
            cycle + (1 << 16) + u64::from(sequence),
        ];
        candidates
            .into_iter()
            .min_by_key(|c| c.abs_diff(self.highest))
            .unwrap_or(cycle)
    }

    /// Sequence numbers from the first to the highest seen.
    pub fn expected(&self) -> u64 {
        self.first.map_or(0, |first| self.highest - first + 1)
    }

    /// Sequence numbers never received (duplicates do not make up for them... nearly: a
    /// duplicate counts as a packet, so this is a lower bound).
    pub fn lost(&self) -> u64 {
        self.expected().saturating_sub(self.packets)
    }
}

/// What one participant receives, per slot and kind: the sink of its peer.
struct Counting {
    /// `[slot * 2 + (0 video | 1 audio)]`
    streams: Mutex<Vec<StreamCount>>,
    /// When the offer went out, and when the first whole frame arrived on slot 0.
    joined: OnceLock<Instant>,
    first_frame: OnceLock<Instant>,
    /// Slot 0 decoded through the room's receive path (the sample only).
    decoder: Option<VideoReceiver>,
}

impl Counting {
    fn new(decoder: Option<VideoReceiver>) -> Counting {
        Counting {
            streams: Mutex::new(vec![StreamCount::default(); MEDIA_SLOTS * 2]),
            joined: OnceLock::new(),
            first_frame: OnceLock::new(),
            decoder,
        }
    }

    fn snapshot(&self) -> Vec<StreamCount> {
        self.streams
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn ttff_ms(&self) -> Option<f64> {
        let (joined, first) = (self.joined.get()?, self.first_frame.get()?);
        Some(first.saturating_duration_since(*joined).as_secs_f64() * 1000.0)
    }

    fn decoded(&self) -> Option<u64> {
        self.decoder.as_ref().map(VideoReceiver::frames_decoded)
    }
}

impl RemoteMedia for Counting {
    fn on_rtp(&self, slot: usize, kind: MediaKind, packet: &[u8]) {
        let Some(head) = parse_rtp(packet) else {
            return;
        };
        let video = kind == MediaKind::Video;
        let index = slot * 2 + usize::from(!video);
        {
            let mut streams = self.streams.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(stream) = streams.get_mut(index) {
                stream.add(&head, video);
            }
        }
        if video && slot == 0 {
            if head.marker {
                let _ = self.first_frame.set(Instant::now());
            }
            if let Some(decoder) = &self.decoder {
                decoder.push_rtp(packet);
            }
        }
    }
}

// ------------------------------------------------------------------ the clip

/// One encoded frame of the clip (shared by every sender without a copy).
#[derive(Debug, Clone)]
struct ClipFrame {
    data: bytes::Bytes,
    duration: Duration,
    keyframe: bool,
}

impl From<EncodedFrame> for ClipFrame {
    fn from(frame: EncodedFrame) -> Self {
        ClipFrame {
            data: frame.data.into(),
            duration: frame.duration,
            keyframe: frame.keyframe,
        }
    }
}

/// Encoded frames in capture order, video starting at a keyframe.
#[derive(Debug, Clone, Default)]
struct Clip {
    video: Vec<ClipFrame>,
    audio: Vec<ClipFrame>,
}

/// Encodes [`CLIP_SECS`] of the test picture and tone at `layer` with the room's capture.
async fn record_clip(layer: Layer) -> Result<(Clip, ClipInfo), BenchLightError> {
    let format = layer
        .video()
        .ok_or_else(|| BenchLightError::Clip(format!("{layer} has no picture")))?;
    let want_video = (format.fps * CLIP_SECS) as usize;
    let want_audio = (CLIP_SECS * 50) as usize;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let capture = Capture::start(
        &CaptureSettings {
            camera: DeviceChoice::Named(CLIP_PICTURE.to_owned()),
            microphone: DeviceChoice::Test,
            stamp_tag: 1,
            layer,
            video_bitrate_bps: format.max_bps,
            simulcast: Vec::new(),
        },
        tx,
    )
    .map_err(|e| BenchLightError::Clip(e.to_string()))?;
    let mut clip = Clip::default();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(u64::from(CLIP_SECS) + 20);
    while clip.video.len() < want_video || clip.audio.len() < want_audio {
        let frame = tokio::time::timeout_at(deadline, rx.recv()).await;
        let Ok(Some(frame)) = frame else {
            let error = capture.take_error().map(|e| e.to_string());
            return Err(BenchLightError::Clip(error.unwrap_or_else(|| {
                format!(
                    "{} video and {} audio frames in {} s",
                    clip.video.len(),
                    clip.audio.len(),
                    CLIP_SECS + 20
                )
            })));
        };
        match frame.kind {
            EncodedKind::Video
                if clip.video.len() < want_video && (frame.keyframe || !clip.video.is_empty()) =>
            {
                clip.video.push(frame.into());
            }
            EncodedKind::Audio if clip.audio.len() < want_audio => clip.audio.push(frame.into()),
            _ => {}
        }
    }
    drop(capture);
    let seconds: f64 = clip.video.iter().map(|f| f.duration.as_secs_f64()).sum();
    let bytes: usize = clip.video.iter().map(|f| f.data.len()).sum();
    let info = ClipInfo {
        picture: CLIP_PICTURE.to_owned(),
        video_frames: clip.video.len(),
        keyframes: clip.video.iter().filter(|f| f.keyframe).count(),
        audio_frames: clip.audio.len(),
        video_kbps: if seconds > 0.0 {
            bytes as f64 * 8.0 / seconds / 1000.0
        } else {
            0.0
        },
        seconds,
    };
    Ok((clip, info))
}

/// Sends the clip on `peer` in real time until `stop`, from its start again on every
/// keyframe request.
async fn replay(peer: Arc<ClientPeer>, clip: Arc<Clip>, stop: CancellationToken) {
    let start = tokio::time::Instant::now();
    let (mut video_at, mut audio_at) = (start, start);
    let (mut v, mut a) = (0usize, 0usize);
    loop {
        let next = video_at.min(audio_at);
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep_until(next) => {}
        }
        if peer.take_keyframe_request() {
            v = 0;
        }
        let now = tokio::time::Instant::now();
        while video_at <= now {
            let Some(frame) = clip.video.get(v) else {
                break;
            };
            let _ = peer
                .send(MediaKind::Video, frame.data.clone(), frame.duration)
                .await;
            video_at += frame.duration;
            v = (v + 1) % clip.video.len();
        }
        while audio_at <= now {
            let Some(frame) = clip.audio.get(a) else {
                break;
            };
            let _ = peer
                .send(MediaKind::Audio, frame.data.clone(), frame.duration)
                .await;
            audio_at += frame.duration;
            a = (a + 1) % clip.audio.len();
        }
        // Far behind (a stalled runtime): skip rather than burst.
        let late = tokio::time::Instant::now();
        if late.duration_since(video_at) > Duration::from_millis(500) {
            video_at = late;
        }
        if late.duration_since(audio_at) > Duration::from_millis(500) {
            audio_at = late;
        }
    }
}

// ------------------------------------------------------------------ participants

struct Participant {
    name: String,
    room_id: String,
    credential: String,
    role: Role,
    counting: Arc<Counting>,
    welcomed: Arc<AtomicBool>,
    keyframe_requests: Arc<AtomicU64>,
    problems: Arc<Mutex<Vec<String>>>,
}

impl Participant {
    fn problem(problems: &Mutex<Vec<String>>, text: String) {
        problems
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(text);
    }
}

/// What a participant's task needs besides itself.
#[derive(Clone)]
struct Shared {
    ws_url: String,
    clip: Arc<Clip>,
    stop: CancellationToken,
    /// Where participants gather ICE candidates: loopback for the built-in forwarder, the
    /// machine's network address for Janus.
    media_ip: std::net::IpAddr,
}

/// The next event of a connection that may not exist (yet).
async fn next_event(
    events: &mut Option<tokio::sync::mpsc::UnboundedReceiver<PeerEvent>>,
) -> Option<PeerEvent> {
    match events {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// One participant's session with the hub and its call, until `stop`.
async fn participant_task(me: Arc<Participant>, shared: Shared) {
    let fail = |text: String| Participant::problem(&me.problems, format!("{}: {text}", me.name));
    let mut request = match shared.ws_url.as_str().into_client_request() {
        Ok(r) => r,
        Err(e) => return fail(e.to_string()),
    };
    let Ok(auth) = tokio_tungstenite::tungstenite::http::HeaderValue::from_str(&format!(
        "Bearer {}",
        me.credential
    )) else {
        return fail("the credential is not header text".to_owned());
    };
    request.headers_mut().insert(
        tokio_tungstenite::tungstenite::http::header::AUTHORIZATION,
        auth,
    );
    let ws = match crate::room::answer::connect_to_hub(request, tokio_tungstenite::Connector::Plain)
        .await
    {
        Ok((ws, _)) => ws,
        Err(e) => return fail(format!("WebSocket: {e}")),
    };
    let (mut sink, mut stream) = ws.split();
    let (out_tx, mut out_rx) = tokio::sync::mpsc::unbounded_channel::<RoomMessage>();
    let _ = out_tx.send(RoomMessage::Hello {
        protocol: PROTOCOL_VERSION,
        software_version: env!("CARGO_PKG_VERSION").into(),
    });
    let sending = matches!(me.role, Role::Host | Role::Sender);
    let mut call: Option<(String, Arc<ClientPeer>)> = None;
    let mut peer_events = None;
    // Janus's subscription: a receive-only connection of its own.
    let mut receiver: Option<ReceiverPeer> = None;
    let mut receiver_events = None;
    let mut ice_servers = Vec::new();
    let mut keyframe_check = tokio::time::interval(Duration::from_millis(50));
    let mut replaying = false;
    loop {
        tokio::select! {
            _ = shared.stop.cancelled() => break,
            Some(message) = out_rx.recv() => {
                let Ok(text) = serde_json::to_string(&message) else { continue };
                if let Err(e) = sink.send(Message::Text(text.into())).await {
                    return fail(format!("sending to the hub: {e}"));
                }
            }
            Some(event) = next_event(&mut peer_events) => {
                let Some((meeting_id, peer)) = &call else { continue };
                match event {
                    PeerEvent::LocalCandidate(candidate) => {
                        let _ = out_tx.send(RoomMessage::Signal {
                            meeting_id: meeting_id.clone(),
                            signal: ClientSignal::Candidate { candidate },
                        });
                    }
                    PeerEvent::Connected => {
                        for slot in 0..MEDIA_SLOTS {
                            peer.request_keyframe(slot).await;
                        }
                        if sending && !replaying {
                            replaying = true;
                            tokio::spawn(replay(peer.clone(), shared.clip.clone(), shared.stop.clone()));
                        }
                        if me.role == Role::Sender {
                            let _ = out_tx.send(RoomMessage::Signal {
                                meeting_id: meeting_id.clone(),
                                signal: ClientSignal::Speaking { active: true },
                            });
                        }
                    }
                    PeerEvent::Disconnected => fail("ICE disconnected".to_owned()),
                    PeerEvent::Failed => fail("the media connection failed".to_owned()),
                }
            }
            Some(event) = next_event(&mut receiver_events) => {
                let (Some((meeting_id, _)), Some(r)) = (&call, &receiver) else { continue };
                match event {
                    PeerEvent::LocalCandidate(candidate) => {
                        let _ = out_tx.send(RoomMessage::Signal {
                            meeting_id: meeting_id.clone(),
                            signal: ClientSignal::SubscribeCandidate { candidate },
                        });
                    }
                    PeerEvent::Connected => {
                        for slot in 0..MEDIA_SLOTS {
                            r.request_keyframe(slot).await;
                        }
                    }
                    PeerEvent::Disconnected => fail("the receiving connection: ICE disconnected".to_owned()),
                    PeerEvent::Failed => fail("the receiving connection failed".to_owned()),
                }
            }
            _ = keyframe_check.tick() => {
                if let Some((_, peer)) = &call {
                    if let Some(decoder) = &me.counting.decoder
                        && decoder.take_keyframe_request()
                    {
                        match &receiver {
                            Some(r) => r.request_keyframe(0).await,
                            None => peer.request_keyframe(0).await,
                        }
                    }
                    let asked = u64::from(peer.keyframe_requests());
                    me.keyframe_requests.store(asked, Ordering::Relaxed);
                }
            }
            incoming = stream.next() => {
                let text = match incoming {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(_))) | None => return fail("the hub closed the session".to_owned()),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return fail(format!("the session: {e}")),
                };
                let Ok(message) = serde_json::from_str::<HubMessage>(text.as_str()) else { continue };
                match message {
                    HubMessage::Welcome { .. } => me.welcomed.store(true, Ordering::Relaxed),
                    HubMessage::MeetingInvite { meeting_id, ice_servers: servers, .. } if call.is_none() => {
                        ice_servers = servers;
                        let options = PeerOptions {
                            bind_ip: shared.media_ip,
                            ice_servers: ice_servers.clone(),
                            // Senders as rooms do; receivers have nothing to control.
                            congestion_control: sending,
                        };
                        let (peer, events) = match ClientPeer::new(&options, me.counting.clone()).await {
                            Ok(p) => p,
                            Err(e) => return fail(format!("the peer: {e}")),
                        };
                        let sdp = match peer.create_offer(false).await {
                            Ok(sdp) => sdp,
                            Err(e) => return fail(format!("the offer: {e}")),
                        };
                        let _ = me.counting.joined.set(Instant::now());
                        let _ = out_tx.send(RoomMessage::Signal {
                            meeting_id: meeting_id.clone(),
                            signal: ClientSignal::Offer { sdp },
                        });
                        peer_events = Some(events);
                        call = Some((meeting_id, Arc::new(peer)));
                    }
                    HubMessage::Signal { meeting_id, signal } => {
                        let Some((current, peer)) = &call else { continue };
                        if *current != meeting_id {
                            continue;
                        }
                        match signal {
                            ServerSignal::Answer { sdp } => {
                                if let Err(e) = peer.set_answer(sdp).await {
                                    return fail(format!("the answer: {e}"));
                                }
                            }
                            ServerSignal::Candidate { candidate } => {
                                if let Err(e) = peer.add_candidate(candidate).await {
                                    fail(format!("a candidate: {e}"));
                                }
                            }
                            ServerSignal::SubscribeOffer { sdp } => {
                                // A new subscription: its connection replaces the last one,
                                // and counts into the same streams.
                                if let Some(old) = receiver.take() {
                                    old.close().await;
                                }
                                let options = PeerOptions {
                                    bind_ip: shared.media_ip,
                                    ice_servers: ice_servers.clone(),
                                    congestion_control: false,
                                };
                                match ReceiverPeer::answer(&options, me.counting.clone(), sdp).await {
                                    Ok((r, answer, events)) => {
                                        receiver = Some(r);
                                        receiver_events = Some(events);
                                        let _ = out_tx.send(RoomMessage::Signal {
                                            meeting_id: meeting_id.clone(),
                                            signal: ClientSignal::SubscribeAnswer { sdp: answer },
                                        });
                                    }
                                    Err(e) => fail(format!("answering the subscription offer: {e}")),
                                }
                            }
                            ServerSignal::Ended => break,
                            ServerSignal::Error { code, message } => {
                                fail(format!("the hub refused a signal ({code:?}): {message}"));
                            }
                            _ => {}
                        }
                    }
                    HubMessage::Error { code, message } => {
                        return fail(format!("the hub ended the session ({code:?}): {message}"));
                    }
                    _ => {}
                }
            }
        }
    }
    if let Some(r) = receiver {
        r.close().await;
    }
    if let Some((meeting_id, peer)) = call {
        if let Ok(text) = serde_json::to_string(&RoomMessage::Signal {
            meeting_id,
            signal: ClientSignal::Leave,
        }) {
            let _ = sink.send(Message::Text(text.into())).await;
        }
        peer.close().await;
    }
    let _ = sink.send(Message::Close(None)).await;
}

/// Adds `count` rooms at the hub and enrolls each with its code, as `room enroll` does.
async fn enroll_all(
    hub: &crate::bench_meeting::BenchHub,
    count: usize,
) -> Result<Vec<EnrollResponse>, BenchLightError> {
    let rooms = (0..count)
        .map(|n| {
            let unit = hub.config.units[n % hub.config.units.len()].id.clone();
            (unit, format!("light-{n:03}"))
        })
        .collect();
    enroll_rooms(&hub.config, &hub.url, rooms).await
}

/// Adds each `(unit, name)` as a room at the hub and enrolls it over HTTP at `hub_url`.
async fn enroll_rooms(
    config: &crate::config::HubConfig,
    hub_url: &str,
    rooms: Vec<(String, String)>,
) -> Result<Vec<EnrollResponse>, BenchLightError> {
    let http = http_client()?;
    let mut requests = Vec::new();
    for (unit, name) in rooms {
        let (_, code) = crate::hub::admin::add_room(config, "bench-hub.toml", &unit, &name)
            .map_err(|e| BenchLightError::AddRoom {
                room: name.clone(),
                reason: e.to_string(),
            })?;
        requests.push((
            name,
            EnrollRequest {
                code,
                unit: Some(unit),
            },
        ));
    }
    let url = format!("{hub_url}api/v1/enroll");
    let answers = futures_util::future::join_all(requests.into_iter().map(|(name, body)| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let failed = |reason: String| BenchLightError::Enroll {
                room: name.clone(),
                reason,
            };
            let response = http
                .post(&url)
                .json(&body)
                .send()
                .await
                .map_err(|e| failed(e.to_string()))?;
            let status = response.status();
            let text = response.text().await.map_err(|e| failed(e.to_string()))?;
            if !status.is_success() {
                return Err(failed(format!("HTTP {status}: {text}")));
            }
            serde_json::from_str::<EnrollResponse>(&text).map_err(|e| failed(e.to_string()))
        }
    }))
    .await;
    answers.into_iter().collect()
}

/// Rooms that replay a clip encoded once, for a benchmark that must not pay for their
/// encoders (`room --bench-ui --screen meeting`: the far rooms of the meeting the kiosk
/// shows). To the hub each is a room like any other: enrolled, on `/api/v1/ws` with its
/// credential, joined through the project's own client peer.
pub(crate) struct ClipSenders {
    participants: Vec<Arc<Participant>>,
    stop: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for ClipSenders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClipSenders")
            .field("rooms", &self.room_ids())
            .finish_non_exhaustive()
    }
}

impl ClipSenders {
    /// Records a clip at `layer`, enrolls `rooms` (unit, name) at the hub (plain HTTP at
    /// `hub_url`) and starts their sessions; the first one hosts, the others say they speak.
    pub(crate) async fn start(
        hub_config: &crate::config::HubConfig,
        hub_url: &url::Url,
        rooms: &[(&str, &str)],
        layer: Layer,
    ) -> Result<ClipSenders, BenchLightError> {
        let (clip, _) = record_clip(layer).await?;
        let hub_url = hub_url.as_str();
        let enrolled = enroll_rooms(
            hub_config,
            hub_url,
            rooms
                .iter()
                .map(|(unit, name)| ((*unit).to_owned(), (*name).to_owned()))
                .collect(),
        )
        .await?;
        let stop = CancellationToken::new();
        let shared = Shared {
            ws_url: format!("{}api/v1/ws", hub_url.replacen("http://", "ws://", 1)),
            clip: Arc::new(clip),
            stop: stop.clone(),
            media_ip: std::net::Ipv4Addr::LOCALHOST.into(),
        };
        let mut senders = ClipSenders {
            participants: Vec::new(),
            stop,
            tasks: Vec::new(),
        };
        for (n, answer) in enrolled.into_iter().enumerate() {
            let me = Arc::new(Participant {
                name: answer.room_name,
                room_id: answer.room_id,
                credential: answer.credential,
                role: if n == 0 { Role::Host } else { Role::Sender },
                counting: Arc::new(Counting::new(None)),
                welcomed: Arc::new(AtomicBool::new(false)),
                keyframe_requests: Arc::new(AtomicU64::new(0)),
                problems: Arc::new(Mutex::new(Vec::new())),
            });
            senders
                .tasks
                .push(tokio::spawn(participant_task(me.clone(), shared.clone())));
            senders.participants.push(me);
        }
        Ok(senders)
    }

    /// The rooms' ids at the hub, in the order they were given.
    pub(crate) fn room_ids(&self) -> Vec<String> {
        self.participants
            .iter()
            .map(|p| p.room_id.clone())
            .collect()
    }

    /// Whether the hub has welcomed every one of them.
    pub(crate) fn all_connected(&self) -> bool {
        self.participants
            .iter()
            .all(|p| p.welcomed.load(Ordering::Relaxed))
    }

    /// What went wrong so far, one line each, with the room's name.
    pub(crate) fn problems(&self) -> Vec<String> {
        self.participants
            .iter()
            .flat_map(|p| {
                p.problems
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone()
            })
            .collect()
    }

    /// Leaves the meeting and closes the sessions.
    pub(crate) async fn stop(self) {
        self.stop.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

// ------------------------------------------------------------------ the run

/// Runs the light meeting; Ctrl-C stops it (and the hub).
pub async fn light_meeting(options: LightOptions) -> Result<LightReport, BenchLightError> {
    tokio::select! {
        report = run(options) => report,
        _ = tokio::signal::ctrl_c() => Err(BenchLightError::Interrupted),
    }
}

async fn run(options: LightOptions) -> Result<LightReport, BenchLightError> {
    options.check()?;
    let senders = options.senders();
    let mut report = LightReport {
        engine: Some(options.engine),
        light: true,
        rooms: options.rooms,
        senders,
        receive_only: options.receive_only,
        decode_sample: options.decode_sample,
        seconds: options.seconds,
        max_layer: options.max_layer,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        ..Default::default()
    };
    // Encoded before anything else runs, once for every sender.
    let (clip, info) = record_clip(options.max_layer).await?;
    progress(&format!(
        "clip: {} video frames ({} keyframes, {:.0} kb/s), {} audio frames",
        info.video_frames, info.keyframes, info.video_kbps, info.audio_frames
    ));
    report.clip = info;

    let dir = tempfile::Builder::new()
        .prefix("phonghop-bench-light-")
        .tempdir()
        .map_err(io("creating a temporary directory"))?;
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).map_err(io("creating the log directory"))?;
    let mut children = Children::default();
    // Janus first (with its own ports and secrets), then a hub whose media engine it is.
    let (mut janus, media_ip) = match options.engine {
        Engine::Builtin => (None, std::net::Ipv4Addr::LOCALHOST.into()),
        Engine::Janus => {
            let media_ip =
                crate::janus::local::network_ip().map_err(BenchLightError::NetworkAddress)?;
            let ports =
                crate::janus::local::JanusPorts::free().map_err(io("choosing ports for Janus"))?;
            let janus = crate::janus::local::LocalJanus::start(
                &dir.path().join("janus"),
                crate::janus::local::LocalJanusSettings::random(ports),
            )
            .await?;
            progress(&format!(
                "janus up (pid {}) on {}; participants use {media_ip}",
                janus.pid(),
                ports.ws_url()
            ));
            (Some(janus), media_ip)
        }
    };
    let media = janus
        .as_ref()
        .map_or_else(String::new, |j| j.settings().hub_toml());
    let hub = start_hub(&options.exe, dir.path(), &logs, &mut children, &media).await?;
    let enrolled = enroll_all(&hub, options.rooms).await?;
    progress(&format!("{} light rooms enrolled", enrolled.len()));

    let stop = CancellationToken::new();
    let _stop_on_drop = stop.clone().drop_guard();
    let shared = Shared {
        ws_url: format!("{}api/v1/ws", hub.url.replacen("http://", "ws://", 1)),
        clip: Arc::new(clip),
        stop: stop.clone(),
        media_ip,
    };
    let mut participants = Vec::new();
    let mut tasks = Vec::new();
    for (n, answer) in enrolled.into_iter().enumerate() {
        let role = if n == 0 {
            Role::Host
        } else if n < senders {
            Role::Sender
        } else if n - senders < options.decode_sample {
            Role::Decoding
        } else {
            Role::ReceiveOnly
        };
        let decoder = if role == Role::Decoding {
            Some(
                VideoReceiver::new(FrameSlot::new())
                    .map_err(|e| BenchLightError::Clip(format!("a sample decoder: {e}")))?,
            )
        } else {
            None
        };
        let me = Arc::new(Participant {
            name: answer.room_name,
            room_id: answer.room_id,
            credential: answer.credential,
            role,
            counting: Arc::new(Counting::new(decoder)),
            welcomed: Arc::new(AtomicBool::new(false)),
            keyframe_requests: Arc::new(AtomicU64::new(0)),
            problems: Arc::new(Mutex::new(Vec::new())),
        });
        tasks.push(tokio::spawn(participant_task(me.clone(), shared.clone())));
        participants.push(me);
    }

    // --- sessions up, then the meeting
    let deadline = Instant::now() + Duration::from_secs(20 + options.rooms as u64 / 4);
    loop {
        report.rooms_connected = participants
            .iter()
            .filter(|p| p.welcomed.load(Ordering::Relaxed))
            .count();
        if report.rooms_connected == participants.len() || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let http = http_client()?;
    let staff_token = crate::hub::accounts::service_token(&hub.config, "bench", "bench meeting")
        .map_err(BenchMeetingError::from)?;
    let meeting = post_json(
        &http,
        &staff_token,
        &format!("{}api/v1/meetings", hub.url),
        serde_json::json!({
            "host": participants[0].room_id,
            "rooms": participants.iter().skip(1).map(|p| p.room_id.clone()).collect::<Vec<_>>(),
        }),
    )
    .await?;
    let started = Instant::now();
    progress(&format!(
        "meeting {} started with {} rooms ({} sending); waiting for first frames",
        meeting["id"].as_str().unwrap_or("?"),
        participants.len(),
        senders
    ));

    // Whose slot 0 shows a sender: everyone's, except the host's when it is the only one.
    let receives = |p: &Participant| senders > 1 || p.role != Role::Host;
    let deadline = started + Duration::from_secs(30 + options.rooms as u64 / 2);
    loop {
        let live = participants
            .iter()
            .filter(|p| receives(p) && p.counting.first_frame.get().is_some())
            .count();
        report.rooms_live = live;
        let want = participants.iter().filter(|p| receives(p)).count();
        if live == want || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    report.all_live_after_ms = started.elapsed().as_millis() as u64;
    progress(&format!(
        "{} rooms live after {} ms",
        report.rooms_live, report.all_live_after_ms
    ));
    tokio::time::sleep(SETTLE).await;

    // --- the window
    progress(&format!("measuring {} s", options.seconds));
    let me_pid = std::process::id();
    let t0 = Instant::now();
    let machine0 = machine_stat();
    let load0 = loadavg();
    let hub_ticks0 = proc_stat(hub.pid).map(|s| s.1);
    let janus_pid = janus.as_ref().map(crate::janus::local::LocalJanus::pid);
    let janus_ticks0 = janus_pid.and_then(proc_stat).map(|s| s.1);
    let own_ticks0 = proc_stat(me_pid).map(|s| s.1);
    let counts0: Vec<Vec<StreamCount>> =
        participants.iter().map(|p| p.counting.snapshot()).collect();
    let decoded0: Vec<Option<u64>> = participants.iter().map(|p| p.counting.decoded()).collect();
    let mut hub_rss = Vec::new();
    let mut janus_rss = Vec::new();
    let window = Duration::from_secs(options.seconds);
    while t0.elapsed() < window {
        if let Some(kb) = rss_kb(hub.pid) {
            hub_rss.push(kb as f64 / 1024.0);
        }
        if let Some(kb) = janus_pid.and_then(rss_kb) {
            janus_rss.push(kb as f64 / 1024.0);
        }
        tokio::time::sleep(SAMPLE_EVERY.min(window.saturating_sub(t0.elapsed()))).await;
    }
    let secs = t0.elapsed().as_secs_f64();
    let counts1: Vec<Vec<StreamCount>> =
        participants.iter().map(|p| p.counting.snapshot()).collect();
    let decoded1: Vec<Option<u64>> = participants.iter().map(|p| p.counting.decoded()).collect();
    let hub_ticks1 = proc_stat(hub.pid).map(|s| s.1);
    let janus_ticks1 = janus_pid.and_then(proc_stat).map(|s| s.1);
    let own_ticks1 = proc_stat(me_pid).map(|s| s.1);
    let machine1 = machine_stat();
    report.loadavg_1m = (load0, loadavg());
    report.window_secs = secs;
    for (name, child) in &mut children.procs {
        if let Ok(Some(status)) = child.try_wait() {
            report.problems.push(format!(
                "{name} exited during the bench ({status}): {}",
                crate::bench_meeting::log_tail(&logs, name)
            ));
        }
    }
    if let Some(j) = janus.as_mut()
        && let Some(status) = j.exited()
    {
        report.problems.push(format!(
            "janus exited during the bench ({status}): {}",
            j.log_tail()
        ));
    }

    // --- the numbers
    let delta = |a: &StreamCount, b: &StreamCount| StreamCount {
        packets: b.packets - a.packets,
        frames: b.frames - a.frames,
        keyframes: b.keyframes - a.keyframes,
        ..StreamCount::default()
    };
    let mut receiver_fps = Vec::new();
    for (n, p) in participants.iter().enumerate() {
        let (c0, c1) = (&counts0[n], &counts1[n]);
        let mut numbers = ParticipantNumbers {
            room: p.name.clone(),
            role: p.role,
            ttff_ms: p.counting.ttff_ms(),
            ..Default::default()
        };
        for (index, (a, b)) in c0.iter().zip(c1).enumerate() {
            let d = delta(a, b);
            let lost = b.lost().saturating_sub(a.lost());
            numbers.packets += d.packets;
            numbers.lost += lost;
            numbers.keyframes += d.keyframes;
            if index % 2 == 0 {
                // A slot that showed a sender at some point before the end of the window.
                numbers
                    .fps_slots
                    .push((b.frames > 0).then(|| d.frames as f64 / secs));
            }
        }
        if let (Some(a), Some(b)) = (decoded0[n], decoded1[n]) {
            numbers.decoded_fps = Some(b.saturating_sub(a) as f64 / secs);
        }
        report.packets_received += numbers.packets;
        report.packets_lost += numbers.lost;
        report.keyframes_received += numbers.keyframes;
        report.sender_keyframe_requests += p.keyframe_requests.load(Ordering::Relaxed);
        if receives(p) {
            let worst = numbers
                .fps_slots
                .iter()
                .flatten()
                .copied()
                .fold(None, |m: Option<f64>, f| Some(m.map_or(f, |m| m.min(f))));
            receiver_fps.push(worst.unwrap_or(0.0));
        }
        report.problems.extend(
            p.problems
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .drain(..),
        );
        report.per_room.push(numbers);
    }
    let fps = sorted(receiver_fps);
    report.fps_received_min = fps.first().copied();
    report.fps_received_median = percentile(&fps, 0.5);
    let total = report.packets_received + report.packets_lost;
    report.packets_lost_pct =
        (total > 0).then(|| report.packets_lost as f64 / total as f64 * 100.0);
    let ttffs = sorted(report.per_room.iter().filter_map(|r| r.ttff_ms).collect());
    report.ttff_ms_p50 = percentile(&ttffs, 0.5);
    report.ttff_ms_p95 = percentile(&ttffs, 0.95);
    report.sample_decoded_fps_min = sorted(
        report
            .per_room
            .iter()
            .filter_map(|r| r.decoded_fps)
            .collect(),
    )
    .first()
    .copied();
    if let (Some(a), Some(b)) = (hub_ticks0, hub_ticks1) {
        report.hub_cpu_pct = Some(cpu_pct(b.saturating_sub(a), secs));
    }
    if let (Some(a), Some(b)) = (janus_ticks0, janus_ticks1) {
        report.janus_cpu_pct = Some(cpu_pct(b.saturating_sub(a), secs));
    }
    report.janus_rss_mb = mean(&janus_rss);
    if let (Some(a), Some(b)) = (own_ticks0, own_ticks1) {
        report.load_generator_cpu_pct = Some(cpu_pct(b.saturating_sub(a), secs));
    }
    report.hub_rss_mb = mean(&hub_rss);
    if let (Some((busy0, total0)), Some((busy1, total1))) = (machine0, machine1)
        && total1 > total0
    {
        let machine =
            (busy1 - busy0) as f64 / (total1 - total0) as f64 * 100.0 * report.cores as f64;
        report.machine_cpu_pct = Some(machine);
        let ours = report.hub_cpu_pct.unwrap_or(0.0)
            + report.janus_cpu_pct.unwrap_or(0.0)
            + report.load_generator_cpu_pct.unwrap_or(0.0);
        report.other_processes_cpu_pct = Some((machine - ours).max(0.0));
    }
    for p in &participants {
        if receives(p) && p.counting.first_frame.get().is_none() {
            report
                .problems
                .push(format!("{} received no whole frame on slot 0", p.name));
        }
    }
    report.goals = goals(&report);

    // --- leave, then stop the hub
    stop.cancel();
    let _ = tokio::time::timeout(
        Duration::from_secs(5),
        futures_util::future::join_all(tasks),
    )
    .await;
    drop(children);
    drop(janus);
    Ok(report)
}

/// Issue 15's goal for the report's engine; `met` only when the meeting had the goal's size
/// and shape.
fn goals(r: &LightReport) -> BTreeMap<String, Goal> {
    let at_goal = || r.fps_received_min.is_some_and(|f| f >= GOAL_FPS);
    let goal = match r.engine {
        Some(Engine::Janus) => Goal {
            goal: format!(
                ">= {GOAL_FPS} at >= {GOAL_JANUS_RECEIVE_ONLY} receive-only participants of one \
                 360p host (Janus)"
            ),
            met: (r.senders == 1
                && r.receive_only >= GOAL_JANUS_RECEIVE_ONLY
                && r.max_layer == Layer::P360)
                .then(at_goal),
        },
        _ => Goal {
            goal: format!(
                ">= {GOAL_FPS} at >= {GOAL_PARTICIPANTS} participants (built-in, 360p senders \
                 replayed)"
            ),
            met: (r.rooms >= GOAL_PARTICIPANTS && r.max_layer == Layer::P360).then(at_goal),
        },
    };
    BTreeMap::from([("fps_received_min".to_owned(), goal)])
}

/// The report as a readable table.
pub fn table(r: &LightReport) -> String {
    let num = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1}"));
    let mut out = String::new();
    let mut line = |what: &str, value: String, note: String| {
        out.push_str(&format!("{what:<26} {value:>12}  {note}\n"));
    };
    line(
        "rooms (senders+recv-only)",
        format!("{}+{}", r.senders, r.receive_only),
        format!(
            "engine {:?}, {} connected, {} live after {} ms, {} cores",
            r.engine, r.rooms_connected, r.rooms_live, r.all_live_after_ms, r.cores
        ),
    );
    line(
        "clip",
        format!("{:.0} kb/s", r.clip.video_kbps),
        format!(
            "{} at {} frames, {} keyframes",
            r.max_layer, r.clip.video_frames, r.clip.keyframes
        ),
    );
    line("window s", format!("{:.1}", r.window_secs), String::new());
    line("ttff ms p50/p95", num(r.ttff_ms_p50), num(r.ttff_ms_p95));
    let goal = r.goals.get("fps_received_min").map_or(String::new(), |g| {
        let met = match g.met {
            Some(true) => "met",
            Some(false) => "NOT met",
            None => "not measured at this size",
        };
        format!("goal {} ({met})", g.goal)
    });
    line("fps received min", num(r.fps_received_min), goal);
    line(
        "fps received median",
        num(r.fps_received_median),
        String::new(),
    );
    line(
        "packets lost %",
        num(r.packets_lost_pct),
        format!(
            "{} lost of {}; {} keyframes",
            r.packets_lost,
            r.packets_received + r.packets_lost,
            r.keyframes_received
        ),
    );
    line(
        "sample decoded fps min",
        num(r.sample_decoded_fps_min),
        format!("{} decoding", r.decode_sample),
    );
    line("hub CPU %", num(r.hub_cpu_pct), String::new());
    line("hub RSS MB", num(r.hub_rss_mb), String::new());
    if r.engine == Some(Engine::Janus) {
        line("janus CPU %", num(r.janus_cpu_pct), String::new());
        line("janus RSS MB", num(r.janus_rss_mb), String::new());
    }
    line(
        "load generator CPU %",
        num(r.load_generator_cpu_pct),
        String::new(),
    );
    line(
        "machine CPU %",
        num(r.machine_cpu_pct),
        format!(
            "of which other processes {} %; load {} → {}",
            num(r.other_processes_cpu_pct),
            num(r.loadavg_1m.0),
            num(r.loadavg_1m.1)
        ),
    );
    for p in &r.problems {
        out.push_str(&format!("problem: {p}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(seq: u16, marker: bool, payload: &[u8]) -> Vec<u8> {
        let mut p = vec![0x80, 96 | if marker { 0x80 } else { 0 }];
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&u32::from(seq).wrapping_mul(3_000).to_be_bytes());
        p.extend_from_slice(&0x1234_5678u32.to_be_bytes());
        p.extend_from_slice(payload);
        p
    }

    #[test]
    fn rtp_headers_parse_with_csrcs_extensions_and_padding() {
        let p = packet(7, true, &[0x10, 0x00]);
        let head = parse_rtp(&p).expect("RTP");
        assert_eq!(
            (head.sequence, head.marker, head.payload_type, head.ssrc),
            (7, true, 96, 0x1234_5678)
        );
        assert_eq!(head.payload, &[0x10, 0x00]);
        // One CSRC, a one-word extension, two bytes of padding.
        let mut p = vec![0xb1, 96, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
        p.extend_from_slice(&[0xbe, 0xde, 0, 1, 1, 2, 3, 4]);
        p.extend_from_slice(&[0xaa, 0xbb, 0, 2]);
        let head = parse_rtp(&p).expect("RTP");
        assert_eq!(head.payload, &[0xaa, 0xbb]);
        assert_eq!(parse_rtp(&[0x80, 96, 0]), None);
        assert_eq!(parse_rtp(&[0x40; 20]), None, "version 1");
    }

    #[test]
    fn streams_count_frames_keyframes_and_gaps_across_a_wrap() {
        let mut s = StreamCount::default();
        // A keyframe start (S bit, partition 0, then the frame tag's bit 0 clear).
        let key = [0x10, 0x00];
        let delta = [0x10, 0x01];
        for (seq, marker, payload) in [
            (65_533u16, false, &key),
            (65_534, true, &delta),
            // 65_535 lost
            (0, true, &delta),
            (2, true, &delta), // 1 lost
            (1, false, &delta),
            (3, true, &key),
        ] {
            let p = packet(seq, marker, payload);
            s.add(&parse_rtp(&p).expect("RTP"), true);
        }
        assert_eq!(s.packets, 6);
        assert_eq!(s.frames, 4);
        assert_eq!(s.keyframes, 2);
        assert_eq!(s.expected(), 7);
        assert_eq!(s.lost(), 1, "1 came late, 65535 never");
        let mut audio = StreamCount::default();
        let p = packet(5, true, &key);
        audio.add(&parse_rtp(&p).expect("RTP"), false);
        assert_eq!((audio.frames, audio.keyframes, audio.lost()), (0, 0, 0));
    }

    #[test]
    fn options_that_make_no_meeting_are_refused_with_the_fix() {
        let base = LightOptions {
            exe: PathBuf::from("phonghop"),
            engine: Engine::Builtin,
            rooms: 4,
            receive_only: 2,
            decode_sample: 1,
            seconds: 5,
            max_layer: Layer::P360,
        };
        assert!(base.check().is_ok());
        assert_eq!(base.senders(), 2);
        for bad in [
            LightOptions {
                receive_only: 4,
                ..base.clone()
            },
            LightOptions {
                decode_sample: 3,
                ..base.clone()
            },
            LightOptions {
                rooms: 1,
                receive_only: 0,
                ..base.clone()
            },
        ] {
            let e = bad.check().expect_err("refused").to_string();
            assert!(e.contains("--"), "{e}");
        }
        assert_eq!(Engine::parse("janus"), Some(Engine::Janus));
        assert_eq!(Engine::parse("jitsi"), None);
    }
}
