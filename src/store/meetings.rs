//! Meetings and the browser links into them.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// A meeting as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MeetingRow {
    pub id: String,
    pub host_room: String,
    /// Room ids invited, the host included.
    pub rooms: Vec<String>,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
}

fn meeting_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<MeetingRow> {
    let rooms_json: String = row.get(2)?;
    Ok(MeetingRow {
        id: row.get(0)?,
        host_room: row.get(1)?,
        rooms: serde_json::from_str(&rooms_json).unwrap_or_default(),
        started_at_ms: row.get(3)?,
        ended_at_ms: row.get(4)?,
    })
}

const COLUMNS: &str = "id, host_room, rooms_json, started_at_ms, ended_at_ms";

impl Store {
    /// Starts a meeting. Every room must be enrolled and not revoked; the host is added to
    /// the rooms if it was not named.
    pub fn start_meeting(
        &self,
        id: &str,
        host_room: &str,
        rooms: &[String],
        now_ms: i64,
    ) -> Result<MeetingRow, StoreError> {
        let mut all: Vec<String> = vec![host_room.to_owned()];
        for r in rooms {
            if !all.contains(r) {
                all.push(r.clone());
            }
        }
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        super::schedule::check_rooms(&tx, &all)?;
        let rooms_json = serde_json::to_string(&all).unwrap_or_else(|_| "[]".into());
        tx.execute(
            "INSERT INTO meetings (id, host_room, rooms_json, started_at_ms) VALUES (?1, ?2, ?3, ?4)",
            params![id, host_room, rooms_json, now_ms],
        )?;
        tx.commit()?;
        Ok(MeetingRow {
            id: id.to_owned(),
            host_room: host_room.to_owned(),
            rooms: all,
            started_at_ms: now_ms,
            ended_at_ms: None,
        })
    }

    /// Ends a meeting; false when no running meeting has that id.
    pub fn end_meeting(&self, id: &str, now_ms: i64) -> Result<bool, StoreError> {
        let changed = self.lock().execute(
            "UPDATE meetings SET ended_at_ms = ?2 WHERE id = ?1 AND ended_at_ms IS NULL",
            params![id, now_ms],
        )?;
        Ok(changed > 0)
    }

    pub fn meeting(&self, id: &str) -> Result<Option<MeetingRow>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                &format!("SELECT {COLUMNS} FROM meetings WHERE id = ?1"),
                params![id],
                meeting_from_row,
            )
            .optional()?)
    }

    pub fn active_meetings(&self) -> Result<Vec<MeetingRow>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM meetings WHERE ended_at_ms IS NULL ORDER BY started_at_ms, id"
        ))?;
        let rows = stmt.query_map([], meeting_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores a browser link's token hash for a running meeting.
    pub fn add_meeting_link(
        &self,
        meeting_id: &str,
        name: &str,
        token_sha256: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let running: Option<Option<i64>> = tx
            .query_row(
                "SELECT ended_at_ms FROM meetings WHERE id = ?1",
                params![meeting_id],
                |r| r.get(0),
            )
            .optional()?;
        match running {
            None => {
                return Err(StoreError::Refused(format!(
                    "no meeting {meeting_id:?}; `phonghop hub meeting start` prints the id"
                )));
            }
            Some(Some(_)) => {
                return Err(StoreError::Refused(format!(
                    "meeting {meeting_id:?} has ended; links are only made for running meetings"
                )));
            }
            Some(None) => {}
        }
        tx.execute(
            "INSERT INTO meeting_links (token_sha256, meeting_id, name, created_at_ms) VALUES (?1, ?2, ?3, ?4)",
            params![token_sha256, meeting_id, name, now_ms],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The meeting id and name a link's token hash opens, if any.
    pub fn meeting_link(&self, token_sha256: &str) -> Result<Option<(String, String)>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT meeting_id, name FROM meeting_links WHERE token_sha256 = ?1",
                params![token_sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store with three rooms; returns their ids (made by the store) as p, a, b.
    fn store_with_rooms() -> (Store, [String; 3]) {
        let store = Store::open_in_memory().expect("store");
        let mut ids = Vec::new();
        for (i, name) in ["p", "a", "b"].iter().enumerate() {
            let room = store
                .create_room(
                    "unit",
                    name,
                    &format!("LC-{i}"),
                    &format!("hash{i}"),
                    1_000,
                    0,
                )
                .expect("room")
                .expect("prefix free");
            ids.push(room.id);
        }
        (store, [ids[0].clone(), ids[1].clone(), ids[2].clone()])
    }

    #[test]
    fn a_meeting_starts_ends_once_and_keeps_its_rooms() {
        let (store, [p, a, b]) = store_with_rooms();
        let m = store
            .start_meeting("m1", &p, &[a.clone(), b.clone(), a.clone()], 10)
            .expect("start");
        assert_eq!(m.rooms, vec![p, a, b]);
        assert_eq!(store.active_meetings().expect("list").len(), 1);
        assert!(store.end_meeting("m1", 20).expect("end"));
        assert!(!store.end_meeting("m1", 30).expect("end twice"));
        assert!(store.active_meetings().expect("list").is_empty());
        assert_eq!(
            store
                .meeting("m1")
                .expect("get")
                .and_then(|m| m.ended_at_ms),
            Some(20)
        );
    }

    #[test]
    fn unknown_rooms_and_ended_meetings_are_refused_clearly() {
        let (store, [p, _, _]) = store_with_rooms();
        let err = store
            .start_meeting("m1", &p, &["zz".into()], 1)
            .expect_err("unknown");
        assert!(err.to_string().contains("\"zz\""), "{err}");
        assert!(
            store.active_meetings().expect("list").is_empty(),
            "nothing half-stored"
        );
        store.start_meeting("m2", &p, &[], 1).expect("start");
        store
            .add_meeting_link("m2", "Chủ tịch", "abc", 2)
            .expect("link");
        assert_eq!(
            store.meeting_link("abc").expect("get"),
            Some(("m2".into(), "Chủ tịch".into()))
        );
        store.end_meeting("m2", 3).expect("end");
        let err = store
            .add_meeting_link("m2", "x", "def", 4)
            .expect_err("ended");
        assert!(err.to_string().contains("ended"), "{err}");
    }
}
