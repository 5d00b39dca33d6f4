//! SePay, Casso and payOS retry a notification until they see a 200; the same transaction
//! delivered three times is recorded once, credited once, and each delivery is answered 200.

use crate::contrib_common;
use contrib_common::*;

#[tokio::test]
async fn the_same_sepay_transaction_delivered_three_times_counts_once() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let store = store(&hub);
    let campaign = campaign(&store);
    pledge(&store, &campaign, "UH7K3P9", 100_000, None);

    let body = sepay_body(
        92_704,
        100_000,
        "MBVCB.3278907687.UH7K3P9 QUY VI NGUOI NGHEO",
        "FT26327A1",
    );
    for attempt in 1..=3 {
        let (status, answer) = post(
            &hub,
            "webhooks/sepay",
            &body,
            &[("Authorization", &format!("Apikey {SEPAY_KEY}"))],
        )
        .await;
        assert_eq!(status, 200, "attempt {attempt}: {answer}");
        assert_eq!(answer, serde_json::json!({"success": true}));
    }
    assert_eq!(count(&hub, "SELECT count(*) FROM transfers"), 1);
    assert_eq!(count(&hub, "SELECT count(*) FROM ledger_entries"), 1);
    let totals = store.campaign_totals(&campaign.id).expect("totals");
    assert_eq!((totals.raised_vnd, totals.gifts), (100_000, 1));
    hub.stop().await;
}

#[tokio::test]
async fn the_same_casso_transaction_delivered_three_times_counts_once() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let store = store(&hub);
    let campaign = campaign(&store);

    let body = casso_body(
        1_234_567,
        250_000,
        &format!("{POSTER_CODE} ung ho xa Lao Chai"),
        "FT26327B2",
        "NGUYEN VAN AN",
    );
    for attempt in 1..=3 {
        // Each retry is signed afresh, as Casso does.
        let (status, answer) = post_casso(&hub, &body, phonghop::clock::now_ms()).await;
        assert_eq!(status, 200, "attempt {attempt}: {answer}");
    }
    assert_eq!(count(&hub, "SELECT count(*) FROM transfers"), 1);
    let totals = store.campaign_totals(&campaign.id).expect("totals");
    assert_eq!((totals.raised_vnd, totals.gifts), (250_000, 1));
    hub.stop().await;
}

#[tokio::test]
async fn the_same_payos_transaction_delivered_three_times_counts_once() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let store = store(&hub);
    let campaign = campaign(&store);
    let data = serde_json::json!({
        "orderCode": 7, "amount": 120_000, "description": format!("{POSTER_CODE} ung ho"),
        "accountNumber": ACCOUNT, "reference": "FT26327D4",
        "transactionDateTime": "2026-11-23 10:15:00", "currency": "VND",
        "paymentLinkId": "link-7", "code": "00", "desc": "success",
        "counterAccountName": null
    });
    // payOS signs each delivery the same way (no time in its scheme).
    let body = payos_body(PAYOS_KEY, &data);
    for attempt in 1..=3 {
        let (status, answer) = post(&hub, "webhooks/payos", &body, &[]).await;
        assert_eq!(status, 200, "attempt {attempt}: {answer}");
    }
    assert_eq!(count(&hub, "SELECT count(*) FROM transfers"), 1);
    let totals = store.campaign_totals(&campaign.id).expect("totals");
    assert_eq!((totals.raised_vnd, totals.gifts), (120_000, 1));
    hub.stop().await;
}

#[tokio::test]
async fn the_same_sepay_hmac_transaction_delivered_three_times_counts_once() {
    let dir = tempdir();
    let hub = start_hub_with(
        dir.path(),
        phonghop::config::BankConfig {
            senders: vec![phonghop::config::WebhookSender::Sepay],
            sepay_mode: phonghop::config::SepayMode::Hmac,
            sepay_secret: Some(phonghop::config::Secret::new(SEPAY_SECRET)),
            ..phonghop::config::BankConfig::new(ACCOUNT)
        },
    )
    .await;
    let store = store(&hub);
    let campaign = campaign(&store);
    let body = sepay_body(
        92_705,
        80_000,
        &format!("{POSTER_CODE} ung ho"),
        "FT26327E5",
    );
    for attempt in 1..=3 {
        // SePay signs each retry afresh.
        let t = now_secs();
        let signature = sepay_hmac_signature(SEPAY_SECRET, t, &body);
        let (status, answer) = post(
            &hub,
            "webhooks/sepay",
            &body,
            &[
                ("X-SePay-Signature", &signature),
                ("X-SePay-Timestamp", &t.to_string()),
            ],
        )
        .await;
        assert_eq!(status, 200, "attempt {attempt}: {answer}");
    }
    assert_eq!(count(&hub, "SELECT count(*) FROM transfers"), 1);
    let totals = store.campaign_totals(&campaign.id).expect("totals");
    assert_eq!((totals.raised_vnd, totals.gifts), (80_000, 1));
    hub.stop().await;
}

#[tokio::test]
async fn a_statement_line_for_a_transfer_a_webhook_already_reported_counts_once() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let store = store(&hub);
    let campaign = campaign(&store);
    let (status, _) = post_generic(
        &hub,
        &generic_body(
            "gw-1",
            70_000,
            &format!("{POSTER_CODE} ung ho"),
            "FT26327C3",
        ),
    )
    .await;
    assert_eq!(status, 200);
    let csv = format!(
        "date,amount_vnd,reference,description\n2026-11-23 10:15,70000,FT26327C3,{POSTER_CODE} ung ho\n"
    );
    let statement = phonghop::contrib::statement::parse_generic_csv(csv.as_bytes(), ACCOUNT)
        .expect("valid statement");
    let summary = store
        .record_transfers(&statement.transfers, phonghop::clock::now_ms())
        .expect("import");
    assert_eq!(summary.duplicates, 1);
    assert_eq!(
        store.campaign_totals(&campaign.id).expect("totals").gifts,
        1
    );
    hub.stop().await;
}
