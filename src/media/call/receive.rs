//! One incoming VP8 stream: RTP packets in, RGBA pictures out into a [`FrameSlot`].
//!
//! ```text
//! appsrc (live, timestamped on arrival) ! rtpjitterbuffer latency=50 drop-on-latency
//!   ! rtpvp8depay (waits for a keyframe after loss, asks for one) ! vp8dec ! videoscale
//!   ! videoconvert ! video/x-raw,format=RGBA[,width=[16,W],pixel-aspect-ratio=1/1]
//!   ! appsink sync=false max-buffers=1 drop=true
//! ```
//! The picture is shown as soon as it is decoded (`sync=false`): the jitter buffer already
//! reorders, and waiting for the clock would only add delay. A decoded buffer is published
//! as it is, mapped, so the UI uploads it straight from GStreamer's memory.
//!
//! The picture is published no wider than the screen draws it: the kiosk says the width
//! through the [`FrameSlot`] ([`FrameSlot::show_at_width`]), and the capsfilter's caps are
//! changed to match (videoscale renegotiates; it scales the I420 picture before it is
//! converted, so both steps work on the smaller picture). A 720p picture drawn 600 pixels
//! wide costs a quarter of the conversion, upload and sampling; on the kiosk's software
//! renderer that is most of a frame. Nobody asking (tests, a room without a screen) keeps
//! the decoded size, and a picture is never scaled up.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;

use super::super::FrameSlot;
use super::super::pipeline::OwnedPipeline;
use super::super::stamp::Stamp;
use super::{
    CallMediaError, Counter, ErrorSlot, Note, Restartable, Supervisor, build_error, init, make,
    missing, on_each_sample, publish_rgba, rtp_input, rtp_with_payload_type, start_playing,
    watch_bus,
};

/// The payload type the pipeline's caps name; every packet is rewritten to it.
const VIDEO_PT: u8 = 96;
/// How long a gap in the video waits for its retransmission (a NACK every 20 ms, the repair
/// on RTX): a round trip of a highland link and a retry. Packets in order pass at once, so
/// this costs nothing without loss; giving up on a gap costs a keyframe request and a frozen
/// picture until the keyframe arrives.
pub const VIDEO_JITTER_LATENCY: Duration = Duration::from_millis(200);
/// At most this much RTP waits in the appsrc; beyond it the oldest is dropped, so a stalled
/// decoder never makes `push_rtp` block or memory grow.
const MAX_QUEUED_BYTES: u64 = 2 * 1024 * 1024;
/// Published pictures are a multiple of this many pixels wide when scaled: the stamp of a
/// test picture is 32 blocks across, so a decoded width that is a multiple of 32 (every
/// layer's) scales to whole blocks of `width / 32` pixels, which `stamp::read_rgba` reads.
const SCALED_WIDTH_STEP_PX: u32 = 32;
/// Never scaled narrower than this: a stamp block stays 5 pixels wide, and a picture this
/// small is a thumbnail anyway.
const MIN_SCALED_WIDTH_PX: u32 = 160;

/// How many glass-to-glass samples (one per decoded stamped picture) a receiver keeps.
pub const GLASS_TO_GLASS_SAMPLES: usize = 512;
/// A stamp older than this was misread (or comes from another clock): not a latency.
const GLASS_TO_GLASS_PLAUSIBLE_MS: u32 = 60_000;

/// Decodes one incoming VP8 stream into a [`FrameSlot`]. Dropping it stops the pipeline.
#[derive(Debug)]
pub struct VideoReceiver {
    _supervisor: Supervisor,
    pub(super) shared: Arc<ReceiverShared>,
    errors: Arc<ErrorSlot>,
}

#[derive(Debug)]
pub(super) struct ReceiverShared {
    frames: FrameSlot,
    decoded: Arc<Counter>,
    /// The last decoded frame's stamp: bit 63 set when there was one, tag in bits 32..40,
    /// capture time in bits 0..32. One atomic, so reading it never waits on the decoder.
    last_stamp: Arc<AtomicU64>,
    keyframe_wanted: Arc<AtomicBool>,
    running: Mutex<Option<ReceiverRunning>>,
    /// Glass-to-glass milliseconds (capture stamp → decoded here) of the last
    /// [`GLASS_TO_GLASS_SAMPLES`] stamped pictures, oldest first.
    glass_to_glass: Arc<Mutex<VecDeque<u32>>>,
}

#[derive(Debug)]
pub(super) struct ReceiverRunning {
    _pipeline: OwnedPipeline,
    pub(super) src: gst_app::AppSrc,
}

const HAS_STAMP: u64 = 1 << 63;

fn pack_stamp(stamp: Option<Stamp>) -> u64 {
    stamp.map_or(0, |s| {
        HAS_STAMP | (u64::from(s.tag) << 32) | u64::from(s.capture_ms)
    })
}

fn unpack_stamp(bits: u64) -> Option<Stamp> {
    (bits & HAS_STAMP != 0).then_some(Stamp {
        capture_ms: bits as u32,
        tag: (bits >> 32) as u8,
    })
}

impl VideoReceiver {
    /// Starts an (idle) decoding pipeline that publishes every decoded picture to `frames`.
    pub fn new(frames: FrameSlot) -> Result<VideoReceiver, CallMediaError> {
        init()?;
        let shared = Arc::new(ReceiverShared {
            frames,
            decoded: Arc::new(Counter::default()),
            last_stamp: Arc::new(AtomicU64::new(0)),
            keyframe_wanted: Arc::new(AtomicBool::new(false)),
            running: Mutex::new(None),
            glass_to_glass: Arc::new(Mutex::new(VecDeque::with_capacity(GLASS_TO_GLASS_SAMPLES))),
        });
        let errors = Arc::new(ErrorSlot::default());
        Ok(VideoReceiver {
            _supervisor: Supervisor::launch(shared.clone(), errors.clone())?,
            shared,
            errors,
        })
    }

    /// Queues one whole serialized RTP packet (VP8, any payload type, 90 kHz clock). Never
    /// blocks and never panics: anything that is not RTP version 2 is ignored, a damaged
    /// payload is dropped by the depayloader or decoder, and the stream goes on.
    ///
    /// Give it the media stream only: retransmissions (RTX) and FEC have their own
    /// payload types and must be unwrapped or left out by the caller.
    pub fn push_rtp(&self, packet: &[u8]) {
        let Some(packet) = rtp_with_payload_type(packet, VIDEO_PT) else {
            return;
        };
        let running = self.shared.running();
        if let Some(running) = running.as_ref() {
            // Flushing (stopping) or a full queue are not the sender's problem.
            let _ = running.src.push_buffer(gst::Buffer::from_mut_slice(packet));
        }
    }

    pub fn frames_decoded(&self) -> u64 {
        self.shared.decoded.get()
    }

    /// The stamp of the last decoded picture (test pictures only; `None` for real cameras).
    pub fn last_stamp(&self) -> Option<Stamp> {
        unpack_stamp(self.shared.last_stamp.load(Ordering::Relaxed))
    }

    /// Glass-to-glass milliseconds of the last (up to `GLASS_TO_GLASS_SAMPLES`) decoded
    /// pictures that carried a stamp (test pictures only), oldest first: the wall clock when
    /// the picture was decoded minus the capture time painted into it by the sender.
    pub fn glass_to_glass_ms(&self) -> Vec<u32> {
        self.shared
            .glass_to_glass
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .copied()
            .collect()
    }

    /// True once after the depayloader noticed loss or a stream that starts without a
    /// keyframe: the call layer should send a PLI/FIR to the sender.
    pub fn take_keyframe_request(&self) -> bool {
        self.shared.keyframe_wanted.swap(false, Ordering::AcqRel)
    }

    /// The latest failure not yet taken; [`CallMediaError::GaveUp`] means decoding stopped.
    pub fn take_error(&self) -> Option<CallMediaError> {
        self.errors.take()
    }
}

impl ReceiverShared {
    pub(super) fn running(&self) -> std::sync::MutexGuard<'_, Option<ReceiverRunning>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn build(
        &self,
        generation: u64,
        notes: &mpsc::Sender<Note>,
    ) -> Result<(ReceiverRunning, Arc<AtomicBool>), CallMediaError> {
        let pipeline = OwnedPipeline::new(gst::Pipeline::with_name("call-video-in"));
        let caps = gst::Caps::builder("application/x-rtp")
            .field("media", "video")
            .field("encoding-name", "VP8")
            .field("clock-rate", 90_000i32)
            .field("payload", i32::from(VIDEO_PT))
            .build();
        let (src, jitter) = rtp_input(&caps, MAX_QUEUED_BYTES, VIDEO_JITTER_LATENCY)?;
        src.set_property("name", "rtp-in");
        let depay = gst::ElementFactory::make("rtpvp8depay")
            .property("request-keyframe", true)
            .property("wait-for-keyframe", true)
            .build()
            .map_err(|_| missing("rtpvp8depay"))?;
        let decode = gst::ElementFactory::make("vp8dec")
            // A damaged frame is skipped, never turned into a pipeline error.
            .property("max-errors", -1i32)
            // After a damaged or missing frame, show nothing new until a keyframe (rather
            // than smeared pictures) and ask for one upstream, which reaches the call layer
            // through `take_keyframe_request`; at most every 300 ms.
            .property("automatic-request-sync-points", true)
            .property(
                "min-force-key-unit-interval",
                Duration::from_millis(300).as_nanos() as u64,
            )
            .build()
            .map_err(|_| missing("vp8dec"))?;
        let scale = make("videoscale")?;
        let convert = make("videoconvert")?;
        let width = scaled_width(self.frames.shown_width_px());
        let rgba = gst::ElementFactory::make("capsfilter")
            .property("caps", rgba_caps(width))
            .build()
            .map_err(|_| missing("capsfilter"))?;
        let sink = gst_app::AppSink::builder()
            .sync(false)
            .max_buffers(1)
            .drop(true)
            .name("video-out")
            .build();
        let elements = [
            src.upcast_ref(),
            &jitter,
            &depay,
            &decode,
            &scale,
            &convert,
            &rgba,
            sink.upcast_ref(),
        ];
        pipeline
            .pipeline()
            .add_many(elements)
            .map_err(build_error)?;
        gst::Element::link_many(elements).map_err(build_error)?;

        let slot = self.frames.clone();
        let decoded = self.decoded.clone();
        let last_stamp = self.last_stamp.clone();
        let glass_to_glass = self.glass_to_glass.clone();
        let filter = rgba.clone();
        let applied_width = AtomicU32::new(width.unwrap_or(0));
        on_each_sample(&sink, move |sample| {
            // The screen changed how wide it draws the picture: the next ones come at that
            // width (this one is published as it is).
            let wanted = scaled_width(slot.shown_width_px());
            if applied_width.swap(wanted.unwrap_or(0), Ordering::Relaxed) != wanted.unwrap_or(0) {
                filter.set_property("caps", rgba_caps(wanted));
            }
            if let Some(stamp) = publish_rgba(&slot, sample, true) {
                decoded.bump();
                last_stamp.store(pack_stamp(stamp), Ordering::Relaxed);
                if let Some(stamp) = stamp {
                    record_glass_to_glass(&glass_to_glass, stamp.age_ms(super::unix_ms_now()));
                }
            }
        });
        // The depayloader asks upstream for a keyframe; upstream of appsrc is the network.
        if let Some(pad) = src.static_pad("src") {
            let wanted = self.keyframe_wanted.clone();
            pad.add_probe(gst::PadProbeType::EVENT_UPSTREAM, move |_pad, info| {
                if let Some(gst::PadProbeData::Event(event)) = &info.data
                    && gst_video::ForceKeyUnitEvent::is(event)
                {
                    wanted.store(true, Ordering::Release);
                }
                gst::PadProbeReturn::Ok
            });
        }
        let armed = watch_bus(&pipeline, generation, notes, |_| {});
        Ok((
            ReceiverRunning {
                _pipeline: pipeline,
                src,
            },
            armed,
        ))
    }
}

impl Restartable for ReceiverShared {
    fn what(&self) -> &'static str {
        "video receiver"
    }

    fn stop(&self) {
        let failed = self.running().take();
        drop(failed);
    }

    fn rebuild(&self, generation: u64, notes: &mpsc::Sender<Note>) -> Result<(), CallMediaError> {
        let (running, armed) = self.build(generation, notes)?;
        start_playing(&running._pipeline)?;
        armed.store(true, Ordering::Release);
        *self.running() = Some(running);
        // After a rebuild the decoder needs a keyframe before it can show anything.
        if generation > 0 {
            self.keyframe_wanted.store(true, Ordering::Release);
        }
        Ok(())
    }
}

/// The width pictures are published at when the screen draws them `shown_px` wide:
/// rounded up to a multiple of [`SCALED_WIDTH_STEP_PX`], at least [`MIN_SCALED_WIDTH_PX`];
/// `None` (the decoded width) while the screen said nothing.
fn scaled_width(shown_px: Option<u32>) -> Option<u32> {
    shown_px.map(|w| {
        w.div_ceil(SCALED_WIDTH_STEP_PX)
            .saturating_mul(SCALED_WIDTH_STEP_PX)
            .max(MIN_SCALED_WIDTH_PX)
    })
}

/// RGBA, at most `width` wide with square pixels (videoscale then keeps the aspect ratio
/// and never scales up: a narrower picture passes as it is), or at any size.
fn rgba_caps(width: Option<u32>) -> gst::Caps {
    let caps = gst::Caps::builder("video/x-raw").field("format", "RGBA");
    match width {
        Some(width) => caps
            .field("width", gst::IntRange::new(16, width as i32))
            .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
            .build(),
        None => caps.build(),
    }
}

/// Keeps the last [`GLASS_TO_GLASS_SAMPLES`] plausible samples.
fn record_glass_to_glass(ring: &Mutex<VecDeque<u32>>, age_ms: u32) {
    if age_ms > GLASS_TO_GLASS_PLAUSIBLE_MS {
        return;
    }
    let mut ring = ring.lock().unwrap_or_else(PoisonError::into_inner);
    if ring.len() >= GLASS_TO_GLASS_SAMPLES {
        ring.pop_front();
    }
    ring.push_back(age_ms);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_pack_into_one_word() {
        let stamp = Stamp::new(1_700_000_123_456, 63);
        assert_eq!(unpack_stamp(pack_stamp(Some(stamp))), Some(stamp));
        assert_eq!(unpack_stamp(pack_stamp(None)), None);
    }

    #[test]
    fn a_picture_is_scaled_to_whole_stamp_blocks_and_never_to_a_thumbnail_smaller_than_the_floor() {
        assert_eq!(scaled_width(None), None);
        assert_eq!(scaled_width(Some(640)), Some(640));
        assert_eq!(scaled_width(Some(627)), Some(640));
        assert_eq!(scaled_width(Some(270)), Some(288));
        assert_eq!(scaled_width(Some(40)), Some(MIN_SCALED_WIDTH_PX));
        for shown in 1..3000 {
            let w = scaled_width(Some(shown)).unwrap_or(0);
            assert_eq!(w % 32, 0, "{shown}");
            assert!(
                w >= shown && w < shown.max(MIN_SCALED_WIDTH_PX) + 32,
                "{shown} → {w}"
            );
        }
    }

    #[test]
    fn glass_to_glass_keeps_the_last_plausible_samples() {
        let ring = Mutex::new(VecDeque::new());
        for ms in 0..(GLASS_TO_GLASS_SAMPLES as u32 + 10) {
            record_glass_to_glass(&ring, ms);
        }
        record_glass_to_glass(&ring, GLASS_TO_GLASS_PLAUSIBLE_MS + 1);
        let ring = ring.into_inner().unwrap_or_default();
        assert_eq!(ring.len(), GLASS_TO_GLASS_SAMPLES);
        assert_eq!(ring.front(), Some(&10));
        assert_eq!(ring.back(), Some(&(GLASS_TO_GLASS_SAMPLES as u32 + 9)));
    }
}
