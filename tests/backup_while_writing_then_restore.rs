//! `phonghop backup` copies the database while the appliance writes; `phonghop restore`
//! refuses while an appliance runs, keeps the old database aside, and brings back all the
//! backup held.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

fn room_config(dir: &Path) -> PathBuf {
    let text = include_str!("../config/room-commune.toml").replace(
        "data_dir = \"/var/lib/phonghop/room\"",
        &format!("data_dir = {:?}", dir.join("data")),
    );
    let path = dir.join("room.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

fn phonghop(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .args(args)
        .output()
        .expect("run phonghop")
}

fn bodies(db: &Path) -> Vec<String> {
    let store = phonghop::store::Store::open(db).expect("open");
    store
        .pending(1_000_000)
        .expect("read")
        .into_iter()
        .map(|i| i.body)
        .collect()
}

#[test]
fn backup_while_writing_then_restore_brings_everything_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = room_config(dir.path());
    let config_arg = config.to_str().expect("utf-8 path");
    let data = phonghop::datadir::DataDir::new(dir.path().join("data"));
    data.create().expect("mkdir");
    let store = phonghop::store::Store::open(&data.db_path()).expect("open");

    // A writer that keeps going during the backup, like a kiosk in use.
    let written = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, written, stop) = (store.clone(), written.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) || n < 2000 {
                store
                    .enqueue("feedback", &format!("{{\"n\":{n}}}"), n as i64)
                    .expect("write");
                n += 1;
                written.store(n, Ordering::Release);
            }
        })
    };
    while written.load(Ordering::Acquire) < 1000 {
        std::thread::yield_now();
    }
    let before_backup = written.load(Ordering::Acquire);
    let backup = dir.path().join("backup.db");
    let out = phonghop(&[
        "backup",
        "--config",
        config_arg,
        "--to",
        backup.to_str().expect("path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stop.store(true, Ordering::Relaxed);
    writer.join().expect("writer");
    let total = written.load(Ordering::Acquire);

    // The backup holds at least everything acknowledged before it started, as a clean prefix.
    let in_backup = bodies(&backup);
    assert!(
        in_backup.len() as u64 >= before_backup,
        "{} < {before_backup}",
        in_backup.len()
    );
    for (n, body) in in_backup.iter().enumerate() {
        assert_eq!(body, &format!("{{\"n\":{n}}}"));
    }
    // A backup never overwrites.
    let again = phonghop(&[
        "backup",
        "--config",
        config_arg,
        "--to",
        backup.to_str().expect("path"),
    ]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // While an appliance holds the data directory, restore refuses and changes nothing.
    let lock = data.lock().expect("appliance lock");
    let refused = phonghop(&[
        "restore",
        "--config",
        config_arg,
        "--from",
        backup.to_str().expect("path"),
    ]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("another phonghop is running"), "{stderr}");
    drop(lock);
    drop(store);
    assert_eq!(bodies(&data.db_path()).len() as u64, total);

    // Stopped: restore puts the backup in place and keeps the old database aside, whole.
    let out = phonghop(&[
        "restore",
        "--config",
        config_arg,
        "--from",
        backup.to_str().expect("path"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(bodies(&data.db_path()), in_backup);
    let aside = stdout
        .lines()
        .find_map(|l| l.strip_prefix("the previous database was kept as "))
        .expect("restore says where the old database went");
    assert_eq!(
        bodies(Path::new(aside)).len() as u64,
        total,
        "nothing of the old database was lost"
    );
}

#[test]
fn restoring_a_file_that_is_not_a_backup_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = room_config(dir.path());
    let data = phonghop::datadir::DataDir::new(dir.path().join("data"));
    data.create().expect("mkdir");
    phonghop::store::Store::open(&data.db_path())
        .expect("open")
        .enqueue("k", "{\"keep\":1}", 1)
        .expect("write");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not a database").expect("write");
    let out = phonghop(&[
        "restore",
        "--config",
        config.to_str().expect("path"),
        "--from",
        junk.to_str().expect("path"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(bodies(&data.db_path()), vec!["{\"keep\":1}".to_owned()]);
}
