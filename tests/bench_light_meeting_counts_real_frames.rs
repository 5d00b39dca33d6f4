//! `phonghop bench meeting --light`: two senders replaying a pre-encoded 360p clip and four
//! receive-only rooms, all real participants of a real hub (enrolled, on the room
//! WebSocket, WebRTC through the project's own peer). Every receiver counts whole frames and
//! keyframes on its pictures, and the one that decodes gets real pictures out of the room's
//! own decoder: with no media flowing every count here is zero.

/// Runs `phonghop bench meeting --light` with `engine`, participants in all, receive-only
/// ones and seconds (one decoding, 360p, JSON) and returns its report, failing with its
/// stderr when it fails.
pub fn run_light_bench(
    engine: &str,
    rooms: u32,
    receive_only: u32,
    seconds: u32,
) -> serde_json::Value {
    let (rooms, receive_only, seconds) = (
        rooms.to_string(),
        receive_only.to_string(),
        seconds.to_string(),
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .args([
            "bench",
            "meeting",
            "--light",
            "--engine",
            engine,
            "--rooms",
            &rooms,
            "--receive-only",
            &receive_only,
            "--decode-sample",
            "1",
            "--seconds",
            &seconds,
            "--max-layer",
            "360p",
            "--json",
        ])
        .env("PHONGHOP_LOG", "warn")
        .output()
        .expect("run the light meeting bench");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "bench meeting --light --engine {engine} failed: {stderr}"
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

#[test]
fn bench_light_meeting_counts_real_frames() {
    let report = run_light_bench("builtin", 6, 4, 8);
    assert_eq!(report["engine"], "builtin", "{report}");
    assert_eq!(report["senders"], 2, "{report}");
    assert_eq!(report["receive_only"], 4, "{report}");
    assert_eq!(report["rooms_live"], 6, "{report}");
    assert!(
        report["clip"]["video_frames"].as_u64().unwrap_or(0) >= 60,
        "the clip was encoded once: {report}"
    );
    let rooms = report["per_room"].as_array().expect("per_room");
    assert_eq!(rooms.len(), 6, "{report}");
    for room in rooms {
        let fps = room["fps_slots"][0].as_f64().unwrap_or(0.0);
        // Low enough for a shared, loaded 2-core box; a stalled stream gives nothing.
        assert!(
            fps > 5.0,
            "slot 0 of {} carried frames: {report}",
            room["room"]
        );
        assert!(
            room["keyframes"].as_u64().unwrap_or(0) >= 1,
            "{} counted a keyframe (the clip loops from one): {report}",
            room["room"]
        );
    }
    let decoding: Vec<&serde_json::Value> =
        rooms.iter().filter(|r| r["role"] == "decoding").collect();
    assert_eq!(decoding.len(), 1, "{report}");
    assert!(
        decoding[0]["decoded_fps"].as_f64().unwrap_or(0.0) > 0.0,
        "the sample decoded real pictures (a loaded box loses packets, and a decoder that \
         lost one waits for the next keyframe, so only some): {report}"
    );
    assert!(
        report["fps_received_min"].as_f64().unwrap_or(0.0) > 5.0,
        "{report}"
    );
    assert!(report["hub_cpu_pct"].as_f64().is_some(), "{report}");
    assert!(
        report["load_generator_cpu_pct"].as_f64().is_some(),
        "{report}"
    );
    // On loopback packets are lost only when the box is too busy to read its sockets in time
    // (their buffers overflow): a few percent when tests run side by side on 2 cores (5.6 %
    // seen with four at once), far more only if the counting were wrong.
    assert!(
        report["packets_lost_pct"]
            .as_f64()
            .is_some_and(|p| p < 20.0),
        "{report}"
    );
}
