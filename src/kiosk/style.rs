//! Sizes and touch settings for elderly users on a touchscreen: every target at least
//! 64×64 logical pixels, body text at least 22 pt, taps that count even when held long or
//! made with a shaky finger.

use egui::{Button, Color32, Response, RichText, TextStyle, Ui, Vec2, vec2};

/// The smallest side of anything a finger must hit (logical px).
pub const MIN_TARGET: f32 = 64.0;
/// The smallest text on any screen (points).
pub const MIN_TEXT_PT: f32 = 22.0;
pub const BODY_PT: f32 = 26.0;
pub const HEADING_PT: f32 = 36.0;
pub const TILE_TITLE_PT: f32 = 32.0;

/// The screens' background (egui's light panels). The window is cleared to it every frame
/// (`KioskApp::clear_color`), so panels paint no background of their own
/// (`Visuals::panel_fill` is transparent): on a software renderer (llvmpipe) a panel's fill
/// is a blended pass over every pixel it covers, and the clear is a fill the renderer does
/// anyway.
pub const BACKGROUND: Color32 = Color32::from_gray(248);

/// Applies the kiosk style and input options to a context (window or test harness).
pub fn apply(ctx: &egui::Context) {
    super::fonts::install(ctx);
    ctx.global_style_mut(|style| {
        use egui::FontFamily::Proportional;
        use egui::FontId;
        style.text_styles = [
            (TextStyle::Small, FontId::new(MIN_TEXT_PT, Proportional)),
            (TextStyle::Body, FontId::new(BODY_PT, Proportional)),
            (TextStyle::Button, FontId::new(BODY_PT, Proportional)),
            (TextStyle::Heading, FontId::new(HEADING_PT, Proportional)),
            (
                TextStyle::Monospace,
                FontId::new(BODY_PT, egui::FontFamily::Monospace),
            ),
        ]
        .into();
        style.spacing.interact_size = vec2(MIN_TARGET, MIN_TARGET);
        style.spacing.button_padding = vec2(16.0, 12.0);
        style.spacing.item_spacing = vec2(12.0, 12.0);
        style.spacing.scroll.bar_width = 16.0;
        style.visuals = egui::Visuals::light();
        // The window's clear colour is the background (`BACKGROUND`).
        style.visuals.panel_fill = Color32::TRANSPARENT;
        // A cursor that blinks is missing from half the frames (and wakes the UI to blink).
        style.visuals.text_cursor.blink = false;
    });
    ctx.options_mut(|options| {
        // A tap is still a tap when the finger slides a little or rests for a while.
        options.input_options.max_click_dist = 24.0;
        options.input_options.max_click_duration = 3.0;
    });
}

/// A button at least 64×64 with text of at least the body size.
pub fn big_button(ui: &mut Ui, text: impl Into<String>) -> Response {
    ui.add(Button::new(RichText::new(text.into()).size(BODY_PT)).min_size(Vec2::splat(MIN_TARGET)))
}

/// A big button that can be disabled, showing why next to it.
pub fn big_button_enabled(ui: &mut Ui, enabled: bool, text: impl Into<String>) -> Response {
    ui.add_enabled(
        enabled,
        Button::new(RichText::new(text.into()).size(BODY_PT)).min_size(Vec2::splat(MIN_TARGET)),
    )
}

pub fn body(text: impl Into<String>) -> RichText {
    RichText::new(text.into()).size(BODY_PT)
}

pub fn heading(text: impl Into<String>) -> RichText {
    RichText::new(text.into()).size(HEADING_PT).strong()
}
