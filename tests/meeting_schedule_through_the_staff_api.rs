//! The staff API schedules, changes and cancels meetings in province time, refuses bad plans
//! saying what to fix, lets staff chair a running meeting, and reports its attendance from
//! the events the hub stored.

use serde_json::{Value, json};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_schedule_chair_and_read_attendance_over_the_api() {
    let dir = tempdir();
    let hub_dir = dir.path().join("hub");
    let hub = start_hub(&hub_dir).await;
    let store = phonghop::app::open_store(&hub.config.data_dir).expect("db");
    let mut ids = Vec::new();
    for (i, name) in ["Tỉnh", "Xã A"].iter().enumerate() {
        let room = store
            .create_room("unit", name, &format!("LC-{i}"), &format!("h{i}"), 1, 0)
            .expect("room")
            .expect("free prefix");
        ids.push(room.id);
    }
    let (p, a) = (ids[0].clone(), ids[1].clone());
    let client = admin_client(&hub);
    let api = |path: &str| hub.url.join(path).expect("url");

    let made = client
        .post(api("api/v1/schedule"))
        .json(
            &json!({"title": "Giao ban", "start": "2099-12-10 08:00", "end": "2099-12-10 09:30",
                      "host": p, "rooms": [p, a], "agenda": ["Báo cáo"]}),
        )
        .send()
        .await
        .expect("create");
    assert_eq!(made.status(), 201);
    let made: Value = made.json().await.expect("json");
    let id = made["id"].as_str().expect("id").to_owned();
    assert_eq!(made["start_local"], "2099-12-10 08:00");
    assert_eq!(made["status"], "scheduled");

    let bad = client
        .post(api("api/v1/schedule"))
        .json(
            &json!({"title": "Họp", "start": "2099-12-10 10:00", "end": "2099-12-10 09:00",
                      "host": p, "rooms": [p, a]}),
        )
        .send()
        .await
        .expect("refused");
    assert_eq!(bad.status(), 422);
    let bad: Value = bad.json().await.expect("json");
    assert!(
        bad["message"]
            .as_str()
            .expect("message")
            .contains("give an end after the start"),
        "{bad}"
    );

    let changed: Value = crate::common::send_json(
        client
            .patch(api(&format!("api/v1/schedule/{id}")))
            .json(&json!({"title": "Giao ban (dời)", "start": "2099-12-10 08:30"})),
        "change",
    )
    .await;
    assert_eq!(changed["title"], "Giao ban (dời)");
    assert_eq!(changed["start_local"], "2099-12-10 08:30");
    let listed: Value = crate::common::send_json(client.get(api("api/v1/schedule")), "list").await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let cancelled = client
        .delete(api(&format!("api/v1/schedule/{id}")))
        .send()
        .await
        .expect("cancel");
    assert_eq!(cancelled.status(), 200);
    let again = client
        .delete(api(&format!("api/v1/schedule/{id}")))
        .send()
        .await
        .expect("cancel");
    assert_eq!(again.status(), 422);
    let missing = client
        .get(api("api/v1/schedule/hop-none"))
        .send()
        .await
        .expect("get");
    assert_eq!(missing.status(), 404);

    // A meeting running now, chaired by staff: nobody has joined, so the floor cannot be
    // given; the host's end ends it and the report marks both rooms as never joined.
    let started: Value = crate::common::send_json(
        client
            .post(api("api/v1/meetings"))
            .json(&json!({"host": p, "rooms": [a]})),
        "start",
    )
    .await;
    let running = started["id"].as_str().expect("id").to_owned();
    let chair = api(&format!("api/v1/meetings/{running}/chair"));
    let refused = client
        .post(chair.clone())
        .json(&json!({"action": "give_floor", "room": a}))
        .send()
        .await
        .expect("give floor");
    assert_eq!(refused.status(), 422);
    let refused: Value = refused.json().await.expect("json");
    assert!(
        refused["message"]
            .as_str()
            .expect("message")
            .contains("is not in the meeting now"),
        "{refused}"
    );
    let roster: Value = crate::common::send_json(
        client
            .post(chair.clone())
            .json(&json!({"action": "mute_all"})),
        "mute all",
    )
    .await;
    assert_eq!(roster["host"], p.as_str());
    assert_eq!(roster["seats"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        roster["seats"][1]["name"], "Xã A",
        "absent rooms are named too"
    );
    let ended = client
        .post(chair.clone())
        .json(&json!({"action": "end"}))
        .send()
        .await
        .expect("end");
    assert_eq!(ended.status(), 200);
    let gone = client
        .get(api(&format!("api/v1/meetings/{running}")))
        .send()
        .await
        .expect("show");
    assert_eq!(gone.status(), 404, "the host's end ends the meeting");

    eventually(
        "the end is stored",
        std::time::Duration::from_secs(5),
        || {
            let store = store.clone();
            let running = running.clone();
            async move { !store.meeting_events(&running).expect("events").is_empty() }
        },
    )
    .await;
    let csv = client
        .get(api(&format!("api/v1/schedule/{running}/report?format=csv")))
        .send()
        .await
        .expect("report");
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let csv = csv.text().await.expect("text");
    assert_eq!(
        csv,
        format!(
            "{}\n{p},Tỉnh,,,0,0,0,0,never joined\n{a},Xã A,,,0,0,0,0,never joined\n",
            phonghop::meeting::attendance::CSV_HEADER
        )
    );
    hub.stop().await;
}
