//! `phonghop check-config`: every shipped config is valid; each kind of mistake fails with
//! exit code 2 and a message naming the file, the section and the key.

use std::path::Path;
use std::process::{Command, Output};

fn check(path: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .arg("check-config")
        .arg(path)
        .env_remove("PHONGHOP_HUB_URL")
        .output()
        .expect("run phonghop")
}

#[test]
fn every_shipped_config_is_valid() {
    let mut seen = 0;
    for entry in
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/config")).expect("config dir")
    {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let out = check(&path);
            assert!(
                out.status.success(),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            seen += 1;
        }
    }
    assert!(
        seen >= 4,
        "expected hub, room-province, room-commune and demo configs, found {seen}"
    );
}

const ROOM: &str = include_str!("../config/room-commune.toml");
const HUB: &str = include_str!("../config/hub.toml");

/// (what, base file, edit as (from, to), the text the error must contain)
const BROKEN: &[(&str, &str, &str, &str, &str)] = &[
    (
        "bad url",
        ROOM,
        "url = \"https://hub.laocai.example.vn:8443\"",
        "url = \"htp://x\"",
        "[hub] url: \"htp://x\" is not an http(s) URL",
    ),
    (
        "unknown key",
        ROOM,
        "idle_reset_secs = 90",
        "idle_reset_sec = 90",
        "[kiosk] idle_reset_sec: unknown key",
    ),
    (
        "missing unit",
        ROOM,
        "unit = \"lao-chai\"",
        "",
        "[room] unit: missing",
    ),
    (
        "wrong type",
        ROOM,
        "idle_reset_secs = 90",
        "idle_reset_secs = \"90\"",
        "[kiosk] idle_reset_secs: \"90\" is a string",
    ),
    (
        "out of range",
        ROOM,
        "idle_reset_secs = 90",
        "idle_reset_secs = 5",
        "[kiosk] idle_reset_secs: 5 is out of range",
    ),
    (
        "bad language",
        ROOM,
        "language = \"vi\"",
        "language = \"fr\"",
        "[kiosk] language: \"fr\" is not one of: vi, en, hmn",
    ),
    (
        "bad pin hash",
        ROOM,
        "pin_hash = \"$argon2id",
        "pin_hash = \"x$argon2id",
        "[staff] pin_hash: is not an argon2 hash",
    ),
    (
        "unknown section",
        ROOM,
        "[media]",
        "[medya]",
        "[medya]: unknown section",
    ),
    (
        "relative data dir",
        ROOM,
        "data_dir = \"/var/lib/phonghop/room\"",
        "data_dir = \"room\"",
        "[room] data_dir: \"room\" is a relative path",
    ),
    (
        "duplicate room id",
        HUB,
        "id = \"sa-pa\"",
        "id = \"lao-chai\"",
        "[[unit]] #3 id: \"lao-chai\" is used by another unit",
    ),
    (
        "commune's parent missing",
        HUB,
        "parent = \"lao-cai\"\n\n[[unit]]\nid = \"sa-pa\"",
        "parent = \"lao-kai\"\n\n[[unit]]\nid = \"sa-pa\"",
        "[[unit]] #2 parent: \"lao-kai\" names no unit",
    ),
    (
        "bad listen address",
        HUB,
        "listen = \"0.0.0.0:8443\"",
        "listen = \"0.0.0.0\"",
        "[hub] listen: \"0.0.0.0\" is not an address with a port",
    ),
    (
        "https expected with tls",
        HUB,
        "public_url = \"https://",
        "public_url = \"http://",
        "uses http but [tls] is set",
    ),
    (
        "meeting grace out of range",
        HUB,
        "end_grace_secs = 600",
        "end_grace_secs = -5",
        "[meetings] end_grace_secs: -5 is out of range, expected 0 to 7200",
    ),
    (
        "turn credential lifetime out of range",
        HUB,
        "# bind_ip = \"10.20.0.5\"",
        "ice_servers = [\"turn:hub.example.vn:3478\"]\nturn_secret = \"0123456789abcdef0123\"\nturn_credential_ttl_secs = 30",
        "[media] turn_credential_ttl_secs: 30 is out of range, expected 600 to 604800",
    ),
    (
        "fixed and secret turn credentials at once",
        HUB,
        "# bind_ip = \"10.20.0.5\"",
        "ice_servers = [\"turn:hub.example.vn:3478\"]\nturn_secret = \"0123456789abcdef0123\"\nturn_username = \"phonghop\"\nturn_credential = \"0123456789abcdef-fixed\"",
        "[media] turn_secret: is set together with turn_username/turn_credential; use one",
    ),
    (
        "turn secret without a turn server",
        HUB,
        "# bind_ip = \"10.20.0.5\"",
        "ice_servers = [\"stun:hub.example.vn:3478\"]\nturn_secret = \"0123456789abcdef0123\"",
        "[media] turn_secret: is set but ice_servers names no TURN server",
    ),
    ("not toml", HUB, "[hub]", "[hub", "not valid TOML"),
];

#[test]
fn each_kind_of_mistake_is_named_with_its_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (what, base, from, to, expected) in BROKEN {
        assert!(
            base.contains(from),
            "{what}: the example config no longer contains {from:?}"
        );
        let path = dir.path().join(format!("{}.toml", what.replace(' ', "-")));
        std::fs::write(&path, base.replacen(from, to, 1)).expect("write");
        let out = check(&path);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{what}: expected {expected:?} in:\n{stderr}"
        );
        assert!(
            stderr.contains(&path.display().to_string()),
            "{what}: the message names the file:\n{stderr}"
        );
        assert!(out.stdout.is_empty(), "{what}: nothing on stdout");
    }
}

#[test]
fn all_problems_of_a_file_are_reported_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("room.toml");
    let text = ROOM
        .replace(
            "url = \"https://hub.laocai.example.vn:8443\"",
            "url = \"htp://x\"",
        )
        .replace("language = \"vi\"", "language = \"fr\"")
        .replace("camera = \"auto\"", "camera = \"auto\"\ncamra = \"auto\"");
    std::fs::write(&path, text).expect("write");
    let out = check(&path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "[hub] url",
        "[kiosk] language",
        "[media] camra: unknown key",
    ] {
        assert!(
            stderr.contains(expected),
            "expected {expected:?} in:\n{stderr}"
        );
    }
}

#[test]
fn an_environment_variable_overrides_the_file_and_is_named_when_bad() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/room-commune.toml"
    ));
    let out = Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .arg("check-config")
        .arg(path)
        .env("PHONGHOP_HUB_URL", "ftp://hub")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("[hub] url: \"ftp://hub\" is not an http(s) URL (set by environment variable PHONGHOP_HUB_URL)"), "{stderr}");
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let out = check(Path::new("/nonexistent/phonghop.toml"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr.contains("/nonexistent/phonghop.toml: cannot read"),
        "{stderr}"
    );
}
