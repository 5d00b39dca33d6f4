//! The A4 poster of a campaign: a big static VietQR (any amount) with the campaign's poster
//! code in its purpose, the account in words, and how to give, in Vietnamese.
//!
//! The code is drawn as vector squares (one per run of dark modules), so it stays sharp at
//! any printer resolution; error correction Q survives creases and tape. The text is set in
//! the bundled Noto Sans, embedded (subset), because a printer's built-in fonts cannot draw
//! Vietnamese.

use printpdf::{
    Color, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rgb, TextItem, WindingOrder,
};

use super::Campaign;
use crate::vietqr::render::{self, QrUse};
use crate::vietqr::{self, VietQr};

/// Noto Sans (OFL), the kiosk's font: draws every Vietnamese letter.
pub(crate) const NOTO_SANS: &[u8] = include_bytes!("../../kiosk/fonts/NotoSans-Regular.ttf");

pub(crate) const PAGE_WIDTH_MM: f32 = 210.0;
pub(crate) const PAGE_HEIGHT_MM: f32 = 297.0;
pub(crate) const MARGIN_MM: f32 = 18.0;
/// Side of the printed code, quiet zone included: scannable from about a metre away.
pub(crate) const QR_SIDE_MM: f32 = 120.0;

#[derive(Debug, thiserror::Error)]
pub enum PosterError {
    #[error(
        "campaign {slug}: bank BIN {bin} is not in the bank list ({note}); fix the campaign's bank"
    )]
    UnknownBank {
        slug: String,
        bin: String,
        note: &'static str,
    },
    #[error("campaign {slug}: cannot make its VietQR: {source}")]
    VietQr {
        slug: String,
        source: vietqr::BuildError,
    },
    #[error("cannot draw the QR code: {0}")]
    Render(#[from] render::RenderError),
    #[error("the bundled font kiosk/fonts/NotoSans-Regular.ttf cannot be read")]
    Font,
}

/// The purpose (62.08) of the poster's QR: the poster code first (some banks show only 19
/// characters), then the title without marks, at most 25 characters in all.
pub fn poster_purpose(campaign: &Campaign) -> String {
    format!("{} {}", campaign.poster_code, campaign.title)
}

/// The static VietQR payload of the poster: no amount, the poster code in the purpose.
pub fn poster_payload(campaign: &Campaign) -> Result<String, PosterError> {
    let bank = vietqr::bank_by_bin(&campaign.bank_bin).ok_or_else(|| PosterError::UnknownBank {
        slug: campaign.slug.clone(),
        bin: campaign.bank_bin.clone(),
        note: vietqr::banks_snapshot_note(),
    })?;
    let qr = VietQr::builder(bank, &campaign.account)
        .purpose(&poster_purpose(campaign))
        .build()
        .map_err(|source| PosterError::VietQr {
            slug: campaign.slug.clone(),
            source,
        })?;
    Ok(qr.to_payload())
}

/// Text set in one font at one size, measured with the font's own advance widths.
pub(crate) struct Typesetter {
    pub(crate) font: ParsedFont,
    pub(crate) handle: PdfFontHandle,
}

impl Typesetter {
    fn width_mm(&self, text: &str, size_pt: f32) -> f32 {
        let units: u32 = text
            .chars()
            .map(|c| {
                self.font
                    .lookup_glyph_index(c as u32)
                    .and_then(|g| self.font.get_glyph_width(g))
                    .map_or(u32::from(self.font.units_per_em) / 2, u32::from)
            })
            .sum();
        let em = f32::from(self.font.units_per_em.max(1));
        units as f32 / em * size_pt * 25.4 / 72.0
    }

    /// Splits `text` into lines no wider than `width_mm`.
    fn wrap(&self, text: &str, size_pt: f32, width_mm: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && self.width_mm(&candidate, size_pt) > width_mm {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// Ops writing one line with its left edge at `x_mm` and baseline at `y_mm`.
    fn line(&self, ops: &mut Vec<Op>, text: &str, size_pt: f32, x_mm: f32, y_mm: f32) {
        ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: self.handle.clone(),
                size: Pt(size_pt),
            },
            Op::SetTextCursor {
                pos: Point::new(Mm(x_mm), Mm(y_mm)),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    /// Writes `text` wrapped and centred from baseline `y_mm` down; returns the next baseline.
    pub(crate) fn centred(&self, ops: &mut Vec<Op>, text: &str, size_pt: f32, y_mm: f32) -> f32 {
        let width = PAGE_WIDTH_MM - 2.0 * MARGIN_MM;
        let leading = size_pt * 1.3 * 25.4 / 72.0;
        let mut y = y_mm;
        for line in self.wrap(text, size_pt, width) {
            let x = (PAGE_WIDTH_MM - self.width_mm(&line, size_pt)) / 2.0;
            self.line(ops, &line, size_pt, x.max(MARGIN_MM), y);
            y -= leading;
        }
        y
    }

    /// Writes `text` wrapped from the left margin; returns the next baseline.
    pub(crate) fn left(&self, ops: &mut Vec<Op>, text: &str, size_pt: f32, y_mm: f32) -> f32 {
        let width = PAGE_WIDTH_MM - 2.0 * MARGIN_MM;
        let leading = size_pt * 1.3 * 25.4 / 72.0;
        let mut y = y_mm;
        for line in self.wrap(text, size_pt, width) {
            self.line(ops, &line, size_pt, MARGIN_MM, y);
            y -= leading;
        }
        y
    }
}

pub(crate) fn black() -> Color {
    Color::Rgb(Rgb {
        r: 0.0,
        g: 0.0,
        b: 0.0,
        icc_profile: None,
    })
}

fn rect_ring(x0: f32, y0: f32, x1: f32, y1: f32) -> PolygonRing {
    let p = |x: f32, y: f32| LinePoint {
        p: Point::new(Mm(x), Mm(y)),
        bezier: false,
    };
    PolygonRing {
        points: vec![p(x0, y0), p(x1, y0), p(x1, y1), p(x0, y1)],
    }
}

/// The QR's dark modules as one filled polygon, each horizontal run of dark modules a ring.
pub(crate) fn qr_ops(payload: &str, left_mm: f32, top_mm: f32) -> Result<Vec<Op>, PosterError> {
    let matrix = render::module_matrix(payload, QrUse::Poster)?;
    let n = matrix.width_modules;
    let module_mm = QR_SIDE_MM / n as f32;
    let mut rings = Vec::new();
    for y in 0..n {
        let mut x = 0;
        while x < n {
            if !matrix.is_dark(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < n && matrix.is_dark(x, y) {
                x += 1;
            }
            let x0 = left_mm + start as f32 * module_mm;
            let x1 = left_mm + x as f32 * module_mm;
            let y1 = top_mm - y as f32 * module_mm;
            rings.push(rect_ring(x0, y1 - module_mm, x1, y1));
        }
    }
    Ok(vec![
        Op::SetFillColor { col: black() },
        Op::DrawPolygon {
            polygon: Polygon {
                rings,
                mode: PaintMode::Fill,
                winding_order: WindingOrder::NonZero,
            },
        },
    ])
}

/// The poster as PDF bytes. `page_url` is the public transparency page, printed so donors
/// can check their gift arrived.
pub fn poster_pdf(campaign: &Campaign, page_url: &str) -> Result<Vec<u8>, PosterError> {
    let payload = poster_payload(campaign)?;
    let bank = vietqr::bank_by_bin(&campaign.bank_bin);
    let bank_name = bank.map_or_else(
        || campaign.bank_bin.clone(),
        |b| format!("{} ({})", b.short_name, b.name),
    );
    let font = ParsedFont::from_bytes(NOTO_SANS, 0, &mut Vec::new()).ok_or(PosterError::Font)?;
    let mut doc = PdfDocument::new(&campaign.title);
    let handle = PdfFontHandle::External(doc.add_font(&font));
    let ts = Typesetter { font, handle };

    let mut ops = vec![Op::SetFillColor { col: black() }];
    let mut y = PAGE_HEIGHT_MM - MARGIN_MM - 8.0;
    y = ts.centred(
        &mut ops,
        "ỦNG HỘ BẰNG CHUYỂN KHOẢN — QUÉT MÃ VIETQR",
        13.0,
        y,
    );
    y = ts.centred(&mut ops, &campaign.title, 24.0, y - 3.0);
    let qr_top = y - 2.0;
    let qr_left = (PAGE_WIDTH_MM - QR_SIDE_MM) / 2.0;
    ops.extend(qr_ops(&payload, qr_left, qr_top)?);
    y = qr_top - QR_SIDE_MM - 6.0;
    for line in [
        format!("Ngân hàng: {bank_name}"),
        format!("Số tài khoản: {}", campaign.account),
        format!("Chủ tài khoản: {}", campaign.account_name),
        format!(
            "Nội dung chuyển khoản: {}",
            vietqr::purpose_ascii(&poster_purpose(campaign))
        ),
    ] {
        y = ts.left(&mut ops, &line, 12.0, y);
    }
    y -= 3.0;
    y = ts.left(&mut ops, "Cách ủng hộ:", 12.0, y);
    for step in [
        "1. Mở ứng dụng ngân hàng trên điện thoại, chọn “Quét mã QR” và quét mã trên.".to_owned(),
        "2. Nhập số tiền bạn muốn ủng hộ, bất kỳ số tiền nào.".to_owned(),
        format!(
            "3. Giữ nguyên nội dung chuyển khoản có mã {} để khoản ủng hộ được ghi nhận đúng.",
            campaign.poster_code
        ),
        format!("4. Xem sao kê công khai, theo mã giao dịch ngân hàng: {page_url}"),
    ] {
        y = ts.left(&mut ops, &step, 11.0, y);
    }

    let page = PdfPage::new(Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM), ops);
    Ok(doc
        .with_pages(vec![page])
        .save(&PdfSaveOptions::default(), &mut Vec::new()))
}
