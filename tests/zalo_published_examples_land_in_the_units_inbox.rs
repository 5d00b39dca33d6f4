//! Zalo's published example events (a resident's text, then a picture and a voice message
//! from the same resident to the same OA) become one feedback item, with the Zalo channel, in
//! the inbox of the unit `[zalo.units]` names for that OA; the resident gets the ticket code
//! back in one message, in the shape Zalo documents. A message to an OA not listed goes to the
//! province's inbox. The picture and voice bodies Zalo's developer console sends, addressed
//! to that OA and resident, join the same item.
//!
//! Zalo's servers are not reachable from here: the hub talks to a local server that records
//! its requests and answers as Zalo documents (`tests/zalo_common.rs`).

use std::time::Duration;

use crate::common;
use crate::zalo_common::{
    self, AUDIO, IMAGE, OA_ID, TEXT, UNIT, USER_ID, ZaloServer, deliver, in_ms, unit_inbox,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zalos_example_messages_become_one_item_and_its_ticket_code_goes_back() {
    let dir = common::tempdir();
    let zalo = ZaloServer::start("access-0", "refresh-0").await;
    let hub = zalo_common::start_hub(&dir.path().join("hub"), &zalo).await;
    zalo_common::connect(&hub, "access-0", "refresh-0", in_ms(20 * 3600 * 1000));

    for body in [TEXT, IMAGE, AUDIO] {
        let (status, answer) = deliver(&hub, body).await;
        assert_eq!(status, 200, "{answer}");
    }
    let inbox = unit_inbox(&hub).await;
    assert_eq!(inbox.len(), 1, "one conversation, one item: {inbox:?}");
    let item = &inbox[0];
    assert_eq!(item["channel"], "zalo");
    assert_eq!(item["unit_id"], UNIT);
    assert_eq!(item["room_id"], serde_json::Value::Null);
    assert_eq!(item["status"], "new");
    assert_eq!(
        item["text"],
        "message\nmessage\n📷 https://photo-stal-1.zdn.vn/photo.jpg\n🎤 https://voice-aac-dl.zdn.vn/voice.amr"
    );
    let code = item["ticket_code"]
        .as_str()
        .expect("ticket code")
        .to_owned();
    assert!(code.starts_with("LCZ-"), "{code}");

    common::eventually(
        "the ticket code sent",
        Duration::from_secs(20),
        async || !zalo.messages().is_empty(),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages = zalo.messages();
    assert_eq!(messages.len(), 1, "one ticket message: {messages:?}");
    let sent = &messages[0];
    assert_eq!(sent.headers["access_token"], "access-0");
    assert!(sent.headers["content-type"].starts_with("application/json"));
    let body = sent.json();
    assert_eq!(body["recipient"], serde_json::json!({ "user_id": USER_ID }));
    assert_eq!(body.as_object().map(|o| o.len()), Some(2), "{body}");
    let text = body["message"]["text"].as_str().expect("text");
    assert!(
        text.contains(&code) && text.contains(&format!("/t/{code}")),
        "{text}"
    );
    assert!(
        zalo.requests()
            .iter()
            .all(|r| r.path != "/v4/oa/access_token"),
        "a fresh token is not refreshed"
    );

    // The public ticket page knows the ticket, never the resident's Zalo id.
    let page = common::get_text(hub.url.join(&format!("t/{code}")).expect("url")).await;
    assert!(page.contains(&code), "{page}");
    assert!(!page.contains(USER_ID));
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_to_an_oa_not_listed_goes_to_the_provinces_inbox() {
    let dir = common::tempdir();
    let zalo = ZaloServer::start("access-0", "refresh-0").await;
    let hub = zalo_common::start_hub(&dir.path().join("hub"), &zalo).await;
    let other_oa = TEXT.replace(OA_ID, "1111111111111111111");
    let (status, answer) = deliver(&hub, &other_oa).await;
    assert_eq!(status, 200, "{answer}");
    assert!(unit_inbox(&hub).await.is_empty(), "not the commune's");
    let all = common::send_json(
        common::admin_client(&hub).get(hub.url.join("api/v1/feedback").expect("url")),
        "inbox",
    )
    .await;
    let all = all.as_array().expect("a list");
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["unit_id"], "lao-cai");
    assert_eq!(all[0]["channel"], "zalo");
    hub.stop().await;
}

/// The picture and voice bodies Zalo's developer console sends (its test samples, recorded
/// verbatim: `tests/fixtures/zalo/README.md`), addressed to this OA from the published
/// example's resident with a message id of their own (the only fields changed), join that
/// resident's item as lines with their links: the hub reads Zalo's own attachment shapes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consoles_picture_and_voice_bodies_join_the_residents_item() {
    let dir = common::tempdir();
    let zalo = ZaloServer::start("access-0", "refresh-0").await;
    let hub = zalo_common::start_hub(&dir.path().join("hub"), &zalo).await;
    zalo_common::connect(&hub, "access-0", "refresh-0", in_ms(20 * 3600 * 1000));

    let addressed = |body: &str, msg_id: &str| {
        body.replace("\"This is message id\"", &format!("\"{msg_id}\""))
            .replace("4339761418830368433", USER_ID)
            .replace("2197174064623873199", OA_ID)
    };
    for body in [
        TEXT.to_owned(),
        addressed(
            include_str!("fixtures/zalo/console_user_send_image.json"),
            "5a1f0c2e9b7d4e83a6c1",
        ),
        addressed(
            include_str!("fixtures/zalo/console_user_send_audio.json"),
            "5a1f0c2e9b7d4e83a6c2",
        ),
    ] {
        let (status, answer) = deliver(&hub, &body).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            answer["console_sample"],
            serde_json::Value::Null,
            "{answer}"
        );
    }
    let inbox = unit_inbox(&hub).await;
    assert_eq!(inbox.len(), 1, "one conversation, one item: {inbox:?}");
    assert_eq!(
        inbox[0]["text"],
        "message\nThis is testing message\n📷 url_to_thumbnail\nThis is testing message\n🎤 url_to_audio_file"
    );
    assert_eq!(
        crate::contrib_common::count(
            &hub,
            "SELECT count(*) FROM zalo_messages WHERE kind IN ('image', 'audio') AND media_url IN ('url_to_thumbnail', 'url_to_audio_file')"
        ),
        2
    );
    hub.stop().await;
}
