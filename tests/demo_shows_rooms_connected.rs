//! `phonghop demo --headless --seconds N` starts a hub and two rooms, schedules a meeting
//! between them a few seconds later which both join by themselves, prints every second the
//! rooms connected, the frames per second each receives from the other, who is present and
//! who has the floor, then the meeting's attendance report as CSV, and exits 0.

use std::process::Command;

/// The frames per second a status line reports for the room named `who`.
fn fps_of(line: &str, who: &str) -> Option<u32> {
    let part = line.split(" | ").find(|p| p.contains(who))?;
    let after = part.split("receiving ").nth(1)?;
    after.split(' ').next()?.parse().ok()
}

#[test]
fn the_headless_demo_shows_both_rooms_connected_with_live_video_and_exits_0() {
    let out = Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .args(["demo", "--headless", "--seconds", "12"])
        .output()
        .expect("run demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status_lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("rooms connected"))
        .collect();
    assert!(status_lines.len() >= 5, "a status line a second: {stdout}");
    let last = status_lines.last().expect("a status line");
    assert!(last.contains("rooms connected 2/2"), "{last}");
    assert!(
        last.contains("Lào Cai: connected") && last.contains("Lao Chải: connected"),
        "{last}"
    );
    assert!(last.contains("meeting hop-"), "{last}");
    assert!(
        stdout.contains("/staff/ (demo-only passwords)")
            && stdout.contains("login tinh, password ")
            && stdout.contains("commune-staff of lao-chai: login laochai, password "),
        "the demo prints the dashboard and its two accounts: {stdout}"
    );
    // Video flows both ways: each room received frames in the last second.
    for who in ["Lào Cai", "Lao Chải"] {
        let fps = fps_of(last, who).unwrap_or_else(|| panic!("no fps for {who}: {last}"));
        assert!(fps > 0, "{who} receives no video: {last}");
    }
    // The scheduled meeting had not started at first; by the end both rooms are in it.
    assert!(
        status_lines[0].ends_with("not started"),
        "{}",
        status_lines[0]
    );
    assert!(
        last.contains("present: Phòng họp số tỉnh Lào Cai, Phòng họp số xã Lao Chải; floor: host Phòng họp số tỉnh Lào Cai"),
        "{last}"
    );
    // Then the attendance report: a header, one line per invited room, both joined.
    let lines: Vec<&str> = stdout.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.contains("join") && l.contains("minutes_present"))
        .unwrap_or_else(|| panic!("no attendance header: {stdout}"));
    let rows = &lines[header + 1..];
    assert_eq!(rows.len(), 2, "one line per invited room: {stdout}");
    for row in rows {
        assert!(!row.contains("never joined"), "{row}");
    }
    assert!(
        rows.iter().any(|r| r.contains("Lào Cai")) && rows.iter().any(|r| r.contains("Lao Chải")),
        "{rows:?}"
    );
}
