//! The room's window shows which committee it serves, whether it is linked with the
//! province, and who is online, in Vietnamese drawn with the bundled Noto Sans.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use phonghop::room::{HubLink, RoomStatus};
use phonghop::wire::PresenceEntry;

fn status(link: HubLink) -> RoomStatus {
    let mut s = RoomStatus::new("lao-chai");
    s.room_name = Some("Phòng họp số xã Lao Chải".into());
    s.link = link;
    s.presence = vec![
        PresenceEntry {
            room_id: "a".into(),
            unit_id: "lao-cai".into(),
            name: "Phòng họp số tỉnh Lào Cai".into(),
            connected: true,
            since_ms: 0,
        },
        PresenceEntry {
            room_id: "b".into(),
            unit_id: "ban-ho".into(),
            name: "Phòng họp số xã Bản Hồ".into(),
            connected: false,
            since_ms: 0,
        },
    ];
    s
}

fn harness(state: RoomStatus) -> Harness<'static, RoomStatus> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_context_setup(phonghop::kiosk::fonts::install)
        .build_ui_state(
            |ui, state: &mut RoomStatus| {
                phonghop::kiosk::status_screen::status_screen_ui(ui, state)
            },
            state,
        )
}

#[test]
fn a_connected_room_shows_its_name_the_link_and_who_is_online() {
    let h = harness(status(HubLink::Connected { since_ms: 0 }));
    h.get_by_label("Phòng họp số xã Lao Chải");
    h.get_by_label("Đã kết nối với tỉnh");
    h.get_by_label("Phòng họp số tỉnh Lào Cai");
    assert!(
        h.query_by_label("Phòng họp số xã Bản Hồ").is_none(),
        "rooms that are away are not listed as online"
    );
}

#[test]
fn a_room_that_lost_its_link_says_when_it_retries() {
    let h = harness(status(HubLink::Retrying {
        retry_in_ms: 4_200,
        last_error: "connection refused".into(),
    }));
    h.get_by_label("Mất kết nối, thử lại sau 5 giây");
    assert!(
        h.query_by_label("Phòng họp số tỉnh Lào Cai").is_none(),
        "no presence shown while away"
    );
}

#[test]
fn every_vietnamese_letter_with_every_tone_has_a_glyph_in_the_bundled_font() {
    let ctx = egui::Context::default();
    phonghop::kiosk::fonts::install(&ctx);
    // Fonts load at the start of a frame; this test draws nothing, so drop the texture upload.
    let mut output = ctx.run_ui(Default::default(), |_| {});
    output.textures_delta.clear();
    let letters = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY";
    let tones = ['\u{0301}', '\u{0300}', '\u{0309}', '\u{0303}', '\u{0323}'];
    let mut text = String::from("đĐ₫");
    for l in letters.chars() {
        text.push(l);
        for t in tones {
            text.push_str(&phonghop::text::nfc(&format!("{l}{t}")));
        }
    }
    ctx.fonts_mut(|fonts| {
        let font = egui::FontId::proportional(24.0);
        for c in text.chars() {
            assert!(
                fonts.has_glyph(&font, c),
                "no glyph for {c:?} (U+{:04X})",
                c as u32
            );
        }
    });
}
