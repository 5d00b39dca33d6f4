//! Plays a voice recording back to the resident ("hear it back" before sending):
//! `filesrc ! oggdemux ! opusdec ! audioconvert ! audioresample ! <sink>`.
//!
//! GStreamer's own threads do the work; [`Player::is_playing`] looks at the bus without
//! blocking, so the kiosk can call it every frame.

use std::fs::File;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use gstreamer as gst;
use gstreamer::prelude::*;

use super::pipeline::{OwnedPipeline, PipelineError, PipelineProgress};
use super::recorder::{RecordError, link_first_stream};
use super::speech::AudioOutput;

/// Where playback is.
#[derive(Debug)]
enum PlayState {
    Playing,
    /// Played to the end, stopped, or failed (with why).
    Ended(Option<PipelineError>),
}

/// Plays one Ogg/Opus recording. Dropping it stops playback (the pipeline goes to `Null`).
#[derive(Debug)]
pub struct Player {
    pipeline: OwnedPipeline,
    state: Mutex<PlayState>,
}

impl Player {
    /// Starts playing the Ogg/Opus file at `path` to `output` and returns at once.
    ///
    /// Refuses when the file cannot be opened, or the output cannot
    /// (`RecordError::NoAudioOutput`, naming the sink and why).
    pub fn play(path: &Path, output: &AudioOutput) -> Result<Player, RecordError> {
        gst::init()
            .map_err(|e| RecordError::NoGStreamer(format!("GStreamer could not start ({e})")))?;
        File::open(path).map_err(|e| RecordError::File {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let (pipeline, sink) = build_playback(path, output)?;
        // Ready opens the sink's device or file, and only that: the file is read from Paused on.
        super::pipeline::open_audio_output(&pipeline, &sink, output)?;
        pipeline.set_state(gst::State::Playing)?;
        Ok(Player {
            pipeline,
            state: Mutex::new(PlayState::Playing),
        })
    }

    /// True until the recording has played to the end, was stopped, or failed. Never blocks.
    pub fn is_playing(&self) -> bool {
        let mut state = self.state();
        if matches!(*state, PlayState::Playing) {
            let ended = match self.pipeline.poll() {
                PipelineProgress::Running => None,
                PipelineProgress::Finished => Some(None),
                PipelineProgress::Failed(error) => {
                    tracing::warn!(%error, "voice playback failed");
                    Some(Some(error))
                }
            };
            if let Some(error) = ended {
                // Null at once, so the sink has released its device or file when this says so.
                self.set_null();
                *state = PlayState::Ended(error);
            }
        }
        matches!(*state, PlayState::Playing)
    }

    /// How far playback has got. Never blocks.
    pub fn position_ms(&self) -> u64 {
        self.pipeline
            .pipeline()
            .query_position::<gst::ClockTime>()
            .map_or(0, |position| position.mseconds())
    }

    /// Why playback failed, if it did.
    pub fn last_error(&self) -> Option<PipelineError> {
        match &*self.state() {
            PlayState::Ended(error) => error.clone(),
            PlayState::Playing => None,
        }
    }

    /// Stops playing now; `is_playing` is false when this returns.
    pub fn stop(&self) {
        let mut state = self.state();
        if matches!(*state, PlayState::Playing) {
            self.set_null();
            *state = PlayState::Ended(None);
        }
    }

    fn set_null(&self) {
        if let Err(error) = self.pipeline.set_state(gst::State::Null) {
            tracing::warn!(%error, "voice playback pipeline refused to stop");
        }
    }

    fn state(&self) -> MutexGuard<'_, PlayState> {
        // Nothing panics while holding the lock; if something did, the data is still valid.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn build_sink(output: &AudioOutput) -> Result<gst::Element, RecordError> {
    Ok(super::pipeline::audio_sink(output)?)
}

/// Builds the playback pipeline; returns it and its sink.
fn build_playback(
    path: &Path,
    output: &AudioOutput,
) -> Result<(OwnedPipeline, gst::Element), RecordError> {
    let build = |e: &dyn std::fmt::Display| RecordError::from(PipelineError::Build(e.to_string()));
    let make = |factory: &str| {
        gst::ElementFactory::make(factory)
            .build()
            .map_err(|e| build(&e))
    };
    let src = gst::ElementFactory::make("filesrc")
        .property("location", path.to_string_lossy().as_ref())
        .build()
        .map_err(|e| build(&e))?;
    let demux = make("oggdemux")?;
    let decode = make("opusdec")?;
    let convert = make("audioconvert")?;
    let resample = make("audioresample")?;
    let sink = build_sink(output)?;
    let pipeline = OwnedPipeline::new(gst::Pipeline::with_name("voice-player"));
    pipeline
        .pipeline()
        .add_many([&src, &demux, &decode, &convert, &resample, &sink])
        .map_err(|e| build(&e))?;
    src.link(&demux).map_err(|e| build(&e))?;
    gst::Element::link_many([&decode, &convert, &resample, &sink]).map_err(|e| build(&e))?;
    link_first_stream(&demux, &decode);
    Ok((pipeline, sink))
}
