//! "Read aloud": the kiosk's speaker button reads a screen's instructions for residents who
//! read with difficulty.
//!
//! espeak-ng turns text into a WAV (the text goes on its standard input, never on its command
//! line, so text starting with `-` is read, not taken as an option); GStreamer plays the WAV:
//! `appsrc ! wavparse ! audioconvert ! audioresample ! <sink>`. A [`Speaker`] owns one worker
//! thread that synthesises and plays, so [`Speaker::speak`] returns at once.

use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use unicode_normalization::UnicodeNormalization as _;

use super::pipeline::{OwnedPipeline, PipelineError, PipelineProgress};

/// The espeak-ng program, looked up on `PATH`.
const ESPEAK: &str = "espeak-ng";

/// How often the worker looks at a playing pipeline's bus; also the longest a `stop` waits.
const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// GStreamer elements the playback pipeline needs, with the Debian package that ships each.
const REQUIRED_ELEMENTS: [(&str, &str); 4] = [
    ("appsrc", "gstreamer1.0-plugins-base"),
    ("audioconvert", "gstreamer1.0-plugins-base"),
    ("audioresample", "gstreamer1.0-plugins-base"),
    ("wavparse", "gstreamer1.0-plugins-good"),
];

/// The language a text is written in; it picks the espeak-ng voice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpeechLanguage {
    Vietnamese,
    English,
    /// H'Mong: espeak-ng has no H'Mong voice, so it is read with the Vietnamese one.
    Hmong,
}

impl SpeechLanguage {
    /// The espeak-ng voice that reads this language (`vi` for H'Mong too).
    pub fn espeak_voice(self) -> &'static str {
        match self {
            SpeechLanguage::Vietnamese | SpeechLanguage::Hmong => "vi",
            SpeechLanguage::English => "en",
        }
    }
}

/// Why read-aloud cannot work on this machine. Shown on the kiosk as the reason the speaker
/// button is disabled, so each message names what is missing and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpeechUnavailable {
    #[error(
        "read-aloud needs espeak-ng: {0}. Install it with `apt-get install espeak-ng` (or run scripts/install-deps.sh)"
    )]
    NoEspeak(String),
    #[error(
        "read-aloud needs GStreamer: {0}. Install it with `apt-get install gstreamer1.0-plugins-base gstreamer1.0-plugins-good` (or run scripts/install-deps.sh)"
    )]
    NoGStreamer(String),
    #[error(
        "read-aloud has no audio output: {0}. Connect speakers or headphones and check that the sound card is seen (`aplay -l`) or that the sound server runs for this user (`gstreamer1.0-alsa`/`gstreamer1.0-pulseaudio` must be installed), or choose another audio sink"
    )]
    NoAudioOutput(#[from] super::pipeline::AudioOutputError),
}

/// Why one utterance was not played to the end (read with [`Speaker::last_error`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaybackError {
    #[error(transparent)]
    Synthesis(#[from] SpeechUnavailable),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
}

/// Where the speech is played.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioOutput {
    /// The machine's audio output, chosen by GStreamer's `autoaudiosink`.
    Auto,
    /// A GStreamer sink description, as in `gst-launch-1.0`: e.g. `"alsasink device=hw:1"`,
    /// `"fakesink sync=true"`, or `"wavenc ! filesink location=/tmp/said.wav"`.
    Sink(String),
}

/// Synthesises `text` with espeak-ng and returns a complete RIFF/WAVE file (16-bit mono PCM).
///
/// The text is normalised to NFC and passed on standard input.
pub fn synthesize_wav(text: &str, lang: SpeechLanguage) -> Result<Vec<u8>, SpeechUnavailable> {
    let voice = lang.espeak_voice();
    let mut child = Command::new(ESPEAK)
        // -b 1: the input is UTF-8. --stdout: write the WAV to standard output.
        .args(["-b", "1", "-v", voice, "--stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(espeak_spawn_error)?;
    let text: String = text.nfc().collect();
    // Write on another thread: espeak-ng writes audio while it reads, and both pipes are bounded.
    let mut stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            // A write error means espeak-ng exited early; its exit status below says why.
            let _ = stdin.write_all(text.as_bytes());
        }
        drop(stdin);
    });
    let mut wav = Vec::new();
    let read = child
        .stdout
        .take()
        .map(|mut out| out.read_to_end(&mut wav))
        .transpose();
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    let status = child
        .wait()
        .map_err(|e| SpeechUnavailable::NoEspeak(format!("waiting for espeak-ng failed ({e})")))?;
    let _ = writer.join();
    read.map_err(|e| {
        SpeechUnavailable::NoEspeak(format!("reading espeak-ng's audio failed ({e})"))
    })?;
    if !status.success() {
        return Err(SpeechUnavailable::NoEspeak(format!(
            "`espeak-ng -v {voice}` failed ({status}): {}",
            stderr.trim()
        )));
    }
    fix_streamed_wav_sizes(&mut wav).map_err(|why| {
        SpeechUnavailable::NoEspeak(format!("espeak-ng -v {voice} wrote no usable WAV ({why})"))
    })?;
    Ok(wav)
}

/// espeak-ng streams its WAV, so the RIFF and data sizes in the header are placeholders
/// (about 2 GiB). Writes the real sizes, so any WAV reader agrees on the length.
fn fix_streamed_wav_sizes(wav: &mut [u8]) -> Result<(), &'static str> {
    if wav.len() < 12 || &wav[0..4] != b"RIFF" || &wav[8..12] != b"WAVE" {
        return Err("no RIFF/WAVE header");
    }
    let riff_size = u32::try_from(wav.len() - 8).map_err(|_| "longer than 4 GiB")?;
    wav[4..8].copy_from_slice(&riff_size.to_le_bytes());
    let mut offset = 12;
    while offset + 8 <= wav.len() {
        let size_bytes: [u8; 4] = wav[offset + 4..offset + 8]
            .try_into()
            .map_err(|_| "truncated chunk header")?;
        if &wav[offset..offset + 4] == b"data" {
            // Fits: the whole file's length fit in a u32 above.
            let data_size = (wav.len() - offset - 8) as u32;
            wav[offset + 4..offset + 8].copy_from_slice(&data_size.to_le_bytes());
            return Ok(());
        }
        let size = u32::from_le_bytes(size_bytes) as usize;
        offset = offset.saturating_add(8 + size + (size & 1));
    }
    Err("no data chunk")
}

fn espeak_spawn_error(e: std::io::Error) -> SpeechUnavailable {
    if e.kind() == std::io::ErrorKind::NotFound {
        SpeechUnavailable::NoEspeak(
            "the `espeak-ng` program is not installed (not found on PATH)".into(),
        )
    } else {
        SpeechUnavailable::NoEspeak(format!("the `espeak-ng` program could not start ({e})"))
    }
}

/// Checks that espeak-ng runs and has the voices [`SpeechLanguage`] uses.
fn check_espeak() -> Result<(), SpeechUnavailable> {
    for voice in ["vi", "en"] {
        let out = Command::new(ESPEAK)
            .arg(format!("--voices={voice}"))
            .stdin(Stdio::null())
            .output()
            .map_err(espeak_spawn_error)?;
        let listing = String::from_utf8_lossy(&out.stdout);
        // Lines look like ` 5  vi              --/M      Vietnamese_(Northern) aav/vi`.
        let has_voice = listing.lines().skip(1).any(|line| {
            line.split_whitespace()
                .nth(1)
                .is_some_and(|lang| lang == voice || lang.starts_with(&format!("{voice}-")))
        });
        if !out.status.success() || !has_voice {
            return Err(SpeechUnavailable::NoEspeak(format!(
                "espeak-ng has no `{voice}` voice (its data files, package espeak-ng-data, are missing or broken)"
            )));
        }
    }
    Ok(())
}

/// Starts GStreamer and checks the elements the playback pipeline needs.
fn check_gstreamer() -> Result<(), SpeechUnavailable> {
    super::pipeline::check_elements(&REQUIRED_ELEMENTS)
        .map_err(|e| SpeechUnavailable::NoGStreamer(e.to_string()))
}

/// Builds the sink for `output`: one element, or a bin with a ghosted sink pad.
fn build_sink(output: &AudioOutput) -> Result<gst::Element, SpeechUnavailable> {
    Ok(super::pipeline::audio_sink(output)?)
}

/// Brings the sink to READY once, which opens its device; says why when that fails.
///
/// `autoaudiosink` does not fail when no device works: it posts a warning and plays into a
/// `fakesink`. That counts as no audio output too.
fn probe_sink(output: &AudioOutput) -> Result<(), SpeechUnavailable> {
    let sink = build_sink(output)?;
    let pipeline = OwnedPipeline::new(gst::Pipeline::with_name("read-aloud-probe"));
    pipeline
        .pipeline()
        .add(&sink)
        .map_err(|e| super::pipeline::AudioOutputError::Unusable(e.to_string()))?;
    super::pipeline::open_audio_output(&pipeline, &sink, output)?;
    Ok(())
}

/// Builds and starts the pipeline that plays `wav` into a new sink for `output`.
fn start_playback(wav: Vec<u8>, output: &AudioOutput) -> Result<OwnedPipeline, PlaybackError> {
    let build = |e: &dyn std::fmt::Display| PipelineError::Build(e.to_string());
    let src = gst_app::AppSrc::builder()
        .name("speech")
        .caps(&gst::Caps::new_empty_simple("audio/x-wav"))
        .format(gst::Format::Bytes)
        .build();
    let make = |factory: &str| {
        gst::ElementFactory::make(factory)
            .build()
            .map_err(|e| build(&e))
    };
    let parse = make("wavparse")?;
    let convert = make("audioconvert")?;
    let resample = make("audioresample")?;
    let sink = build_sink(output)?;
    let pipeline = OwnedPipeline::new(gst::Pipeline::with_name("read-aloud"));
    let elements = [src.upcast_ref(), &parse, &convert, &resample, &sink];
    pipeline
        .pipeline()
        .add_many(elements)
        .map_err(|e| build(&e))?;
    gst::Element::link_many(elements).map_err(|e| build(&e))?;
    // appsrc queues the whole utterance (it is small: ~44 KB a second) until the pipeline runs.
    src.push_buffer(gst::Buffer::from_mut_slice(wav))
        .map_err(|e| build(&format!("appsrc refused the audio ({e:?})")))?;
    src.end_of_stream()
        .map_err(|e| build(&format!("appsrc refused end-of-stream ({e:?})")))?;
    pipeline.set_state(gst::State::Playing)?;
    Ok(pipeline)
}

/// What the worker is asked to do.
#[derive(Debug)]
enum Request {
    Speak {
        id: u64,
        text: String,
        lang: SpeechLanguage,
    },
    Stop,
    Shutdown,
}

/// State shared by the [`Speaker`] handle and its worker.
#[derive(Debug, Default)]
struct Status {
    /// Id of the newest `speak` or `stop`; an utterance whose id is older is abandoned.
    latest: u64,
    /// True from `speak` until that utterance ends, fails or is stopped.
    speaking: bool,
    /// Why the last utterance that failed did so.
    last_error: Option<PlaybackError>,
}

#[derive(Debug, Default)]
struct Shared {
    status: Mutex<Status>,
}

impl Shared {
    fn status(&self) -> MutexGuard<'_, Status> {
        // Nothing panics while holding the lock; if something did, the data is still valid.
        self.status.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_latest(&self, id: u64) -> bool {
        self.status().latest == id
    }

    /// Utterance `id` ended (or could not start).
    fn finish(&self, id: u64, error: Option<PlaybackError>) {
        let mut status = self.status();
        if status.latest == id {
            status.speaking = false;
        }
        if error.is_some() {
            status.last_error = error;
        }
    }
}

/// Reads text aloud. Owns a worker thread; dropping the speaker stops any speech, sets its
/// pipeline to `Null` and joins the thread.
#[derive(Debug)]
pub struct Speaker {
    commands: mpsc::Sender<Request>,
    shared: Arc<Shared>,
    /// `None` only during drop.
    worker: Option<JoinHandle<()>>,
}

impl Speaker {
    /// Checks espeak-ng, GStreamer and the audio output (by bringing the sink to READY once).
    ///
    /// The error is shown on the kiosk as the reason the speaker button is disabled.
    pub fn new(output: AudioOutput) -> Result<Speaker, SpeechUnavailable> {
        check_espeak()?;
        check_gstreamer()?;
        probe_sink(&output)?;
        let (commands, inbox) = mpsc::channel();
        let shared = Arc::new(Shared::default());
        let worker = std::thread::Builder::new()
            .name("read-aloud".into())
            .spawn({
                let shared = Arc::clone(&shared);
                move || run_worker(&inbox, &shared, &output)
            })
            .map_err(|e| {
                SpeechUnavailable::NoGStreamer(format!("the playback thread could not start ({e})"))
            })?;
        Ok(Speaker {
            commands,
            shared,
            worker: Some(worker),
        })
    }

    /// Starts reading `text` aloud (stopping anything still playing) and returns at once.
    pub fn speak(&self, text: &str, lang: SpeechLanguage) {
        let id = {
            let mut status = self.shared.status();
            status.latest += 1;
            status.speaking = !text.trim().is_empty();
            status.latest
        };
        self.send(Request::Speak {
            id,
            text: text.to_string(),
            lang,
        });
    }

    /// Stops speaking now; `is_speaking` is false when this returns.
    pub fn stop(&self) {
        {
            let mut status = self.shared.status();
            status.latest += 1;
            status.speaking = false;
        }
        self.send(Request::Stop);
    }

    /// True from `speak` until the text has been played, failed, or was stopped.
    pub fn is_speaking(&self) -> bool {
        self.shared.status().speaking
    }

    /// Why the most recent failed utterance failed (already logged once by the worker).
    pub fn last_error(&self) -> Option<PlaybackError> {
        self.shared.status().last_error.clone()
    }

    fn send(&self, command: Request) {
        if self.commands.send(command).is_err() {
            // The worker only exits on Shutdown, sent by Drop; a panic in it is the only other way.
            tracing::error!("read-aloud worker is gone; speech is unavailable");
            self.shared.status().speaking = false;
        }
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        let _ = self.commands.send(Request::Shutdown);
        if let Some(worker) = self.worker.take()
            && worker.join().is_err()
        {
            tracing::error!("read-aloud worker panicked");
        }
    }
}

/// The worker: synthesises and plays one utterance at a time; a newer command replaces it.
fn run_worker(inbox: &mpsc::Receiver<Request>, shared: &Shared, output: &AudioOutput) {
    // The utterance playing now and its id. Dropping the pipeline sets it to Null.
    let mut current: Option<(u64, OwnedPipeline)> = None;
    loop {
        let command = if current.is_some() {
            match inbox.recv_timeout(POLL_INTERVAL) {
                Ok(command) => Some(command),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => Some(Request::Shutdown),
            }
        } else {
            Some(inbox.recv().unwrap_or(Request::Shutdown))
        };
        match command {
            None => {}
            Some(Request::Shutdown) => break,
            Some(Request::Stop) => current = None,
            Some(Request::Speak { id, text, lang }) => {
                current = None;
                if !shared.is_latest(id) || text.trim().is_empty() {
                    continue;
                }
                let started = synthesize_wav(&text, lang)
                    .map_err(PlaybackError::from)
                    .and_then(|wav| {
                        // A newer speak or a stop came while espeak-ng ran: drop this one.
                        if shared.is_latest(id) {
                            start_playback(wav, output).map(Some)
                        } else {
                            Ok(None)
                        }
                    });
                match started {
                    Ok(Some(pipeline)) => current = Some((id, pipeline)),
                    Ok(None) => {}
                    Err(error) => {
                        tracing::warn!(%error, "read-aloud could not start");
                        shared.finish(id, Some(error));
                    }
                }
            }
        }
        let progress = current.as_ref().map(|(_, pipeline)| pipeline.poll());
        let ended = match progress {
            None | Some(PipelineProgress::Running) => None,
            Some(PipelineProgress::Finished) => Some(None),
            Some(PipelineProgress::Failed(error)) => {
                tracing::warn!(%error, "read-aloud playback failed");
                Some(Some(error.into()))
            }
        };
        if let Some(error) = ended
            && let Some((id, pipeline)) = current.take()
        {
            // Null first, so the sink has released its device or file when `is_speaking` turns false.
            drop(pipeline);
            shared.finish(id, error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_wav_sizes_are_fixed() {
        let mut wav = Vec::new();
        wav.extend_from_slice(b"RIFF\x24\xf0\xff\x7fWAVE");
        wav.extend_from_slice(b"fmt \x10\0\0\0");
        wav.extend_from_slice(&[1, 0, 1, 0, 0x22, 0x56, 0, 0, 0x44, 0xac, 0, 0, 2, 0, 16, 0]);
        wav.extend_from_slice(b"data\0\xf0\xff\x7f");
        wav.extend_from_slice(&[1, 0, 2, 0, 3, 0]);
        fix_streamed_wav_sizes(&mut wav).expect("valid header");
        assert_eq!(
            u32::from_le_bytes([wav[4], wav[5], wav[6], wav[7]]),
            44 + 6 - 8
        );
        assert_eq!(u32::from_le_bytes([wav[40], wav[41], wav[42], wav[43]]), 6);
    }

    #[test]
    fn non_wav_is_rejected() {
        assert!(fix_streamed_wav_sizes(&mut b"Error: no voice".to_vec()).is_err());
        let mut no_data = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0".to_vec();
        no_data.extend_from_slice(&[0; 16]);
        assert_eq!(fix_streamed_wav_sizes(&mut no_data), Err("no data chunk"));
    }

    #[test]
    fn missing_espeak_says_how_to_install_it() {
        let e = espeak_spawn_error(std::io::Error::from(std::io::ErrorKind::NotFound));
        let message = e.to_string();
        assert!(matches!(e, SpeechUnavailable::NoEspeak(_)));
        assert!(message.contains("not installed"), "{message}");
        assert!(message.contains("apt-get install espeak-ng"), "{message}");
    }

    #[test]
    fn hmong_is_read_with_the_vietnamese_voice() {
        assert_eq!(SpeechLanguage::Hmong.espeak_voice(), "vi");
        assert_eq!(SpeechLanguage::Vietnamese.espeak_voice(), "vi");
        assert_eq!(SpeechLanguage::English.espeak_voice(), "en");
    }
}
