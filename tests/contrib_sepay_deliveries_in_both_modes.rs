//! SePay in both of its authentication modes, with the example body of its own quick start
//! (developer.sepay.vn/en/sepay-webhooks/bat-dau-nhanh): API key (`Authorization: Apikey`)
//! and the recommended HMAC-SHA256 (`X-SePay-Signature: sha256=<hex of t + "." + body>`,
//! `X-SePay-Timestamp` in seconds; see `contrib::webhooks` for how sure that string is).
//! Each delivery counts once however often it arrives; a wrong key or signature, an old
//! timestamp or an oversized body records nothing; a pledge code in the transfer text
//! confirms the pledge and shows once on the campaign's page; `check-config` names the
//! secret an enabled SePay lacks.

use crate::contrib_common;
use contrib_common::*;
use phonghop::config::{BankConfig, Secret, SepayMode, WebhookSender};

/// The account of SePay's example.
const SEPAY_ACCOUNT: &str = "0123499999";

/// SePay's documented example body, unchanged but for the transfer text.
fn example(content: &str) -> String {
    format!(
        r#"{{"id":92704,"gateway":"Vietcombank","transactionDate":"2023-03-25 14:02:37","accountNumber":"0123499999","code":null,"content":"{content}","transferType":"in","transferAmount":2277000,"accumulated":19077000,"subAccount":null,"referenceCode":"MBVCB.3278907687","description":""}}"#
    )
}

async fn sepay_hub(dir: &std::path::Path, mode: SepayMode) -> TestHub {
    start_hub_with(
        dir,
        BankConfig {
            senders: vec![WebhookSender::Sepay],
            sepay_mode: mode,
            sepay_api_key: Some(Secret::new(SEPAY_KEY)),
            sepay_secret: Some(Secret::new(SEPAY_SECRET)),
            ..BankConfig::new(SEPAY_ACCOUNT)
        },
    )
    .await
}

async fn deliver_hmac(hub: &TestHub, body: &str, t_secs: i64) -> (u16, serde_json::Value) {
    let signature = sepay_hmac_signature(SEPAY_SECRET, t_secs, body);
    let t = t_secs.to_string();
    post(
        hub,
        "webhooks/sepay",
        body,
        &[("X-SePay-Signature", &signature), ("X-SePay-Timestamp", &t)],
    )
    .await
}

async fn deliver_api_key(hub: &TestHub, body: &str) -> (u16, serde_json::Value) {
    let key = format!("Apikey {SEPAY_KEY}");
    post(hub, "webhooks/sepay", body, &[("Authorization", &key)]).await
}

#[tokio::test]
async fn sepays_example_counts_once_in_either_mode() {
    for mode in [SepayMode::Hmac, SepayMode::ApiKey] {
        let dir = tempdir();
        let hub = sepay_hub(dir.path(), mode).await;
        let body = example("chuyen tien mua iphone");
        for attempt in 1..=3 {
            let (status, answer) = match mode {
                SepayMode::Hmac => deliver_hmac(&hub, &body, now_secs()).await,
                SepayMode::ApiKey => deliver_api_key(&hub, &body).await,
            };
            assert_eq!(status, 200, "{mode:?} attempt {attempt}: {answer}");
            assert_eq!(answer, serde_json::json!({"success": true}));
        }
        assert_eq!(
            count(
                &hub,
                "SELECT count(*) FROM transfers WHERE provider = 'sepay' AND provider_txn_id = '92704' AND amount_vnd = 2277000"
            ),
            1,
            "{mode:?}"
        );
        assert_eq!(count(&hub, "SELECT count(*) FROM transfers"), 1);
        hub.stop().await;
    }
}

#[tokio::test]
async fn a_sepay_delivery_naming_a_pledge_confirms_it_once_on_the_public_page() {
    let dir = tempdir();
    let hub = sepay_hub(dir.path(), SepayMode::Hmac).await;
    let body = example("MBVCB.3278907687.UH7K3P9.QUY VI NGUOI NGHEO");
    three_deliveries_confirm_a_pledge_once(
        &hub,
        SEPAY_ACCOUNT,
        ("UH7K3P9", 2_277_000, Some("Bà Lò Thị Mai")),
        "MBVCB.3278907687</td>",
        async || deliver_hmac(&hub, &body, now_secs()).await,
    )
    .await;
    hub.stop().await;
}

#[tokio::test]
async fn sepay_refuses_wrong_credentials_an_old_timestamp_and_an_oversized_body() {
    let dir = tempdir();
    let hub = sepay_hub(dir.path(), SepayMode::Hmac).await;
    let body = example("UH7K3P9");
    let now = now_secs();

    let wrong = sepay_hmac_signature("another-secret-0123456789", now, &body);
    let t = now.to_string();
    let (status, answer) = post(
        &hub,
        "webhooks/sepay",
        &body,
        &[("X-SePay-Signature", &wrong), ("X-SePay-Timestamp", &t)],
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("unauthorized"))
    );
    // In HMAC mode the API key alone is not enough.
    let (status, _) = deliver_api_key(&hub, &body).await;
    assert_eq!(status, 401);
    let (status, answer) = deliver_hmac(&hub, &body, now - 301).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("stale_timestamp")),
        "{answer}"
    );
    let (status, answer) = deliver_hmac(&hub, &oversized_body(70 * 1024), now).await;
    assert_eq!((status, answer["error"].as_str()), (413, Some("too_large")));
    assert_eq!(count(&hub, "SELECT count(*) FROM transfers"), 0);
    hub.stop().await;

    let dir = tempdir();
    let hub = sepay_hub(dir.path(), SepayMode::ApiKey).await;
    let (status, _) = post(
        &hub,
        "webhooks/sepay",
        &body,
        &[("Authorization", "Apikey wrong-key-0123456789")],
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(count(&hub, "SELECT count(*) FROM transfers"), 0);
    hub.stop().await;
}

#[tokio::test]
async fn money_going_out_is_acknowledged_and_never_counted() {
    let dir = tempdir();
    let hub = sepay_hub(dir.path(), SepayMode::Hmac).await;
    let body = example("rut tien").replace("\"in\"", "\"out\"");
    let (status, answer) = deliver_hmac(&hub, &body, now_secs()).await;
    assert_eq!(
        (status, answer),
        (200, serde_json::json!({"success": true}))
    );
    assert_eq!(count(&hub, "SELECT count(*) FROM transfers"), 0);
    hub.stop().await;
}

#[test]
fn check_config_names_the_secret_an_enabled_sepay_lacks() {
    let dir = tempdir();
    let text = crate::common::HUB_TOML.to_owned()
        + "\n[bank]\naccount = \"0123499999\"\nsenders = [\"sepay\", \"payos\"]\nsepay_mode = \"hmac\"\npayos_checksum_key = \"a-checksum-key-0123456789\"\n";
    let path = dir.path().join("hub.toml");
    std::fs::write(&path, text).expect("write config");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .arg("check-config")
        .arg(&path)
        .output()
        .expect("run phonghop");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("sepay_secret"), "{stderr}");
    assert!(!stderr.contains("payos_checksum_key"), "{stderr}");
}
