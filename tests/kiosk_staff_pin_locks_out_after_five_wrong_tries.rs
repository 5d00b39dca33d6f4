//! Staff mode opens with the PIN typed on the number pad; five wrong PINs lock it for five
//! minutes, during which even the right PIN is refused.

use crate::kiosk_common;

use egui_kittest::kittest::Queryable;
use kiosk_common::*;
use phonghop::config::Language;
use phonghop::kiosk::shell::{PIN_LOCKOUT_MS, Screen};

fn type_pin(h: &mut egui_kittest::Harness<'static, phonghop::kiosk::shell::Shell>, pin: &str) {
    for digit in pin.chars() {
        click(h, &digit.to_string());
    }
    click(h, "Xong");
}

#[test]
fn five_wrong_pins_lock_staff_mode_then_the_right_pin_opens_it() {
    let mut h = harness(shell(Language::Vietnamese));
    h.run();
    click(&mut h, "🔒 Cán bộ");
    assert_eq!(h.state().screen, Screen::StaffPin);
    for left in (1..=4).rev() {
        type_pin(&mut h, "1111");
        h.get_by_label(&format!("Mã PIN không đúng. Còn {left} lần thử."));
    }
    type_pin(&mut h, "1111");
    h.get_by_label_contains("Đã tạm khoá");
    assert!(h.query_by_label("1").is_none(), "no keypad while locked");

    // Idle for almost five minutes: the kiosk goes Home, the lockout stays.
    h.state_mut().tick(PIN_LOCKOUT_MS - 1_000);
    h.run();
    assert_eq!(h.state().screen, Screen::Home);
    click(&mut h, "🔒 Cán bộ");
    h.get_by_label_contains("Thử lại sau 1 phút");
    h.state_mut().tick(PIN_LOCKOUT_MS);
    h.run();
    type_pin(&mut h, PIN);
    assert_eq!(h.state().screen, Screen::StaffPanel);
    h.get_by_label("Bảng điều khiển cán bộ");
    h.get_by_label_contains("Kết nối với tỉnh: Đã kết nối với tỉnh");

    // The top bar's language switch (the first "English"; the staff panel has its own).
    h.get_all_by_label("English")
        .next()
        .expect("top bar")
        .click();
    h.run();
    assert_eq!(h.state().lang, Language::English);
    click(&mut h, "Leave staff mode");
    assert_eq!(h.state().screen, Screen::Home);
}

#[test]
fn staff_can_change_the_language_the_kiosk_returns_to() {
    let mut h = harness(shell(Language::Vietnamese));
    h.run();
    click(&mut h, "🔒 Cán bộ");
    type_pin(&mut h, PIN);
    // The staff panel's language row sets the default; the top bar only the current one.
    let hmoob = h.get_all_by_label("Hmoob").count();
    assert_eq!(hmoob, 2, "top bar and staff panel each offer Hmoob");
    h.get_all_by_label("Hmoob")
        .last()
        .expect("staff row")
        .click();
    h.run();
    assert_eq!(h.state().default_lang, Language::Hmong);
    h.state_mut().tick(10 * 60 * 1000);
    h.run();
    assert_eq!(h.state().lang, Language::Hmong);
}
