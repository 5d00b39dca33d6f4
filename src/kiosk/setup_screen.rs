//! The first-boot setup screen, shown instead of the kiosk while the box has no config: the
//! hub's address, the unit, the one-time code and the certificate fingerprint as `hub
//! add-room` printed them, and a new staff PIN twice, all typed on the kiosk's own keyboard.
//! It draws [`SetupForm`] and returns a [`SetupCommand`]; the app runs the setup.

use egui::{Align, Color32, Layout, RichText, Sense, Ui, vec2};

use super::i18n::{Arg, tr, tr_args};
use super::keyboard::{self, KeyboardEvent};
use super::setup_model::{SetupCommand, SetupField, SetupForm, SetupPhase, SetupRefusal};
use super::style::{MIN_TEXT_PT, big_button, body, heading};
use super::widgets::{KEYBOARD_PANEL_PAD, keyboard_labels, keyboard_panel, next_button};
use crate::config::Language;

/// Height of a field: its label above its value, both at least the smallest text size.
const FIELD_PT: f32 = 76.0;
/// Space between fields.
const FIELD_GAP_PT: f32 = 8.0;
/// Windows at least this wide (logical px) put three fields on a row, narrower ones two.
const THREE_COLUMNS_PT: f32 = 1100.0;
const REFUSAL_RED: Color32 = Color32::from_rgb(170, 30, 30);

/// The whole setup screen: title and languages, the fields, the keyboard, and the
/// progress or refusal over them; the room and unit once set up.
pub fn setup_screen_ui(ui: &mut Ui, form: &mut SetupForm, now_ms: i64) -> Option<SetupCommand> {
    let lang = form.lang;
    let mut command = None;
    egui::Panel::top("setup-top")
        .exact_size(84.0)
        .show(ui, |ui| command = top_bar_ui(ui, lang));
    if let SetupPhase::Done {
        room_name,
        unit_name,
        ..
    } = &form.phase
    {
        let seconds = form.start_in_secs(now_ms).unwrap_or(0);
        egui::CentralPanel::default().show(ui, |ui| {
            command = command
                .take()
                .or(done_ui(ui, lang, room_name, unit_name, seconds));
        });
        return command;
    }
    let layout = form.field.layout();
    let keyboard_pt = layout.min_size_pt().y + KEYBOARD_PANEL_PAD;
    keyboard_panel("setup-keyboard", keyboard_pt).show(ui, |ui| {
        let labels = keyboard_labels(lang);
        let field = form.field;
        let text = form.answers.get_mut(field);
        if let Some(KeyboardEvent::Done) =
            keyboard::keyboard_ui(ui, &mut form.keyboard, layout, text, &labels)
        {
            command = Some(SetupCommand::Next);
        }
    });
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical()
            .id_salt("setup-fields")
            .show(ui, |ui| {
                if let Some(c) = fields_ui(ui, form) {
                    command = Some(c);
                }
            });
    });
    match &form.phase {
        SetupPhase::Running => running_ui(ui.ctx(), lang),
        SetupPhase::Refused(refusal) => {
            if let Some(c) = refusal_ui(ui.ctx(), lang, refusal) {
                command = Some(c);
            }
        }
        SetupPhase::Typing | SetupPhase::Done { .. } => {}
    }
    command
}

fn top_bar_ui(ui: &mut Ui, lang: Language) -> Option<SetupCommand> {
    let mut command = None;
    ui.horizontal_centered(|ui| {
        ui.label(heading(tr(lang, "setup-title")));
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            if let Some(code) = super::widgets::language_buttons(ui, lang) {
                command = Some(SetupCommand::SetLanguage(code));
            }
        });
    });
    command
}

/// The fields (tap one to type into it), the chosen field's whole value, and "Set up".
fn fields_ui(ui: &mut Ui, form: &SetupForm) -> Option<SetupCommand> {
    let lang = form.lang;
    let mut command = None;
    let columns = if ui.available_width() >= THREE_COLUMNS_PT {
        3
    } else {
        2
    };
    let width = (ui.available_width() - FIELD_GAP_PT * (columns - 1) as f32) / columns as f32;
    for row in SetupField::ALL.chunks(columns) {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = FIELD_GAP_PT;
            for &field in row {
                let shown = shown_value(form, field);
                if field_ui(ui, lang, field, &shown, form.field == field, width).clicked() {
                    command = Some(SetupCommand::Select(field));
                }
            }
        });
        ui.add_space(FIELD_GAP_PT - ui.spacing().item_spacing.y);
    }
    // The chosen field whole (a fingerprint is long): what the technician compares with
    // what the hub printed.
    let chosen = shown_value(form, form.field);
    ui.label(
        RichText::new(format!("{}: {chosen}▏", tr(lang, form.field.label_key())))
            .size(MIN_TEXT_PT)
            .monospace(),
    );
    ui.horizontal_top(|ui| {
        if next_button(ui, form.phase == SetupPhase::Typing, tr(lang, "setup-go")) {
            command = Some(SetupCommand::SetUp);
        }
        ui.add(egui::Label::new(body(tr(lang, "setup-hint")).color(Color32::DARK_GRAY)).wrap());
    });
    command
}

/// A field's value as shown: the PIN as dots.
fn shown_value(form: &SetupForm, field: SetupField) -> String {
    let value = form.answers.get(field);
    if field.secret() {
        "●".repeat(value.chars().count())
    } else {
        value.to_owned()
    }
}

/// One field: a tappable box with its label above as much of the end of its value as fits
/// (the end is where the keyboard types). Its accessible name is its label.
fn field_ui(
    ui: &mut Ui,
    lang: Language,
    field: SetupField,
    value: &str,
    chosen: bool,
    width: f32,
) -> egui::Response {
    let label = tr(lang, field.label_key());
    let (rect, response) = ui.allocate_exact_size(vec2(width, FIELD_PT), Sense::click());
    let visuals = ui.visuals();
    let (fill, stroke) = if chosen {
        (
            visuals.selection.bg_fill,
            egui::Stroke::new(3.0, Color32::from_rgb(20, 70, 130)),
        )
    } else {
        (Color32::WHITE, egui::Stroke::new(1.0, Color32::GRAY))
    };
    let painter = ui.painter();
    painter.rect(rect, 8.0, fill, stroke, egui::StrokeKind::Inside);
    let inner = rect.shrink2(vec2(12.0, 6.0));
    let label_font = egui::FontId::proportional(MIN_TEXT_PT);
    let value_font = egui::FontId::monospace(MIN_TEXT_PT);
    painter.text(
        inner.left_top(),
        egui::Align2::LEFT_TOP,
        &label,
        label_font,
        Color32::from_gray(60),
    );
    let tail = fitting_tail(ui, value, &value_font, inner.width());
    painter.text(
        inner.left_bottom(),
        egui::Align2::LEFT_BOTTOM,
        tail,
        value_font,
        Color32::BLACK,
    );
    let enabled = ui.is_enabled();
    response
        .widget_info(|| egui::WidgetInfo::selected(egui::Role::Button, enabled, chosen, &label));
    response
}

/// The end of `value` that fits `width` in `font`, with "…" where its start was cut.
fn fitting_tail(ui: &Ui, value: &str, font: &egui::FontId, width: f32) -> String {
    let fits = |text: &str| {
        ui.fonts_mut(|f| {
            f.layout_no_wrap(text.to_owned(), font.clone(), Color32::BLACK)
                .size()
                .x
        }) <= width
    };
    if fits(value) {
        return value.to_owned();
    }
    let mut chars = value.chars();
    while chars.next().is_some() {
        let tail = format!("…{}", chars.as_str());
        if fits(&tail) {
            return tail;
        }
    }
    String::new()
}

fn running_ui(ctx: &egui::Context, lang: Language) {
    egui::Modal::new(egui::Id::unique("setup-running")).show(ctx, |ui| {
        ui.set_width(640.0);
        ui.vertical_centered(|ui| {
            ui.label(heading(tr(lang, "setup-running")));
            ui.add_space(12.0);
            ui.add(egui::Spinner::new().size(48.0));
            ui.label(body(tr(lang, "setup-running-hint")));
        });
    });
}

/// Why the box is not set up, and "OK" back to the field to fix (everything typed kept).
fn refusal_ui(ctx: &egui::Context, lang: Language, refusal: &SetupRefusal) -> Option<SetupCommand> {
    let mut command = None;
    egui::Modal::new(egui::Id::unique("setup-refused")).show(ctx, |ui| {
        ui.set_width(820.0);
        ui.label(heading(tr(lang, "setup-refused-title")).color(REFUSAL_RED));
        ui.add_space(8.0);
        ui.label(body(tr(lang, refusal.text_key)));
        if let Some(detail) = &refusal.detail {
            ui.add_space(8.0);
            ui.label(
                RichText::new(tr_args(
                    lang,
                    "setup-error-detail",
                    &[("detail", Arg::Text(detail))],
                ))
                .size(MIN_TEXT_PT)
                .color(Color32::DARK_GRAY),
            );
        }
        ui.add_space(12.0);
        ui.vertical_centered(|ui| {
            if big_button(ui, tr(lang, "setup-refused-ok")).clicked() {
                command = Some(SetupCommand::Dismiss);
            }
        });
    });
    command
}

fn done_ui(
    ui: &mut Ui,
    lang: Language,
    room_name: &str,
    unit_name: &str,
    seconds: u64,
) -> Option<SetupCommand> {
    let mut command = None;
    ui.vertical_centered(|ui| {
        ui.add_space(48.0);
        ui.label(heading(tr(lang, "setup-done-title")).color(Color32::from_rgb(0, 110, 50)));
        ui.add_space(16.0);
        ui.label(body(tr_args(
            lang,
            "setup-done-room",
            &[("room", Arg::Text(room_name))],
        )));
        ui.label(body(tr_args(
            lang,
            "setup-done-unit",
            &[("unit", Arg::Text(unit_name))],
        )));
        ui.add_space(16.0);
        ui.label(body(tr_args(
            lang,
            "setup-done-starting",
            &[("seconds", Arg::Number(seconds as i64))],
        )));
        ui.add_space(16.0);
        if big_button(ui, tr(lang, "setup-start-now")).clicked() {
            command = Some(SetupCommand::Start);
        }
    });
    command
}
