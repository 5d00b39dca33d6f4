//! A flood of webhook requests whose signature header carries hundreds of `v1=` entries over
//! a large body is refused at once, and `/healthz` keeps answering meanwhile: the MAC is
//! computed once, off the async workers, over a body no larger than a real delivery.

use std::time::{Duration, Instant};

use crate::contrib_common::*;

/// `t=<now>,v1=<64 hex>` repeated `entries` times: a well-formed header of forged signatures.
fn forged_header(entries: usize) -> String {
    let one = format!(",v1={}", "ab".repeat(32));
    format!("t={}{}", now_secs(), one.repeat(entries))
}

/// A generic-format body padded with a long description to about `bytes`.
fn body_of(bytes: usize) -> String {
    let pad = "x".repeat(bytes.saturating_sub(200));
    generic_body("flood-1", 50_000, &pad, "FT-FLOOD")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signature_flood_is_refused_fast_and_healthz_keeps_answering() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let url = hub.url.join("webhooks/generic").expect("url");
    let healthz = hub.url.join("healthz").expect("url");
    let client = http();
    assert!(
        client
            .get(healthz.clone())
            .send()
            .await
            .expect("healthz")
            .status()
            .is_success()
    );

    // Under and over the body cap: 15 KB (a real delivery is under 2 KB) and 60 KB (what
    // the hub used to read).
    let header = forged_header(200);
    // A connection of its own per request, as separate senders would have: the hub closes a
    // connection after refusing an oversized body, and a pooled client would race it by
    // sending the next request on that closing connection.
    let tls = phonghop::hub::tls::client_config(None).expect("tls");
    let flood_client = reqwest::Client::builder()
        .tls_backend_preconfigured((*tls).clone())
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let mut flood = Vec::new();
    for i in 0..48 {
        let client = flood_client.clone();
        let url = url.clone();
        let header = header.clone();
        let oversized = i % 2 == 1;
        let body = body_of(if oversized { 60_000 } else { 15_000 });
        flood.push(tokio::spawn(async move {
            let started = Instant::now();
            let answer = client
                .post(url)
                .header("content-type", "application/json")
                .header("X-Phonghop-Signature", header)
                .body(body)
                .send()
                .await;
            let status = match answer {
                Ok(response) => response.status().as_u16(),
                // An oversized body may be cut off mid-send once the 413 is on its way.
                Err(e) if oversized && e.is_request() => 413,
                Err(e) => panic!("flood request unanswered (oversized: {oversized}): {e}"),
            };
            (status, started.elapsed())
        }));
    }
    // Meanwhile, monitoring polls the hub.
    let mut slowest = Duration::ZERO;
    let polling = Instant::now();
    while !flood.iter().all(|f| f.is_finished()) && polling.elapsed() < Duration::from_secs(30) {
        let started = Instant::now();
        let status = client
            .get(healthz.clone())
            .send()
            .await
            .expect("healthz answers")
            .status();
        assert!(status.is_success());
        slowest = slowest.max(started.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for task in flood {
        let (status, took) = task.await.expect("request task");
        assert!(
            status == 401 || status == 413,
            "a forged flood request is refused (401) or too large (413), got {status}"
        );
        assert!(took < Duration::from_secs(2), "refused in {took:?}");
    }
    assert!(
        slowest < Duration::from_millis(1000),
        "/healthz took {slowest:?} during the flood"
    );
    hub.stop().await;
}
