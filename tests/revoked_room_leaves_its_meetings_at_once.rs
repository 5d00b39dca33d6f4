//! With real rooms and media: revoking a room (`phonghop hub revoke-room`, a write to the
//! database from another process) ends its media in the running meeting within seconds,
//! the meeting's roster drops it (the hub's view and the chair's roster every other room's
//! kiosk shows), and scheduled meetings no longer invite it. The rest of the meeting goes on.

use crate::common;
use crate::meeting_common;

use std::time::{Duration, Instant};

use meeting_common::*;

/// Waits until slot 0 of `view` has published no new frame for `quiet`; returns how long
/// after `from` that quiet spell began.
async fn media_stops(
    view: &phonghop::room::call_view::CallView,
    from: Instant,
    quiet: Duration,
    timeout: Duration,
    what: &str,
) -> Duration {
    let tile = view.tile(0).expect("slot").clone();
    let deadline = from + timeout;
    loop {
        let before = tile.frames_published();
        let began = from.elapsed();
        tokio::time::sleep(quiet).await;
        if tile.frames_published() == before {
            return began;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: frames still arriving {timeout:?} after the revocation ({} so far)",
            tile.frames_published()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_revoked_room_leaves_running_and_scheduled_meetings_at_once() {
    let dir = common::tempdir();
    let hub = common::start_hub(&dir.path().join("hub")).await;
    let mut rooms = connected_rooms(&hub, dir.path(), &["lao-cai", "lao-chai", "sa-pa"]).await;
    let other = rooms.pop().expect("other");
    let commune = rooms.pop().expect("commune");
    let province = rooms.pop().expect("province");
    let (p, c, o) = (province.id.clone(), commune.id.clone(), other.id.clone());
    let id = start_meeting(&hub, &p, &[&c, &o]).await;
    wait_frames(
        &commune.view,
        0,
        20,
        Duration::from_secs(60),
        "the commune sees the meeting",
    )
    .await;
    wait_frames(
        &other.view,
        0,
        20,
        Duration::from_secs(60),
        "the other room sees the meeting",
    )
    .await;

    // Every room's kiosk lists the commune before it is revoked.
    for (room, who) in [(&province, "the host"), (&other, "the other room")] {
        common::eventually(
            format!("{who}'s roster to show the commune present"),
            Duration::from_secs(10),
            async || {
                room.view
                    .snapshot()
                    .roster
                    .is_some_and(|r| r.seats.iter().any(|s| s.room_id == c && s.present))
            },
        )
        .await;
    }

    let client = common::admin_client(&hub);
    let scheduled: serde_json::Value = client
        .post(hub.url.join("api/v1/schedule").expect("url"))
        .json(
            &serde_json::json!({"title": "Giao ban", "start": "2099-12-10 08:00",
            "end": "2099-12-10 09:30", "host": p, "rooms": [p, c, o]}),
        )
        .send()
        .await
        .expect("schedule")
        .json()
        .await
        .expect("json");
    let scheduled_id = scheduled["id"].as_str().expect("id").to_owned();

    // As `phonghop hub revoke-room` does: a write to the database, not a call to the hub.
    let revoked_at = Instant::now();
    phonghop::hub::admin::revoke_room(&hub.config, &c).expect("revoke");

    let took = media_stops(
        &commune.view,
        revoked_at,
        Duration::from_millis(1500),
        Duration::from_secs(5),
        "the revoked commune",
    )
    .await;
    eprintln!("the hub stopped sending to the revoked room {took:?} after the revocation");

    // The rooms that stay are told at once: the commune is gone from their roster.
    for (room, who) in [(&province, "the host"), (&other, "the other room")] {
        let view = &room.view;
        common::eventually(
            common::Lazy(|| {
                format!(
                    "{who}'s roster to drop the revoked commune; roster: {:?}",
                    view.snapshot().roster
                )
            }),
            Duration::from_secs(3),
            async || {
                view.snapshot().roster.is_some_and(|r| {
                    !r.seats.iter().any(|s| s.room_id == c) && !r.hands.contains(&c)
                })
            },
        )
        .await;
    }

    let mut view = serde_json::Value::Null;
    common::eventually(
        "the meeting's roster to drop the revoked room",
        Duration::from_secs(3),
        async || {
            view = crate::meeting_common::meeting_view(&client, &hub, &id).await;
            let participants = view["participants"].as_array().expect("participants");
            !participants
                .iter()
                .any(|x| x["participant_id"] == c.as_str())
        },
    )
    .await;
    let invited: Vec<&str> = view["rooms"]
        .as_array()
        .expect("rooms")
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    assert!(!invited.contains(&c.as_str()), "{view}");
    assert!(invited.contains(&o.as_str()), "{view}");
    let present: Vec<&str> = view["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .filter_map(|x| x["participant_id"].as_str())
        .collect();
    assert!(
        present.contains(&p.as_str()) && present.contains(&o.as_str()),
        "{view}"
    );

    // The others' meeting goes on.
    wait_frames(
        &other.view,
        0,
        20,
        Duration::from_secs(60),
        "the other room still sees the meeting",
    )
    .await;

    let scheduled: serde_json::Value = client
        .get(
            hub.url
                .join(&format!("api/v1/schedule/{scheduled_id}"))
                .expect("url"),
        )
        .send()
        .await
        .expect("scheduled")
        .json()
        .await
        .expect("json");
    let text = scheduled.to_string();
    assert!(!text.contains(&c), "still invited: {text}");
    assert!(text.contains(&o), "{text}");

    province.room.stop().await;
    commune.room.stop().await;
    other.room.stop().await;
    hub.stop().await;
}
