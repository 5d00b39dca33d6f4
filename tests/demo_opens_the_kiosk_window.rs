//! With a display, `phonghop demo` opens the kiosk window (glow renderer) and still shows
//! both rooms connected. Runs under a virtual X display (Xvfb, Mesa llvmpipe).

use std::process::Command;

#[test]
fn the_demo_opens_a_window_on_a_virtual_display() {
    let xvfb = Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .expect("sh");
    assert!(
        xvfb.status.success(),
        "xvfb-run is missing: install xvfb (`make test` does)"
    );
    let runtime_dir = tempfile::tempdir().expect("tempdir"); // 0700, as winit and Mesa want
    // `timeout` turns a window that never closes into a failure instead of a hung suite.
    let out = Command::new("timeout")
        .args(["60", "xvfb-run", "-a", "-s", "-screen 0 1280x800x24"])
        .arg(env!("CARGO_BIN_EXE_phonghop"))
        .args(["demo", "--seconds", "3"])
        .env("XDG_RUNTIME_DIR", runtime_dir.path())
        .env("PHONGHOP_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run demo under xvfb-run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("kiosk window open"),
        "the window opened:\n{stderr}"
    );
    assert!(!stderr.contains("cannot open the kiosk window"), "{stderr}");
    assert!(stdout.contains("rooms connected 2/2"), "{stdout}");
}
