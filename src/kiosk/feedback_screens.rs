//! The people's voice at the kiosk: give feedback (category → type or speak → contact with
//! consent → review → send → ticket), rate the service, check a ticket.

use egui::{RichText, Ui, vec2};

use super::i18n::{Arg, tr, tr_args};
use super::keyboard::{self, KeyboardEvent};
use super::shell::{Command, ContactField, Recording, Shell, TicketLookup};
use super::style::{BODY_PT, HEADING_PT, MIN_TARGET, MIN_TEXT_PT, big_button, body, heading};
use super::widgets::{keyboard_labels, keyboard_panel, keyboard_panel_height, next_button, qr_ui};
use crate::config::Language;

fn lang_code(lang: Language) -> &'static str {
    match lang {
        Language::Vietnamese => "vi",
        Language::English => "en",
        Language::Hmong => "hmn",
    }
}

fn category_name(shell: &Shell, id: &str) -> String {
    shell
        .categories
        .iter()
        .find(|c| c.id == id)
        .and_then(|c| {
            c.names
                .get(lang_code(shell.lang))
                .or_else(|| c.names.get("vi"))
        })
        .cloned()
        .unwrap_or_else(|| id.to_owned())
}

pub fn category_screen_ui(ui: &mut Ui, shell: &Shell) -> Option<Command> {
    let lang = shell.lang;
    let mut command = None;
    ui.label(heading(tr(lang, "category-title")));
    ui.add_space(8.0);
    let columns = 3.0;
    let gap = 16.0;
    let width = ((ui.available_width() - gap * (columns - 1.0)) / columns).max(MIN_TARGET);
    for row in shell.categories.chunks(3) {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = gap;
            for category in row {
                let label = format!("{} {}", category.icon, category_name(shell, &category.id));
                if ui
                    .add(
                        egui::Button::new(RichText::new(label).size(BODY_PT))
                            .min_size(vec2(width, MIN_TARGET * 1.4)),
                    )
                    .clicked()
                {
                    command = Some(Command::PickCategory(category.id.clone()));
                }
            }
        });
        ui.add_space(gap / 2.0);
    }
    command
}

pub fn speak_screen_ui(ui: &mut Ui, shell: &Shell) -> Option<Command> {
    let lang = shell.lang;
    let mut command = None;
    ui.horizontal(|ui| {
        ui.label(heading(tr(lang, "speak-title")));
        if big_button(ui, format!("⌨ {}", tr(lang, "type-instead"))).clicked() {
            command = Some(Command::TypeInstead);
        }
    });
    if let Some(why) = shell.mic_unavailable {
        ui.label(body(tr(lang, why.text_key())).color(egui::Color32::DARK_RED));
        return command;
    }
    ui.add_space(12.0);
    match &shell.recording {
        Recording::Idle => {
            ui.label(body(tr(lang, "speak-hint")));
            if big_button(ui, format!("● {}", tr(lang, "record-start"))).clicked() {
                command = Some(Command::StartRecording);
            }
        }
        Recording::Live { level, elapsed_ms } => {
            let limit_ms = u64::from(super::shell::MAX_RECORDING_SECS) * 1000;
            ui.label(body(tr_args(
                lang,
                "recording-now",
                &[
                    ("time", Arg::Text(&clock(*elapsed_ms))),
                    ("limit", Arg::Text(&clock(limit_ms))),
                ],
            )));
            level_meter_ui(ui, *level);
            if big_button(ui, format!("■ {}", tr(lang, "record-stop"))).clicked() {
                command = Some(Command::StopRecording);
            }
        }
        Recording::Done { duration_ms, .. } => {
            ui.label(body(tr_args(
                lang,
                "recorded",
                &[("time", Arg::Text(&clock(*duration_ms)))],
            )));
            ui.horizontal(|ui| {
                if big_button(ui, format!("▶ {}", tr(lang, "record-play"))).clicked() {
                    command = Some(Command::PlayRecording);
                }
                if big_button(ui, format!("● {}", tr(lang, "record-again"))).clicked() {
                    command = Some(Command::StartRecording);
                }
            });
        }
        Recording::Failed(why) => {
            ui.label(body(tr(lang, why.text_key())).color(egui::Color32::DARK_RED));
            if big_button(ui, format!("● {}", tr(lang, "record-start"))).clicked() {
                command = Some(Command::StartRecording);
            }
        }
    }
    ui.add_space(16.0);
    if next_button(ui, shell.feedback_ready(), tr(lang, "next")) {
        command = Some(Command::ToContact);
    }
    command
}

fn clock(ms: u64) -> String {
    format!("{}:{:02}", ms / 60_000, (ms / 1000) % 60)
}

/// A wide bar that moves with the voice, so a resident sees the box hears them.
fn level_meter_ui(ui: &mut Ui, level: f32) {
    let (rect, _) = ui.allocate_exact_size(
        vec2(ui.available_width().min(600.0), 40.0),
        egui::Sense::hover(),
    );
    let painter = ui.painter();
    painter.rect_filled(rect, 8.0, egui::Color32::from_gray(225));
    let mut filled = rect;
    filled.set_width(rect.width() * level.clamp(0.0, 1.0));
    painter.rect_filled(filled, 8.0, egui::Color32::from_rgb(46, 125, 50));
}

pub fn contact_screen_ui(ui: &mut Ui, shell: &mut Shell) -> Option<Command> {
    let lang = shell.lang;
    let mut command = None;
    // Room above the keyboard for the title, the consent and the fields.
    let keep_above = MIN_TARGET * 3.0 + ui.spacing().item_spacing.y * 2.0;
    let keyboard_height = keyboard_panel_height(ui.available_size(), keep_above)
        .unwrap_or(keyboard::Layout::Text.min_size_pt().y + 8.0);
    if shell.contact.consent {
        let layout = if shell.contact.field == ContactField::Phone {
            keyboard::Layout::Numeric
        } else {
            keyboard::Layout::Text
        };
        keyboard_panel("contact-keyboard", keyboard_height).show(ui, |ui| {
            let contact = &mut shell.contact;
            let text = match contact.field {
                ContactField::Name => &mut contact.name,
                ContactField::Phone => &mut contact.phone,
                ContactField::Village => &mut contact.village,
            };
            if let Some(KeyboardEvent::Done) = keyboard::keyboard_ui(
                ui,
                &mut shell.contact_keyboard,
                layout,
                text,
                &keyboard_labels(lang),
            ) {
                command = Some(Command::ToReview);
            }
        });
    }
    egui::CentralPanel::default().show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.label(body(tr(lang, "contact-title")).strong());
            if next_button(
                ui,
                true,
                tr(
                    lang,
                    if shell.contact.consent {
                        "next"
                    } else {
                        "skip-contact"
                    },
                ),
            ) {
                command = Some(Command::ToReview);
            }
        });
        let consent = format!(
            "{} {}",
            if shell.contact.consent { "☑" } else { "☐" },
            tr(lang, "contact-consent")
        );
        if ui
            .add(
                egui::Button::new(RichText::new(consent).size(MIN_TEXT_PT))
                    .min_size(vec2(MIN_TARGET, MIN_TARGET)),
            )
            .clicked()
        {
            command = Some(Command::ToggleConsent);
        }
        if shell.contact.consent {
            ui.horizontal(|ui| {
                for (field, key, value) in [
                    (ContactField::Name, "contact-name", &shell.contact.name),
                    (ContactField::Phone, "contact-phone", &shell.contact.phone),
                    (
                        ContactField::Village,
                        "contact-village",
                        &shell.contact.village,
                    ),
                ] {
                    let text = format!("{}: {}", tr(lang, key), value);
                    let selected = shell.contact.field == field;
                    if ui
                        .add(
                            egui::Button::selectable(
                                selected,
                                RichText::new(text).size(MIN_TEXT_PT),
                            )
                            .min_size(vec2(MIN_TARGET * 2.5, MIN_TARGET)),
                        )
                        .clicked()
                    {
                        command = Some(Command::SelectField(field));
                    }
                }
            });
        }
    });
    command
}

pub fn review_screen_ui(ui: &mut Ui, shell: &Shell) -> Option<Command> {
    let lang = shell.lang;
    let mut command = None;
    ui.label(heading(tr(lang, "review-title")));
    let category = shell
        .category
        .as_deref()
        .map(|c| category_name(shell, c))
        .unwrap_or_default();
    ui.label(body(tr_args(
        lang,
        "review-category",
        &[("category", Arg::Text(&category))],
    )));
    if !shell.draft.trim().is_empty() {
        let shown: String = shell.draft.chars().take(240).collect();
        ui.label(body(format!("“{shown}”")));
    }
    if let Recording::Done { duration_ms, .. } = &shell.recording {
        ui.label(body(tr_args(
            lang,
            "review-voice",
            &[("time", Arg::Text(&clock(*duration_ms)))],
        )));
    }
    if shell.contact.consent {
        let who = [
            &shell.contact.name,
            &shell.contact.phone,
            &shell.contact.village,
        ]
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim())
        .collect::<Vec<_>>()
        .join(", ");
        ui.label(body(tr_args(
            lang,
            "review-contact",
            &[("who", Arg::Text(&who))],
        )));
    } else {
        ui.label(body(tr(lang, "review-anonymous")));
    }
    if let Some(why) = &shell.send_error {
        ui.label(
            body(tr_args(
                lang,
                "send-failed",
                &[("reason", Arg::Text(&tr(lang, why.text_key())))],
            ))
            .color(egui::Color32::DARK_RED),
        );
    }
    ui.add_space(16.0);
    if next_button(ui, shell.feedback_ready(), tr(lang, "send")) {
        command = Some(Command::SendFeedback);
    }
    command
}

pub fn sending_screen_ui(ui: &mut Ui, lang: Language) -> Option<Command> {
    ui.vertical_centered(|ui| {
        ui.add_space(64.0);
        ui.label(heading(tr(lang, "sending")));
        ui.add(egui::Spinner::new().size(64.0));
    });
    None
}

pub fn receipt_screen_ui(ui: &mut Ui, shell: &Shell) -> Option<Command> {
    let lang = shell.lang;
    let mut command = None;
    let Some(receipt) = &shell.receipt else {
        return Some(Command::Home);
    };
    ui.vertical_centered(|ui| {
        ui.label(heading(tr(lang, "receipt-title")));
        ui.label(body(tr(lang, "receipt-code")));
        ui.label(
            RichText::new(&receipt.ticket_code)
                .size(HEADING_PT * 1.6)
                .strong()
                .monospace(),
        );
        if let Ok(matrix) = crate::vietqr::render::module_matrix(
            &receipt.status_url,
            crate::vietqr::render::QrUse::Screen,
        ) {
            qr_ui(ui, &matrix, 200.0, &tr(lang, "receipt-hint"));
        }
        ui.label(body(tr(lang, "receipt-hint")));
        if big_button(ui, tr(lang, "done")).clicked() {
            command = Some(Command::Home);
        }
    });
    command
}

pub fn rating_screen_ui(
    ui: &mut Ui,
    lang: Language,
    hub_question: Option<&str>,
) -> Option<Command> {
    let mut command = None;
    // The hub sets the question in Vietnamese; other languages show the kiosk's own text.
    let question = match (lang, hub_question) {
        (Language::Vietnamese, Some(q)) => q.to_owned(),
        _ => tr(lang, "rating-question"),
    };
    ui.vertical_centered(|ui| {
        ui.label(heading(question));
        ui.add_space(24.0);
    });
    ui.horizontal(|ui| {
        let width = ((ui.available_width() - 4.0 * 12.0) / 5.0).max(MIN_TARGET);
        for score in 1..=5u8 {
            let stars = "★".repeat(score as usize);
            let words = tr(lang, &format!("rating-{score}"));
            let label = format!("{stars}\n{words}");
            if ui
                .add(
                    egui::Button::new(RichText::new(label).size(BODY_PT))
                        .min_size(vec2(width, MIN_TARGET * 2.5)),
                )
                .clicked()
            {
                command = Some(Command::Rate(score));
            }
        }
    });
    command
}

pub fn rating_thanks_screen_ui(ui: &mut Ui, lang: Language) -> Option<Command> {
    let mut command = None;
    ui.vertical_centered(|ui| {
        ui.add_space(48.0);
        ui.label(heading(tr(lang, "rating-thanks")));
        if big_button(ui, tr(lang, "done")).clicked() {
            command = Some(Command::Home);
        }
    });
    command
}

pub fn ticket_screen_ui(ui: &mut Ui, shell: &mut Shell) -> Option<Command> {
    let lang = shell.lang;
    let mut command = None;
    ui.horizontal(|ui| {
        let title = ui.label(body(tr(lang, "ticket-title")).strong());
        let shown = shell.ticket_entry.clone();
        ui.label(
            RichText::new(if shown.is_empty() {
                "LC-…".to_owned()
            } else {
                shown
            })
            .size(HEADING_PT)
            .monospace(),
        )
        .labelled_by(title.id);
        if next_button(
            ui,
            !shell.ticket_entry.trim().is_empty(),
            tr(lang, "look-up"),
        ) {
            command = Some(Command::LookUpTicket);
        }
    });
    ui.add_space(8.0);
    if code_pad_ui(ui, &mut shell.ticket_entry, &tr(lang, "kb-backspace")) {
        command = Some(Command::LookUpTicket);
    }
    command
}

/// Keys for ticket codes: capital letters (the province part may use any) and the digits
/// codes use, with no typing engine (Telex would turn `S`, `F`, `W`… into tone marks).
/// Returns true when the Enter key is tapped.
fn code_pad_ui(ui: &mut Ui, entry: &mut String, backspace: &str) -> bool {
    let mut enter = false;
    let keys: Vec<char> = ('2'..='9').chain('A'..='Z').collect();
    let columns = 10;
    let side = ((ui.available_width() - 8.0 * (columns as f32 - 1.0)) / columns as f32)
        .clamp(MIN_TARGET, 96.0);
    for row in keys.chunks(columns) {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 8.0;
            for key in row {
                let button = egui::Button::new(RichText::new(key.to_string()).size(BODY_PT))
                    .min_size(vec2(side, MIN_TARGET));
                if ui.add(button).clicked() && entry.chars().count() < 12 {
                    entry.push(*key);
                }
            }
        });
    }
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 8.0;
        if ui
            .add(
                egui::Button::new(RichText::new("-").size(BODY_PT))
                    .min_size(vec2(side, MIN_TARGET)),
            )
            .clicked()
        {
            entry.push('-');
        }
        if ui
            .add(
                egui::Button::new(RichText::new(format!("⌫ {backspace}")).size(BODY_PT))
                    .min_size(vec2(side * 2.0, MIN_TARGET)),
            )
            .clicked()
        {
            entry.pop();
        }
        if ui
            .add(
                egui::Button::new(RichText::new("⏎").size(BODY_PT))
                    .min_size(vec2(side, MIN_TARGET)),
            )
            .clicked()
        {
            enter = true;
        }
    });
    enter
}

pub fn ticket_result_screen_ui(ui: &mut Ui, shell: &Shell) -> Option<Command> {
    let lang = shell.lang;
    match &shell.ticket {
        None | Some(TicketLookup::Waiting) => {
            ui.add(egui::Spinner::new().size(64.0));
        }
        Some(TicketLookup::NotFound) => {
            ui.label(heading(tr(lang, "ticket-not-found")));
            ui.label(body(tr(lang, "ticket-not-found-hint")));
        }
        Some(TicketLookup::Failed(why)) => {
            ui.label(
                body(tr_args(
                    lang,
                    "ticket-failed",
                    &[("reason", Arg::Text(&tr(lang, why.text_key())))],
                ))
                .color(egui::Color32::DARK_RED),
            );
        }
        Some(TicketLookup::Found(view)) => {
            let t = &view.ticket;
            ui.label(heading(tr_args(
                lang,
                "ticket-heading",
                &[("code", Arg::Text(&t.ticket_code))],
            )));
            let status = tr(
                lang,
                &format!("status-{}", t.status.as_str().replace('_', "-")),
            );
            ui.label(body(tr_args(
                lang,
                "ticket-status",
                &[("status", Arg::Text(&status))],
            )));
            ui.label(body(tr_args(
                lang,
                "ticket-sent",
                &[("date", Arg::Text(&day(t.submitted_at_ms)))],
            )));
            match &t.reply {
                Some(reply) => {
                    ui.label(body(tr(lang, "ticket-reply")).strong());
                    ui.label(body(reply.clone()));
                }
                None => {
                    ui.label(body(tr(lang, "ticket-no-reply")));
                }
            }
            let synced = match view.last_sync_ms {
                Some(ms) => tr_args(lang, "ticket-synced", &[("date", Arg::Text(&day(ms)))]),
                None => tr(lang, "ticket-never-synced"),
            };
            ui.label(
                RichText::new(synced)
                    .size(MIN_TEXT_PT)
                    .color(egui::Color32::DARK_GRAY),
            );
        }
    }
    None
}

fn day(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned_datetime(jiff::tz::TimeZone::system())
                .strftime("%H:%M %d/%m/%Y")
                .to_string()
        })
        .unwrap_or_default()
}
