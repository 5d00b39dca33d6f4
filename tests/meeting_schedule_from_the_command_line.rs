//! Staff schedule, change and cancel meetings from the hub's command line in province time,
//! and bad plans are refused with a message that says what to fix; the attendance report of
//! a scripted meeting is exactly the expected CSV.

use std::path::Path;
use std::process::Output;

use phonghop::meeting::floor::{Actor, Floor, FloorAction};
use phonghop::meeting::schedule::parse_local;
use phonghop::store::Store;

use crate::common::*;

fn hub_meeting(config: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .args(["hub", "meeting"])
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .expect("run phonghop")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(config: &Path, args: &[&str]) -> String {
    let out = hub_meeting(config, args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stdout(&out));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A hub config on a fresh data directory with three rooms: province, Xã A, Xã B.
fn setup(dir: &Path) -> (std::path::PathBuf, Store, [String; 3]) {
    let hub_dir = dir.join("hub");
    let config = dir.join("hub.toml");
    std::fs::write(
        &config,
        HUB_TOML.replace(
            "data_dir = \"/tmp/phonghop-demo\"",
            &format!("data_dir = {hub_dir:?}"),
        ),
    )
    .expect("config");
    std::fs::create_dir_all(&hub_dir).expect("dir");
    let store = Store::open(&hub_dir.join("phonghop.db")).expect("db");
    let mut ids = Vec::new();
    for (i, name) in ["Tỉnh", "Xã A", "Xã B"].iter().enumerate() {
        let room = store
            .create_room("unit", name, &format!("LC-{i}"), &format!("h{i}"), 1, 0)
            .expect("room")
            .expect("free prefix");
        ids.push(room.id);
    }
    (
        config,
        store,
        [ids[0].clone(), ids[1].clone(), ids[2].clone()],
    )
}

#[test]
fn a_meeting_is_scheduled_changed_and_cancelled_in_province_time() {
    let dir = tempdir();
    let (config, store, [p, a, b]) = setup(dir.path());
    let rooms = format!("{p},{a}");
    let out = hub_meeting(
        &config,
        &[
            "create",
            "--title",
            "Giao ban tháng 12",
            "--start",
            "2099-12-10 08:00",
            "--end",
            "2099-12-10 10:00",
            "--host",
            &p,
            "--rooms",
            &rooms,
            "--agenda",
            "Báo cáo",
            "--agenda",
            "Thảo luận",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = stdout(&out).lines().next().expect("id").to_owned();
    let stored = store.scheduled_meeting(&id).expect("read").expect("stored");
    assert_eq!(
        stored.plan.start_ms,
        parse_local("2099-12-10 08:00").expect("t")
    );
    assert_eq!(
        phonghop::clock::rfc3339(stored.plan.start_ms),
        "2099-12-10T01:00:00Z",
        "stored as UTC"
    );
    assert_eq!(stored.plan.agenda, vec!["Báo cáo", "Thảo luận"]);

    let listed = stdout(&hub_meeting(&config, &["schedule-list"]));
    assert!(
        listed.contains(&id) && listed.contains("2099-12-10 08:00 – 2099-12-10 10:00"),
        "{listed}"
    );
    assert!(
        listed.contains("scheduled") && listed.contains("Giao ban tháng 12"),
        "{listed}"
    );

    let rooms = format!("{p},{a},{b}");
    let out = hub_meeting(
        &config,
        &[
            "change",
            &id,
            "--start",
            "2099-12-10 09:00",
            "--rooms",
            &rooms,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let changed = store.scheduled_meeting(&id).expect("read").expect("stored");
    assert_eq!(changed.plan.rooms, vec![p.clone(), a.clone(), b.clone()]);
    assert_eq!(
        changed.plan.start_ms,
        parse_local("2099-12-10 09:00").expect("t")
    );

    let err = refused(&config, &["change", &id, "--end", "2099-12-10 08:30"]);
    assert!(err.contains("give an end after the start"), "{err}");

    assert!(hub_meeting(&config, &["cancel", &id]).status.success());
    let err = refused(&config, &["cancel", &id]);
    assert!(err.contains("is cancelled"), "{err}");
    let err = refused(&config, &["change", &id, "--title", "x"]);
    assert!(
        err.contains("only a scheduled meeting can be changed"),
        "{err}"
    );
}

#[test]
fn bad_plans_are_refused_with_what_to_fix() {
    let dir = tempdir();
    let (config, store, [p, a, b]) = setup(dir.path());
    store.revoke_room(&b, 5).expect("revoke");
    let both = format!("{p},{a}");
    let create = |start: &str, end: &str, host: &str, rooms: &str| {
        refused(
            &config,
            &[
                "create", "--title", "Họp", "--start", start, "--end", end, "--host", host,
                "--rooms", rooms,
            ],
        )
    };
    let err = create("2020-01-01 08:00", "2020-01-01 09:00", &p, &both);
    assert!(err.contains("is in the past"), "{err}");
    let err = create("2099-01-01 09:00", "2099-01-01 08:00", &p, &both);
    assert!(err.contains("give an end after the start"), "{err}");
    let err = create("01/01/2099 08:00", "2099-01-01 09:00", &p, &both);
    assert!(
        err.contains("is not a local time like \"2026-12-10 08:00\""),
        "{err}"
    );
    let err = create(
        "2099-01-01 08:00",
        "2099-01-01 09:00",
        &p,
        &format!("{a},nowhere"),
    );
    assert!(err.contains("must be one of the rooms invited"), "{err}");
    let err = create(
        "2099-01-01 08:00",
        "2099-01-01 09:00",
        &p,
        &format!("{p},nowhere"),
    );
    assert!(err.contains("no room \"nowhere\" is enrolled"), "{err}");
    let err = create(
        "2099-01-01 08:00",
        "2099-01-01 09:00",
        &p,
        &format!("{p},{b}"),
    );
    assert!(err.contains("was revoked"), "{err}");
    assert!(store.scheduled_meetings(None).expect("list").is_empty());
}

#[test]
fn the_report_of_a_scripted_meeting_is_exactly_the_expected_csv() {
    let dir = tempdir();
    let (config, store, [p, a, b]) = setup(dir.path());
    let rooms = format!("{p},{a},{b}");
    let out = hub_meeting(
        &config,
        &[
            "create",
            "--title",
            "Giao ban",
            "--start",
            "2099-12-10 08:00",
            "--end",
            "2099-12-10 09:00",
            "--host",
            &p,
            "--rooms",
            &rooms,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = stdout(&out).lines().next().expect("id").to_owned();

    // A drops its link for five minutes and comes back: one gap, not a new participant.
    let mut f = Floor::new(&p, &[a.clone(), b.clone()]);
    let t = |hm: &str| parse_local(&format!("2099-12-10 {hm}")).expect("time");
    let room = |r: &String| Actor::Room(r.clone());
    for (at, actor, action) in [
        (t("08:00"), room(&p), FloorAction::Join),
        (t("08:02"), room(&a), FloorAction::Join),
        (t("08:10"), room(&a), FloorAction::RaiseHand),
        (
            t("08:12"),
            room(&p),
            FloorAction::GiveFloor { room: a.clone() },
        ),
        (t("08:20"), room(&a), FloorAction::Leave),
        (t("08:25"), room(&a), FloorAction::Join),
        (t("09:00"), room(&p), FloorAction::End),
    ] {
        f.apply(at, &actor, action).expect("scripted action");
    }
    store
        .record_meeting_events(&id, f.events())
        .expect("record");

    let out = hub_meeting(&config, &["report", &id, "--format", "csv"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = format!(
        "room_id,room,first_join,last_leave,minutes_present,gaps,hands_raised,times_given_floor,attended\n\
         {p},Tỉnh,2099-12-10 08:00,2099-12-10 09:00,60,0,0,0,joined\n\
         {a},Xã A,2099-12-10 08:02,2099-12-10 09:00,53,1,1,1,joined\n\
         {b},Xã B,,,0,0,0,0,never joined\n"
    );
    assert_eq!(stdout(&out), expected);

    let json: serde_json::Value = serde_json::from_str(&stdout(&hub_meeting(
        &config,
        &["report", &id, "--format", "json"],
    )))
    .expect("json");
    assert_eq!(json[1]["minutes_present"], 53);
    assert_eq!(json[2]["never_joined"], true);
    let err = refused(&config, &["report", &id, "--format", "pdf"]);
    assert!(err.contains("use csv or json"), "{err}");
    let err = refused(&config, &["report", "hop-none"]);
    assert!(err.contains("no scheduled or running meeting"), "{err}");
}
