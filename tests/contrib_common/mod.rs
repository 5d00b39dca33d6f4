//! A hub with `[bank]` configured on 127.0.0.1:0, a campaign, pledges, and signed bank
//! notifications as SePay, Casso and our generic format send them. Signatures are computed
//! here with `hmac`/`sha2` directly, independently of the hub's own code.
#![allow(dead_code)]

use crate::common;

pub use crate::common::{TestHub, http, tempdir};

use hmac::{Hmac, Mac};
use phonghop::config::{BankConfig, Secret, WebhookSender};
use phonghop::store::{Campaign, NewCampaign, Pledge, Store};
use sha2::{Sha256, Sha512};

pub const ACCOUNT: &str = "0011001234567";
pub const SEPAY_KEY: &str = "sepay-key-0123456789abcdef";
pub const CASSO_SECRET: &str = "casso-secret-0123456789abcdef";
pub const GENERIC_SECRET: &str = "generic-secret-0123456789abcdef";
pub const SEPAY_SECRET: &str = "sepay-hmac-secret-0123456789abcdef";
/// The checksum key of payOS's SDK test vectors (`payOSHQ/payos-lib-python`
/// tests/_crypto/test_provider.py).
pub const PAYOS_KEY: &str = "test_checksum_key";
pub const SLUG: &str = "vi-nguoi-ngheo-2026";
pub const POSTER_CODE: &str = "QV7N2B";

/// A hub whose `[bank]` accepts SePay (API key), Casso, payOS and the generic format for
/// [`ACCOUNT`].
pub async fn start_hub(data_dir: &std::path::Path) -> TestHub {
    start_hub_with(
        data_dir,
        BankConfig {
            senders: vec![
                WebhookSender::Sepay,
                WebhookSender::Casso,
                WebhookSender::Payos,
                WebhookSender::Generic,
            ],
            sepay_api_key: Some(Secret::new(SEPAY_KEY)),
            casso_secret: Some(Secret::new(CASSO_SECRET)),
            payos_checksum_key: Some(Secret::new(PAYOS_KEY)),
            generic_secret: Some(Secret::new(GENERIC_SECRET)),
            ..BankConfig::new(ACCOUNT)
        },
    )
    .await
}

/// A hub with this `[bank]` section.
pub async fn start_hub_with(data_dir: &std::path::Path, bank: BankConfig) -> TestHub {
    let mut config = common::hub_config(data_dir);
    config.bank = Some(bank);
    common::start_configured_hub(config).await
}

/// The hub's database, opened beside the running hub as the CLI does.
pub fn store(hub: &TestHub) -> Store {
    Store::open(&phonghop::datadir::DataDir::new(&hub.config.data_dir).db_path()).expect("store")
}

pub fn campaign(store: &Store) -> Campaign {
    campaign_on(store, ACCOUNT)
}

/// The campaign [`SLUG`] collecting on `account`.
pub fn campaign_on(store: &Store, account: &str) -> Campaign {
    store
        .create_campaign(
            &NewCampaign {
                slug: SLUG.to_owned(),
                title: "Quỹ Vì người nghèo xã Lao Chải 2026".to_owned(),
                story: "Sửa nhà cho 12 hộ nghèo trước mùa mưa.".to_owned(),
                bank_bin: "970436".to_owned(),
                account: account.to_owned(),
                account_name: "UY BAN MTTQ XA LAO CHAI".to_owned(),
                goal_vnd: 50_000_000,
                starts_on: "2026-11-01".to_owned(),
                ends_on: "2026-12-31".to_owned(),
            },
            POSTER_CODE,
            phonghop::clock::now_ms(),
        )
        .expect("campaign")
}

/// A pledge as a kiosk would upload it.
pub fn pledge(
    store: &Store,
    campaign: &Campaign,
    code: &str,
    amount_vnd: i64,
    donor: Option<&str>,
) -> Pledge {
    let pledge = Pledge {
        id: uuid::Uuid::now_v7().to_string(),
        room_id: None,
        campaign_id: campaign.id.clone(),
        reference: code.to_owned(),
        amount_vnd,
        donor_name: donor.map(str::to_owned),
        status: phonghop::contrib::PledgeStatus::Pending,
        created_at_ms: phonghop::clock::now_ms(),
    };
    store.record_pledge(&pledge).expect("pledge").0
}

pub fn now_secs() -> i64 {
    phonghop::clock::now_ms() / 1000
}

/// `X-Phonghop-Signature` for `body` signed at `t_secs`.
pub fn generic_signature(secret: &str, t_secs: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{t_secs}.{body}").as_bytes());
    format!("t={t_secs},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// A generic-format body.
pub fn generic_body(id: &str, amount_vnd: i64, description: &str, bank_reference: &str) -> String {
    serde_json::json!({
        "id": id,
        "amount_vnd": amount_vnd,
        "account": ACCOUNT,
        "description": description,
        "bank_reference": bank_reference,
        "occurred_at": "2026-11-23T10:15:00+07:00",
    })
    .to_string()
}

/// POSTs a correctly signed generic notification; returns status and JSON answer.
pub async fn post_generic(hub: &TestHub, body: &str) -> (u16, serde_json::Value) {
    let signature = generic_signature(GENERIC_SECRET, now_secs(), body);
    post(
        hub,
        "webhooks/generic",
        body,
        &[("X-Phonghop-Signature", &signature)],
    )
    .await
}

pub async fn post(
    hub: &TestHub,
    path: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let mut request = http()
        .post(hub.url.join(path).expect("url"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let json = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// A SePay body (its documented fields).
pub fn sepay_body(id: i64, amount_vnd: i64, content: &str, reference: &str) -> String {
    serde_json::json!({
        "id": id,
        "gateway": "Vietcombank",
        "transactionDate": "2026-11-23 10:15:00",
        "accountNumber": ACCOUNT,
        "code": null,
        "content": content,
        "transferType": "in",
        "transferAmount": amount_vnd,
        "accumulated": 19_077_000,
        "subAccount": null,
        "referenceCode": reference,
        "description": format!("BankAPINotify {content}"),
    })
    .to_string()
}

/// A Casso v2 body with its `data` keys in the order Casso documents them (not sorted).
pub fn casso_body(
    id: i64,
    amount_vnd: i64,
    description: &str,
    reference: &str,
    sender: &str,
) -> String {
    format!(
        r#"{{"error":0,"data":{{"id":{id},"reference":"{reference}","description":"{description}","amount":{amount_vnd},"runningBalance":25000000,"transactionDateTime":"2026-11-23 10:15:00","accountNumber":"{ACCOUNT}","bankName":"Vietcombank","bankAbbreviation":"VCB","virtualAccountNumber":"","virtualAccountName":"","counterAccountName":"{sender}","counterAccountNumber":"0912345678","counterAccountBankId":"970422","counterAccountBankName":"MB Bank"}}}}"#
    )
}

/// Casso's signature: HMAC-SHA512 over `t.` + the whole body with keys sorted recursively, no
/// spaces (`CassoHQ/casso-webhook-v2-verify-signature`). serde_json's map is sorted and
/// writes text as `JSON.stringify` does, so its compact form is that text.
pub fn casso_signature(secret: &str, t_ms: i64, body: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(body).expect("json");
    let sorted = serde_json::to_string(&value).expect("json");
    let mut mac = Hmac::<Sha512>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{t_ms}.{sorted}").as_bytes());
    format!("t={t_ms},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Casso's delivery of `body`, signed with [`CASSO_SECRET`] at `t_ms`.
pub async fn post_casso(hub: &TestHub, body: &str, t_ms: i64) -> (u16, serde_json::Value) {
    let signature = casso_signature(CASSO_SECRET, t_ms, body);
    post(
        hub,
        "webhooks/casso",
        body,
        &[("X-Casso-Signature", &signature)],
    )
    .await
}

/// Counts rows of a table through a plain SQLite connection.
pub fn count(hub: &TestHub, sql: &str) -> i64 {
    let conn =
        rusqlite::Connection::open(phonghop::datadir::DataDir::new(&hub.config.data_dir).db_path())
            .expect("sqlite");
    conn.query_row(sql, [], |r| r.get(0)).expect("count")
}

/// A hub config file for the CLI with this data directory and `[bank]`.
pub fn write_hub_toml(dir: &std::path::Path, data_dir: &std::path::Path) -> std::path::PathBuf {
    let text =
        common::HUB_TOML.replace(
            "data_dir = \"/tmp/phonghop-demo\"",
            &format!("data_dir = {:?}", data_dir.display().to_string()),
        ) + &format!("\n[bank]\naccount = \"{ACCOUNT}\"\ngeneric_secret = \"{GENERIC_SECRET}\"\n");
    let path = dir.join("hub.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// Runs `phonghop hub --config FILE ARGS...`; returns (exit code, stdout, stderr).
pub fn phonghop_hub(config: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .arg("hub")
        .args(args)
        .arg("--config")
        .arg(config)
        .env("PHONGHOP_LOG", "warn")
        .output()
        .expect("run phonghop");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The public page of campaign [`SLUG`] as a browser gets it.
pub async fn public_page(hub: &TestHub) -> String {
    let response = http()
        .get(hub.url.join(&format!("c/{SLUG}")).expect("url"))
        .send()
        .await
        .expect("get page");
    assert_eq!(response.status(), 200);
    response.text().await.expect("page text")
}

/// A pledge of `amount_vnd` (code `reference`, by `donor`) on a campaign for `account`;
/// `deliver` sends the sender's notification naming it, three times. The pledge is
/// confirmed by exactly one gift and the bank reference shows once on the public page.
pub async fn three_deliveries_confirm_a_pledge_once(
    hub: &TestHub,
    account: &str,
    pledged: (&str, i64, Option<&str>),
    bank_reference: &str,
    mut deliver: impl AsyncFnMut() -> (u16, serde_json::Value),
) {
    let (reference, amount_vnd, donor) = pledged;
    let store = store(hub);
    let campaign = campaign_on(&store, account);
    pledge(&store, &campaign, reference, amount_vnd, donor);
    for attempt in 1..=3 {
        let (status, answer) = deliver().await;
        assert_eq!(status, 200, "attempt {attempt}: {answer}");
    }
    let pledge = store.pledge(reference).expect("read").expect("pledge");
    assert_eq!(pledge.status, phonghop::contrib::PledgeStatus::Confirmed);
    let totals = store.campaign_totals(&campaign.id).expect("totals");
    assert_eq!((totals.raised_vnd, totals.gifts), (amount_vnd, 1));
    let page = public_page(hub).await;
    assert_eq!(page.matches(bank_reference).count(), 1, "{page}");
}

/// A sender's test or registration delivery: acknowledged with 200, and nothing recorded.
pub fn assert_acknowledged_and_nothing_recorded(hub: &TestHub, answered: (u16, serde_json::Value)) {
    assert_eq!(answered, (200, serde_json::json!({"success": true})));
    assert_eq!(count(hub, "SELECT count(*) FROM transfers"), 0);
    assert_eq!(count(hub, "SELECT count(*) FROM ledger_entries"), 0);
}

/// SePay's HMAC mode: `X-SePay-Signature: sha256=<hex HMAC-SHA256(secret, t + "." + body)>`.
pub fn sepay_hmac_signature(secret: &str, t_secs: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{t_secs}.{body}").as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// payOS's webhook signature over a flat `data` object, ported from `payOSHQ/payos-lib-node`
/// (src/crypto/node-crypto.ts `createSignatureFromObj`, src/utils/convert-obj-to-query-str.ts):
/// keys sorted, `key=value` joined by `&`, null written empty, HMAC-SHA256 in hex.
pub fn payos_signature(key: &str, data: &serde_json::Value) -> String {
    let data = data.as_object().expect("data object");
    let mut keys: Vec<&String> = data.keys().collect();
    keys.sort();
    let text = keys
        .iter()
        .map(|k| match &data[*k] {
            serde_json::Value::Null => format!("{k}="),
            serde_json::Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join("&");
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("key");
    mac.update(text.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A payOS delivery of `data`, signed with `key`.
pub fn payos_body(key: &str, data: &serde_json::Value) -> String {
    serde_json::json!({
        "code": "00",
        "desc": "success",
        "success": true,
        "data": data,
        "signature": payos_signature(key, data),
    })
    .to_string()
}

/// A body of `bytes` bytes: valid JSON, far larger than any bank notification.
pub fn oversized_body(bytes: usize) -> String {
    format!("{{\"padding\":\"{}\"}}", "x".repeat(bytes))
}
