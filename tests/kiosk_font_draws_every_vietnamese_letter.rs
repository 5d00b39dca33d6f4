//! The bundled Noto Sans has a glyph for every Vietnamese letter with every tone (and ₫),
//! typed composed (NFC) or decomposed (NFD, normalised to NFC).

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
            let composed = phonghop::text::nfc(&format!("{l}{t}"));
            assert_eq!(
                composed.chars().count(),
                1,
                "{l}+{t:?} composes to one letter"
            );
            text.push_str(&composed);
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
