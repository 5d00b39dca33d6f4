//! The A4 poster of a campaign: a big static VietQR (any amount) with the campaign's poster
//! code in its purpose, the account in words, and how to give, in Vietnamese.
//!
//! The code is drawn as vector squares (one per run of dark modules), so it stays sharp at
//! any printer resolution; error correction Q survives creases and tape. The text is set in
//! the bundled Noto Sans, embedded (subset), because a printer's built-in fonts cannot draw
//! Vietnamese.

use super::Campaign;
use super::pdf_page::{A4_HEIGHT_MM, A4_WIDTH_MM, A4Page, PdfPageError};
use crate::vietqr::render::{self, QrUse};
use crate::vietqr::{self, VietQr};

/// Noto Sans (OFL), the kiosk's font: draws every Vietnamese letter.
pub(crate) const NOTO_SANS: &[u8] = include_bytes!("../../kiosk/fonts/NotoSans-Regular.ttf");

pub(crate) const PAGE_WIDTH_MM: f32 = A4_WIDTH_MM;
pub(crate) const PAGE_HEIGHT_MM: f32 = A4_HEIGHT_MM;
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
    #[error("kiosk/fonts/NotoSans-Regular.ttf: {0}")]
    Pdf(#[from] PdfPageError),
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

/// Text wrapped to the page's margins, measured with the font's own advance widths.
pub(crate) struct Typesetter<'f> {
    pub(crate) page: A4Page<'f>,
}

impl Typesetter<'_> {
    /// A blank A4 page in Noto Sans.
    pub(crate) fn new() -> Result<Self, PosterError> {
        Ok(Self {
            page: A4Page::new(NOTO_SANS)?,
        })
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
            if !line.is_empty() && self.page.text_width_mm(&candidate, size_pt) > width_mm {
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

    /// Writes `text` wrapped and centred from baseline `y_mm` down; returns the next baseline.
    pub(crate) fn centred(&mut self, text: &str, size_pt: f32, y_mm: f32) -> f32 {
        let width = PAGE_WIDTH_MM - 2.0 * MARGIN_MM;
        let leading = size_pt * 1.3 * 25.4 / 72.0;
        let mut y = y_mm;
        for line in self.wrap(text, size_pt, width) {
            let x = (PAGE_WIDTH_MM - self.page.text_width_mm(&line, size_pt)) / 2.0;
            self.page.text(&line, size_pt, x.max(MARGIN_MM), y);
            y -= leading;
        }
        y
    }

    /// Writes `text` wrapped from the left margin; returns the next baseline.
    pub(crate) fn left(&mut self, text: &str, size_pt: f32, y_mm: f32) -> f32 {
        let width = PAGE_WIDTH_MM - 2.0 * MARGIN_MM;
        let leading = size_pt * 1.3 * 25.4 / 72.0;
        let mut y = y_mm;
        for line in self.wrap(text, size_pt, width) {
            self.page.text(&line, size_pt, MARGIN_MM, y);
            y -= leading;
        }
        y
    }

    /// Draws the QR of `payload`, `QR_SIDE_MM` wide, its top-left corner at
    /// (`left_mm`, `top_mm`): each horizontal run of dark modules one black rectangle.
    pub(crate) fn qr(
        &mut self,
        payload: &str,
        left_mm: f32,
        top_mm: f32,
    ) -> Result<(), PosterError> {
        let matrix = render::module_matrix(payload, QrUse::Poster)?;
        let n = matrix.width_modules;
        let module_mm = QR_SIDE_MM / n as f32;
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
                let top = top_mm - y as f32 * module_mm;
                self.page.black_rect(
                    left_mm + start as f32 * module_mm,
                    top - module_mm,
                    (x - start) as f32 * module_mm,
                    module_mm,
                );
            }
        }
        Ok(())
    }
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
    let mut ts = Typesetter::new()?;
    let mut y = PAGE_HEIGHT_MM - MARGIN_MM - 8.0;
    y = ts.centred("ỦNG HỘ BẰNG CHUYỂN KHOẢN — QUÉT MÃ VIETQR", 13.0, y);
    y = ts.centred(&campaign.title, 24.0, y - 3.0);
    let qr_top = y - 2.0;
    let qr_left = (PAGE_WIDTH_MM - QR_SIDE_MM) / 2.0;
    ts.qr(&payload, qr_left, qr_top)?;
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
        y = ts.left(&line, 12.0, y);
    }
    y -= 3.0;
    y = ts.left("Cách ủng hộ:", 12.0, y);
    for step in [
        "1. Mở ứng dụng ngân hàng trên điện thoại, chọn “Quét mã QR” và quét mã trên.".to_owned(),
        "2. Nhập số tiền bạn muốn ủng hộ, bất kỳ số tiền nào.".to_owned(),
        format!(
            "3. Giữ nguyên nội dung chuyển khoản có mã {} để khoản ủng hộ được ghi nhận đúng.",
            campaign.poster_code
        ),
        format!("4. Xem sao kê công khai, theo mã giao dịch ngân hàng: {page_url}"),
    ] {
        y = ts.left(&step, 11.0, y);
    }

    Ok(ts.page.to_pdf(&campaign.title)?)
}
