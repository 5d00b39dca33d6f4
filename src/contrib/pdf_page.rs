//! One A4 page of text lines and filled black rectangles, as PDF bytes: what both posters
//! (the campaign's and the commune's) draw.
//!
//! The text is in the bundled Noto Sans, embedded as a subset of the glyphs used (a
//! printer's built-in fonts cannot draw Vietnamese), written as a Type 0 / CIDFontType2
//! font with Identity-H encoding and a ToUnicode map, so that readers can search and copy
//! the text (`pdftotext` reads it back in the poster tests). pdf-writer writes the objects,
//! subsetter cuts the font, skrifa maps characters to glyphs and measures them.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use skrifa::instance::{LocationRef, Size};
use skrifa::raw::TableProvider;
use skrifa::{FontRef, GlyphId, MetadataProvider};

/// PDF user space units (points) per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;
pub(crate) const A4_WIDTH_MM: f32 = 210.0;
pub(crate) const A4_HEIGHT_MM: f32 = 297.0;
/// The font's name in the page's resources.
const FONT_RESOURCE: Name<'static> = Name(b"F1");
/// PDF names a subset font `<six capitals>+<PostScript name>`.
const SUBSET_FONT_NAME: Name<'static> = Name(b"PHHPAA+NotoSans-Regular");

#[derive(Debug, thiserror::Error)]
pub enum PdfPageError {
    #[error("the bundled font cannot be read: {0}")]
    Font(String),
    #[error("cannot embed the bundled font: {0}")]
    Subset(String),
}

/// What the page shows, in the order it is drawn. Coordinates in millimetres from the
/// page's bottom-left corner (PDF's own orientation).
#[derive(Debug, Clone, PartialEq)]
enum Mark {
    Text {
        text: String,
        size_pt: f32,
        x_mm: f32,
        baseline_mm: f32,
    },
    Rect {
        x_mm: f32,
        y_mm: f32,
        width_mm: f32,
        height_mm: f32,
    },
}

/// An A4 page being drawn with one font.
pub(crate) struct A4Page<'f> {
    font_data: &'f [u8],
    font: FontRef<'f>,
    units_per_em: f32,
    marks: Vec<Mark>,
}

impl std::fmt::Debug for A4Page<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("A4Page")
            .field("marks", &self.marks.len())
            .finish()
    }
}

impl<'f> A4Page<'f> {
    /// A blank page whose text will be set in the TrueType font `font_data`.
    pub(crate) fn new(font_data: &'f [u8]) -> Result<Self, PdfPageError> {
        let font = FontRef::new(font_data).map_err(|e| PdfPageError::Font(e.to_string()))?;
        let units_per_em = f32::from(
            font.head()
                .map_err(|e| PdfPageError::Font(e.to_string()))?
                .units_per_em()
                .max(1),
        );
        Ok(Self {
            font_data,
            font,
            units_per_em,
            marks: Vec::new(),
        })
    }

    /// The font's glyph for `c`; `.notdef` (an empty box) where it has none.
    fn glyph(&self, c: char) -> GlyphId {
        self.font.charmap().map(c).unwrap_or(GlyphId::NOTDEF)
    }

    /// Advance width of `glyph` in font units.
    fn advance_units(&self, glyph: GlyphId) -> f32 {
        self.font
            .glyph_metrics(Size::unscaled(), LocationRef::default())
            .advance_width(glyph)
            .unwrap_or(self.units_per_em / 2.0)
    }

    /// How wide `text` is at `size_pt`, measured with the font's own advance widths.
    pub(crate) fn text_width_mm(&self, text: &str, size_pt: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| self.advance_units(self.glyph(c)))
            .sum();
        units / self.units_per_em * size_pt / PT_PER_MM
    }

    /// One line of text, its left edge at `x_mm`, its baseline at `baseline_mm`.
    pub(crate) fn text(&mut self, text: &str, size_pt: f32, x_mm: f32, baseline_mm: f32) {
        self.marks.push(Mark::Text {
            text: text.to_owned(),
            size_pt,
            x_mm,
            baseline_mm,
        });
    }

    /// A filled black rectangle, its bottom-left corner at (`x_mm`, `y_mm`).
    pub(crate) fn black_rect(&mut self, x_mm: f32, y_mm: f32, width_mm: f32, height_mm: f32) {
        self.marks.push(Mark::Rect {
            x_mm,
            y_mm,
            width_mm,
            height_mm,
        });
    }

    /// The page as a one-page PDF whose document title is `title`.
    pub(crate) fn to_pdf(&self, title: &str) -> Result<Vec<u8>, PdfPageError> {
        let mut ids = (1..).map(Ref::new);
        let mut next = || ids.next().unwrap_or(Ref::new(i32::MAX));
        let (catalog_id, page_tree_id, page_id, content_id) = (next(), next(), next(), next());
        let (type0_id, cid_font_id, descriptor_id, font_file_id, to_unicode_id, info_id) =
            (next(), next(), next(), next(), next(), next());

        // The glyphs used, renumbered from 1 in order of first use (0 is .notdef), and the
        // text drawn with the new numbers: Identity-H shows two bytes per glyph.
        let mut remapper = subsetter::GlyphRemapper::new();
        let mut to_unicode = UnicodeCmap::new(
            Name(b"Custom"),
            SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"Identity"),
                supplement: 0,
            },
        );
        let mut content = Content::new();
        content.set_fill_rgb(0.0, 0.0, 0.0);
        // Rectangles in a row are one path, painted once with the non-zero rule (a QR is
        // thousands of runs); a path must be painted before text begins.
        let mut path_open = false;
        for mark in &self.marks {
            match mark {
                Mark::Text {
                    text,
                    size_pt,
                    x_mm,
                    baseline_mm,
                } => {
                    if std::mem::take(&mut path_open) {
                        content.fill_nonzero();
                    }
                    let mut shown = Vec::with_capacity(text.len() * 2);
                    for c in text.chars() {
                        let glyph = self.glyph(c);
                        let old = u16::try_from(glyph.to_u32()).unwrap_or(0);
                        let new = remapper.remap(old);
                        if glyph != GlyphId::NOTDEF {
                            to_unicode.pair(new, c);
                        }
                        shown.extend_from_slice(&new.to_be_bytes());
                    }
                    content
                        .begin_text()
                        .set_font(FONT_RESOURCE, *size_pt)
                        .next_line(x_mm * PT_PER_MM, baseline_mm * PT_PER_MM)
                        .show(Str(&shown))
                        .end_text();
                }
                Mark::Rect {
                    x_mm,
                    y_mm,
                    width_mm,
                    height_mm,
                } => {
                    content.rect(
                        x_mm * PT_PER_MM,
                        y_mm * PT_PER_MM,
                        width_mm * PT_PER_MM,
                        height_mm * PT_PER_MM,
                    );
                    path_open = true;
                }
            }
        }
        if path_open {
            content.fill_nonzero();
        }
        let content = compress(&content.finish());

        let subset = subsetter::subset(self.font_data, 0, &remapper)
            .map_err(|e| PdfPageError::Subset(e.to_string()))?;
        let font_file = compress(&subset);

        let mut pdf = Pdf::new();
        pdf.document_info(info_id).title(TextStr(title));
        pdf.catalog(catalog_id).pages(page_tree_id);
        pdf.pages(page_tree_id).kids([page_id]).count(1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(
            0.0,
            0.0,
            A4_WIDTH_MM * PT_PER_MM,
            A4_HEIGHT_MM * PT_PER_MM,
        ));
        page.parent(page_tree_id);
        page.contents(content_id);
        page.resources().fonts().pair(FONT_RESOURCE, type0_id);
        page.finish();
        pdf.stream(content_id, &content).filter(Filter::FlateDecode);

        pdf.type0_font(type0_id)
            .base_font(SUBSET_FONT_NAME)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_font_id)
            .to_unicode(to_unicode_id);
        let scale = 1000.0 / self.units_per_em;
        let widths: Vec<f32> = remapper
            .remapped_gids()
            .map(|old| self.advance_units(GlyphId::new(u32::from(old))) * scale)
            .collect();
        let mut cid_font = pdf.cid_font(cid_font_id);
        cid_font
            .subtype(CidFontType::Type2)
            .base_font(SUBSET_FONT_NAME)
            .system_info(SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"Identity"),
                supplement: 0,
            })
            .font_descriptor(descriptor_id)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid_font.widths().consecutive(0, widths);
        cid_font.finish();

        let metrics = self.font.metrics(Size::unscaled(), LocationRef::default());
        let bounds = metrics.bounds.map_or(
            Rect::new(0.0, metrics.descent * scale, 1000.0, metrics.ascent * scale),
            |b| {
                Rect::new(
                    b.x_min * scale,
                    b.y_min * scale,
                    b.x_max * scale,
                    b.y_max * scale,
                )
            },
        );
        pdf.font_descriptor(descriptor_id)
            .name(SUBSET_FONT_NAME)
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(bounds)
            .italic_angle(0.0)
            .ascent(metrics.ascent * scale)
            .descent(metrics.descent * scale)
            .cap_height(metrics.cap_height.unwrap_or(metrics.ascent) * scale)
            .stem_v(80.0)
            .font_file2(font_file_id);
        pdf.stream(font_file_id, &font_file)
            .filter(Filter::FlateDecode)
            .pair(
                Name(b"Length1"),
                i32::try_from(subset.len()).unwrap_or(i32::MAX),
            );
        pdf.cmap(to_unicode_id, &to_unicode.finish());
        Ok(pdf.finish())
    }
}

/// Zlib (FlateDecode), as PDF streams carry it.
fn compress(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contrib::poster::NOTO_SANS;

    #[test]
    fn wider_text_measures_wider_and_size_scales_linearly() {
        let page = A4Page::new(NOTO_SANS).expect("bundled font");
        let short = page.text_width_mm("Lao Chải", 12.0);
        let long = page.text_width_mm("Lao Chải, Lào Cai", 12.0);
        assert!(short > 10.0 && long > short, "{short} {long}");
        let double = page.text_width_mm("Lao Chải", 24.0);
        assert!((double - 2.0 * short).abs() < 0.01, "{double} vs {short}");
    }

    #[test]
    fn page_is_a_pdf_with_the_font_subset_embedded() {
        let mut page = A4Page::new(NOTO_SANS).expect("bundled font");
        page.text("Ủy ban MTTQ xã Lao Chải", 14.0, 20.0, 250.0);
        page.black_rect(20.0, 20.0, 10.0, 10.0);
        let pdf = page.to_pdf("Thử").expect("pdf");
        assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
        let text = String::from_utf8_lossy(&pdf);
        for key in [
            "/Type0",
            "/CIDFontType2",
            "/Identity-H",
            "/ToUnicode",
            "/FontFile2",
        ] {
            assert!(text.contains(key), "missing {key}");
        }
        // A subset, not the whole 500 KB font.
        assert!(pdf.len() < NOTO_SANS.len() / 4, "{} bytes", pdf.len());
    }

    #[test]
    fn a_font_that_is_not_a_font_is_a_clear_error() {
        let err = A4Page::new(b"not a font").expect_err("garbage is not a font");
        assert!(err.to_string().contains("bundled font"), "{err}");
    }
}
