//! From Home every tile opens its screen, and Back and Home always lead back; switching
//! the language changes the labels.

use crate::kiosk_common;

use egui_kittest::kittest::Queryable;
use kiosk_common::*;
use phonghop::config::Language;
use phonghop::kiosk::shell::{Screen, Tile};

#[test]
fn every_tile_opens_its_screen_and_back_and_home_return() {
    let mut h = harness(shell(Language::Vietnamese));
    h.run();
    let tiles = [
        ("Góp ý", Screen::FeedbackCategory),
        ("Đánh giá dịch vụ", Screen::Rating),
        ("Tra cứu phiếu", Screen::Ticket),
        (
            "Ủng hộ",
            Screen::Contribute(phonghop::kiosk::contribute::Step::Campaigns),
        ),
        ("Tin tức", Screen::News),
    ];
    for (label, screen) in tiles {
        click(&mut h, label);
        assert_eq!(h.state().screen, screen, "{label}");
        click(&mut h, "⬅ Quay lại");
        assert_eq!(h.state().screen, Screen::Home, "Back from {label}");
        click(&mut h, label);
        click(&mut h, "🏠 Trang chủ");
        assert_eq!(h.state().screen, Screen::Home, "Home from {label}");
    }
}

#[test]
fn switching_the_language_changes_the_labels() {
    let mut h = harness(shell(Language::Vietnamese));
    h.run();
    h.get_by_label("Góp ý");
    click(&mut h, "English");
    assert_eq!(h.state().lang, Language::English);
    h.get_by_label("Give feedback");
    h.get_by_label("🏠 Home");
    assert!(h.query_by_label("Góp ý").is_none());
    click(&mut h, "Hmoob");
    h.get_by_label("Nyob zoo!");
    // H'Mong falls back to Vietnamese where a text is not translated yet.
    h.get_by_label("Góp ý");
    click(&mut h, "Tiếng Việt");
    h.get_by_label("Xin chào! Hãy chạm vào một ô để bắt đầu.");
}

#[test]
fn a_screen_that_panics_shows_the_fault_screen_and_home_still_works() {
    let mut s = shell(Language::Vietnamese);
    s.apply(
        phonghop::kiosk::shell::Command::OpenTile(Tile::News),
        &|_| false,
    );
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_context_setup(phonghop::kiosk::style::apply)
        .build_ui_state(
            |ui, shell: &mut phonghop::kiosk::shell::Shell| {
                let failing = |_: &mut egui::Ui,
                               _: &mut phonghop::kiosk::shell::Shell|
                 -> Option<_> { panic!("a bug in a screen") };
                let command = if shell.screen == Screen::News {
                    phonghop::kiosk::screens::guarded_ui(ui, shell, failing)
                } else {
                    phonghop::kiosk::screens::shell_ui(ui, shell)
                };
                if let Some(command) = command {
                    shell.apply(command, &|_| false);
                }
            },
            s,
        );
    h.run();
    assert_eq!(h.state().screen, Screen::Fault);
    h.get_by_label("Đã có lỗi xảy ra");
    click(&mut h, "🏠 Trang chủ");
    assert_eq!(h.state().screen, Screen::Home);
}
