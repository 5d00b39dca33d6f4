//! The box's data directory: its database, its device credential, and the lock that says
//! an appliance is running on it.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path}: another phonghop is running on this data directory (stop it first, e.g. \
         `systemctl stop phonghop-hub` or `systemctl stop phonghop-room`)"
    )]
    InUse { path: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DataDirError + '_ {
    move |source| DataDirError::Io {
        path: path.display().to_string(),
        source,
    }
}

#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

/// Held while an appliance runs; released when dropped (or when the process dies, so a
/// crash never leaves a stale lock).
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn db_path(&self) -> PathBuf {
        self.root.join("phonghop.db")
    }

    /// Where a room keeps the credential it got at enrollment (mode 0600).
    pub fn credential_path(&self) -> PathBuf {
        self.root.join("credential.json")
    }

    /// A voice recording, named by its SHA-256 (at a room: waiting to be sent or kept).
    pub fn voice_path(&self, sha256: &str) -> PathBuf {
        self.root.join("voice").join(format!("{sha256}.ogg"))
    }

    /// Where recordings in progress go before they are kept.
    pub fn recording_dir(&self) -> PathBuf {
        self.root.join("recording")
    }

    /// Creates the directory (mode 0700: it holds personal data and secrets).
    pub fn create(&self) -> Result<(), DataDirError> {
        create_private_dir(&self.root)
    }

    /// Takes the exclusive lock, or says who holds it.
    pub fn lock(&self) -> Result<DataDirLock, DataDirError> {
        self.create()?;
        let path = self.root.join("phonghop.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => Ok(DataDirLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(DataDirError::InUse {
                path: self.root.display().to_string(),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(io(&path)(e)),
        }
    }

    /// Writes a secret file atomically with mode 0600.
    pub fn write_secret(&self, path: &Path, contents: &[u8]) -> Result<(), DataDirError> {
        self.create()?;
        write_durably(path, contents, 0o600)
    }
}

/// Writes `path` so that after a crash or power cut it is either complete or absent, never
/// torn: a temporary file is written and fsynced, renamed over `path`, then the directory
/// is fsynced so the rename itself survives. Whatever names the file (a database row, a
/// credential) can therefore trust it. Creates missing directories (mode 0700).
pub fn write_durably(path: &Path, contents: &[u8], mode: u32) -> Result<(), DataDirError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    // A temp name of its own per write: two writers of one file (the same voice uploaded
    // twice at once) never share a half-written temp file, and the last rename wins whole.
    let tmp = path.with_extension(format!(
        "{}.{:016x}.partial",
        std::process::id(),
        rand::random::<u64>()
    ));
    let mut f = OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(mode)
        .open(&tmp)
        .map_err(io(&tmp))?;
    // The mode exactly, whatever the umask took away at creation.
    let written = f
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .and_then(|()| f.write_all(contents))
        .and_then(|()| f.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(&tmp)(e));
    }
    rename_durably(&tmp, path)
}

/// Creates `dir` and its missing parents readable by the service's account only (0700):
/// residents' recordings and credentials live below it.
pub fn create_private_dir(dir: &Path) -> Result<(), DataDirError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io(dir))
}

/// Renames a complete, fsynced file `from` to `to`, creating `to`'s directory (mode 0700),
/// then fsyncs that directory so the rename survives a power cut: after it, `to` is the
/// whole file; before it, `to` is absent or its old self.
pub fn rename_durably(from: &Path, to: &Path) -> Result<(), DataDirError> {
    let dir = to.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    std::fs::rename(from, to).map_err(io(to))?;
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_directory_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::new(dir.path());
        let first = data.lock().expect("first lock");
        assert!(matches!(data.lock(), Err(DataDirError::InUse { .. })));
        drop(first);
        data.lock().expect("lock again after release");
    }

    #[test]
    fn secrets_are_written_readable_by_the_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::new(dir.path());
        let path = data.credential_path();
        data.write_secret(&path, b"secret").expect("write");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_durable_write_replaces_the_whole_file_and_leaves_no_partial_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("voice").join("a.ogg");
        write_durably(&path, b"first, longer contents", 0o600).expect("first write");
        write_durably(&path, b"second", 0o600).expect("second write");
        assert_eq!(std::fs::read(&path).expect("read"), b"second");
        let names: Vec<_> = std::fs::read_dir(path.parent().expect("dir"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["a.ogg"], "no temporary file is left");
    }
}
