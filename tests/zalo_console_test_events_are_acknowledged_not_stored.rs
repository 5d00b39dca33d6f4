//! Pressing the webhook test button in Zalo's developer console sends sample events (a text,
//! a picture, a voice message; `tests/fixtures/zalo/README.md` says where the bodies come
//! from), signed with the OA Secret Key like real deliveries. The hub reads each as a message
//! of its kind and answers 200, so the console shows the webhook working, but no resident
//! wrote them: no item in any inbox, and no ticket message to their made-up user. The same
//! samples with a wrong signature are refused, as any delivery is.
//!
//! Zalo's servers are not reachable from here: the hub's send side talks to a local server
//! that records its requests (`tests/zalo_common.rs`); it must receive nothing.

use std::time::Duration;

use crate::common;
use crate::contrib_common::count;
use crate::zalo_common::{self, ZaloServer, deliver, deliver_signed};

const CONSOLE_SAMPLES: [(&str, &str); 3] = [
    (
        "text",
        include_str!("fixtures/zalo/console_user_send_text.json"),
    ),
    (
        "image",
        include_str!("fixtures/zalo/console_user_send_image.json"),
    ),
    (
        "audio",
        include_str!("fixtures/zalo/console_user_send_audio.json"),
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consoles_samples_are_answered_200_and_nothing_is_stored_or_sent() {
    let dir = common::tempdir();
    let zalo = ZaloServer::start("access-0", "refresh-0").await;
    let hub = zalo_common::start_hub(&dir.path().join("hub"), &zalo).await;
    zalo_common::connect(
        &hub,
        "access-0",
        "refresh-0",
        zalo_common::in_ms(20 * 3600 * 1000),
    );

    for (kind, body) in CONSOLE_SAMPLES {
        let (status, answer) = deliver(&hub, body).await;
        assert_eq!(status, 200, "{kind}: {answer}");
        assert_eq!(answer["console_sample"], true, "{kind}: {answer}");
        let (status, answer) = deliver_signed(&hub, body, "mac=00").await;
        assert_eq!(status, 401, "{kind} badly signed: {answer}");
    }
    // A real message after them still opens its item: the samples changed nothing.
    let (status, answer) = deliver(&hub, zalo_common::TEXT).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(zalo_common::unit_inbox(&hub).await.len(), 1);

    assert_eq!(
        count(
            &hub,
            "SELECT count(*) FROM zalo_messages WHERE msg_id = 'This is message id'"
        ),
        0
    );
    assert_eq!(count(&hub, "SELECT count(*) FROM feedback"), 1);
    assert_eq!(count(&hub, "SELECT count(*) FROM zalo_conversations"), 1);
    common::eventually(
        "the real message's ticket code sent",
        Duration::from_secs(20),
        async || !zalo.messages().is_empty(),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages = zalo.messages();
    assert_eq!(
        messages.len(),
        1,
        "only the real resident hears back: {messages:?}"
    );
    assert_eq!(
        messages[0].json()["recipient"]["user_id"],
        zalo_common::USER_ID
    );
    hub.stop().await;
}
