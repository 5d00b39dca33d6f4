//! Media: the only module that touches GStreamer.
//!
//! Invariant: no other module names `gstreamer` types; they use what is re-exported here.
//! Every pipeline this module starts is owned by an `OwnedPipeline` (`pipeline.rs`), which
//! brings it to `Null` when dropped, so a pipeline never outlives its owner.
//!
//! - [`speech`]: "read aloud" for the kiosk: espeak-ng synthesises, GStreamer plays.

mod pipeline;
pub mod player;
pub mod recorder;
pub mod speech;

pub use pipeline::PipelineError;
pub use player::Player;
pub use recorder::{MicSource, RecordError, Recorder, Recording, probe_ogg_opus};
pub use speech::{
    AudioOutput, PlaybackError, Speaker, SpeechLanguage, SpeechUnavailable, synthesize_wav,
};
