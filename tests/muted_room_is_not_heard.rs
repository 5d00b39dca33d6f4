//! A muted room's voice is dropped at the hub: real hub, two rooms, real media on loopback.
//! The commune enters muted (the chair's rule), so the province hears nothing of it while it
//! keeps sending; the host unmutes it → its audio reaches the province; mutes it again → the
//! hub forwards none of its packets and the province decodes none, while the host's own
//! voice keeps reaching the commune throughout.
//!
//! No fixed waits: every window is counted in audio packets the hub received from the
//! commune (Opus sends one every 20 ms), so "nothing arrived" always means "nothing arrived
//! while the room was demonstrably talking".

use crate::common::{self, Lazy, TestHub, eventually};
use crate::meeting_common::{self, chair, connected_rooms, start_meeting, wait_frames};

use std::time::Duration;

const DECODED: &str = "phonghop_room_call_audio_frames_decoded";

/// One forwarder figure for a participant's audio, from the hub's `/metrics`.
async fn hub_audio(hub: &TestHub, family: &str, meeting: &str, participant: &str) -> f64 {
    let series = format!(
        "{family}_total{{meeting=\"{meeting}\",participant=\"{participant}\",kind=\"audio\"}} "
    );
    meeting_common::metric(&hub.url, &series)
        .await
        .unwrap_or(0.0)
}

/// Audio frames a room decoded, over every slot (which slot carries a voice is routing).
async fn decoded(room: &common::TestRoom) -> f64 {
    meeting_common::metric_total(&room.health_url, DECODED)
        .await
        .unwrap_or(0.0)
}

/// Waits until the hub has received `packets` more audio packets from `participant`.
async fn hub_hears(hub: &TestHub, meeting: &str, participant: &str, packets: f64, what: &str) {
    let from = hub_audio(hub, "phonghop_hub_stream_packets_in", meeting, participant).await;
    let now = std::cell::Cell::new(from);
    let seen = Lazy(|| {
        format!(
            "{what}: {packets} audio packets from {participant} (got {})",
            now.get() - from
        )
    });
    eventually(seen, Duration::from_secs(20), async || {
        now.set(hub_audio(hub, "phonghop_hub_stream_packets_in", meeting, participant).await);
        now.get() >= from + packets
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_muted_rooms_audio_is_dropped_at_the_hub_and_flows_again_when_unmuted() {
    let dir = common::tempdir();
    let hub = common::start_hub(&dir.path().join("hub")).await;
    let rooms = connected_rooms(&hub, dir.path(), &["lao-cai", "lao-chai"]).await;
    let [p, c] = &rooms[..] else { unreachable!() };
    let (province, commune) = (p.id.clone(), c.id.clone());
    let meeting = start_meeting(&hub, &province, &[&commune]).await;
    let (p_room, c_room) = (&p.room, &c.room);

    // Both are in: each sees the other.
    let (_, _) = tokio::join!(
        wait_frames(
            &p.view,
            0,
            30,
            Duration::from_secs(60),
            "province sees the commune"
        ),
        wait_frames(
            &c.view,
            0,
            30,
            Duration::from_secs(60),
            "commune sees the province"
        ),
    );

    // Muted by the rule on entry: the commune talks, the province decodes nothing of it, and
    // the hub forwards the province no audio at all. The host is heard.
    let commune_heard_from = decoded(c_room).await;
    hub_hears(&hub, &meeting, &commune, 100.0, "muted on entry").await;
    assert_eq!(
        hub_audio(&hub, "phonghop_hub_stream_packets_out", &meeting, &province).await,
        0.0,
        "the hub forwarded audio of a room muted by the rule"
    );
    assert_eq!(
        decoded(p_room).await,
        0.0,
        "the province decoded a muted room's voice"
    );
    meeting_common::wait_metric(
        &c_room.health_url,
        DECODED,
        Duration::from_secs(15),
        "the commune hears the host",
        |v| v >= commune_heard_from + 25.0,
    )
    .await;

    // Explicitly unmuted by the host: its voice reaches the province.
    chair(
        &hub,
        &meeting,
        serde_json::json!({ "action": "unmute_room", "room": commune }),
    )
    .await;
    let before = decoded(p_room).await;
    let value = std::cell::Cell::new(before);
    eventually(
        Lazy(|| {
            format!(
                "the province decodes the unmuted commune (decoded {})",
                value.get()
            )
        }),
        Duration::from_secs(15),
        async || {
            value.set(decoded(p_room).await);
            value.get() >= before + 50.0
        },
    )
    .await;

    // Muted again: once the packets already on their way are through (a few packets the
    // hub received after the mute, a second for the room's decoder and metrics), the hub forwards none and the province decodes none
    // while the commune sends another two seconds.
    chair(
        &hub,
        &meeting,
        serde_json::json!({ "action": "mute_room", "room": commune }),
    )
    .await;
    hub_hears(&hub, &meeting, &commune, 50.0, "after the mute").await;
    let out_at_mute = hub_audio(&hub, "phonghop_hub_stream_packets_out", &meeting, &province).await;
    let decoded_at_mute = decoded(p_room).await;
    let commune_hears_from = decoded(c_room).await;
    hub_hears(&hub, &meeting, &commune, 100.0, "while muted").await;
    assert_eq!(
        hub_audio(&hub, "phonghop_hub_stream_packets_out", &meeting, &province).await,
        out_at_mute,
        "the hub forwarded a muted room's audio"
    );
    assert_eq!(
        decoded(p_room).await,
        decoded_at_mute,
        "the province decoded audio of a muted room"
    );
    assert!(
        decoded(c_room).await > commune_hears_from,
        "the host's voice stopped reaching the commune"
    );

    // Unmuted once more: it flows again.
    chair(
        &hub,
        &meeting,
        serde_json::json!({ "action": "unmute_room", "room": commune }),
    )
    .await;
    let value = std::cell::Cell::new(decoded_at_mute);
    eventually(
        Lazy(|| {
            format!(
                "the province decodes the commune again (decoded {})",
                value.get()
            )
        }),
        Duration::from_secs(15),
        async || {
            value.set(decoded(p_room).await);
            value.get() >= decoded_at_mute + 50.0
        },
    )
    .await;

    for r in rooms {
        r.room.stop().await;
    }
    hub.stop().await;
}
