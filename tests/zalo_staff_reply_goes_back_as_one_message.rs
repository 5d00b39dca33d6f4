//! A staff reply to a Zalo item goes to the resident as exactly one customer-service message,
//! in the shape Zalo documents (`access_token` header; `{"recipient":{"user_id"},"message":
//! {"text"}}`), however often the sender looks again afterwards; a reply Zalo turns away for
//! the moment (rate limit) is sent again later, and reaches the resident once.
//!
//! Zalo's servers are not reachable from here: the hub talks to a local server that records
//! its requests and answers as Zalo documents (`tests/zalo_common.rs`).

use std::time::Duration;

use crate::common;
use crate::zalo_common::{self, TEXT, UNIT, USER_ID, ZaloServer, deliver, in_ms, text_from};
use phonghop::zalo::{DeliveryState, Purpose};

async fn reply(client: &reqwest::Client, hub: &common::TestHub, code: &str, text: &str) {
    let answer = client
        .post(
            hub.url
                .join(&format!("api/v1/feedback/{code}"))
                .expect("url"),
        )
        .json(&serde_json::json!({ "reply": text }))
        .send()
        .await
        .expect("reply");
    assert_eq!(
        answer.status(),
        200,
        "{}",
        answer.text().await.unwrap_or_default()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_reply_is_one_request_in_zalos_shape_and_a_refused_one_is_retried_once() {
    let dir = common::tempdir();
    let zalo = ZaloServer::start("access-0", "refresh-0").await;
    let hub = zalo_common::start_hub(&dir.path().join("hub"), &zalo).await;
    zalo_common::connect(&hub, "access-0", "refresh-0", in_ms(20 * 3600 * 1000));
    assert_eq!(deliver(&hub, TEXT).await.0, 200);
    let code = zalo_common::unit_inbox(&hub).await[0]["ticket_code"]
        .as_str()
        .expect("code")
        .to_owned();
    common::eventually("the ticket message", Duration::from_secs(20), async || {
        zalo.messages().len() == 1
    })
    .await;

    let officer = common::staff_client(&common::staff_token(
        &hub,
        phonghop::store::StaffRole::CommuneStaff,
        Some(UNIT),
    ));
    let answer = "Xã đã cử người sửa đèn đường thôn 3 ngày mai.";
    reply(&officer, &hub, &code, answer).await;
    common::eventually("the reply sent", Duration::from_secs(20), async || {
        zalo.messages().len() == 2
    })
    .await;
    let sent = &zalo.messages()[1];
    assert_eq!(sent.headers["access_token"], "access-0");
    assert!(sent.headers["content-type"].starts_with("application/json"));
    assert_eq!(
        sent.json(),
        serde_json::json!({
            "recipient": { "user_id": USER_ID },
            "message": { "text": format!("Trả lời phiếu {code}:\n{answer}") }
        })
    );

    // The sender looks again (another resident writes; staff change the status): the reply
    // is not sent a second time.
    assert_eq!(
        deliver(&hub, &text_from("999", "other-msg-1", "Xin chào"))
            .await
            .0,
        200
    );
    let status = officer
        .post(
            hub.url
                .join(&format!("api/v1/feedback/{code}"))
                .expect("url"),
        )
        .json(&serde_json::json!({ "status": "in_progress" }))
        .send()
        .await
        .expect("status");
    assert_eq!(status.status(), 200);
    common::eventually(
        "the other resident's ticket",
        Duration::from_secs(20),
        async || zalo.messages().len() == 3,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let carrying = |text: &str| {
        zalo.messages()
            .iter()
            .filter(|m| {
                m.json()["message"]["text"]
                    .as_str()
                    .is_some_and(|t| t.contains(text))
            })
            .count()
    };
    assert_eq!(carrying(answer), 1, "the reply went once");

    // Zalo turns the next reply away for the moment (-32, too many requests): it is sent
    // again after a backoff, and reaches the resident once.
    zalo.refuse_next(&[-32]);
    let second = "Đèn đã sửa xong.";
    reply(&officer, &hub, &code, second).await;
    common::eventually(
        "the second reply retried and sent",
        Duration::from_secs(45),
        async || {
            let store = phonghop::app::open_store(&hub.config.data_dir).expect("store");
            store
                .zalo_deliveries(&code)
                .expect("deliveries")
                .iter()
                .filter(|d| d.purpose == Purpose::Reply)
                .nth(1)
                .is_some_and(|d| d.state == DeliveryState::Sent)
        },
    )
    .await;
    let store = phonghop::app::open_store(&hub.config.data_dir).expect("store");
    let states: Vec<_> = store
        .zalo_deliveries(&code)
        .expect("deliveries")
        .into_iter()
        .map(|d| (d.purpose, d.state, d.attempts))
        .collect();
    assert_eq!(
        states,
        [
            (Purpose::Ticket, DeliveryState::Sent, 1),
            (Purpose::Reply, DeliveryState::Sent, 1),
            (Purpose::Reply, DeliveryState::Sent, 2),
        ]
    );
    assert_eq!(carrying(second), 2, "one refused request, then one sent");
    hub.stop().await;
}
