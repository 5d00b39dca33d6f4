//! News at the hub (what staff post, edit and withdraw, with pictures as blobs) and at a
//! room (its copy of the items meant for it, which the kiosk reads offline).
//!
//! Pictures are blobs in the database rather than files beside it: at most 1 MiB each and
//! few in number, they are then written in the same commit as the item that names them,
//! copied by the online backup and brought back by `restore` with everything else, and the
//! CLI (root on the database) can post one without touching the data directory.

use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::{Store, StoreError};
use crate::news::{CheckedImage, ImageInfo, ImageKind, NewsContent, NewsRow};
use crate::wire::NewsItem;

/// How many changed items one download carries at most (the cursor brings the rest).
pub const NEWS_CHANGES_MAX: usize = 200;

/// A room forgets an item this long after its window closed.
const ROOM_KEEP_ENDED_MS: i64 = 24 * 60 * 60 * 1000;

const NEWS_COLUMNS: &str = "n.id, n.title, n.body, n.language, n.image_sha256, i.content_type, \
     length(i.bytes), n.shown_from_ms, n.shown_until_ms, n.created_by, n.created_at_ms, \
     n.updated_at_ms, n.withdrawn_at_ms, n.withdrawn_by, n.version";

const NEWS_FROM: &str = "news n LEFT JOIN news_images i ON i.sha256 = n.image_sha256";

/// A news row and its sync version.
fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(NewsRow, i64)> {
    let image = match r.get::<_, Option<String>>(4)? {
        Some(sha256) => {
            let content_type: String = r.get(5)?;
            Some(ImageInfo {
                sha256,
                content_type: ImageKind::parse(&content_type).unwrap_or(ImageKind::Jpeg),
                bytes: r.get::<_, i64>(6)? as u64,
            })
        }
        None => None,
    };
    Ok((
        NewsRow {
            id: r.get(0)?,
            title: r.get(1)?,
            body: r.get(2)?,
            language: r.get(3)?,
            units: Vec::new(),
            image,
            shown_from_ms: r.get(7)?,
            shown_until_ms: r.get(8)?,
            created_by: r.get(9)?,
            created_at_ms: r.get(10)?,
            updated_at_ms: r.get(11)?,
            withdrawn_at_ms: r.get(12)?,
            withdrawn_by: r.get(13)?,
        },
        r.get(14)?,
    ))
}

fn units_of(conn: &rusqlite::Connection, id: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT unit_id FROM news_units WHERE news_id = ?1 ORDER BY unit_id")?;
    stmt.query_map(params![id], |r| r.get(0))?.collect()
}

fn row_by_id(conn: &rusqlite::Connection, id: &str) -> rusqlite::Result<Option<(NewsRow, i64)>> {
    let found = conn
        .query_row(
            &format!("SELECT {NEWS_COLUMNS} FROM {NEWS_FROM} WHERE n.id = ?1"),
            params![id],
            read_row,
        )
        .optional()?;
    match found {
        Some((mut row, version)) => {
            row.units = units_of(conn, &row.id)?;
            Ok(Some((row, version)))
        }
        None => Ok(None),
    }
}

fn next_version(tx: &Transaction<'_>) -> rusqlite::Result<i64> {
    tx.query_row(
        "UPDATE sync_counter SET value = value + 1 WHERE id = 1 RETURNING value",
        [],
        |r| r.get(0),
    )
}

fn keep_image(
    tx: &Transaction<'_>,
    image: &CheckedImage,
    bytes: &[u8],
    now_ms: i64,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO news_images (sha256, content_type, bytes, created_at_ms)
         VALUES (?1, ?2, ?3, ?4)",
        params![image.sha256, image.kind.as_str(), bytes, now_ms],
    )?;
    Ok(())
}

fn set_units(tx: &Transaction<'_>, id: &str, units: &[String]) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM news_units WHERE news_id = ?1", params![id])?;
    for unit in units {
        tx.execute(
            "INSERT INTO news_units (news_id, unit_id) VALUES (?1, ?2)",
            params![id, unit],
        )?;
    }
    Ok(())
}

/// Why a change to an existing item was not made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NewsChangeRefusal {
    #[error("no news item {0}")]
    NotFound(String),
    #[error("news item {0} was withdrawn; post a new one instead")]
    Withdrawn(String),
}

/// A picture with its kind, as the room serves it to the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    pub kind: ImageKind,
    pub bytes: Vec<u8>,
}

/// A news item at a room, with its picture if it has arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomNews {
    pub item: NewsItem,
    pub image: Option<StoredImage>,
}

impl Store {
    // ----- hub side -----

    /// Stores a checked post (and its picture in the same commit); it reaches rooms at their
    /// next download.
    pub fn post_news(
        &self,
        content: &NewsContent,
        image: Option<(&CheckedImage, &[u8])>,
        created_by: &str,
        now_ms: i64,
    ) -> Result<NewsRow, StoreError> {
        let id = Uuid::now_v7().to_string();
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        if let Some((checked, bytes)) = image {
            keep_image(&tx, checked, bytes, now_ms)?;
        }
        let version = next_version(&tx)?;
        tx.execute(
            "INSERT INTO news (id, title, body, language, image_sha256, shown_from_ms,
                 shown_until_ms, created_by, created_at_ms, updated_at_ms, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)",
            params![
                id,
                content.title,
                content.body,
                content.language,
                image.map(|(c, _)| c.sha256.as_str()),
                content.shown_from_ms,
                content.shown_until_ms,
                created_by,
                now_ms,
                version
            ],
        )?;
        set_units(&tx, &id, &content.units)?;
        let row = row_by_id(&tx, &id)?.map(|(row, _)| row);
        tx.commit()?;
        row.ok_or_else(|| StoreError::Refused(format!("news item {id} vanished")))
    }

    /// Replaces an item's text, units and window; rooms pick the change up like a post (and
    /// a room no longer among the units forgets the item).
    pub fn edit_news(
        &self,
        id: &str,
        content: &NewsContent,
        now_ms: i64,
    ) -> Result<Result<NewsRow, NewsChangeRefusal>, StoreError> {
        self.change_news(id, |tx, version| {
            tx.execute(
                "UPDATE news SET title = ?2, body = ?3, language = ?4, shown_from_ms = ?5,
                     shown_until_ms = ?6, updated_at_ms = ?7, version = ?8
                 WHERE id = ?1",
                params![
                    id,
                    content.title,
                    content.body,
                    content.language,
                    content.shown_from_ms,
                    content.shown_until_ms,
                    now_ms,
                    version
                ],
            )?;
            set_units(tx, id, &content.units)
        })
    }

    /// Gives an item a picture (or a new one).
    pub fn set_news_image(
        &self,
        id: &str,
        image: &CheckedImage,
        bytes: &[u8],
        now_ms: i64,
    ) -> Result<Result<NewsRow, NewsChangeRefusal>, StoreError> {
        self.change_news(id, |tx, version| {
            keep_image(tx, image, bytes, now_ms)?;
            tx.execute(
                "UPDATE news SET image_sha256 = ?2, updated_at_ms = ?3, version = ?4 WHERE id = ?1",
                params![id, image.sha256, now_ms, version],
            )?;
            Ok(())
        })
    }

    /// Withdraws an item: rooms forget it at their next download. Withdrawing twice changes
    /// nothing and answers the item as it is.
    pub fn withdraw_news(
        &self,
        id: &str,
        by: &str,
        now_ms: i64,
    ) -> Result<Result<NewsRow, NewsChangeRefusal>, StoreError> {
        match self.change_news(id, |tx, version| {
            tx.execute(
                "UPDATE news SET withdrawn_at_ms = ?2, withdrawn_by = ?3, updated_at_ms = ?2,
                     version = ?4
                 WHERE id = ?1",
                params![id, now_ms, by, version],
            )?;
            Ok(())
        })? {
            Err(NewsChangeRefusal::Withdrawn(_)) => Ok(self
                .news_by_id(id)?
                .ok_or_else(|| NewsChangeRefusal::NotFound(id.to_owned()))),
            other => Ok(other),
        }
    }

    /// Runs `change` on a live item in one transaction with its next version.
    fn change_news(
        &self,
        id: &str,
        change: impl FnOnce(&Transaction<'_>, i64) -> rusqlite::Result<()>,
    ) -> Result<Result<NewsRow, NewsChangeRefusal>, StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let Some((row, _)) = row_by_id(&tx, id)? else {
            return Ok(Err(NewsChangeRefusal::NotFound(id.to_owned())));
        };
        if row.withdrawn_at_ms.is_some() {
            return Ok(Err(NewsChangeRefusal::Withdrawn(id.to_owned())));
        }
        let version = next_version(&tx)?;
        change(&tx, version)?;
        let row = row_by_id(&tx, id)?.map(|(row, _)| row);
        tx.commit()?;
        Ok(row.ok_or_else(|| NewsChangeRefusal::NotFound(id.to_owned())))
    }

    pub fn news_by_id(&self, id: &str) -> Result<Option<NewsRow>, StoreError> {
        Ok(row_by_id(&self.lock(), id)?.map(|(row, _)| row))
    }

    /// Newest first. `unit`: only items a room of that unit gets (for all, or naming it).
    pub fn news_list(
        &self,
        unit: Option<&str>,
        include_withdrawn: bool,
    ) -> Result<Vec<NewsRow>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {NEWS_COLUMNS} FROM {NEWS_FROM}
             WHERE (?1 OR n.withdrawn_at_ms IS NULL)
               AND (?2 IS NULL
                    OR NOT EXISTS (SELECT 1 FROM news_units u WHERE u.news_id = n.id)
                    OR EXISTS (SELECT 1 FROM news_units u WHERE u.news_id = n.id AND u.unit_id = ?2))
             ORDER BY n.shown_from_ms DESC, n.created_at_ms DESC, n.id DESC"
        ))?;
        let rows: Vec<NewsRow> = stmt
            .query_map(params![include_withdrawn, unit], read_row)?
            .map(|r| r.map(|(row, _)| row))
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for mut row in rows {
            row.units = units_of(&conn, &row.id)?;
            out.push(row);
        }
        Ok(out)
    }

    /// What a room of `unit` must learn since `cursor`: items meant for it that changed, and
    /// ids it must forget (withdrawn, or no longer meant for it). Returns the new cursor.
    pub fn news_changes_for_unit(
        &self,
        unit: &str,
        cursor: i64,
    ) -> Result<(i64, Vec<NewsItem>, Vec<String>), StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {NEWS_COLUMNS} FROM {NEWS_FROM} WHERE n.version > ?1 ORDER BY n.version LIMIT ?2"
        ))?;
        let rows: Vec<(NewsRow, i64)> = stmt
            .query_map(params![cursor, NEWS_CHANGES_MAX as i64], read_row)?
            .collect::<Result<_, _>>()?;
        let mut new_cursor = cursor;
        let (mut items, mut removed) = (Vec::new(), Vec::new());
        for (mut row, version) in rows {
            new_cursor = new_cursor.max(version);
            row.units = units_of(&conn, &row.id)?;
            if row.withdrawn_at_ms.is_none() && row.targets(unit) {
                items.push(NewsItem {
                    image_sha256: row.image.map(|i| i.sha256),
                    id: row.id,
                    title: row.title,
                    body: row.body,
                    language: row.language,
                    shown_from_ms: row.shown_from_ms,
                    shown_until_ms: row.shown_until_ms,
                    posted_at_ms: row.created_at_ms,
                });
            } else {
                removed.push(row.id);
            }
        }
        Ok((new_cursor, items, removed))
    }

    /// A picture a room of `unit` may fetch: one of a live item meant for it.
    pub fn news_image_for_unit(
        &self,
        sha256: &str,
        unit: &str,
    ) -> Result<Option<StoredImage>, StoreError> {
        let conn = self.lock();
        let found = conn
            .query_row(
                "SELECT i.content_type, i.bytes FROM news_images i
                 WHERE i.sha256 = ?1 AND EXISTS (
                     SELECT 1 FROM news n WHERE n.image_sha256 = i.sha256
                       AND n.withdrawn_at_ms IS NULL
                       AND (NOT EXISTS (SELECT 1 FROM news_units u WHERE u.news_id = n.id)
                            OR EXISTS (SELECT 1 FROM news_units u
                                       WHERE u.news_id = n.id AND u.unit_id = ?2)))",
                params![sha256, unit],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)),
            )
            .optional()?;
        Ok(found.and_then(|(kind, bytes)| {
            ImageKind::parse(&kind).map(|kind| StoredImage { kind, bytes })
        }))
    }

    /// Any stored picture, for staff.
    pub fn news_image(&self, sha256: &str) -> Result<Option<StoredImage>, StoreError> {
        let found = self
            .lock()
            .query_row(
                "SELECT content_type, bytes FROM news_images WHERE sha256 = ?1",
                params![sha256],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)),
            )
            .optional()?;
        Ok(found.and_then(|(kind, bytes)| {
            ImageKind::parse(&kind).map(|kind| StoredImage { kind, bytes })
        }))
    }

    // ----- room side -----

    /// Applies a download in one commit: changed items replace their copies, removed ones
    /// go, items whose window closed a day ago go, and pictures nothing names any more go.
    pub fn apply_news_down(
        &self,
        items: &[NewsItem],
        removed: &[String],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        for item in items {
            tx.execute(
                "INSERT OR REPLACE INTO room_news (id, title, body, language, image_sha256,
                     shown_from_ms, shown_until_ms, posted_at_ms, synced_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    item.id,
                    item.title,
                    item.body,
                    item.language,
                    item.image_sha256,
                    item.shown_from_ms,
                    item.shown_until_ms,
                    item.posted_at_ms,
                    now_ms
                ],
            )?;
        }
        for id in removed {
            tx.execute("DELETE FROM room_news WHERE id = ?1", params![id])?;
        }
        tx.execute(
            "DELETE FROM room_news WHERE shown_until_ms IS NOT NULL AND shown_until_ms < ?1",
            params![now_ms - ROOM_KEEP_ENDED_MS],
        )?;
        tx.execute(
            "DELETE FROM room_news_images
             WHERE sha256 NOT IN (SELECT image_sha256 FROM room_news WHERE image_sha256 IS NOT NULL)",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Pictures named by the room's items that have not arrived yet.
    pub fn missing_news_images(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT n.image_sha256 FROM room_news n
             WHERE n.image_sha256 IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM room_news_images i WHERE i.sha256 = n.image_sha256)",
        )?;
        Ok(stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Keeps a picture the hub sent (its hash and kind checked by the caller).
    pub fn store_room_news_image(
        &self,
        sha256: &str,
        kind: ImageKind,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT OR REPLACE INTO room_news_images (sha256, content_type, bytes)
             VALUES (?1, ?2, ?3)",
            params![sha256, kind.as_str(), bytes],
        )?;
        Ok(())
    }

    /// The items the kiosk shows at `now_ms` (inside their window), newest first, with
    /// their pictures where they have arrived.
    pub fn room_news_shown(&self, now_ms: i64) -> Result<Vec<RoomNews>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT n.id, n.title, n.body, n.language, n.image_sha256, n.shown_from_ms,
                    n.shown_until_ms, n.posted_at_ms, i.content_type, i.bytes
             FROM room_news n LEFT JOIN room_news_images i ON i.sha256 = n.image_sha256
             WHERE n.shown_from_ms <= ?1 AND (n.shown_until_ms IS NULL OR ?1 < n.shown_until_ms)
             ORDER BY n.shown_from_ms DESC, n.posted_at_ms DESC, n.id DESC",
        )?;
        let rows = stmt.query_map(params![now_ms], |r| {
            let image = match (
                r.get::<_, Option<String>>(8)?,
                r.get::<_, Option<Vec<u8>>>(9)?,
            ) {
                (Some(kind), Some(bytes)) => {
                    ImageKind::parse(&kind).map(|kind| StoredImage { kind, bytes })
                }
                _ => None,
            };
            Ok(RoomNews {
                item: NewsItem {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    body: r.get(2)?,
                    language: r.get(3)?,
                    image_sha256: r.get(4)?,
                    shown_from_ms: r.get(5)?,
                    shown_until_ms: r.get(6)?,
                    posted_at_ms: r.get(7)?,
                },
                image,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::news::{NewsDraft, check_draft};

    const NOW: i64 = 1_796_000_000_000;

    fn content(title: &str, units: &[&str]) -> NewsContent {
        let known: Vec<String> = ["lao-chai", "sa-pa"].map(str::to_owned).to_vec();
        check_draft(
            &NewsDraft {
                title: title.into(),
                body: "Nội dung".into(),
                units: units.iter().map(|u| u.to_string()).collect(),
                ..Default::default()
            },
            &known,
            NOW,
        )
        .expect("valid")
    }

    fn png() -> Vec<u8> {
        let mut out = Vec::new();
        image::RgbaImage::from_pixel(2, 2, image::Rgba([1, 2, 3, 255]))
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .expect("encode");
        out
    }

    #[test]
    fn a_room_learns_posts_edits_and_withdrawals_meant_for_its_unit_only() {
        let hub = Store::open_in_memory().expect("open");
        let all = hub
            .post_news(&content("Cho mọi xã", &[]), None, "an", NOW)
            .expect("post");
        let mine = hub
            .post_news(&content("Cho Lao Chải", &["lao-chai"]), None, "an", NOW)
            .expect("post");
        let theirs = hub
            .post_news(&content("Cho Sa Pa", &["sa-pa"]), None, "an", NOW)
            .expect("post");
        let (cursor, items, removed) = hub.news_changes_for_unit("lao-chai", 0).expect("down");
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, vec![all.id.as_str(), mine.id.as_str()]);
        assert_eq!(removed, vec![theirs.id.clone()], "never had it; harmless");

        let (again, items, removed) = hub.news_changes_for_unit("lao-chai", cursor).expect("down");
        assert_eq!((again, items.len(), removed.len()), (cursor, 0, 0));

        // Edited away from Lao Chải, and the all-units one withdrawn: both are forgotten.
        hub.edit_news(&mine.id, &content("Chỉ Sa Pa", &["sa-pa"]), NOW + 1)
            .expect("edit")
            .expect("live");
        hub.withdraw_news(&all.id, "an", NOW + 2)
            .expect("withdraw")
            .expect("found");
        let (_, items, removed) = hub.news_changes_for_unit("lao-chai", cursor).expect("down");
        assert!(items.is_empty());
        assert_eq!(removed, vec![mine.id.clone(), all.id.clone()]);
        assert_eq!(
            hub.edit_news(&all.id, &content("x", &[]), NOW + 3)
                .expect("store"),
            Err(NewsChangeRefusal::Withdrawn(all.id.clone()))
        );
        let twice = hub.withdraw_news(&all.id, "bình", NOW + 4).expect("store");
        assert_eq!(
            twice.expect("answered").withdrawn_by.as_deref(),
            Some("an"),
            "the first withdrawal stands"
        );
        let listed: Vec<String> = hub
            .news_list(Some("sa-pa"), false)
            .expect("list")
            .into_iter()
            .map(|r| r.title)
            .collect();
        assert_eq!(listed, vec!["Cho Sa Pa", "Chỉ Sa Pa"]);
    }

    #[test]
    fn a_picture_travels_by_hash_to_rooms_of_its_units_only() {
        let hub = Store::open_in_memory().expect("open");
        let bytes = png();
        let checked = crate::news::check_image(&bytes).expect("png");
        let row = hub
            .post_news(
                &content("Ảnh", &["sa-pa"]),
                Some((&checked, &bytes)),
                "an",
                NOW,
            )
            .expect("post");
        assert_eq!(
            row.image.as_ref().map(|i| i.bytes),
            Some(bytes.len() as u64)
        );
        assert!(
            hub.news_image_for_unit(&checked.sha256, "lao-chai")
                .expect("q")
                .is_none()
        );
        let got = hub
            .news_image_for_unit(&checked.sha256, "sa-pa")
            .expect("q")
            .expect("served");
        assert_eq!((got.kind, got.bytes), (ImageKind::Png, bytes.clone()));

        let room = Store::open_in_memory().expect("open");
        let (_, items, removed) = hub.news_changes_for_unit("sa-pa", 0).expect("down");
        room.apply_news_down(&items, &removed, NOW).expect("apply");
        assert_eq!(
            room.missing_news_images().expect("missing"),
            vec![checked.sha256.clone()]
        );
        let shown = room.room_news_shown(NOW).expect("shown");
        assert_eq!(shown.len(), 1);
        assert!(shown[0].image.is_none(), "not arrived yet: text first");
        room.store_room_news_image(&checked.sha256, ImageKind::Png, &bytes)
            .expect("keep");
        assert!(room.missing_news_images().expect("missing").is_empty());
        assert!(room.room_news_shown(NOW).expect("shown")[0].image.is_some());

        room.apply_news_down(&[], std::slice::from_ref(&row.id), NOW)
            .expect("apply");
        assert!(room.room_news_shown(NOW).expect("shown").is_empty());
        let left: i64 = room
            .lock()
            .query_row("SELECT count(*) FROM room_news_images", [], |r| r.get(0))
            .expect("count");
        assert_eq!(left, 0, "a picture nothing names is forgotten");
    }

    #[test]
    fn the_room_shows_only_items_inside_their_window_newest_first() {
        let room = Store::open_in_memory().expect("open");
        let item = |id: &str, from: i64, until: Option<i64>| NewsItem {
            id: id.into(),
            title: id.into(),
            body: "b".into(),
            language: "vi".into(),
            image_sha256: None,
            shown_from_ms: from,
            shown_until_ms: until,
            posted_at_ms: from,
        };
        room.apply_news_down(
            &[
                item("old", NOW - 2_000, None),
                item("new", NOW - 1_000, Some(NOW + 1_000)),
                item("later", NOW + 500, None),
                item("ended", NOW - 5_000, Some(NOW)),
            ],
            &[],
            NOW,
        )
        .expect("apply");
        let titles = |at: i64| -> Vec<String> {
            room.room_news_shown(at)
                .expect("shown")
                .into_iter()
                .map(|n| n.item.title)
                .collect()
        };
        assert_eq!(titles(NOW), vec!["new", "old"]);
        assert_eq!(titles(NOW + 1_000), vec!["later", "old"]);
    }
}
