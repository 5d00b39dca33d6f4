//! Casso's webhook v2 as Casso sends it: its own published example body, signed the way its
//! published verification code checks (`CassoHQ/casso-webhook-v2-verify-signature`: keys of
//! the whole body sorted, `t + "." + JSON`, HMAC-SHA512; ported in
//! `contrib_common::casso_signature`), is counted once however often it arrives; a wrong
//! signature, an old timestamp or an oversized body records nothing; a pledge code in the
//! transfer text confirms the pledge and shows once on the campaign's page.

use crate::contrib_common;
use contrib_common::*;
use phonghop::config::{BankConfig, Secret, WebhookSender};

/// The account of Casso's published example (javascript.js of the repository above).
const CASSO_ACCOUNT: &str = "123456789";

/// Casso's published example body (javascript.js), unchanged but for the transfer text.
fn example(description: &str) -> String {
    format!(
        r#"{{"error":0,"data":{{"id":218897,"reference":"FT24364030863634","description":"{description}","amount":16775000,"runningBalance":16775000,"transactionDateTime":"2024-12-23 07:00:00","accountNumber":"123456789","bankName":"MBBank","bankAbbreviation":"MBB","virtualAccountNumber":"","virtualAccountName":"","counterAccountName":"","counterAccountNumber":"","counterAccountBankId":"","counterAccountBankName":""}}}}"#
    )
}

async fn casso_hub(dir: &std::path::Path) -> TestHub {
    start_hub_with(
        dir,
        BankConfig {
            senders: vec![WebhookSender::Casso],
            casso_secret: Some(Secret::new(CASSO_SECRET)),
            ..BankConfig::new(CASSO_ACCOUNT)
        },
    )
    .await
}

#[tokio::test]
async fn cassos_published_example_counts_once_however_often_it_is_delivered() {
    let dir = tempdir();
    let hub = casso_hub(dir.path()).await;
    let body = example("hoi lai 100 bao mun dua");
    for attempt in 1..=3 {
        // Each retry is signed afresh, as Casso does.
        let (status, answer) = post_casso(&hub, &body, phonghop::clock::now_ms()).await;
        assert_eq!(status, 200, "attempt {attempt}: {answer}");
        assert_eq!(answer, serde_json::json!({"success": true}));
    }
    assert_eq!(count(&hub, "SELECT count(*) FROM transfers"), 1);
    assert_eq!(
        count(
            &hub,
            "SELECT count(*) FROM transfers WHERE provider = 'casso' AND provider_txn_id = '218897' AND amount_vnd = 16775000"
        ),
        1
    );
    hub.stop().await;
}

#[tokio::test]
async fn cassos_test_delivery_is_answered_200_and_records_nothing() {
    let dir = tempdir();
    let hub = casso_hub(dir.path()).await;
    // "Gọi thử" sends the sample of python.py/php.php/golang.go (id 0, reference
    // MA_GIAO_DICH_THU_NGHIEM), on an account that is not the hub's.
    let body = r#"{"error":0,"data":{"id":0,"reference":"MA_GIAO_DICH_THU_NGHIEM","description":"giao dich thu nghiem","amount":599000,"runningBalance":25000000,"transactionDateTime":"2024-10-03 15:06:37","accountNumber":"88888888","bankName":"VPBank","bankAbbreviation":"VPB","virtualAccountNumber":"","virtualAccountName":"","counterAccountName":"NGUYEN VAN A","counterAccountNumber":"8888888888","counterAccountBankId":"970415","counterAccountBankName":"VietinBank"}}"#;
    let answered = post_casso(&hub, body, phonghop::clock::now_ms()).await;
    assert_acknowledged_and_nothing_recorded(&hub, answered);
    hub.stop().await;
}

#[tokio::test]
async fn a_casso_delivery_naming_a_pledge_confirms_it_once_on_the_public_page() {
    let dir = tempdir();
    let hub = casso_hub(dir.path()).await;
    let body = example("MBVCB.8844.UH7K3P9 QUY VI NGUOI NGHEO");
    three_deliveries_confirm_a_pledge_once(
        &hub,
        CASSO_ACCOUNT,
        ("UH7K3P9", 16_775_000, None),
        "FT24364030863634",
        async || post_casso(&hub, &body, phonghop::clock::now_ms()).await,
    )
    .await;
    hub.stop().await;
}

#[tokio::test]
async fn casso_refuses_a_wrong_signature_an_old_timestamp_and_an_oversized_body() {
    let dir = tempdir();
    let hub = casso_hub(dir.path()).await;
    let body = example("UH7K3P9");
    let now = phonghop::clock::now_ms();

    let wrong = casso_signature("another-secret-0123456789", now, &body);
    let (status, answer) = post(
        &hub,
        "webhooks/casso",
        &body,
        &[("X-Casso-Signature", &wrong)],
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("unauthorized"))
    );

    let (status, answer) = post_casso(&hub, &body, now - 6 * 60 * 1000).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("stale_timestamp")),
        "{answer}"
    );

    let big = oversized_body(70 * 1024);
    let (status, answer) = post_casso(&hub, &big, now).await;
    assert_eq!((status, answer["error"].as_str()), (413, Some("too_large")));

    assert_eq!(count(&hub, "SELECT count(*) FROM transfers"), 0);
    hub.stop().await;
}
