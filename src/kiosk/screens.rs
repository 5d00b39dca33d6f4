//! The kiosk screens. Each `*_ui` function draws from the shell's state and returns the
//! command the user gave, if any; the app applies it. Text fields edit the shell's draft in
//! place (that is how egui text editing works); nothing here does I/O.

use egui::{Align, Layout, RichText, Ui, vec2};

use super::feedback_screens as fs;
use super::i18n::{Arg, tr, tr_args};
use super::keyboard::{self, KeyboardEvent};
use super::shell::{Command, PinOutcome, Screen, Shell, Tile};
use super::style::{
    self, BODY_PT, MIN_TARGET, TILE_TITLE_PT, big_button, big_button_enabled, body, heading,
};
use super::widgets::{
    CENTRAL_PANEL_PAD, KEYBOARD_PANEL_PAD, keyboard_labels, keyboard_panel, keyboard_panel_heights,
    next_button,
};
use crate::config::Language;
use crate::room::HubLink;

/// The whole kiosk: top bar, the current screen, the bottom bar and the idle warning.
pub fn shell_ui(ui: &mut Ui, shell: &mut Shell) -> Option<Command> {
    let mut command = None;
    let window_pt = ui.available_height();
    egui::Panel::top("top-bar")
        .exact_size(84.0)
        .show(ui, |ui| command = command.take().or(top_bar_ui(ui, shell)));
    if status_bar_shown(shell, window_pt) {
        egui::Panel::bottom("bottom-bar")
            .exact_size(76.0)
            .show(ui, |ui| {
                command = command.take().or(bottom_bar_ui(ui, shell))
            });
    }
    if let Some((seconds, kept)) = shell.meeting_warning() {
        egui::Panel::top("meeting-warning")
            .show(ui, |ui| meeting_warning_ui(ui, shell.lang, seconds, kept));
    }
    egui::CentralPanel::default().show(ui, |ui| {
        let screen_command = guarded_ui(ui, shell, screen_ui);
        command = command.take().or(screen_command);
    });
    if let Some(seconds) = shell.idle_warning() {
        command = command.or(idle_warning_ui(ui.ctx(), shell.lang, seconds));
    }
    command
}

/// A scheduled meeting is about to take the screen over: say when, and that what the
/// resident typed is kept (the shell keeps it through the meeting; the idle reset after it
/// clears it).
fn meeting_warning_ui(ui: &mut Ui, lang: Language, seconds: u64, kept: bool) {
    egui::Frame::new()
        .fill(egui::Color32::from_rgb(255, 226, 160))
        .inner_margin(egui::Margin::symmetric(12, 6))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            let key = if kept {
                "meeting-soon-draft-kept"
            } else {
                "meeting-soon"
            };
            ui.label(
                body(tr_args(
                    lang,
                    key,
                    &[("seconds", Arg::Number(seconds as i64))],
                ))
                .strong(),
            );
        });
}

/// Windows shorter than this (logical px) give the typing screens the status bar's room:
/// the keyboard and three rows of text need it more than the link state does.
pub const SHORT_WINDOW_PT: f32 = 700.0;

/// The status bar shows except on typing screens of short windows.
fn status_bar_shown(shell: &Shell, window_pt: f32) -> bool {
    let typing = match shell.screen {
        Screen::Feedback => true,
        Screen::FeedbackContact => shell.contact.consent,
        _ => false,
    };
    !(typing && window_pt < SHORT_WINDOW_PT)
}

/// Runs a screen; a panic inside becomes the fault screen instead of a blank window.
pub fn guarded_ui(
    ui: &mut Ui,
    shell: &mut Shell,
    screen: impl FnOnce(&mut Ui, &mut Shell) -> Option<Command>,
) -> Option<Command> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| screen(ui, shell))) {
        Ok(command) => command,
        Err(_) => {
            tracing::error!(screen = ?shell.screen, "a kiosk screen failed; showing the fault screen");
            Some(Command::ScreenFailed)
        }
    }
}

fn screen_ui(ui: &mut Ui, shell: &mut Shell) -> Option<Command> {
    match shell.screen.clone() {
        Screen::Home => home_screen_ui(ui, shell),
        Screen::FeedbackCategory => fs::category_screen_ui(ui, shell),
        Screen::Feedback => feedback_screen_ui(ui, shell),
        Screen::FeedbackSpeak => fs::speak_screen_ui(ui, shell),
        Screen::FeedbackContact => fs::contact_screen_ui(ui, shell),
        Screen::FeedbackReview => fs::review_screen_ui(ui, shell),
        Screen::FeedbackSending => fs::sending_screen_ui(ui, shell.lang),
        Screen::FeedbackReceipt => fs::receipt_screen_ui(ui, shell),
        Screen::Rating => fs::rating_screen_ui(ui, shell.lang, shell.rating_question.as_deref()),
        Screen::RatingThanks => fs::rating_thanks_screen_ui(ui, shell.lang),
        Screen::Ticket => fs::ticket_screen_ui(ui, shell),
        Screen::TicketResult => fs::ticket_result_screen_ui(ui, shell),
        Screen::Coming(tile) => coming_screen_ui(ui, shell.lang, tile),
        Screen::Contribute(step) => super::contribute::contribute_screen_ui(ui, shell, step),
        Screen::News => super::news::news_screen_ui(ui, shell),
        Screen::StaffPin => staff_pin_screen_ui(ui, shell),
        Screen::StaffPanel => staff_panel_screen_ui(ui, shell),
        Screen::Fault => fault_screen_ui(ui, shell.lang),
        Screen::Meeting => {
            shell.meeting.lang = shell.lang;
            shell.meeting.own_room = shell.room.room_id.clone();
            if shell.meeting.chat_open {
                super::meeting_screen::meeting_chat_ui(ui, shell)
            } else {
                super::meeting_screen::meeting_screen_ui(ui, &shell.meeting)
            }
        }
    }
}

/// Narrower windows (logical px) than this drop what the bars can do without: the clock,
/// the words on Home and Back (their names stay their accessible labels), the reason the
/// speaker is off and, narrower still, the count of rooms online.
const NARROW_WINDOW_PT: f32 = 1100.0;
const NARROWEST_WINDOW_PT: f32 = 900.0;

/// A big button that shows only its icon when `icon_only`, named by its words either way.
fn icon_button(
    ui: &mut Ui,
    enabled: bool,
    icon: &str,
    words: &str,
    icon_only: bool,
) -> egui::Response {
    let named = format!("{icon} {words}");
    if !icon_only {
        return big_button_enabled(ui, enabled, named);
    }
    let response = big_button_enabled(ui, enabled, icon);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, enabled, &named));
    response
}

fn top_bar_ui(ui: &mut Ui, shell: &Shell) -> Option<Command> {
    let lang = shell.lang;
    let mut command = None;
    let narrow = ui.available_width() < NARROW_WINDOW_PT;
    ui.horizontal_centered(|ui| {
        if icon_button(ui, shell.can_go_home(), "🏠", &tr(lang, "nav-home"), narrow).clicked() {
            command = Some(Command::Home);
        }
        if icon_button(ui, shell.can_go_back(), "⬅", &tr(lang, "nav-back"), narrow).clicked() {
            command = Some(Command::Back);
        }
        if !narrow {
            ui.label(body(clock_text(shell.now_ms)));
        }
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            if let Some(code) = super::widgets::language_buttons(ui, lang) {
                command = Some(Command::SetLanguage(code));
            }
            let speak = big_button_enabled(
                ui,
                shell.speech_unavailable.is_none(),
                format!("🔊 {}", tr(lang, "speak")),
            );
            if speak.clicked() {
                command = Some(Command::Speak);
            }
        });
    });
    command
}

fn bottom_bar_ui(ui: &mut Ui, shell: &Shell) -> Option<Command> {
    let lang = shell.lang;
    let mut command = None;
    let width = ui.available_width();
    ui.horizontal_centered(|ui| {
        let (text, color) = link_text(lang, &shell.room.link);
        ui.label(body(text).color(color));
        if shell.room.connected() && width >= NARROWEST_WINDOW_PT {
            let online = shell.room.presence.iter().filter(|p| p.connected).count() as i64;
            ui.label(body(tr_args(
                lang,
                "online-count",
                &[("count", Arg::Number(online))],
            )));
        }
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            if big_button(ui, format!("🔒 {}", tr(lang, "staff"))).clicked() {
                command = Some(Command::OpenStaff);
            }
            // Why the speaker button is greyed out, in words a resident understands; the
            // technical reason is on the staff panel.
            if shell.speech_unavailable.is_some() && width >= NARROW_WINDOW_PT {
                ui.label(body(tr(lang, "speak-no-audio")).color(egui::Color32::DARK_GRAY));
            }
        });
    });
    command
}

fn clock_text(now_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(now_ms)
        .map(|t| {
            t.to_zoned_datetime(jiff::tz::TimeZone::system())
                .strftime("%H:%M  %d/%m/%Y")
                .to_string()
        })
        .unwrap_or_default()
}

/// The words and colour for the state of the link with the province.
pub fn link_text(lang: Language, link: &HubLink) -> (String, egui::Color32) {
    let green = egui::Color32::from_rgb(0, 110, 50);
    let amber = egui::Color32::from_rgb(150, 95, 0);
    let red = egui::Color32::from_rgb(170, 30, 30);
    match link {
        HubLink::Connected { .. } => (tr(lang, "hub-connected"), green),
        HubLink::Connecting { .. } => (tr(lang, "hub-connecting"), amber),
        HubLink::Retrying { retry_in_ms, .. } => (
            tr_args(
                lang,
                "hub-retrying",
                &[("seconds", Arg::Number(retry_in_ms.div_ceil(1000) as i64))],
            ),
            red,
        ),
        HubLink::NotEnrolled => (tr(lang, "hub-not-enrolled"), red),
        HubLink::Rejected { .. } => (tr(lang, "hub-rejected"), red),
    }
}

pub fn home_screen_ui(ui: &mut Ui, shell: &Shell) -> Option<Command> {
    let lang = shell.lang;
    let mut command = None;
    ui.vertical_centered(|ui| {
        let name = shell
            .room
            .room_name
            .clone()
            .unwrap_or_else(|| shell.room.unit.clone());
        ui.label(heading(name));
        ui.label(body(tr(lang, "home-greeting")));
        next_meeting_ui(ui, shell);
        if let Some(c) = staff_join_ui(ui, shell) {
            command = Some(c);
        }
        ui.add_space(16.0);
    });
    let gap = 20.0;
    let columns = 3.0;
    let tile_w = ((ui.available_width() - gap * (columns - 1.0)) / columns).max(MIN_TARGET);
    let tile_h = ((ui.available_height() - gap * 2.0) / 2.0).clamp(MIN_TARGET * 2.0, 240.0);
    for row in Tile::ALL.chunks(3) {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = gap;
            for tile in row {
                if tile_ui(ui, lang, *tile, vec2(tile_w, tile_h)).clicked() {
                    command = Some(Command::OpenTile(*tile));
                }
            }
        });
        ui.add_space(gap);
    }
    command
}

/// The next meeting (title, time in province time, host) and, in its last ten minutes, a
/// countdown; or that none is scheduled.
fn next_meeting_ui(ui: &mut Ui, shell: &Shell) {
    let lang = shell.lang;
    let Some(next) = &shell.next_meeting else {
        ui.label(body(tr(lang, "no-meeting")).color(egui::Color32::DARK_GRAY));
        return;
    };
    let host = if next.host_name.is_empty() {
        next.host.as_str()
    } else {
        next.host_name.as_str()
    };
    let when = crate::meeting::schedule::format_local(next.start_ms);
    ui.label(
        body(tr_args(
            lang,
            "next-meeting",
            &[
                ("title", Arg::Text(&next.title)),
                ("time", Arg::Text(&when)),
            ],
        ))
        .strong(),
    );
    ui.label(body(tr_args(
        lang,
        "next-meeting-host",
        &[("host", Arg::Text(host))],
    )));
    if let Some(seconds) = shell.home_countdown() {
        let countdown = format!("{}:{:02}", seconds / 60, seconds % 60);
        ui.label(
            body(tr_args(
                lang,
                "next-meeting-countdown",
                &[("countdown", Arg::Text(&countdown))],
            ))
            .strong()
            .color(egui::Color32::from_rgb(150, 60, 0)),
        );
    }
}

/// Staff mode only (after the staff PIN): "join now" on the meeting card, for the meeting
/// staff took the room out of or the next one, and why the hub refused the last try.
fn staff_join_ui(ui: &mut Ui, shell: &Shell) -> Option<Command> {
    if !shell.staff_mode
        || shell.in_call()
        || (shell.next_meeting.is_none() && shell.left_meeting.is_none())
    {
        return None;
    }
    let lang = shell.lang;
    if let Some(reason) = shell.join_refused {
        ui.label(body(tr(lang, reason.text_key())).color(egui::Color32::from_rgb(170, 20, 20)));
    }
    big_button(ui, tr(lang, "staff-join-now"))
        .clicked()
        .then_some(Command::StaffJoinMeeting)
}

/// A big tile: the button carries the title (its accessible name); icon and hint are
/// painted on it.
fn tile_ui(ui: &mut Ui, lang: Language, tile: Tile, size: egui::Vec2) -> egui::Response {
    let title = tr(lang, tile.title_key());
    let button = egui::Button::new(RichText::new(&title).size(TILE_TITLE_PT).strong())
        .min_size(size)
        .corner_radius(16.0)
        .fill(egui::Color32::from_rgb(226, 238, 250));
    let response = ui.add(button);
    let rect = response.rect;
    let painter = ui.painter();
    painter.text(
        rect.center_top() + vec2(0.0, rect.height() * 0.2),
        egui::Align2::CENTER_CENTER,
        tile.icon(),
        egui::FontId::proportional(48.0),
        egui::Color32::from_rgb(20, 70, 130),
    );
    painter.text(
        rect.center_bottom() - vec2(0.0, rect.height() * 0.18),
        egui::Align2::CENTER_CENTER,
        tr(lang, tile.hint_key()),
        egui::FontId::proportional(style::MIN_TEXT_PT),
        egui::Color32::from_rgb(40, 40, 40),
    );
    response
}

/// Rows of the resident's own text always in view above the keyboard, so they can read
/// back what they typed.
pub const FEEDBACK_ROWS_SHOWN: usize = 3;
/// Space between the feedback text and the frame of its box (logical px).
const TEXT_BOX_MARGIN: egui::Margin = egui::Margin::symmetric(8, 4);
pub fn feedback_screen_ui(ui: &mut Ui, shell: &mut Shell) -> Option<Command> {
    let lang = shell.lang;
    let mut command = None;
    let font = egui::FontId::proportional(BODY_PT);
    let row_pt = ui.fonts_mut(|f| f.row_height(&font));
    let margin = TEXT_BOX_MARGIN.sum().y;
    // The box's frame is drawn inside its margin; one more point keeps rounding off the text.
    let text_box_pt = |rows: usize| rows as f32 * row_pt + margin + 1.0;
    let min_box_pt = text_box_pt(FEEDBACK_ROWS_SHOWN);
    let header_pt = MIN_TARGET + ui.spacing().item_spacing.y;
    let available = ui.available_size();
    // The keyboard with the most rows that leaves the text its rows, with the title and
    // buttons above the text where there is room and beside it where there is not.
    let (keyboard_pt, header_above) = keyboard_panel_heights(available)
        .find_map(|panel| {
            let above = available.y - panel - CENTRAL_PANEL_PAD;
            if above >= min_box_pt + header_pt {
                Some((panel, true))
            } else {
                (above >= min_box_pt).then_some((panel, false))
            }
        })
        .unwrap_or((
            keyboard::TextRows::Five.min_size_pt().y + KEYBOARD_PANEL_PAD,
            false,
        ));
    keyboard_panel("feedback-keyboard", keyboard_pt).show(ui, |ui| {
        let labels = keyboard_labels(lang);
        if let Some(KeyboardEvent::Done) = keyboard::keyboard_ui(
            ui,
            &mut shell.keyboard,
            keyboard::Layout::Text,
            &mut shell.draft,
            &labels,
        ) {
            command = Some(Command::ToContact);
        }
    });
    egui::CentralPanel::default().show(ui, |ui| {
        let ready = shell.feedback_ready();
        let buttons = |ui: &mut Ui, command: &mut Option<Command>| {
            if big_button(ui, format!("🗣 {}", tr(lang, "speak-instead"))).clicked() {
                *command = Some(Command::SpeakInstead);
            }
            if next_button(ui, ready, tr(lang, "next")) {
                *command = Some(Command::ToContact);
            }
        };
        let title = if header_above {
            ui.horizontal(|ui| {
                let title = ui.label(body(tr(lang, "feedback-title")).strong());
                buttons(ui, &mut command);
                Some(title.id)
            })
            .inner
        } else {
            None
        };
        // As many whole rows as fit, never fewer than the rows a resident must see.
        let room = ui.available_height();
        let rows = (((room - margin - 1.0) / row_pt).floor() as usize).max(FEEDBACK_ROWS_SHOWN);
        let text_ui = |ui: &mut Ui| feedback_text_ui(ui, &mut shell.draft, lang, font, rows, title);
        if header_above {
            text_ui(ui);
        } else {
            ui.horizontal_top(|ui| {
                // Room for "speak instead" and "next" side by side.
                let column_pt = MIN_TARGET * 7.0;
                ui.allocate_ui(
                    vec2(ui.available_width() - column_pt, text_box_pt(rows)),
                    text_ui,
                );
                buttons(ui, &mut command);
            });
        }
    });
    command
}

/// The resident's text: a box of `rows` whole rows that scrolls to keep its end (where the
/// on-screen keyboard types) and the cursor in view, and keeps the focus so the cursor
/// shows while keys are tapped.
fn feedback_text_ui(
    ui: &mut Ui,
    draft: &mut String,
    lang: Language,
    font: egui::FontId,
    rows: usize,
    label: Option<egui::Id>,
) {
    let id = egui::Id::unique("feedback-text");
    super::widgets::keep_cursor_at_end(ui.ctx(), id, draft);
    let row_pt = ui.fonts_mut(|f| f.row_height(&font));
    let height = rows as f32 * row_pt + TEXT_BOX_MARGIN.sum().y + 1.0;
    egui::ScrollArea::vertical()
        .id_salt("feedback-text-scroll")
        .max_height(height)
        .min_scrolled_height(height)
        .stick_to_bottom(true)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            let mut response = ui.add(
                egui::TextEdit::multiline(draft)
                    .id(id)
                    .font(font)
                    .margin(TEXT_BOX_MARGIN)
                    .hint_text(tr(lang, "feedback-type-hint"))
                    .desired_rows(rows)
                    .desired_width(f32::INFINITY)
                    .lock_focus(true),
            );
            if let Some(label) = label {
                response = response.labelled_by(label);
            }
            if !response.has_focus() {
                response.request_focus();
            }
        });
}

pub fn coming_screen_ui(ui: &mut Ui, lang: Language, tile: Tile) -> Option<Command> {
    ui.vertical_centered(|ui| {
        ui.add_space(24.0);
        ui.label(RichText::new(tile.icon()).size(96.0));
        ui.label(heading(tr(lang, tile.title_key())));
        ui.add_space(16.0);
        ui.label(body(tr(lang, tile.coming_key())));
    });
    None
}

pub fn staff_pin_screen_ui(ui: &mut Ui, shell: &mut Shell) -> Option<Command> {
    let lang = shell.lang;
    let mut command = None;
    ui.vertical_centered(|ui| {
        ui.label(heading(tr(lang, "staff-pin-title")));
        if let Some(until_ms) = shell.staff.locked_until(shell.now_ms) {
            let minutes = ((until_ms - shell.now_ms) as u64).div_ceil(60_000) as i64;
            ui.label(
                body(tr_args(
                    lang,
                    "staff-locked",
                    &[("minutes", Arg::Number(minutes))],
                ))
                .color(egui::Color32::DARK_RED),
            );
            return;
        }
        ui.label(RichText::new("●  ".repeat(shell.pin_entry.chars().count()) + " ").size(40.0));
        if let Some(PinOutcome::Wrong { tries_left }) = &shell.last_pin_outcome {
            ui.label(
                body(tr_args(
                    lang,
                    "staff-pin-wrong",
                    &[("left", Arg::Number(*tries_left as i64))],
                ))
                .color(egui::Color32::DARK_RED),
            );
        }
        let labels = keyboard_labels(lang);
        if let Some(KeyboardEvent::Done) = keyboard::keyboard_ui(
            ui,
            &mut shell.pin_keyboard,
            keyboard::Layout::Numeric,
            &mut shell.pin_entry,
            &labels,
        ) {
            command = Some(Command::SubmitPin);
        }
    });
    command
}

pub fn staff_panel_screen_ui(ui: &mut Ui, shell: &Shell) -> Option<Command> {
    let lang = shell.lang;
    let mut command = None;
    ui.label(heading(tr(lang, "staff-title")));
    ui.label(body(tr_args(
        lang,
        "staff-device",
        &[("version", Arg::Text(env!("CARGO_PKG_VERSION")))],
    )));
    let unit = shell
        .room
        .room_name
        .clone()
        .unwrap_or_else(|| shell.room.unit.clone());
    ui.label(body(tr_args(
        lang,
        "staff-unit",
        &[("unit", Arg::Text(&unit))],
    )));
    let (link, _) = link_text(lang, &shell.room.link);
    ui.label(body(tr_args(
        lang,
        "staff-hub",
        &[("state", Arg::Text(&link))],
    )));
    if let Some(reason) = &shell.speech_unavailable {
        ui.label(body(tr_args(
            lang,
            "speak-unavailable",
            &[("reason", Arg::Text(reason))],
        )));
    }
    ui.add_space(12.0);
    ui.label(body(tr(lang, "staff-default-language")));
    ui.horizontal(|ui| {
        for (code, name) in [
            (Language::Vietnamese, "Tiếng Việt"),
            (Language::English, "English"),
            (Language::Hmong, "Hmoob"),
        ] {
            let selected = shell.default_lang == code;
            if ui
                .add(
                    egui::Button::selectable(selected, RichText::new(name).size(BODY_PT))
                        .min_size(vec2(MIN_TARGET, MIN_TARGET)),
                )
                .clicked()
            {
                command = Some(Command::SetDefaultLanguage(code));
            }
        }
    });
    ui.add_space(12.0);
    // Join and leave: the room joins and leaves meetings by itself; staff may take it out
    // of one, and bring it back while that meeting runs.
    if shell.in_call() {
        if big_button(ui, tr(lang, "staff-leave-meeting")).clicked() {
            command = Some(Command::StaffLeaveMeeting);
        }
    } else if shell.left_meeting.is_some()
        && big_button(ui, tr(lang, "staff-join-meeting")).clicked()
    {
        command = Some(Command::StaffJoinMeeting);
    }
    ui.add_space(12.0);
    if big_button(ui, tr(lang, "staff-exit")).clicked() {
        command = Some(Command::ExitStaff);
    }
    command
}

pub fn fault_screen_ui(ui: &mut Ui, lang: Language) -> Option<Command> {
    ui.vertical_centered(|ui| {
        ui.add_space(48.0);
        ui.label(heading(tr(lang, "fault-title")));
        ui.add_space(16.0);
        ui.label(body(tr(lang, "fault-body")));
    });
    None
}

fn idle_warning_ui(ctx: &egui::Context, lang: Language, seconds: u64) -> Option<Command> {
    let mut command = None;
    egui::Modal::new(egui::Id::unique("idle-warning")).show(ctx, |ui| {
        ui.set_width(560.0);
        ui.vertical_centered(|ui| {
            ui.label(heading(tr(lang, "idle-question")));
            ui.label(body(tr_args(
                lang,
                "idle-countdown",
                &[("seconds", Arg::Number(seconds as i64))],
            )));
            ui.add_space(12.0);
            if big_button(ui, tr(lang, "idle-stay")).clicked() {
                command = Some(Command::StayHere);
            }
        });
    });
    command
}
