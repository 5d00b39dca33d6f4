//! What leaves the room: camera → VP8 and microphone → Opus, as [`EncodedFrame`]s.
//!
//! Video pipeline (rebuilt as a whole when it fails):
//! ```text
//! <camera> ! videoconvert ! videoscale ! videorate ! capsfilter(I420, layer size, fps)
//!   [probe: paints the capture-time stamp, test picture only] ! tee
//!   tee. ! queue leaky ! valve ! vp8enc ! appsink              → EncodedFrame::Video
//!   tee. ! queue leaky ! videoscale ! videoconvert ! RGBA 320x180 ! appsink → self-view
//! ```
//! Audio pipeline:
//! ```text
//! <mic> ! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=1 ! level ! volume
//!   ! opusenc ! appsink                                        → EncodedFrame::Audio
//! ```
//! Layer changes only set the capsfilter's caps: videoscale renegotiates and vp8enc starts
//! again with a keyframe, without rebuilding anything.
//!
//! **Simulcast** ([`CaptureSettings::simulcast`], e.g. 720p, 360p, 180p): the capsfilter holds
//! the best layer's picture for good, and each layer has an encoder of its own behind the tee
//! (`tee. ! queue leaky ! valve ! videoscale ! capsfilter(layer size) ! vp8enc ! appsink`, the
//! best one without the scale), its frames tagged with the stream's index. The adaptation's
//! layer then says which streams are sent: those at or below it (the valves of the others
//! close, so a layer the uplink cannot carry costs no CPU); the highest one sent gets the
//! target bitrate, the ones below it their layer's start bitrate. Audio only closes the valve in front of
//! the encoder (nothing is encoded, no CPU spent) while the camera keeps feeding the self-view.
//!
//! The capture-time stamp ([`super::super::stamp`]) is painted on the test picture only: on a
//! real camera it would be a visible bar across the top of people's faces, and it exists for
//! glass-to-glass measurement and tests, which use the test picture.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;
use tokio::sync::mpsc::UnboundedSender;

use super::super::FrameSlot;
use super::super::meter::{level_element, meter_level};
use super::super::pipeline::OwnedPipeline;
use super::super::stamp::{self, Stamp};
use super::{
    CallMediaError, DeviceKind, EncodedFrame, EncodedKind, ErrorSlot, Note, Restartable,
    Supervisor, build_error, devices, init, make, missing, on_each_sample, publish_rgba,
    start_failure, start_playing, unix_ms_now, watch_bus,
};
use crate::config::DeviceChoice;
use crate::meeting::Layer;

/// The self-view's size: a small picture in a corner of the screen.
const SELF_VIEW: (u32, u32) = (320, 180);
const SELF_VIEW_FPS: i32 = 10;
/// Opus packet length; WebRTC's default and what `EncodedFrame::duration` says for audio.
const OPUS_FRAME: Duration = Duration::from_millis(20);
const OPUS_BITRATE_BPS: i32 = 32_000;
/// How often the `level` element reports: fast enough for a "speaking" light.
const LEVEL_INTERVAL: Duration = Duration::from_millis(100);
/// A keyframe at least this often, so a room that joins late or lost packets waits at most
/// this long even if nobody asks for one.
const KEYFRAME_EVERY_SECS: u32 = 3;
const LEVEL_NAME: &str = "mic-level";

/// libvpx's speed for a layer, as WebRTC sets it: a fixed -6 (negative: the same speed every
/// frame, not one adapted to the deadline), a little more effort (-4) below CIF where frames are
/// cheap and every bit counts; ARM boxes use -12 as WebRTC does on phones.
pub(super) fn vp8_speed(layer: Layer) -> i32 {
    if cfg!(any(target_arch = "arm", target_arch = "aarch64")) {
        return -12;
    }
    match layer.video() {
        Some(v) if v.width * v.height < 352 * 288 => -4,
        _ => -6,
    }
}

/// Frames between forced keyframes at `layer`'s frame rate.
fn keyframe_max_dist(layer: Layer) -> i32 {
    (layer.captured().fps * KEYFRAME_EVERY_SECS) as i32
}

/// Encoder threads for a picture size on `cores` CPUs, WebRTC's rule. One thread below
/// three cores: libvpx's row-sync threads wait by spinning, and on this 2-core box two
/// threads at 720p cost 48 % of a core against 19 % for one, for the same frames
/// (`gst-launch-1.0 videotestsrc is-live=true pattern=ball ! 1280x720@30 ! vp8enc`).
pub(super) fn vp8_threads(layer: Layer, cores: usize) -> i32 {
    let pixels = layer.video().map_or(0, |v| v.width * v.height);
    if pixels > 1280 * 960 && cores >= 6 {
        3
    } else if pixels > 640 * 480 && cores >= 3 {
        2
    } else {
        1
    }
}

/// What [`Capture::start`] captures and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureSettings {
    pub camera: DeviceChoice,
    pub microphone: DeviceChoice,
    /// Painted into the test picture's stamp (0..=63) so receivers can tell rooms apart.
    pub stamp_tag: u8,
    /// The picture size and frame rate come from the layer table.
    pub layer: Layer,
    /// Clamped for the layer ([`Layer::encoder_bitrate_bps`]).
    pub video_bitrate_bps: u32,
    /// Video layers sent at once, best first (each a stream of its own; see the module's
    /// notes); empty: one stream, at `layer`.
    pub simulcast: Vec<Layer>,
}

impl Default for CaptureSettings {
    fn default() -> Self {
        CaptureSettings {
            camera: DeviceChoice::Auto,
            microphone: DeviceChoice::Auto,
            stamp_tag: 0,
            layer: Layer::P360,
            video_bitrate_bps: Layer::P360.captured().start_bps,
            simulcast: Vec::new(),
        }
    }
}

/// Which devices a capture actually uses, in words for the staff screen, e.g.
/// "test picture (no camera found)".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcesInUse {
    pub camera: String,
    pub microphone: String,
    pub camera_is_test: bool,
    pub microphone_is_test: bool,
}

/// The room's camera and microphone, encoded for the call. Dropping it stops both.
#[derive(Debug)]
pub struct Capture {
    // Supervisors first: fields drop in order, so no rebuild races the teardown.
    _video_supervisor: Supervisor,
    _audio_supervisor: Supervisor,
    pub(super) video: Arc<VideoSide>,
    audio: Arc<AudioSide>,
    errors: Arc<ErrorSlot>,
}

impl Capture {
    /// Starts camera and microphone pipelines; encoded frames go to `out` (sent from
    /// GStreamer's threads, so the receiving task never slows capture down, and a closed
    /// channel only discards frames).
    ///
    /// `Auto` devices fall back to the test picture or tone when none is found or the one
    /// found cannot start ([`Capture::sources`] says so); a `Named` device that cannot start
    /// is an error ([`CallMediaError::Device`]).
    pub fn start(
        settings: &CaptureSettings,
        out: UnboundedSender<EncodedFrame>,
    ) -> Result<Capture, CallMediaError> {
        init()?;
        let layer = settings.layer;
        let video = Arc::new(VideoSide {
            camera: settings.camera.clone(),
            stamp_tag: settings.stamp_tag,
            simulcast: settings
                .simulcast
                .iter()
                .copied()
                .filter(|l| l.video().is_some())
                .collect(),
            control: Mutex::new(VideoControl {
                layer,
                bitrate_bps: layer.encoder_bitrate_bps(settings.video_bitrate_bps),
                camera_on: true,
            }),
            running: Mutex::new(None),
            source: Mutex::new(("(not started)".to_owned(), false)),
            self_view: FrameSlot::new(),
            show_self: Arc::new(AtomicBool::new(true)),
            out: out.clone(),
        });
        let audio = Arc::new(AudioSide {
            microphone: settings.microphone.clone(),
            running: Mutex::new(None),
            source: Mutex::new(("(not started)".to_owned(), false)),
            mic_on: AtomicBool::new(true),
            level: Arc::new(AtomicU32::new(0f32.to_bits())),
            out,
        });
        let errors = Arc::new(ErrorSlot::default());
        Ok(Capture {
            _video_supervisor: Supervisor::launch(video.clone(), errors.clone())?,
            _audio_supervisor: Supervisor::launch(audio.clone(), errors.clone())?,
            video,
            audio,
            errors,
        })
    }

    /// Sets vp8enc's target bitrate while it runs (the call layer's congestion control drives
    /// this), clamped into the current layer's range.
    pub fn set_target_bitrate(&self, bps: u32) {
        let mut control = self.video.control();
        control.bitrate_bps = control.layer.encoder_bitrate_bps(bps);
        self.video.apply(&control, false);
    }

    /// Switches the sent picture size while running. The encoder restarts with a keyframe at
    /// the new size; the bitrate is clamped into the new layer's range. `AudioOnly` stops
    /// encoding and sending video but keeps the self-view (from a 180p capture).
    pub fn set_layer(&self, layer: Layer) {
        let mut control = self.video.control();
        let was_sending = control.sending();
        control.layer = layer;
        control.bitrate_bps = layer.encoder_bitrate_bps(control.bitrate_bps);
        self.video
            .apply(&control, !was_sending && control.sending());
    }

    pub fn layer(&self) -> Layer {
        self.video.control().layer
    }

    /// The bitrate vp8enc is aiming for, after clamping.
    pub fn target_bitrate_bps(&self) -> u32 {
        self.video.control().bitrate_bps
    }

    /// Asks the encoder for a keyframe (a receiver lost packets or just joined).
    pub fn request_keyframe(&self) {
        if let Some(running) = self.video.running().as_ref() {
            running.request_keyframe();
        }
    }

    /// Off: no video frames are sent and the self-view is empty. The camera itself keeps
    /// running, so turning it back on is instant (and starts with a keyframe).
    pub fn set_camera_enabled(&self, on: bool) {
        let mut control = self.video.control();
        let was_sending = control.sending();
        control.camera_on = on;
        self.video.show_self.store(on, Ordering::Release);
        if !on {
            self.video.self_view.clear();
        }
        self.video
            .apply(&control, !was_sending && control.sending());
    }

    /// Off: the microphone is muted at the `volume` element, so Opus keeps sending (near
    /// empty) silence frames: the other rooms' jitter buffers and the RTP timeline carry on
    /// undisturbed, and unmuting is instant.
    pub fn set_microphone_enabled(&self, on: bool) {
        self.audio.mic_on.store(on, Ordering::Release);
        if let Some(running) = self.audio.running().as_ref() {
            running.volume.set_property("mute", !on);
        }
    }

    pub fn sources(&self) -> SourcesInUse {
        let camera = self
            .video
            .source
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let microphone = self
            .audio
            .source
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        SourcesInUse {
            camera: camera.0.clone(),
            microphone: microphone.0.clone(),
            camera_is_test: camera.1,
            microphone_is_test: microphone.1,
        }
    }

    /// The small RGBA self-view (320x180); empty while the camera is off.
    pub fn self_view(&self) -> FrameSlot {
        self.video.self_view.clone()
    }

    /// 0..=1: the microphone's RMS level over the last 100 ms, linear in dB from -60 dBFS;
    /// 0 while the microphone is off, so a muted room never shows as speaking.
    pub fn mic_level(&self) -> f32 {
        if !self.audio.mic_on.load(Ordering::Acquire) {
            return 0.0;
        }
        f32::from_bits(self.audio.level.load(Ordering::Relaxed))
    }

    /// The latest failure not yet taken. [`CallMediaError::GaveUp`] means a pipeline stopped
    /// for good; other errors were followed by a rebuild.
    pub fn take_error(&self) -> Option<CallMediaError> {
        self.errors.take()
    }
}

/// What the caller asked of the video side; re-applied to every rebuilt pipeline.
#[derive(Debug, Clone, Copy)]
struct VideoControl {
    layer: Layer,
    bitrate_bps: u32,
    camera_on: bool,
}

impl VideoControl {
    fn sending(&self) -> bool {
        self.camera_on && self.layer != Layer::AudioOnly
    }
}

#[derive(Debug)]
pub(super) struct VideoSide {
    camera: DeviceChoice,
    stamp_tag: u8,
    /// The simulcast layers, best first (empty: one stream at the control's layer).
    simulcast: Vec<Layer>,
    /// Lock order: `control` before `running`.
    control: Mutex<VideoControl>,
    running: Mutex<Option<VideoRunning>>,
    /// What the camera is, in words, and whether it is the test picture.
    source: Mutex<(String, bool)>,
    self_view: FrameSlot,
    show_self: Arc<AtomicBool>,
    out: UnboundedSender<EncodedFrame>,
}

/// The elements of a running video pipeline that are changed while it runs.
#[derive(Debug)]
pub(super) struct VideoRunning {
    pipeline: OwnedPipeline,
    caps: gst::Element,
    valve: gst::Element,
    pub(super) encoder: gst::Element,
    /// With simulcast, the streams below the best one (`encoder` sends the best).
    lower: Vec<LowerStream>,
}

/// One simulcast stream below the best: its own valve and encoder.
#[derive(Debug)]
struct LowerStream {
    layer: Layer,
    valve: gst::Element,
    encoder: gst::Element,
}

fn force_keyframe(encoder: &gst::Element) {
    // Upstream ForceKeyUnit into the encoder's source pad: GstVideoEncoder makes the
    // next frame it encodes a keyframe.
    let event = gst_video::UpstreamForceKeyUnitEvent::builder()
        .all_headers(true)
        .build();
    if let Some(pad) = encoder.static_pad("src") {
        pad.send_event(event);
    }
}

impl VideoRunning {
    fn request_keyframe(&self) {
        force_keyframe(&self.encoder);
        for stream in &self.lower {
            force_keyframe(&stream.encoder);
        }
    }
}

/// The bitrate of a simulcast stream at `stream` while the adaptation chose `control.layer`:
/// the target for the highest stream sent, the layer's start bitrate for those below it.
fn stream_bitrate(stream: Layer, control: &VideoControl) -> u32 {
    if stream >= control.layer {
        stream.encoder_bitrate_bps(control.bitrate_bps)
    } else {
        stream.captured().start_bps
    }
}

/// Whether a simulcast stream at `stream` is sent while the adaptation chose `control`.
fn stream_sending(stream: Layer, control: &VideoControl) -> bool {
    control.sending() && stream <= control.layer
}

/// A vp8enc set up as WebRTC runs it, for `layer`'s picture at `bitrate_bps`.
fn vp8_encoder(
    layer: Layer,
    bitrate_bps: u32,
    threads: i32,
) -> Result<gst::Element, CallMediaError> {
    gst::ElementFactory::make("vp8enc")
        .property("deadline", 1i64)
        .property("cpu-used", vp8_speed(layer))
        // Skip macroblocks that did not change (most of a meeting hall), as WebRTC does.
        .property("static-threshold", 1i32)
        .property_from_str("error-resilient", "default")
        .property("keyframe-max-dist", keyframe_max_dist(layer))
        .property_from_str("end-usage", "cbr")
        .property("lag-in-frames", 0i32)
        .property("threads", threads)
        .property("target-bitrate", bitrate_bps as i32)
        // Realtime CBR as WebRTC runs it: a 1 s client buffer, never let quality
        // degrade to the point of mush.
        .property("buffer-size", 1000i32)
        .property("buffer-initial-size", 500i32)
        .property("buffer-optimal-size", 600i32)
        .property("max-quantizer", 56i32)
        .build()
        .map_err(|_| missing("vp8enc"))
}

/// A camera or microphone element and how to describe it.
struct Source {
    element: gst::Element,
    name: String,
    is_test: bool,
}

/// What differs between choosing a camera and choosing a microphone.
struct DeviceSources {
    kind: DeviceKind,
    /// The device monitor's class.
    class: &'static str,
    /// What the stand-in is called in `sources()`.
    stand_in: &'static str,
    /// Builds the stand-in: the test picture or tone.
    make_stand_in: fn() -> Result<gst::Element, CallMediaError>,
    /// For a name that is a raw device (`/dev/video0`, `hw:1`): the element that opens it.
    raw_device: fn(&str) -> Option<&'static str>,
}

const CAMERA: DeviceSources = DeviceSources {
    kind: DeviceKind::Camera,
    class: "Video/Source",
    stand_in: "test picture",
    make_stand_in: || {
        gst::ElementFactory::make("videotestsrc")
            .property("is-live", true)
            .property_from_str("pattern", "ball")
            .build()
            .map_err(|_| missing("videotestsrc"))
    },
    raw_device: |name| name.starts_with("/dev/").then_some("v4l2src"),
};

const MICROPHONE: DeviceSources = DeviceSources {
    kind: DeviceKind::Microphone,
    class: "Audio/Source",
    stand_in: "test tone",
    make_stand_in: || {
        gst::ElementFactory::make("audiotestsrc")
            .property("is-live", true)
            .property_from_str("wave", "sine")
            .property("volume", 0.1f64)
            // 20 ms buffers: one Opus frame each, no extra buffering.
            .property("samplesperbuffer", 960i32)
            .build()
            .map_err(|_| missing("audiotestsrc"))
    },
    raw_device: |name| {
        (name.starts_with("hw:") || name.starts_with("plughw:")).then_some("alsasrc")
    },
};

impl DeviceSources {
    /// The source for `choice`: `Auto` takes the first device the monitor sees and falls
    /// back to the stand-in when there is none (or `fallback_reason` says the one found
    /// cannot start); a name is a raw device, a device's display name, or else a GStreamer
    /// description as in gst-launch-1.0.
    fn choose(
        &self,
        choice: &DeviceChoice,
        fallback_reason: Option<String>,
    ) -> Result<Source, CallMediaError> {
        let stand_in = |why: &str| -> Result<Source, CallMediaError> {
            Ok(Source {
                element: (self.make_stand_in)()?,
                name: format!("{} ({why})", self.stand_in),
                is_test: true,
            })
        };
        if let Some(why) = fallback_reason {
            return stand_in(&why);
        }
        let unusable = |name: &str, reason: String| CallMediaError::Device {
            kind: self.kind,
            name: name.to_owned(),
            reason,
        };
        let (element, name) = match choice {
            DeviceChoice::Test => return stand_in("chosen in the settings"),
            DeviceChoice::Auto => {
                let Some(device) = devices(self.class).into_iter().next() else {
                    return stand_in(&format!("no {} found", self.kind));
                };
                let name = device.display_name().to_string();
                let element = device
                    .create_element(None)
                    .map_err(|e| unusable(&name, e.to_string()))?;
                (element, name)
            }
            DeviceChoice::Named(name) => {
                let element = if let Some(factory) = (self.raw_device)(name) {
                    gst::ElementFactory::make(factory)
                        .property("device", name.as_str())
                        .build()
                        .map_err(|_| missing(factory))?
                } else if let Some(device) = devices(self.class)
                    .into_iter()
                    .find(|d| d.display_name() == name.as_str())
                {
                    device
                        .create_element(None)
                        .map_err(|e| unusable(name, e.to_string()))?
                } else {
                    gst::parse::bin_from_description(name, true)
                        .map_err(|e| unusable(name, e.to_string()))?
                        .upcast()
                };
                (element, name.clone())
            }
        };
        Ok(Source {
            element,
            name,
            is_test: false,
        })
    }
}

/// Builds and starts a device's pipeline from the source `choice` names, returning it with
/// the source's name and whether it is the stand-in. An `Auto` device that was found but
/// cannot start is replaced by the stand-in (the meeting goes on, `sources()` says why);
/// any other source that cannot start is an error.
fn start_device<R>(
    sources: &DeviceSources,
    choice: &DeviceChoice,
    mut build: impl FnMut(&Source) -> Result<(R, Arc<AtomicBool>), CallMediaError>,
    pipeline: impl Fn(&R) -> &OwnedPipeline,
) -> Result<(R, String, bool), CallMediaError> {
    let mut fallback = None;
    loop {
        let source = sources.choose(choice, fallback.take())?;
        let (running, armed) = build(&source)?;
        match start_playing(pipeline(&running)) {
            Ok(()) => {
                armed.store(true, Ordering::Release);
                tracing::info!(device = %sources.kind, name = %source.name, "call device started");
                return Ok((running, source.name, source.is_test));
            }
            Err(e) => {
                let reason = start_failure(&e);
                if *choice != DeviceChoice::Auto || source.is_test {
                    return Err(CallMediaError::Device {
                        kind: sources.kind,
                        name: source.name,
                        reason,
                    });
                }
                tracing::warn!(device = %sources.kind, name = %source.name, %reason, "device cannot start; using the stand-in");
                fallback = Some(format!(
                    "{} `{}` cannot start: {reason}",
                    sources.kind, source.name
                ));
            }
        }
    }
}

impl VideoSide {
    fn control(&self) -> std::sync::MutexGuard<'_, VideoControl> {
        self.control.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn running(&self) -> std::sync::MutexGuard<'_, Option<VideoRunning>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn caps(&self, layer: Layer) -> gst::Caps {
        let picture = layer.captured();
        gst::Caps::builder("video/x-raw")
            .field("format", "I420")
            .field("width", picture.width as i32)
            .field("height", picture.height as i32)
            .field("framerate", gst::Fraction::new(picture.fps as i32, 1))
            .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
            .build()
    }

    /// Applies `control` to the running pipeline (call with the control lock held).
    fn apply(&self, control: &VideoControl, keyframe: bool) {
        let running = self.running();
        let Some(running) = running.as_ref() else {
            return;
        };
        if let Some(&best) = self.simulcast.first() {
            // The picture stays the best layer's; each stream keeps its own size.
            let streams = std::iter::once((best, &running.valve, &running.encoder)).chain(
                running
                    .lower
                    .iter()
                    .map(|s| (s.layer, &s.valve, &s.encoder)),
            );
            for (layer, valve, encoder) in streams {
                let sending = stream_sending(layer, control);
                let bps = stream_bitrate(layer, control) as i32;
                if encoder.property::<i32>("target-bitrate") != bps {
                    encoder.set_property("target-bitrate", bps);
                }
                let was_dropping = valve.property::<bool>("drop");
                if was_dropping == sending {
                    valve.set_property("drop", !sending);
                }
                // A stream that starts again starts with a keyframe: its encoder's last frame
                // is from before the gap.
                if sending && (was_dropping || keyframe) {
                    force_keyframe(encoder);
                }
            }
            return;
        }
        let caps = self.caps(control.layer);
        let current: Option<gst::Caps> = running.caps.property("caps");
        if current.as_ref() != Some(&caps) {
            running.caps.set_property("caps", &caps);
        }
        running
            .encoder
            .set_property("target-bitrate", control.bitrate_bps as i32);
        running
            .encoder
            .set_property("cpu-used", vp8_speed(control.layer));
        // Only on a change: every encoder setting reconfigures libvpx.
        let keyframe_every = keyframe_max_dist(control.layer);
        if running.encoder.property::<i32>("keyframe-max-dist") != keyframe_every {
            running
                .encoder
                .set_property("keyframe-max-dist", keyframe_every);
        }
        running.valve.set_property("drop", !control.sending());
        if keyframe {
            running.request_keyframe();
        }
    }

    fn build(
        &self,
        source: &Source,
        control: VideoControl,
        generation: u64,
        notes: &mpsc::Sender<Note>,
    ) -> Result<(VideoRunning, Arc<AtomicBool>), CallMediaError> {
        let pipeline = OwnedPipeline::new(gst::Pipeline::with_name("call-camera"));
        let convert = make("videoconvert")?;
        let scale = make("videoscale")?;
        let rate = make("videorate")?;
        // With simulcast the picture is the best layer's, and the first stream sends it.
        let best = self.simulcast.first().copied();
        let first_layer = best.unwrap_or(control.layer);
        let caps = gst::ElementFactory::make("capsfilter")
            .property("caps", self.caps(first_layer))
            .build()
            .map_err(|_| missing("capsfilter"))?;
        let tee = make("tee")?;
        let send_queue = leaky_queue(2)?;
        let first_sending = match best {
            Some(layer) => stream_sending(layer, &control),
            None => control.sending(),
        };
        let valve = gst::ElementFactory::make("valve")
            .property("drop", !first_sending)
            .build()
            .map_err(|_| missing("valve"))?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // Chosen once for the largest layer: libvpx takes its thread count only when it
        // starts, and layer changes restart it from the caps alone.
        let encoder = vp8_encoder(
            first_layer,
            match best {
                Some(layer) => stream_bitrate(layer, &control),
                None => control.bitrate_bps,
            },
            vp8_threads(Layer::P720, cores),
        )?;
        let encoded = gst_app::AppSink::builder()
            .sync(false)
            .name("encoded-video")
            .build();
        let view_queue = leaky_queue(1)?;
        let view_scale = make("videoscale")?;
        let view_convert = make("videoconvert")?;
        // The self-view is a small check that the camera works: 10 frames a second is
        // enough, and converting a third as many frames is CPU the encoder can use.
        let view_rate = gst::ElementFactory::make("videorate")
            .property("drop-only", true)
            .build()
            .map_err(|_| missing("videorate"))?;
        let view_caps = gst::ElementFactory::make("capsfilter")
            .property(
                "caps",
                gst::Caps::builder("video/x-raw")
                    .field("format", "RGBA")
                    .field("width", SELF_VIEW.0 as i32)
                    .field("height", SELF_VIEW.1 as i32)
                    .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
                    .field("framerate", gst::Fraction::new(SELF_VIEW_FPS, 1))
                    .build(),
            )
            .build()
            .map_err(|_| missing("capsfilter"))?;
        let view = gst_app::AppSink::builder()
            .sync(false)
            .max_buffers(1)
            .drop(true)
            .name("self-view")
            .build();

        let bin = pipeline.pipeline();
        let main = [&source.element, &convert, &scale, &rate, &caps, &tee];
        let send = [&send_queue, &valve, &encoder, encoded.upcast_ref()];
        let selfie = [
            &view_queue,
            &view_rate,
            &view_scale,
            &view_convert,
            &view_caps,
            view.upcast_ref(),
        ];
        bin.add_many(main.iter().chain(&send).chain(&selfie).copied())
            .map_err(build_error)?;
        gst::Element::link_many(main).map_err(build_error)?;
        gst::Element::link_many(send).map_err(build_error)?;
        gst::Element::link_many(selfie).map_err(build_error)?;
        tee.link(&send_queue).map_err(build_error)?;
        tee.link(&view_queue).map_err(build_error)?;

        // The simulcast streams below the best: `tee. ! queue ! valve ! videoscale !
        // capsfilter ! vp8enc ! appsink`, their frames tagged with their index.
        let mut lower = Vec::new();
        for (index, &layer) in self.simulcast.iter().enumerate().skip(1) {
            let queue = leaky_queue(2)?;
            let stream_valve = gst::ElementFactory::make("valve")
                .property("drop", !stream_sending(layer, &control))
                .build()
                .map_err(|_| missing("valve"))?;
            let stream_scale = make("videoscale")?;
            let stream_caps = gst::ElementFactory::make("capsfilter")
                .property("caps", self.caps(layer))
                .build()
                .map_err(|_| missing("capsfilter"))?;
            let stream_encoder = vp8_encoder(
                layer,
                stream_bitrate(layer, &control),
                vp8_threads(layer, cores),
            )?;
            let stream_out = gst_app::AppSink::builder()
                .sync(false)
                .name(format!("encoded-video-{index}"))
                .build();
            let chain = [
                &queue,
                &stream_valve,
                &stream_scale,
                &stream_caps,
                &stream_encoder,
                stream_out.upcast_ref(),
            ];
            bin.add_many(chain).map_err(build_error)?;
            gst::Element::link_many(chain).map_err(build_error)?;
            tee.link(&queue).map_err(build_error)?;
            let out = self.out.clone();
            let frame_time = Duration::from_secs(1) / layer.captured().fps;
            on_each_sample(&stream_out, move |sample| {
                forward_encoded(&out, sample, EncodedKind::Video, frame_time, index);
            });
            lower.push(LowerStream {
                layer,
                valve: stream_valve,
                encoder: stream_encoder,
            });
        }

        if source.is_test {
            paint_stamps(&caps, self.stamp_tag);
        }
        let out = self.out.clone();
        let frame_time = Duration::from_secs(1) / first_layer.captured().fps;
        on_each_sample(&encoded, move |sample| {
            forward_encoded(&out, sample, EncodedKind::Video, frame_time, 0);
        });
        let slot = self.self_view.clone();
        let show = self.show_self.clone();
        on_each_sample(&view, move |sample| {
            if show.load(Ordering::Acquire) {
                publish_rgba(&slot, sample, false);
                // The camera may have been turned off while this was published:
                // `set_camera_enabled` clears after storing the flag, this clears
                // after publishing, so either way the slot ends up empty.
                if !show.load(Ordering::Acquire) {
                    slot.clear();
                }
            }
        });
        let armed = watch_bus(&pipeline, generation, notes, |_| {});
        Ok((
            VideoRunning {
                pipeline,
                caps,
                valve,
                encoder,
                lower,
            },
            armed,
        ))
    }
}

impl Restartable for VideoSide {
    fn what(&self) -> &'static str {
        "camera"
    }

    fn stop(&self) {
        let failed = self.running().take();
        self.self_view.clear();
        drop(failed);
    }

    /// Builds and starts the camera pipeline (see [`start_device`]).
    fn rebuild(&self, generation: u64, notes: &mpsc::Sender<Note>) -> Result<(), CallMediaError> {
        let control = *self.control();
        let (running, name, is_test) = start_device(
            &CAMERA,
            &self.camera,
            |source| self.build(source, control, generation, notes),
            |running| &running.pipeline,
        )?;
        *self.source.lock().unwrap_or_else(PoisonError::into_inner) = (name, is_test);
        // Whatever the caller changed while this was being built wins.
        let control = self.control();
        *self.running() = Some(running);
        self.apply(&control, false);
        Ok(())
    }
}

/// A queue that holds at most `buffers` and drops the oldest, so a slow branch (encoder or
/// self-view) never holds up the camera or the other branch.
fn leaky_queue(buffers: u32) -> Result<gst::Element, CallMediaError> {
    gst::ElementFactory::make("queue")
        .property("max-size-buffers", buffers)
        .property("max-size-bytes", 0u32)
        .property("max-size-time", 0u64)
        .property_from_str("leaky", "downstream")
        .build()
        .map_err(|_| missing("queue"))
}

/// Paints the capture-time stamp into every I420 picture leaving `caps` (the probe makes
/// the buffer writable first; a pooled test-source buffer usually already is).
fn paint_stamps(caps: &gst::Element, tag: u8) {
    let Some(pad) = caps.static_pad("src") else {
        return;
    };
    pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        let Some(info_caps) = pad.current_caps() else {
            return gst::PadProbeReturn::Ok;
        };
        let Ok(video) = gst_video::VideoInfo::from_caps(&info_caps) else {
            return gst::PadProbeReturn::Ok;
        };
        if video.format() != gst_video::VideoFormat::I420 {
            return gst::PadProbeReturn::Ok;
        }
        if let Some(gst::PadProbeData::Buffer(buffer)) = &mut info.data {
            let buffer = buffer.make_mut();
            if let Ok(mut frame) =
                gst_video::VideoFrameRef::from_buffer_ref_writable(buffer, &video)
            {
                let strides: Vec<usize> = frame
                    .plane_stride()
                    .iter()
                    .map(|&s| usize::try_from(s).unwrap_or(0))
                    .collect();
                let (width, height) = (frame.width(), frame.height());
                let [y, u, v, _] = frame.planes_data_mut();
                if let [sy, su, sv, ..] = strides[..] {
                    stamp::write_i420(
                        [(y, sy), (u, su), (v, sv)],
                        width,
                        height,
                        Stamp::new(unix_ms_now(), tag),
                    );
                }
            }
        }
        gst::PadProbeReturn::Ok
    });
}

/// Sends one encoded buffer on; header buffers (Opus's OpusHead/OpusTags, which RTP does
/// not carry) are skipped.
fn forward_encoded(
    out: &UnboundedSender<EncodedFrame>,
    sample: &gst::Sample,
    kind: EncodedKind,
    default_duration: Duration,
    stream: usize,
) {
    let Some(buffer) = sample.buffer() else {
        return;
    };
    if buffer.flags().contains(gst::BufferFlags::HEADER) {
        return;
    }
    let Ok(map) = buffer.map_readable() else {
        return;
    };
    let duration = buffer
        .duration()
        .filter(|d| !d.is_zero())
        .map(|d| Duration::from_nanos(d.nseconds()))
        .unwrap_or(default_duration);
    let frame = EncodedFrame {
        kind,
        data: map.as_slice().to_vec(),
        duration,
        keyframe: kind == EncodedKind::Video
            && !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT),
        stream,
    };
    // A closed channel means the call ended before capture did: nothing to do.
    let _ = out.send(frame);
}

#[derive(Debug)]
struct AudioSide {
    microphone: DeviceChoice,
    running: Mutex<Option<AudioRunning>>,
    source: Mutex<(String, bool)>,
    mic_on: AtomicBool,
    /// Latest meter value as `f32::to_bits`.
    level: Arc<AtomicU32>,
    out: UnboundedSender<EncodedFrame>,
}

#[derive(Debug)]
struct AudioRunning {
    // Kept for its `Drop` (the pipeline goes to `Null`).
    pipeline: OwnedPipeline,
    volume: gst::Element,
}

impl AudioSide {
    fn running(&self) -> std::sync::MutexGuard<'_, Option<AudioRunning>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn build(
        &self,
        source: &Source,
        generation: u64,
        notes: &mpsc::Sender<Note>,
    ) -> Result<(AudioRunning, Arc<AtomicBool>), CallMediaError> {
        let pipeline = OwnedPipeline::new(gst::Pipeline::with_name("call-microphone"));
        let convert = make("audioconvert")?;
        let resample = make("audioresample")?;
        let caps = gst::ElementFactory::make("capsfilter")
            .property(
                "caps",
                gst::Caps::builder("audio/x-raw")
                    .field("rate", 48_000i32)
                    .field("channels", 1i32)
                    .build(),
            )
            .build()
            .map_err(|_| missing("capsfilter"))?;
        let level = level_element(LEVEL_NAME, LEVEL_INTERVAL).map_err(|_| missing("level"))?;
        let volume = gst::ElementFactory::make("volume")
            .property("mute", !self.mic_on.load(Ordering::Acquire))
            .build()
            .map_err(|_| missing("volume"))?;
        let encoder = gst::ElementFactory::make("opusenc")
            .property("bitrate", OPUS_BITRATE_BPS)
            .property_from_str("audio-type", "voice")
            .property_from_str("frame-size", "20")
            .property("inband-fec", true)
            .property("packet-loss-percentage", 10i32)
            .build()
            .map_err(|_| missing("opusenc"))?;
        let sink = gst_app::AppSink::builder()
            .sync(false)
            .name("encoded-audio")
            .build();
        let elements = [
            &source.element,
            &convert,
            &resample,
            &caps,
            &level,
            &volume,
            &encoder,
            sink.upcast_ref(),
        ];
        pipeline
            .pipeline()
            .add_many(elements)
            .map_err(build_error)?;
        gst::Element::link_many(elements).map_err(build_error)?;
        let out = self.out.clone();
        on_each_sample(&sink, move |sample| {
            forward_encoded(&out, sample, EncodedKind::Audio, OPUS_FRAME, 0);
        });
        let meter = self.level.clone();
        let armed = watch_bus(&pipeline, generation, notes, move |msg| {
            if msg.src().is_some_and(|src| src.name() == LEVEL_NAME)
                && let Some(level) = msg.structure().and_then(meter_level)
            {
                meter.store(level.to_bits(), Ordering::Relaxed);
            }
        });
        Ok((AudioRunning { pipeline, volume }, armed))
    }
}

impl Restartable for AudioSide {
    fn what(&self) -> &'static str {
        "microphone"
    }

    fn stop(&self) {
        let failed = self.running().take();
        self.level.store(0f32.to_bits(), Ordering::Relaxed);
        drop(failed);
    }

    /// Builds and starts the microphone pipeline (see [`start_device`]).
    fn rebuild(&self, generation: u64, notes: &mpsc::Sender<Note>) -> Result<(), CallMediaError> {
        let (running, name, is_test) = start_device(
            &MICROPHONE,
            &self.microphone,
            |source| self.build(source, generation, notes),
            |running| &running.pipeline,
        )?;
        *self.source.lock().unwrap_or_else(PoisonError::into_inner) = (name, is_test);
        running
            .volume
            .set_property("mute", !self.mic_on.load(Ordering::Acquire));
        *self.running() = Some(running);
        Ok(())
    }
}
