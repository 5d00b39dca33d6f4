//! `phonghop bench crash --kills 30`: a room taking kiosk submissions and a hub taking sync
//! uploads and signed bank webhooks are each killed with SIGKILL 15 times at random moments;
//! every acknowledged item is there afterwards, none twice, the database checks out, and
//! each box comes back by itself (the bench fails otherwise).

#[test]
fn thirty_kills_lose_and_double_nothing() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .args(["bench", "crash", "--kills", "30", "--seed", "14", "--json"])
        .env("PHONGHOP_LOG", "warn")
        .output()
        .expect("run the crash bench");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench crash failed: {stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("one JSON object on stdout");
    assert_eq!(report["kills"], 30, "{report}");
    for part in ["room", "hub"] {
        let part = &report[part];
        assert_eq!(part["kills"], 15, "{report}");
        assert!(
            part["acknowledged"].as_u64().expect("a count") > 15,
            "the load ran between kills: {report}"
        );
        assert!(
            part["restarts_served"].as_u64().expect("a count") >= 10,
            "most starts were seen serving: {report}"
        );
    }
    assert_eq!(report["lost"], 0, "{report}");
    assert_eq!(report["duplicated"], 0, "{report}");
    assert_eq!(report["integrity_ok"], true, "{report}");
}
