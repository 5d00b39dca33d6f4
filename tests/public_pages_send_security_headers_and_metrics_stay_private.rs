//! Public pages carry a content policy, refuse framing and sniffing; `/metrics` (which lists
//! room and meeting ids) answers the hub box itself by default, never a forwarded request
//! from an untrusted proxy, and with `metrics = "token"` only the token's bearer; the
//! campaign page and Open311 lookups are rate limited per client.

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_refuse_framing_and_sniffing() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    for path in ["t/LC-7KAAA", "c/no-such-campaign", "enroll", "healthz"] {
        let response = get(hub.url.join(path).expect("url")).await;
        let headers = response.headers();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        let csp = header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp:?}");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp:?}");
        assert!(
            header("strict-transport-security").is_empty(),
            "{path}: no HSTS over plain http"
        );
    }
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_answer_the_box_itself_and_not_a_proxied_stranger() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let url = hub.url.join("metrics").expect("url");
    let client = http();
    let local = client.get(url.clone()).send().await.expect("metrics");
    assert_eq!(local.status(), 200, "Prometheus on the hub box");
    // A reverse proxy on the box that is not in trusted_proxies: the peer is loopback,
    // but the request came from elsewhere.
    let proxied = client
        .get(url.clone())
        .header("X-Forwarded-For", "203.0.113.5")
        .send()
        .await
        .expect("metrics");
    assert_eq!(proxied.status(), 403);
    let text = proxied.text().await.expect("text");
    assert!(
        !text.contains("phonghop_"),
        "no metrics in the refusal: {text}"
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_metrics_token_only_its_bearer_reads_metrics() {
    let dir = tempdir();
    let mut config = hub_config(dir.path());
    let token = "metrics-token-0123456789abcdef";
    config.metrics = phonghop::config::MetricsAccess::Token(phonghop::config::Secret::new(token));
    let hub = start_configured_hub(config).await;
    let url = hub.url.join("metrics").expect("url");
    let client = http();
    let bare = client.get(url.clone()).send().await.expect("metrics");
    assert_eq!(bare.status(), 403, "loopback alone is not enough");
    let wrong = client
        .get(url.clone())
        .bearer_auth("metrics-token-wrong-0123456789")
        .send()
        .await
        .expect("metrics");
    assert_eq!(wrong.status(), 403);
    let right = client
        .get(url.clone())
        .bearer_auth(token)
        .send()
        .await
        .expect("metrics");
    assert_eq!(right.status(), 200);
    assert!(right.text().await.expect("text").contains("phonghop_"));
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_pages_and_open311_lookups_are_rate_limited() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let client = http();
    let page = hub.url.join("c/no-such-campaign").expect("url");
    let mut statuses = Vec::new();
    for _ in 0..121 {
        statuses.push(
            client
                .get(page.clone())
                .send()
                .await
                .expect("page")
                .status()
                .as_u16(),
        );
    }
    assert!(statuses[..120].iter().all(|s| *s == 404), "{statuses:?}");
    assert_eq!(statuses[120], 429, "the 121st view in a minute waits");
    // Guessing ticket codes through Open311 spends the same miss budget as /t/<code>.
    let open311 = |code: &str| {
        hub.url
            .join(&format!("open311/v2/requests/{code}.json"))
            .expect("url")
    };
    for i in 0..20 {
        let status = client
            .get(open311(&format!("LC-7KAA{}", ["A", "B", "C", "D"][i % 4])))
            .send()
            .await
            .expect("open311")
            .status();
        assert_eq!(status, 404);
    }
    let status = client
        .get(open311("LC-7KBBB"))
        .send()
        .await
        .expect("open311")
        .status();
    assert_eq!(status, 429);
    hub.stop().await;
}
