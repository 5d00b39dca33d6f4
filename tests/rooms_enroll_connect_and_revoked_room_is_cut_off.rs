//! A hub and two rooms in one process: enroll, connect, see each other's presence; revoke
//! one, it is cut off at once and its credential gets 401 from then on.

use crate::common;

use std::time::Duration;

use common::*;
use phonghop::room::HubLink;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_enroll_connect_and_a_revoked_room_is_cut_off() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (province_cfg, province_id) =
        enrolled_room(&hub, "lao-cai", dir.path().join("province")).await;
    let (commune_cfg, commune_id) =
        enrolled_room(&hub, "lao-chai", dir.path().join("commune")).await;
    let credential = crate::common::room_credential(&commune_cfg);

    let mut province = start_room(province_cfg).await;
    let mut commune = start_room(commune_cfg).await;

    // Each room sees both rooms connected, through the hub's presence updates.
    for room in [&mut province, &mut commune] {
        wait_for(
            &mut room.status,
            "both rooms present",
            Duration::from_secs(15),
            |s| s.connected() && s.presence.iter().filter(|p| p.connected).count() == 2,
        )
        .await;
    }
    let client = http();
    let me = client
        .get(hub.url.join("api/v1/rooms/me").expect("url"))
        .bearer_auth(&credential.credential)
        .send()
        .await
        .expect("request");
    assert_eq!(me.status(), 200);
    let me: serde_json::Value = me.json().await.expect("json");
    assert_eq!(me["id"], commune_id.as_str());

    // Revoke the commune the way `phonghop hub revoke-room` does: in the database.
    phonghop::hub::admin::revoke_room(&hub.config, &commune_id).expect("revoke");

    let status = wait_for(
        &mut commune.status,
        "the commune to be cut off",
        Duration::from_secs(5),
        |s| matches!(s.link, HubLink::Rejected { .. }),
    )
    .await;
    assert!(
        format!("{:?}", status.link).contains("revoked"),
        "{:?}",
        status.link
    );
    wait_for(
        &mut province.status,
        "the province to see the commune gone",
        Duration::from_secs(5),
        |s| s.connected() && s.presence.iter().all(|p| p.room_id != commune_id),
    )
    .await;
    assert!(
        province
            .status
            .borrow()
            .presence
            .iter()
            .any(|p| p.room_id == province_id && p.connected)
    );

    let after = client
        .get(hub.url.join("api/v1/rooms/me").expect("url"))
        .bearer_auth(&credential.credential)
        .send()
        .await
        .expect("request");
    assert_eq!(after.status(), 401);
    let ws = client
        .get(hub.url.join("api/v1/ws").expect("url"))
        .bearer_auth(&credential.credential)
        .send()
        .await
        .expect("request");
    assert_eq!(
        ws.status(),
        401,
        "a revoked room cannot open a WebSocket either"
    );

    // The presence log recorded the commune's session, opened and closed.
    commune.stop().await;
    province.stop().await;
    hub.stop().await;
    let store = phonghop::store::Store::open(&dir.path().join("hub/phonghop.db")).expect("open");
    let sessions = store.sessions_of(&commune_id).expect("sessions");
    assert!(
        !sessions.is_empty() && sessions.iter().all(|(_, end)| end.is_some()),
        "{sessions:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_wrong_and_malformed_credentials_get_401() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let client = http();
    let url = hub.url.join("api/v1/presence").expect("url");
    let cases: [(&str, Option<&str>); 4] = [
        ("missing", None),
        ("wrong", Some("Bearer phr1_0000")),
        ("not bearer", Some("Basic dXNlcjpwYXNz")),
        ("empty", Some("Bearer ")),
    ];
    for (what, header) in cases {
        let mut request = client.get(url.clone());
        if let Some(h) = header {
            request = request.header("authorization", h);
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), 401, "{what}");
        let body: serde_json::Value = response.json().await.expect("json error body");
        assert_eq!(body["error"], "unauthorized", "{what}");
    }
    let metrics = client
        .get(hub.url.join("metrics").expect("url"))
        .send()
        .await
        .expect("metrics");
    let text = metrics.text().await.expect("text");
    assert!(
        text.contains("phonghop_hub_auth_rejections_total{reason=\"missing\"} 1"),
        "{text}"
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrollment_code_works_once_and_only_for_its_unit() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (_, code) =
        phonghop::hub::admin::add_room(&hub.config, "demo.toml", "sa-pa", "Sa Pa").expect("add");

    let wrong_unit = room_config("ban-ho", dir.path().join("wrong"), &hub.url);
    let err = phonghop::room::enroll::enroll(&wrong_unit, None, &code)
        .await
        .expect_err("wrong unit");
    assert!(err.to_string().contains("\"sa-pa\""), "{err}");

    let right = room_config("sa-pa", dir.path().join("right"), &hub.url);
    phonghop::room::enroll::enroll(&right, None, &code.to_lowercase())
        .await
        .expect("typed in lower case");
    let again = room_config("sa-pa", dir.path().join("again"), &hub.url);
    let err = phonghop::room::enroll::enroll(&again, None, &code)
        .await
        .expect_err("second use");
    assert!(err.to_string().contains("already used"), "{err}");
    let err = phonghop::room::enroll::enroll(&right, None, &code)
        .await
        .expect_err("enrolled box");
    assert!(err.to_string().contains("already enrolled"), "{err}");
    hub.stop().await;
}
