//! The kiosk's speaker button: espeak-ng synthesises the screen's text and GStreamer plays it.
//! Real espeak-ng, real GStreamer pipelines; sound goes to WAV files that the tests measure.
//!
//! If espeak-ng is missing these tests fail with a message saying how to install it
//! (`make test` installs it through scripts/install-deps.sh).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::wait_until;
use crate::media_common::stop_and_check_it_stays_stopped;
use phonghop::media::{
    AudioOutput, PipelineError, PlaybackError, Speaker, SpeechLanguage, SpeechUnavailable,
    synthesize_wav,
};

const VIETNAMESE: &str = "Xin chào, hãy chạm vào ô bên dưới";
const ENGLISH: &str = "Hello, please touch the box below";

/// A decoded 16-bit PCM WAV.
#[derive(Debug)]
struct Wav {
    channels: u16,
    sample_rate: u32,
    samples: Vec<i16>,
}

impl Wav {
    fn parse(bytes: &[u8]) -> Wav {
        assert!(bytes.len() >= 12, "WAV too short: {} bytes", bytes.len());
        assert_eq!(&bytes[0..4], b"RIFF", "not a RIFF file");
        assert_eq!(&bytes[8..12], b"WAVE", "not a WAVE file");
        let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
        let u32_at =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let riff_size = u32_at(4) as usize;
        assert_eq!(
            riff_size,
            bytes.len() - 8,
            "RIFF size in the header is the real one"
        );
        let (mut format, mut data) = (None, None);
        let mut offset = 12;
        while offset + 8 <= bytes.len() {
            let size = u32_at(offset + 4) as usize;
            let body = offset + 8;
            match &bytes[offset..offset + 4] {
                b"fmt " => {
                    format = Some((
                        u16_at(body),
                        u16_at(body + 2),
                        u32_at(body + 4),
                        u16_at(body + 14),
                    ))
                }
                b"data" => {
                    assert!(
                        body + size <= bytes.len(),
                        "data chunk size {size} runs past the end"
                    );
                    data = Some(&bytes[body..body + size]);
                }
                _ => {}
            }
            offset = body + size + (size & 1);
        }
        let (tag, channels, sample_rate, bits) = format.expect("WAV has a fmt chunk");
        assert_eq!((tag, bits), (1, 16), "16-bit PCM");
        let data = data.expect("WAV has a data chunk");
        let samples = data
            .chunks_exact(2)
            .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        Wav {
            channels,
            sample_rate,
            samples,
        }
    }

    fn duration_secs(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.channels) / f64::from(self.sample_rate)
    }

    /// Root mean square over all samples, 0..=32768.
    fn rms(&self) -> f64 {
        let sum: f64 = self
            .samples
            .iter()
            .map(|&s| f64::from(s) * f64::from(s))
            .sum();
        (sum / self.samples.len().max(1) as f64).sqrt()
    }
}

fn synth(text: &str, lang: SpeechLanguage) -> Vec<u8> {
    synthesize_wav(text, lang).unwrap_or_else(|e| panic!("{e}"))
}

/// Speech from espeak-ng is loud: silence has RMS 0, speech well above 500.
fn assert_is_speech(wav: &Wav, what: &str) {
    assert!(
        wav.duration_secs() > 0.5,
        "{what}: only {:.2} s of audio",
        wav.duration_secs()
    );
    assert!(
        wav.rms() > 500.0,
        "{what}: RMS {:.0} is near silence",
        wav.rms()
    );
}

/// A sink that writes what is played to `path` as 16-bit mono WAV, at the pace of real playback.
fn file_sink(path: &Path) -> AudioOutput {
    AudioOutput::Sink(format!(
        "audioconvert ! audio/x-raw,format=S16LE,channels=1 ! wavenc ! filesink sync=true location={}",
        path.display()
    ))
}

fn new_speaker(output: AudioOutput) -> Speaker {
    Speaker::new(output).unwrap_or_else(|e| panic!("{e}"))
}

/// Waits until `speaker` is silent; returns how long that took.
fn wait_until_silent(speaker: &Speaker, limit: Duration) -> Duration {
    wait_until("the speaker to fall silent", limit, || {
        !speaker.is_speaking()
    })
}

/// Waits until played sound reaches the file (filesink writes 64 KiB blocks, ~1.5 s of audio).
fn wait_for_sound(path: &Path) {
    wait_until("sound in the file", Duration::from_secs(15), || {
        std::fs::metadata(path).is_ok_and(|m| m.len() > 0)
    });
}

fn scratch() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("said.wav");
    (dir, path)
}

#[test]
fn vietnamese_text_becomes_speech() {
    let wav = Wav::parse(&synth(VIETNAMESE, SpeechLanguage::Vietnamese));
    assert_eq!(wav.channels, 1);
    assert_is_speech(&wav, "Vietnamese");
    assert!(
        wav.duration_secs() < 10.0,
        "{:.1} s is too long for one sentence",
        wav.duration_secs()
    );
}

#[test]
fn english_text_becomes_speech_in_another_voice() {
    let english = synth(ENGLISH, SpeechLanguage::English);
    assert_is_speech(&Wav::parse(&english), "English");
    // The same text in the two voices sounds different.
    assert_ne!(english, synth(ENGLISH, SpeechLanguage::Vietnamese));
}

#[test]
fn hmong_is_read_with_the_vietnamese_voice() {
    let text = "Nyob zoo, thov kov lub thawv hauv qab no";
    assert_eq!(SpeechLanguage::Hmong.espeak_voice(), "vi");
    let hmong = synth(text, SpeechLanguage::Hmong);
    assert_is_speech(&Wav::parse(&hmong), "H'Mong");
    assert_eq!(
        hmong,
        synth(text, SpeechLanguage::Vietnamese),
        "same voice, same audio"
    );
    assert_ne!(hmong, synth(text, SpeechLanguage::English));
}

#[test]
fn text_starting_with_a_dash_is_spoken_not_taken_as_an_option() {
    // As options, these would print help or a version (no WAV) or pick another voice.
    for text in ["--version", "-h", "-v en --stdout hello", "- 5 độ"] {
        let wav = Wav::parse(&synth(text, SpeechLanguage::Vietnamese));
        assert!(
            wav.rms() > 300.0,
            "{text:?}: RMS {:.0}, not spoken",
            wav.rms()
        );
        assert!(
            wav.duration_secs() > 0.2,
            "{text:?}: {:.2} s",
            wav.duration_secs()
        );
    }
    // And the kiosk plays it.
    let (_dir, path) = scratch();
    let speaker = new_speaker(file_sink(&path));
    speaker.speak("--help", SpeechLanguage::English);
    wait_until_silent(&speaker, Duration::from_secs(10));
    assert_eq!(speaker.last_error(), None);
    assert_is_speech(
        &Wav::parse(&std::fs::read(&path).expect("played file")),
        "--help",
    );
}

#[test]
fn speech_plays_through_gstreamer_at_real_pace() {
    let expected = Wav::parse(&synth(VIETNAMESE, SpeechLanguage::Vietnamese));
    let (_dir, path) = scratch();
    let speaker = new_speaker(file_sink(&path));
    assert!(!speaker.is_speaking());

    speaker.speak(VIETNAMESE, SpeechLanguage::Vietnamese);
    assert!(speaker.is_speaking(), "speaking as soon as speak returns");
    let took = wait_until_silent(&speaker, Duration::from_secs(20));
    assert_eq!(speaker.last_error(), None);

    let played = Wav::parse(&std::fs::read(&path).expect("played file"));
    assert_is_speech(&played, "played");
    let ratio = played.duration_secs() / expected.duration_secs();
    assert!(
        (0.95..=1.05).contains(&ratio),
        "played {:.2} s of a {:.2} s utterance",
        played.duration_secs(),
        expected.duration_secs()
    );
    assert!(
        (played.rms() / expected.rms() - 1.0).abs() < 0.1,
        "played RMS {:.0}, synthesised RMS {:.0}",
        played.rms(),
        expected.rms()
    );
    // A clock-synchronised sink plays in real time, so speaking lasted about as long as the audio.
    assert!(
        took.as_secs_f64() > 0.8 * expected.duration_secs(),
        "speaking ended after {took:?} for {:.2} s of audio",
        expected.duration_secs()
    );
}

#[test]
fn stop_interrupts_a_long_text_quickly() {
    let long = ENGLISH.repeat(20); // about a minute of speech
    let (_dir, path) = scratch();
    let speaker = new_speaker(file_sink(&path));
    speaker.speak(&long, SpeechLanguage::English);
    wait_for_sound(&path);
    assert!(speaker.is_speaking());

    // A minute of speech is cut off: stop returns long before the text would end, the file
    // no longer grows, and holds a fraction of the text.
    let size = stop_and_check_it_stays_stopped(
        || speaker.stop(),
        || speaker.is_speaking(),
        Duration::from_secs(5),
        &path,
        Duration::from_millis(300),
        Duration::from_millis(1500),
    );
    assert!(
        size < 10 * 44_100,
        "{size} bytes written: the text was not interrupted"
    );
    assert_eq!(speaker.last_error(), None);

    // The speaker still works after a stop.
    speaker.speak(ENGLISH, SpeechLanguage::English);
    assert!(speaker.is_speaking());
    wait_until_silent(&speaker, Duration::from_secs(20));
    assert_is_speech(
        &Wav::parse(&std::fs::read(&path).expect("played file")),
        "after stop",
    );
}

#[test]
fn a_new_text_replaces_the_one_playing() {
    let (_dir, path) = scratch();
    let speaker = new_speaker(file_sink(&path));
    speaker.speak(&ENGLISH.repeat(20), SpeechLanguage::English);
    wait_for_sound(&path);
    speaker.speak(VIETNAMESE, SpeechLanguage::Vietnamese);
    wait_until_silent(&speaker, Duration::from_secs(20));
    let expected = Wav::parse(&synth(VIETNAMESE, SpeechLanguage::Vietnamese));
    let played = Wav::parse(&std::fs::read(&path).expect("played file"));
    assert!(
        (played.duration_secs() - expected.duration_secs()).abs() < 0.2,
        "played {:.2} s, expected only the new {:.2} s text",
        played.duration_secs(),
        expected.duration_secs()
    );
}

#[test]
fn a_sink_that_cannot_open_disables_the_speaker_with_a_reason() {
    for sink in [
        "alsasink device=hw:99",
        "no-such-element-here",
        "pulsesink server=/nonexistent/socket",
    ] {
        match Speaker::new(AudioOutput::Sink(sink.to_string())) {
            Err(e @ SpeechUnavailable::NoAudioOutput(_)) => {
                let message = e.to_string();
                assert!(
                    message.contains(sink),
                    "{sink}: message names the sink: {message}"
                );
                assert!(message.len() > 80, "{sink}: message explains: {message}");
            }
            Err(e) => panic!("{sink}: expected NoAudioOutput, got {e}"),
            Ok(_) => panic!("{sink}: a sink that cannot open was accepted"),
        }
    }
}

#[test]
fn the_automatic_output_plays_or_says_why_not() {
    // On a box with a sound card this plays; on CI and headless machines there is none, and the
    // speaker must be refused with a reason instead of playing into nothing.
    match Speaker::new(AudioOutput::Auto) {
        Ok(speaker) => {
            speaker.speak("OK", SpeechLanguage::English);
            wait_until_silent(&speaker, Duration::from_secs(10));
            assert_eq!(speaker.last_error(), None);
        }
        Err(e @ SpeechUnavailable::NoAudioOutput(_)) => {
            let message = e.to_string();
            assert!(message.contains("Connect speakers"), "{message}");
        }
        Err(e) => panic!("expected a speaker or NoAudioOutput, got {e}"),
    }
}

#[test]
fn a_playback_failure_is_reported_not_panicked() {
    // Both sinks open, so the start-up check passes; then `identity error-after` posts an error
    // on the bus mid-stream, and a video-only filter cannot be linked to audio at all.
    let sinks = [
        ("identity error-after=3 ! fakesink sync=true", "element"),
        ("capsfilter caps=video/x-raw ! fakesink", "build"),
    ];
    for (sink, kind) in sinks {
        let speaker = new_speaker(AudioOutput::Sink(sink.into()));
        for text in [ENGLISH, VIETNAMESE] {
            speaker.speak(text, SpeechLanguage::English);
            assert!(speaker.is_speaking());
            wait_until_silent(&speaker, Duration::from_secs(10));
            let error = speaker.last_error();
            match (kind, &error) {
                (
                    "element",
                    Some(PlaybackError::Pipeline(PipelineError::Element {
                        element, message, ..
                    })),
                ) => {
                    assert!(element.contains("identity"), "{element}");
                    assert!(!message.is_empty());
                }
                ("build", Some(PlaybackError::Pipeline(PipelineError::Build(_)))) => {}
                _ => panic!("{sink}: expected a {kind} error, got {error:?}"),
            }
        }
    }
}
