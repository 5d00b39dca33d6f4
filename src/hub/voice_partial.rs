//! Resumable voice uploads at the hub: the part of a recording received so far, kept per
//! (room, SHA-256) under `<data>/voice-partial/`, so a link that drops every half minute
//! costs the bytes in flight and not the whole file again.
//!
//! The protocol (hub's welcome `voice_resume: 1`):
//! - `GET /api/v1/voice/<sha>/upload` → `{"received_bytes": n, "stored": bool}`;
//! - `PATCH /api/v1/voice/<sha>/upload?offset=n&total=t` with the next bytes: written only
//!   if `n` is exactly what the hub holds; each byte that arrives is kept even if the
//!   connection then drops; when `t` bytes are there the whole file's SHA-256 is checked
//!   and the file becomes the blob (or the partial is discarded).

use std::fs::{File, OpenOptions};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::datadir::DataDir;

/// A partial no room has added to for this long is deleted: the room has either given up
/// (the recording was reset) or will start that file again, which costs one recording.
pub const PARTIAL_STALE_SECS: u64 = 24 * 60 * 60;

/// The stale sweep runs at most this often (it walks every room's directory).
const SWEEP_EVERY_SECS: u64 = 10 * 60;

/// Why a resumed upload's bytes were refused; each says what the room should do.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum OfferRefusal {
    #[error("total {total} bytes is over the voice limit of {max} bytes")]
    TooLarge { total: u64, max: u64 },
    #[error("total is 0: a recording has at least one byte")]
    Empty,
    #[error("offset {offset} is past the total of {total} bytes")]
    PastTotal { offset: u64, total: u64 },
    #[error(
        "the hub holds {held} bytes of this recording, not {offset}: ask \
         GET /api/v1/voice/<sha>/upload and send from {held}"
    )]
    WrongOffset { offset: u64, held: u64 },
    #[error("the body runs past the declared total of {total} bytes: nothing of it was kept")]
    Overlong { total: u64 },
}

/// Checks a `PATCH` before a byte of its body is read: the total fits the cap and the
/// offset is exactly where the hub's partial ends (a gap or an overlap would corrupt it).
pub(crate) fn check_offer(
    offset: u64,
    total: u64,
    held: u64,
    max: u64,
) -> Result<(), OfferRefusal> {
    if total == 0 {
        return Err(OfferRefusal::Empty);
    }
    if total > max {
        return Err(OfferRefusal::TooLarge { total, max });
    }
    if offset > total {
        return Err(OfferRefusal::PastTotal { offset, total });
    }
    if offset != held {
        return Err(OfferRefusal::WrongOffset { offset, held });
    }
    Ok(())
}

/// Why the partial could not be kept or turned into the blob.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PartialError {
    #[error("another upload of this recording from this room is under way; try again shortly")]
    Busy,
    #[error(transparent)]
    Offer(#[from] OfferRefusal),
    #[error(
        "the {bytes} bytes received hash to {actual}, not {expected}: the partial is \
         discarded, send the recording again from offset 0"
    )]
    HashMismatch {
        bytes: u64,
        actual: String,
        expected: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    DataDir(#[from] crate::datadir::DataDirError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PartialError + '_ {
    move |source| PartialError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The partials of one hub's data directory.
#[derive(Debug, Clone)]
pub(crate) struct Partials {
    root: PathBuf,
}

/// A room id as a directory name: kept readable when it is a plain id, hashed otherwise,
/// so no id can name a path outside the room's own directory.
fn room_dir_name(room_id: &str) -> String {
    let plain = !room_id.is_empty()
        && room_id.len() <= 64
        && room_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain {
        room_id.to_owned()
    } else {
        format!(
            "h-{}",
            &hex::encode(Sha256::digest(room_id.as_bytes()))[..32]
        )
    }
}

impl Partials {
    pub fn new(data: &DataDir) -> Self {
        Self {
            root: data.root().join("voice-partial"),
        }
    }

    /// `sha256` must already be checked as lowercase hex (it becomes a file name).
    pub fn path(&self, room_id: &str, sha256: &str) -> PathBuf {
        self.root
            .join(room_dir_name(room_id))
            .join(format!("{sha256}.part"))
    }

    /// How many bytes of this room's upload the hub holds (0 when none).
    pub fn held(&self, room_id: &str, sha256: &str) -> Result<u64, PartialError> {
        let path = self.path(room_id, sha256);
        match std::fs::metadata(&path) {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// Opens the partial for appending at `offset`, holding its lock so a second upload of
    /// the same (room, hash) at once is told to wait rather than interleaving bytes.
    pub fn open_at(
        &self,
        room_id: &str,
        sha256: &str,
        offset: u64,
        total: u64,
        max: u64,
    ) -> Result<PartialWriter, PartialError> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = self.path(room_id, sha256);
        crate::datadir::create_private_dir(path.parent().unwrap_or(Path::new(".")))?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)
            .map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(PartialError::Busy),
            Err(std::fs::TryLockError::Error(e)) => return Err(io(&path)(e)),
        }
        // The upload that held the lock before may have turned this file into the blob or
        // discarded it: a lock on a file no longer at `path` guards nothing.
        let ours = file.metadata().map_err(io(&path))?;
        match std::fs::metadata(&path) {
            Ok(now) if now.ino() == ours.ino() && now.dev() == ours.dev() => {}
            _ => return Err(PartialError::Busy),
        }
        check_offer(offset, total, ours.len(), max)?;
        Ok(PartialWriter {
            file,
            path,
            start: offset,
            len: offset,
            total,
        })
    }

    /// Deletes partials untouched for [`PARTIAL_STALE_SECS`], at most every
    /// [`SWEEP_EVERY_SECS`] (a marker file's time says when it last ran). A partial being
    /// written is touched by every chunk, so it is never stale.
    pub fn sweep_stale(&self) -> Result<usize, PartialError> {
        let marker = self.root.join(".swept");
        let now = std::time::SystemTime::now();
        let age = |m: &std::fs::Metadata| {
            m.modified()
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .map(|d| d.as_secs())
        };
        if let Ok(m) = std::fs::metadata(&marker)
            && age(&m).is_some_and(|secs| secs < SWEEP_EVERY_SECS)
        {
            return Ok(0);
        }
        let rooms = match std::fs::read_dir(&self.root) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(io(&self.root)(e)),
        };
        let mut removed = 0;
        for room in rooms.flatten() {
            let Ok(files) = std::fs::read_dir(room.path()) else {
                continue;
            };
            for file in files.flatten() {
                let stale = file
                    .metadata()
                    .ok()
                    .and_then(|m| age(&m))
                    .is_some_and(|secs| secs >= PARTIAL_STALE_SECS);
                if stale && std::fs::remove_file(file.path()).is_ok() {
                    removed += 1;
                }
            }
        }
        File::create(&marker).map_err(io(&marker))?;
        Ok(removed)
    }
}

/// One request's writer: holds the partial's lock until dropped.
#[derive(Debug)]
pub(crate) struct PartialWriter {
    file: File,
    path: PathBuf,
    /// Where this request began, so bad input can be taken back whole.
    start: u64,
    len: u64,
    total: u64,
}

impl PartialWriter {
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_complete(&self) -> bool {
        self.len == self.total
    }

    /// Appends a chunk that arrived. A chunk that would run past the total is refused and
    /// this request's bytes are taken back, so the partial is as it was before it.
    pub fn append(&mut self, chunk: &[u8]) -> Result<(), PartialError> {
        use std::io::Write;
        if self.len + chunk.len() as u64 > self.total {
            self.file.set_len(self.start).map_err(io(&self.path))?;
            self.len = self.start;
            return Err(OfferRefusal::Overlong { total: self.total }.into());
        }
        self.file.write_all(chunk).map_err(io(&self.path))?;
        self.len += chunk.len() as u64;
        Ok(())
    }

    /// Makes what arrived durable, so what the hub answers it holds survives a power cut.
    pub fn sync(&self) -> Result<(), PartialError> {
        self.file.sync_data().map_err(io(&self.path))
    }

    /// After the last byte: checks the whole file's SHA-256 and moves it to `blob` (fsync,
    /// rename, fsync the directory, as `datadir::write_durably`), or deletes it on a
    /// mismatch so the room starts over with a clean file.
    pub fn finish(self, sha256: &str, blob: &Path) -> Result<u64, PartialError> {
        use std::io::Read;
        self.sync()?;
        let mut hasher = Sha256::new();
        let mut reader = File::open(&self.path).map_err(io(&self.path))?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader.read(&mut buf).map_err(io(&self.path))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        let actual = hex::encode(hasher.finalize());
        if actual != sha256 {
            std::fs::remove_file(&self.path).map_err(io(&self.path))?;
            return Err(PartialError::HashMismatch {
                bytes: self.len,
                actual,
                expected: sha256.to_owned(),
            });
        }
        crate::datadir::rename_durably(&self.path, blob)?;
        Ok(self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: u64 = 2 * 1024 * 1024;

    fn sha(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    #[test]
    fn an_offer_is_taken_only_at_the_exact_end_of_what_is_held() {
        assert_eq!(check_offer(0, 100, 0, MAX), Ok(()));
        assert_eq!(check_offer(40, 100, 40, MAX), Ok(()));
        assert_eq!(
            check_offer(30, 100, 40, MAX),
            Err(OfferRefusal::WrongOffset {
                offset: 30,
                held: 40
            })
        );
        assert_eq!(
            check_offer(50, 100, 40, MAX),
            Err(OfferRefusal::WrongOffset {
                offset: 50,
                held: 40
            })
        );
        assert_eq!(
            check_offer(101, 100, 101, MAX),
            Err(OfferRefusal::PastTotal {
                offset: 101,
                total: 100
            })
        );
        assert_eq!(
            check_offer(0, MAX + 1, 0, MAX),
            Err(OfferRefusal::TooLarge {
                total: MAX + 1,
                max: MAX
            })
        );
        assert_eq!(check_offer(0, 0, 0, MAX), Err(OfferRefusal::Empty));
    }

    #[test]
    fn a_recording_sent_in_pieces_becomes_the_blob_when_its_hash_matches() {
        let dir = tempfile::tempdir().expect("tempdir");
        let partials = Partials::new(&DataDir::new(dir.path()));
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let hash = sha(&bytes);
        let mut w = partials.open_at("r1", &hash, 0, 10_000, MAX).expect("open");
        w.append(&bytes[..4_000]).expect("append");
        w.sync().expect("sync");
        drop(w);
        assert_eq!(partials.held("r1", &hash).expect("held"), 4_000);
        assert_eq!(partials.held("r2", &hash).expect("held"), 0, "per room");
        let mut w = partials
            .open_at("r1", &hash, 4_000, 10_000, MAX)
            .expect("reopen");
        w.append(&bytes[4_000..]).expect("append");
        assert!(w.is_complete());
        let blob = dir.path().join("voice").join(format!("{hash}.ogg"));
        assert_eq!(w.finish(&hash, &blob).expect("finish"), 10_000);
        assert_eq!(std::fs::read(&blob).expect("blob"), bytes);
        assert_eq!(
            partials.held("r1", &hash).expect("held"),
            0,
            "partial moved"
        );
    }

    #[test]
    fn a_hash_mismatch_discards_the_partial_and_leaves_the_blob_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let partials = Partials::new(&DataDir::new(dir.path()));
        let claimed = sha(b"what the room recorded");
        let mut w = partials.open_at("r1", &claimed, 0, 5, MAX).expect("open");
        w.append(b"other").expect("append");
        let blob = dir.path().join("voice").join(format!("{claimed}.ogg"));
        let err = w.finish(&claimed, &blob).expect_err("mismatch");
        assert!(
            matches!(err, PartialError::HashMismatch { bytes: 5, .. }),
            "{err}"
        );
        assert!(!blob.exists());
        assert_eq!(partials.held("r1", &claimed).expect("held"), 0);
    }

    #[test]
    fn bytes_past_the_total_are_refused_and_the_request_is_taken_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let partials = Partials::new(&DataDir::new(dir.path()));
        let hash = sha(b"0123456789");
        let mut w = partials.open_at("r1", &hash, 0, 10, MAX).expect("open");
        w.append(b"0123").expect("append");
        drop(w);
        let mut w = partials.open_at("r1", &hash, 4, 10, MAX).expect("reopen");
        w.append(b"45").expect("append");
        let err = w.append(b"6789XYZ").expect_err("overlong");
        assert!(matches!(
            err,
            PartialError::Offer(OfferRefusal::Overlong { total: 10 })
        ));
        drop(w);
        assert_eq!(
            partials.held("r1", &hash).expect("held"),
            4,
            "earlier bytes kept"
        );
    }

    #[test]
    fn a_second_writer_of_the_same_partial_is_told_to_wait() {
        let dir = tempfile::tempdir().expect("tempdir");
        let partials = Partials::new(&DataDir::new(dir.path()));
        let hash = sha(b"x");
        let first = partials.open_at("r1", &hash, 0, 10, MAX).expect("open");
        assert!(matches!(
            partials.open_at("r1", &hash, 0, 10, MAX),
            Err(PartialError::Busy)
        ));
        drop(first);
        partials
            .open_at("r1", &hash, 0, 10, MAX)
            .expect("free again");
    }

    #[test]
    fn a_room_id_never_names_a_directory_outside_the_partials() {
        let dir = tempfile::tempdir().expect("tempdir");
        let partials = Partials::new(&DataDir::new(dir.path()));
        let path = partials.path("../../etc", &sha(b"x"));
        assert!(path.starts_with(dir.path().join("voice-partial")));
        assert_eq!(
            path.components().count(),
            dir.path().components().count() + 3
        );
        assert!(
            partials
                .path("room-7_a", "ab")
                .ends_with("room-7_a/ab.part")
        );
    }

    #[test]
    fn partials_untouched_for_a_day_are_swept_and_fresh_ones_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let partials = Partials::new(&DataDir::new(dir.path()));
        let (old, fresh) = (sha(b"old"), sha(b"fresh"));
        for hash in [&old, &fresh] {
            let mut w = partials.open_at("r1", hash, 0, 10, MAX).expect("open");
            w.append(b"12").expect("append");
        }
        let day_ago =
            std::time::SystemTime::now() - std::time::Duration::from_secs(PARTIAL_STALE_SECS + 60);
        File::options()
            .write(true)
            .open(partials.path("r1", &old))
            .expect("open")
            .set_modified(day_ago)
            .expect("age it");
        assert_eq!(partials.sweep_stale().expect("sweep"), 1);
        assert_eq!(partials.held("r1", &old).expect("held"), 0);
        assert_eq!(partials.held("r1", &fresh).expect("held"), 2);
    }
}
