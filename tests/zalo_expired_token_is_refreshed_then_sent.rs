//! An OA whose access token has expired gets a new one from the token endpoint (its refresh
//! token, the app's secret key), and only then is the message sent, with the new token; a
//! token Zalo refuses before its time (-216) is refreshed the same way and the message sent
//! once. A token near its expiry is refreshed ahead, with no message waiting. Tokens are
//! stored sealed: neither is in the database in clear.
//!
//! Zalo's servers are not reachable from here: the hub talks to a local server that records
//! its requests and answers as Zalo documents (`tests/zalo_common.rs`).

use std::time::Duration;

use crate::common;
use crate::zalo_common::{
    self, APP_ID, APP_SECRET, OA_ID, TEXT, ZaloServer, deliver, in_ms, text_from,
};

fn stored_token_bytes(hub: &common::TestHub) -> Vec<u8> {
    let conn =
        rusqlite::Connection::open(phonghop::datadir::DataDir::new(&hub.config.data_dir).db_path())
            .expect("db");
    let (access, refresh): (Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT sealed_access, sealed_refresh FROM zalo_tokens WHERE oa_id = ?1",
            [OA_ID],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("tokens");
    [access, refresh].concat()
}

fn holds(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_access_token_is_refreshed_before_the_message_is_sent() {
    let dir = common::tempdir();
    let zalo = ZaloServer::start("access-0", "refresh-0").await;
    let hub = zalo_common::start_hub(&dir.path().join("hub"), &zalo).await;
    zalo_common::connect(&hub, "access-0", "refresh-0", in_ms(-1000));
    assert!(!holds(&stored_token_bytes(&hub), "refresh-0"), "sealed");

    assert_eq!(deliver(&hub, TEXT).await.0, 200);
    common::eventually("the ticket message", Duration::from_secs(20), async || {
        !zalo.messages().is_empty()
    })
    .await;
    let requests = zalo.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/v4/oa/access_token", "/v3.0/oa/message/cs"]);
    let refresh = &requests[0];
    assert_eq!(refresh.headers["secret_key"], APP_SECRET);
    assert_eq!(
        refresh.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let form = refresh.form();
    assert_eq!(form["refresh_token"], "refresh-0");
    assert_eq!(form["app_id"], APP_ID);
    assert_eq!(form["grant_type"], "refresh_token");
    assert_eq!(requests[1].headers["access_token"], "access-1");
    let sealed = stored_token_bytes(&hub);
    assert!(
        !holds(&sealed, "access-1") && !holds(&sealed, "refresh-1"),
        "sealed"
    );

    // Zalo revokes the token before its time: the next message is refused (-216), the token
    // refreshed, the message sent once.
    zalo.void_access_token();
    assert_eq!(
        deliver(&hub, &text_from("777", "msg-777", "Đường ngập"))
            .await
            .0,
        200
    );
    common::eventually(
        "the second ticket message",
        Duration::from_secs(20),
        async || zalo.messages().len() == 3,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let requests = zalo.requests();
    let tail: Vec<(&str, &str)> = requests[2..]
        .iter()
        .map(|r| {
            (
                r.path.as_str(),
                r.headers.get("access_token").map_or("", String::as_str),
            )
        })
        .collect();
    assert_eq!(
        tail,
        [
            ("/v3.0/oa/message/cs", "access-1"),
            ("/v4/oa/access_token", ""),
            ("/v3.0/oa/message/cs", "access-2"),
        ]
    );
    assert_eq!(requests[3].form()["refresh_token"], "refresh-1");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_near_its_expiry_is_refreshed_ahead_with_no_message_waiting() {
    let dir = common::tempdir();
    let zalo = ZaloServer::start("access-0", "refresh-0").await;
    let config = zalo_common::hub_config(&dir.path().join("hub"), &zalo);
    // Connected before the hub starts; the token has half an hour left.
    phonghop::hub::zalo::store_tokens(
        &config,
        OA_ID,
        "refresh-0",
        Some(("access-0", in_ms(30 * 60 * 1000))),
    )
    .expect("tokens");
    let hub = common::start_configured_hub(config).await;
    common::eventually("the token refreshed", Duration::from_secs(20), async || {
        !zalo.requests().is_empty()
    })
    .await;
    let store = phonghop::app::open_store(&hub.config.data_dir).expect("store");
    common::eventually(
        "the new token stored",
        Duration::from_secs(10),
        async || {
            store
                .zalo_tokens(OA_ID)
                .expect("db")
                .is_some_and(|t| t.access_expires_at_ms > in_ms(24 * 3600 * 1000))
        },
    )
    .await;
    let paths: Vec<String> = zalo.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/v4/oa/access_token"], "one refresh, no message");
    hub.stop().await;
}
