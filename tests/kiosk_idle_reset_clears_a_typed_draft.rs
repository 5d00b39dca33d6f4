//! After 90 s without a touch the kiosk warns for 10 s, then returns Home in the default
//! language with the typed draft gone.

use crate::kiosk_common;

use egui_kittest::kittest::Queryable;
use kiosk_common::*;
use phonghop::config::Language;
use phonghop::kiosk::shell::Screen;

#[test]
fn an_idle_kiosk_warns_then_returns_home_and_forgets_the_draft() {
    let mut h = harness(shell(Language::Vietnamese));
    h.run();
    click(&mut h, "English");
    click(&mut h, "Give feedback");
    click(&mut h, "🛣 Roads and infrastructure");
    for key in ["d", "u", "o", "w", "f"] {
        click(&mut h, key);
    }
    assert!(
        !h.state().draft.is_empty(),
        "typed on the on-screen keyboard"
    );
    let typed_at = h.state().now_ms;

    h.state_mut().tick(typed_at + 80_000);
    h.run();
    h.get_by_label("Are you still there?");
    h.get_by_label_contains("returns to Home in 10 seconds");
    h.state_mut().tick(typed_at + 90_000);
    h.run();
    assert_eq!(h.state().screen, Screen::Home);
    assert!(h.state().draft.is_empty());
    assert_eq!(
        h.state().lang,
        Language::Vietnamese,
        "back to the default language"
    );
    assert!(h.query_by_label("Are you still there?").is_none());
}

#[test]
fn i_am_still_here_keeps_the_draft() {
    let mut h = harness(shell(Language::Vietnamese));
    h.run();
    click(&mut h, "Góp ý");
    click(&mut h, "🛣 Đường sá, hạ tầng");
    click(&mut h, "a");
    assert_eq!(h.state().draft, "a");
    h.state_mut().tick(85_000);
    h.run();
    click(&mut h, "Tôi vẫn ở đây");
    h.state_mut().tick(100_000);
    h.run();
    assert_eq!(h.state().screen, Screen::Feedback);
    assert_eq!(h.state().draft, "a");
}
