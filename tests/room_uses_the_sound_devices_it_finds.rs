//! A room whose microphone and speaker are "auto" finds the box's sound devices by itself
//! (GStreamer's device monitor; a PulseAudio server here) and uses them in a meeting: the
//! other room decodes the voice from that microphone, and the meeting's sound plays on that
//! speaker. The server is real PulseAudio with a remapped source standing in for a microphone
//! and a null sink for the loudspeaker; the room is its own process, as on a box,
//! so the sound server it sees is only its own.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::{self, Lazy, enrolled_room, eventually, start_hub};
use crate::meeting_common::{metric, metric_total, start_call_room, start_meeting, try_chair};

/// A child process killed when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts PulseAudio on its own socket with a microphone ("desk_mic") and a loudspeaker
/// ("desk_speaker"); returns it and the server address for `PULSE_SERVER`.
fn sound_server(dir: &Path) -> (Killed, String) {
    let runtime = dir.join("pulse-runtime");
    std::fs::create_dir_all(&runtime).expect("runtime dir");
    let socket = dir.join("pulse.sock");
    let child = Command::new("pulseaudio")
        .args([
            "-n",
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--use-pid-file=no",
            "--log-target=stderr",
        ])
        .arg("-L")
        .arg(format!(
            "module-native-protocol-unix socket={} auth-anonymous=1",
            socket.display()
        ))
        // The loudspeaker first: it is the server's default, as a box's real one would be.
        .args(["-L", "module-null-sink sink_name=desk_speaker"])
        // A microphone that is not a monitor: a source remapped from what is played into
        // "mic_feed". (module-sine-source delivers far slower than real time.)
        .args(["-L", "module-null-sink sink_name=mic_feed"])
        .args([
            "-L",
            "module-remap-source source_name=desk_mic master=mic_feed.monitor",
        ])
        .env("HOME", dir)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pulseaudio: run `make test`, which installs it (package pulseaudio)");
    let server = Killed(child);
    for _ in 0..100 {
        if socket.exists() {
            return (server, format!("unix:{}", socket.display()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("PulseAudio did not open {}", socket.display());
}

/// Someone speaking into the microphone: a 440 Hz tone played into "mic_feed", so the
/// microphone delivers sound at the pace of a real one (an idle null sink's monitor does not).
fn speak_into_microphone(server: &str) -> Killed {
    Killed(
        Command::new("gst-launch-1.0")
            .args([
                "-q",
                "audiotestsrc",
                "is-live=true",
                "wave=sine",
                "freq=440",
                "!",
                "pulsesink",
                "device=mic_feed",
            ])
            .env("PULSE_SERVER", server)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gst-launch-1.0 (package gstreamer1.0-tools)"),
    )
}

/// What `pactl` says of the server, e.g. the streams playing on its sinks.
fn pactl(server: &str, what: &[&str]) -> String {
    let out = Command::new("pactl")
        .arg("-s")
        .arg(server)
        .args(what)
        .output()
        .expect("pactl (package pulseaudio-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The index `pactl list short sources|sinks` gives the device named `name`.
fn index_of(listing: &str, name: &str) -> String {
    listing
        .lines()
        .find_map(|line| {
            let mut columns = line.split('\t');
            let index = columns.next()?;
            (columns.next()? == name).then(|| index.to_owned())
        })
        .unwrap_or_else(|| panic!("no {name} in:\n{listing}"))
}

/// Whether a `pactl list short source-outputs|sink-inputs` line is attached to device `index`.
fn attached_to(listing: &str, index: &str) -> bool {
    listing
        .lines()
        .any(|line| line.split('\t').nth(1) == Some(index))
}

fn room_toml(unit: &str, data_dir: &Path, hub: &url::Url, health_port: u16) -> String {
    let pin = "$argon2id$v=19$m=19456,t=2,p=1$mo2uY2ZUhYRP1lMzYksRrg$1tPuSatlaMA8hBlGY5AV+K25FcH7BYQKppXu9Jmowwk";
    format!(
        "[room]\nunit = \"{unit}\"\ndata_dir = \"{}\"\nhealth_listen = \"127.0.0.1:{health_port}\"\n\n\
         [hub]\nurl = \"{hub}\"\n\n\
         [media]\ncamera = \"test\"\nmicrophone = \"auto\"\nspeaker = \"auto\"\n\
         ice_bind = \"127.0.0.1\"\nmax_layer = \"180p\"\n\n\
         [staff]\npin_hash = \"{pin}\"\n",
        data_dir.display()
    )
}

const AUDIO_FRAMES: &str = "phonghop_room_call_audio_frames_decoded{";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_on_auto_uses_the_microphone_and_speaker_it_finds() {
    common::init_logs();
    let dir = common::tempdir();
    let (_pulse, server) = sound_server(dir.path());
    let _voice = speak_into_microphone(&server);

    let hub = start_hub(&dir.path().join("hub")).await;
    let desk_dir: PathBuf = dir.path().join("desk");
    let (_, desk_id) = enrolled_room(&hub, "lao-chai", desk_dir.clone()).await;
    let (other_config, other_id) = enrolled_room(&hub, "lao-cai", dir.path().join("other")).await;
    let (other, _other_view) = start_call_room(other_config).await;

    let health_port = free_port();
    let config = dir.path().join("desk.toml");
    std::fs::write(
        &config,
        room_toml("lao-chai", &desk_dir, &hub.url, health_port),
    )
    .expect("write config");
    let desk = Killed(
        Command::new(env!("CARGO_BIN_EXE_phonghop"))
            .args(["room", "--headless", "--config"])
            .arg(&config)
            .env("PULSE_SERVER", &server)
            .env("PHONGHOP_LOG", "phonghop=info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("desk.log")).expect("log file"))
            .spawn()
            .expect("start the room"),
    );
    let desk_url: url::Url = format!("http://127.0.0.1:{health_port}/")
        .parse()
        .expect("url");

    let meeting = start_meeting(&hub, &other_id, &[&desk_id]).await;
    // The desk enters muted (the chair's rule): once it is in, the host unmutes it so the other
    // room hears it.
    let unmute = serde_json::json!({ "action": "unmute_room", "room": desk_id });
    let last = std::cell::RefCell::new(String::new());
    eventually(
        Lazy(|| format!("the host unmutes the desk: {}", last.borrow())),
        Duration::from_secs(20),
        async || {
            let (status, body) = try_chair(&hub, &meeting, &unmute).await;
            *last.borrow_mut() = body;
            status == 200
        },
    )
    .await;

    // The other room hears the desk's microphone, and the desk hears the other room.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let (mut heard_at_other, mut heard_at_desk, mut mic_is_test) = (None, None, None);
    while tokio::time::Instant::now() < deadline {
        heard_at_other = metric_total(&other.health_url, AUDIO_FRAMES).await;
        heard_at_desk = metric_total(&desk_url, AUDIO_FRAMES).await;
        mic_is_test = metric(
            &desk_url,
            "phonghop_room_call_test_source{device=\"microphone\"}",
        )
        .await;
        if heard_at_other.unwrap_or(0.0) >= 100.0 && heard_at_desk.unwrap_or(0.0) >= 100.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let log = std::fs::read_to_string(dir.path().join("desk.log")).unwrap_or_default();
    let log_tail: String = log.lines().rev().take(25).collect::<Vec<_>>().join("\n");
    assert_eq!(
        mic_is_test,
        Some(0.0),
        "the desk uses the microphone it found, not the test tone; its log, newest first:\n{log_tail}"
    );
    assert!(
        heard_at_other.unwrap_or(0.0) >= 100.0,
        "the other room decodes the desk's microphone: {heard_at_other:?} Opus frames; the desk's log, newest first:\n{log_tail}"
    );
    assert!(
        heard_at_desk.unwrap_or(0.0) >= 100.0,
        "the desk decodes the other room: {heard_at_desk:?} Opus frames; its log, newest first:\n{log_tail}"
    );
    // The desk records from the microphone and plays on the loudspeaker it found.
    let mic = index_of(&pactl(&server, &["list", "short", "sources"]), "desk_mic");
    let speaker = index_of(&pactl(&server, &["list", "short", "sinks"]), "desk_speaker");
    let recording = pactl(&server, &["list", "short", "source-outputs"]);
    assert!(
        attached_to(&recording, &mic),
        "a stream records from desk_mic (source {mic}):\n{recording}"
    );
    let playing = pactl(&server, &["list", "short", "sink-inputs"]);
    assert!(
        attached_to(&playing, &speaker),
        "a stream plays on desk_speaker (sink {speaker}):\n{playing}"
    );
    drop(desk);
    other.stop().await;
    hub.stop().await;
}
