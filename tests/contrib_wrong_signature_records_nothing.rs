//! A notification with a wrong key or signature, a stale timestamp, a malformed body or an
//! account the hub does not collect for gets a 4xx JSON error, and nothing is recorded.

use crate::contrib_common;
use contrib_common::*;

async fn assert_refused(
    hub: &TestHub,
    what: &str,
    path: &str,
    body: &str,
    headers: &[(&str, &str)],
    status: u16,
    code: &str,
) {
    let (got, answer) = post(hub, path, body, headers).await;
    assert_eq!(got, status, "{what}: {answer}");
    assert_eq!(answer["error"], code, "{what}: {answer}");
    assert!(
        answer["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: the answer says what to fix: {answer}"
    );
}

#[tokio::test]
async fn refused_notifications_record_nothing() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let store = store(&hub);
    campaign(&store);
    let text = format!("{POSTER_CODE} ung ho");

    let sepay = sepay_body(1, 50_000, &text, "FT1");
    assert_refused(
        &hub,
        "sepay without key",
        "webhooks/sepay",
        &sepay,
        &[],
        401,
        "unauthorized",
    )
    .await;
    assert_refused(
        &hub,
        "sepay wrong key",
        "webhooks/sepay",
        &sepay,
        &[("Authorization", "Apikey wrong-key-0123456789")],
        401,
        "unauthorized",
    )
    .await;

    let casso = casso_body(2, 50_000, &text, "FT2", "TRAN THI BINH");
    let wrong = casso_signature(
        "another-secret-0123456789",
        phonghop::clock::now_ms(),
        &casso,
    );
    assert_refused(
        &hub,
        "casso wrong secret",
        "webhooks/casso",
        &casso,
        &[("X-Casso-Signature", &wrong)],
        401,
        "unauthorized",
    )
    .await;
    let stale = casso_signature(
        CASSO_SECRET,
        phonghop::clock::now_ms() - 6 * 60 * 1000,
        &casso,
    );
    assert_refused(
        &hub,
        "casso stale",
        "webhooks/casso",
        &casso,
        &[("X-Casso-Signature", &stale)],
        401,
        "stale_timestamp",
    )
    .await;
    let tampered = casso.replace("50000", "5000000");
    let signed = casso_signature(CASSO_SECRET, phonghop::clock::now_ms(), &casso);
    assert_refused(
        &hub,
        "casso body changed after signing",
        "webhooks/casso",
        &tampered,
        &[("X-Casso-Signature", &signed)],
        401,
        "unauthorized",
    )
    .await;

    let generic = generic_body("g1", 50_000, &text, "FT3");
    let wrong = generic_signature("another-secret-0123456789", now_secs(), &generic);
    assert_refused(
        &hub,
        "generic wrong secret",
        "webhooks/generic",
        &generic,
        &[("X-Phonghop-Signature", &wrong)],
        401,
        "unauthorized",
    )
    .await;
    let stale = generic_signature(GENERIC_SECRET, now_secs() + 301, &generic);
    assert_refused(
        &hub,
        "generic from the future",
        "webhooks/generic",
        &generic,
        &[("X-Phonghop-Signature", &stale)],
        401,
        "stale_timestamp",
    )
    .await;
    let broken = "{\"id\": \"g1\", \"amount_vnd\": ";
    let signed = generic_signature(GENERIC_SECRET, now_secs(), broken);
    assert_refused(
        &hub,
        "generic malformed JSON",
        "webhooks/generic",
        broken,
        &[("X-Phonghop-Signature", &signed)],
        400,
        "bad_request",
    )
    .await;
    let elsewhere = generic.replace(ACCOUNT, "9999999999");
    let signed = generic_signature(GENERIC_SECRET, now_secs(), &elsewhere);
    assert_refused(
        &hub,
        "generic unknown account",
        "webhooks/generic",
        &elsewhere,
        &[("X-Phonghop-Signature", &signed)],
        422,
        "unknown_account",
    )
    .await;
    let sepay_elsewhere = sepay.replace(ACCOUNT, "9999999999");
    assert_refused(
        &hub,
        "sepay unknown account",
        "webhooks/sepay",
        &sepay_elsewhere,
        &[("Authorization", &format!("Apikey {SEPAY_KEY}"))],
        422,
        "unknown_account",
    )
    .await;

    let payos_data = serde_json::json!({
        "orderCode": 42, "amount": 50_000, "description": text, "accountNumber": ACCOUNT,
        "reference": "FT4", "transactionDateTime": "2026-11-23 10:15:00", "currency": "VND",
        "paymentLinkId": "link-42", "code": "00", "desc": "success"
    });
    assert_refused(
        &hub,
        "payos wrong checksum key",
        "webhooks/payos",
        &payos_body("another-key-0123456789", &payos_data),
        &[],
        401,
        "unauthorized",
    )
    .await;
    let signed_then_changed = payos_body(PAYOS_KEY, &payos_data).replace("50000", "500000");
    assert_refused(
        &hub,
        "payos body changed after signing",
        "webhooks/payos",
        &signed_then_changed,
        &[],
        401,
        "unauthorized",
    )
    .await;
    let big = oversized_body(70 * 1024);
    let signed = generic_signature(GENERIC_SECRET, now_secs(), &big);
    assert_refused(
        &hub,
        "generic oversized body",
        "webhooks/generic",
        &big,
        &[("X-Phonghop-Signature", &signed)],
        413,
        "too_large",
    )
    .await;

    assert_eq!(count(&hub, "SELECT count(*) FROM transfers"), 0);
    assert_eq!(count(&hub, "SELECT count(*) FROM ledger_entries"), 0);
    hub.stop().await;
}

#[tokio::test]
async fn a_sender_left_out_of_senders_is_refused_and_records_nothing() {
    let dir = tempdir();
    let hub = start_hub_with(
        dir.path(),
        phonghop::config::BankConfig {
            senders: vec![phonghop::config::WebhookSender::Generic],
            generic_secret: Some(phonghop::config::Secret::new(GENERIC_SECRET)),
            // Set, but SePay is not in `senders`: its deliveries are still refused.
            sepay_api_key: Some(phonghop::config::Secret::new(SEPAY_KEY)),
            ..phonghop::config::BankConfig::new(ACCOUNT)
        },
    )
    .await;
    let body = sepay_body(3, 50_000, "UH7K3P9", "FT3");
    assert_refused(
        &hub,
        "sepay not in senders",
        "webhooks/sepay",
        &body,
        &[("Authorization", &format!("Apikey {SEPAY_KEY}"))],
        404,
        "not_configured",
    )
    .await;
    assert_eq!(count(&hub, "SELECT count(*) FROM transfers"), 0);
    hub.stop().await;
}

#[tokio::test]
async fn an_outgoing_sepay_transfer_is_acknowledged_but_not_recorded() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let body = sepay_body(7, 50_000, "rut tien", "FT7").replace("\"in\"", "\"out\"");
    let (status, answer) = post(
        &hub,
        "webhooks/sepay",
        &body,
        &[("Authorization", &format!("Apikey {SEPAY_KEY}"))],
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(count(&hub, "SELECT count(*) FROM transfers"), 0);
    hub.stop().await;
}
