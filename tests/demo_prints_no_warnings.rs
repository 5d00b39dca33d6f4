//! A first run is quiet: the headless demo (a hub, two rooms and a meeting with real media)
//! logs no WARN or ERROR line with the default log filter, so nothing scrolls the status
//! line away and a real warning stands out.

use std::process::Command;

#[test]
fn the_headless_demo_logs_no_warning_or_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .args(["demo", "--headless", "--seconds", "8"])
        .env_remove("PHONGHOP_LOG")
        .env_remove("RUST_LOG")
        .output()
        .expect("run demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("rooms connected 2/2"),
        "the demo ran its meeting: {stdout}"
    );
    let loud: Vec<&str> = stdout
        .lines()
        .chain(stderr.lines())
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .collect();
    assert!(
        loud.is_empty(),
        "{} warning or error lines, first ones:\n{}",
        loud.len(),
        loud.iter().take(10).copied().collect::<Vec<_>>().join("\n")
    );
}
