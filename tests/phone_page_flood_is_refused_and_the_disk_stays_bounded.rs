//! An abusive flood of the phone page: 1,000 submissions from one address within a minute
//! store at most the configured few (`[phone] per_address`), every other one is answered
//! 429 with a clear message, and the data directory grows by only what the few took.
//! Behind a trusted proxy, many addresses each sending a voice stop at the unit's daily
//! byte budget (`[phone] mib_per_unit_per_day`): the disk stays bounded however many
//! addresses a flood uses.

use std::time::{Duration, Instant};

use crate::common::*;
use crate::phone_common::*;

async fn flood_from(
    client: &reqwest::Client,
    hub: &TestHub,
    forwarded_for: Option<String>,
    parts: &[Part<'_>],
) -> (u16, String) {
    let (content_type, body) = multipart(parts);
    let mut request = client
        .post(hub.url.join("g/lao-chai").expect("url"))
        .header("Content-Type", content_type)
        .header("Accept", "application/json")
        .body(body);
    if let Some(address) = forwarded_for {
        request = request.header("X-Forwarded-For", address);
    }
    let response = request.send().await.expect("answered");
    let status = response.status().as_u16();
    let answer: serde_json::Value = response.json().await.unwrap_or_default();
    (
        status,
        answer["message"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_submissions_from_one_address_store_only_the_configured_few() {
    let dir = tempdir();
    let config = hub_config(dir.path());
    let per_address = config.phone.per_address as usize;
    let hub = start_configured_hub(config).await;
    let client = http();
    let data = hub.config.data_dir.clone();
    let before = bytes_under(&data);
    let text = "Rác thải đổ ra suối. ".repeat(40);
    let parts = [
        Part::Text("category", "environment"),
        Part::Text("text", &text),
    ];

    let started = Instant::now();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let mut refusal = String::new();
    for _ in 0..50 {
        let batch = (0..20).map(|_| flood_from(&client, &hub, None, &parts));
        for (status, message) in futures_util::future::join_all(batch).await {
            *statuses.entry(status).or_default() += 1;
            if status == 429 {
                refusal = message;
            }
        }
    }
    let took = started.elapsed();
    assert!(took < Duration::from_secs(60), "the flood took {took:?}");
    assert_eq!(statuses.get(&201), Some(&per_address), "{statuses:?}");
    assert_eq!(
        statuses.get(&429),
        Some(&(1000 - per_address)),
        "{statuses:?}"
    );
    assert!(refusal.contains("Hãy thử lại sau 10 phút"), "{refusal}");
    assert_eq!(phone_items(&store(&hub)).len(), per_address);
    let grown = bytes_under(&data).saturating_sub(before);
    // A few short texts: the database and its WAL grow by pages, far below 1 MiB.
    assert!(
        grown < 1024 * 1024,
        "the data directory grew by {grown} bytes"
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_addresses_stop_at_the_units_daily_byte_budget() {
    let dir = tempdir();
    let mut config = hub_config(dir.path());
    config.trusted_proxies = vec![phonghop::config::IpNetwork::parse("127.0.0.1").expect("net")];
    config.phone.mib_per_unit_per_day = 1;
    let hub = start_configured_hub(config).await;
    let client = http();
    let data = hub.config.data_dir.clone();
    let before = bytes_under(&data);
    let sha = sha256_hex(CHROMIUM_WEBM);
    let parts = [
        Part::Text("category", "roads"),
        Part::File("voice", "voice.webm", "audio/webm", CHROMIUM_WEBM),
        Part::Text("voice_sha256", &sha),
    ];
    let mut stored = 0;
    let mut refused = 0;
    let mut refusal = String::new();
    for i in 0..100 {
        let (status, message) =
            flood_from(&client, &hub, Some(format!("198.51.100.{i}")), &parts).await;
        match status {
            201 => stored += 1,
            429 => {
                refused += 1;
                refusal = message;
            }
            other => panic!("answer {other}: {message}"),
        }
    }
    let one_voice = CHROMIUM_WEBM.len() as u64;
    // Each kept voice is about the size of the upload: ~1 MiB holds some 30 of them.
    assert!(
        stored >= 10 && (stored as u64) * one_voice <= 1024 * 1024 + one_voice,
        "{stored}"
    );
    assert_eq!(stored + refused, 100);
    assert!(refusal.contains("quá nhiều"), "{refusal}");
    let unit_bytes = store(&hub).phone_bytes_since("lao-chai", 0).expect("bytes");
    assert!(unit_bytes <= 1024 * 1024, "{unit_bytes}");
    let grown = bytes_under(&data).saturating_sub(before);
    assert!(
        grown < 2 * 1024 * 1024,
        "the data directory grew by {grown} bytes"
    );
    hub.stop().await;
}
