//! The hub decides who is calling from the request's head alone: a stranger's upload is
//! refused before its body is read (let alone buffered), whatever the body is; every route
//! in the hub's route table is really served; body limits hold per route.

use crate::common;

use std::time::Duration;

use common::*;
use phonghop::hub::routes::{Access, ROUTES, VOICE_MAX_BYTES};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long the hub may take to answer a request whose body never fully arrives.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// A path of the table with each `{param}` filled in.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').expect("closed {param}") + open;
        out.push_str(&rest[..open]);
        out.push_str("x1");
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Sends a request head that announces `announced_bytes` of body, then only the first
/// `sent_bytes` of it (bytes that are not valid JSON), and returns the status line the hub
/// answers with while the rest is still owed. Panics if no answer comes in time: a hub that
/// waits for the body before checking the caller never answers here.
async fn status_with_owed_body(
    hub: &TestHub,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    announced_bytes: usize,
    sent_bytes: usize,
) -> String {
    let addr = format!(
        "{}:{}",
        hub.url.host_str().expect("host"),
        hub.url.port().expect("port")
    );
    let mut socket = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {announced_bytes}\r\n"
    );
    if let Some(value) = authorization {
        head.push_str(&format!("Authorization: {value}\r\n"));
    }
    head.push_str("\r\n");
    socket.write_all(head.as_bytes()).await.expect("send head");
    socket
        .write_all(&vec![b'{'; sent_bytes])
        .await
        .expect("send part of the body");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let read = tokio::time::timeout(ANSWER_WITHIN, async {
        while !answer.windows(2).any(|w| w == b"\r\n") {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "{method} {path}: no answer within {ANSWER_WITHIN:?} while {} of {announced_bytes} body \
         bytes were still owed: the hub waited for the body before checking the caller",
        announced_bytes - sent_bytes
    );
    let answer = String::from_utf8_lossy(&answer);
    answer.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_route_refuses_a_stranger_before_reading_the_body() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let room_routes: Vec<_> = ROUTES.iter().filter(|r| r.access == Access::Room).collect();
    assert!(room_routes.len() >= 6, "the table lists the room routes");
    for route in room_routes {
        let path = concrete(route.path);
        for authorization in [None, Some("Bearer phr1_not_a_credential")] {
            // A malformed body of 9 MB (over any room route's limit), of which only 64 KiB
            // are sent.
            let status = status_with_owed_body(
                &hub,
                route.method,
                &path,
                authorization,
                9 * 1024 * 1024,
                64 * 1024,
            )
            .await;
            assert!(
                status.starts_with("HTTP/1.1 401"),
                "{} {path} with {authorization:?}: {status:?}",
                route.method
            );
            // A body within every limit, still owed.
            let status =
                status_with_owed_body(&hub, route.method, &path, authorization, 1000, 10).await;
            assert!(
                status.starts_with("HTTP/1.1 401"),
                "{} {path} with {authorization:?} and a small owed body: {status:?}",
                route.method
            );
        }
    }
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_in_the_table_is_served() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let client = http();
    let answer = |method: &str, path: &str| {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        client
            .request(method, hub.url.join(path).expect("url"))
            .send()
    };
    // What an unserved path looks like, so the check below means something.
    let unserved = answer("GET", "/api/v1/nothing-here")
        .await
        .expect("request");
    assert_eq!(unserved.status(), 404);
    let body: serde_json::Value = unserved.json().await.expect("json");
    assert_eq!(body["error"], "no_such_endpoint");

    for route in ROUTES {
        let path = concrete(route.path);
        let response = answer(route.method, &path).await.expect("request");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_ne!(status, 405, "{} {path} is not served: {text}", route.method);
        assert!(
            !text.contains("no_such_endpoint"),
            "{} {path} is not served: {status} {text}",
            route.method
        );
        if route.access == Access::Room {
            assert_eq!(status, 401, "{} {path} without a credential", route.method);
        }
    }
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_voice_upload_over_its_cap_is_refused_and_one_within_it_is_kept() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (config, _) = enrolled_room(&hub, "lao-chai", dir.path().join("room")).await;
    let credential = crate::common::room_credential(&config);
    let client = http();
    let upload = |bytes: Vec<u8>| {
        use sha2::Digest as _;
        let sha = hex::encode(sha2::Sha256::digest(&bytes));
        client
            .put(hub.url.join(&format!("api/v1/voice/{sha}")).expect("url"))
            .bearer_auth(&credential.credential)
            .body(bytes)
            .send()
    };
    let too_big = upload(vec![7u8; VOICE_MAX_BYTES + 1])
        .await
        .expect("upload");
    assert_eq!(too_big.status(), 413);
    let body: serde_json::Value = too_big.json().await.expect("json error");
    assert_eq!(body["error"], "too_large");
    // Three minutes of Opus at 24 kb/s.
    let fits = upload(vec![7u8; 180 * 24_000 / 8]).await.expect("upload");
    assert_eq!(fits.status(), 201);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_and_webhook_routes_refuse_bodies_over_64_kib() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    // Signed in, so the staff routes get as far as reading the body.
    let token = staff_token(&hub, phonghop::store::StaffRole::ProvinceAdmin, None);
    let body = serde_json::json!({ "host": "x".repeat(65 * 1024), "rooms": [] }).to_string();
    for route in ROUTES.iter().filter(|r| {
        matches!(r.access, Access::Staff | Access::Province | Access::Webhook) && r.method != "GET"
    }) {
        let path = concrete(route.path);
        let method = reqwest::Method::from_bytes(route.method.as_bytes()).expect("method");
        // A news picture has a limit of its own (a photo, not JSON): just over it is refused.
        let body = if route.path == "/api/v1/news/{id}/image" {
            vec![0xFFu8; phonghop::hub::news_api::IMAGE_BODY_MAX_BYTES + 1]
        } else {
            body.clone().into_bytes()
        };
        // A new client (so a new connection) each time: a handler that answers without
        // reading a 65 KiB body leaves the connection unusable for a next request.
        let response = staff_client(&token)
            .request(method, hub.url.join(&path).expect("url"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        // A webhook's cap (16 KiB) is far below this body: the hub may answer 413 and close
        // while the client is still sending, which the client sees as a broken pipe.
        let response = match response {
            Err(e) if route.access == Access::Webhook && e.is_request() => continue,
            other => other.expect("request"),
        };
        // These handlers read no body, so the limit has nothing to refuse there.
        const READ_NO_BODY: [&str; 4] = [
            "DELETE /api/v1/meetings/{id}",
            "DELETE /api/v1/schedule/{id}",
            "POST /api/v1/campaigns/{campaign}/close",
            "POST /api/v1/news/{id}/withdraw",
        ];
        if !READ_NO_BODY.contains(&format!("{} {}", route.method, route.path).as_str()) {
            assert_eq!(response.status(), 413, "{} {path}", route.method);
        }
    }
    hub.stop().await;
}
