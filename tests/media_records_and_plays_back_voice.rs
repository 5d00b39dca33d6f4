//! The kiosk's "Speak" button: a resident's voice is recorded as Ogg/Opus while a level meter
//! moves, played back, and kept or thrown away. Real GStreamer pipelines; the microphone is a
//! live test tone (`audiotestsrc is-live=true`), so recording runs in real time as with a mic.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::wait_until;
use crate::media_common::stop_and_check_it_stays_stopped;
use phonghop::media::{
    AudioOutput, MicSource, Player, RecordError, Recorder, Recording, probe_ogg_opus,
};
use sha2::{Digest as _, Sha256};

const TONE: MicSource = MicSource::Test { freq_hz: 440.0 };
const SILENCE: &str = "audiotestsrc wave=silence is-live=true";

fn scratch() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("voice.ogg");
    (dir, path)
}

fn start(source: &MicSource, path: &Path, max_secs: u32) -> Recorder {
    Recorder::start(source, path, max_secs).unwrap_or_else(|e| panic!("{e}"))
}

/// Records `ms` of `source` and finishes.
fn record(source: &MicSource, path: &Path, ms: u64) -> Recording {
    let recorder = start(source, path, 180);
    wait_until("recording", Duration::from_millis(ms + 10_000), || {
        recorder.elapsed_ms() >= ms
    });
    recorder.finish().unwrap_or_else(|e| panic!("{e}"))
}

/// The highest meter value seen while recording `source` for `ms`.
fn loudest_level(source: &MicSource, ms: u64) -> f32 {
    let (_dir, path) = scratch();
    let recorder = start(source, &path, 180);
    let mut loudest = 0.0f32;
    wait_until("metering", Duration::from_millis(ms + 10_000), || {
        let level = recorder.level();
        assert!((0.0..=1.0).contains(&level), "level {level} out of range");
        loudest = loudest.max(level);
        recorder.elapsed_ms() >= ms
    });
    recorder.discard();
    loudest
}

fn assert_close(what: &str, actual_ms: u64, expected_ms: u64, tolerance_ms: u64) {
    assert!(
        actual_ms.abs_diff(expected_ms) <= tolerance_ms,
        "{what}: {actual_ms} ms, expected {expected_ms} ± {tolerance_ms} ms"
    );
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// A 16-bit mono PCM WAV written by `wavenc`.
#[derive(Debug)]
struct Wav {
    sample_rate: u32,
    samples: Vec<i16>,
}

impl Wav {
    fn read(path: &Path) -> Wav {
        let bytes = std::fs::read(path).expect("played file");
        assert!(bytes.len() >= 44, "WAV too short: {} bytes", bytes.len());
        assert_eq!(&bytes[0..4], b"RIFF");
        assert_eq!(&bytes[8..12], b"WAVE");
        let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
        let u32_at =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let (mut sample_rate, mut samples) = (None, None);
        let mut offset = 12;
        while offset + 8 <= bytes.len() {
            let size = u32_at(offset + 4) as usize;
            let body = offset + 8;
            match &bytes[offset..offset + 4] {
                b"fmt " => {
                    assert_eq!(
                        (u16_at(body), u16_at(body + 2), u16_at(body + 14)),
                        (1, 1, 16),
                        "16-bit mono PCM"
                    );
                    sample_rate = Some(u32_at(body + 4));
                }
                b"data" => {
                    assert!(body + size <= bytes.len(), "data chunk runs past the end");
                    samples = Some(
                        bytes[body..body + size]
                            .chunks_exact(2)
                            .map(|p| i16::from_le_bytes([p[0], p[1]]))
                            .collect(),
                    );
                }
                _ => {}
            }
            offset = body + size + (size & 1);
        }
        Wav {
            sample_rate: sample_rate.expect("fmt chunk"),
            samples: samples.expect("data chunk"),
        }
    }

    fn duration_ms(&self) -> u64 {
        self.samples.len() as u64 * 1000 / u64::from(self.sample_rate)
    }

    fn rms(&self) -> f64 {
        let sum: f64 = self.samples.iter().map(|&s| f64::from(s).powi(2)).sum();
        (sum / self.samples.len().max(1) as f64).sqrt()
    }

    /// Frequency estimated from sign changes (a sine crosses zero twice a period).
    fn frequency_hz(&self) -> f64 {
        let crossings = self
            .samples
            .windows(2)
            .filter(|w| (w[0] < 0) != (w[1] < 0))
            .count();
        crossings as f64 / 2.0 / (self.samples.len() as f64 / f64::from(self.sample_rate))
    }
}

/// Plays into a WAV file at the pace of real playback.
fn wav_sink(path: &Path) -> AudioOutput {
    AudioOutput::Sink(format!(
        "audioconvert ! audio/x-raw,format=S16LE,channels=1 ! wavenc ! filesink sync=true location={}",
        path.display()
    ))
}

#[test]
fn two_seconds_of_voice_become_a_small_valid_ogg_opus_file() {
    let (_dir, path) = scratch();
    let began = Instant::now();
    let recording = record(&TONE, &path, 2000);
    // A live source records in real time.
    assert!(
        began.elapsed() >= Duration::from_millis(1800),
        "2 s recorded in {:?}",
        began.elapsed()
    );

    assert_eq!(recording.path, path);
    assert_close("recorded", recording.duration_ms, 2000, 100);
    let decoded_ms = probe_ogg_opus(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_close("decoded", decoded_ms, 2000, 300);

    let bytes = std::fs::read(&path).expect("recording");
    assert_eq!(recording.bytes, bytes.len() as u64);
    assert_eq!(recording.sha256_hex, hex::encode(Sha256::digest(&bytes)));
    assert_eq!(recording.sha256_hex.len(), 64);
    assert!(bytes.starts_with(b"OggS"), "an Ogg file");
    assert!(
        bytes.windows(8).any(|w| w == b"OpusHead"),
        "holds an Opus stream"
    );
    // ~24 kb/s is ~3 KB a second; 2 s of 48 kHz 16-bit WAV would be 192 KB.
    assert!(
        (2_000..=16_000).contains(&recording.bytes),
        "{} bytes for 2 s is not voice-rate Opus",
        recording.bytes
    );
}

#[test]
fn the_level_meter_follows_the_input() {
    let loud = loudest_level(&TONE, 1000);
    let quiet = loudest_level(
        &MicSource::Named("audiotestsrc is-live=true freq=440 volume=0.01".into()),
        1000,
    );
    let silent = loudest_level(&MicSource::Named(SILENCE.into()), 1000);
    // The tone's RMS is -5 dBFS, the quiet one's -43 dBFS; the meter spans -60..0 dB.
    assert!(loud > 0.8, "tone: meter at {loud}");
    assert!(
        (0.15..0.45).contains(&quiet),
        "quiet tone: meter at {quiet}"
    );
    assert!(silent < 0.02, "silence: meter at {silent}");
}

#[test]
fn the_meter_is_cheap_enough_to_read_every_frame() {
    let (_dir, path) = scratch();
    let recorder = start(&TONE, &path, 180);
    wait_until("first level", Duration::from_secs(10), || {
        recorder.level() > 0.0
    });
    let began = Instant::now();
    for _ in 0..10_000 {
        std::hint::black_box((
            recorder.level(),
            recorder.elapsed_ms(),
            recorder.is_finished(),
        ));
    }
    // Reading the meter never waits on the pipeline: 10 000 reads (minutes of frames) take
    // far less than one recorded second even on a loaded machine.
    assert!(
        began.elapsed() < Duration::from_secs(1),
        "10 000 frames of meter reads took {:?}",
        began.elapsed()
    );
    // And the values move while recording.
    let (first, level) = (recorder.elapsed_ms(), recorder.level());
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        recorder.elapsed_ms() >= first + 200,
        "elapsed does not advance"
    );
    assert!(level > 0.5 && recorder.level() > 0.5);
    assert!(!recorder.is_finished());
}

#[test]
fn recording_stops_by_itself_at_the_limit() {
    let (_dir, path) = scratch();
    let began = Instant::now();
    let recorder = start(&TONE, &path, 1);
    let took = wait_until("limit", Duration::from_secs(10), || recorder.is_finished());
    assert!(
        took >= Duration::from_millis(800),
        "finished after {took:?}: not real time"
    );
    assert_close("recorded at the limit", recorder.elapsed_ms(), 1000, 50);
    // Stopped: nothing more is recorded, and the meter falls to zero.
    std::thread::sleep(Duration::from_millis(300));
    assert_close("after the limit", recorder.elapsed_ms(), 1000, 50);
    assert_eq!(recorder.level(), 0.0);
    let recording = recorder.finish().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        began.elapsed() < Duration::from_secs(5),
        "{:?}",
        began.elapsed()
    );
    assert_close("kept", recording.duration_ms, 1000, 50);
    assert_close(
        "decoded",
        probe_ogg_opus(&path).unwrap_or_else(|e| panic!("{e}")),
        1000,
        300,
    );
}

#[test]
fn discard_deletes_the_recording() {
    let (_dir, path) = scratch();
    let recorder = start(&TONE, &path, 180);
    wait_until("recording", Duration::from_secs(10), || {
        recorder.elapsed_ms() >= 500
    });
    assert!(path.exists());
    recorder.discard();
    assert!(!path.exists(), "discarded recording left on disk");

    // Re-recording into the same path works.
    let again = record(&TONE, &path, 300);
    assert!(path.exists());
    assert_close(
        "re-recorded",
        probe_ogg_opus(&again.path).unwrap_or_else(|e| panic!("{e}")),
        300,
        300,
    );
}

#[test]
fn dropping_a_recorder_deletes_the_partial_file_and_stops_the_pipeline() {
    let (dir, path) = scratch();
    // The microphone also copies what it hears to a side file, so we can see it stop.
    let side = dir.path().join("side.raw");
    let mic = MicSource::Named(format!(
        "audiotestsrc is-live=true ! tee name=t ! queue ! filesink location={} t. ! queue",
        side.display()
    ));
    let recorder = start(&mic, &path, 180);
    wait_until("recording", Duration::from_secs(10), || {
        recorder.elapsed_ms() >= 500 && size(&side) > 0
    });
    drop(recorder);
    assert!(!path.exists(), "dropped recording left a partial file");
    let stopped_at = size(&side);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(size(&side), stopped_at, "the microphone still runs");
}

#[test]
fn a_recording_plays_back_at_its_length() {
    let (dir, path) = scratch();
    record(&TONE, &path, 2000);
    let played = dir.path().join("played.wav");
    let began = Instant::now();
    let player = Player::play(&path, &wav_sink(&played)).unwrap_or_else(|e| panic!("{e}"));
    assert!(player.is_playing());
    wait_until("playback", Duration::from_secs(15), || !player.is_playing());
    assert_eq!(player.last_error(), None);
    assert!(
        began.elapsed() >= Duration::from_millis(1700),
        "played 2 s in {:?}",
        began.elapsed()
    );

    let wav = Wav::read(&played);
    assert_close("played", wav.duration_ms(), 2000, 300);
    // audiotestsrc's default volume 0.8: a sine of RMS 0.8/√2 of full scale ≈ 18 500.
    assert!(
        wav.rms() > 10_000.0,
        "RMS {:.0}: played near silence",
        wav.rms()
    );
    let hz = wav.frequency_hz();
    assert!(
        (420.0..460.0).contains(&hz),
        "played {hz:.0} Hz, recorded 440"
    );
}

#[test]
fn stop_ends_playback_quickly() {
    let (dir, path) = scratch();
    record(&TONE, &path, 2000);
    let played = dir.path().join("played.wav");
    let player = Player::play(&path, &wav_sink(&played)).unwrap_or_else(|e| panic!("{e}"));
    wait_until("playing", Duration::from_secs(10), || {
        player.position_ms() >= 400
    });
    assert!(player.is_playing());

    let stopped_at = stop_and_check_it_stays_stopped(
        || player.stop(),
        || player.is_playing(),
        Duration::from_secs(3),
        &played,
        Duration::ZERO,
        Duration::from_millis(700),
    );
    assert_eq!(player.last_error(), None);
    // 2 s at 48 kHz 16-bit mono would be 192 000 bytes.
    assert!(
        stopped_at < 150_000,
        "{stopped_at} bytes written: playback was not interrupted"
    );
}

#[test]
fn a_microphone_that_cannot_open_is_refused_with_a_reason() {
    for description in ["alsasrc device=hw:99", "no-such-element-here"] {
        let (_dir, path) = scratch();
        match Recorder::start(&MicSource::Named(description.into()), &path, 180) {
            Err(e @ RecordError::NoMicrophone(_)) => {
                let message = e.to_string();
                assert!(message.contains(description), "names the source: {message}");
                assert!(message.contains("Connect a microphone"), "{message}");
            }
            Err(e) => panic!("{description}: expected NoMicrophone, got {e}"),
            Ok(_) => panic!("{description}: a microphone that cannot open was accepted"),
        }
        assert!(
            !path.exists(),
            "{description}: refused recording left a file"
        );
    }
}

#[test]
fn the_automatic_microphone_records_or_says_why_not() {
    // On a kiosk with a microphone this records; on CI and headless machines there is none, and
    // recording must be refused with a reason instead of recording silence.
    let (_dir, path) = scratch();
    match Recorder::start(&MicSource::Auto, &path, 180) {
        Ok(recorder) => {
            wait_until("recording", Duration::from_secs(10), || {
                recorder.elapsed_ms() >= 300
            });
            let recording = recorder.finish().unwrap_or_else(|e| panic!("{e}"));
            probe_ogg_opus(&recording.path).unwrap_or_else(|e| panic!("{e}"));
        }
        Err(e @ RecordError::NoMicrophone(_)) => {
            assert!(e.to_string().contains("Connect a microphone"), "{e}");
            assert!(!path.exists());
        }
        Err(e) => panic!("expected a recorder or NoMicrophone, got {e}"),
    }
}

#[test]
fn an_unwritable_path_is_refused() {
    let (dir, _) = scratch();
    let path = dir.path().join("no-such-dir").join("voice.ogg");
    match Recorder::start(&TONE, &path, 180) {
        Err(RecordError::File { path: p, reason }) => {
            assert_eq!(p, path);
            assert!(!reason.is_empty());
        }
        other => panic!("expected a File error, got {other:?}"),
    }
}

#[test]
fn the_probe_refuses_what_is_not_a_complete_ogg_opus_recording() {
    let (dir, path) = scratch();
    record(&TONE, &path, 1000);
    let bytes = std::fs::read(&path).expect("recording");

    let cut = dir.path().join("cut.ogg");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    // Whole pages, but not the last, end-of-stream one: what a recorder stopped without
    // end-of-stream through the muxer leaves.
    let unfinished = dir.path().join("unfinished.ogg");
    let last_page = bytes
        .windows(4)
        .rposition(|w| w == b"OggS")
        .expect("a page");
    assert!(last_page > 0, "more than one page");
    std::fs::write(&unfinished, &bytes[..last_page]).expect("write");
    let wav = dir.path().join("tone.wav");
    let mut riff = b"RIFF\x24\0\0\0WAVEfmt ".to_vec();
    riff.resize(4_000, 0);
    std::fs::write(&wav, &riff).expect("write");
    let junk = dir.path().join("junk.ogg");
    std::fs::write(&junk, b"OggS\0\0\0\0 not really").expect("write");
    // An Ogg page whose stream is not Opus: the real file with its header packet renamed.
    let not_opus = dir.path().join("not-opus.ogg");
    let renamed: Vec<u8> = {
        let at = bytes
            .windows(8)
            .position(|w| w == b"OpusHead")
            .expect("OpusHead");
        let mut b = bytes.clone();
        b[at..at + 8].copy_from_slice(b"XxxxHead");
        b
    };
    std::fs::write(&not_opus, renamed).expect("write");

    for (file, what) in [
        (&cut, "cut in half"),
        (&unfinished, "without its last page"),
        (&wav, "a WAV"),
        (&junk, "junk"),
        (&not_opus, "not Opus"),
    ] {
        match probe_ogg_opus(file) {
            Err(RecordError::Invalid { path, reason }) => {
                assert_eq!(&path, file);
                assert!(!reason.is_empty(), "{what}");
            }
            other => panic!("{what}: expected Invalid, got {other:?}"),
        }
    }
    match probe_ogg_opus(&dir.path().join("missing.ogg")) {
        Err(RecordError::File { .. }) => {}
        other => panic!("missing file: expected a File error, got {other:?}"),
    }
    assert!(probe_ogg_opus(&path).is_ok(), "the original still probes");
}

#[test]
fn recorder_and_player_can_live_in_the_kiosk_state() {
    // The kiosk keeps them in state shared with its UI thread.
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Recorder>();
    assert_send_sync::<Player>();
    assert_send_sync::<RecordError>();
}
