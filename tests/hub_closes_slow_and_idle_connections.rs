//! Slowloris: a client that sends half a request head, stops in the middle of a body, or
//! opens connections and sends nothing is closed after the configured time, and a crowd of
//! idle connections past `max_connections` does not keep `/healthz` from answering.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;

/// A hub whose head and body timeouts are one second and that serves 16 connections.
async fn strict_hub(dir: &std::path::Path) -> TestHub {
    let mut config = hub_config(dir);
    config.limits = phonghop::config::ConnectionLimits {
        max_connections: 16,
        header_timeout_secs: 1,
        body_stall_timeout_secs: 1,
    };
    start_configured_hub(config).await
}

/// Reads until the hub closes the connection; how long that took, or `None` if it was
/// still open after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at((started + limit).into(), stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_heads_stalled_bodies_and_idle_connections_are_closed() {
    let dir = tempdir();
    let hub = strict_hub(dir.path()).await;
    let limit = Duration::from_secs(5);

    let mut half_head = TcpStream::connect(hub.addr).await.expect("connect");
    half_head
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Slow: ")
        .await
        .expect("write");
    let mut stalled_body = TcpStream::connect(hub.addr).await.expect("connect");
    stalled_body
        .write_all(
            b"POST /api/v1/enroll HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n\
              Content-Length: 1000\r\n\r\n{\"code\":\"",
        )
        .await
        .expect("write");
    let mut silent = TcpStream::connect(hub.addr).await.expect("connect");
    let mut kept_alive = TcpStream::connect(hub.addr).await.expect("connect");
    kept_alive
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n")
        .await
        .expect("write");

    for (what, stream) in [
        ("half-sent head", &mut half_head),
        ("stalled body", &mut stalled_body),
        ("silent connection", &mut silent),
        ("idle kept-alive connection", &mut kept_alive),
    ] {
        let took = closed_within(stream, limit).await;
        assert!(
            took.is_some_and(|t| t < Duration::from_secs(4)),
            "the {what} is closed within the timeouts, took {took:?}"
        );
    }
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_past_the_cap_do_not_starve_healthz() {
    let dir = tempdir();
    let hub = strict_hub(dir.path()).await;
    // Three times the cap of connections that never send a byte.
    let mut idle = Vec::new();
    for _ in 0..48 {
        idle.push(TcpStream::connect(hub.addr).await.expect("connect"));
    }
    // Monitoring keeps asking; within the head timeout and a margin it is answered.
    let started = Instant::now();
    let client = http();
    let healthz = hub.url.join("healthz").expect("url");
    let tls = phonghop::hub::tls::client_config(None).expect("tls");
    let quick = reqwest::Client::builder()
        .tls_backend_preconfigured((*tls).clone())
        .timeout(Duration::from_millis(800))
        .build()
        .expect("client");
    let answered = loop {
        if let Ok(response) = quick.get(healthz.clone()).send().await
            && response.status().is_success()
        {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "/healthz unanswered for 5 s behind 48 idle connections"
        );
    };
    assert!(
        answered < Duration::from_secs(4),
        "answered after {answered:?}"
    );
    // The idle ones were closed, not kept: each reads end-of-stream.
    for stream in &mut idle {
        assert!(
            closed_within(stream, Duration::from_secs(3))
                .await
                .is_some()
        );
    }
    assert!(
        client
            .get(healthz)
            .send()
            .await
            .expect("healthz")
            .status()
            .is_success()
    );
    hub.stop().await;
}
