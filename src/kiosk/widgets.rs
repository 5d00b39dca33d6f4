//! Pieces several screens draw: the keyboard's panel and captions, the "next" button, QR
//! codes. Screens use these; this module uses no screen, so the screens depend one way:
//! `screens` (the frame and the dispatcher) → the screen modules → `widgets` → `style`,
//! `i18n`, `keyboard`.

use egui::{Color32, Rect, RichText, Sense, Ui, pos2, vec2};

use super::i18n::tr;
use super::keyboard;
use super::style::{BODY_PT, MIN_TARGET};
use crate::config::Language;
use crate::vietqr::render::ModuleMatrix;

/// What a bottom panel adds to the keyboard it holds (its margins), logical px.
pub const KEYBOARD_PANEL_PAD: f32 = 8.0;
/// How far the keyboard panel reaches over the screen's margin on each side (logical px).
const KEYBOARD_OVERHANG_PT: f32 = 8.0;
/// A central panel's inner margin, top and bottom together.
pub const CENTRAL_PANEL_PAD: f32 = 16.0;

/// The heights of a bottom panel holding the text keyboard in each arrangement that fits
/// the width of `available`, from the most rows to the fewest.
pub fn keyboard_panel_heights(available: egui::Vec2) -> impl Iterator<Item = f32> {
    keyboard::TextRows::ALL
        .into_iter()
        .map(|rows| rows.min_size_pt())
        .filter(move |need| need.x <= available.x + 2.0 * KEYBOARD_OVERHANG_PT + 0.5)
        .map(|need| need.y + KEYBOARD_PANEL_PAD)
}

/// The height of a bottom panel holding the text keyboard on a screen of `available`
/// size that must keep `keep_above_pt` free above it: the arrangement with the most rows
/// that leaves that room, `None` if none does.
pub fn keyboard_panel_height(available: egui::Vec2, keep_above_pt: f32) -> Option<f32> {
    keyboard_panel_heights(available)
        .find(|panel| available.y - panel - CENTRAL_PANEL_PAD >= keep_above_pt)
}

/// The bottom panel for the on-screen keyboard: it reaches over the screen's side margins,
/// so the keys have the window's whole width (eleven 64 px keys and their gaps just fit a
/// portrait 800 px panel).
pub fn keyboard_panel(id: &'static str, height_pt: f32) -> egui::Panel {
    let over_margins = egui::Margin {
        left: -(KEYBOARD_OVERHANG_PT as i8),
        right: -(KEYBOARD_OVERHANG_PT as i8),
        top: 0,
        bottom: 0,
    };
    egui::Panel::bottom(id).exact_size(height_pt).frame(
        egui::Frame::new()
            .inner_margin(egui::Margin::symmetric(0, 2))
            .outer_margin(over_margins),
    )
}

/// Keeps the text edit `id`'s cursor after the last character of `draft`: the on-screen
/// keyboard only types at the end, so the cursor the resident sees must be there too.
pub fn keep_cursor_at_end(ctx: &egui::Context, id: egui::Id, draft: &str) {
    let mut state = egui::TextEdit::load_state(ctx, id).unwrap_or_default();
    let end = egui::text::CCursor::new(draft.chars().count());
    state
        .cursor
        .set_char_range(Some(egui::text::CCursorRange::one(end)));
    state.store(ctx, id);
}

/// Keyboard captions from the translations.
pub fn keyboard_labels(lang: Language) -> keyboard::KeyboardLabels {
    keyboard::KeyboardLabels {
        space: tr(lang, "kb-space"),
        done: tr(lang, "kb-done"),
        backspace: tr(lang, "kb-backspace"),
        shift: tr(lang, "kb-shift"),
        telex: tr(lang, "kb-telex"),
        vni: tr(lang, "kb-vni"),
        tone_names: [
            "tone-sac",
            "tone-huyen",
            "tone-hoi",
            "tone-nga",
            "tone-nang",
        ]
        .map(|k| tr(lang, k)),
    }
}

/// The green button that moves a flow on.
/// The language switch, right to left (so Vietnamese ends up leftmost), the current one
/// selected; the language tapped, if any. Each name is written in its own language.
pub fn language_buttons(ui: &mut Ui, lang: Language) -> Option<Language> {
    let mut chosen = None;
    for (code, name) in [
        (Language::Hmong, "Hmoob"),
        (Language::English, "English"),
        (Language::Vietnamese, "Tiếng Việt"),
    ] {
        if ui
            .add(
                egui::Button::selectable(lang == code, RichText::new(name).size(BODY_PT))
                    .min_size(vec2(MIN_TARGET, MIN_TARGET)),
            )
            .clicked()
        {
            chosen = Some(code);
        }
    }
    chosen
}

pub fn next_button(ui: &mut Ui, enabled: bool, text: String) -> bool {
    ui.add_enabled(
        enabled,
        egui::Button::new(RichText::new(format!("{text} ➜")).size(BODY_PT).strong())
            .min_size(vec2(MIN_TARGET * 3.0, MIN_TARGET))
            .fill(egui::Color32::from_rgb(200, 230, 201)),
    )
    .clicked()
}

/// Draws the code crisply: a whole number of physical pixels per module, aligned to the
/// pixel grid, black on white with the 4-module quiet zone the matrix includes.
pub fn qr_ui(ui: &mut Ui, matrix: &ModuleMatrix, max_side_pts: f32, label: &str) -> egui::Response {
    let ppp = ui.ctx().pixels_per_point();
    let modules = matrix.width_modules.max(1);
    let px_per_module = ((max_side_pts * ppp) / modules as f32).floor().max(1.0);
    let module_pts = px_per_module / ppp;
    let side = module_pts * modules as f32;
    let (rect, response) = ui.allocate_exact_size(vec2(side, side), Sense::hover());
    let origin = pos2(
        (rect.min.x * ppp).round() / ppp,
        (rect.min.y * ppp).round() / ppp,
    );
    let painter = ui.painter();
    painter.rect_filled(
        Rect::from_min_size(origin, vec2(side, side)),
        0.0,
        Color32::WHITE,
    );
    for y in 0..modules {
        let mut x = 0;
        while x < modules {
            if !matrix.is_dark(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < modules && matrix.is_dark(x, y) {
                x += 1;
            }
            let min = origin + vec2(start as f32 * module_pts, y as f32 * module_pts);
            let max = origin + vec2(x as f32 * module_pts, (y + 1) as f32 * module_pts);
            painter.rect_filled(Rect::from_min_max(min, max), 0.0, Color32::BLACK);
        }
    }
    response.widget_info(|| egui::WidgetInfo::labeled(egui::accesskit::Role::Image, true, label));
    response
}
