//! The room's side of a meeting: when the hub invites the room, it captures, encodes and
//! sends its camera and microphone, decodes what the hub forwards into the kiosk's view, and
//! keeps the call up by itself (ICE restart when the path drops, a new connection when it
//! fails, a fresh join after the room restarts).
//!
//! GStreamer stays behind `crate::media`, webrtc-rs behind `crate::transport`; this task
//! only wires the two together and decides.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::Room;
use super::call_view::{CallPhase, CallRequest, CallView, TestSources};
use super::ice_recovery::IceRecovery;
use crate::media::call::{
    AudioPlayout, AudioStreamIn, CallMediaError, Capture, CaptureSettings, EncodedFrame,
    EncodedKind, VideoReceiver,
};
use crate::meeting::Layer;
use crate::meeting::adapt::LayerController;
use crate::meeting::floor::Mic;
use crate::meeting::speaking::SpeakingDetector;
use crate::transport::TransportError;
use crate::transport::client::{ClientPeer, MediaKind, PeerEvent, RemoteMedia};
use crate::transport::peer::PeerOptions;
use crate::transport::receiver::{ReceivedCounts, ReceiverPeer};
use crate::wire::{
    CHAIR_VERSION, ChairRequest, ClientSignal, HubMessage, IceServer, MEDIA_SLOTS, MeetingNotice,
    RECEIVE_REPORT_EVERY_MS, RECEIVE_REPORT_VERSION, ReceiveReport, RoomMessage, Roster,
    ServerSignal, StaffCallAction, StaffCallRequest,
};

/// How often the call looks at the link and the decoders.
const TICK: Duration = Duration::from_millis(250);
/// How often keyframe requests are passed on (a switch or a join waits on them).
const KEYFRAME_CHECK: Duration = Duration::from_millis(20);
/// A connection not up this long after the offer is replaced by a new one.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// What reaches the call task from the hub session: the session passes on
/// `HubMessage::MeetingInvite`, `HubMessage::Signal`, `HubMessage::Schedule` and
/// `HubMessage::MeetingNotice` as they came, and the task ignores any other message.
pub(crate) type CallEvent = HubMessage;

/// Why the room could not join (or rejoin) a meeting.
#[derive(Debug, thiserror::Error)]
enum JoinError {
    #[error("call media: {0}")]
    Media(#[from] CallMediaError),
    #[error("the media connection: {0}")]
    Transport(#[from] TransportError),
}

/// The decoders for everything the hub forwards.
struct Decoders {
    video: Vec<VideoReceiver>,
    audio: Vec<AudioStreamIn>,
    /// Kept alive: the mixer all audio streams play through.
    _playout: AudioPlayout,
}

impl RemoteMedia for Decoders {
    fn on_rtp(&self, slot: usize, kind: MediaKind, packet: &[u8]) {
        match kind {
            MediaKind::Video => {
                if let Some(v) = self.video.get(slot) {
                    v.push_rtp(packet);
                }
            }
            MediaKind::Audio => {
                if let Some(a) = self.audio.get(slot) {
                    a.push_rtp(packet);
                }
            }
        }
    }
}

/// Per-slot figures for metrics, to compute rates between ticks.
#[derive(Debug, Default, Clone)]
struct SlotCounters {
    frames: u64,
    at: Option<Instant>,
    first_frame_ms: Option<u64>,
}

/// The call's event streams, kept apart from it so the task can wait on them and still
/// change the call.
#[derive(Default)]
struct Receivers {
    peer_events: Option<UnboundedReceiver<PeerEvent>>,
    /// The receive-only connection's events (engines whose subscriptions offer).
    receiver_events: Option<UnboundedReceiver<PeerEvent>>,
    encoded: Option<UnboundedReceiver<EncodedFrame>>,
}

async fn next<T>(rx: &mut Option<UnboundedReceiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// A live call.
struct ActiveCall {
    meeting_id: String,
    peer: ClientPeer,
    capture: Capture,
    decoders: Arc<Decoders>,
    controller: LayerController,
    joined_at: Instant,
    connected: bool,
    /// When to restart ICE while the path is down.
    recovery: IceRecovery,
    /// Hub sessions opened so far, as last seen (a new one is news for the recovery).
    hub_sessions: u64,
    offer_sent_at: Instant,
    speaking: SpeakingDetector,
    slots: Vec<SlotCounters>,
    mic_on: bool,
    camera_on: bool,
    ice_servers: Vec<IceServer>,
    /// The receive-only connection, when the engine sends what the room receives on a
    /// connection of its own (Janus's subscriber).
    receiver: Option<ReceiverPeer>,
    /// Its events, until the task takes them.
    new_receiver_events: Option<UnboundedReceiver<PeerEvent>>,
    /// The hub said the engine lost this connection's session: the task makes a new one.
    session_gone: bool,
    /// The layers published at once, best first (empty: one stream), when the hub's
    /// engine takes simulcast; then the room also reports what it receives.
    simulcast: Vec<Layer>,
    /// The receiving connection's totals at the last receive report, and when.
    last_received: Option<(Instant, ReceivedCounts)>,
}

impl ActiveCall {
    async fn close(self) {
        if let Some(receiver) = &self.receiver {
            receiver.close().await;
        }
        self.peer.close().await;
    }
}

struct CallTask {
    room: Arc<Room>,
    out: UnboundedSender<RoomMessage>,
    view: CallView,
}

impl CallTask {
    fn send(&self, meeting_id: &str, signal: ClientSignal) {
        let _ = self.out.send(RoomMessage::Signal {
            meeting_id: meeting_id.to_owned(),
            signal,
        });
    }

    async fn start(
        &self,
        meeting_id: &str,
        ice_servers: Vec<IceServer>,
        simulcast: bool,
    ) -> Result<(ActiveCall, Receivers), JoinError> {
        let media = &self.room.config.media;
        let (encoded_tx, encoded) = tokio::sync::mpsc::unbounded_channel();
        let ceiling = media.max_layer;
        let start_layer = Layer::P360.min(ceiling);
        let simulcast = if simulcast {
            Layer::simulcast_up_to(ceiling)
        } else {
            Vec::new()
        };
        let capture = Capture::start(
            &CaptureSettings {
                camera: media.camera.clone(),
                microphone: media.microphone.clone(),
                stamp_tag: stamp_tag(&self.room),
                layer: start_layer,
                video_bitrate_bps: start_layer.captured().start_bps,
                simulcast: simulcast.clone(),
            },
            encoded_tx,
        )?;
        let playout = AudioPlayout::new(&media.speaker)?;
        let mut video = Vec::new();
        let mut audio = Vec::new();
        for slot in 0..MEDIA_SLOTS {
            let tile = self.view.tile(slot).cloned().unwrap_or_default();
            tile.clear();
            video.push(VideoReceiver::new(tile)?);
            audio.push(playout.add_stream()?);
        }
        let decoders = Arc::new(Decoders {
            video,
            audio,
            _playout: playout,
        });
        let options = PeerOptions {
            bind_ip: media.ice_bind,
            ice_servers: ice_servers.clone(),
            congestion_control: true,
        };
        let rids: Vec<String> = simulcast.iter().map(|l| l.label().to_owned()).collect();
        let (peer, peer_events) =
            ClientPeer::with_simulcast(&options, decoders.clone(), &rids).await?;
        let sdp = peer.create_offer(false).await?;
        self.send(meeting_id, ClientSignal::Offer { sdp });
        let sources = capture.sources();
        self.room.media_report.devices_opened(&sources);
        let test_sources =
            TestSources::from_flags(sources.camera_is_test, sources.microphone_is_test);
        if test_sources.is_some() {
            tracing::info!(camera = %sources.camera, microphone = %sources.microphone, "call uses test sources");
        }
        self.view.set_self_view(capture.self_view());
        self.view.update(|s| {
            s.phase = CallPhase::Joining;
            s.meeting_id = Some(meeting_id.to_owned());
            s.test_sources = test_sources;
            s.sending_layer = Some(start_layer);
        });
        let m = &self.room.metrics;
        m.call_test_source
            .get_or_create(&vec![("device".to_owned(), "camera".to_owned())])
            .set(i64::from(sources.camera_is_test));
        m.call_test_source
            .get_or_create(&vec![("device".to_owned(), "microphone".to_owned())])
            .set(i64::from(sources.microphone_is_test));
        tracing::info!(meeting_id, camera = %sources.camera, microphone = %sources.microphone, simulcast = ?rids, "joining the meeting");
        Ok((
            ActiveCall {
                meeting_id: meeting_id.to_owned(),
                peer,
                capture,
                decoders,
                controller: LayerController::new(start_layer, ceiling),
                joined_at: Instant::now(),
                connected: false,
                recovery: IceRecovery::new(),
                hub_sessions: self.room.hub_contact().sessions,
                offer_sent_at: Instant::now(),
                speaking: SpeakingDetector::new(),
                slots: vec![SlotCounters::default(); MEDIA_SLOTS],
                mic_on: true,
                camera_on: true,
                ice_servers,
                receiver: None,
                new_receiver_events: None,
                session_gone: false,
                simulcast,
                last_received: None,
            },
            Receivers {
                peer_events: Some(peer_events),
                receiver_events: None,
                encoded: Some(encoded),
            },
        ))
    }

    /// Closes the call's connection and joins the same meeting on a new one (a new peer
    /// connection: new ICE and DTLS), after a second's pause.
    async fn rejoin(&self, call: &mut Option<ActiveCall>, rx: &mut Receivers) {
        let Some(old) = call.take() else { return };
        let (meeting_id, ice) = (old.meeting_id.clone(), old.ice_servers.clone());
        let simulcast = !old.simulcast.is_empty();
        *rx = Receivers::default();
        old.close().await;
        self.room.metrics.call_reconnects.inc();
        tokio::time::sleep(Duration::from_secs(1)).await;
        match self.start(&meeting_id, ice, simulcast).await {
            Ok((c, r)) => {
                *call = Some(c);
                *rx = r;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot rejoin");
                self.ended();
            }
        }
    }

    fn ended(&self) {
        for tile in self.view.tiles() {
            tile.clear();
        }
        self.view.update(|s| {
            *s = s.after_call();
        });
        self.room.metrics.call_active.set(0);
    }

    /// Hub → room signalling for the current call.
    async fn on_signal(&self, call: &mut ActiveCall, signal: ServerSignal) -> bool {
        match signal {
            ServerSignal::Answer { sdp } => {
                // A refused answer is most often a late one, to an offer this peer already
                // replaced (an ICE restart, a retry after a timeout): the call goes on, and the
                // connect timeout starts over if media never comes up.
                if let Err(e) = call.peer.set_answer(sdp).await {
                    tracing::warn!(error = %e, "the hub's answer was refused; waiting for the next");
                }
            }
            ServerSignal::Candidate { candidate } => {
                if let Err(e) = call.peer.add_candidate(candidate).await {
                    tracing::debug!(error = %e, "a hub candidate was refused");
                }
            }
            ServerSignal::SubscribeOffer { sdp } => {
                // A new subscription: its connection replaces the last one.
                if let Some(old) = call.receiver.take() {
                    old.close().await;
                }
                call.last_received = None;
                let options = PeerOptions {
                    bind_ip: self.room.config.media.ice_bind,
                    ice_servers: call.ice_servers.clone(),
                    congestion_control: false,
                };
                match ReceiverPeer::answer(&options, call.decoders.clone(), sdp).await {
                    Ok((receiver, answer, events)) => {
                        tracing::info!(meeting_id = %call.meeting_id, "receiving through a connection of its own");
                        call.receiver = Some(receiver);
                        call.new_receiver_events = Some(events);
                        self.send(
                            &call.meeting_id,
                            ClientSignal::SubscribeAnswer { sdp: answer },
                        );
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot answer the hub's offer of what this room receives");
                    }
                }
            }
            ServerSignal::Slots { slots } => {
                // A new source in a slot: reset the first-frame clock for that slot.
                let old = self.view.snapshot().slots;
                for (i, s) in slots.iter().enumerate() {
                    if old.get(i) != Some(s)
                        && let Some(c) = call.slots.get_mut(i)
                    {
                        c.first_frame_ms = None;
                    }
                }
                self.view.update(|v| v.slots = slots);
            }
            ServerSignal::Participants { participants } => {
                self.view.update(|v| v.participants = participants);
            }
            ServerSignal::Ended => return false,
            ServerSignal::Error { code, message } => {
                tracing::warn!(?code, %message, "the hub refused a signalling message");
                if code == crate::wire::SignalError::SessionGone {
                    call.session_gone = true;
                }
            }
            ServerSignal::Chair(roster) => self.roster(roster),
            ServerSignal::Chat(line) => self.view.update(|v| v.push_chat(line)),
            ServerSignal::ChairRefused(refused) => {
                tracing::info!(action = ?refused.action, reason = %refused.reason, "the chair refused this room's request");
                self.view.update(|v| v.refused = Some(refused));
            }
        }
        true
    }

    /// A new roster. When the chair opens this room's microphone (the host gave it the floor
    /// or unmuted it), the room's own microphone opens too, or nobody would hear it.
    fn roster(&self, roster: Roster) {
        let own = self.room.status.borrow().room_id.clone();
        let mic = |r: &Roster| {
            r.seats
                .iter()
                .find(|s| Some(&s.room_id) == own.as_ref())
                .map(|s| s.mic)
        };
        let before = self.view.snapshot().roster.as_ref().and_then(mic);
        let now = mic(&roster);
        if now == Some(Mic::Open) && before != Some(Mic::Open) {
            self.view.set_microphone(true);
        }
        self.view.update(|v| v.roster = Some(roster));
    }

    /// Keyframe requests both ways, checked often: a new picture waits on them.
    async fn keyframes(&self, call: &mut ActiveCall) {
        if call.peer.take_keyframe_request() {
            tracing::debug!("the hub asked for a keyframe");
            call.capture.request_keyframe();
        }
        for (slot, receiver) in call.decoders.video.iter().enumerate() {
            // The decoder lost its place (loss, or it joined mid-stream): ask for a keyframe.
            if receiver.take_keyframe_request() {
                call.peer.request_keyframe(slot).await;
                if let Some(r) = &call.receiver {
                    r.request_keyframe(slot).await;
                }
            }
        }
    }

    /// With simulcast, what the receiving connection got since the last report goes to the
    /// hub every [`RECEIVE_REPORT_EVERY_MS`]: the hub chooses this room's layer by it.
    async fn report_reception(&self, call: &mut ActiveCall, now: Instant) {
        if call.simulcast.is_empty() {
            return;
        }
        let Some(receiver) = &call.receiver else {
            call.last_received = None;
            return;
        };
        if call.last_received.is_some_and(|(at, _)| {
            now.duration_since(at) < Duration::from_millis(RECEIVE_REPORT_EVERY_MS)
        }) {
            return;
        }
        let counts = receiver.received().await;
        let Some((at, last)) = call.last_received.replace((now, counts)) else {
            return;
        };
        // A new receiving connection starts its totals again.
        if counts.video_packets < last.video_packets || counts.bytes < last.bytes {
            return;
        }
        let interval = now.duration_since(at);
        let report = ReceiveReport {
            v: RECEIVE_REPORT_VERSION,
            interval_ms: interval.as_millis() as u32,
            packets_received: counts.video_packets - last.video_packets,
            packets_lost: counts.video_lost.saturating_sub(last.video_lost),
            received_bps: ((counts.bytes - last.bytes) as f64 * 8.0
                / interval.as_secs_f64().max(0.001)) as u64,
        };
        tracing::debug!(?report, "what this room received");
        self.send(&call.meeting_id, ClientSignal::ReceiveReport(report));
    }

    /// Periodic work: adaptation, speaking, switches, metrics.
    async fn tick(&self, call: &mut ActiveCall) {
        let now = Instant::now();
        // Kiosk buttons.
        let (mic, cam) = (self.view.microphone_on(), self.view.camera_on());
        if mic != call.mic_on {
            call.mic_on = mic;
            call.capture.set_microphone_enabled(mic);
        }
        if cam != call.camera_on {
            call.camera_on = cam;
            call.capture.set_camera_enabled(cam);
        }

        let stats = call.peer.stats().await;
        // Loss the estimate puts down to congestion (not to the link itself), or what the hub
        // still missed after repairs, whichever is worse.
        let parts = call.peer.congestion_estimate_parts();
        let congestion_loss = parts.map_or(0.0, |p| {
            (p.loss.min(p.recent_loss) - p.inherent_loss).max(0.0)
        });
        if let Some(p) = parts {
            call.controller
                .observe_path(crate::meeting::adapt::PathReport {
                    sending_bps: p.sending_bps,
                    acked_bps: p.acked_bps,
                    queueing_ms: p.queueing_ms,
                    inherent_loss: p.inherent_loss,
                });
        }
        let decision = call.controller.tick(
            call.joined_at.elapsed().as_millis() as u64,
            call.peer.congestion_estimate_bps().unwrap_or(f64::INFINITY),
            call.peer.remb_cap_bps().map(|c| c as f64),
            stats.video_loss.max(congestion_loss),
        );
        let layer = decision.layer;
        if decision.changed {
            tracing::info!(
                layer = layer.label(),
                available_bps = call.peer.available_bps(),
                remb_cap_bps = call.peer.remb_cap_bps(),
                estimate_bps = call.peer.congestion_estimate_bps(),
                loss = stats.video_loss,
                "sending layer changed"
            );
            call.capture.set_layer(layer);
            self.view.update(|v| v.sending_layer = Some(layer));
        }
        // What the encoder really aims for: the decision, within what the encoder is given.
        // With simulcast the layers below the best one sent take their share first.
        let below = layer.simulcast_below_bps(&call.simulcast);
        let encoder_bps = (layer != Layer::AudioOnly)
            .then(|| layer.encoder_bitrate_bps(decision.target_bps.saturating_sub(below)));
        if let Some(bps) = encoder_bps {
            call.capture.set_target_bitrate(bps);
        }
        self.report_reception(call, now).await;
        // Speaking (`meeting::speaking`: hysteresis, a few reports a second at most, none
        // while the microphone is closed), told to the hub: the pictures follow the voice
        // and every roster shows who speaks.
        let now_ms = call.joined_at.elapsed().as_millis() as u64;
        if let Some(speaking) = call
            .speaking
            .observe(now_ms, call.capture.mic_level(), call.mic_on)
        {
            self.view.update(|v| v.speaking = speaking);
            self.send(
                &call.meeting_id,
                ClientSignal::Speaking { active: speaking },
            );
        }
        // Decoders: first frames, rates, and a keyframe request when a slot is stuck.
        let m = &self.room.metrics;
        for (slot, counters) in call.slots.iter_mut().enumerate() {
            let Some(receiver) = call.decoders.video.get(slot) else {
                continue;
            };
            let frames = receiver.frames_decoded();
            let label = vec![("stream".to_owned(), format!("slot-{slot}"))];
            if let Some(at) = counters.at {
                let secs = now.duration_since(at).as_secs_f64();
                if secs > 0.0 {
                    let fps = (frames.saturating_sub(counters.frames)) as f64 / secs;
                    m.call_fps.get_or_create(&label).set(fps);
                }
            }
            if frames > counters.frames && counters.first_frame_ms.is_none() {
                let ms = call.joined_at.elapsed().as_millis() as u64;
                counters.first_frame_ms = Some(ms);
                m.call_join_to_first_frame_ms
                    .get_or_create(&label)
                    .set(ms as i64);
            }
            counters.frames = frames;
            counters.at = Some(now);

            m.call_frames_decoded
                .get_or_create(&label)
                .set(frames as i64);
            let mut g2g = receiver.glass_to_glass_ms();
            if !g2g.is_empty() {
                g2g.sort_unstable();
                for (q, name) in [(0.5, "0.5"), (0.95, "0.95")] {
                    let at = ((g2g.len() - 1) as f64 * q).round() as usize;
                    let labels = vec![
                        ("stream".to_owned(), format!("slot-{slot}")),
                        ("quantile".to_owned(), name.to_owned()),
                    ];
                    m.call_glass_to_glass_ms
                        .get_or_create(&labels)
                        .set(i64::from(g2g[at.min(g2g.len() - 1)]));
                }
            }
            let (audio_frames, concealed) = call
                .decoders
                .audio
                .get(slot)
                .map(|a| (a.frames_decoded(), a.frames_concealed()))
                .unwrap_or((0, 0));
            m.call_audio_frames_decoded
                .get_or_create(&label)
                .set(audio_frames as i64);
            m.call_audio_frames_concealed
                .get_or_create(&label)
                .set(concealed as i64);
        }
        let send = vec![("stream".to_owned(), "send".to_owned())];
        m.call_encoder_target_bps
            .set(i64::from(encoder_bps.unwrap_or(0)));
        m.call_layer.set(i64::from(layer.height()));
        m.call_available_bps.set(call.peer.available_bps() as i64);
        if let Some(parts) = call.peer.congestion_estimate_parts() {
            for (part, bps) in [
                ("delay", parts.delay_based_bps),
                ("loss", parts.loss_based_bps),
            ] {
                if bps.is_finite() {
                    m.call_estimate_bps
                        .get_or_create(&vec![("part".to_owned(), part.to_owned())])
                        .set(bps as i64);
                }
            }
            m.call_estimate_loss_ratio.set(parts.loss);
        }
        if let Some(rtt) = stats.round_trip_ms {
            m.call_rtt_ms.set(rtt.round() as i64);
        }
        self.room
            .media_report
            .call_measured(crate::wire::CallQuality {
                meeting_id: call.meeting_id.clone(),
                measured_at_ms: crate::clock::now_ms(),
                video_loss_permille: (stats.video_loss.clamp(0.0, 1.0) * 1000.0).round() as u32,
                round_trip_ms: stats.round_trip_ms.map(|r| r.round() as u32),
                send_bitrate_bps: u64::from(encoder_bps.unwrap_or(0)),
                layer: layer.label().to_owned(),
            });
        if let Some(jitter) = stats.jitter_ms {
            m.call_jitter_ms.set(jitter.round() as i64);
        }
        m.call_packets_lost.set(stats.packets_lost);
        m.call_video_loss_ratio.set(stats.video_loss);
        for (direction, packets) in [
            ("sent", stats.retransmitted_packets_sent),
            ("received", stats.retransmitted_packets_received),
        ] {
            m.call_retransmitted_packets
                .get_or_create(&vec![("direction".to_owned(), direction.to_owned())])
                .set(packets as i64);
        }
        m.call_bytes
            .get_or_create(&send)
            .set(stats.bytes_sent as i64);
        m.call_bytes
            .get_or_create(&vec![("stream".to_owned(), "received".to_owned())])
            .set(stats.bytes_received as i64);
        if let Some(e) = call.capture.take_error() {
            tracing::warn!(error = %e, "capture failed and is being rebuilt");
        }
    }
}

/// A small number derived from the room id (1..=63), drawn into test pictures so that a
/// receiver, a test or the benchmark can tell which room a picture came from.
pub fn stamp_tag_for(room_id: &str) -> u8 {
    let hash = room_id
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    (hash % 63) as u8 + 1
}

fn stamp_tag(room: &Room) -> u8 {
    stamp_tag_for(&room.status.borrow().room_id.clone().unwrap_or_default())
}

pub(crate) async fn run(
    room: Arc<Room>,
    mut events: UnboundedReceiver<CallEvent>,
    out: UnboundedSender<RoomMessage>,
    view: CallView,
) {
    let task = CallTask { room, out, view };
    let mut call: Option<ActiveCall> = None;
    let mut rx = Receivers::default();
    let mut tick = tokio::time::interval(TICK);
    let mut keyframe_tick = tokio::time::interval(KEYFRAME_CHECK);
    // The running meeting the room was last invited to, for staff's "join again".
    let mut invited: Option<(String, Vec<IceServer>, bool)> = None;
    loop {
        tokio::select! {
            _ = task.room.shutdown.cancelled() => break,
            event = events.recv() => {
                let Some(event) = event else { break };
                match event {
                    HubMessage::MeetingInvite { meeting_id, ice_servers, host, rooms, simulcast } => {
                        invited = Some((meeting_id.clone(), ice_servers.clone(), simulcast));
                        if task.view.snapshot().left_meeting.as_deref() == Some(meeting_id.as_str()) {
                            tracing::info!(%meeting_id, "staff took this room out of the meeting; not joining by itself");
                            continue;
                        }
                        if call.as_ref().is_some_and(|c| c.meeting_id == meeting_id) {
                            // The hub session came back; the media session may have survived.
                            continue;
                        }
                        if let Some(old) = call.take() { rx = Receivers::default(); old.close().await; }
                        tracing::info!(%meeting_id, %host, rooms = rooms.len(), "invited to a meeting");
                        match task.start(&meeting_id, ice_servers, simulcast).await {
                            Ok((c, r)) => { task.room.metrics.call_active.set(1); call = Some(c); rx = r; }
                            Err(e) => {
                                tracing::error!(error = %e, "cannot join the meeting");
                                task.ended();
                            }
                        }
                    }
                    HubMessage::Signal { meeting_id, signal } => {
                        let Some(c) = call.as_mut() else { continue };
                        if c.meeting_id != meeting_id { continue; }
                        let going_on = task.on_signal(c, signal).await;
                        if let Some(events) = c.new_receiver_events.take() {
                            rx.receiver_events = Some(events);
                        }
                        if !going_on {
                            tracing::info!(%meeting_id, "left the meeting");
                            invited = None;
                            if let Some(old) = call.take() { rx = Receivers::default(); old.close().await; }
                            task.ended();
                        } else if call.as_ref().is_some_and(|c| c.session_gone) {
                            tracing::warn!(%meeting_id, "the media engine lost this connection; joining again");
                            task.rejoin(&mut call, &mut rx).await;
                        }
                    }
                    HubMessage::Schedule(push) => task.view.update(|v| v.next_meeting = push.next),
                    HubMessage::StaffCallRefused(refused) => {
                        tracing::info!(meeting_id = %refused.meeting_id, reason = %refused.reason, "the hub refused staff's join now");
                        task.view.update(|v| v.join_refused = Some(refused));
                    }
                    HubMessage::MeetingNotice { meeting_id, notice, .. } => {
                        task.view.update(|v| {
                            if notice == MeetingNotice::Ended {
                                if v.left_meeting.as_deref() == Some(meeting_id.as_str()) {
                                    v.left_meeting = None;
                                }
                                if invited.as_ref().is_some_and(|(id, _, _)| *id == meeting_id) {
                                    invited = None;
                                }
                            }
                            v.notice = Some((meeting_id, notice));
                        });
                    }
                    _ => {}
                }
            }
            _ = task.view.requested() => {
                for request in task.view.take_requests() {
                    match request {
                        CallRequest::Chair(action) => match call.as_ref() {
                            Some(c) => {
                                // A new request: the last refusal no longer applies.
                                task.view.update(|v| v.refused = None);
                                task.send(&c.meeting_id, ClientSignal::Chair(ChairRequest { v: CHAIR_VERSION, action }));
                            }
                            None => tracing::info!(?action, "a chair request outside a meeting is dropped"),
                        },
                        CallRequest::Leave => {
                            let Some(old) = call.take() else { continue };
                            tracing::info!(meeting_id = %old.meeting_id, "staff took the room out of the meeting");
                            task.send(&old.meeting_id, ClientSignal::Leave);
                            // So the hub does not invite it back by itself either.
                            let _ = task.out.send(RoomMessage::StaffCall(StaffCallRequest { v: CHAIR_VERSION, meeting_id: old.meeting_id.clone(), action: StaffCallAction::Leave }));
                            let left = old.meeting_id.clone();
                            rx = Receivers::default();
                            old.close().await;
                            task.ended();
                            task.view.update(|v| v.left_meeting = Some(left));
                        }
                        CallRequest::Join => {
                            // The meeting staff left, else the next one (it may start soon).
                            let snapshot = task.view.snapshot();
                            let Some(meeting_id) = snapshot.left_meeting.clone().or_else(|| snapshot.next_meeting.as_ref().map(|m| m.meeting_id.clone())) else {
                                tracing::info!("staff asked to join, but no meeting is running or scheduled for this room");
                                continue;
                            };
                            task.view.update(|v| { v.left_meeting = None; v.join_refused = None; });
                            if call.as_ref().is_some_and(|c| c.meeting_id == meeting_id) { continue; }
                            // The hub invites the room (or says why not); the room does not
                            // wait for that when it still holds the invitation.
                            tracing::info!(%meeting_id, "staff asked to join the meeting now");
                            let _ = task.out.send(RoomMessage::StaffCall(StaffCallRequest { v: CHAIR_VERSION, meeting_id: meeting_id.clone(), action: StaffCallAction::JoinNow }));
                            let Some((_, ice, simulcast)) = invited.clone().filter(|(id, _, _)| *id == meeting_id) else { continue };
                            if call.is_some() { continue; }
                            match task.start(&meeting_id, ice, simulcast).await {
                                Ok((c, r)) => { task.room.metrics.call_active.set(1); call = Some(c); rx = r; }
                                Err(e) => { tracing::error!(error = %e, "cannot join the meeting"); task.ended(); }
                            }
                        }
                    }
                }
            }
            Some(event) = next(&mut rx.peer_events) => {
                let Some(c) = call.as_mut() else { continue };
                match event {
                    PeerEvent::LocalCandidate(candidate) => task.send(&c.meeting_id, ClientSignal::Candidate { candidate }),
                    PeerEvent::Connected => {
                        c.connected = true;
                        c.recovery.connected();
                        task.view.update(|v| v.phase = CallPhase::Live);
                        task.room.metrics.call_connected.set(1);
                        tracing::info!(meeting_id = %c.meeting_id, after_ms = c.joined_at.elapsed().as_millis() as u64, "media connected");
                        for slot in 0..MEDIA_SLOTS { c.peer.request_keyframe(slot).await; }
                    }
                    PeerEvent::Disconnected => {
                        c.recovery.disconnected(Instant::now());
                        task.view.update(|v| v.phase = CallPhase::Reconnecting);
                        task.room.metrics.call_connected.set(0);
                    }
                    PeerEvent::Failed => {
                        tracing::warn!(meeting_id = %c.meeting_id, "media connection failed; joining again");
                        task.rejoin(&mut call, &mut rx).await;
                    }
                }
            }
            Some(event) = next(&mut rx.receiver_events) => {
                let Some(c) = call.as_mut() else { continue };
                match event {
                    PeerEvent::LocalCandidate(candidate) => task.send(&c.meeting_id, ClientSignal::SubscribeCandidate { candidate }),
                    PeerEvent::Connected => {
                        tracing::info!(meeting_id = %c.meeting_id, "the receiving connection is up");
                        if let Some(r) = &c.receiver {
                            for slot in 0..MEDIA_SLOTS { r.request_keyframe(slot).await; }
                        }
                    }
                    PeerEvent::Disconnected => {}
                    PeerEvent::Failed => tracing::warn!(meeting_id = %c.meeting_id, "the receiving connection failed"),
                }
            }
            Some(frame) = next(&mut rx.encoded) => {
                let Some(c) = call.as_ref() else { continue };
                let data = bytes::Bytes::from(frame.data);
                let sent = match frame.kind {
                    EncodedKind::Video => c.peer.send_layer(frame.stream, data, frame.duration).await,
                    EncodedKind::Audio => c.peer.send(MediaKind::Audio, data, frame.duration).await,
                };
                if let Err(e) = sent {
                    tracing::trace!(error = %e, "frame not sent");
                }
            }
            _ = keyframe_tick.tick() => {
                if let Some(c) = call.as_mut() {
                    task.keyframes(c).await;
                }
            }
            _ = tick.tick() => {
                task.room.media_down.store(
                    call.as_ref().is_some_and(|c| c.recovery.recovering()),
                    std::sync::atomic::Ordering::Relaxed,
                );
                let Some(c) = call.as_mut() else { continue };
                task.tick(c).await;
                // ICE restart once the hub can be reached again (src/room/ice_recovery.rs);
                // a new connection if it never came up.
                let contact = task.room.hub_contact();
                let new_session = contact.sessions != c.hub_sessions;
                c.hub_sessions = contact.sessions;
                if let Some(heard) = contact.heard {
                    if new_session { c.recovery.hub_reconnected(heard) } else { c.recovery.hub_heard(heard) }
                }
                if c.connected && c.recovery.poll(Instant::now()) {
                    match c.peer.create_offer(true).await {
                        Ok(sdp) => {
                            tracing::info!(meeting_id = %c.meeting_id, restart = c.recovery.restarts(), "network changed: restarting ICE");
                            task.room.metrics.call_ice_restarts.inc();
                            task.send(&c.meeting_id, ClientSignal::Offer { sdp });
                        }
                        Err(e) => tracing::warn!(error = %e, "ICE restart failed"),
                    }
                }
                // The offer of a connection that never came up went into a hub session that
                // has since been replaced: it may be lost, so start over at once. Otherwise
                // start over after the timeout, if the hub could have answered meanwhile (a new
                // connection every 15 s while the hub is out of reach only queues offers).
                let stale_offer = new_session && c.offer_sent_at.elapsed() >= Duration::from_secs(2);
                let hub_heard_since_offer = contact.heard.is_some_and(|h| h > c.offer_sent_at);
                let timed_out = c.offer_sent_at.elapsed() >= CONNECT_TIMEOUT && hub_heard_since_offer;
                if !c.connected && (timed_out || stale_offer) {
                    let meeting_id = c.meeting_id.clone();
                    let ice = c.ice_servers.clone();
                    let simulcast = !c.simulcast.is_empty();
                    tracing::warn!(%meeting_id, "media did not connect in time; trying again");
                    if let Some(old) = call.take() { rx = Receivers::default(); old.close().await; }
                    match task.start(&meeting_id, ice, simulcast).await {
                        Ok((c, r)) => { call = Some(c); rx = r; }
                        Err(e) => { tracing::error!(error = %e, "cannot rejoin"); task.ended(); }
                    }
                }
            }
        }
    }
    if let Some(c) = call.take() {
        task.send(&c.meeting_id, ClientSignal::Leave);
        c.close().await;
    }
    task.ended();
}
