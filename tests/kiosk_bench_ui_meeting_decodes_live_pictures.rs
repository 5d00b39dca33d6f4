//! `phonghop room --bench-ui --screen meeting` renders the meeting screen of a live meeting
//! (an in-process hub and three rooms with test sources, glow on Xvfb's llvmpipe) and prints
//! one JSON line: the screen's frame times, an empty frame's at the same size in the same
//! run, their ratio, and the remote pictures the real receive path decoded and the screen
//! showed. How fast is for the README on a quiet machine; this holds what is measured.

use std::process::Command;

#[test]
fn the_meeting_screen_bench_shows_two_decoded_remote_pictures_and_prints_its_baseline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new("timeout")
        .args(["300", "xvfb-run", "-a", "-s", "-screen 0 2048x2048x24"])
        .arg(env!("CARGO_BIN_EXE_phonghop"))
        .args([
            "room",
            "--bench-ui",
            "--screen",
            "meeting",
            "--frames",
            "30",
        ])
        .args(["--size", "1024x600"])
        .env("XDG_RUNTIME_DIR", dir.path())
        .output()
        .expect("run xvfb-run (install xvfb; `make test` does)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with('{')).collect();
    let [line] = lines.as_slice() else {
        panic!("one JSON line, got: {stdout}");
    };
    let report: serde_json::Value = serde_json::from_str(line).expect("JSON");
    for key in [
        "frame_ms_p50",
        "frame_ms_p95",
        "baseline_frame_ms_p95",
        "ratio",
        "frames",
        "baseline_frames",
        "pictures_decoded",
        "pictures_received",
    ] {
        assert!(report[key].is_number(), "{key} in {report}");
    }
    assert_eq!(report["screen"], "meeting", "{report}");
    assert_eq!(report["frames"], 30, "{report}");
    assert_eq!(report["baseline_frames"], 30, "{report}");
    assert_eq!(
        (report["width_pt"].as_f64(), report["height_pt"].as_f64()),
        (Some(1024.0), Some(600.0)),
        "at the chosen size: {report}"
    );
    assert_eq!(
        report["remote_pictures_on_screen"], 2,
        "the floor and the host: {report}"
    );
    assert!(
        report["pictures_decoded"].as_u64() > Some(0),
        "remote pictures were decoded and shown: {report}"
    );
    let ratio = report["ratio"].as_f64().expect("ratio");
    let p95 = report["frame_ms_p95"].as_f64().expect("p95");
    let base = report["baseline_frame_ms_p95"].as_f64().expect("baseline");
    assert!(
        base > 0.0 && (ratio - p95 / base).abs() < 0.02 + 0.01 * ratio,
        "the ratio is the screen's p95 over the baseline's: {report}"
    );
}
