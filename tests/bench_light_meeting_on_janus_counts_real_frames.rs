//! `phonghop bench meeting --light --engine janus`: the bench starts Debian's real Janus with
//! the project's configs and a hub whose media engine it is; one host replays a pre-encoded
//! 360p clip and three receive-only participants get it through their Janus subscriptions
//! (answered from a receive-only connection on the machine's network address). Every receiver
//! counts whole frames and keyframes, the decoding one gets real pictures out of the room's
//! own decoder, and Janus's own CPU is measured: with no media through Janus every count here
//! is zero.

#[test]
fn bench_light_meeting_on_janus_counts_real_frames() {
    let report = crate::bench_light_meeting_counts_real_frames::run_light_bench("janus", 4, 3, 6);
    assert_eq!(report["engine"], "janus", "{report}");
    assert_eq!(report["senders"], 1, "{report}");
    assert_eq!(report["receive_only"], 3, "{report}");
    assert_eq!(report["rooms_connected"], 4, "{report}");
    // The host is the only sender: its own slots show nobody; the three others see it.
    assert_eq!(report["rooms_live"], 3, "{report}");
    assert!(
        report["problems"].as_array().is_some_and(Vec::is_empty),
        "{report}"
    );
    let rooms = report["per_room"].as_array().expect("per_room");
    assert_eq!(rooms.len(), 4, "{report}");
    let receivers: Vec<&serde_json::Value> = rooms.iter().filter(|r| r["role"] != "host").collect();
    assert_eq!(receivers.len(), 3, "{report}");
    for room in &receivers {
        let fps = room["fps_slots"][0].as_f64().unwrap_or(0.0);
        // Low enough for a shared, loaded 2-core box; a stalled stream gives nothing.
        assert!(
            fps > 5.0,
            "slot 0 of {} carried the host's frames through Janus: {report}",
            room["room"]
        );
        assert!(
            room["keyframes"].as_u64().unwrap_or(0) >= 1,
            "{} counted a keyframe (the clip loops from one): {report}",
            room["room"]
        );
        assert!(
            room["packets"].as_u64().unwrap_or(0) > 100,
            "{}: {report}",
            room["room"]
        );
    }
    let decoding: Vec<&&serde_json::Value> = receivers
        .iter()
        .filter(|r| r["role"] == "decoding")
        .collect();
    assert_eq!(decoding.len(), 1, "{report}");
    assert!(
        decoding[0]["decoded_fps"].as_f64().unwrap_or(0.0) > 0.0,
        "the sample decoded real pictures received through Janus: {report}"
    );
    assert!(
        report["fps_received_min"].as_f64().unwrap_or(0.0) > 5.0,
        "{report}"
    );
    // Janus moved the media: its own process worked and held memory in the window.
    assert!(
        report["janus_cpu_pct"].as_f64().is_some_and(|c| c > 0.0),
        "{report}"
    );
    assert!(
        report["janus_rss_mb"].as_f64().is_some_and(|m| m > 1.0),
        "{report}"
    );
    assert!(report["hub_cpu_pct"].as_f64().is_some(), "{report}");
    assert!(
        report["packets_lost_pct"].as_f64().is_some_and(|p| p < 5.0),
        "{report}"
    );
    assert_eq!(
        report["goals"]["fps_received_min"]["met"],
        serde_json::Value::Null,
        "three receivers are not the goal's hundred: {report}"
    );
}
