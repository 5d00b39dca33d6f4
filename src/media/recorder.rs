//! Voice feedback: residents who cannot type press "Speak", talk for up to a few minutes while
//! a level meter moves, listen to it ([`super::player`]) and re-record if they like. The
//! recording is kept as Opus in Ogg (mono, 48 kHz, ~24 kb/s), sent to the hub later.
//!
//! Recording pipeline:
//! `<mic> ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=1
//!  ! level ! opusenc ! oggmux ! filesink`.
//!
//! The kiosk calls [`Recorder::level`], [`Recorder::elapsed_ms`] and [`Recorder::is_finished`]
//! every frame; they read atomics that GStreamer's threads update (a bus sync handler for the
//! `level` messages and end-of-stream, a pad probe for the recorded duration), so they never
//! block. The limit is enforced on the audio itself: the probe lets through the buffer that
//! reaches `max_secs`, drops everything after it and asks the pipeline for end-of-stream, so
//! the muxer writes its last page and the file is complete without anyone calling `finish`.
//!
//! Only [`Recorder::finish`] keeps the file: [`Recorder::discard`] and dropping a recorder
//! (idle reset, re-record, a panic) stop the pipeline and delete it, so an abandoned recording
//! never lingers on the kiosk.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;

use super::meter::{level_element, meter_level};
use sha2::{Digest as _, Sha256};

use super::pipeline::{OwnedPipeline, PipelineError, PipelineProgress};

/// The recording's sample rate: Opus works at 48 kHz.
const SAMPLE_RATE: i32 = 48_000;
/// Opus bitrate for one voice: ~3 KB a second, ~540 KB for three minutes.
const BITRATE_BPS: i32 = 24_000;
/// How often the `level` element reports (20 meter updates a second).
const LEVEL_INTERVAL: Duration = Duration::from_millis(50);
/// The longest [`Recorder::finish`] waits for end-of-stream to reach the file.
const FINISH_TIMEOUT: Duration = Duration::from_secs(2);
/// The longest [`probe_ogg_opus`] waits for a file to decode (3 minutes decode in well under 1 s).
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);
/// How often blocking calls look at the bus.
const POLL_INTERVAL: Duration = Duration::from_millis(5);
/// The `level` element's name, to recognise its messages.
const METER_NAME: &str = "meter";
/// Marks "no buffer seen yet" in [`Meter::first_pts_ns`].
const NO_PTS: u64 = u64::MAX;

/// GStreamer elements recording and checking need, with the Debian package that ships each.
const REQUIRED_ELEMENTS: [(&str, &str); 8] = [
    ("audioconvert", "gstreamer1.0-plugins-base"),
    ("audioresample", "gstreamer1.0-plugins-base"),
    ("opusenc", "gstreamer1.0-plugins-base"),
    ("opusdec", "gstreamer1.0-plugins-base"),
    ("oggmux", "gstreamer1.0-plugins-base"),
    ("oggdemux", "gstreamer1.0-plugins-base"),
    ("level", "gstreamer1.0-plugins-good"),
    ("filesink", "libgstreamer1.0-0"),
];

/// Where the voice comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum MicSource {
    /// The machine's microphone, chosen by GStreamer's `autoaudiosrc`.
    Auto,
    /// A live sine tone (`audiotestsrc is-live=true`): demos, CI, boxes without a microphone.
    Test { freq_hz: f64 },
    /// A GStreamer source description, as in `gst-launch-1.0`: e.g. `"alsasrc device=hw:1"`,
    /// `"pulsesrc device=..."` or `"audiotestsrc wave=silence is-live=true"`.
    Named(String),
}

/// Why recording, checking or playing a voice recording failed. Shown to staff (and in the
/// log), so each message says what is missing and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error(
        "voice recording needs GStreamer: {0}. Install it with `apt-get install gstreamer1.0-plugins-base gstreamer1.0-plugins-good` (or run scripts/install-deps.sh)"
    )]
    NoGStreamer(String),
    #[error(
        "voice recording has no microphone: {0}. Connect a microphone and check that the sound card is seen (`arecord -l`) or that the sound server runs for this user (`gstreamer1.0-alsa`/`gstreamer1.0-pulseaudio` must be installed), or choose another source"
    )]
    NoMicrophone(String),
    #[error(
        "voice playback has no audio output: {0}. Connect speakers or headphones and check that the sound card is seen (`aplay -l`) or that the sound server runs for this user, or choose another audio sink"
    )]
    NoAudioOutput(#[from] super::pipeline::AudioOutputError),
    #[error("the voice recording file {} cannot be used: {reason}", .path.display())]
    File { path: PathBuf, reason: String },
    #[error("{} is not a complete Ogg/Opus recording: {reason}", .path.display())]
    Invalid { path: PathBuf, reason: String },
    #[error("the recording did not end within {0:?} of being asked to stop")]
    Timeout(Duration),
    #[error("nothing was recorded: the microphone delivered no sound")]
    Empty,
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
}

/// A finished recording: a complete Ogg/Opus file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    pub path: PathBuf,
    /// Length of the recorded audio.
    pub duration_ms: u64,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256_hex: String,
    /// Size of the file.
    pub bytes: u64,
}

/// What GStreamer's threads report to the recorder's owner; every field is read without locks.
#[derive(Debug)]
struct Meter {
    /// Latest meter value, 0.0..=1.0, as `f32::to_bits`.
    level_bits: AtomicU32,
    /// Audio recorded so far (end of the last buffer passed to the encoder).
    elapsed_ms: AtomicU64,
    /// Timestamp of the first buffer, `NO_PTS` until it arrives.
    first_pts_ns: AtomicU64,
    /// Set once the limit was reached and end-of-stream requested.
    limit_reached: AtomicBool,
    /// Set when end-of-stream or an error reached the bus: nothing more is recorded.
    ended: AtomicBool,
}

impl Meter {
    fn new() -> Meter {
        Meter {
            level_bits: AtomicU32::new(0.0f32.to_bits()),
            elapsed_ms: AtomicU64::new(0),
            first_pts_ns: AtomicU64::new(NO_PTS),
            limit_reached: AtomicBool::new(false),
            ended: AtomicBool::new(false),
        }
    }

    fn set_level(&self, level: f32) {
        self.level_bits.store(level.to_bits(), Ordering::Relaxed);
    }
}

/// Records one voice message. Owns its pipeline; dropping it stops the pipeline and deletes
/// the file unless [`Recorder::finish`] kept it.
#[derive(Debug)]
pub struct Recorder {
    pipeline: OwnedPipeline,
    meter: Arc<Meter>,
    path: PathBuf,
    /// Set by `finish` once the file is complete; otherwise `Drop` deletes it.
    keep_file: bool,
}

impl Recorder {
    /// Starts recording from `source` into `path` (created or truncated) as Ogg/Opus, mono,
    /// 48 kHz, ~24 kb/s. Stops by itself after `max_secs` of audio (at least 1).
    ///
    /// Refuses when GStreamer lacks an element, the file cannot be created, or the microphone
    /// cannot open (`RecordError::NoMicrophone`, naming the source and why); then no file is
    /// left behind.
    pub fn start(source: &MicSource, path: &Path, max_secs: u32) -> Result<Recorder, RecordError> {
        check_gstreamer()?;
        File::create(path).map_err(|e| RecordError::File {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let meter = Arc::new(Meter::new());
        // From here on, dropping `recorder` on an error path deletes the file.
        let recorder = Recorder {
            pipeline: OwnedPipeline::new(gst::Pipeline::with_name("voice-recorder")),
            meter,
            path: path.to_path_buf(),
            keep_file: false,
        };
        let limit = gst::ClockTime::from_seconds(u64::from(max_secs.max(1)));
        let mic = build_recording(&recorder, source, limit)?;
        recorder.watch_bus();
        if let Err(e) = recorder.pipeline.set_state(gst::State::Playing) {
            let detail = match e {
                PipelineError::StateChange { detail, .. } => detail,
                other => other.to_string(),
            };
            return Err(RecordError::NoMicrophone(format!(
                "{} cannot open: {detail}",
                describe(source)
            )));
        }
        if *source == MicSource::Auto && auto_source_is_fake(&mic) {
            let why = recorder
                .pipeline
                .drain_problems()
                .into_iter()
                .next()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "no source opened".into());
            return Err(RecordError::NoMicrophone(format!(
                "no microphone or sound server could be opened ({why})"
            )));
        }
        if let PipelineProgress::Failed(e) = recorder.pipeline.poll() {
            return Err(RecordError::NoMicrophone(format!(
                "{} failed as it started: {e}",
                describe(source)
            )));
        }
        Ok(recorder)
    }

    /// Latest input level for the meter, 0.0 (silent, or below -60 dBFS) ..= 1.0 (0 dBFS),
    /// linear in dB RMS. Updated 20 times a second; 0 once the recording has ended. Never blocks.
    pub fn level(&self) -> f32 {
        f32::from_bits(self.meter.level_bits.load(Ordering::Relaxed))
    }

    /// Length of the audio recorded so far. Never blocks.
    pub fn elapsed_ms(&self) -> u64 {
        self.meter.elapsed_ms.load(Ordering::Relaxed)
    }

    /// True once the recording has stopped by itself: `max_secs` were reached and the file is
    /// complete, or the microphone failed (then `finish` returns why). Never blocks.
    pub fn is_finished(&self) -> bool {
        self.meter.ended.load(Ordering::Acquire)
    }

    /// Stops recording and completes the file (end-of-stream through the muxer, so the Ogg is
    /// valid). Blocks at most ~2 s. On error the file is deleted.
    pub fn finish(mut self) -> Result<Recording, RecordError> {
        if !self.meter.ended.load(Ordering::Acquire) {
            // Downstream events sent to a pipeline go to its sources; they push it through.
            self.pipeline.pipeline().send_event(gst::event::Eos::new());
        }
        let deadline = Instant::now() + FINISH_TIMEOUT;
        loop {
            match self.pipeline.poll() {
                PipelineProgress::Finished => break,
                PipelineProgress::Failed(e) => return Err(e.into()),
                PipelineProgress::Running if Instant::now() >= deadline => {
                    return Err(RecordError::Timeout(FINISH_TIMEOUT));
                }
                PipelineProgress::Running => std::thread::sleep(POLL_INTERVAL),
            }
        }
        // Null closes the file.
        self.pipeline.set_state(gst::State::Null)?;
        let duration_ms = self.elapsed_ms();
        if duration_ms == 0 {
            return Err(RecordError::Empty);
        }
        let (sha256_hex, bytes) = hash_file(&self.path).map_err(|e| RecordError::File {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        self.keep_file = true;
        Ok(Recording {
            path: self.path.clone(),
            duration_ms,
            sha256_hex,
            bytes,
        })
    }

    /// Stops recording and deletes the file (idle reset, re-record). Same as dropping.
    pub fn discard(self) {}

    /// Level messages and the end of the recording update `meter` from GStreamer's threads.
    fn watch_bus(&self) {
        let meter = Arc::clone(&self.meter);
        // Invariant: a `gst::Pipeline` always has a bus (GstPipeline creates one in its init).
        let bus = self
            .pipeline
            .pipeline()
            .bus()
            .expect("a pipeline has a bus");
        bus.set_sync_handler(move |_bus, msg| match msg.view() {
            gst::MessageView::Element(element)
                if msg.src().is_some_and(|src| src.name() == METER_NAME) =>
            {
                if let Some(level) = element.structure().and_then(meter_level)
                    && !meter.ended.load(Ordering::Acquire)
                {
                    meter.set_level(level);
                }
                gst::BusSyncReply::Drop
            }
            gst::MessageView::Eos(_) | gst::MessageView::Error(_) => {
                meter.ended.store(true, Ordering::Release);
                meter.set_level(0.0);
                gst::BusSyncReply::Pass
            }
            _ => gst::BusSyncReply::Pass,
        });
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        // Null first: filesink closes the file before it is deleted.
        if let Err(error) = self.pipeline.set_state(gst::State::Null) {
            tracing::warn!(%error, "voice recorder pipeline refused to stop");
        }
        if !self.keep_file {
            match std::fs::remove_file(&self.path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => tracing::warn!(
                    %error,
                    path = %self.path.display(),
                    "could not delete an unfinished voice recording"
                ),
            }
        }
    }
}

/// Starts GStreamer and checks the elements recording needs.
fn check_gstreamer() -> Result<(), RecordError> {
    super::pipeline::check_elements(&REQUIRED_ELEMENTS)
        .map_err(|e| RecordError::NoGStreamer(e.to_string()))
}

fn describe(source: &MicSource) -> String {
    match source {
        MicSource::Auto => "the automatic microphone".into(),
        MicSource::Test { freq_hz } => format!("the {freq_hz} Hz test tone"),
        MicSource::Named(description) => format!("the audio source `{description}`"),
    }
}

/// Builds the microphone element: one element, or a bin with a ghosted source pad.
fn build_source(source: &MicSource) -> Result<gst::Element, RecordError> {
    let missing = |factory: &str, package: &str| {
        RecordError::NoMicrophone(format!(
            "the GStreamer element `{factory}` (package {package}) is missing"
        ))
    };
    match source {
        MicSource::Auto => gst::ElementFactory::make("autoaudiosrc")
            .name("mic")
            .build()
            .map_err(|_| missing("autoaudiosrc", "gstreamer1.0-plugins-good")),
        MicSource::Test { freq_hz } => gst::ElementFactory::make("audiotestsrc")
            .name("mic")
            .property("is-live", true)
            .property("freq", *freq_hz)
            .build()
            .map_err(|_| missing("audiotestsrc", "gstreamer1.0-plugins-base")),
        MicSource::Named(description) => {
            let bin = gst::parse::bin_from_description(description, true).map_err(|e| {
                RecordError::NoMicrophone(format!(
                    "the audio source `{description}` cannot be built ({e})"
                ))
            })?;
            if bin.static_pad("src").is_none() {
                return Err(RecordError::NoMicrophone(format!(
                    "the audio source `{description}` has no free output to record from"
                )));
            }
            Ok(bin.upcast())
        }
    }
}

/// `autoaudiosrc` does not fail when no device works: it warns and records silence from an
/// `audiotestsrc`. That counts as no microphone.
fn auto_source_is_fake(mic: &gst::Element) -> bool {
    mic.downcast_ref::<gst::Bin>().is_some_and(|bin| {
        bin.children().iter().all(|child| {
            child.factory().is_none_or(|factory| {
                ["audiotestsrc", "fakesrc"].contains(&factory.name().as_str())
            })
        })
    })
}

/// Adds and links the recording elements to `recorder`'s pipeline; returns the source.
fn build_recording(
    recorder: &Recorder,
    source: &MicSource,
    limit: gst::ClockTime,
) -> Result<gst::Element, RecordError> {
    let build = |e: &dyn std::fmt::Display| RecordError::from(PipelineError::Build(e.to_string()));
    let make = |factory: &str| {
        gst::ElementFactory::make(factory)
            .build()
            .map_err(|e| build(&e))
    };
    let mic = build_source(source)?;
    let convert = make("audioconvert")?;
    let resample = make("audioresample")?;
    let caps = gst::Caps::builder("audio/x-raw")
        .field("format", "S16LE")
        .field("rate", SAMPLE_RATE)
        .field("channels", 1i32)
        .build();
    let filter = gst::ElementFactory::make("capsfilter")
        .property("caps", &caps)
        .build()
        .map_err(|e| build(&e))?;
    let level = level_element(METER_NAME, LEVEL_INTERVAL).map_err(|e| build(&e))?;
    let encode = gst::ElementFactory::make("opusenc")
        .property("bitrate", BITRATE_BPS)
        .property_from_str("audio-type", "voice")
        .build()
        .map_err(|e| build(&e))?;
    let mux = make("oggmux")?;
    let sink = gst::ElementFactory::make("filesink")
        .property("location", recorder.path.to_string_lossy().as_ref())
        .build()
        .map_err(|e| build(&e))?;
    let elements = [
        &mic, &convert, &resample, &filter, &level, &encode, &mux, &sink,
    ];
    let pipeline = recorder.pipeline.pipeline();
    pipeline.add_many(elements).map_err(|e| build(&e))?;
    gst::Element::link_many(elements).map_err(|e| build(&e))?;
    // Invariant: `level` always has a static "src" pad.
    let level_src = level.static_pad("src").expect("level has a src pad");
    let meter = Arc::clone(&recorder.meter);
    let pipeline = pipeline.downgrade();
    level_src.add_probe(gst::PadProbeType::BUFFER, move |_pad, info| {
        let Some(buffer) = info.buffer() else {
            return gst::PadProbeReturn::Ok;
        };
        count_audio(&meter, buffer, limit, &pipeline)
    });
    Ok(mic)
}

/// Accounts one buffer of 48 kHz mono S16 audio on its way to the encoder; at the limit,
/// drops what follows and asks the pipeline for end-of-stream (once).
fn count_audio(
    meter: &Meter,
    buffer: &gst::BufferRef,
    limit: gst::ClockTime,
    pipeline: &glib::WeakRef<gst::Pipeline>,
) -> gst::PadProbeReturn {
    let Some(pts) = buffer.pts() else {
        return gst::PadProbeReturn::Ok;
    };
    let duration = buffer.duration().unwrap_or_else(|| {
        let samples = buffer.size() as u64 / 2;
        gst::ClockTime::from_nseconds(samples * 1_000_000_000 / SAMPLE_RATE as u64)
    });
    let first = match meter.first_pts_ns.compare_exchange(
        NO_PTS,
        pts.nseconds(),
        Ordering::AcqRel,
        Ordering::Acquire,
    ) {
        Ok(_) => pts.nseconds(),
        Err(first) => first,
    };
    let start = pts.nseconds().saturating_sub(first);
    if start >= limit.nseconds() {
        request_eos(meter, pipeline);
        return gst::PadProbeReturn::Drop;
    }
    let end = start + duration.nseconds();
    meter.elapsed_ms.store(end / 1_000_000, Ordering::Relaxed);
    if end >= limit.nseconds() {
        request_eos(meter, pipeline);
    }
    gst::PadProbeReturn::Ok
}

fn request_eos(meter: &Meter, pipeline: &glib::WeakRef<gst::Pipeline>) {
    if meter.limit_reached.swap(true, Ordering::AcqRel) {
        return;
    }
    if let Some(pipeline) = pipeline.upgrade() {
        // Not from this streaming thread: the source handles EOS on its own thread.
        gst::prelude::ElementExtManual::call_async(&pipeline, |pipeline| {
            pipeline.send_event(gst::event::Eos::new());
        });
    }
}

fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher)?;
    Ok((hex::encode(hasher.finalize()), bytes))
}

/// Decodes an Ogg/Opus file through GStreamer (`oggdemux ! opusdec`) and returns the length of
/// its audio. Refuses (`RecordError::Invalid`) a file that is not Ogg, holds no Opus, decodes
/// to nothing, or was not completed (its last page lacks the end-of-stream flag, as when a
/// recording was cut off before the muxer finished).
pub fn probe_ogg_opus(path: &Path) -> Result<u64, RecordError> {
    check_gstreamer()?;
    let invalid = |reason: String| RecordError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    check_last_page(path).map_err(|e| match e {
        LastPage::Io(e) => RecordError::File {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
        LastPage::Invalid(reason) => invalid(reason.into()),
    })?;
    let samples = Arc::new(Mutex::new(DecodedSamples::default()));
    let pipeline = build_probe(path, &samples)?;
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|e| invalid(e.to_string()))?;
    let deadline = Instant::now() + PROBE_TIMEOUT;
    loop {
        match pipeline.poll() {
            PipelineProgress::Finished => break,
            PipelineProgress::Failed(e) => return Err(invalid(e.to_string())),
            PipelineProgress::Running if Instant::now() >= deadline => {
                return Err(invalid(format!("decoding took over {PROBE_TIMEOUT:?}")));
            }
            PipelineProgress::Running => std::thread::sleep(POLL_INTERVAL),
        }
    }
    drop(pipeline);
    let decoded = *samples.lock().unwrap_or_else(PoisonError::into_inner);
    if decoded.frames == 0 || decoded.rate == 0 {
        return Err(invalid("no audio decoded".into()));
    }
    Ok(decoded.frames * 1000 / decoded.rate)
}

/// What the probe's decoder produced.
#[derive(Debug, Default, Clone, Copy)]
struct DecodedSamples {
    /// Samples per channel.
    frames: u64,
    rate: u64,
}

fn build_probe(
    path: &Path,
    samples: &Arc<Mutex<DecodedSamples>>,
) -> Result<OwnedPipeline, RecordError> {
    let build = |e: &dyn std::fmt::Display| RecordError::from(PipelineError::Build(e.to_string()));
    let src = gst::ElementFactory::make("filesrc")
        .property("location", path.to_string_lossy().as_ref())
        .build()
        .map_err(|e| build(&e))?;
    let demux = gst::ElementFactory::make("oggdemux")
        .build()
        .map_err(|e| build(&e))?;
    let decode = gst::ElementFactory::make("opusdec")
        .build()
        .map_err(|e| build(&e))?;
    let caps = gst::Caps::builder("audio/x-raw")
        .field("format", "S16LE")
        .build();
    let filter = gst::ElementFactory::make("capsfilter")
        .property("caps", &caps)
        .build()
        .map_err(|e| build(&e))?;
    let sink = gst::ElementFactory::make("fakesink")
        .property("sync", false)
        .build()
        .map_err(|e| build(&e))?;
    let pipeline = OwnedPipeline::new(gst::Pipeline::with_name("voice-probe"));
    pipeline
        .pipeline()
        .add_many([&src, &demux, &decode, &filter, &sink])
        .map_err(|e| build(&e))?;
    src.link(&demux).map_err(|e| build(&e))?;
    gst::Element::link_many([&decode, &filter, &sink]).map_err(|e| build(&e))?;
    link_first_stream(&demux, &decode);
    // Invariant: fakesink always has a static "sink" pad.
    let sink_pad = sink.static_pad("sink").expect("fakesink has a sink pad");
    let samples = Arc::clone(samples);
    sink_pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        let Some(buffer) = info.buffer() else {
            return gst::PadProbeReturn::Ok;
        };
        let (rate, channels) = pad
            .current_caps()
            .and_then(|caps| {
                let s = caps.structure(0)?;
                Some((s.get::<i32>("rate").ok()?, s.get::<i32>("channels").ok()?))
            })
            .unwrap_or((0, 0));
        if rate > 0 && channels > 0 {
            let mut decoded = samples.lock().unwrap_or_else(PoisonError::into_inner);
            decoded.rate = rate as u64;
            decoded.frames += buffer.size() as u64 / (2 * channels as u64);
        }
        gst::PadProbeReturn::Ok
    });
    Ok(pipeline)
}

/// Links the demuxer's first stream to the decoder; a stream that is not Opus fails to link,
/// and the demuxer then reports "not linked" on the bus.
pub(crate) fn link_first_stream(demux: &gst::Element, decode: &gst::Element) {
    let decode = decode.downgrade();
    demux.connect_pad_added(move |_demux, pad| {
        let Some(decode) = decode.upgrade() else {
            return;
        };
        // Invariant: opusdec always has a static "sink" pad.
        let sink = decode.static_pad("sink").expect("opusdec has a sink pad");
        if !sink.is_linked()
            && let Err(error) = pad.link(&sink)
        {
            tracing::debug!(?error, pad = %pad.name(), "Ogg stream is not Opus");
        }
    });
}

enum LastPage {
    Io(std::io::Error),
    Invalid(&'static str),
}

/// Walks the file's Ogg pages: each must be well formed, they must fill the file exactly, and
/// the last must be flagged end-of-stream, which `oggmux` writes only when the stream was
/// ended properly (a recording cut off mid-way lacks it).
fn check_last_page(path: &Path) -> Result<(), LastPage> {
    /// A page header: "OggS", version, flags, granule (8), serial (4), sequence (4), CRC (4),
    /// segment count; then the segment table.
    const HEADER: usize = 27;
    const END_OF_STREAM: u8 = 0x04;
    let bytes = std::fs::read(path).map_err(LastPage::Io)?;
    if !bytes.starts_with(b"OggS") {
        return Err(LastPage::Invalid("it does not start with an Ogg page"));
    }
    let mut offset = 0;
    let mut last_flags = 0;
    while offset < bytes.len() {
        let header = bytes
            .get(offset..offset + HEADER)
            .ok_or(LastPage::Invalid("it ends inside a page header"))?;
        if &header[..5] != b"OggS\0" {
            return Err(LastPage::Invalid(
                "a page does not start where the last one ended",
            ));
        }
        last_flags = header[5];
        let segments = usize::from(header[26]);
        let table = bytes
            .get(offset + HEADER..offset + HEADER + segments)
            .ok_or(LastPage::Invalid("it ends inside a segment table"))?;
        let body: usize = table.iter().map(|&s| usize::from(s)).sum();
        offset += HEADER + segments + body;
    }
    if offset != bytes.len() {
        return Err(LastPage::Invalid("it ends inside a page"));
    }
    if last_flags & END_OF_STREAM == 0 {
        return Err(LastPage::Invalid(
            "its last page is not marked end-of-stream (the recording was cut off)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_microphone_explains_what_to_do() {
        let message = RecordError::NoMicrophone("x".into()).to_string();
        assert!(message.contains("Connect a microphone"), "{message}");
        assert!(message.contains("arecord -l"), "{message}");
    }
}
