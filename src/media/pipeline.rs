//! A GStreamer pipeline that is brought to `Null` when dropped, and whose bus messages become
//! typed errors instead of panics.

use gstreamer as gst;
use gstreamer::prelude::*;

/// Why a pipeline could not be built or stopped playing early.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PipelineError {
    /// Elements could not be created, added or linked.
    #[error("could not build the GStreamer pipeline: {0}")]
    Build(String),
    /// An element refused a state change (for example a sink whose device cannot open).
    #[error("GStreamer could not bring the pipeline to {state}: {detail}")]
    StateChange {
        /// The target state, e.g. `Playing`.
        state: String,
        /// The element's own error message, when it posted one.
        detail: String,
    },
    /// An element posted an error on the bus while running.
    #[error("GStreamer element {element} failed: {message}")]
    Element {
        /// Path of the element that posted the error, e.g. `/GstPipeline:read-aloud/GstAlsaSink:alsasink0`.
        element: String,
        /// The human-readable error.
        message: String,
        /// GStreamer's debug details (source file, function), for the log.
        debug: Option<String>,
    },
}

/// What a pipeline is doing, as seen from its bus.
#[derive(Debug)]
pub(crate) enum PipelineProgress {
    /// Neither end-of-stream nor an error yet.
    Running,
    /// End-of-stream reached the sinks: everything was played.
    Finished,
    /// An element posted an error; the pipeline should be dropped.
    Failed(PipelineError),
}

/// Owns a pipeline; dropping it sets the pipeline to `Null`, releasing devices and files.
#[derive(Debug)]
pub(crate) struct OwnedPipeline {
    pipeline: gst::Pipeline,
    /// Kept so that polling does not need to ask the pipeline for it each time.
    bus: gst::Bus,
}

impl OwnedPipeline {
    pub(crate) fn new(pipeline: gst::Pipeline) -> Self {
        // Invariant: a `gst::Pipeline` always has a bus (GstPipeline creates one in its init).
        let bus = pipeline.bus().expect("a GstPipeline always has a bus");
        OwnedPipeline { pipeline, bus }
    }

    pub(crate) fn pipeline(&self) -> &gst::Pipeline {
        &self.pipeline
    }

    /// Sets the state; on failure the element's own error message (from the bus) is the detail.
    pub(crate) fn set_state(&self, state: gst::State) -> Result<(), PipelineError> {
        match self.pipeline.set_state(state) {
            Ok(_) => Ok(()),
            Err(_) => {
                let detail = self
                    .bus
                    .pop_filtered(&[gst::MessageType::Error])
                    .and_then(|msg| element_error(&msg))
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "no element said why".to_string());
                Err(PipelineError::StateChange {
                    state: format!("{state:?}"),
                    detail,
                })
            }
        }
    }

    /// Looks at the bus without blocking.
    pub(crate) fn poll(&self) -> PipelineProgress {
        while let Some(msg) = self
            .bus
            .pop_filtered(&[gst::MessageType::Eos, gst::MessageType::Error])
        {
            if let gst::MessageView::Eos(_) = msg.view() {
                return PipelineProgress::Finished;
            }
            if let Some(error) = element_error(&msg) {
                return PipelineProgress::Failed(error);
            }
        }
        PipelineProgress::Running
    }

    /// Error and warning messages posted so far, as typed errors, oldest first.
    pub(crate) fn drain_problems(&self) -> Vec<PipelineError> {
        let mut problems = Vec::new();
        while let Some(msg) = self
            .bus
            .pop_filtered(&[gst::MessageType::Error, gst::MessageType::Warning])
        {
            problems.extend(element_error(&msg));
        }
        problems
    }
}

impl Drop for OwnedPipeline {
    fn drop(&mut self) {
        // Going to Null cannot be refused by well-behaved elements; if one does, there is
        // nothing more to do than say so.
        if self.pipeline.set_state(gst::State::Null).is_err() {
            tracing::warn!(
                pipeline = %self.pipeline.name(),
                "GStreamer pipeline refused to stop"
            );
        }
    }
}

/// Turns an error or warning message into a [`PipelineError::Element`]; `None` for other kinds.
fn element_error(msg: &gst::Message) -> Option<PipelineError> {
    let element = msg
        .src()
        .map(|s| s.path_string().to_string())
        .unwrap_or_else(|| "(unknown element)".to_string());
    let (error, debug) = match msg.view() {
        gst::MessageView::Error(e) => (e.error(), e.debug()),
        gst::MessageView::Warning(w) => (w.error(), w.debug()),
        _ => return None,
    };
    Some(PipelineError::Element {
        element,
        // GStreamer's messages end with a full stop; ours are embedded in longer sentences.
        message: error.message().trim_end_matches('.').to_string(),
        debug: debug.map(|d| d.to_string()),
    })
}

/// GStreamer, or an element a feature needs, is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum GStreamerMissing {
    #[error("GStreamer could not start ({0})")]
    NotStarted(String),
    #[error("the GStreamer element `{element}` (package {package}) is missing")]
    Element {
        element: &'static str,
        package: &'static str,
    },
}

/// Starts GStreamer and checks that every `(element, Debian package)` a feature needs is
/// installed, so a missing plugin is reported before anything is promised.
pub(crate) fn check_elements(
    required: &[(&'static str, &'static str)],
) -> Result<(), GStreamerMissing> {
    gst::init().map_err(|e| GStreamerMissing::NotStarted(e.to_string()))?;
    match required
        .iter()
        .find(|(element, _)| gst::ElementFactory::find(element).is_none())
    {
        Some(&(element, package)) => Err(GStreamerMissing::Element { element, package }),
        None => Ok(()),
    }
}

/// Why there is no audio output to play into.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AudioOutputError {
    #[error("the GStreamer element `autoaudiosink` (package gstreamer1.0-plugins-good) is missing")]
    NoAutoSink,
    #[error("the audio sink `{description}` cannot be built ({reason})")]
    BadDescription { description: String, reason: String },
    #[error("the audio sink `{0}` has no free input to play into")]
    NoInput(String),
    #[error("the sink cannot be used ({0})")]
    Unusable(String),
    #[error("{output} cannot open: {detail}")]
    CannotOpen { output: String, detail: String },
    /// `autoaudiosink` found nothing and fell back to a `fakesink`.
    #[error("no sound card or sound server could be opened ({0})")]
    NoDevice(String),
}

/// The audio output element for `output`. Shared by read-aloud, playback and calls so all
/// refuse a missing device the same way.
pub(crate) fn audio_sink(output: &super::AudioOutput) -> Result<gst::Element, AudioOutputError> {
    match output {
        super::AudioOutput::Auto => gst::ElementFactory::make("autoaudiosink")
            .name("speaker")
            .build()
            .map_err(|_| AudioOutputError::NoAutoSink),
        super::AudioOutput::Sink(description) => {
            let bin = gst::parse::bin_from_description(description, true).map_err(|e| {
                AudioOutputError::BadDescription {
                    description: description.clone(),
                    reason: e.to_string(),
                }
            })?;
            if bin.static_pad("sink").is_none() {
                return Err(AudioOutputError::NoInput(description.clone()));
            }
            Ok(bin.upcast())
        }
    }
}

/// `autoaudiosink` does not fail when no device works: it warns and plays into a
/// `fakesink`. That counts as no audio output.
pub(crate) fn auto_sink_is_fake(sink: &gst::Element) -> bool {
    sink.downcast_ref::<gst::Bin>().is_some_and(|bin| {
        bin.children().iter().all(|child| {
            child
                .factory()
                .is_none_or(|factory| factory.name() == "fakesink")
        })
    })
}

fn describe_output(output: &super::AudioOutput) -> String {
    match output {
        super::AudioOutput::Auto => "the automatic audio output".into(),
        super::AudioOutput::Sink(description) => format!("the audio sink `{description}`"),
    }
}

/// Opens `sink` (already in `pipeline`) for `output`, including `autoaudiosink` quietly
/// falling back to a `fakesink` as a failure. Read-aloud and playback both check this
/// before they promise sound.
pub(crate) fn open_audio_output(
    pipeline: &OwnedPipeline,
    sink: &gst::Element,
    output: &super::AudioOutput,
) -> Result<(), AudioOutputError> {
    if let Err(e) = pipeline.set_state(gst::State::Ready) {
        let detail = match e {
            PipelineError::StateChange { detail, .. } => detail,
            other => other.to_string(),
        };
        return Err(AudioOutputError::CannotOpen {
            output: describe_output(output),
            detail,
        });
    }
    if *output == super::AudioOutput::Auto && auto_sink_is_fake(sink) {
        let why = pipeline
            .drain_problems()
            .into_iter()
            .next()
            .map(|e| e.to_string())
            .unwrap_or_else(|| "no sink opened".into());
        return Err(AudioOutputError::NoDevice(why));
    }
    Ok(())
}
