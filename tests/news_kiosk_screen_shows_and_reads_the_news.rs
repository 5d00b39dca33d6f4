//! The kiosk's News tile, clicked through by label as a resident would, in Vietnamese and
//! English: it asks the room, shows the items newest first with their pictures in large
//! text, reads one aloud in the language it is written in, says so when there is nothing,
//! and Back and Home lead out.

use crate::kiosk_common;

use std::sync::Arc;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use kiosk_common::{shell, smallest_text_pt};
use phonghop::config::Language;
use phonghop::kiosk::news::{NewsRequest, spoken_text};
use phonghop::kiosk::shell::{Effect, Screen, Shell};
use phonghop::kiosk::style::MIN_TEXT_PT;
use phonghop::news::Picture;
use phonghop::room::news::KioskNews;
use phonghop::wire::NewsItem;

/// The shell and every effect its commands asked the app for.
struct Kiosk {
    shell: Shell,
    effects: Vec<Effect>,
}

fn harness(lang: Language) -> Harness<'static, Kiosk> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_context_setup(phonghop::kiosk::style::apply)
        .build_ui_state(
            |ui, kiosk: &mut Kiosk| {
                if let Some(command) = phonghop::kiosk::screens::shell_ui(ui, &mut kiosk.shell) {
                    let effects = kiosk.shell.apply(command, &|_| false);
                    kiosk.effects.extend(effects);
                }
            },
            Kiosk {
                shell: shell(lang),
                effects: Vec::new(),
            },
        )
}

fn click(h: &mut Harness<'static, Kiosk>, label: &str) {
    h.get_by_label(label).click();
    h.run();
}

fn item(id: &str, title: &str, body: &str, language: &str, from_ms: i64) -> KioskNews {
    KioskNews {
        item: NewsItem {
            id: id.into(),
            title: title.into(),
            body: body.into(),
            language: language.into(),
            image_sha256: None,
            shown_from_ms: from_ms,
            shown_until_ms: None,
            posted_at_ms: from_ms,
        },
        picture: None,
    }
}

/// As the room answers: newest first, the newest with a picture.
fn room_answer() -> Vec<KioskNews> {
    let mut newest = item(
        "n2",
        "Lịch tiêm chủng tháng 12",
        "Trạm y tế xã tiêm chủng cho trẻ dưới 5 tuổi vào sáng thứ Hai.",
        "vi",
        -60_000,
    );
    newest.picture = Some(Arc::new(Picture {
        width: 4,
        height: 2,
        rgba: [0u8, 120, 60, 255].repeat(8),
    }));
    vec![
        newest,
        item(
            "n1",
            "Road works on the Sa Pa road",
            "The road is closed on Saturday morning.",
            "en",
            -3_600_000,
        ),
    ]
}

fn open_news(h: &mut Harness<'static, Kiosk>, tile: &str) {
    click(h, tile);
    assert_eq!(h.state().shell.screen, Screen::News);
    assert_eq!(
        h.state_mut().effects.drain(..).collect::<Vec<_>>(),
        vec![Effect::News(NewsRequest::Load)],
        "the tile asks the room for its news"
    );
}

#[test]
fn the_news_tile_shows_the_items_newest_first_and_reads_one_aloud_in_vietnamese() {
    let mut h = harness(Language::Vietnamese);
    h.run();
    open_news(&mut h, "Tin tức");
    h.get_by_label("Đang tải tin…");
    h.state_mut().shell.news.loaded(Ok(room_answer()));
    h.run();
    h.get_by_label("Tin tức và thông báo");
    let newest = h.get_by_label("Lịch tiêm chủng tháng 12").rect();
    let older = h.get_by_label("Road works on the Sa Pa road").rect();
    assert!(newest.min.y < older.min.y, "newest first");
    h.get_by_label("Ảnh kèm tin: Lịch tiêm chủng tháng 12");
    h.get_by_label("Trạm y tế xã tiêm chủng cho trẻ dưới 5 tuổi vào sáng thứ Hai.");

    click(&mut h, "Đọc to: Road works on the Sa Pa road");
    let answer = room_answer();
    assert_eq!(
        h.state().effects,
        vec![
            Effect::StopSpeaking,
            Effect::Speak {
                text: spoken_text(&answer[1].item),
                lang: Language::English,
            }
        ],
        "an item written in English is read with the English voice"
    );
    h.state_mut().effects.clear();

    // Large enough for a finger and for old eyes, the read-aloud buttons included.
    let buttons = kiosk_common::assert_targets_large_enough(&h, "the news screen");
    assert!(buttons >= 2, "the read-aloud buttons were found");
    assert!(smallest_text_pt(h.output()) >= MIN_TEXT_PT);

    click(&mut h, "⬅ Quay lại");
    assert_eq!(h.state().shell.screen, Screen::Home);
    open_news(&mut h, "Tin tức");
    click(&mut h, "🏠 Trang chủ");
    assert_eq!(h.state().shell.screen, Screen::Home);
}

#[test]
fn with_no_news_the_screen_says_so_in_english() {
    let mut h = harness(Language::Vietnamese);
    h.run();
    click(&mut h, "English");
    open_news(&mut h, "News");
    h.state_mut().shell.news.loaded(Ok(Vec::new()));
    h.run();
    h.get_by_label("News and notices");
    h.get_by_label("There are no new notices right now. Please come back later.");
    assert!(h.query_by_label_contains("Read aloud:").is_none());
    h.state_mut().shell.news.loaded(Ok(room_answer()));
    h.run();
    click(&mut h, "Read aloud: Lịch tiêm chủng tháng 12");
    assert!(
        matches!(
            h.state().effects.last(),
            Some(Effect::Speak { lang: Language::Vietnamese, text }) if text.starts_with("Lịch tiêm chủng tháng 12.")
        ),
        "{:?}",
        h.state().effects
    );
    click(&mut h, "🏠 Home");
    assert_eq!(h.state().shell.screen, Screen::Home);
}

#[test]
fn when_the_room_cannot_answer_the_screen_says_so_instead_of_a_blank() {
    let mut h = harness(Language::Vietnamese);
    h.run();
    open_news(&mut h, "Tin tức");
    h.state_mut()
        .shell
        .news
        .loaded(Err(phonghop::room::service::ServiceError::Stopped));
    h.run();
    h.get_by_label("Chưa xem được tin tức. Xin thử lại sau.");
}
