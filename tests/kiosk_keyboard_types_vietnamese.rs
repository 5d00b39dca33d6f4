//! Residents type Vietnamese on the kiosk's own keyboard: Telex or VNI, or the tone row and
//! the ă â đ ê ô ơ ư keys for those who know neither; every key is big enough for a finger.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable};
use phonghop::kiosk::keyboard::{
    self, InputMethod, KEY_MIN_SIDE_PT, Key, KeyboardEvent, KeyboardLabels, KeyboardState, Layout,
    Tone, VIETNAMESE_LETTERS, type_keys,
};

fn labels() -> KeyboardLabels {
    KeyboardLabels {
        space: "Dấu cách".into(),
        done: "Xong".into(),
        backspace: "Xoá".into(),
        shift: "Chữ hoa".into(),
        telex: "Telex".into(),
        vni: "VNI".into(),
        tone_names: ["sắc", "huyền", "hỏi", "ngã", "nặng"].map(String::from),
    }
}

fn typed(method: InputMethod, layout: Layout, keys: &str) -> String {
    let mut text = String::new();
    let mut state = KeyboardState::new(method);
    type_keys(&mut text, &mut state, layout, keys);
    text
}

// --- the pure API

#[test]
fn telex_and_vni_type_vietnamese() {
    assert_eq!(
        typed(InputMethod::Telex, Layout::Text, "Tieengs Vieetj"),
        "Tiếng Việt"
    );
    assert_eq!(typed(InputMethod::Vni, Layout::Text, "Vie65t"), "Việt");
}

#[test]
fn a_tone_key_after_a_gives_the_toned_a() {
    for (tone, expected) in Tone::ALL.into_iter().zip(["á", "à", "ả", "ã", "ạ"]) {
        for method in [InputMethod::Telex, InputMethod::Vni] {
            let mut text = String::new();
            let mut state = KeyboardState::new(method);
            state.press(Layout::Text, Key::Char('a'), &mut text);
            state.press(Layout::Text, Key::Tone(tone), &mut text);
            assert_eq!(text, expected, "{tone:?} with {method:?}");
            assert_eq!(
                tone.sample().to_string(),
                expected,
                "the key shows the tone"
            );
        }
    }
}

#[test]
fn the_vietnamese_letter_keys_insert_their_letters_and_take_tones() {
    for method in [InputMethod::Telex, InputMethod::Vni] {
        let mut text = String::new();
        let mut state = KeyboardState::new(method);
        for letter in VIETNAMESE_LETTERS {
            state.press(Layout::Text, Key::Char(letter), &mut text);
            state.press(Layout::Text, Key::Space, &mut text);
        }
        assert_eq!(text, "ă â đ ê ô ơ ư ", "{method:?}");

        // Without knowing Telex: t, i, ê, n, g, then sắc.
        text.clear();
        for key in [
            Key::Char('t'),
            Key::Char('i'),
            Key::Char('ê'),
            Key::Char('n'),
            Key::Char('g'),
            Key::Tone(Tone::Sac),
        ] {
            state.press(Layout::Text, key, &mut text);
        }
        assert_eq!(text, "tiếng", "{method:?}");
    }
}

#[test]
fn backspace_removes_the_last_character_on_screen_not_the_last_keystroke() {
    // Undoing the last keystroke would give "Tiêng" (the s); the resident sees "Tiến".
    assert_eq!(
        typed(InputMethod::Telex, Layout::Text, "Tieengs\u{8}"),
        "Tiến"
    );
    assert_eq!(
        typed(InputMethod::Telex, Layout::Text, "Tieengs\u{8}\u{8}\u{8}"),
        "Ti"
    );
    assert_eq!(
        typed(InputMethod::Telex, Layout::Text, "xin chaof\u{8}\u{8}"),
        "xin ch"
    );
}

#[test]
fn shift_gives_one_capital() {
    let mut text = String::new();
    let mut state = KeyboardState::default();
    for key in [
        Key::Shift,
        Key::Char('ê'),
        Key::Char('m'),
        Key::Space,
        Key::Shift,
        Key::Char('đ'),
        Key::Char('i'),
    ] {
        state.press(Layout::Text, key, &mut text);
    }
    assert_eq!(text, "Êm Đi");
}

#[test]
fn the_numeric_pad_accepts_only_digits() {
    for method in [InputMethod::Telex, InputMethod::Vni] {
        let mut text = String::new();
        let mut state = KeyboardState::new(method);
        type_keys(&mut text, &mut state, Layout::Numeric, "0912 abc-345\u{8}6");
        for key in [Key::Tone(Tone::Sac), Key::Char('ê'), Key::Space, Key::Shift] {
            state.press(Layout::Numeric, key, &mut text);
        }
        assert_eq!(text, "0912346", "{method:?}");
    }
}

#[test]
fn text_stays_nfc() {
    let mut text = "Lao Cha\u{0309}i".to_owned(); // decomposed, from elsewhere
    let mut state = KeyboardState::default();
    type_keys(&mut text, &mut state, Layout::Text, " ddeesn");
    assert_eq!(text, "Lao Chải đến");
    assert_eq!(text, phonghop::text::nfc(&text));
}

// --- the keyboard on screen

struct Field {
    state: KeyboardState,
    layout: Layout,
    text: String,
    events: Vec<KeyboardEvent>,
}

fn harness(layout: Layout) -> Harness<'static, Field> {
    let labels = labels();
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_context_setup(phonghop::kiosk::fonts::install)
        .build_ui_state(
            move |ui, field: &mut Field| {
                if let Some(event) = keyboard::keyboard_ui(
                    ui,
                    &mut field.state,
                    field.layout,
                    &mut field.text,
                    &labels,
                ) {
                    field.events.push(event);
                }
            },
            Field {
                state: KeyboardState::default(),
                layout,
                text: String::new(),
                events: Vec::new(),
            },
        )
}

fn tap(harness: &mut Harness<'_, Field>, labels: &[&str]) {
    for label in labels {
        harness.get_by_label(label).click();
        harness.run();
    }
}

#[test]
fn tapping_keys_types_tieng_in_telex() {
    let mut h = harness(Layout::Text);
    tap(&mut h, &["Chữ hoa", "T", "i", "e", "e", "n", "g", "s"]);
    assert_eq!(h.state().text, "Tiếng");
    tap(&mut h, &["Dấu cách", "m", "a", "huyền", "Xoá", "ơ", "ngã"]);
    assert_eq!(h.state().text, "Tiếng mỡ");
    assert!(h.state().events.is_empty());
    tap(&mut h, &["Xong"]);
    assert_eq!(h.state().events, [KeyboardEvent::Done]);
    assert_eq!(h.state().text, "Tiếng mỡ", "Done does not change the text");
}

#[test]
fn tapping_vni_switches_the_method() {
    let mut h = harness(Layout::Text);
    tap(&mut h, &["VNI", "Chữ hoa", "V", "i", "e", "6", "5", "t"]);
    assert_eq!(h.state().state.method, InputMethod::Vni);
    assert_eq!(h.state().text, "Việt");
}

#[test]
fn shift_shows_capitals_on_the_keys() {
    let mut h = harness(Layout::Text);
    assert!(h.query_by_label("Ê").is_none());
    tap(&mut h, &["Chữ hoa"]);
    h.get_by_label("Ê");
    h.get_by_label("Q");
    tap(&mut h, &["Ê"]);
    assert_eq!(h.state().text, "Ê");
    h.get_by_label("ê");
}

#[test]
fn the_numeric_pad_types_digits_and_reports_done() {
    let mut h = harness(Layout::Numeric);
    assert!(h.query_by_label("a").is_none(), "no letters on the pad");
    tap(&mut h, &["0", "9", "1", "2", "Xoá", "8"]);
    assert_eq!(h.state().text, "0918");
    tap(&mut h, &["Xong"]);
    assert_eq!(h.state().events, [KeyboardEvent::Done]);
}

#[test]
fn every_key_is_at_least_64_points_square() {
    for (layout, at_least) in [(Layout::Text, 55), (Layout::Numeric, 12)] {
        for size in [egui::vec2(1280.0, 800.0), egui::vec2(800.0, 480.0)] {
            let mut h = harness(layout);
            h.set_size(size);
            h.run();
            let keys: Vec<_> = h.query_all_by_role(Role::Button).collect();
            assert!(
                keys.len() >= at_least,
                "{layout:?}: only {} keys found",
                keys.len()
            );
            for key in keys {
                let rect = key.rect();
                assert!(
                    rect.width() >= KEY_MIN_SIDE_PT && rect.height() >= KEY_MIN_SIDE_PT,
                    "{layout:?} at {size:?}: key {:?} is {:?}",
                    key.accesskit_node().label(),
                    rect.size()
                );
            }
        }
    }
}

#[test]
fn the_keyboard_fits_in_the_room_its_layout_asks_for() {
    for layout in [Layout::Text, Layout::Numeric] {
        // Plus the harness panel's 8 pt margins and a little for rounding.
        let size = layout.min_size_pt() + egui::vec2(20.0, 20.0);
        let mut h = harness(layout);
        h.set_size(size);
        h.run();
        let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, size);
        for key in h.query_all_by_role(Role::Button) {
            assert!(
                screen.contains_rect(key.rect()),
                "{layout:?} in {size:?}: key {:?} at {:?} is off the screen",
                key.accesskit_node().label(),
                key.rect()
            );
        }
    }
}

#[test]
fn tone_keys_are_named_for_their_tone() {
    let h = harness(Layout::Text);
    for name in ["sắc", "huyền", "hỏi", "ngã", "nặng"] {
        let key = h.get_by_label(name);
        assert_eq!(key.accesskit_node().role(), Role::Button);
    }
}
