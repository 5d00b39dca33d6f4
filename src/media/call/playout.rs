//! Every other room's voice, mixed into the one speaker.
//!
//! One pipeline for the whole call, one branch per incoming stream:
//! ```text
//! audiotestsrc wave=silence (live) ! capsfilter ─┐
//! appsrc ! rtpjitterbuffer ! rtpopusdepay ! opusdec ! audioconvert ! audioresample
//!   ! capsfilter ────────────────────────────────┼─ audiomixer ! audioconvert
//! appsrc ! ... (one branch per room) ────────────┘     ! audioresample ! <speaker>
//! ```
//! One pipeline, not one per room, because one sound card is opened once, and the mixer
//! lines all rooms up on one clock. The silent live source keeps the mixer (and the
//! speaker) running while no room is connected, so a branch added later plays at once.
//!
//! Branches come and go while the pipeline plays: [`AudioPlayout::add_stream`] links a new
//! one to a new mixer pad; dropping the [`AudioStreamIn`] blocks its output, releases the pad
//! and stops its elements. If the pipeline fails, the supervisor rebuilds it with a branch
//! for every stream still alive, so the call layer's handles keep working.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak, mpsc};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use super::super::pipeline::{self, OwnedPipeline};
use super::{
    CallMediaError, Counter, DeviceKind, ErrorSlot, Note, Restartable, Supervisor, build_error,
    devices, init, make, missing, rtp_input, rtp_with_payload_type, start_playing, watch_bus,
};
use crate::config::DeviceChoice;
use crate::media::AudioOutput;

/// The payload type the branches' caps name; every packet is rewritten to it.
const OPUS_PT: u8 = 111;
/// Reorders packets on a provincial link; Opus's loss concealment fills what stays missing.
const JITTER_LATENCY: Duration = Duration::from_millis(60);
/// How long the mixer waits for a late input before mixing without it.
const MIXER_LATENCY: Duration = Duration::from_millis(20);
const MAX_QUEUED_BYTES: u64 = 256 * 1024;
/// The Opus frame the capture side sends (and webrtc's default).
const OPUS_FRAME: Duration = Duration::from_millis(20);

/// The mixer's format: float so that several loud rooms add up without wrapping; mono
/// because it is voice, and half the work of stereo on a two-core box.
fn mix_caps() -> gst::Caps {
    gst::Caps::builder("audio/x-raw")
        .field("format", "F32LE")
        .field("layout", "interleaved")
        .field("rate", 48_000i32)
        .field("channels", 1i32)
        .build()
}

/// Plays the call's incoming Opus streams, mixed, on one speaker. Dropping it stops the
/// pipeline; streams still held then go quiet.
#[derive(Debug)]
pub struct AudioPlayout {
    _supervisor: Supervisor,
    pub(super) shared: Arc<PlayoutShared>,
    errors: Arc<ErrorSlot>,
}

#[derive(Debug)]
pub(super) struct PlayoutShared {
    speaker: DeviceChoice,
    /// Set when the output is a `fakesink` (no sound device, or `Test`).
    fake: AtomicBool,
    /// Lock order: `running`, then `streams`, then a stream's `branch`.
    running: Mutex<Option<PlayoutRunning>>,
    streams: Mutex<BTreeMap<u64, Arc<StreamShared>>>,
    next_id: AtomicU64,
}

#[derive(Debug)]
pub(super) struct PlayoutRunning {
    pub(super) pipeline: OwnedPipeline,
    mixer: gst::Element,
}

/// One stream's state that outlives pipeline rebuilds.
#[derive(Debug)]
struct StreamShared {
    decoded: Arc<Counter>,
    /// Opus frames the decoder had to make up: lost packets, concealed or rebuilt from the
    /// next packet's in-band FEC.
    concealed: Arc<Counter>,
    branch: Mutex<Option<Branch>>,
}

/// A stream's elements in the current pipeline.
#[derive(Debug)]
struct Branch {
    src: gst_app::AppSrc,
    /// Source first, last element (linked to the mixer) last.
    elements: Vec<gst::Element>,
    mixer_pad: gst::Pad,
}

/// One incoming Opus stream of an [`AudioPlayout`]. Dropping it removes its branch.
#[derive(Debug)]
pub struct AudioStreamIn {
    id: u64,
    stream: Arc<StreamShared>,
    playout: Weak<PlayoutShared>,
}

impl AudioPlayout {
    /// Opens the speaker and starts the (silent) mix. `Auto` uses the machine's audio output;
    /// when there is none (a box without sound card, CI) it plays into a `fakesink sync=true`
    /// at the same pace and [`AudioPlayout::output_is_fake`] says so, so a call still works
    /// and is still measured. `Test` always uses the `fakesink`. A `Named` output (a device's
    /// name, or a GStreamer sink description) that cannot open is an error.
    pub fn new(speaker: &DeviceChoice) -> Result<AudioPlayout, CallMediaError> {
        init()?;
        let shared = Arc::new(PlayoutShared {
            speaker: speaker.clone(),
            fake: AtomicBool::new(false),
            running: Mutex::new(None),
            streams: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(0),
        });
        let errors = Arc::new(ErrorSlot::default());
        Ok(AudioPlayout {
            _supervisor: Supervisor::launch(shared.clone(), errors.clone())?,
            shared,
            errors,
        })
    }

    /// True when the mix goes to a `fakesink` instead of a speaker.
    pub fn output_is_fake(&self) -> bool {
        self.shared.fake.load(Ordering::Acquire)
    }

    /// Adds a branch for one more incoming stream, while the mix plays.
    pub fn add_stream(&self) -> Result<AudioStreamIn, CallMediaError> {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let stream = Arc::new(StreamShared {
            decoded: Arc::new(Counter::default()),
            concealed: Arc::new(Counter::default()),
            branch: Mutex::new(None),
        });
        let running = self.shared.running();
        if let Some(running) = running.as_ref() {
            let branch = add_branch(running, &stream)?;
            for element in &branch.elements {
                element.sync_state_with_parent().map_err(build_error)?;
            }
            // The jitter buffer adds latency: tell the mixer, or it would count this
            // branch's packets as late and drop them.
            if running.pipeline.pipeline().recalculate_latency().is_err() {
                tracing::debug!("audio playout could not recalculate its latency");
            }
            *stream.branch() = Some(branch);
        }
        self.shared.streams().insert(id, stream.clone());
        drop(running);
        Ok(AudioStreamIn {
            id,
            stream,
            playout: Arc::downgrade(&self.shared),
        })
    }

    /// The latest failure not yet taken; [`CallMediaError::GaveUp`] means playout stopped.
    pub fn take_error(&self) -> Option<CallMediaError> {
        self.errors.take()
    }
}

impl Drop for AudioPlayout {
    fn drop(&mut self) {
        // Streams hold only a weak reference; still, stop now rather than when the last
        // `Arc` goes.
        self.shared.stop();
    }
}

impl AudioStreamIn {
    /// Queues one whole serialized RTP packet (Opus, any payload type, 48 kHz clock). Never
    /// blocks and never panics; anything that is not RTP version 2 is ignored.
    pub fn push_rtp(&self, packet: &[u8]) {
        let Some(packet) = rtp_with_payload_type(packet, OPUS_PT) else {
            return;
        };
        if let Some(branch) = self.stream.branch().as_ref() {
            let _ = branch.src.push_buffer(gst::Buffer::from_mut_slice(packet));
        }
    }

    /// Opus packets decoded so far (counted after `opusdec`, concealed losses included).
    pub fn frames_decoded(&self) -> u64 {
        self.stream.decoded.get()
    }

    /// Opus frames concealed so far: each packet the jitter buffer gave up on (lost, or too
    /// late) is one 20 ms frame the decoder made up (packet loss concealment, or in-band FEC
    /// from the packet after it).
    pub fn frames_concealed(&self) -> u64 {
        self.stream.concealed.get()
    }
}

impl Drop for AudioStreamIn {
    fn drop(&mut self) {
        let Some(playout) = self.playout.upgrade() else {
            return;
        };
        let running = playout.running();
        playout.streams().remove(&self.id);
        let branch = self.stream.branch().take();
        if let (Some(running), Some(branch)) = (running.as_ref(), branch) {
            remove_branch(running, branch);
        }
    }
}

impl StreamShared {
    fn branch(&self) -> MutexGuard<'_, Option<Branch>> {
        self.branch.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl PlayoutShared {
    pub(super) fn running(&self) -> MutexGuard<'_, Option<PlayoutRunning>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn streams(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<StreamShared>>> {
        self.streams.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The speaker element for the choice; `None` means the fakesink.
    fn speaker(&self) -> Result<Option<(gst::Element, AudioOutput)>, CallMediaError> {
        let speaker_error = |name: &str, reason: String| CallMediaError::Device {
            kind: DeviceKind::Speaker,
            name: name.to_owned(),
            reason,
        };
        match &self.speaker {
            DeviceChoice::Test => Ok(None),
            DeviceChoice::Auto => pipeline::audio_sink(&AudioOutput::Auto)
                .map(|sink| Some((sink, AudioOutput::Auto)))
                .or_else(|reason| {
                    tracing::info!(%reason, "no automatic audio output; call audio plays into a fakesink");
                    Ok(None)
                }),
            DeviceChoice::Named(name) => {
                if let Some(device) = devices("Audio/Sink")
                    .into_iter()
                    .find(|d| d.display_name() == name.as_str())
                {
                    let sink = device
                        .create_element(None)
                        .map_err(|e| speaker_error(name, e.to_string()))?;
                    return Ok(Some((sink, AudioOutput::Sink(name.clone()))));
                }
                let output = AudioOutput::Sink(name.clone());
                let sink =
                    pipeline::audio_sink(&output).map_err(|e| speaker_error(name, e.to_string()))?;
                Ok(Some((sink, output)))
            }
        }
    }

    /// The mix without any stream: silence ! mixer ! convert ! resample ! `sink`.
    fn build_base(&self, sink: gst::Element) -> Result<PlayoutRunning, CallMediaError> {
        let pipeline = OwnedPipeline::new(gst::Pipeline::with_name("call-audio-out"));
        let silence = gst::ElementFactory::make("audiotestsrc")
            .property("is-live", true)
            .property_from_str("wave", "silence")
            .property("samplesperbuffer", 480i32)
            .build()
            .map_err(|_| missing("audiotestsrc"))?;
        let silence_caps = gst::ElementFactory::make("capsfilter")
            .property("caps", mix_caps())
            .build()
            .map_err(|_| missing("capsfilter"))?;
        let mixer = gst::ElementFactory::make("audiomixer")
            .property("latency", MIXER_LATENCY.as_nanos() as u64)
            .build()
            .map_err(|_| missing("audiomixer"))?;
        let convert = make("audioconvert")?;
        let resample = make("audioresample")?;
        let elements = [&silence, &silence_caps, &mixer, &convert, &resample, &sink];
        pipeline
            .pipeline()
            .add_many(elements)
            .map_err(build_error)?;
        gst::Element::link_many(elements).map_err(build_error)?;
        Ok(PlayoutRunning { pipeline, mixer })
    }

    fn fakesink() -> Result<gst::Element, CallMediaError> {
        gst::ElementFactory::make("fakesink")
            .property("sync", true)
            .build()
            .map_err(|_| missing("fakesink"))
    }
}

/// Builds a stream's branch into `running`'s pipeline and links it to a new mixer pad.
/// The caller brings the elements to the pipeline's state.
fn add_branch(running: &PlayoutRunning, stream: &StreamShared) -> Result<Branch, CallMediaError> {
    let caps = gst::Caps::builder("application/x-rtp")
        .field("media", "audio")
        .field("encoding-name", "OPUS")
        .field("clock-rate", 48_000i32)
        .field("payload", i32::from(OPUS_PT))
        .build();
    let (src, jitter) = rtp_input(&caps, MAX_QUEUED_BYTES, JITTER_LATENCY)?;
    // Tell the decoder about lost packets so it conceals them (and uses in-band FEC).
    jitter.set_property("do-lost", true);
    let depay = make("rtpopusdepay")?;
    let decode = gst::ElementFactory::make("opusdec")
        .property("plc", true)
        .property("use-inband-fec", true)
        // A damaged packet is concealed, never turned into a pipeline error.
        .property("max-errors", -1i32)
        .build()
        .map_err(|_| missing("opusdec"))?;
    let convert = make("audioconvert")?;
    let resample = make("audioresample")?;
    let caps = gst::ElementFactory::make("capsfilter")
        .property("caps", mix_caps())
        .build()
        .map_err(|_| missing("capsfilter"))?;
    let elements: Vec<gst::Element> = vec![
        src.clone().upcast(),
        jitter.clone(),
        depay,
        decode.clone(),
        convert,
        resample,
        caps.clone(),
    ];
    let bin = running.pipeline.pipeline();
    bin.add_many(&elements).map_err(build_error)?;
    let linked = gst::Element::link_many(&elements)
        .map_err(build_error)
        .and_then(|()| {
            let mixer_pad = running
                .mixer
                .request_pad_simple("sink_%u")
                .ok_or_else(|| build_error("audiomixer gave no input pad"))?;
            let out = caps
                .static_pad("src")
                .ok_or_else(|| build_error("capsfilter has no src pad"))?;
            if let Err(e) = out.link(&mixer_pad) {
                running.mixer.release_request_pad(&mixer_pad);
                return Err(build_error(e));
            }
            Ok(mixer_pad)
        });
    let mixer_pad = match linked {
        Ok(pad) => pad,
        Err(e) => {
            let _ = bin.remove_many(&elements);
            return Err(e);
        }
    };
    if let Some(pad) = jitter.static_pad("src") {
        let concealed = stream.concealed.clone();
        pad.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, move |_pad, info| {
            if let Some(frames) = info.event().and_then(lost_frames) {
                concealed.add(frames);
            }
            gst::PadProbeReturn::Ok
        });
    }
    if let Some(pad) = decode.static_pad("src") {
        let decoded = stream.decoded.clone();
        pad.add_probe(gst::PadProbeType::BUFFER, move |_pad, _info| {
            decoded.bump();
            gst::PadProbeReturn::Ok
        });
    }
    Ok(Branch {
        src,
        elements,
        mixer_pad,
    })
}

/// The Opus frames (20 ms each) a jitter buffer's "packet lost" event stands for: one per
/// lost packet; the jitter buffer may cover a long gap with one event, then its duration
/// says how many.
fn lost_frames(event: &gst::Event) -> Option<u64> {
    if event.type_() != gst::EventType::CustomDownstream {
        return None;
    }
    let s = event.structure()?;
    if s.name() != "GstRTPPacketLost" {
        return None;
    }
    let frame = OPUS_FRAME.as_nanos() as u64;
    let frames = s
        .get::<u64>("duration")
        .ok()
        .map_or(1, |d| (d + frame / 2) / frame);
    Some(frames.max(1))
}

/// Takes a branch out of the playing pipeline without disturbing the others: whatever it
/// still pushes is dropped at its last pad (so nothing reaches a released mixer pad and no
/// element reports "not linked"), the mixer pad is released, then its elements stop, last
/// element first.
fn remove_branch(running: &PlayoutRunning, branch: Branch) {
    let Branch {
        elements,
        mixer_pad,
        ..
    } = branch;
    if let Some(out) = elements.last().and_then(|last| last.static_pad("src")) {
        out.add_probe(gst::PadProbeType::DATA_DOWNSTREAM, |_pad, _info| {
            gst::PadProbeReturn::Drop
        });
        let _ = out.unlink(&mixer_pad);
    }
    running.mixer.release_request_pad(&mixer_pad);
    // Downstream first: stopping the appsrc first waits for its streaming thread, which can be
    // parked inside the jitter buffer until that one stops, and the jitter buffer was next in
    // line (a participant leaving hung the call this way). Stopped from the end, each element
    // upstream finds its peer flushing and returns.
    for element in elements.iter().rev() {
        if element.set_state(gst::State::Null).is_err() {
            tracing::warn!(element = %element.name(), "call audio branch refused to stop");
        }
    }
    if let Err(error) = running.pipeline.pipeline().remove_many(&elements) {
        tracing::warn!(%error, "could not remove a call audio branch");
    }
}

impl Restartable for PlayoutShared {
    fn what(&self) -> &'static str {
        "audio playout"
    }

    fn stop(&self) {
        let running = self.running().take();
        for stream in self.streams().values() {
            // Its elements go with the pipeline.
            stream.branch().take();
        }
        drop(running);
    }

    /// Opens the speaker (or the fakesink), then adds a branch for every live stream.
    fn rebuild(&self, generation: u64, notes: &mpsc::Sender<Note>) -> Result<(), CallMediaError> {
        let (running, fake) = match self.speaker()? {
            Some((sink, output)) => {
                let running = self.build_base(sink.clone())?;
                match pipeline::open_audio_output(&running.pipeline, &sink, &output) {
                    Ok(()) => (running, false),
                    Err(reason) if self.speaker == DeviceChoice::Auto => {
                        tracing::info!(%reason, "no audio output; call audio plays into a fakesink");
                        drop(running);
                        (self.build_base(Self::fakesink()?)?, true)
                    }
                    Err(reason) => {
                        let name = match &self.speaker {
                            DeviceChoice::Named(name) => name.clone(),
                            _ => "test".to_owned(),
                        };
                        return Err(CallMediaError::Device {
                            kind: DeviceKind::Speaker,
                            name,
                            reason: reason.to_string(),
                        });
                    }
                }
            }
            None => (self.build_base(Self::fakesink()?)?, true),
        };
        let armed = watch_bus(&running.pipeline, generation, notes, |_| {});
        let mut slot = self.running();
        let streams = self.streams();
        for stream in streams.values() {
            *stream.branch() = Some(add_branch(&running, stream)?);
        }
        drop(streams);
        start_playing(&running.pipeline)?;
        armed.store(true, Ordering::Release);
        self.fake.store(fake, Ordering::Release);
        *slot = Some(running);
        Ok(())
    }
}
