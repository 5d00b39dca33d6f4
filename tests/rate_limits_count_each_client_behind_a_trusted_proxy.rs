//! The client address that rate limits and logs use comes from `X-Forwarded-For` only when
//! the TCP peer is in `[hub] trusted_proxies`: behind a trusted proxy each client has its
//! own bucket, and without one a forged header changes nothing.

use crate::common::*;

/// Lookups of codes that do not exist a client may make in an hour (`hub::edge`).
const TICKET_MISSES_PER_HOUR: usize = 20;

async fn lookup(hub: &TestHub, client: &reqwest::Client, forwarded_for: &str) -> u16 {
    client
        .get(hub.url.join("t/LC-7KAAA").expect("url"))
        .header("X-Forwarded-For", forwarded_for)
        .send()
        .await
        .expect("answered")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_each_client_has_its_own_bucket() {
    let dir = tempdir();
    let mut config = hub_config(dir.path());
    config.trusted_proxies = vec![phonghop::config::IpNetwork::parse("127.0.0.1").expect("net")];
    let hub = start_configured_hub(config).await;
    let client = http();
    for _ in 0..TICKET_MISSES_PER_HOUR {
        assert_eq!(lookup(&hub, &client, "198.51.100.7").await, 404);
    }
    assert_eq!(
        lookup(&hub, &client, "198.51.100.7").await,
        429,
        "the guessing client is stopped"
    );
    // Another resident behind the same proxy is not.
    assert_eq!(lookup(&hub, &client, "198.51.100.8").await, 404);
    // Nor can the guesser escape by prepending an address: the proxy appends the real one.
    assert_eq!(
        lookup(&hub, &client, "203.0.113.1, 198.51.100.7").await,
        429
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_trusted_proxies_a_forwarded_header_changes_nothing() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let client = http();
    for i in 0..TICKET_MISSES_PER_HOUR {
        assert_eq!(lookup(&hub, &client, &format!("198.51.100.{i}")).await, 404);
    }
    assert_eq!(
        lookup(&hub, &client, "198.51.100.250").await,
        429,
        "a new X-Forwarded-For each time is still one client"
    );
    hub.stop().await;
}
