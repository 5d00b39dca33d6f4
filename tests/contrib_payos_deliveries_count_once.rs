//! payOS as payOS sends it: its SDK's webhook test vector (`payOSHQ/payos-lib-python`
//! tests/_crypto/testCases.json, case "webhook", checksum key `test_checksum_key`, expected
//! signature kept unchanged) is counted once however often it arrives; the sample payOS sends
//! when a webhook URL is registered gets a 200 and touches nothing; a wrong signature or an
//! oversized body records nothing (payOS signs no delivery time, so there is no timestamp to
//! refuse; repeats are caught by the transaction reference); a pledge code in the transfer
//! text confirms the pledge and shows once on the campaign's page.

use crate::contrib_common;
use contrib_common::*;
use phonghop::config::{BankConfig, Secret, WebhookSender};

/// The account of payOS's SDK vector.
const PAYOS_ACCOUNT: &str = "0123456789";

/// The SDK vector's `data` and its expected signature, unchanged.
const VECTOR_DATA: &str = r#"{"accountNumber":"0123456789","amount":20000,"description":"thanh toan","reference":"FT-REFERENCE","transactionDateTime":"2025-12-12 09:00:00","virtualAccountNumber":"","counterAccountBankId":"01202001","counterAccountBankName":"","counterAccountName":"NGUYEN VAN A","counterAccountNumber":"9876543210","virtualAccountName":"","currency":"VND","orderCode":0,"paymentLinkId":"payment-link-id","code":"00","desc":"success"}"#;
const VECTOR_SIGNATURE: &str = "302b3becca1672dff99daafae2965f40e48ea3ca39453e4bf37fbcc26807a0e8";

async fn payos_hub(dir: &std::path::Path) -> TestHub {
    start_hub_with(
        dir,
        BankConfig {
            senders: vec![WebhookSender::Payos],
            payos_checksum_key: Some(Secret::new(PAYOS_KEY)),
            ..BankConfig::new(PAYOS_ACCOUNT)
        },
    )
    .await
}

async fn deliver(hub: &TestHub, body: &str) -> (u16, serde_json::Value) {
    post(hub, "webhooks/payos", body, &[]).await
}

#[tokio::test]
async fn the_payos_sdk_vector_counts_once_however_often_it_is_delivered() {
    let dir = tempdir();
    let hub = payos_hub(dir.path()).await;
    let body = format!(
        r#"{{"code":"00","desc":"success","success":true,"data":{VECTOR_DATA},"signature":"{VECTOR_SIGNATURE}"}}"#
    );
    // The port of the SDK's signing code agrees with the SDK's own expected value.
    let data: serde_json::Value = serde_json::from_str(VECTOR_DATA).expect("json");
    assert_eq!(payos_signature(PAYOS_KEY, &data), VECTOR_SIGNATURE);
    for attempt in 1..=3 {
        let (status, answer) = deliver(&hub, &body).await;
        assert_eq!(status, 200, "attempt {attempt}: {answer}");
        assert_eq!(answer, serde_json::json!({"success": true}));
    }
    assert_eq!(
        count(
            &hub,
            "SELECT count(*) FROM transfers WHERE provider = 'payos' AND provider_txn_id = 'FT-REFERENCE' AND amount_vnd = 20000"
        ),
        1
    );
    assert_eq!(count(&hub, "SELECT count(*) FROM transfers"), 1);
    hub.stop().await;
}

#[tokio::test]
async fn payos_registration_sample_gets_200_and_touches_nothing() {
    let dir = tempdir();
    let hub = payos_hub(dir.path()).await;
    // The sample of payOS's webhook documentation and of `payos-lib-node`
    // examples/webhook-handling.ts, which payOS sends when the URL is confirmed.
    let data = serde_json::json!({
        "orderCode": 123, "amount": 3000, "description": "VQRIO123",
        "accountNumber": "12345678", "reference": "TF230204212323",
        "transactionDateTime": "2023-02-04 18:25:00", "currency": "VND",
        "paymentLinkId": "124c33293c43417ab7879e14c8d9eb18", "code": "00", "desc": "Thành công",
        "counterAccountBankId": "", "counterAccountBankName": "", "counterAccountName": "",
        "counterAccountNumber": "", "virtualAccountName": "", "virtualAccountNumber": ""
    });
    let answered = deliver(&hub, &payos_body(PAYOS_KEY, &data)).await;
    assert_acknowledged_and_nothing_recorded(&hub, answered);
    hub.stop().await;
}

#[tokio::test]
async fn a_payos_delivery_naming_a_pledge_confirms_it_once_on_the_public_page() {
    let dir = tempdir();
    let hub = payos_hub(dir.path()).await;
    let mut data: serde_json::Value = serde_json::from_str(VECTOR_DATA).expect("json");
    data["description"] = "CSYVP2K1 UH7K3P9 ung ho".into();
    data["reference"] = "FT26327PAYOS1".into();
    let body = payos_body(PAYOS_KEY, &data);
    three_deliveries_confirm_a_pledge_once(
        &hub,
        PAYOS_ACCOUNT,
        ("UH7K3P9", 20_000, None),
        "FT26327PAYOS1",
        async || deliver(&hub, &body).await,
    )
    .await;
    hub.stop().await;
}

#[tokio::test]
async fn payos_refuses_a_wrong_signature_and_an_oversized_body() {
    let dir = tempdir();
    let hub = payos_hub(dir.path()).await;
    let data: serde_json::Value = serde_json::from_str(VECTOR_DATA).expect("json");
    let (status, answer) = deliver(&hub, &payos_body("another-key-0123456789", &data)).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("unauthorized"))
    );
    // Signed, then the amount changed on the way.
    let tampered = payos_body(PAYOS_KEY, &data).replace("20000", "2000000");
    let (status, _) = deliver(&hub, &tampered).await;
    assert_eq!(status, 401);
    let (status, answer) = deliver(&hub, &oversized_body(70 * 1024)).await;
    assert_eq!((status, answer["error"].as_str()), (413, Some("too_large")));
    assert_eq!(count(&hub, "SELECT count(*) FROM transfers"), 0);
    hub.stop().await;
}
