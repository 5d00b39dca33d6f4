//! A technician's first boot: `phonghop hub setup` makes the hub's config and certificate
//! from a CSV of units; `phonghop room setup`, run with the line `hub add-room` printed,
//! checks the hub's certificate against the printed fingerprint, enrolls, writes a valid
//! config that the room then runs with, and the room is online at the hub. A wrong
//! fingerprint writes nothing, and a set-up box is not overwritten without --force.

use crate::common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

/// Runs `phonghop <args>` with `stdin` typed in; returns (exit code, stdout, stderr).
fn phonghop(args: &[&str], stdin: &str) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("phonghop");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("type");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The hub's config and certificate under `dir`, made by `phonghop hub setup` for a hub
/// reached at `public_url`.
fn hub_set_up(dir: &Path, public_url: &str) -> std::path::PathBuf {
    let units = dir.join("units.csv");
    std::fs::write(
        &units,
        "id,name,level,parent\n\
         lao-cai,Ủy ban MTTQ tỉnh Lào Cai,province,\n\
         lao-chai,Ủy ban MTTQ xã Lao Chải,commune,lao-cai\n",
    )
    .expect("write");
    let config_path = dir.join("etc-hub/hub.toml");
    let (code, out, err) = phonghop(
        &[
            "hub",
            "setup",
            "--config",
            config_path.to_str().expect("utf-8"),
            "--public-url",
            public_url,
            "--units-csv",
            units.to_str().expect("utf-8"),
            "--data-dir",
            dir.join("hub").to_str().expect("utf-8"),
        ],
        "",
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("fingerprint"), "{out}");
    config_path
}

/// A hub made by [`hub_set_up`] under `dir` for a free port of 127.0.0.1, started there;
/// with the path of its config file.
pub(crate) async fn start_set_up_hub(dir: &Path) -> (TestHub, std::path::PathBuf) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let public_url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().expect("address").port()
    );
    let hub_config_path = hub_set_up(dir, &public_url);
    let hub_config = phonghop::config::load_hub(&hub_config_path).expect("hub config");
    (start_hub_on(listener, hub_config).await, hub_config_path)
}

/// `hub add-room` for Lao Chải, as staff run it: the `--flag value` pairs of the setup
/// line it printed.
pub(crate) fn add_lao_chai_room(hub_config_path: &Path) -> Vec<String> {
    let (code, printed, err) = phonghop(
        &[
            "hub",
            "add-room",
            "--config",
            hub_config_path.to_str().expect("utf-8"),
            "--unit",
            "lao-chai",
            "--name",
            "Lao Chải",
        ],
        "",
    );
    assert_eq!(code, Some(0), "{err}");
    printed_setup_line(&printed)
}

/// The `--flag value` pairs of the setup line `hub add-room` printed.
fn printed_setup_line(add_room_output: &str) -> Vec<String> {
    let line = add_room_output
        .lines()
        .find(|l| l.contains("phonghop room setup"))
        .unwrap_or_else(|| panic!("no setup line in:\n{add_room_output}"));
    let (_, args) = line.split_once("phonghop room setup").expect("command");
    args.split_whitespace().map(str::to_owned).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_box_set_up_with_the_printed_line_comes_online() {
    let dir = tempdir();
    let (hub, hub_config_path) = start_set_up_hub(dir.path()).await;

    let setup_args = add_lao_chai_room(&hub_config_path);
    assert!(
        setup_args.iter().any(|a| a == "--fingerprint"),
        "a self-signed hub prints its fingerprint: {setup_args:?}"
    );

    let etc = dir.path().join("etc");
    let room_config = etc.join("room.toml");
    let data_dir = dir.path().join("room-data");
    let mut base: Vec<String> = vec![
        "room".into(),
        "setup".into(),
        "--config".into(),
        room_config.display().to_string(),
        "--data-dir".into(),
        data_dir.display().to_string(),
        "--no-start".into(),
    ];

    // A wrong fingerprint (another hub, or a man in the middle): refused, nothing written.
    let mut wrong = setup_args.clone();
    let at = wrong
        .iter()
        .position(|a| a == "--fingerprint")
        .expect("test setup")
        + 1;
    wrong[at] = "00".repeat(32);
    let args: Vec<String> = base.iter().cloned().chain(wrong).collect();
    let (code, _, err) = phonghop(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        "1357\n",
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("fingerprint"), "{err}");
    assert!(!room_config.exists() && !etc.join("tls/hub.crt").exists());
    assert!(!data_dir.join("credential.json").exists());

    // The printed line: enrolled, config written and valid, the kiosk PIN hashed.
    base.extend(setup_args);
    let args: Vec<&str> = base.iter().map(String::as_str).collect();
    let (code, out, err) = phonghop(&args, "1357\n");
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Enrolled as room"), "{out}");
    let config = phonghop::config::load_room(&room_config).expect("a valid config");
    assert_eq!(config.unit, "lao-chai");
    assert_eq!(config.hub_ca_cert, Some(etc.join("tls/hub.crt")));
    assert!(phonghop::auth::verify_pin("1357", &config.staff_pin_hash));

    // Set up already: refused without --force, and the config is untouched.
    let before = std::fs::read(&room_config).expect("test setup");
    let (code, _, err) = phonghop(&args, "1357\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(&room_config).expect("test setup"), before);

    // The room runs with what setup wrote and is online at the hub.
    let mut room = start_room(config).await;
    wait_for(
        &mut room.status,
        "the set-up room connects",
        Duration::from_secs(20),
        |s| s.connected(),
    )
    .await;
    room.stop().await;
    hub.stop().await;
}
