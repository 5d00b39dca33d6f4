//! Online backup (SQLite's backup API, safe while the appliance writes) and restore.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};

use super::{SCHEMA_VERSION, StoreError, check_integrity, current_version};

/// Pages copied per step; small steps let the running appliance keep writing in between.
const PAGES_PER_STEP: std::ffi::c_int = 256;
const PAUSE_BETWEEN_STEPS: Duration = Duration::from_millis(2);

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Copies the live database at `db` into a new single-file database at `dest`.
/// Returns the schema version of the copy.
pub fn backup_to(db: &Path, dest: &Path) -> Result<u32, StoreError> {
    if !db.exists() {
        return Err(StoreError::Refused(format!(
            "{}: no database here; is the data_dir in the config right?",
            db.display()
        )));
    }
    if dest.exists() {
        return Err(StoreError::Refused(format!(
            "{}: already exists; choose a new file name (a backup never overwrites)",
            dest.display()
        )));
    }
    let src = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    src.busy_timeout(Duration::from_secs(10))?;
    let partial = with_suffix(dest, ".partial");
    let _ = std::fs::remove_file(&partial);
    let version = {
        let mut dst = Connection::open(&partial)?;
        Backup::new(&src, &mut dst)?.run_to_completion(
            PAGES_PER_STEP,
            PAUSE_BETWEEN_STEPS,
            None,
        )?;
        // One self-contained file, not a WAL pair, so it can be copied anywhere.
        dst.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
        check_integrity(&dst, &partial.display().to_string())?;
        current_version(&dst)?
    };
    File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(io(&partial))?;
    std::fs::rename(&partial, dest).map_err(io(dest))?;
    sync_parent(dest)?;
    Ok(version)
}

/// Replaces the database at `db` with the backup at `from`; the old file (and its WAL) is
/// kept aside, never deleted. The caller must hold the data directory lock, which proves
/// no appliance is running on this database. Returns where the old database was kept.
pub fn restore_from(db: &Path, from: &Path) -> Result<Option<PathBuf>, StoreError> {
    {
        let shown = from.display().to_string();
        if !from.is_file() {
            return Err(StoreError::Refused(format!("{shown}: no such backup file")));
        }
        let conn = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        check_integrity(&conn, &shown)?;
        let found = current_version(&conn).map_err(|e| StoreError::Corrupt {
            path: shown.clone(),
            detail: e.to_string(),
        })?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                path: shown,
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found == 0 {
            return Err(StoreError::Refused(format!(
                "{shown}: not a phonghop backup (no schema_migrations table)"
            )));
        }
    }

    let kept_aside = if db.exists() {
        let stamp = jiff::Timestamp::now()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string();
        let aside = with_suffix(db, &format!(".before-restore-{stamp}"));
        std::fs::rename(db, &aside).map_err(io(db))?;
        // The WAL holds committed pages not yet in the main file: it travels with it.
        for tail in ["-wal", "-shm"] {
            let from_tail = with_suffix(db, tail);
            if from_tail.exists() {
                let to_tail = with_suffix(&aside, tail);
                std::fs::rename(&from_tail, &to_tail).map_err(io(&from_tail))?;
            }
        }
        Some(aside)
    } else {
        None
    };

    let partial = with_suffix(db, ".partial");
    std::fs::copy(from, &partial).map_err(io(&partial))?;
    File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(io(&partial))?;
    std::fs::rename(&partial, db).map_err(io(db))?;
    sync_parent(db)?;
    Ok(kept_aside)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// A rename is durable only once the directory entry is on disk.
fn sync_parent(path: &Path) -> Result<(), StoreError> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    let parent = parent.unwrap_or(Path::new("."));
    File::open(parent)
        .and_then(|d| d.sync_all())
        .map_err(io(parent))
}
