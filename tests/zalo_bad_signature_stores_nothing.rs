//! A delivery to `/webhooks/zalo` whose `X-ZEvent-Signature` is missing, made with another
//! key, or no longer matches a changed body is refused (401), and nothing of it is stored or
//! sent; the same body signed as Zalo signs it is accepted.

use crate::common;
use crate::contrib_common::count;
use crate::zalo_common::{self, APP_ID, TEXT, ZaloServer, deliver, deliver_signed, signature};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_badly_signed_delivery_is_refused_and_nothing_is_stored() {
    let dir = common::tempdir();
    let zalo = ZaloServer::start("access-0", "refresh-0").await;
    let hub = zalo_common::start_hub(&dir.path().join("hub"), &zalo).await;

    let timestamp = "154390853474";
    let other_key = format!(
        "mac={}",
        phonghop::zalo::signature(APP_ID, TEXT.as_bytes(), timestamp, "not-the-oa-secret-key")
    );
    let changed = TEXT.replace("\"text\": \"message\"", "\"text\": \"forged\"");
    for (why, body, header) in [
        ("another key", TEXT.to_owned(), other_key),
        ("a changed body", changed, signature(TEXT)),
        ("no signature", TEXT.to_owned(), String::new()),
    ] {
        let (status, answer) = if header.is_empty() {
            crate::contrib_common::post(&hub, "webhooks/zalo", &body, &[]).await
        } else {
            deliver_signed(&hub, &body, &header).await
        };
        assert_eq!(status, 401, "{why}: {answer}");
        assert!(
            answer["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{why}: {answer}"
        );
    }
    for table in [
        "feedback",
        "zalo_messages",
        "zalo_conversations",
        "zalo_outbox",
    ] {
        assert_eq!(
            count(&hub, &format!("SELECT count(*) FROM {table}")),
            0,
            "{table}"
        );
    }
    assert!(zalo.requests().is_empty(), "nothing sent to Zalo");

    let (status, answer) = deliver(&hub, TEXT).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        count(&hub, "SELECT count(*) FROM feedback WHERE channel = 'zalo'"),
        1
    );
    hub.stop().await;
}
