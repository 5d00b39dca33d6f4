//! The database is migrated from empty, refused when written by a newer phonghop, and
//! reported (never overwritten) when damaged.

use std::path::Path;
use std::process::{Command, Output};

fn hub_config(dir: &Path) -> std::path::PathBuf {
    let text = include_str!("../config/demo.toml")
        .replace("listen = \"127.0.0.1:0\"", "listen = \"127.0.0.1:0\"")
        .replace(
            "data_dir = \"/tmp/phonghop-demo\"",
            &format!("data_dir = {:?}", dir.join("data")),
        );
    let path = dir.join("hub.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// Starts `phonghop hub`; a refused database makes it exit at once.
fn start_hub(config: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .args(["hub", "--config"])
        .arg(config)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // A healthy hub keeps running; give a refusing one time to exit, then stop either.
    for _ in 0..50 {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    child.wait_with_output().expect("output")
}

#[test]
fn an_empty_file_is_migrated_to_the_current_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("phonghop.db");
    std::fs::File::create(&db).expect("empty file");
    let store = phonghop::store::Store::open(&db).expect("open");
    assert_eq!(
        store.schema_version().expect("version"),
        phonghop::store::SCHEMA_VERSION
    );
    drop(store);
    // Opening again applies nothing and keeps the data.
    let store = phonghop::store::Store::open(&db).expect("reopen");
    store.enqueue("k", "{}", 1).expect("write");
    assert_eq!(
        store.schema_version().expect("version"),
        phonghop::store::SCHEMA_VERSION
    );
}

#[test]
fn a_database_from_a_newer_phonghop_is_refused_with_exit_code_3() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = hub_config(dir.path());
    let db = dir.path().join("data/phonghop.db");
    std::fs::create_dir_all(db.parent().expect("parent")).expect("mkdir");
    drop(phonghop::store::Store::open(&db).expect("create"));
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (999, 'from_the_future', 0)",
        [],
    )
    .expect("bump version");
    drop(conn);

    let err = phonghop::store::Store::open(&db).expect_err("refused");
    assert!(
        matches!(
            err,
            phonghop::store::StoreError::NewerSchema { found: 999, .. }
        ),
        "{err}"
    );

    let out = start_hub(&config);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("schema version 999"), "{stderr}");
    assert!(stderr.contains("newer phonghop"), "{stderr}");
}

#[test]
fn a_file_that_is_not_a_database_is_reported_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = hub_config(dir.path());
    let db = dir.path().join("data/phonghop.db");
    std::fs::create_dir_all(db.parent().expect("parent")).expect("mkdir");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(&db, &garbage).expect("write garbage");

    let out = start_hub(&config);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("damaged"), "{stderr}");
    assert_eq!(
        std::fs::read(&db).expect("read"),
        garbage,
        "the damaged file was not modified"
    );
}

#[test]
fn a_database_with_damaged_pages_is_reported_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("phonghop.db");
    {
        let store = phonghop::store::Store::open(&db).expect("create");
        for n in 0..3000 {
            store
                .enqueue("feedback", &format!("{{\"text\":\"góp ý số {n}\"}}"), n)
                .expect("write");
        }
    }
    // Make sure everything is in the main file, then scribble over a page in the middle.
    rusqlite::Connection::open(&db)
        .expect("open")
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
        .expect("checkpoint");
    let mut bytes = std::fs::read(&db).expect("read");
    let page = 4096;
    assert!(
        bytes.len() > page * 20,
        "database large enough to damage a middle page"
    );
    for b in &mut bytes[page * 10..page * 11] {
        *b = 0xA5;
    }
    std::fs::write(&db, &bytes).expect("damage");

    let err = phonghop::store::Store::open(&db).expect_err("damage detected");
    assert!(
        matches!(err, phonghop::store::StoreError::Corrupt { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("phonghop restore"),
        "the message says how to recover: {err}"
    );
    assert_eq!(
        std::fs::read(&db).expect("read"),
        bytes,
        "the damaged file was not modified"
    );
}
