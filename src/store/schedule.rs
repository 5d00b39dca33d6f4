//! Scheduled meetings and every meeting's event record (attendance).

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::meeting::floor::Event;
use crate::meeting::schedule::{MeetingPlan, ScheduleStatus, ScheduledMeeting};

const COLUMNS: &str = "id, title, start_ms, end_ms, host_room, rooms_json, agenda_json, status, \
                       created_at_ms, updated_at_ms";

fn scheduled_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ScheduledMeeting> {
    let json_list = |i: usize| -> rusqlite::Result<Vec<String>> {
        let text: String = row.get(i)?;
        serde_json::from_str(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
    };
    let status: String = row.get(7)?;
    let status: ScheduleStatus = status.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(ScheduledMeeting {
        id: row.get(0)?,
        plan: MeetingPlan {
            title: row.get(1)?,
            start_ms: row.get(2)?,
            end_ms: row.get(3)?,
            host: row.get(4)?,
            rooms: json_list(5)?,
            agenda: json_list(6)?,
        },
        status,
        created_at_ms: row.get(8)?,
        updated_at_ms: row.get(9)?,
    })
}

/// Refuses rooms that are not enrolled or were revoked, naming the first such room: the
/// schedule and a meeting started now invite rooms alike.
pub(super) fn check_rooms(
    tx: &rusqlite::Transaction<'_>,
    rooms: &[String],
) -> Result<(), StoreError> {
    for room in rooms {
        let revoked: Option<Option<i64>> = tx
            .query_row(
                "SELECT revoked_at_ms FROM rooms WHERE id = ?1",
                params![room],
                |r| r.get(0),
            )
            .optional()?;
        match revoked {
            None => {
                return Err(StoreError::Refused(format!(
                    "no room {room:?} is enrolled; `phonghop hub list-rooms` shows the room ids"
                )));
            }
            Some(Some(_)) => {
                return Err(StoreError::Refused(format!(
                    "room {room:?} was revoked; enroll it again before inviting it"
                )));
            }
            Some(None) => {}
        }
    }
    Ok(())
}

fn json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

fn get_scheduled(
    conn: &rusqlite::Connection,
    id: &str,
) -> Result<Option<ScheduledMeeting>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM meeting_schedule WHERE id = ?1"),
            params![id],
            scheduled_from_row,
        )
        .optional()?)
}

fn must_be_scheduled(id: &str, found: &ScheduledMeeting) -> Result<(), StoreError> {
    if found.status == ScheduleStatus::Scheduled {
        Ok(())
    } else {
        Err(StoreError::Refused(
            crate::meeting::schedule::ScheduleError::NotScheduled {
                id: id.to_owned(),
                status: found.status,
            }
            .to_string(),
        ))
    }
}

impl Store {
    /// Stores a checked plan (`MeetingPlan::check`) as a scheduled meeting; every room must
    /// be enrolled and not revoked.
    pub fn schedule_meeting(
        &self,
        id: &str,
        plan: &MeetingPlan,
        now_ms: i64,
    ) -> Result<ScheduledMeeting, StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        check_rooms(&tx, &plan.rooms)?;
        tx.execute(
            "INSERT INTO meeting_schedule (id, title, start_ms, end_ms, host_room, rooms_json, \
             agenda_json, status, created_at_ms, updated_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
            params![
                id,
                plan.title,
                plan.start_ms,
                plan.end_ms,
                plan.host,
                json(&plan.rooms),
                json(&plan.agenda),
                ScheduleStatus::Scheduled.as_str(),
                now_ms
            ],
        )?;
        let stored = get_scheduled(&tx, id)?;
        tx.commit()?;
        stored.ok_or_else(|| StoreError::Refused(format!("meeting {id:?} vanished")))
    }

    /// Every scheduled meeting (cancelled and held ones too), earliest start first; with
    /// `ending_after_ms`, only those ending after it.
    pub fn scheduled_meetings(
        &self,
        ending_after_ms: Option<i64>,
    ) -> Result<Vec<ScheduledMeeting>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM meeting_schedule WHERE end_ms > ?1 ORDER BY start_ms, id"
        ))?;
        let rows = stmt.query_map(
            params![ending_after_ms.unwrap_or(i64::MIN)],
            scheduled_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn scheduled_meeting(&self, id: &str) -> Result<Option<ScheduledMeeting>, StoreError> {
        get_scheduled(&self.lock(), id)
    }

    /// Replaces a scheduled meeting's plan; `None` when no meeting has that id. A cancelled
    /// or held meeting is refused.
    pub fn change_scheduled_meeting(
        &self,
        id: &str,
        plan: &MeetingPlan,
        now_ms: i64,
    ) -> Result<Option<ScheduledMeeting>, StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let Some(found) = get_scheduled(&tx, id)? else {
            return Ok(None);
        };
        must_be_scheduled(id, &found)?;
        check_rooms(&tx, &plan.rooms)?;
        tx.execute(
            "UPDATE meeting_schedule SET title = ?2, start_ms = ?3, end_ms = ?4, host_room = ?5, \
             rooms_json = ?6, agenda_json = ?7, updated_at_ms = ?8 WHERE id = ?1",
            params![
                id,
                plan.title,
                plan.start_ms,
                plan.end_ms,
                plan.host,
                json(&plan.rooms),
                json(&plan.agenda),
                now_ms
            ],
        )?;
        let stored = get_scheduled(&tx, id)?;
        tx.commit()?;
        Ok(stored)
    }

    /// Moves a scheduled meeting to `cancelled` or `held`; `None` when no meeting has that
    /// id. Only a meeting still `scheduled` moves.
    pub fn set_schedule_status(
        &self,
        id: &str,
        status: ScheduleStatus,
        now_ms: i64,
    ) -> Result<Option<ScheduledMeeting>, StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let Some(found) = get_scheduled(&tx, id)? else {
            return Ok(None);
        };
        must_be_scheduled(id, &found)?;
        tx.execute(
            "UPDATE meeting_schedule SET status = ?2, updated_at_ms = ?3 WHERE id = ?1",
            params![id, status.as_str(), now_ms],
        )?;
        let stored = get_scheduled(&tx, id)?;
        tx.commit()?;
        Ok(stored)
    }

    /// Starts a scheduled meeting now, in one commit: the running meeting (same id, the
    /// rooms still enrolled and not revoked) and the schedule's `held`. `None` when it is no
    /// longer `scheduled` (started already, or cancelled meanwhile).
    pub fn start_scheduled_meeting(
        &self,
        id: &str,
        now_ms: i64,
    ) -> Result<Option<super::MeetingRow>, StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let Some(found) = get_scheduled(&tx, id)? else {
            return Ok(None);
        };
        if found.status != ScheduleStatus::Scheduled {
            return Ok(None);
        }
        let mut rooms = Vec::new();
        for room in &found.plan.rooms {
            let active: Option<Option<i64>> = tx
                .query_row(
                    "SELECT revoked_at_ms FROM rooms WHERE id = ?1",
                    params![room],
                    |r| r.get(0),
                )
                .optional()?;
            if active == Some(None) {
                rooms.push(room.clone());
            }
        }
        if !rooms.contains(&found.plan.host) {
            return Err(StoreError::Refused(format!(
                "meeting {id:?} cannot start: its host room {:?} was revoked",
                found.plan.host
            )));
        }
        tx.execute(
            "INSERT INTO meetings (id, host_room, rooms_json, started_at_ms) VALUES (?1, ?2, ?3, ?4)",
            params![id, found.plan.host, json(&rooms), now_ms],
        )?;
        tx.execute(
            "UPDATE meeting_schedule SET status = ?2, updated_at_ms = ?3 WHERE id = ?1",
            params![id, ScheduleStatus::Held.as_str(), now_ms],
        )?;
        tx.commit()?;
        Ok(Some(super::MeetingRow {
            id: id.to_owned(),
            host_room: found.plan.host,
            rooms,
            started_at_ms: now_ms,
            ended_at_ms: None,
        }))
    }

    /// Appends a meeting's events in one commit, in order.
    pub fn record_meeting_events(
        &self,
        meeting_id: &str,
        events: &[Event],
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO meeting_events (meeting_id, at_ms, kind, room, event_json) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for e in events {
                let body = serde_json::to_string(e)
                    .map_err(|err| StoreError::Refused(format!("meeting event: {err}")))?;
                stmt.execute(params![
                    meeting_id,
                    e.at_ms,
                    e.kind.name(),
                    e.kind.room(),
                    body
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A meeting's events in the order they were stored.
    pub fn meeting_events(&self, meeting_id: &str) -> Result<Vec<Event>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT event_json FROM meeting_events WHERE meeting_id = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![meeting_id], |r| {
            let text: String = r.get(0)?;
            serde_json::from_str::<Event>(&text).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meeting::floor::{Actor, Floor, FloorAction};

    fn store_with_rooms() -> (Store, Vec<String>) {
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
        (store, ids)
    }

    fn plan(ids: &[String]) -> MeetingPlan {
        MeetingPlan {
            title: "Giao ban".into(),
            start_ms: 10_000,
            end_ms: 20_000,
            host: ids[0].clone(),
            rooms: ids.to_vec(),
            agenda: vec!["Một".into(), "Hai".into()],
        }
    }

    #[test]
    fn a_scheduled_meeting_is_stored_changed_and_cancelled_once() {
        let (store, ids) = store_with_rooms();
        let m = store
            .schedule_meeting("hop-1", &plan(&ids), 5)
            .expect("schedule");
        assert_eq!(m.plan, plan(&ids));
        assert_eq!(m.status, ScheduleStatus::Scheduled);
        let mut changed = plan(&ids);
        changed.title = "Giao ban (dời)".into();
        changed.start_ms = 30_000;
        changed.end_ms = 40_000;
        let m = store
            .change_scheduled_meeting("hop-1", &changed, 6)
            .expect("change")
            .expect("found");
        assert_eq!(
            (m.plan.title.as_str(), m.updated_at_ms),
            ("Giao ban (dời)", 6)
        );
        assert_eq!(
            store.scheduled_meetings(Some(35_000)).expect("list").len(),
            1
        );
        assert!(
            store
                .scheduled_meetings(Some(40_000))
                .expect("list")
                .is_empty()
        );
        let m = store
            .set_schedule_status("hop-1", ScheduleStatus::Cancelled, 7)
            .expect("cancel")
            .expect("found");
        assert_eq!(m.status, ScheduleStatus::Cancelled);
        let err = store
            .set_schedule_status("hop-1", ScheduleStatus::Cancelled, 8)
            .expect_err("twice");
        assert!(err.to_string().contains("is cancelled"), "{err}");
        assert!(
            store
                .change_scheduled_meeting("nope", &changed, 9)
                .expect("ok")
                .is_none()
        );
    }

    #[test]
    fn unknown_and_revoked_rooms_are_refused_by_name() {
        let (store, ids) = store_with_rooms();
        let mut p = plan(&ids);
        p.rooms.push("zz".into());
        let err = store.schedule_meeting("hop-1", &p, 5).expect_err("unknown");
        assert!(err.to_string().contains("no room \"zz\""), "{err}");
        store.revoke_room(&ids[2], 6).expect("revoke");
        let err = store
            .schedule_meeting("hop-2", &plan(&ids), 7)
            .expect_err("revoked");
        assert!(err.to_string().contains("was revoked"), "{err}");
        assert!(store.scheduled_meetings(None).expect("list").is_empty());
    }

    #[test]
    fn a_scheduled_meeting_starts_once_without_revoked_rooms() {
        let (store, ids) = store_with_rooms();
        store
            .schedule_meeting("hop-1", &plan(&ids), 5)
            .expect("schedule");
        store.revoke_room(&ids[2], 6).expect("revoke");
        let row = store
            .start_scheduled_meeting("hop-1", 10_000)
            .expect("start")
            .expect("started");
        assert_eq!(row.rooms, ids[..2].to_vec());
        assert_eq!(store.active_meetings().expect("running"), vec![row]);
        let held = store
            .scheduled_meeting("hop-1")
            .expect("read")
            .expect("found");
        assert_eq!(held.status, ScheduleStatus::Held);
        assert!(
            store
                .start_scheduled_meeting("hop-1", 10_001)
                .expect("again")
                .is_none()
        );
        store
            .schedule_meeting("hop-2", &plan(&ids[..2]), 5)
            .expect("schedule");
        store.revoke_room(&ids[0], 7).expect("revoke host");
        let err = store
            .start_scheduled_meeting("hop-2", 10_000)
            .expect_err("hostless");
        assert!(err.to_string().contains("host room"), "{err}");
        assert_eq!(
            store.active_meetings().expect("running").len(),
            1,
            "nothing half-started"
        );
    }

    #[test]
    fn events_read_back_in_order_and_never_change() {
        let (store, _) = store_with_rooms();
        let mut f = Floor::new("p", &["a".into()]);
        f.apply(1, &Actor::Room("p".into()), FloorAction::Join)
            .expect("join");
        f.apply(2, &Actor::Room("a".into()), FloorAction::Join)
            .expect("join");
        f.apply(3, &Actor::Room("p".into()), FloorAction::End)
            .expect("end");
        store
            .record_meeting_events("hop-1", f.events())
            .expect("record");
        assert_eq!(store.meeting_events("hop-1").expect("read"), f.events());
        assert!(store.meeting_events("hop-2").expect("read").is_empty());
        let conn = store.lock();
        assert!(conn.execute("DELETE FROM meeting_events", []).is_err());
        assert!(
            conn.execute("UPDATE meeting_events SET at_ms = 0", [])
                .is_err()
        );
    }
}
