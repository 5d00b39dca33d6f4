//! Media: the only module that touches GStreamer.
//!
//! Invariant: no other module names `gstreamer` types; they use what is re-exported here.
//! Every pipeline this module starts is owned by an `OwnedPipeline` (`pipeline.rs`), which
//! brings it to `Null` when dropped, so a pipeline never outlives its owner.
//!
//! - [`speech`]: "read aloud" for the kiosk: espeak-ng synthesises, GStreamer plays.
//! - [`call`]: the meeting's media: camera and microphone encoded (VP8, Opus), incoming
//!   RTP decoded to pictures and mixed to the speaker; the WebRTC layer sits on top.

pub mod call;
pub mod frame;
mod meter;
pub mod opus_container;
mod pipeline;
pub mod player;
pub mod recorder;
pub mod speech;
pub mod stamp;

pub use call::{
    AudioPlayout, AudioStreamIn, CallMediaError, Capture, CaptureSettings, DeviceKind,
    EncodedFrame, EncodedKind, SourcesInUse, VideoReceiver,
};
pub use frame::{FrameSlot, VideoFrame};
pub use pipeline::{AudioOutputError, PipelineError};
pub use player::Player;
pub use recorder::{MicSource, RecordError, Recorder, Recording, probe_ogg_opus};
pub use speech::{
    AudioOutput, PlaybackError, Speaker, SpeechLanguage, SpeechUnavailable, synthesize_wav,
};
