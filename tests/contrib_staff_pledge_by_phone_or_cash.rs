//! Staff record a pledge taken by phone, at a meeting or in cash with `phonghop hub pledge
//! add`: it prints a reference code and a VietQR carrying it and the amount. A cash pledge
//! is marked received with `phonghop hub pledge received --by`, once, as a ledger entry
//! naming the staff member (not shown on the public page); a transfer pledge is confirmed by
//! the bank notification carrying its code.

use crate::contrib_common;
use crate::contrib_fixtures::{CliCampaign, campaign_made_by_cli};
use contrib_common::*;

fn line_after<'a>(stdout: &'a str, label: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label:?} line in {stdout}"))
        .trim()
}

#[tokio::test]
async fn staff_pledges_get_a_code_and_qr_and_cash_is_received_once_by_name() {
    let dir = tempdir();
    let CliCampaign {
        config, data_dir, ..
    } = campaign_made_by_cli(dir.path(), "Quỹ Vì người nghèo 2026", "VCB");

    // A name is public, so it needs the donor's consent.
    let (code, _, err) = phonghop_hub(
        &config,
        &[
            "pledge",
            "add",
            "--campaign",
            SLUG,
            "--amount",
            "200000",
            "--name",
            "Lò Thị Mai",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--consent-public"), "{err}");

    let png = dir.path().join("pledge.png");
    let (code, out, err) = phonghop_hub(
        &config,
        &[
            "pledge",
            "add",
            "--campaign",
            SLUG,
            "--amount",
            "200000",
            "--method",
            "cash",
            "--name",
            "Lò Thị Mai",
            "--consent-public",
            "--png",
            png.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let reference = line_after(&out, "Reference code:").to_owned();
    let qr = phonghop::vietqr::parse(line_after(&out, "VietQR:")).expect("a valid VietQR");
    assert_eq!(qr.amount_vnd, Some(200_000));
    assert_eq!(qr.account, ACCOUNT);
    assert!(
        qr.purpose
            .as_deref()
            .is_some_and(|p| p.starts_with(&reference)),
        "{qr:?}"
    );
    let image = std::fs::read(&png).expect("png written");
    assert!(image.starts_with(b"\x89PNG"), "a PNG image");

    let received = || {
        phonghop_hub(
            &config,
            &[
                "pledge",
                "received",
                "--reference",
                &reference,
                "--by",
                "Vàng A Sính",
            ],
        )
    };
    let (code, out, err) = received();
    assert_eq!(code, 0, "{out}{err}");
    // Marking it again changes nothing.
    let (code, _, err) = received();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already paid"), "{err}");
    let (code, ledger, err) = phonghop_hub(&config, &["ledger", "show", SLUG]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ledger.matches("Vàng A Sính").count(), 1, "{ledger}");
    assert!(
        ledger.contains("raised 200.000 VND from 1 gifts"),
        "{ledger}"
    );

    // A transfer pledge is confirmed by the bank notification naming its code.
    let (code, out, err) = phonghop_hub(
        &config,
        &["pledge", "add", "--campaign", SLUG, "--amount", "150000"],
    );
    assert_eq!(code, 0, "{out}{err}");
    let by_transfer = line_after(&out, "Reference code:").to_owned();
    let hub = start_hub(&data_dir).await;
    let (status, answer) = post_generic(
        &hub,
        &generic_body(
            "gw-9",
            150_000,
            &format!("MBVCB.99.{by_transfer} ung ho"),
            "FT26327F6",
        ),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let store = store(&hub);
    assert_eq!(
        store
            .pledge(&by_transfer)
            .expect("read")
            .expect("pledge")
            .status,
        phonghop::contrib::PledgeStatus::Confirmed
    );
    let page = public_page(&hub).await;
    assert_eq!(
        page.matches(phonghop::store::CASH_TRANSFER_TEXT).count(),
        1,
        "{page}"
    );
    assert!(
        page.contains("Lò Thị Mai"),
        "the consented name is shown: {page}"
    );
    assert!(
        !page.contains("Vàng A Sính"),
        "staff names stay off the page: {page}"
    );
    assert!(page.contains("FT26327F6"), "{page}");
    hub.stop().await;
}
