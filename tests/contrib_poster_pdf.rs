//! `phonghop hub poster <campaign> --out poster.pdf` writes an A4 PDF whose Vietnamese text
//! extracts intact (`pdftotext`) and whose QR, rasterised from the PDF itself (`pdftoppm`),
//! decodes (rqrr) to the campaign's static VietQR, as does the same code drawn to PNG.

use crate::contrib_common;
use crate::contrib_fixtures::{CliCampaign, campaign_made_by_cli};
use contrib_common::*;

use phonghop::vietqr::render::{self, QrUse};

#[test]
fn the_poster_is_an_a4_pdf_whose_qr_pays_the_campaign() {
    let dir = tempdir();
    let CliCampaign {
        config, campaign, ..
    } = campaign_made_by_cli(dir.path(), "Quỹ Vì người nghèo xã Lao Chải", "Vietcombank");
    let pdf = dir.path().join("poster.pdf");
    let (code, stdout, stderr) = phonghop_hub(
        &config,
        &["poster", SLUG, "--out", pdf.to_str().expect("utf-8")],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("wrote"), "{stdout}");
    let bytes = std::fs::read(&pdf).expect("pdf written");
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");

    let payload = phonghop::contrib::poster::poster_payload(&campaign).expect("payload");
    let parsed = phonghop::vietqr::parse(&payload).expect("valid VietQR");
    assert_eq!(parsed.initiation, phonghop::vietqr::Initiation::Static);
    assert_eq!(parsed.amount_vnd, None);
    assert!(
        parsed
            .purpose
            .as_deref()
            .is_some_and(|p| p.starts_with(&campaign.poster_code)),
        "{payload}"
    );

    // The same code drawn to PNG decodes.
    let png = render::png_bytes(&payload, QrUse::Poster, 600).expect("png");
    assert_eq!(crate::common::decode_qr_codes(&png), vec![payload.clone()]);

    // The page is A4 and its text is Vietnamese, extractable.
    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .expect("pdfinfo (poppler-utils; make test installs it)");
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.contains("595.276 x 841.89") || info.contains("(A4)"),
        "{info}"
    );
    let text = crate::common::pdf_text(&pdf);
    for expected in [
        "Quỹ Vì người nghèo xã Lao Chải",
        "Số tài khoản: 0011001234567",
        "Chủ tài khoản: UY BAN MTTQ XA LAO CHAI",
        "Vietcombank",
        "Cách ủng hộ",
        &campaign.poster_code,
    ] {
        assert!(
            text.contains(expected),
            "expected {expected:?} in the PDF's text:\n{text}"
        );
    }

    // The QR printed in the PDF decodes to the same payload.
    assert_eq!(crate::common::pdf_qr_codes(&pdf), vec![payload]);

    // An unknown campaign is a usage error.
    let (code, _, stderr) = phonghop_hub(
        &config,
        &["poster", "nope", "--out", pdf.to_str().expect("utf-8")],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("campaign list"), "{stderr}");
}
