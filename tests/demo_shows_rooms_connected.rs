//! `phonghop demo --headless --seconds N` starts a hub and two rooms, prints the rooms
//! connected every second, and exits 0.

use std::process::Command;

#[test]
fn the_headless_demo_shows_both_rooms_connected_and_exits_0() {
    let out = Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .args(["demo", "--headless", "--seconds", "3"])
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
    assert!(status_lines.len() >= 3, "a status line a second: {stdout}");
    let last = status_lines.last().expect("a status line");
    assert!(last.contains("rooms connected 2/2"), "{last}");
    assert!(
        last.contains("Lào Cai: connected") && last.contains("Lao Chải: connected"),
        "{last}"
    );
}
