//! Feedback triage at the hub: the staff inbox's filtered, paged and scoped lists, the
//! export's rows, internal notes, assignment to a commune, hiding abusive items, and the
//! append-only audit trail every staff change writes in the same transaction as the change.
//!
//! Every read and change here takes the caller's scope (`None`: the whole province;
//! `Some(unit)`: one commune) and applies it in the SQL itself, so another unit's item
//! never leaves the database for a commune officer.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::feedback::{EFFECTIVE_UNIT, FEEDBACK_COLUMNS, FEEDBACK_FROM, feedback_from_row};
use super::{Store, StoreError, exists};
use crate::feedback::{Channel, FeedbackRow, Status};

crate::names::text_enum! {
    /// What a staff change did to an item, as the audit trail names it.
    pub enum AuditAction as "audit action" {
        Status = "status",
        Reply = "reply",
        Assign = "assign",
        Note = "note",
        Hide = "hide",
        Unhide = "unhide",
    }
}

/// Which feedback the inbox and the export show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TriageFilter {
    pub status: Option<Status>,
    pub category: Option<String>,
    /// The handling unit (a commune officer's scope applies on top of it).
    pub unit: Option<String>,
    /// Submitted at or after.
    pub from_ms: Option<i64>,
    /// Submitted before.
    pub until_ms: Option<i64>,
    /// `Some(true)`: only items with a recording; `Some(false)`: only without.
    pub voice: Option<VoiceFilter>,
    /// Hidden (abusive) items are kept for staff; exports never include them.
    pub include_hidden: bool,
    /// Only items that came by this channel.
    pub channel: Option<Channel>,
}

/// Whether an item has a voice recording, as a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoiceFilter {
    With,
    Without,
}

/// An item looked up within a scope: found, outside it (403), or not there at all (404).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scoped<T> {
    Found(T),
    OtherUnit,
    Missing,
}

/// An internal note between staff; never shown to the resident.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Note {
    pub author: String,
    pub at_ms: i64,
    pub text: String,
}

/// One line of an item's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub at_ms: i64,
    pub actor: String,
    pub action: AuditAction,
    pub detail: String,
}

/// Who hid an item, why and when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HiddenMark {
    pub by: String,
    pub reason: String,
    pub at_ms: i64,
}

/// Why a triage change was not made; said to staff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TriageRefusal {
    #[error("no feedback with ticket code {0}")]
    UnknownTicket(String),
    #[error("ticket {0} belongs to another unit than yours")]
    OtherUnit(String),
    #[error("no room of unit {0:?} is enrolled at this hub; assign to a unit it knows")]
    UnknownUnit(String),
    #[error("ticket {0} is already handled by that unit")]
    SameUnit(String),
    #[error("ticket {0} is already hidden")]
    AlreadyHidden(String),
    #[error("ticket {0} is not hidden")]
    NotHidden(String),
}

/// The WHERE clause of the inbox and the export: ?1 status, ?2 category, ?3 unit, ?4 from,
/// ?5 until, ?6 has voice, ?7 include hidden, ?8 the caller's scope, ?11 channel.
fn filter_sql() -> String {
    format!(
        "WHERE (?1 IS NULL OR f.status = ?1) AND (?2 IS NULL OR f.category = ?2)
           AND (?3 IS NULL OR {EFFECTIVE_UNIT} = ?3)
           AND (?4 IS NULL OR f.submitted_at_ms >= ?4) AND (?5 IS NULL OR f.submitted_at_ms < ?5)
           AND (?6 IS NULL OR (f.voice_sha256 IS NOT NULL) = ?6) AND (?7 OR f.hidden = 0)
           AND (?8 IS NULL OR {EFFECTIVE_UNIT} = ?8) AND (?11 IS NULL OR f.channel = ?11)"
    )
}

/// Writes one audit line in the caller's transaction, so a change and its record commit
/// together or not at all.
pub(super) fn append_audit(
    tx: &Transaction<'_>,
    feedback_id: &str,
    actor: &str,
    action: AuditAction,
    detail: &str,
    at_ms: i64,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO feedback_audit (feedback_id, at_ms, actor, action, detail)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![feedback_id, at_ms, actor, action.as_str(), detail],
    )?;
    Ok(())
}

/// The id of the item `code` if `scope_unit` may touch it.
fn scoped_id(
    conn: &Connection,
    code: &str,
    scope_unit: Option<&str>,
) -> rusqlite::Result<Result<String, TriageRefusal>> {
    let found: Option<(String, bool)> = conn
        .query_row(
            &format!(
                "SELECT f.id, (?2 IS NULL OR {EFFECTIVE_UNIT} = ?2) FROM {FEEDBACK_FROM}
                 WHERE f.ticket_code = ?1"
            ),
            params![code, scope_unit],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match found {
        Some((id, true)) => Ok(id),
        Some((_, false)) => Err(TriageRefusal::OtherUnit(code.to_owned())),
        None => Err(TriageRefusal::UnknownTicket(code.to_owned())),
    })
}

impl Store {
    /// Runs `change` on item `code` (its id given) in one write transaction when
    /// `scope_unit` may touch the item; commits only what `change` accepts.
    fn change_scoped(
        &self,
        code: &str,
        scope_unit: Option<&str>,
        change: impl FnOnce(&Transaction<'_>, &str) -> Result<Result<(), TriageRefusal>, StoreError>,
    ) -> Result<Result<(), TriageRefusal>, StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let id = match scoped_id(&tx, code, scope_unit)? {
            Ok(id) => id,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if let Err(refusal) = change(&tx, &id)? {
            return Ok(Err(refusal));
        }
        tx.commit()?;
        Ok(Ok(()))
    }

    /// One page of the inbox, newest first, and how many items match in all.
    pub fn triage_page(
        &self,
        filter: &TriageFilter,
        scope_unit: Option<&str>,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<FeedbackRow>, u64), StoreError> {
        let conn = self.lock();
        let voice = filter.voice.map(|v| v == VoiceFilter::With);
        // ?9 and ?10 are the page: the count ignores them (?11 makes them slots all the same).
        let (no_limit, no_offset) = (0u32, 0u32);
        fn args<'a>(
            filter: &'a TriageFilter,
            voice: &'a Option<bool>,
            scope_unit: &'a Option<&'a str>,
            limit: &'a u32,
            offset: &'a u32,
        ) -> [&'a dyn rusqlite::ToSql; 11] {
            [
                &filter.status,
                &filter.category,
                &filter.unit,
                &filter.from_ms,
                &filter.until_ms,
                voice,
                &filter.include_hidden,
                scope_unit,
                limit,
                offset,
                &filter.channel,
            ]
        }
        let total: i64 = conn.query_row(
            &format!("SELECT count(*) FROM {FEEDBACK_FROM} {}", filter_sql()),
            &args(filter, &voice, &scope_unit, &no_limit, &no_offset)[..],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {FEEDBACK_COLUMNS} FROM {FEEDBACK_FROM} {}
             ORDER BY f.submitted_at_ms DESC, f.id DESC LIMIT ?9 OFFSET ?10",
            filter_sql()
        ))?;
        let rows = stmt.query_map(
            &args(filter, &voice, &scope_unit, &limit, &offset)[..],
            feedback_from_row,
        )?;
        Ok((rows.collect::<Result<_, _>>()?, total as u64))
    }

    /// Every item an export of `filter` holds, newest first: never a hidden one.
    pub fn triage_export(
        &self,
        filter: &TriageFilter,
        scope_unit: Option<&str>,
    ) -> Result<Vec<FeedbackRow>, StoreError> {
        let filter = TriageFilter {
            include_hidden: false,
            ..filter.clone()
        };
        let (rows, _) = self.triage_page(&filter, scope_unit, u32::MAX, 0)?;
        Ok(rows)
    }

    /// The item `code` if `scope_unit` may see it; whether it exists elsewhere otherwise.
    pub fn feedback_for_staff(
        &self,
        code: &str,
        scope_unit: Option<&str>,
    ) -> Result<Scoped<FeedbackRow>, StoreError> {
        let conn = self.lock();
        let row = conn
            .query_row(
                &format!(
                    "SELECT {FEEDBACK_COLUMNS} FROM {FEEDBACK_FROM}
                     WHERE f.ticket_code = ?1 AND (?2 IS NULL OR {EFFECTIVE_UNIT} = ?2)"
                ),
                params![code, scope_unit],
                feedback_from_row,
            )
            .optional()?;
        Ok(match row {
            Some(row) => Scoped::Found(row),
            None if exists(&conn, "feedback WHERE ticket_code = ?1", params![code])? => {
                Scoped::OtherUnit
            }
            None => Scoped::Missing,
        })
    }

    /// Who hid the item and why, if it is hidden.
    pub fn feedback_hidden_mark(
        &self,
        feedback_id: &str,
    ) -> Result<Option<HiddenMark>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT hidden_by, hidden_reason, hidden_at_ms FROM feedback
                 WHERE id = ?1 AND hidden = 1 AND hidden_by IS NOT NULL",
                params![feedback_id],
                |r| {
                    Ok(HiddenMark {
                        by: r.get(0)?,
                        reason: r.get(1)?,
                        at_ms: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// The item's internal notes, oldest first.
    pub fn feedback_notes(&self, feedback_id: &str) -> Result<Vec<Note>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT author, at_ms, text FROM feedback_notes WHERE feedback_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![feedback_id], |r| {
            Ok(Note {
                author: r.get(0)?,
                at_ms: r.get(1)?,
                text: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The item's audit trail, oldest first.
    pub fn feedback_audit(&self, feedback_id: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT at_ms, actor, action, detail FROM feedback_audit
             WHERE feedback_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![feedback_id], |r| {
            let action: String = r.get(2)?;
            Ok(AuditEntry {
                at_ms: r.get(0)?,
                actor: r.get(1)?,
                action: action.parse().map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        2,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })?,
                detail: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The units of the enrolled rooms: where an item may be assigned, and the inbox's
    /// commune filter.
    pub fn feedback_units(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT unit_id FROM rooms WHERE revoked_at_ms IS NULL ORDER BY unit_id",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Adds an internal note to an item the author's scope covers.
    pub fn add_feedback_note(
        &self,
        code: &str,
        scope_unit: Option<&str>,
        author: &str,
        text: &str,
        now_ms: i64,
    ) -> Result<Result<(), TriageRefusal>, StoreError> {
        self.change_scoped(code, scope_unit, |tx, id| {
            tx.execute(
                "INSERT INTO feedback_notes (feedback_id, author, at_ms, text) VALUES (?1, ?2, ?3, ?4)",
                params![id, author, now_ms, text],
            )?;
            append_audit(tx, id, author, AuditAction::Note, text, now_ms)?;
            Ok(Ok(()))
        })
    }

    /// Hands an item to `unit`'s staff (a province decision: no scope is taken).
    pub fn assign_feedback(
        &self,
        code: &str,
        unit: &str,
        by_staff: &str,
        now_ms: i64,
    ) -> Result<Result<(), TriageRefusal>, StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let current: Option<(String, String)> = tx
            .query_row(
                &format!(
                    "SELECT f.id, {EFFECTIVE_UNIT} FROM {FEEDBACK_FROM} WHERE f.ticket_code = ?1"
                ),
                params![code],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((id, current_unit)) = current else {
            return Ok(Err(TriageRefusal::UnknownTicket(code.to_owned())));
        };
        if !exists(
            &tx,
            "rooms WHERE unit_id = ?1 AND revoked_at_ms IS NULL",
            params![unit],
        )? {
            return Ok(Err(TriageRefusal::UnknownUnit(unit.to_owned())));
        }
        if current_unit == unit {
            return Ok(Err(TriageRefusal::SameUnit(code.to_owned())));
        }
        tx.execute(
            "UPDATE feedback SET assigned_unit = ?2 WHERE id = ?1",
            params![id, unit],
        )?;
        let detail = format!("{current_unit} → {unit}");
        append_audit(&tx, &id, by_staff, AuditAction::Assign, &detail, now_ms)?;
        tx.commit()?;
        Ok(Ok(()))
    }

    /// Hides an abusive item from public views and exports (it is kept), or shows it again;
    /// `reason` is recorded either way.
    pub fn set_feedback_hidden(
        &self,
        code: &str,
        scope_unit: Option<&str>,
        hidden: bool,
        reason: &str,
        by_staff: &str,
        now_ms: i64,
    ) -> Result<Result<(), TriageRefusal>, StoreError> {
        self.change_scoped(code, scope_unit, |tx, id| {
            let is_hidden: bool = tx.query_row(
                "SELECT hidden FROM feedback WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )?;
            match (is_hidden, hidden) {
                (true, true) => return Ok(Err(TriageRefusal::AlreadyHidden(code.to_owned()))),
                (false, false) => return Ok(Err(TriageRefusal::NotHidden(code.to_owned()))),
                _ => {}
            }
            if hidden {
                tx.execute(
                    "UPDATE feedback SET hidden = 1, hidden_by = ?2, hidden_reason = ?3, hidden_at_ms = ?4
                     WHERE id = ?1",
                    params![id, by_staff, reason, now_ms],
                )?;
            } else {
                tx.execute(
                    "UPDATE feedback SET hidden = 0, hidden_by = NULL, hidden_reason = NULL,
                        hidden_at_ms = NULL WHERE id = ?1",
                    params![id],
                )?;
            }
            let action = if hidden {
                AuditAction::Hide
            } else {
                AuditAction::Unhide
            };
            append_audit(tx, id, by_staff, action, reason, now_ms)?;
            Ok(Ok(()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{FeedbackRecord, Record, UploadItem};

    const DAY_MS: i64 = 86_400_000;

    fn room(store: &Store, unit: &str) -> String {
        let conn = store.lock();
        let id = format!("room-{unit}");
        conn.execute(
            "INSERT INTO rooms (id, name, unit_id, created_at_ms, ticket_prefix)
             VALUES (?1, ?1, ?2, 0, ?3)",
            params![id, unit, format!("LC-{}", &unit[..2].to_uppercase())],
        )
        .expect("room");
        id
    }

    fn feedback(store: &Store, room: &str, code: &str, at_ms: i64, voice: bool) {
        if voice {
            store.add_voice(&"a".repeat(64), 10, 0).expect("voice");
        }
        let item = UploadItem {
            id: uuid::Uuid::now_v7(),
            seq: at_ms,
            record: Record::Feedback(FeedbackRecord {
                ticket_code: code.into(),
                category: if voice { "water" } else { "roads" }.into(),
                text: format!("text of {code}"),
                voice_sha256: voice.then(|| "a".repeat(64)),
                name: None,
                phone: None,
                village: None,
                language: "vi".into(),
                submitted_at_ms: at_ms,
            }),
        };
        let ack = store.store_upload(room, &[item], at_ms).expect("upload");
        assert_eq!(ack.stored.len(), 1);
    }

    fn seeded() -> Store {
        let store = Store::open_in_memory().expect("store");
        let lao_chai = room(&store, "lao-chai");
        let ban_ho = room(&store, "ban-ho");
        feedback(&store, &lao_chai, "LC-LA001", DAY_MS, true);
        feedback(&store, &lao_chai, "LC-LA002", 2 * DAY_MS, false);
        feedback(&store, &ban_ho, "LC-BA001", 3 * DAY_MS, false);
        store
    }

    fn codes(rows: &[FeedbackRow]) -> Vec<&str> {
        rows.iter().map(|r| r.ticket_code.as_str()).collect()
    }

    #[test]
    fn a_commune_officer_sees_only_her_units_items_whatever_she_filters() {
        let store = seeded();
        let all = TriageFilter::default();
        let (rows, total) = store.triage_page(&all, None, 10, 0).expect("page");
        assert_eq!(
            codes(&rows),
            ["LC-BA001", "LC-LA002", "LC-LA001"],
            "newest first"
        );
        assert_eq!(total, 3);
        let (rows, total) = store
            .triage_page(&all, Some("lao-chai"), 10, 0)
            .expect("page");
        assert_eq!((codes(&rows), total), (vec!["LC-LA002", "LC-LA001"], 2));
        let asks_ban_ho = TriageFilter {
            unit: Some("ban-ho".into()),
            ..all.clone()
        };
        let (rows, total) = store
            .triage_page(&asks_ban_ho, Some("lao-chai"), 10, 0)
            .expect("page");
        assert!(rows.is_empty() && total == 0, "{rows:?}");
        assert!(
            store
                .triage_export(&all, Some("lao-chai"))
                .expect("export")
                .iter()
                .all(|r| r.unit_id == "lao-chai")
        );
        assert_eq!(
            store
                .feedback_for_staff("LC-BA001", Some("lao-chai"))
                .expect("find"),
            Scoped::OtherUnit
        );
        assert_eq!(
            store
                .feedback_for_staff("LC-XX999", Some("lao-chai"))
                .expect("find"),
            Scoped::Missing
        );
        assert!(matches!(
            store.feedback_for_staff("LC-BA001", None).expect("find"),
            Scoped::Found(_)
        ));
        assert_eq!(
            store
                .add_feedback_note("LC-BA001", Some("lao-chai"), "lan", "x", 0)
                .expect("note"),
            Err(TriageRefusal::OtherUnit("LC-BA001".into()))
        );
        assert_eq!(
            store
                .set_feedback_hidden("LC-BA001", Some("lao-chai"), true, "x", "lan", 0)
                .expect("hide"),
            Err(TriageRefusal::OtherUnit("LC-BA001".into()))
        );
    }

    fn phone_item(store: &Store, unit: &str, code: &str, at_ms: i64) -> crate::store::ChannelItem {
        let item = crate::store::ChannelItem {
            id: uuid::Uuid::now_v7(),
            channel: Channel::Phone,
            unit_id: unit.into(),
            record: FeedbackRecord {
                ticket_code: code.into(),
                category: "roads".into(),
                text: format!("text of {code}"),
                voice_sha256: None,
                name: None,
                phone: None,
                village: None,
                language: "vi".into(),
                submitted_at_ms: at_ms,
            },
            photo_sha256: None,
        };
        assert_eq!(
            store.store_channel_feedback(&item, at_ms).expect("store"),
            crate::store::ChannelStored::Stored
        );
        item
    }

    #[test]
    fn items_without_a_room_carry_their_channel_and_unit_into_the_scoped_inbox() {
        let store = seeded();
        let item = phone_item(&store, "lao-chai", "LCP-ABCDE", 4 * DAY_MS);
        assert_eq!(
            store
                .store_channel_feedback(&item, 5 * DAY_MS)
                .expect("again"),
            crate::store::ChannelStored::Already {
                ticket_code: "LCP-ABCDE".into()
            },
            "a repeated delivery is stored once"
        );
        let other = crate::store::ChannelItem {
            id: uuid::Uuid::now_v7(),
            ..item.clone()
        };
        assert_eq!(
            store
                .store_channel_feedback(&other, 5 * DAY_MS)
                .expect("clash"),
            crate::store::ChannelStored::CodeTaken
        );
        let kiosk = crate::store::ChannelItem {
            channel: Channel::Kiosk,
            ..other
        };
        assert!(store.store_channel_feedback(&kiosk, 5 * DAY_MS).is_err());
        let by = |channel| TriageFilter {
            channel: Some(channel),
            ..Default::default()
        };
        let (rows, total) = store
            .triage_page(&by(Channel::Phone), Some("lao-chai"), 10, 0)
            .expect("page");
        assert_eq!((codes(&rows), total), (vec!["LCP-ABCDE"], 1));
        assert_eq!(rows[0].channel, Channel::Phone);
        assert_eq!(rows[0].room_id, None);
        assert_eq!(rows[0].unit_id, "lao-chai");
        let (rows, total) = store
            .triage_page(&by(Channel::Kiosk), None, 10, 0)
            .expect("page");
        assert_eq!(total, 3);
        assert!(
            rows.iter()
                .all(|r| r.channel == Channel::Kiosk && r.room_id.is_some())
        );
        assert_eq!(
            store
                .triage_page(&by(Channel::Zalo), None, 10, 0)
                .expect("page")
                .1,
            0
        );
        assert_eq!(
            store
                .triage_page(&by(Channel::Phone), Some("ban-ho"), 10, 0)
                .expect("page")
                .1,
            0,
            "another commune's officer never sees it"
        );
        assert_eq!(
            store
                .feedback_for_staff("LCP-ABCDE", Some("ban-ho"))
                .expect("find"),
            Scoped::OtherUnit
        );
        store
            .add_feedback_note("LCP-ABCDE", Some("lao-chai"), "lan", "gọi lại", 6 * DAY_MS)
            .expect("store")
            .expect("noted");
        store
            .assign_feedback("LCP-ABCDE", "ban-ho", "admin", 6 * DAY_MS)
            .expect("store")
            .expect("assigned");
        let Scoped::Found(row) = store
            .feedback_for_staff("LCP-ABCDE", Some("ban-ho"))
            .expect("find")
        else {
            panic!("Bản Hồ handles it now");
        };
        assert_eq!(row.channel, Channel::Phone);
        assert_eq!(
            store
                .channel_items_since(Channel::Phone, "lao-chai", 0)
                .expect("count"),
            1,
            "the daily cap counts the unit it came to"
        );
        let row = store
            .update_feedback("LCP-ABCDE", None, Some("Đã sửa"), "lan", 7 * DAY_MS)
            .expect("store")
            .expect("replied");
        assert_eq!(row.reply.as_deref(), Some("Đã sửa"));
    }

    #[test]
    fn the_inbox_filters_by_status_category_dates_voice_and_pages() {
        let store = seeded();
        let page = |filter: TriageFilter, limit, offset| {
            let (rows, total) = store
                .triage_page(&filter, None, limit, offset)
                .expect("page");
            (
                codes(&rows)
                    .into_iter()
                    .map(str::to_owned)
                    .collect::<Vec<_>>(),
                total,
            )
        };
        let voice = TriageFilter {
            voice: Some(VoiceFilter::With),
            ..Default::default()
        };
        assert_eq!(page(voice, 10, 0), (vec!["LC-LA001".to_owned()], 1));
        let without = TriageFilter {
            voice: Some(VoiceFilter::Without),
            category: Some("roads".into()),
            ..Default::default()
        };
        assert_eq!(page(without, 10, 0).1, 2);
        let dates = TriageFilter {
            from_ms: Some(2 * DAY_MS),
            until_ms: Some(3 * DAY_MS),
            ..Default::default()
        };
        assert_eq!(page(dates, 10, 0), (vec!["LC-LA002".to_owned()], 1));
        let in_progress = TriageFilter {
            status: Some(Status::InProgress),
            ..Default::default()
        };
        assert_eq!(page(in_progress.clone(), 10, 0).1, 0);
        store
            .update_feedback("LC-LA002", Some(Status::InProgress), None, "lan", 5)
            .expect("store")
            .expect("allowed");
        assert_eq!(page(in_progress, 10, 0), (vec!["LC-LA002".to_owned()], 1));
        assert_eq!(
            page(TriageFilter::default(), 2, 2),
            (vec!["LC-LA001".to_owned()], 3),
            "the last page"
        );
    }

    #[test]
    fn assignment_moves_an_item_into_the_other_communes_scope() {
        let store = seeded();
        assert_eq!(
            store
                .assign_feedback("LC-LA001", "muong-hum", "admin", 1)
                .expect("store"),
            Err(TriageRefusal::UnknownUnit("muong-hum".into()))
        );
        assert_eq!(
            store
                .assign_feedback("LC-LA001", "lao-chai", "admin", 1)
                .expect("store"),
            Err(TriageRefusal::SameUnit("LC-LA001".into()))
        );
        store
            .assign_feedback("LC-LA001", "ban-ho", "admin", 1)
            .expect("store")
            .expect("assigned");
        assert_eq!(
            store
                .feedback_for_staff("LC-LA001", Some("lao-chai"))
                .expect("find"),
            Scoped::OtherUnit
        );
        let Scoped::Found(row) = store
            .feedback_for_staff("LC-LA001", Some("ban-ho"))
            .expect("find")
        else {
            panic!("Bản Hồ handles it now");
        };
        assert_eq!(row.unit_id, "ban-ho");
        assert_eq!(
            row.room_id.as_deref(),
            Some("room-lao-chai"),
            "the reply still goes to its room"
        );
    }

    #[test]
    fn every_change_is_in_the_audit_trail_which_cannot_be_rewritten() {
        let store = seeded();
        store
            .update_feedback(
                "LC-LA001",
                Some(Status::Acknowledged),
                Some("Đã nhận"),
                "lan",
                10,
            )
            .expect("store")
            .expect("allowed");
        store
            .add_feedback_note("LC-LA001", Some("lao-chai"), "lan", "gọi lại thứ Hai", 11)
            .expect("store")
            .expect("noted");
        store
            .assign_feedback("LC-LA001", "ban-ho", "admin", 12)
            .expect("store")
            .expect("assigned");
        store
            .set_feedback_hidden("LC-LA001", None, true, "lời lẽ xúc phạm", "admin", 13)
            .expect("store")
            .expect("hidden");
        assert_eq!(
            store
                .set_feedback_hidden("LC-LA001", None, true, "again", "admin", 13)
                .expect("store"),
            Err(TriageRefusal::AlreadyHidden("LC-LA001".into()))
        );
        let Scoped::Found(row) = store.feedback_for_staff("LC-LA001", None).expect("find") else {
            panic!("found");
        };
        let mark = store
            .feedback_hidden_mark(&row.id)
            .expect("mark")
            .expect("hidden");
        assert_eq!(
            (mark.by.as_str(), mark.reason.as_str()),
            ("admin", "lời lẽ xúc phạm")
        );
        assert!(
            !codes(
                &store
                    .triage_export(&TriageFilter::default(), None)
                    .expect("export")
            )
            .contains(&"LC-LA001"),
            "a hidden item is out of exports"
        );
        let shown = TriageFilter {
            include_hidden: true,
            ..Default::default()
        };
        assert_eq!(store.triage_page(&shown, None, 10, 0).expect("page").1, 3);
        store
            .set_feedback_hidden("LC-LA001", None, false, "nhầm", "admin", 14)
            .expect("store")
            .expect("shown");
        let trail: Vec<(String, AuditAction, String)> = store
            .feedback_audit(&row.id)
            .expect("audit")
            .into_iter()
            .map(|e| (e.actor, e.action, e.detail))
            .collect();
        let expected = [
            ("lan", AuditAction::Status, "new → acknowledged"),
            ("lan", AuditAction::Reply, "Đã nhận"),
            ("lan", AuditAction::Note, "gọi lại thứ Hai"),
            ("admin", AuditAction::Assign, "lao-chai → ban-ho"),
            ("admin", AuditAction::Hide, "lời lẽ xúc phạm"),
            ("admin", AuditAction::Unhide, "nhầm"),
        ]
        .map(|(a, b, c)| (a.to_owned(), b, c.to_owned()));
        assert_eq!(trail, expected);
        assert_eq!(
            store.feedback_notes(&row.id).expect("notes"),
            [Note {
                author: "lan".into(),
                at_ms: 11,
                text: "gọi lại thứ Hai".into()
            }]
        );
        let conn = store.lock();
        for sql in [
            "UPDATE feedback_audit SET detail = 'x'",
            "DELETE FROM feedback_audit",
            "DELETE FROM feedback_notes",
        ] {
            let err = conn.execute(sql, []).expect_err(sql);
            assert!(err.to_string().contains("append-only"), "{sql}: {err}");
        }
    }
}
