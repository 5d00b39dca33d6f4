//! `phonghop room --screenshot` renders a kiosk screen in a real window (glow on Xvfb's
//! llvmpipe) into a PNG: the picture is the right size and not blank.

use std::process::Command;

fn screenshot(screen: &str, lang: &str, size: &str) -> image::RgbaImage {
    let dir = tempfile::tempdir().expect("tempdir");
    let png = dir.path().join("shot.png");
    let out = Command::new("timeout")
        .args(["120", "xvfb-run", "-a", "-s", "-screen 0 2048x2048x24"])
        .arg(env!("CARGO_BIN_EXE_phonghop"))
        .args(["room", "--screenshot"])
        .arg(&png)
        .args(["--screen", screen, "--lang", lang, "--size", size])
        .env("XDG_RUNTIME_DIR", dir.path())
        .output()
        .expect("run xvfb-run (install xvfb; `make test` does)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    image::open(&png).expect("a PNG").to_rgba8()
}

fn assert_not_blank(img: &image::RgbaImage) {
    let mut colours = std::collections::HashSet::new();
    let mut dark = 0usize;
    for p in img.pixels() {
        colours.insert(p.0);
        if u32::from(p.0[0]) + u32::from(p.0[1]) + u32::from(p.0[2]) < 200 {
            dark += 1;
        }
    }
    let total = (img.width() * img.height()) as usize;
    assert!(
        colours.len() > 50,
        "only {} colours: blank or flat",
        colours.len()
    );
    assert!(
        dark * 200 > total,
        "almost no dark (text) pixels: {dark} of {total}"
    );
}

#[test]
fn home_in_vietnamese_renders_to_a_non_blank_png() {
    let img = screenshot("home", "vi", "1280x800");
    assert_eq!((img.width(), img.height()), (1280, 800));
    assert_not_blank(&img);
}

#[test]
fn a_portrait_panel_renders_too() {
    let img = screenshot("feedback", "en", "800x1280");
    assert_eq!((img.width(), img.height()), (800, 1280));
    assert_not_blank(&img);
}

#[test]
fn an_unknown_screen_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .args(["room", "--screenshot", "/tmp/x.png", "--screen", "kitchen"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--screen \"kitchen\" is not a screen; choose one of: home"),
        "{stderr}"
    );
}
