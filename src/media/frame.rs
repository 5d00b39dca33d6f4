//! Decoded pictures handed from GStreamer's streaming threads to the kiosk's UI thread.
//!
//! The writer (an appsink callback) replaces the latest frame; the reader (the UI, once per
//! repaint) clones an `Arc` and uploads the pixels into a texture it keeps. Frames the UI
//! never looked at are dropped without being copied: a slow screen never slows the decoder.
//!
//! The reader also says how wide it draws the picture ([`FrameSlot::show_at_width`]), so a
//! producer that can scale (the call's receive pipeline) hands over pictures no larger than
//! they are shown: on a software renderer every texel uploaded or sampled costs CPU.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A decoded picture, tightly packed RGBA (4 bytes a pixel, `width * 4` bytes a row).
#[derive(Clone)]
pub struct VideoFrame {
    pub width: u32,
    pub height: u32,
    /// Counts up by one for every frame published to the slot this came from; the UI
    /// uploads only when it changes.
    pub generation: u64,
    /// The capture-time stamp read back from the picture (test sources only), for
    /// glass-to-glass measurement and for telling which room a picture came from.
    pub stamp: Option<super::stamp::Stamp>,
    pixels: Arc<dyn AsRef<[u8]> + Send + Sync>,
}

impl std::fmt::Debug for VideoFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoFrame")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("generation", &self.generation)
            .field("stamp", &self.stamp)
            .finish_non_exhaustive()
    }
}

impl VideoFrame {
    /// The RGBA bytes, `width * height * 4` of them.
    pub fn rgba(&self) -> &[u8] {
        (*self.pixels).as_ref()
    }
}

/// The latest-frame mailbox for one video stream.
#[derive(Clone, Default)]
pub struct FrameSlot {
    latest: Arc<Mutex<Option<VideoFrame>>>,
    published: Arc<AtomicU64>,
    /// How wide the reader draws the picture, in pixels; 0 until it says.
    shown_width_px: Arc<AtomicU32>,
}

impl std::fmt::Debug for FrameSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameSlot")
            .field("published", &self.frames_published())
            .field("shown_width_px", &self.shown_width_px())
            .finish()
    }
}

impl FrameSlot {
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the latest frame. `pixels` is kept as it is (for example a mapped
    /// GStreamer buffer), so publishing copies nothing.
    pub(crate) fn publish(
        &self,
        width: u32,
        height: u32,
        pixels: Arc<dyn AsRef<[u8]> + Send + Sync>,
        stamp: Option<super::stamp::Stamp>,
    ) {
        let generation = self.published.fetch_add(1, Ordering::Relaxed) + 1;
        let frame = VideoFrame {
            width,
            height,
            generation,
            stamp,
            pixels,
        };
        *self.latest.lock().unwrap_or_else(|p| p.into_inner()) = Some(frame);
    }

    /// Publishes tightly packed RGBA pixels (`width * height * 4` bytes): test pictures,
    /// previews and tests outside the crate.
    pub fn publish_rgba(&self, width: u32, height: u32, rgba: Vec<u8>) {
        self.publish(width, height, Arc::new(rgba), None);
    }

    /// The most recent frame, if any was published since the slot was made or cleared.
    pub fn latest(&self) -> Option<VideoFrame> {
        self.latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Forgets the picture (the stream ended); the generation counter keeps counting.
    pub fn clear(&self) {
        *self.latest.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// How many frames were ever published here.
    pub fn frames_published(&self) -> u64 {
        self.published.load(Ordering::Relaxed)
    }

    /// The reader's side: the picture is drawn `width_px` pixels wide (0: not known, send
    /// it whole). A producer that scales may publish pictures down to about that width,
    /// aspect ratio kept, never larger than it decoded them; one that cannot ignores it.
    pub fn show_at_width(&self, width_px: u32) {
        self.shown_width_px.store(width_px, Ordering::Relaxed);
    }

    /// What the reader last said with [`show_at_width`](Self::show_at_width); `None` while
    /// it said nothing (pictures are published at the size they were decoded).
    pub fn shown_width_px(&self) -> Option<u32> {
        Some(self.shown_width_px.load(Ordering::Relaxed)).filter(|w| *w > 0)
    }
}
