//! What one bare commit costs on this disk: the yardstick the sync benchmark divides by,
//! so its figures mean the same on a fast SSD and on a slow SD card.
//!
//! The probe commits one small row at a time to a throwaway SQLite file in WAL mode with
//! `synchronous=FULL`, exactly as the boxes' own databases are configured, so each commit
//! costs the same fsync theirs do and nothing else.

use std::path::Path;
use std::time::Instant;

use rusqlite::{Connection, params};

use super::StoreError;

/// Commits made before timing, so the WAL file exists and has its first pages.
const WARM_UP_COMMITS: usize = 10;

/// The median time of `commits` single-row commits (WAL, `synchronous=FULL`) to a temporary
/// database created in `dir` and removed afterwards, in milliseconds.
pub fn bare_commit_ms(dir: &Path, commits: usize) -> Result<f64, StoreError> {
    let io = |source: std::io::Error| StoreError::Io {
        path: dir.display().to_string(),
        source,
    };
    let scratch = tempfile::Builder::new()
        .prefix(".commit-probe")
        .tempdir_in(dir)
        .map_err(io)?;
    let conn = Connection::open(scratch.path().join("probe.db"))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if mode != "wal" {
        return Err(StoreError::Refused(format!(
            "{}: WAL mode refused (got {mode:?}), so a commit there is not comparable",
            dir.display()
        )));
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         CREATE TABLE probe (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
    )?;
    let mut insert = conn.prepare("INSERT INTO probe (body) VALUES (?1)")?;
    let mut times_ms = Vec::with_capacity(commits);
    for n in 0..WARM_UP_COMMITS + commits.max(1) {
        let t0 = Instant::now();
        insert.execute(params![format!("probe commit {n}")])?;
        if n >= WARM_UP_COMMITS {
            times_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times_ms.sort_by(f64::total_cmp);
    Ok(times_ms[times_ms.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_commit_is_timed_and_its_file_removed() {
        let dir = tempfile::tempdir().expect("dir");
        let ms = bare_commit_ms(dir.path(), 20).expect("probe");
        assert!(ms > 0.0 && ms < 1_000.0, "{ms} ms");
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("list").count(),
            0,
            "the probe leaves nothing behind"
        );
    }
}
