//! The `phonghop hub` process answers /healthz and /metrics, and on SIGTERM (systemctl
//! stop) closes room sessions and exits 0.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{get, get_json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_process_reports_health_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = include_str!("../config/demo.toml").replace(
        "data_dir = \"/tmp/phonghop-demo\"",
        &format!("data_dir = {:?}", dir.path().join("data")),
    );
    let config = dir.path().join("hub.toml");
    std::fs::write(&config, text).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .args(["hub", "--config"])
        .arg(&config)
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn hub");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("hub printed its address")
            .expect("line");
        if let Some(at) = line.find("local=") {
            break line[at + 6..]
                .split_whitespace()
                .next()
                .expect("addr")
                .to_owned();
        }
    };
    let health = get_json(format!("http://{addr}/healthz")).await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["db_ok"], true);
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    assert!(health["uptime_secs"].is_u64());
    let metrics = get(format!("http://{addr}/metrics")).await;
    assert!(
        metrics.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/openmetrics-text")
    );
    let text = metrics.text().await.expect("text");
    for name in [
        "phonghop_build_info",
        "phonghop_uptime_seconds",
        "phonghop_hub_rooms_connected",
    ] {
        assert!(text.contains(name), "{name} in {text}");
    }

    let started = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "hub did not stop within 10 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("hub stopped")), "{rest:?}");
}
