//! The phone page's own rows: a phone item's photo (re-encoded at the hub, so without
//! EXIF or location) and the bytes a unit's phone items took, which bound the disk a flood
//! can fill.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::feedback::Channel;

/// A phone item's photo as the hub keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhonePhoto {
    pub sha256: String,
    pub mime: String,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl Store {
    /// Keeps a photo (once per hash); the item that names it is stored after it, so an
    /// item never names a photo that is missing.
    pub fn add_feedback_photo(&self, photo: &PhonePhoto, now_ms: i64) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT OR IGNORE INTO feedback_photos (sha256, mime, bytes, width, height, received_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                photo.sha256,
                photo.mime,
                photo.bytes,
                photo.width,
                photo.height,
                now_ms
            ],
        )?;
        Ok(())
    }

    pub fn feedback_photo(&self, sha256: &str) -> Result<Option<PhonePhoto>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT sha256, mime, bytes, width, height FROM feedback_photos WHERE sha256 = ?1",
                params![sha256],
                |r| {
                    Ok(PhonePhoto {
                        sha256: r.get(0)?,
                        mime: r.get(1)?,
                        bytes: r.get(2)?,
                        width: r.get(3)?,
                        height: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// Bytes of the voices and photos of phone items that came to `unit_id` since
    /// `since_ms`: the phone page's daily disk budget per unit.
    pub fn phone_bytes_since(&self, unit_id: &str, since_ms: i64) -> Result<u64, StoreError> {
        let n: i64 = self.lock().query_row(
            "SELECT COALESCE(SUM(v.bytes), 0) + COALESCE(SUM(length(p.bytes)), 0)
             FROM feedback f
             LEFT JOIN voice_blobs v ON v.sha256 = f.voice_sha256
             LEFT JOIN feedback_photos p ON p.sha256 = f.photo_sha256
             WHERE f.unit_id = ?1 AND f.received_at_ms >= ?2 AND f.channel = ?3",
            params![unit_id, since_ms, Channel::Phone],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::store::ChannelItem;
    use crate::wire::FeedbackRecord;

    #[test]
    fn a_units_phone_bytes_count_its_photos_and_voices_since_a_time() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(&dir.path().join("hub.db")).expect("open");
        let photo = PhonePhoto {
            sha256: "a".repeat(64),
            mime: "image/jpeg".into(),
            bytes: vec![7; 1000],
            width: 10,
            height: 10,
        };
        store.add_feedback_photo(&photo, 5).expect("photo");
        store.add_voice(&"b".repeat(64), 500, 5).expect("voice");
        let item = |code: &str, at_unit: &str| ChannelItem {
            id: Uuid::now_v7(),
            channel: Channel::Phone,
            unit_id: at_unit.into(),
            record: FeedbackRecord {
                ticket_code: code.into(),
                category: "roads".into(),
                text: String::new(),
                voice_sha256: Some("b".repeat(64)),
                name: None,
                phone: None,
                village: None,
                language: "vi".into(),
                submitted_at_ms: 10,
            },
            photo_sha256: Some("a".repeat(64)),
        };
        store
            .store_channel_feedback(&item("LCP-AAAAA", "lao-chai"), 100)
            .expect("store");
        store
            .store_channel_feedback(&item("LCP-BBBBB", "sa-pa"), 100)
            .expect("store");
        assert_eq!(store.phone_bytes_since("lao-chai", 0).expect("sum"), 1500);
        assert_eq!(store.phone_bytes_since("lao-chai", 101).expect("sum"), 0);
        assert_eq!(store.phone_bytes_since("ban-ho", 0).expect("sum"), 0);
        assert_eq!(
            store.feedback_photo(&photo.sha256).expect("read"),
            Some(photo)
        );
    }
}
