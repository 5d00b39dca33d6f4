//! A browser whose network lets only the TURN server through, in a Janus-backed meeting:
//! headless Chromium with `iceTransportPolicy: "relay"` on both of its connections (the one
//! publishing at Janus, the one answering Janus's subscriber offer), Debian's coturn with the
//! project's config (on loopback; relaying on this machine's address, where Janus's host
//! candidates are, with `allowed-peer-ip` naming it as the README says) and Debian's Janus
//! with the project's configs, which is given no TURN server: the browser's relay candidate
//! reaches Janus's host candidate. Chromium decodes the host's stamped picture over a relay
//! pair, the host decodes Chromium's picture, and coturn allocated the relay for the
//! credential the hub made for the browser (`<expiry>:web-…`).

use std::time::Duration;

use phonghop::config::Secret;
use phonghop::room::stamp_tag_for;

use crate::common::tempdir;
use crate::coturn_common::{Coturn, browser_turn_users, free_port};
use crate::janus_common::janus_and_hub_with;
use crate::janus_meeting_carries_media::{janus_rooms, network_ip};
use crate::meet_watch_common::{WatchedBrowser, browser_slot, frames_decoded, tag};
use crate::meeting_common::{browser_link, npm_dir, start_meeting, wait_frames};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn relay_only_chromium_sees_and_is_seen_through_coturn_and_janus() {
    npm_dir();
    let dir = tempdir();
    let secret = "phonghop-test-turn-secret-janus";
    let turn_port = free_port();
    let ip = network_ip();
    let coturn = Coturn::start_relaying_on(
        &dir.path().join("coturn"),
        turn_port,
        (49420, 49459),
        secret,
        ip,
    );
    let (_janus, hub) = janus_and_hub_with(dir.path(), |config| {
        config.media.ice_servers = vec![format!("turn:127.0.0.1:{turn_port}")];
        config.media.turn_secret = Some(Secret::new(secret));
        config.media.turn_credential_ttl_secs = 3600;
    })
    .await;
    let rooms = janus_rooms(&hub, dir.path(), &["lao-cai"]).await;
    let host = &rooms[0];
    let host_tag = stamp_tag_for(&host.id);
    let meeting = start_meeting(&hub, &host.id, &[]).await;
    let link = browser_link(&hub, &meeting, "Chủ tịch (qua TURN)").await;
    let mut browser = WatchedBrowser::start(&link, 120, &["--relay-only"]);

    let relayed = |pair: &serde_json::Value| {
        pair["localType"] == "relay"
            && pair["localUrl"]
                .as_str()
                .is_some_and(|u| u.contains(&format!("127.0.0.1:{turn_port}")))
    };
    let line = browser
        .wait_until(
            "relay-only Chromium decodes the host's picture through coturn and Janus",
            Duration::from_secs(60),
            |l| {
                tag(l, 0) == Some(host_tag)
                    && frames_decoded(l, 0) >= 30
                    && relayed(&l["stats"]["receivingPair"])
            },
        )
        .await;
    // Both of the page's connections run over coturn's relay, to Janus's host candidate on
    // this machine's address.
    let stats = &line["stats"];
    for pair in [&stats["receivingPair"], &stats["selectedPair"]] {
        assert!(relayed(pair), "not relayed through coturn: {line}");
        assert_eq!(pair["remoteType"], "host", "{line}");
        assert_eq!(pair["remoteAddress"], ip.to_string(), "{line}");
    }

    // The host decodes the relayed browser's picture.
    let slot = browser_slot(&host.view, "the host given the browser in a slot").await;
    let took = wait_frames(
        &host.view,
        slot,
        30,
        Duration::from_secs(60),
        "the host decodes the relay-only browser's picture through Janus",
    )
    .await;
    eprintln!(
        "relay-only Chromium on Janus: decoding after {} ms; the host decoded 30 of its frames in {took:?}",
        line["t"]
    );

    // coturn accepted the hub's credential for the browser and allocated its relay.
    let log = coturn.log_text();
    let users = browser_turn_users(&log);
    assert!(
        users.iter().any(|u| log
            .lines()
            .any(|l| l.contains(u.as_str()) && l.contains("ALLOCATE processed, success"))),
        "coturn allocated no relay for a web-… user; its log:\n{log}"
    );

    browser.finish().await;
    for r in rooms {
        r.room.stop().await;
    }
    hub.stop().await;
    drop(coturn);
}
