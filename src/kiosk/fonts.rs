//! Noto Sans, bundled: egui's default font has no Vietnamese tone letters (ủ ờ ỹ ể ộ, ₫)
//! and would draw them with a fallback glyph. Noto Sans (SIL Open Font License, see
//! `kiosk/fonts/OFL.txt`) goes first in every family.

use std::sync::Arc;

pub const NOTO_SANS_REGULAR: &[u8] = include_bytes!("../../kiosk/fonts/NotoSans-Regular.ttf");
pub const NOTO_SANS_BOLD: &[u8] = include_bytes!("../../kiosk/fonts/NotoSans-Bold.ttf");
/// Icons (home, back, speaker, lock, tiles): egui 0.37 ships no emoji font.
pub const NOTO_SANS_SYMBOLS_2: &[u8] =
    include_bytes!("../../kiosk/fonts/NotoSansSymbols2-Regular.ttf");

/// The font setup every kiosk context (window or test harness) uses.
pub fn definitions() -> egui::FontDefinitions {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "NotoSans-Regular".to_owned(),
        Arc::new(egui::FontData::from_static(NOTO_SANS_REGULAR)),
    );
    fonts.font_data.insert(
        "NotoSans-Bold".to_owned(),
        Arc::new(egui::FontData::from_static(NOTO_SANS_BOLD)),
    );
    fonts.font_data.insert(
        "NotoSansSymbols2".to_owned(),
        Arc::new(egui::FontData::from_static(NOTO_SANS_SYMBOLS_2)),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        let list = fonts.families.entry(family).or_default();
        list.insert(0, "NotoSans-Regular".to_owned());
        list.insert(1, "NotoSansSymbols2".to_owned());
    }
    fonts.families.insert(
        egui::FontFamily::Name("bold".into()),
        vec!["NotoSans-Bold".to_owned()],
    );
    fonts
}

pub fn install(ctx: &egui::Context) {
    ctx.set_fonts(definitions());
}
