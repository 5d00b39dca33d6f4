//! "News" on the kiosk: the announcements the room last synced from the hub that are inside
//! their window, newest first, in large text, each with its picture and a button that reads
//! it aloud. With the link down the kiosk shows what the room last synced.
//!
//! The state and messages are in `news_model` (the shell keeps a [`NewsBoard`]); here are
//! the app's side, [`NewsCalls`], which carries [`NewsRequest`]s to the room and hands its
//! answers to the board, and [`news_screen_ui`], which draws and does no I/O.

use egui::{Color32, RichText, Ui, vec2};
use tokio::sync::oneshot;

use super::i18n::{Arg, tr, tr_args};
pub use super::news_model::{NewsBoard, NewsCommand, NewsRequest, RELOAD_EVERY_MS, spoken_text};
use super::shell::{Command, Screen, Shell};
use super::style::{BODY_PT, HEADING_PT, MIN_TARGET, body, heading};
use crate::room::news::KioskNews;
use crate::room::service::{KioskClient, KioskRequest, ServiceError};
use crate::wire::NewsItem;

/// A news text is read at this size: larger than the body text of the other screens, for
/// residents who read slowly or see poorly.
pub const NEWS_TEXT_PT: f32 = BODY_PT + 4.0;
/// The tallest a picture is drawn (logical px), so the text of the first item stays in view.
const PICTURE_MAX_H_PT: f32 = 320.0;

// ----- carrying out requests (the app's side; no egui) -----

/// The room's answer the News screen is waiting for, polled every frame.
#[derive(Debug, Default)]
pub struct NewsCalls {
    items: Option<oneshot::Receiver<Result<Vec<KioskNews>, ServiceError>>>,
    /// When the room was last asked.
    asked_ms: i64,
}

impl NewsCalls {
    /// Asks the room; without one (a preview) answers at once with sample items.
    pub fn send(&mut self, request: NewsRequest, service: Option<&KioskClient>, shell: &mut Shell) {
        match (request, service) {
            (NewsRequest::Load, Some(service)) => {
                let (reply, rx) = oneshot::channel();
                service.send(KioskRequest::News { reply });
                self.items = Some(rx);
                self.asked_ms = shell.now_ms;
            }
            (NewsRequest::Load, None) => shell.news.loaded(Ok(preview_news(shell.now_ms))),
        }
    }

    /// Hands an answer to the shell, and asks again now and then while the screen is open;
    /// true while an answer is awaited (the app repaints soon).
    pub fn poll(&mut self, service: Option<&KioskClient>, shell: &mut Shell, now_ms: i64) -> bool {
        use tokio::sync::oneshot::error::TryRecvError;
        if self.items.is_none()
            && service.is_some()
            && shell.screen == Screen::News
            && now_ms - self.asked_ms >= RELOAD_EVERY_MS
        {
            self.send(NewsRequest::Load, service, shell);
            self.asked_ms = now_ms;
        }
        let Some(rx) = self.items.as_mut() else {
            return false;
        };
        let answer = match rx.try_recv() {
            Ok(answer) => answer,
            Err(TryRecvError::Empty) => return true,
            Err(TryRecvError::Closed) => Err(ServiceError::Stopped),
        };
        self.items = None;
        shell.news.loaded(answer);
        false
    }
}

/// Sample items for previews (screenshots, benchmarks) that have no room behind them.
pub fn preview_news(now_ms: i64) -> Vec<KioskNews> {
    let item = |id: &str, title: &str, body: &str, ago_ms: i64| KioskNews {
        item: NewsItem {
            id: id.into(),
            title: title.into(),
            body: body.into(),
            language: "vi".into(),
            image_sha256: None,
            shown_from_ms: now_ms - ago_ms,
            shown_until_ms: None,
            posted_at_ms: now_ms - ago_ms,
        },
        picture: None,
    };
    vec![
        item(
            "preview-1",
            "Lịch tiêm chủng cho trẻ em tháng 12",
            "Trạm y tế xã tiêm chủng cho trẻ dưới 5 tuổi vào sáng thứ Hai, 8 giờ. \
             Bà con nhớ mang theo sổ tiêm chủng.",
            3_600_000,
        ),
        item(
            "preview-2",
            "Họp dân bàn việc sửa đường vào bản",
            "Tối thứ Sáu, 19 giờ, tại nhà văn hoá thôn. Mời mỗi hộ cử một người đến dự.",
            86_400_000,
        ),
    ]
}

// ----- drawing -----

/// The day an item is shown from, as the kiosk's clock writes dates (the box's zone).
fn day(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned_datetime(jiff::tz::TimeZone::system())
                .strftime("%d/%m/%Y")
                .to_string()
        })
        .unwrap_or_default()
}

pub fn news_screen_ui(ui: &mut Ui, shell: &mut Shell) -> Option<Command> {
    let lang = shell.lang;
    let now_ms = shell.now_ms;
    let speech = shell.speech_unavailable.is_none();
    let mut command = None;
    ui.label(heading(tr(lang, "news-title")));
    match &shell.news.items {
        None => {
            ui.label(body(tr(lang, "news-loading")));
            return None;
        }
        Some(Err(_)) => {
            ui.label(body(tr(lang, "news-unavailable")).color(Color32::DARK_RED));
            return None;
        }
        Some(Ok(_)) => {}
    }
    let shown: Vec<KioskNews> = shell.news.shown(now_ms).into_iter().cloned().collect();
    if shown.is_empty() {
        ui.add_space(24.0);
        ui.label(RichText::new(tr(lang, "news-none")).size(NEWS_TEXT_PT));
        return None;
    }
    let ctx = ui.ctx().clone();
    egui::ScrollArea::vertical().show(ui, |ui| {
        for news in &shown {
            let item = &news.item;
            ui.add_space(8.0);
            egui::Frame::group(ui.style())
                .fill(Color32::from_rgb(250, 250, 245))
                .inner_margin(16.0)
                .show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    ui.label(RichText::new(&item.title).size(HEADING_PT).strong());
                    ui.label(
                        body(tr_args(
                            lang,
                            "news-date",
                            &[("date", Arg::Text(&day(item.shown_from_ms)))],
                        ))
                        .color(Color32::from_gray(60)),
                    );
                    if let Some(picture) = &news.picture {
                        let texture = shell.news.texture(&ctx, &item.id, picture);
                        let size = texture.size_vec2();
                        let scale = (ui.available_width() / size.x)
                            .min(PICTURE_MAX_H_PT / size.y)
                            .min(1.0);
                        let response =
                            ui.add(egui::Image::new(&texture).fit_to_exact_size(size * scale));
                        let label =
                            tr_args(lang, "news-picture", &[("title", Arg::Text(&item.title))]);
                        response.widget_info(|| {
                            egui::WidgetInfo::labeled(egui::accesskit::Role::Image, true, &label)
                        });
                    }
                    ui.label(RichText::new(&item.body).size(NEWS_TEXT_PT));
                    let named = tr_args(
                        lang,
                        "news-read-aloud-item",
                        &[("title", Arg::Text(&item.title))],
                    );
                    let button = egui::Button::new(
                        RichText::new(tr(lang, "news-read-aloud"))
                            .size(BODY_PT)
                            .strong(),
                    )
                    .min_size(vec2(MIN_TARGET * 3.0, MIN_TARGET))
                    .fill(Color32::from_rgb(226, 238, 250));
                    let response = ui.add_enabled(speech, button);
                    response.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::accesskit::Role::Button, speech, &named)
                    });
                    if response.clicked() {
                        command = Some(Command::News(NewsCommand::ReadAloud(item.id.clone())));
                    }
                });
        }
    });
    command
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Language;
    use crate::kiosk::shell::Effect;
    use crate::room::RoomStatus;

    fn shell() -> Shell {
        Shell::new(
            RoomStatus::new("lao-chai"),
            Language::English,
            90,
            10_000_000,
        )
    }

    fn news(id: &str, language: &str, until: Option<i64>) -> KioskNews {
        KioskNews {
            item: NewsItem {
                id: id.into(),
                title: format!("Title {id}."),
                body: "Body".into(),
                language: language.into(),
                image_sha256: None,
                shown_from_ms: 0,
                shown_until_ms: until,
                posted_at_ms: 0,
            },
            picture: None,
        }
    }

    #[test]
    fn the_tile_asks_the_room_and_read_aloud_uses_the_item_language() {
        let mut s = shell();
        let effects = s.apply(Command::OpenTile(super::super::shell::Tile::News), &|_| {
            false
        });
        assert_eq!(effects, vec![Effect::News(NewsRequest::Load)]);
        assert_eq!(s.screen, Screen::News);
        s.news
            .loaded(Ok(vec![news("a", "vi", None), news("b", "hmn", None)]));
        let effects = s.apply(Command::News(NewsCommand::ReadAloud("b".into())), &|_| {
            false
        });
        assert_eq!(
            effects,
            vec![
                Effect::StopSpeaking,
                Effect::Speak {
                    text: "Title b.\nBody".into(),
                    lang: Language::Hmong
                }
            ],
            "read in the item's language, whatever the kiosk's is"
        );
        s.speech_unavailable = Some("no audio output".into());
        assert!(
            s.apply(Command::News(NewsCommand::ReadAloud("a".into())), &|_| {
                false
            })
            .is_empty()
        );
    }

    #[test]
    fn an_open_news_screen_asks_the_room_again_every_half_minute_and_takes_its_answer() {
        let (client, mut requests) = crate::room::service::channel();
        let mut calls = NewsCalls::default();
        let mut s = shell();
        let start = s.now_ms;
        for effect in s.apply(Command::OpenTile(super::super::shell::Tile::News), &|_| {
            false
        }) {
            let Effect::News(request) = effect else {
                panic!("{effect:?}")
            };
            calls.send(request, Some(&client), &mut s);
        }
        let answer = |requests: &mut tokio::sync::mpsc::UnboundedReceiver<KioskRequest>,
                      items: Vec<KioskNews>| match requests.try_recv() {
            Ok(KioskRequest::News { reply }) => reply.send(Ok(items)).expect("kiosk waits"),
            other => panic!("expected a news request, got {other:?}"),
        };
        answer(&mut requests, vec![news("a", "vi", None)]);
        assert!(!calls.poll(Some(&client), &mut s, start + 1));
        assert_eq!(s.news.shown(start).len(), 1);
        assert!(!calls.poll(Some(&client), &mut s, start + RELOAD_EVERY_MS - 1));
        assert!(requests.try_recv().is_err(), "not asked again yet");
        assert!(calls.poll(Some(&client), &mut s, start + RELOAD_EVERY_MS));
        answer(&mut requests, Vec::new());
        assert!(!calls.poll(Some(&client), &mut s, start + RELOAD_EVERY_MS + 1));
        assert!(s.news.shown(start).is_empty(), "a withdrawn item goes");
        s.apply(Command::Home, &|_| false);
        assert!(!calls.poll(Some(&client), &mut s, start + 10 * RELOAD_EVERY_MS));
        assert!(
            requests.try_recv().is_err(),
            "only while the screen is open"
        );
    }

    #[test]
    fn an_item_whose_window_closes_while_the_screen_is_open_goes_at_once() {
        let mut s = shell();
        s.news.loaded(Ok(vec![
            news("a", "vi", Some(10_000_500)),
            news("b", "vi", None),
        ]));
        let ids = |s: &Shell, at: i64| -> Vec<String> {
            s.news.shown(at).iter().map(|n| n.item.id.clone()).collect()
        };
        assert_eq!(ids(&s, 10_000_000), vec!["a", "b"]);
        assert_eq!(ids(&s, 10_000_500), vec!["b"]);
        s.now_ms = 10_000_500;
        assert!(
            s.apply(Command::News(NewsCommand::ReadAloud("a".into())), &|_| {
                false
            })
            .is_empty(),
            "an item no longer shown is not read"
        );
    }
}
