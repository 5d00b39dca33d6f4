//! Feedback, ratings, voice files and sync state: the room's side (outbox, its tickets) and
//! the hub's side (what rooms uploaded, statuses, replies).

use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::{AuditAction, Store, StoreError, exists};
use crate::feedback::{Channel, FeedbackFilter, FeedbackRow, RoomTicket, Status, StatusRefusal};
use crate::wire::{FeedbackRecord, Record, RejectedItem, TicketUpdate, UploadAck, UploadItem};

/// How many ticket updates one download carries at most; a full page tells the room that
/// more wait (`DownSync::more`), so a box that was offline long catches up at once.
pub const TICKET_UPDATES_MAX: i64 = 500;

/// `unit_id` is the unit that handles the item: the one staff assigned it to, else the one
/// it came to (the same expression as [`EFFECTIVE_UNIT`]). Read with [`FEEDBACK_FROM`].
pub(super) const FEEDBACK_COLUMNS: &str = "f.id, f.room_id, COALESCE(f.assigned_unit, f.unit_id, r.unit_id), f.room_seq, f.ticket_code, f.category, f.text, \
     f.voice_sha256, f.name, f.phone, f.village, f.language, f.submitted_at_ms, f.received_at_ms, \
     f.status, f.reply, f.replied_at_ms, f.updated_at_ms, f.hidden, f.channel, f.photo_sha256";

/// The unit an item belongs to in every staff scope check (`f` feedback, `r` its room):
/// the assigned one, else the unit a roomless item (phone, Zalo) came to, else its room's.
pub(super) const EFFECTIVE_UNIT: &str = "COALESCE(f.assigned_unit, f.unit_id, r.unit_id)";

/// Feedback with its room, if it has one: phone and Zalo items have none.
pub(super) const FEEDBACK_FROM: &str = "feedback f LEFT JOIN rooms r ON r.id = f.room_id";

pub(super) fn feedback_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FeedbackRow> {
    Ok(FeedbackRow {
        id: r.get(0)?,
        room_id: r.get(1)?,
        unit_id: r.get(2)?,
        room_seq: r.get(3)?,
        record: FeedbackRecord {
            ticket_code: r.get(4)?,
            category: r.get(5)?,
            text: r.get(6)?,
            voice_sha256: r.get(7)?,
            name: r.get(8)?,
            phone: r.get(9)?,
            village: r.get(10)?,
            language: r.get(11)?,
            submitted_at_ms: r.get(12)?,
        },
        received_at_ms: r.get(13)?,
        status: r.get(14)?,
        reply: r.get(15)?,
        replied_at_ms: r.get(16)?,
        updated_at_ms: r.get(17)?,
        hidden: r.get(18)?,
        channel: r.get(19)?,
        photo_sha256: r.get(20)?,
    })
}

/// A feedback item that came by a channel without a room (the phone page, Zalo), as the
/// hub stores it: it names the unit it came to instead of a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelItem {
    /// Chosen by the caller (UUIDv7), or derived from the channel's own message id, so a
    /// delivery repeated by the channel is stored once.
    pub id: Uuid,
    pub channel: Channel,
    pub unit_id: String,
    pub record: FeedbackRecord,
    pub photo_sha256: Option<String>,
}

/// What storing a [`ChannelItem`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelStored {
    /// Stored now.
    Stored,
    /// An item with this id was stored before (a repeated delivery): its ticket code.
    Already { ticket_code: String },
    /// Another item has this ticket code: make another code and try again.
    CodeTaken,
}

fn next_version(tx: &Transaction<'_>) -> rusqlite::Result<i64> {
    tx.query_row(
        "UPDATE sync_counter SET value = value + 1 WHERE id = 1 RETURNING value",
        [],
        |r| r.get(0),
    )
}

impl Store {
    // ----- room side -----

    /// Stores a resident's submission at the room: its ticket (for "Check my ticket") and
    /// its outbox item, in one transaction. `Ok(false)` when the ticket code is already
    /// used here (make another). When this returns `Ok(true)` it is on disk.
    pub fn submit(&self, id: Uuid, record: &Record, now_ms: i64) -> Result<bool, StoreError> {
        let body = serde_json::to_string(record)
            .map_err(|e| StoreError::Refused(format!("cannot encode the submission: {e}")))?;
        let kind = match record {
            Record::Feedback(_) => "feedback",
            Record::Rating(_) => "rating",
            Record::Pledge(_) => "pledge",
        };
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        if let Record::Feedback(FeedbackRecord {
            ticket_code,
            category,
            submitted_at_ms,
            ..
        }) = record
        {
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO room_tickets (ticket_code, feedback_id, category, submitted_at_ms)
                 VALUES (?1, ?2, ?3, ?4)",
                params![ticket_code, id.to_string(), category, submitted_at_ms],
            )?;
            if inserted == 0 {
                return Ok(false);
            }
        }
        if let Record::Pledge(pledge) = record
            && !super::room_contrib::insert_room_pledge(&tx, id, pledge)?
        {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO outbox (id, kind, body, created_at_ms) VALUES (?1, ?2, ?3, ?4)",
            params![id.to_string(), kind, body, now_ms],
        )?;
        tx.commit()?;
        Ok(true)
    }

    pub fn room_ticket(&self, code: &str) -> Result<Option<RoomTicket>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT ticket_code, category, submitted_at_ms, status, reply, updated_at_ms, synced_at_ms
                 FROM room_tickets WHERE ticket_code = ?1",
                params![code],
                |r| {
                    Ok(RoomTicket {
                        ticket_code: r.get(0)?,
                        category: r.get(1)?,
                        submitted_at_ms: r.get(2)?,
                        status: r.get(3)?,
                        reply: r.get(4)?,
                        updated_at_ms: r.get(5)?,
                        synced_at_ms: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    /// Marks tickets the hub has stored as synced (they are at the province now).
    pub fn mark_tickets_synced(
        &self,
        feedback_ids: &[Uuid],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        for id in feedback_ids {
            tx.execute(
                "UPDATE room_tickets SET synced_at_ms = ?2 WHERE feedback_id = ?1",
                params![id.to_string(), now_ms],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Applies what the hub sent down: statuses and replies of this room's tickets.
    pub fn apply_ticket_updates(
        &self,
        updates: &[TicketUpdate],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        for u in updates {
            tx.execute(
                "UPDATE room_tickets SET status = ?2, reply = ?3, updated_at_ms = ?4, synced_at_ms = ?5
                 WHERE ticket_code = ?1",
                params![u.ticket_code, u.status, u.reply, u.updated_at_ms, now_ms],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn kv_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .lock()
            .query_row("SELECT value FROM kv WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn kv_set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    // ----- hub side -----

    pub fn has_voice(&self, sha256: &str) -> Result<bool, StoreError> {
        Ok(exists(
            &self.lock(),
            "voice_blobs WHERE sha256 = ?1",
            params![sha256],
        )?)
    }

    /// Records that the voice file with this hash is complete on disk.
    pub fn add_voice(&self, sha256: &str, bytes: u64, now_ms: i64) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT OR IGNORE INTO voice_blobs (sha256, bytes, received_at_ms) VALUES (?1, ?2, ?3)",
            params![sha256, bytes as i64, now_ms],
        )?;
        Ok(())
    }

    /// Applies a room's upload in order, each id once. Stops at the first feedback whose
    /// voice file has not arrived, and says which file is needed.
    pub fn store_upload(
        &self,
        room_id: &str,
        items: &[UploadItem],
        now_ms: i64,
    ) -> Result<UploadAck, StoreError> {
        self.store_upload_checked(room_id, items, |_| None, now_ms)
    }

    /// [`Store::store_upload`], where `refuse` names the items the hub will never store
    /// (with the reason); a feedback whose ticket code another item already has, and a
    /// pledge the hub cannot record (an unknown campaign, a code another pledge has), are
    /// refused too: each is answered as rejected, and done, in its place, so one bad item
    /// cannot hold up the room's queue for ever.
    pub fn store_upload_checked(
        &self,
        room_id: &str,
        items: &[UploadItem],
        refuse: impl Fn(&UploadItem) -> Option<String>,
        now_ms: i64,
    ) -> Result<UploadAck, StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let mut ack = UploadAck::default();
        // How each id was answered in this batch: stored (`None`) or rejected with the reason.
        let mut decided: std::collections::HashMap<Uuid, Option<String>> =
            std::collections::HashMap::new();
        let reject = |ack: &mut UploadAck,
                      decided: &mut std::collections::HashMap<Uuid, Option<String>>,
                      id: uuid::Uuid,
                      reason: String| {
            decided.insert(id, Some(reason.clone()));
            ack.rejected.push(RejectedItem { id, reason });
            ack.stored.push(id);
        };
        for item in items {
            let id = item.id.to_string();
            // An id sent twice in one batch is decided by its first copy, as across batches
            // (first wins): a later copy gets the same answer and changes nothing. Without
            // this a rejected item's later copy could be stored, and the same batch sent
            // again was answered otherwise (found by the `sync_batch` fuzz target).
            if let Some(first) = decided.get(&item.id) {
                if let Some(reason) = first {
                    ack.rejected.push(RejectedItem {
                        id: item.id,
                        reason: reason.clone(),
                    });
                }
                ack.stored.push(item.id);
                continue;
            }
            if let Some(reason) = refuse(item) {
                reject(&mut ack, &mut decided, item.id, reason);
                continue;
            }
            match &item.record {
                Record::Feedback(f) => {
                    if let Some(sha) = &f.voice_sha256 {
                        let have: bool =
                            exists(&tx, "voice_blobs WHERE sha256 = ?1", params![sha])?;
                        if !have {
                            ack.need_voice.push(sha.clone());
                            break;
                        }
                    }
                    let known: bool = exists(&tx, "feedback WHERE id = ?1", params![id])?;
                    let holder: Option<String> = if known {
                        None
                    } else {
                        tx.query_row(
                            "SELECT id FROM feedback WHERE ticket_code = ?1",
                            params![f.ticket_code],
                            |r| r.get(0),
                        )
                        .optional()?
                    };
                    if let Some(holder) = holder {
                        // A room restored from an old backup makes codes it made before.
                        reject(
                            &mut ack,
                            &mut decided,
                            item.id,
                            format!(
                                "ticket code {} already belongs to feedback {holder}; this \
                                 item can never be stored under it",
                                f.ticket_code
                            ),
                        );
                        continue;
                    }
                    if !known {
                        let version = next_version(&tx)?;
                        tx.execute(
                            "INSERT INTO feedback (id, room_id, room_seq, ticket_code, category, text, voice_sha256,
                                name, phone, village, language, submitted_at_ms, received_at_ms, updated_at_ms, version)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14)",
                            params![
                                id, room_id, item.seq, f.ticket_code, f.category, f.text, f.voice_sha256,
                                f.name, f.phone, f.village, f.language, f.submitted_at_ms, now_ms, version
                            ],
                        )?;
                    }
                }
                Record::Rating(r) => {
                    tx.execute(
                        "INSERT OR IGNORE INTO ratings (id, room_id, room_seq, question, score, filtered,
                            submitted_at_ms, received_at_ms)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![id, room_id, item.seq, r.question, r.score, r.filtered, r.submitted_at_ms, now_ms],
                    )?;
                }
                Record::Pledge(p) => {
                    if let Some(why) =
                        super::room_contrib::store_uploaded_pledge(&tx, room_id, item.id, p)?
                    {
                        reject(&mut ack, &mut decided, item.id, why);
                        continue;
                    }
                }
            }
            decided.insert(item.id, None);
            ack.stored.push(item.id);
        }
        tx.commit()?;
        Ok(ack)
    }

    /// Stores an item that came by the phone page or Zalo, once per id, with its channel
    /// and the unit it came to. A kiosk item is refused: it comes through a room's upload.
    pub fn store_channel_feedback(
        &self,
        item: &ChannelItem,
        now_ms: i64,
    ) -> Result<ChannelStored, StoreError> {
        if item.channel.from_room() {
            return Err(StoreError::Refused(format!(
                "a {} item comes through its room's upload, not as a channel item",
                item.channel
            )));
        }
        let id = item.id.to_string();
        let f = &item.record;
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let before: Option<String> = tx
            .query_row(
                "SELECT ticket_code FROM feedback WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(ticket_code) = before {
            return Ok(ChannelStored::Already { ticket_code });
        }
        if exists(
            &tx,
            "feedback WHERE ticket_code = ?1",
            params![f.ticket_code],
        )? {
            return Ok(ChannelStored::CodeTaken);
        }
        let version = next_version(&tx)?;
        tx.execute(
            "INSERT INTO feedback (id, room_id, room_seq, ticket_code, category, text, voice_sha256,
                name, phone, village, language, submitted_at_ms, received_at_ms, updated_at_ms,
                version, channel, unit_id, photo_sha256)
             VALUES (?1, NULL, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13, ?14, ?15)",
            params![
                id, f.ticket_code, f.category, f.text, f.voice_sha256, f.name, f.phone, f.village,
                f.language, f.submitted_at_ms, now_ms, version, item.channel, item.unit_id,
                item.photo_sha256
            ],
        )?;
        tx.commit()?;
        Ok(ChannelStored::Stored)
    }

    /// How many items came by `channel` to `unit_id` since `since_ms` (received time): the
    /// phone page's per-unit daily cap.
    pub fn channel_items_since(
        &self,
        channel: Channel,
        unit_id: &str,
        since_ms: i64,
    ) -> Result<u64, StoreError> {
        let n: i64 = self.lock().query_row(
            "SELECT count(*) FROM feedback
             WHERE unit_id = ?1 AND received_at_ms >= ?2 AND channel = ?3",
            params![unit_id, since_ms, channel],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    /// Statuses and replies of a room's tickets changed after `cursor`, at most
    /// [`TICKET_UPDATES_MAX`] of them; returns the new cursor.
    pub fn ticket_updates_for_room(
        &self,
        room_id: &str,
        cursor: i64,
    ) -> Result<(i64, Vec<TicketUpdate>), StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT ticket_code, status, reply, updated_at_ms, version FROM feedback
             WHERE room_id = ?1 AND version > ?2 ORDER BY version LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![room_id, cursor, TICKET_UPDATES_MAX], |r| {
            Ok((
                TicketUpdate {
                    ticket_code: r.get(0)?,
                    status: r.get(1)?,
                    reply: r.get(2)?,
                    updated_at_ms: r.get(3)?,
                },
                r.get::<_, i64>(4)?,
            ))
        })?;
        let mut updates = Vec::new();
        let mut new_cursor = cursor;
        for row in rows {
            let (update, version) = row?;
            new_cursor = new_cursor.max(version);
            updates.push(update);
        }
        Ok((new_cursor, updates))
    }

    pub fn feedback_list(&self, filter: &FeedbackFilter) -> Result<Vec<FeedbackRow>, StoreError> {
        self.feedback_list_in(filter, None)
    }

    /// `feedback_list` limited to the rooms of `scope_unit` when given (what a commune
    /// officer may see), whatever unit the filter asks for.
    pub fn feedback_list_in(
        &self,
        filter: &FeedbackFilter,
        scope_unit: Option<&str>,
    ) -> Result<Vec<FeedbackRow>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {FEEDBACK_COLUMNS} FROM {FEEDBACK_FROM}
             WHERE (?1 IS NULL OR f.status = ?1) AND (?2 IS NULL OR {EFFECTIVE_UNIT} = ?2)
               AND (?3 IS NULL OR f.submitted_at_ms >= ?3) AND (?4 OR f.hidden = 0)
               AND (?5 IS NULL OR {EFFECTIVE_UNIT} = ?5) AND (?6 IS NULL OR f.channel = ?6)
             ORDER BY f.submitted_at_ms, f.room_id, f.room_seq"
        ))?;
        let rows = stmt.query_map(
            params![
                filter.status,
                filter.unit_id,
                filter.since_ms,
                filter.include_hidden,
                scope_unit,
                filter.channel
            ],
            feedback_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn feedback_by_ticket(&self, code: &str) -> Result<Option<FeedbackRow>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                &format!("SELECT {FEEDBACK_COLUMNS} FROM {FEEDBACK_FROM} WHERE f.ticket_code = ?1"),
                params![code],
                feedback_from_row,
            )
            .optional()?)
    }

    /// Changes a ticket's status and/or sets its reply, recording who did it.
    pub fn update_feedback(
        &self,
        code: &str,
        status: Option<Status>,
        reply: Option<&str>,
        by_staff: &str,
        now_ms: i64,
    ) -> Result<Result<FeedbackRow, StatusRefusal>, StoreError> {
        {
            let mut conn = self.lock();
            let tx = Store::write_tx(&mut conn)?;
            let current: Option<(String, Status, Option<String>)> = tx
                .query_row(
                    "SELECT id, status, reply FROM feedback WHERE ticket_code = ?1",
                    params![code],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((id, current_status, current_reply)) = current else {
                return Ok(Err(StatusRefusal::UnknownTicket(code.to_owned())));
            };
            let mut new_status = current_status;
            if let Some(next) = status {
                if !current_status.can_become(next) {
                    return Ok(Err(StatusRefusal::NotAllowed {
                        from: current_status,
                        to: next,
                    }));
                }
                new_status = next;
            }
            let new_reply = match reply {
                Some(text) if text.trim().is_empty() => return Ok(Err(StatusRefusal::EmptyReply)),
                Some(text) => Some(crate::text::nfc(text.trim())),
                None => current_reply,
            };
            let version = next_version(&tx)?;
            tx.execute(
                "UPDATE feedback SET status = ?2, reply = ?3, updated_at_ms = ?4, version = ?5,
                    replied_at_ms = CASE WHEN ?6 THEN ?4 ELSE replied_at_ms END
                 WHERE id = ?1",
                params![id, new_status, new_reply, now_ms, version, reply.is_some()],
            )?;
            tx.execute(
                "INSERT INTO feedback_history (feedback_id, status, reply, by_staff, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, new_status, reply, by_staff, now_ms],
            )?;
            if new_status != current_status {
                let detail = format!("{current_status} → {new_status}");
                super::triage::append_audit(
                    &tx,
                    &id,
                    by_staff,
                    AuditAction::Status,
                    &detail,
                    now_ms,
                )?;
            }
            if let Some(text) = &new_reply
                && reply.is_some()
            {
                super::triage::append_audit(&tx, &id, by_staff, AuditAction::Reply, text, now_ms)?;
            }
            tx.commit()?;
        }
        match self.feedback_by_ticket(code)? {
            Some(row) => Ok(Ok(row)),
            None => Ok(Err(StatusRefusal::UnknownTicket(code.to_owned()))),
        }
    }

    /// Ratings per score, and how many repeated taps were filtered.
    pub fn rating_counts(&self) -> Result<(Vec<(u8, u64)>, u64), StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT score, count(*) FROM ratings WHERE filtered = 0 GROUP BY score ORDER BY score",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, u8>(0)?, r.get::<_, i64>(1)? as u64)))?;
        let counts = rows.collect::<Result<_, _>>()?;
        let filtered: i64 =
            conn.query_row("SELECT count(*) FROM ratings WHERE filtered = 1", [], |r| {
                r.get(0)
            })?;
        Ok((counts, filtered as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `sync_batch` fuzz target: a batch in which a second item claims the
    /// first one's ticket code, then comes again under the same id, the last time with a
    /// free code: that copy was stored, so the same batch sent again was answered otherwise.
    #[test]
    fn a_batch_sent_again_gets_the_same_answer() {
        let store = Store::open_in_memory().expect("open");
        let room = store
            .create_room("xa-a", "Xã A", "LC-7K", "hash", 100, 0)
            .expect("room")
            .expect("free prefix");
        let (first, second) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let items = [
            UploadItem {
                id: first,
                seq: 1,
                record: Record::test_feedback("LC-7KABC", "a"),
            },
            UploadItem {
                id: second,
                seq: 2,
                record: Record::test_feedback("LC-7KABC", "b"),
            },
            UploadItem {
                id: second,
                seq: 3,
                record: Record::test_feedback("LC-7KABC", "c"),
            },
            UploadItem {
                id: second,
                seq: 4,
                record: Record::test_feedback("LC-7K3P9", "d"),
            },
        ];
        let once = store.store_upload(&room.id, &items, 20).expect("upload");
        // Every copy of the second id is rejected as its first copy was, and done.
        assert_eq!(once.stored, vec![first, second, second, second]);
        assert_eq!(
            once.rejected.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![second; 3],
            "{once:?}"
        );
        assert!(once.rejected[2].reason.contains("LC-7KABC"), "{once:?}");
        // Its last copy, under a free code, was not stored either.
        assert!(
            store
                .feedback_by_ticket("LC-7K3P9")
                .expect("lookup")
                .is_none()
        );
        let again = store.store_upload(&room.id, &items, 30).expect("upload");
        assert_eq!(again, once, "the same batch again gets the same answer");
    }
}
