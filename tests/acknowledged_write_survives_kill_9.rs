//! A write the store acknowledged survives `kill -9` of the process a moment later: the
//! proof that "sent" on the kiosk means on disk.
//!
//! The test re-runs its own binary as the writer child (selected by an environment
//! variable), reads its acknowledgements from stdout, and kills it mid-stream.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const CHILD_ENV: &str = "PHONGHOP_TEST_WRITER_DB";

/// The writer: enqueues numbered items forever, printing `ack N` after each commit.
#[test]
fn writer_child() {
    let Ok(db) = std::env::var(CHILD_ENV) else {
        return; // Only does something when started by the test below.
    };
    let store = phonghop::store::Store::open(std::path::Path::new(&db)).expect("open");
    let (mode, sync) = store.durability().expect("pragmas");
    println!("durability {mode} {sync}");
    for n in 0u64.. {
        store
            .enqueue("feedback", &format!("{{\"n\":{n}}}"), n as i64)
            .expect("enqueue");
        println!("ack {n}");
    }
}

#[test]
fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("phonghop.db");
    let mut child = Command::new(std::env::current_exe().expect("exe"))
        .args([
            "--exact",
            // The test's full name in the `behaviours` binary.
            concat!(module_path!(), "::writer_child")
                .split_once("::")
                .map_or("writer_child", |(_crate, path)| path),
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD_ENV, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn writer");
    let stdout = child.stdout.take().expect("stdout");
    let mut acked: Option<u64> = None;
    let mut durability = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        // The test harness may print its own words before the child's first line.
        if let Some(at) = line.find("durability ") {
            durability = Some(line[at + "durability ".len()..].to_owned());
        }
        if let Some(n) = line.strip_prefix("ack ") {
            let n: u64 = n.trim().parse().expect("number");
            acked = Some(n);
            if n >= 300 {
                child.kill().expect("SIGKILL"); // std's kill() is SIGKILL on Unix
                break;
            }
        }
    }
    child.wait().expect("reap");
    assert_eq!(
        durability.as_deref(),
        Some("wal 2"),
        "WAL with synchronous=FULL"
    );
    let acked = acked.expect("the writer acknowledged something");

    let store = phonghop::store::Store::open(&db).expect("reopen after kill");
    let items = store.pending(100_000).expect("read back");
    assert!(
        items.len() as u64 > acked,
        "all {acked}+1 acknowledged items are present, found {}",
        items.len()
    );
    for (n, item) in items.iter().take(acked as usize + 1).enumerate() {
        assert_eq!(
            item.body,
            format!("{{\"n\":{n}}}"),
            "item {n} intact and in order"
        );
    }
}
