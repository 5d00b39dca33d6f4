//! The public page and its CSV show time, amount, bank reference and the memo, but never a
//! phone number, the sender's name from the bank, or a donor's name given without consent.

use crate::contrib_common;
use crate::contrib_fixtures::public_csv;
use contrib_common::*;

const PHONE: &str = "0912345678";
const PHONE_SPACED: &str = "0987 654 321";
const SENDER: &str = "TRAN THI BINH";

#[tokio::test]
async fn the_page_and_csv_show_gifts_without_personal_data() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let store = store(&hub);
    let campaign = campaign(&store);
    pledge(&store, &campaign, "UH7K3P9", 100_000, Some("Cô Hoa"));
    pledge(&store, &campaign, "KP4M7X2", 200_000, None);

    // Casso names the sender and the memo carries a phone number.
    let body = casso_body(
        1,
        100_000,
        &format!("UH7K3P9 {SENDER} chuyen tien sdt {PHONE}"),
        "FT26327E5",
        SENDER,
    );
    let (status, answer) = post_casso(&hub, &body, phonghop::clock::now_ms()).await;
    assert_eq!(status, 200, "{answer}");
    let (status, _) = post_generic(
        &hub,
        &generic_body(
            "g2",
            200_000,
            &format!("KP4M7X2 goi {PHONE_SPACED} NGUYEN VAN AN"),
            "FT26327F6",
        ),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = post_generic(
        &hub,
        &generic_body("g3", 55_000, &format!("{POSTER_CODE} ung ho"), "FT26327G7"),
    )
    .await;
    assert_eq!(status, 200);

    let page = http()
        .get(hub.url.join(&format!("c/{SLUG}")).expect("url"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    let csv = public_csv(&hub).await;

    for (what, text) in [("page", &html), ("csv", &csv)] {
        for reference in ["FT26327E5", "FT26327F6", "FT26327G7"] {
            assert!(
                text.contains(reference),
                "{what} shows bank reference {reference}"
            );
        }
        assert!(
            text.contains("Cô Hoa"),
            "{what} shows the consenting donor's name"
        );
        for secret in [PHONE, PHONE_SPACED, "987654321", "0912", SENDER, "TRAN THI"] {
            assert!(
                !text.contains(secret),
                "{what} must not contain {secret:?}:\n{text}"
            );
        }
    }
    assert!(html.contains("Quỹ Vì người nghèo xã Lao Chải 2026"));
    assert!(html.contains("355.000"), "raised total: {html}");
    assert!(html.contains("id=gifts>3<"), "number of gifts: {html}");
    assert!(
        csv.starts_with("time,amount_vnd,bank_reference,memo,donor,kind,note\n"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 4, "{csv}");

    // Staff see the memo as the bank wrote it; the public never does.
    let stored = store.unallocated_transfers().expect("queue");
    assert!(stored.is_empty());
    let missing = http()
        .get(hub.url.join("c/no-such-campaign").expect("url"))
        .send()
        .await
        .expect("404");
    assert_eq!(missing.status(), 404);
    hub.stop().await;
}
