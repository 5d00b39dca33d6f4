//! TURN with coturn's own server: Debian's `/usr/bin/turnserver`, started here on loopback
//! ports with `config/coturn.conf` (only its addresses, ports, secret and log moved for the
//! test), and a hub with `[media] turn_secret`. Headless Chromium joins a meeting by link
//! with `iceTransportPolicy: "relay"`, so its media can only go through coturn with the
//! credential the hub gave it: it decodes the room's video, the room decodes its video, the
//! selected candidate pair is a relay one, and coturn logs the allocation of the browser's
//! `<expiry>:web-…` username (and of the room's `<expiry>:<room id>`: webrtc-rs gathers a
//! relay candidate with the credential its invite carried). coturn's own client,
//! `turnutils_uclient`, relays with a credential the hub makes and is refused with one
//! tampered or expired. With a hub whose secret differs from coturn's, coturn refuses
//! the allocation (401) and no picture gets through either way.

use crate::common;
use crate::meeting_common;

use std::path::Path;
use std::time::Duration;

use crate::coturn_common::{Coturn, HINT, browser_turn_users, free_port};
use meeting_common::*;
use phonghop::config::Secret;

/// A hub whose meetings give out `turn:127.0.0.1:<port>` with credentials from `secret`.
async fn hub_with_turn(dir: &Path, turn_port: u16, secret: &str) -> common::TestHub {
    let mut config = common::hub_config(&dir.join("hub"));
    config.media.ice_servers = vec![format!("turn:127.0.0.1:{turn_port}")];
    config.media.turn_secret = Some(Secret::new(secret));
    config.media.turn_credential_ttl_secs = 3600;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    common::start_hub_on(listener, config).await
}

/// Runs `scripts/meet-browser.mjs --relay-only` on `link`; returns its last line as JSON
/// and its whole output.
async fn relay_only_browser(link: &str, args: &[&str]) -> (serde_json::Value, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/meet-browser.mjs");
    let output = tokio::process::Command::new("node")
        .arg(&script)
        .arg(link)
        .arg("--relay-only")
        .args(args)
        .env("PHONGHOP_NPM_DIR", npm_dir())
        .kill_on_drop(true)
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run node ({e}): {BROWSER_HINT}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let text = format!("{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let result = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (result, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn relay_only_chromium_and_a_room_see_each_other_through_coturn() {
    let dir = common::tempdir();
    let secret = "phonghop-test-turn-secret-1";
    let turn_port = free_port();
    let coturn = Coturn::start(
        &dir.path().join("coturn"),
        turn_port,
        (49300, 49339),
        secret,
    );
    let hub = hub_with_turn(dir.path(), turn_port, secret).await;
    let (
        CallRoom {
            room,
            view,
            id: room_id,
            ..
        },
        meeting,
    ) = meeting_common::one_room_live(&hub, dir.path()).await;
    let link = browser_link(&hub, &meeting, "Chủ tịch (qua TURN)").await;

    let browser = relay_only_browser(
        &link,
        &[
            "--until-frames",
            "30",
            "--until-sent",
            "90",
            "--timeout-secs",
            "60",
        ],
    );
    let room_side = async {
        tokio::time::timeout(
            Duration::from_secs(60),
            wait_frames(
                &view,
                0,
                30,
                Duration::from_secs(60),
                "the room decodes the relayed browser's video",
            ),
        )
        .await
    };
    let ((result, output), room_took) = tokio::join!(browser, room_side);
    let log = coturn.log_text();
    assert_eq!(
        result["ok"], true,
        "Chromium (relay only) got no video through coturn: {output}\ncoturn's log:\n{log}"
    );
    assert!(
        result["framesDecoded"].as_u64().unwrap_or(0) >= 30,
        "{result}"
    );
    let pair = &result["selectedPair"];
    assert_eq!(pair["localType"], "relay", "media is not relayed: {result}");
    assert!(
        pair["localUrl"]
            .as_str()
            .is_some_and(|u| u.contains(&format!("127.0.0.1:{turn_port}"))),
        "the relay candidate is not coturn's: {result}"
    );
    let room_took = room_took.unwrap_or_else(|_| {
        panic!("the room got no video from the relayed browser; browser said {result}")
    });
    // coturn itself accepted the hub's credential for this browser and allocated a relay.
    let users = browser_turn_users(&log);
    assert!(
        !users.is_empty(),
        "coturn logged no session of a web-… user; its log:\n{log}"
    );
    let expiry: u64 = users[0]
        .split(':')
        .next()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("username {:?} does not start with a time", users[0]));
    let now = u64::try_from(phonghop::clock::now_ms() / 1000).expect("time");
    assert!(
        (now + 3000..=now + 3600).contains(&expiry),
        "the credential expires at {expiry}, not about an hour from {now}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains(&users[0]) && l.contains("ALLOCATE processed, success")),
        "coturn did not allocate a relay for {}; its log:\n{log}",
        users[0]
    );
    // The room (webrtc-rs, all candidates allowed) gathers a relay candidate too, with the
    // credential its invite carried: `<expiry>:<room id>`.
    assert!(
        log.lines()
            .any(|l| l.contains(&format!(":{room_id}>"))
                && l.contains("ALLOCATE processed, success")),
        "coturn allocated no relay for the room {room_id}'s own credential; its log:\n{log}"
    );
    eprintln!(
        "relayed browser: {result}; room decoded 30 of its frames after {room_took:?}; coturn user {}",
        users[0]
    );

    room.stop().await;
    hub.stop().await;
    drop(coturn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hub_with_another_secret_than_coturn_gets_no_media_through() {
    let dir = common::tempdir();
    let turn_port = free_port();
    let coturn = Coturn::start(
        &dir.path().join("coturn"),
        turn_port,
        (49340, 49379),
        "phonghop-test-turn-secret-coturn",
    );
    let hub = hub_with_turn(dir.path(), turn_port, "phonghop-test-turn-secret-hub-x").await;
    let (CallRoom { room, view, .. }, meeting) =
        meeting_common::one_room_live(&hub, dir.path()).await;
    let link = browser_link(&hub, &meeting, "Khách (sai khoá)").await;
    let tile = view.tile(0).expect("slot").clone();
    let before = tile.frames_published();

    let (result, output) =
        relay_only_browser(&link, &["--until-frames", "1", "--timeout-secs", "20"]).await;
    let log = coturn.log_text();
    assert_eq!(
        result["ok"], false,
        "a relay-only browser got video although coturn has another secret: {result}"
    );
    let decoded = result["last"]["inboundVideo"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|s| s["framesDecoded"].as_u64().unwrap_or(0))
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0);
    assert_eq!(decoded, 0, "{output}");
    assert_eq!(
        tile.frames_published(),
        before,
        "the room decoded pictures of a browser whose TURN credential coturn must refuse"
    );
    // The browser did ask coturn (with the hub's username), and coturn said 401.
    let users = browser_turn_users(&log);
    assert!(
        !users.is_empty(),
        "the browser never reached coturn with the hub's username; its log:\n{log}\n{output}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains(&users[0]) && l.contains("401")),
        "coturn did not refuse {} with 401; its log:\n{log}",
        users[0]
    );
    assert!(
        !log.contains("ALLOCATE processed, success"),
        "coturn allocated a relay with a wrong credential; its log:\n{log}"
    );

    room.stop().await;
    hub.stop().await;
    drop(coturn);
}

/// coturn's own client (`turnutils_uclient`, in the same Debian package) with the username
/// and password the hub gives a room: two allocations that send to each other through the
/// relay, exit 0 and nothing lost. The same with the password altered, or with a credential
/// that expired a minute ago, is refused.
#[test]
fn coturn_relays_for_the_hubs_credential_and_refuses_a_tampered_or_expired_one() {
    let dir = common::tempdir();
    let secret = "phonghop-test-turn-secret-2";
    let turn_port = free_port();
    let coturn = Coturn::start(
        &dir.path().join("coturn"),
        turn_port,
        (49380, 49419),
        secret,
    );
    let mut media = common::hub_config(&dir.path().join("hub")).media;
    media.ice_servers = vec![format!("turn:127.0.0.1:{turn_port}")];
    media.turn_secret = Some(Secret::new(secret));
    media.turn_credential_ttl_secs = 600;
    let now_ms = phonghop::clock::now_ms();
    let server = media.ice_servers_for("lao-chai", now_ms).remove(0);
    let username = server.username.expect("a username");
    let password = server.credential.expect("a password");
    let uclient = |username: &str, password: &str| {
        std::process::Command::new("/usr/bin/turnutils_uclient")
            .args(["-p", &turn_port.to_string(), "-u", username, "-w", password])
            // Client to client through two relays, no RTCP, three messages, IPv4 relays.
            .args(["-y", "-c", "-n", "3", "-m", "1", "-X", "127.0.0.1"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run turnutils_uclient ({e}): {HINT}"))
    };

    let out = uclient(&username, &password);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("Total lost packets 0"),
        "coturn refused the hub's credential {username:?}: {text}\ncoturn's log:\n{}",
        coturn.log_text()
    );

    let tampered = format!("x{password}");
    let out = uclient(&username, &tampered);
    assert!(
        !out.status.success(),
        "coturn relayed with a tampered password: {}",
        String::from_utf8_lossy(&out.stdout)
    );

    let expired = media
        .ice_servers_for("lao-chai", now_ms - 660_000)
        .remove(0);
    let expired_user = expired.username.expect("a username");
    let out = uclient(&expired_user, &expired.credential.expect("a password"));
    assert!(
        !out.status.success(),
        "coturn relayed with a credential that expired a minute ago: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let log = coturn.log_text();
    assert!(
        log.lines()
            .any(|l| l.contains(&format!("user <{expired_user}>")) && l.contains("401")),
        "coturn did not answer the expired {expired_user:?} with 401; its log:\n{log}"
    );
}
