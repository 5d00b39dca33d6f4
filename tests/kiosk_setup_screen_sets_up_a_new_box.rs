//! A box with no config, set up on its touchscreen alone: every answer typed on the kiosk's
//! own keys (the line `hub add-room` printed, against a real hub), a mismatched PIN and a
//! wrong fingerprint refused with what to fix and nothing typed lost, then the box is
//! enrolled, its config written, and the room it runs comes online at the hub. And the
//! binary picks the setup screen when `--config` names a file that is not there.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use phonghop::config::Language;
use phonghop::kiosk::setup_model::{SetupField, SetupPhase};
use phonghop::kiosk::{SetupKiosk, SetupWindow};

use crate::common::{self, tempdir};
use crate::kiosk_common::{assert_targets_large_enough, smallest_text_pt};
use crate::room_setup_checks_the_hub_and_enrolls::{add_lao_chai_room, start_set_up_hub};

fn setup_harness(kiosk: SetupKiosk) -> Harness<'static, SetupKiosk> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_context_setup(phonghop::kiosk::style::apply)
        .build_ui_state(|ui, k: &mut SetupKiosk| k.frame_ui(ui), kiosk)
}

fn tap(h: &mut Harness<'static, SetupKiosk>, label: &str) {
    h.get_by_label(label).click();
    // A modal's first frame only measures it: a third frame shows it.
    h.run_steps(3);
}

/// Types `text` one key at a time on the on-screen keyboard.
fn type_keys(h: &mut Harness<'static, SetupKiosk>, text: &str) {
    for c in text.chars() {
        tap(h, &c.to_string());
    }
}

/// The value of the `--flag` in the printed setup line.
fn flag<'a>(line: &'a [String], name: &str) -> &'a str {
    let at = line
        .iter()
        .position(|a| a == name)
        .unwrap_or_else(|| panic!("{name} not in {line:?}"));
    &line[at + 1]
}

/// Lets frames pass until the setup has answered.
fn wait_for_answer(h: &mut Harness<'static, SetupKiosk>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while h.state().form().phase == SetupPhase::Running {
        assert!(
            Instant::now() < deadline,
            "the setup did not answer in 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
        h.run_steps(1);
    }
    h.run_steps(3);
}

#[test]
fn a_technician_sets_up_a_box_on_the_touchscreen_alone() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempdir();
    let (hub, hub_config_path) = rt.block_on(start_set_up_hub(dir.path()));
    let line = add_lao_chai_room(&hub_config_path);
    let fingerprint = flag(&line, "--fingerprint").to_owned();
    // One hex digit off, as a slip of the finger would make it.
    let last = fingerprint.chars().last().expect("a fingerprint");
    let slip = if last == '0' { '1' } else { '0' };
    let wrong = format!("{}{slip}", &fingerprint[..fingerprint.len() - 1]);

    let room_config = dir.path().join("etc/room.toml");
    let kiosk = SetupKiosk::new(
        SetupWindow {
            config_path: room_config.clone(),
            data_dir: dir.path().join("room-data"),
            language: Language::Vietnamese,
        },
        rt.handle().clone(),
    );
    let mut h = setup_harness(kiosk);
    h.run_steps(2);
    assert!(assert_targets_large_enough(&h, "the setup screen") >= 40);
    assert!(smallest_text_pt(h.output()) >= phonghop::kiosk::style::MIN_TEXT_PT);

    // Every answer typed on the plain keys, Done moving on to the next field (the plain
    // keys have no capitals: the code and the fingerprint are read in any case).
    tap(&mut h, "Địa chỉ máy chủ tỉnh");
    type_keys(&mut h, flag(&line, "--hub"));
    tap(&mut h, "Xong");
    assert_eq!(h.state().form().field, SetupField::Unit);
    type_keys(&mut h, flag(&line, "--unit"));
    tap(&mut h, "Xong");
    type_keys(&mut h, &flag(&line, "--code").to_lowercase());
    tap(&mut h, "Xong");
    type_keys(&mut h, &wrong.to_lowercase());
    tap(&mut h, "Xong");
    assert_eq!(h.state().form().field, SetupField::Pin);
    assert_targets_large_enough(&h, "the setup screen with the PIN pad");
    type_keys(&mut h, "1357");
    tap(&mut h, "Xong");
    type_keys(&mut h, "1358");
    // Done on the last field sets up; the PINs differ, so nothing is asked of the hub.
    tap(&mut h, "Xong");
    h.get_by_label_contains("Hai lần nhập mã PIN không giống nhau");
    assert!(!room_config.exists());
    tap(&mut h, "Sửa lại");
    let form = h.state().form();
    assert_eq!(form.field, SetupField::PinAgain, "back at the field to fix");
    assert_eq!(
        form.answers.hub,
        flag(&line, "--hub"),
        "nothing typed is lost"
    );
    assert_eq!(form.answers.pin, "1357");
    tap(&mut h, "Xoá");
    type_keys(&mut h, "7");

    // The wrong fingerprint: the hub's certificate is fetched and refused, with its own
    // fingerprint shown for the technician to compare; nothing is written.
    tap(&mut h, "Cài đặt ➜");
    wait_for_answer(&mut h);
    h.get_by_label_contains("không khớp với vân tay đã nhập");
    h.get_by_label_contains(&fingerprint);
    assert!(!room_config.exists());
    assert!(!dir.path().join("room-data/credential.json").exists());
    tap(&mut h, "Sửa lại");
    assert_eq!(h.state().form().field, SetupField::Fingerprint);
    tap(&mut h, "Xoá");
    type_keys(&mut h, &last.to_lowercase().to_string());

    // Right this time: enrolled, the config written, the room and unit shown.
    tap(&mut h, "Cài đặt ➜");
    wait_for_answer(&mut h);
    match &h.state().form().phase {
        SetupPhase::Done { room_name, .. } => assert_eq!(room_name, "Lao Chải"),
        other => panic!("not set up: {other:?}"),
    }
    h.get_by_label("Đã cài đặt xong");
    h.get_by_label("Phòng: Lao Chải");
    h.get_by_label_contains("Đơn vị: ");
    assert_targets_large_enough(&h, "the set-up screen");
    assert!(!h.state().should_start(), "the names stay up a while");
    tap(&mut h, "Khởi động ngay");
    assert!(h.state().should_start());

    // The written config is valid, holds the new PIN's hash, and runs a room that comes
    // online at the hub.
    let config = phonghop::config::load_room(&room_config).expect("a valid config");
    assert_eq!(config.unit, "lao-chai");
    assert!(phonghop::auth::verify_pin("1357", &config.staff_pin_hash));
    rt.block_on(async {
        let mut room = common::start_room(config).await;
        common::wait_for(
            &mut room.status,
            "the room set up on the touchscreen connects",
            Duration::from_secs(20),
            |s| s.connected(),
        )
        .await;
        room.stop().await;
        hub.stop().await;
    });
}

#[test]
fn hmong_falls_back_to_vietnamese_and_english_has_its_own_words() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let dir = tempdir();
    let kiosk = SetupKiosk::new(
        SetupWindow {
            config_path: dir.path().join("room.toml"),
            data_dir: dir.path().join("data"),
            language: Language::Hmong,
        },
        rt.handle().clone(),
    );
    let mut h = setup_harness(kiosk);
    h.run_steps(2);
    h.get_by_label("Địa chỉ máy chủ tỉnh");
    tap(&mut h, "English");
    h.get_by_label("Province hub address");
    // Set up with nothing typed: told what is missing, in English.
    tap(&mut h, "Set up ➜");
    h.get_by_label("Type the province hub's address.");
    assert!(!dir.path().join("room.toml").exists());
}

/// `phonghop room --config <missing> --screenshot` draws the setup screen: the same picture
/// as `--screen setup`, not Home.
#[test]
fn the_binary_shows_the_setup_screen_when_the_config_is_missing() {
    let dir = tempdir();
    let shot = |name: &str, extra: &[&str]| -> Vec<u8> {
        let png = dir.path().join(format!("{name}.png"));
        let out = std::process::Command::new("timeout")
            .args(["120", "xvfb-run", "-a", "-s", "-screen 0 1600x1000x24"])
            .arg(env!("CARGO_BIN_EXE_phonghop"))
            .args(["room", "--screenshot"])
            .arg(&png)
            .args(extra)
            .env("XDG_RUNTIME_DIR", dir.path())
            .output()
            .expect("run xvfb-run (install xvfb; `make test` does)");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if name != "home" {
            assert!(stdout.contains("(the setup screen)"), "{name}: {stdout}");
        }
        image::open(&png).expect("a PNG").to_rgba8().into_raw()
    };
    let missing = dir.path().join("etc/room.toml");
    let missing = missing.to_str().expect("utf-8");
    let from_missing = shot("missing", &["--config", missing]);
    let setup = shot("setup", &["--screen", "setup"]);
    let home = shot("home", &["--screen", "home"]);
    assert!(
        from_missing == setup,
        "a missing config shows the setup screen"
    );
    assert!(from_missing != home);
    assert!(
        !std::path::Path::new(missing).exists(),
        "a preview writes nothing"
    );
}

/// The appliance itself (`phonghop room --config`, as the unit runs it) opens the setup
/// screen for a missing file only: ended by systemd's SIGTERM before anything was typed, it
/// says the box is not set up. A file that is there but wrong, or a missing file on a box
/// run headless, stays the error it was, with no window.
#[test]
fn only_a_missing_config_opens_the_setup_screen() {
    let dir = tempdir();
    let missing = dir.path().join("etc/room.toml");
    let out = std::process::Command::new("timeout")
        .args(["120", "xvfb-run", "-a", "-s", "-screen 0 1280x800x24"])
        .args(["timeout", "-s", "TERM", "10"])
        .arg(env!("CARGO_BIN_EXE_phonghop"))
        .args(["room", "--config"])
        .arg(&missing)
        .env("XDG_RUNTIME_DIR", dir.path())
        .env("PHONGHOP_WINDOWED", "1")
        .env("PHONGHOP_LOG", "info")
        .output()
        .expect("run xvfb-run (install xvfb; `make test` does)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no config: the touchscreen shows the setup screen"),
        "{stderr}"
    );
    assert!(
        stderr.contains("does not exist and the box was not set up on the touchscreen"),
        "{stderr}"
    );
    assert!(!missing.exists());

    let wrong = dir.path().join("wrong.toml");
    std::fs::write(&wrong, "[room\n").expect("write");
    for args in [
        vec!["room", "--config", wrong.to_str().expect("utf-8")],
        vec![
            "room",
            "--headless",
            "--config",
            missing.to_str().expect("utf-8"),
        ],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_phonghop"))
            .args(&args)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("setup screen"), "{args:?}: {stderr}");
    }
}
