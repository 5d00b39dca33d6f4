//! Drawing a payload as a QR code: black on white, a 4-module quiet zone, whole pixels per module.
//!
//! Integer scaling and no smoothing because a phone camera decodes sharp square modules fastest; a module drawn
//! 7.5 pixels wide blurs into its neighbours. Knows nothing about VietQR: a payload is just a string here.

use std::fmt::Write as _;
use std::io::Cursor;

use image::{GrayImage, ImageFormat, Luma};
use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code, on every side, as the QR standard asks.
pub const QUIET_ZONE_MODULES: usize = 4;

/// Where the code will be shown, which decides how much damage it must survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QrUse {
    /// Error correction M (15 %): a lit screen is clean, and a smaller code scans from further away.
    #[default]
    Screen,
    /// Error correction Q (25 %): paper gets creased, stained and taped over.
    Poster,
}

impl QrUse {
    fn ec_level(self) -> EcLevel {
        match self {
            QrUse::Screen => EcLevel::M,
            QrUse::Poster => EcLevel::Q,
        }
    }
}

/// Why a code could not be drawn. Messages are complete for people; the inner errors are not also exposed as
/// `source()`, so chain printing (`{:#}`) does not repeat them.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the payload is too long to fit in a QR code at this error-correction level ({0})")]
    Encode(qrcode::types::QrError),
    #[error(
        "{size_px} px is too small: this code is {modules} modules wide with its quiet zone, so it needs at least \
         {modules} px (one pixel per module); ask for a larger size"
    )]
    TooSmall { size_px: u32, modules: usize },
    #[error("could not encode the PNG: {0}")]
    Png(image::ImageError),
}

/// The code as a grid of modules, quiet zone included, row by row: for drawing crisp squares in any toolkit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleMatrix {
    /// Modules per side, quiet zone included.
    pub width_modules: usize,
    /// `width_modules * width_modules` entries, `true` for a dark module, row-major from the top left.
    pub dark: Vec<bool>,
}

impl ModuleMatrix {
    /// Whether the module at column `x`, row `y` is dark; outside the matrix is light (quiet zone).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width_modules && y < self.width_modules && self.dark[y * self.width_modules + x]
    }

    /// The largest whole number of pixels per module for which the code fits in `size_px`.
    pub fn pixels_per_module(&self, size_px: u32) -> Result<u32, RenderError> {
        let modules = u32::try_from(self.width_modules).unwrap_or(u32::MAX);
        match size_px / modules.max(1) {
            0 => Err(RenderError::TooSmall {
                size_px,
                modules: self.width_modules,
            }),
            ppm => Ok(ppm),
        }
    }
}

/// Encodes `payload` at the error-correction level for `qr_use` and returns its modules with the quiet zone.
pub fn module_matrix(payload: &str, qr_use: QrUse) -> Result<ModuleMatrix, RenderError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), qr_use.ec_level())
        .map_err(RenderError::Encode)?;
    let inner = code.width();
    let colors = code.to_colors();
    let width_modules = inner + 2 * QUIET_ZONE_MODULES;
    let mut dark = vec![false; width_modules * width_modules];
    for (index, color) in colors.iter().enumerate() {
        let (x, y) = (
            index % inner + QUIET_ZONE_MODULES,
            index / inner + QUIET_ZONE_MODULES,
        );
        dark[y * width_modules + x] = *color == Color::Dark;
    }
    Ok(ModuleMatrix {
        width_modules,
        dark,
    })
}

/// A PNG of the code, 8-bit grey, pure black and white. It is `width_modules × ppm` pixels square, where `ppm`
/// is the largest whole number of pixels per module that fits in `size_px`; so it may be a little smaller than
/// `size_px`, never larger, and never resampled.
pub fn png_bytes(payload: &str, qr_use: QrUse, size_px: u32) -> Result<Vec<u8>, RenderError> {
    let matrix = module_matrix(payload, qr_use)?;
    let ppm = matrix.pixels_per_module(size_px)?;
    let side_px = ppm * u32::try_from(matrix.width_modules).unwrap_or(u32::MAX);
    let image = GrayImage::from_fn(side_px, side_px, |x, y| {
        let dark = matrix.is_dark((x / ppm) as usize, (y / ppm) as usize);
        Luma([if dark { 0 } else { 255 }])
    });
    let mut png = Cursor::new(Vec::new());
    image
        .write_to(&mut png, ImageFormat::Png)
        .map_err(RenderError::Png)?;
    Ok(png.into_inner())
}

/// An SVG of the code at the same pixel size as [`png_bytes`]: one white square and one path of dark modules,
/// drawn in module units with `crispEdges` so viewers do not anti-alias the module borders.
pub fn svg_string(payload: &str, qr_use: QrUse, size_px: u32) -> Result<String, RenderError> {
    let matrix = module_matrix(payload, qr_use)?;
    let ppm = matrix.pixels_per_module(size_px)?;
    let n = matrix.width_modules;
    let side_px = u64::from(ppm) * n as u64;
    let mut path = String::new();
    for y in 0..n {
        for x in 0..n {
            if matrix.is_dark(x, y) {
                // Writing to a String cannot fail.
                let _ = write!(path, "M{x} {y}h1v1h-1z");
            }
        }
    }
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{side_px}\" height=\"{side_px}\" \
         viewBox=\"0 0 {n} {n}\" shape-rendering=\"crispEdges\">\n\
         <rect width=\"{n}\" height=\"{n}\" fill=\"#fff\"/>\n\
         <path fill=\"#000\" d=\"{path}\"/>\n\
         </svg>\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYLOAD: &str = "00020101021238540010A00000072701240006970436011010175956000208QRIBFTTA530370454061800005802VN62230819thanh toan don hang630470FA";

    #[test]
    fn matrix_has_a_light_quiet_zone_and_a_dark_finder_corner() {
        let matrix = module_matrix(PAYLOAD, QrUse::Screen).expect("encodes");
        let n = matrix.width_modules;
        assert_eq!(matrix.dark.len(), n * n);
        for i in 0..n {
            for q in 0..QUIET_ZONE_MODULES {
                assert!(
                    !matrix.is_dark(i, q) && !matrix.is_dark(q, i) && !matrix.is_dark(i, n - 1 - q)
                );
            }
        }
        // The top-left finder pattern starts right inside the quiet zone.
        assert!(matrix.is_dark(QUIET_ZONE_MODULES, QUIET_ZONE_MODULES));
    }

    #[test]
    fn about_120_characters_is_version_5_on_screens() {
        let matrix = module_matrix(&PAYLOAD[..120], QrUse::Screen).expect("encodes");
        // Version 5 is 37 modules, plus 4 on each side.
        assert_eq!(matrix.width_modules, 37 + 2 * QUIET_ZONE_MODULES);
    }

    #[test]
    fn posters_use_more_error_correction_so_the_code_is_not_smaller() {
        let screen = module_matrix(PAYLOAD, QrUse::Screen).expect("encodes");
        let poster = module_matrix(PAYLOAD, QrUse::Poster).expect("encodes");
        assert!(poster.width_modules >= screen.width_modules);
        assert_ne!(poster.dark, screen.dark);
    }

    #[test]
    fn scale_is_the_largest_whole_number_that_fits() {
        let matrix = ModuleMatrix {
            width_modules: 45,
            dark: vec![false; 45 * 45],
        };
        assert_eq!(matrix.pixels_per_module(512).expect("fits"), 11);
        assert_eq!(matrix.pixels_per_module(45).expect("fits"), 1);
        assert!(matches!(
            matrix.pixels_per_module(44),
            Err(RenderError::TooSmall {
                size_px: 44,
                modules: 45
            })
        ));
    }

    #[test]
    fn png_is_pure_black_and_white_at_integer_scale() {
        let png = png_bytes(PAYLOAD, QrUse::Screen, 512).expect("renders");
        let image = image::load_from_memory(&png).expect("valid png").to_luma8();
        let matrix = module_matrix(PAYLOAD, QrUse::Screen).expect("encodes");
        let ppm = 512 / matrix.width_modules as u32;
        assert_eq!(image.width(), ppm * matrix.width_modules as u32);
        assert!(image.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255));
    }

    #[test]
    fn svg_declares_crisp_edges_and_size() {
        let svg = svg_string(PAYLOAD, QrUse::Poster, 300).expect("renders");
        assert!(svg.contains("shape-rendering=\"crispEdges\""));
        let matrix = module_matrix(PAYLOAD, QrUse::Poster).expect("encodes");
        let side = (300 / matrix.width_modules) * matrix.width_modules;
        assert!(svg.contains(&format!("width=\"{side}\"")), "{svg}");
    }
}
