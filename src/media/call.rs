//! The room's call media in GStreamer: what leaves the room (camera and microphone, encoded
//! as VP8 and Opus, [`Capture`]) and what comes in (RTP VP8 decoded to RGBA pictures,
//! [`VideoReceiver`]; RTP Opus from every other room mixed to one speaker, [`AudioPlayout`]).
//!
//! There is no WebRTC here: the call layer (webrtc-rs) takes [`EncodedFrame`]s from the
//! capture's channel and packetizes them itself, and hands every incoming RTP packet to
//! `push_rtp`. Keeping the two apart keeps GStreamer types inside `src/media` and lets the
//! media half be tested with real GStreamer alone.
//!
//! Every pipeline is watched by a small supervisor thread (no GLib main loop runs in this
//! process): a bus error is logged once, turned into a [`CallMediaError`] for `take_error`,
//! and the pipeline is rebuilt after a short backoff, up to [`MAX_RESTARTS`] times in a row,
//! so a camera that hiccups or a garbled stream never ends the meeting or the room process.
//!
//! Threads: appsink callbacks and pad probes run on GStreamer's streaming threads and only
//! touch atomics, a [`FrameSlot`](super::FrameSlot) and an unbounded channel, so none of the public methods
//! ever waits on media, and media never waits on the caller.

mod capture;
mod playout;
mod receive;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;

pub use capture::{Capture, CaptureSettings, SourcesInUse};
pub use playout::{AudioPlayout, AudioStreamIn};
pub use receive::{VIDEO_JITTER_LATENCY, VideoReceiver};

use super::pipeline::{OwnedPipeline, PipelineError, PipelineProgress};

/// How many rebuilds in a row a failing pipeline gets before it is given up. A pipeline
/// that then runs for `HEALTHY_AFTER` (30 s) starts with a fresh count.
pub const MAX_RESTARTS: u32 = 5;
/// First wait before a rebuild; doubles with every failure in a row (0.2, 0.4, 0.8, 1.6, 3.2 s).
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// A pipeline that ran this long since its last rebuild counts as healthy again.
const HEALTHY_AFTER: Duration = Duration::from_secs(30);

/// What an [`EncodedFrame`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodedKind {
    /// One VP8 frame.
    Video,
    /// One 20 ms Opus packet (mono, 48 kHz).
    Audio,
}

/// One encoded frame from [`Capture`], ready for an RTP packetizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedFrame {
    pub kind: EncodedKind,
    pub data: Vec<u8>,
    /// How long the frame lasts: the RTP timestamp of the next frame advances by this.
    pub duration: Duration,
    /// A VP8 keyframe (always `false` for audio, where every packet stands alone).
    pub keyframe: bool,
    /// Which simulcast stream a video frame belongs to: its index in
    /// [`CaptureSettings::simulcast`] (0 without simulcast, and for audio).
    pub stream: usize,
}

/// Which device an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    Camera,
    Microphone,
    Speaker,
}

impl std::fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DeviceKind::Camera => "camera",
            DeviceKind::Microphone => "microphone",
            DeviceKind::Speaker => "speaker",
        })
    }
}

/// Why call media could not start or stopped. Shown to staff and logged, so each message
/// says what is missing or what failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallMediaError {
    #[error("GStreamer could not start: {0}")]
    NoGStreamer(String),
    #[error(
        "the GStreamer element `{name}` is missing: install the Debian package {package} (or run scripts/install-deps.sh)"
    )]
    NoElement { name: String, package: &'static str },
    #[error("the {kind} `{name}` cannot be used: {reason}")]
    Device {
        kind: DeviceKind,
        name: String,
        reason: String,
    },
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// The pipeline failed and every rebuild failed too; it is no longer running.
    #[error(
        "the {pipeline} pipeline failed {attempts} times in a row and was stopped; the last failure: {last}"
    )]
    GaveUp {
        pipeline: &'static str,
        attempts: u32,
        last: PipelineError,
    },
}

/// Starts GStreamer (idempotent, cheap after the first call).
fn init() -> Result<(), CallMediaError> {
    gst::init().map_err(|e| CallMediaError::NoGStreamer(e.to_string()))
}

/// The Debian package that ships a GStreamer element, for the "missing element" message.
fn package_of(factory: &str) -> &'static str {
    match factory {
        "tee" | "queue" | "capsfilter" | "valve" | "fakesink" => "libgstreamer1.0-0",
        "vp8enc" | "vp8dec" | "rtpvp8depay" | "rtpvp8pay" | "rtpopusdepay" | "rtpopuspay"
        | "rtpjitterbuffer" | "level" | "v4l2src" | "autoaudiosink" | "pulsesrc" => {
            "gstreamer1.0-plugins-good"
        }
        _ => "gstreamer1.0-plugins-base",
    }
}

/// Creates an element, naming what to install when it is missing.
fn make(factory: &str) -> Result<gst::Element, CallMediaError> {
    gst::ElementFactory::make(factory)
        .build()
        .map_err(|_| missing(factory))
}

/// The input of a receiving pipeline: a live appsrc for one RTP stream (timestamped on
/// arrival, dropping the oldest beyond `max_bytes` so a stalled decoder never blocks the
/// network side) and the jitter buffer after it.
fn rtp_input(
    caps: &gst::Caps,
    max_bytes: u64,
    latency: Duration,
) -> Result<(gstreamer_app::AppSrc, gst::Element), CallMediaError> {
    let src = gstreamer_app::AppSrc::builder()
        .caps(caps)
        .is_live(true)
        .do_timestamp(true)
        .format(gst::Format::Time)
        .max_bytes(max_bytes)
        .leaky_type(gstreamer_app::AppLeakyType::Downstream)
        .build();
    let jitter = gst::ElementFactory::make("rtpjitterbuffer")
        .property("latency", latency.as_millis() as u32)
        .property("drop-on-latency", true)
        .build()
        .map_err(|_| missing("rtpjitterbuffer"))?;
    Ok((src, jitter))
}

fn missing(factory: &str) -> CallMediaError {
    CallMediaError::NoElement {
        name: factory.to_owned(),
        package: package_of(factory),
    }
}

/// Adding and linking elements fails only for programming errors (wrong pads, wrong caps);
/// still a typed error, never a panic.
fn build_error(e: impl std::fmt::Display) -> CallMediaError {
    CallMediaError::Pipeline(PipelineError::Build(e.to_string()))
}

/// Why a device's pipeline would not start, in the words of the element that refused.
fn start_failure(e: &PipelineError) -> String {
    match e {
        PipelineError::StateChange { detail, .. } => detail.clone(),
        other => other.to_string(),
    }
}

fn unix_ms_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Rewrites the payload type of an RTP packet (keeping the marker bit) in a copy, so a
/// pipeline with fixed caps accepts whatever payload type the sender negotiated (browsers
/// pick their own). `None` for anything that is not an RTP version 2 packet: garbage never
/// reaches GStreamer.
fn rtp_with_payload_type(packet: &[u8], payload_type: u8) -> Option<Vec<u8>> {
    const RTP_HEADER: usize = 12;
    if packet.len() <= RTP_HEADER || packet[0] >> 6 != 2 {
        return None;
    }
    let mut copy = packet.to_vec();
    copy[1] = (copy[1] & 0x80) | (payload_type & 0x7f);
    Some(copy)
}

/// What the supervisor thread hears.
#[derive(Debug)]
enum Note {
    /// The pipeline built as `generation` posted an error.
    Failed {
        generation: u64,
        error: PipelineError,
    },
    /// The owner is going away.
    Stop,
}

/// A pipeline owner the supervisor can restart.
trait Restartable: Send + Sync + 'static {
    /// For logs and [`CallMediaError::GaveUp`], e.g. "camera".
    fn what(&self) -> &'static str;
    /// Drops the failed pipeline (it goes to `Null`).
    fn stop(&self);
    /// Builds and starts a new pipeline whose bus errors are reported as `generation`.
    fn rebuild(&self, generation: u64, notes: &mpsc::Sender<Note>) -> Result<(), CallMediaError>;
}

/// The errors `take_error` hands out, latest first: a later failure replaces an earlier one
/// not yet taken.
#[derive(Debug, Default)]
struct ErrorSlot(Mutex<Option<CallMediaError>>);

impl ErrorSlot {
    fn put(&self, error: CallMediaError) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
    }

    fn take(&self) -> Option<CallMediaError> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// One thread per pipeline that turns bus errors into rebuilds. Dropping it stops the
/// thread (at once, even during a backoff wait) and waits for it.
#[derive(Debug)]
struct Supervisor {
    notes: mpsc::Sender<Note>,
    thread: Option<JoinHandle<()>>,
}

impl Supervisor {
    /// Builds `target`'s first pipeline (generation 0) and starts watching it; what fails
    /// later goes to `errors`.
    fn launch(
        target: Arc<dyn Restartable>,
        errors: Arc<ErrorSlot>,
    ) -> Result<Supervisor, CallMediaError> {
        let (notes, inbox) = mpsc::channel();
        target.rebuild(0, &notes)?;
        Ok(Supervisor::start(target, notes, inbox, errors))
    }

    /// Starts watching; the pipeline built before this call must report as generation 0.
    fn start(
        target: Arc<dyn Restartable>,
        notes: mpsc::Sender<Note>,
        inbox: mpsc::Receiver<Note>,
        errors: Arc<ErrorSlot>,
    ) -> Supervisor {
        let thread_notes = notes.clone();
        let thread = std::thread::Builder::new()
            .name(format!("media-{}", target.what()))
            .spawn(move || supervise(&*target, &thread_notes, &inbox, &errors))
            .map_err(|error| tracing::error!(%error, "cannot start a media supervisor thread"))
            .ok();
        Supervisor { notes, thread }
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        let _ = self.notes.send(Note::Stop);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("a media supervisor thread panicked");
        }
    }
}

fn supervise(
    target: &dyn Restartable,
    notes: &mpsc::Sender<Note>,
    inbox: &mpsc::Receiver<Note>,
    errors: &ErrorSlot,
) {
    let mut generation = 0u64;
    let mut failures_in_a_row = 0u32;
    let mut started = Instant::now();
    loop {
        let (failed_generation, error) = match inbox.recv() {
            Ok(Note::Failed { generation, error }) => (generation, error),
            Ok(Note::Stop) | Err(_) => return,
        };
        // A failing pipeline often posts several errors (the cause, then "internal data
        // stream error"); only the first of each generation counts and is logged.
        if failed_generation != generation {
            continue;
        }
        if started.elapsed() >= HEALTHY_AFTER {
            failures_in_a_row = 0;
        }
        tracing::warn!(pipeline = target.what(), %error, "call media failed; rebuilding it");
        errors.put(CallMediaError::Pipeline(error.clone()));
        target.stop();
        let mut last = error;
        loop {
            failures_in_a_row += 1;
            if failures_in_a_row > MAX_RESTARTS {
                tracing::error!(
                    pipeline = target.what(),
                    attempts = MAX_RESTARTS,
                    error = %last,
                    "call media keeps failing; giving up"
                );
                errors.put(CallMediaError::GaveUp {
                    pipeline: target.what(),
                    attempts: MAX_RESTARTS,
                    last,
                });
                // Stay for `Stop` only; stale errors are ignored.
                generation = u64::MAX;
                break;
            }
            let backoff = FIRST_BACKOFF * 2u32.pow(failures_in_a_row - 1);
            match inbox.recv_timeout(backoff) {
                Ok(Note::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
                Ok(Note::Failed { .. }) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            generation += 1;
            match target.rebuild(generation, notes) {
                Ok(()) => {
                    tracing::info!(pipeline = target.what(), "call media rebuilt");
                    started = Instant::now();
                    break;
                }
                Err(error) => {
                    tracing::warn!(pipeline = target.what(), %error, "rebuilding call media failed");
                    last = match error {
                        CallMediaError::Pipeline(e) => e,
                        other => PipelineError::Build(other.to_string()),
                    };
                }
            }
        }
    }
}

/// Routes a pipeline's bus: errors go to the supervisor once `armed` (before that, while the
/// pipeline starts, they stay on the bus so `set_state` can say why it failed); `on_element`
/// sees element messages (the `level` meter); everything else is dropped, so the bus never
/// fills up in a process that runs no main loop.
///
/// Returns the switch that arms it: set it once the pipeline plays.
fn watch_bus(
    pipeline: &OwnedPipeline,
    generation: u64,
    notes: &mpsc::Sender<Note>,
    on_element: impl Fn(&gst::Message) + Send + Sync + 'static,
) -> Arc<AtomicBool> {
    let armed = Arc::new(AtomicBool::new(false));
    let Some(bus) = pipeline.pipeline().bus() else {
        return armed;
    };
    let notes = notes.clone();
    let armed_here = armed.clone();
    bus.set_sync_handler(move |_bus, msg| match msg.view() {
        gst::MessageView::Error(_) => {
            if armed_here.load(Ordering::Acquire)
                && let Some(error) = pipeline_error(msg)
            {
                let _ = notes.send(Note::Failed { generation, error });
            }
            gst::BusSyncReply::Pass
        }
        gst::MessageView::Element(_) => {
            on_element(msg);
            gst::BusSyncReply::Drop
        }
        _ => gst::BusSyncReply::Drop,
    });
    armed
}

/// Hands every sample `sink` receives to `on_sample`, on GStreamer's streaming thread.
fn on_each_sample(
    sink: &gstreamer_app::AppSink,
    on_sample: impl Fn(&gst::Sample) + Send + Sync + 'static,
) {
    sink.set_callbacks(
        gstreamer_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Flushing)?;
                on_sample(&sample);
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
}

/// The typed error for an error message.
fn pipeline_error(msg: &gst::Message) -> Option<PipelineError> {
    let gst::MessageView::Error(e) = msg.view() else {
        return None;
    };
    Some(PipelineError::Element {
        element: msg
            .src()
            .map(|s| s.path_string().to_string())
            .unwrap_or_else(|| "(unknown element)".to_owned()),
        message: e.error().message().trim_end_matches('.').to_owned(),
        debug: e.debug().map(|d| d.to_string()),
    })
}

/// Sets `pipeline` playing; an element that refuses, or fails at once, says why.
fn start_playing(pipeline: &OwnedPipeline) -> Result<(), PipelineError> {
    pipeline.set_state(gst::State::Playing)?;
    if let PipelineProgress::Failed(e) = pipeline.poll() {
        return Err(e);
    }
    Ok(())
}

/// The devices GStreamer's device monitor sees for `class` ("Video/Source", "Audio/Source",
/// "Audio/Sink"), leaving out the sound server's "monitor" sources (they record what the
/// box plays, which would echo every room back to itself).
fn devices(class: &str) -> Vec<gst::Device> {
    let monitor = gst::DeviceMonitor::new();
    if monitor.add_filter(Some(class), None).is_none() {
        return Vec::new();
    }
    monitor
        .devices()
        .into_iter()
        .filter(|device| {
            !device.properties().is_some_and(|p| {
                p.get::<&str>("device.class")
                    .is_ok_and(|class| class == "monitor")
            })
        })
        .collect()
}

/// A counter shared with a streaming thread.
#[derive(Debug, Default)]
struct Counter(AtomicU64);

impl Counter {
    fn bump(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Publishes a decoded RGBA sample into `slot` without copying: the mapped buffer itself
/// becomes the frame's pixels (a GStreamer buffer stays alive as long as the UI holds the
/// frame). Returns the stamp read from the picture.
fn publish_rgba(
    slot: &super::FrameSlot,
    sample: &gst::Sample,
    read_stamp: bool,
) -> Option<Option<super::stamp::Stamp>> {
    let caps = sample.caps()?;
    let info = gstreamer_video::VideoInfo::from_caps(caps).ok()?;
    let (width, height) = (info.width(), info.height());
    let buffer = sample.buffer_owned()?;
    let tight = width as usize * 4;
    let stride = usize::try_from(*info.stride().first()?).ok()?;
    let mapped = buffer.into_mapped_buffer_readable().ok()?;
    if mapped.len() < tight * height as usize {
        return None;
    }
    let stamp = |rgba: &[u8]| {
        read_stamp
            .then(|| super::stamp::read_rgba(rgba, width, height))
            .flatten()
    };
    if stride == tight {
        let stamp = stamp(mapped.as_slice());
        slot.publish(width, height, Arc::new(mapped), stamp);
        Some(stamp)
    } else {
        // Padded rows (not produced by videoconvert for RGBA, whose rows are always a
        // multiple of 4 bytes): repack once rather than publish a wrong picture.
        let mut packed = Vec::with_capacity(tight * height as usize);
        for row in 0..height as usize {
            packed.extend_from_slice(mapped.get(row * stride..row * stride + tight)?);
        }
        let stamp = stamp(&packed);
        slot.publish(width, height, Arc::new(packed), stamp);
        Some(stamp)
    }
}

#[cfg(test)]
mod tests;
