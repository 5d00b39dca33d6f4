//! The Zalo OA channel's tables (migration 0013): conversations and the messages applied to
//! them, the outbox of messages to residents, and each OA's sealed tokens.
//!
//! A Zalo user id is personal data: it is read here only to address a message to its
//! resident ([`ZaloDelivery`]), never by a staff, export or public query.

use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::{Store, StoreError, exists};
use crate::feedback::Channel;
use crate::zalo::{DeliveryState, Purpose, UserId};

/// A resident's conversation stays one item while it is open (new, acknowledged or in
/// progress) and its last message is at most this old; after that, or once staff have
/// resolved it, the next message opens a new item with its own ticket.
pub const CONVERSATION_IDLE_MS: i64 = 24 * 60 * 60 * 1000;

/// The longest an item's text grows by messages joining it; a message that would make it
/// longer opens a new item (the kiosk's and the sync's limit).
pub const ITEM_TEXT_MAX_CHARS: usize = 5_000;

/// A resident's message, as the hub stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZaloInbound {
    pub oa_id: String,
    pub user_id: UserId,
    pub msg_id: String,
    /// `zalo::MessageKind::as_str`.
    pub kind: &'static str,
    /// What the message adds to the item's text (`UserMessage::item_line`).
    pub line: String,
    pub media_url: Option<String>,
    /// The unit whose inbox gets a new item.
    pub unit_id: String,
    /// The category of a new item.
    pub category: String,
    pub submitted_at_ms: i64,
}

/// What storing a message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZaloReceived {
    /// A new item, whose ticket code is queued to the resident.
    Opened { ticket_code: String },
    /// Added to the resident's open item.
    Joined { ticket_code: String },
    /// Zalo delivered this message before: nothing changed.
    Already { ticket_code: String },
    /// Another item has the proposed ticket code: propose another.
    CodeTaken,
}

/// A message due to a resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZaloDelivery {
    pub id: i64,
    pub purpose: Purpose,
    /// The reply as staff wrote it; empty for a ticket message.
    pub text: String,
    pub ticket_code: String,
    pub oa_id: String,
    pub user_id: UserId,
    pub attempts: i64,
}

/// A message to a resident as staff and tests see it (no user id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZaloDeliveryState {
    pub purpose: Purpose,
    pub state: DeliveryState,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// An OA's tokens as stored: sealed (`zalo::sealed`).
#[derive(Clone, PartialEq, Eq)]
pub struct SealedTokens {
    pub sealed_access: Vec<u8>,
    pub sealed_refresh: Vec<u8>,
    /// 0 when there is no access token yet.
    pub access_expires_at_ms: i64,
    pub refreshed_at_ms: i64,
}

impl std::fmt::Debug for SealedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedTokens")
            .field("access_expires_at_ms", &self.access_expires_at_ms)
            .field("refreshed_at_ms", &self.refreshed_at_ms)
            .finish_non_exhaustive()
    }
}

fn purpose(text: String) -> rusqlite::Result<Purpose> {
    Purpose::parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown Zalo message purpose {text:?}").into(),
        )
    })
}

fn state(text: String) -> rusqlite::Result<DeliveryState> {
    DeliveryState::parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown Zalo delivery state {text:?}").into(),
        )
    })
}

impl Store {
    /// Applies a resident's message once: to their open item, or as a new item (with
    /// `new_code`, and its ticket message queued) in `message.unit_id`'s inbox, all in one
    /// transaction.
    pub fn zalo_receive(
        &self,
        message: &ZaloInbound,
        new_code: &str,
        now_ms: i64,
    ) -> Result<ZaloReceived, StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let before: Option<String> = tx
            .query_row(
                "SELECT f.ticket_code FROM zalo_messages m JOIN feedback f ON f.id = m.feedback_id
                 WHERE m.oa_id = ?1 AND m.msg_id = ?2",
                params![message.oa_id, message.msg_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(ticket_code) = before {
            return Ok(ZaloReceived::Already { ticket_code });
        }
        let open: Option<(String, String, String)> = tx
            .query_row(
                "SELECT f.id, f.ticket_code, f.text FROM zalo_conversations c
                 JOIN feedback f ON f.id = c.feedback_id
                 WHERE c.oa_id = ?1 AND c.user_id = ?2 AND c.last_message_at_ms >= ?3
                   AND f.status IN ('new', 'acknowledged', 'in_progress')
                 ORDER BY c.last_message_at_ms DESC LIMIT 1",
                params![
                    message.oa_id,
                    message.user_id.expose(),
                    now_ms - CONVERSATION_IDLE_MS
                ],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let joined = open.filter(|(_, _, text)| {
            text.chars().count() + 1 + message.line.chars().count() <= ITEM_TEXT_MAX_CHARS
        });
        let (feedback_id, outcome) = match joined {
            Some((id, ticket_code, text)) => {
                let text = if text.is_empty() {
                    message.line.clone()
                } else {
                    format!("{text}\n{}", message.line)
                };
                tx.execute(
                    "UPDATE feedback SET text = ?2, updated_at_ms = ?3 WHERE id = ?1",
                    params![id, text, now_ms],
                )?;
                tx.execute(
                    "UPDATE zalo_conversations SET last_message_at_ms = ?2 WHERE feedback_id = ?1",
                    params![id, now_ms],
                )?;
                (id, ZaloReceived::Joined { ticket_code })
            }
            None => {
                if exists(&tx, "feedback WHERE ticket_code = ?1", params![new_code])? {
                    return Ok(ZaloReceived::CodeTaken);
                }
                let id = Uuid::now_v7().to_string();
                let version: i64 = tx.query_row(
                    "UPDATE sync_counter SET value = value + 1 WHERE id = 1 RETURNING value",
                    [],
                    |r| r.get(0),
                )?;
                tx.execute(
                    "INSERT INTO feedback (id, room_id, room_seq, ticket_code, category, text,
                        language, submitted_at_ms, received_at_ms, updated_at_ms, version,
                        channel, unit_id)
                     VALUES (?1, NULL, 0, ?2, ?3, ?4, 'vi', ?5, ?6, ?6, ?7, ?8, ?9)",
                    params![
                        id,
                        new_code,
                        message.category,
                        message.line,
                        message.submitted_at_ms,
                        now_ms,
                        version,
                        Channel::Zalo.as_str(),
                        message.unit_id
                    ],
                )?;
                tx.execute(
                    "INSERT INTO zalo_conversations (feedback_id, oa_id, user_id, opened_at_ms,
                        last_message_at_ms)
                     VALUES (?1, ?2, ?3, ?4, ?4)",
                    params![id, message.oa_id, message.user_id.expose(), now_ms],
                )?;
                tx.execute(
                    "INSERT INTO zalo_outbox (feedback_id, purpose, source_at_ms, text,
                        next_attempt_at_ms, created_at_ms)
                     VALUES (?1, ?2, ?3, '', ?3, ?3)",
                    params![id, Purpose::Ticket.as_str(), now_ms],
                )?;
                (
                    id,
                    ZaloReceived::Opened {
                        ticket_code: new_code.to_owned(),
                    },
                )
            }
        };
        tx.execute(
            "INSERT INTO zalo_messages (oa_id, msg_id, feedback_id, kind, media_url, received_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                message.oa_id,
                message.msg_id,
                feedback_id,
                message.kind,
                message.media_url,
                now_ms
            ],
        )?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Queues every staff reply to a Zalo item not queued yet (one row per reply, by its
    /// time); returns how many were queued now.
    pub fn zalo_queue_replies(&self, now_ms: i64) -> Result<usize, StoreError> {
        let conn = self.lock();
        let n = conn.execute(
            "INSERT OR IGNORE INTO zalo_outbox (feedback_id, purpose, source_at_ms, text,
                next_attempt_at_ms, created_at_ms)
             SELECT f.id, ?2, f.replied_at_ms, f.reply, ?1, ?1
             FROM feedback f JOIN zalo_conversations c ON c.feedback_id = f.id
             WHERE f.reply IS NOT NULL AND f.replied_at_ms IS NOT NULL",
            params![now_ms, Purpose::Reply.as_str()],
        )?;
        Ok(n)
    }

    /// Messages due now, oldest first, at most `limit`.
    pub fn zalo_due(&self, now_ms: i64, limit: i64) -> Result<Vec<ZaloDelivery>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT o.id, o.purpose, o.text, f.ticket_code, c.oa_id, c.user_id, o.attempts
             FROM zalo_outbox o
             JOIN feedback f ON f.id = o.feedback_id
             JOIN zalo_conversations c ON c.feedback_id = o.feedback_id
             WHERE o.state = 'pending' AND o.next_attempt_at_ms <= ?1
             ORDER BY o.id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now_ms, limit], |r| {
            Ok(ZaloDelivery {
                id: r.get(0)?,
                purpose: purpose(r.get(1)?)?,
                text: r.get(2)?,
                ticket_code: r.get(3)?,
                oa_id: r.get(4)?,
                user_id: UserId::new(r.get::<_, String>(5)?),
                attempts: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When the next message falls due (a pending one's next attempt), if any.
    pub fn zalo_next_due_ms(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.lock().query_row(
            "SELECT min(next_attempt_at_ms) FROM zalo_outbox WHERE state = 'pending'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Claims a due message for its one request: `Sending`, one more attempt. False when it
    /// was not pending (nothing to send).
    pub fn zalo_mark_sending(&self, id: i64) -> Result<bool, StoreError> {
        let n = self.lock().execute(
            "UPDATE zalo_outbox SET state = 'sending', attempts = attempts + 1
             WHERE id = ?1 AND state = 'pending'",
            params![id],
        )?;
        Ok(n == 1)
    }

    pub fn zalo_mark_sent(
        &self,
        id: i64,
        zalo_message_id: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE zalo_outbox SET state = 'sent', zalo_message_id = ?2, done_at_ms = ?3,
                last_error = NULL
             WHERE id = ?1",
            params![id, zalo_message_id, now_ms],
        )?;
        Ok(())
    }

    /// Not sent, and known not to be: back to pending, next try at `next_at_ms`.
    pub fn zalo_mark_retry(&self, id: i64, next_at_ms: i64, error: &str) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE zalo_outbox SET state = 'pending', next_attempt_at_ms = ?2, last_error = ?3
             WHERE id = ?1",
            params![id, next_at_ms, error],
        )?;
        Ok(())
    }

    /// Ended without sending (`Failed`) or without knowing (`Unconfirmed`): not tried again.
    pub fn zalo_mark_done(
        &self,
        id: i64,
        state: DeliveryState,
        error: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE zalo_outbox SET state = ?2, last_error = ?3, done_at_ms = ?4 WHERE id = ?1",
            params![id, state.as_str(), error, now_ms],
        )?;
        Ok(())
    }

    /// Messages a previous run left `Sending` (it stopped with their request out): whether
    /// Zalo delivered them is unknown, so they become `Unconfirmed` and are not resent.
    pub fn zalo_unconfirm_interrupted(&self, now_ms: i64) -> Result<usize, StoreError> {
        Ok(self.lock().execute(
            "UPDATE zalo_outbox SET state = 'unconfirmed', done_at_ms = ?1,
                last_error = 'the hub stopped while this message was being sent'
             WHERE state = 'sending'",
            params![now_ms],
        )?)
    }

    /// The messages to the resident of ticket `code`, oldest first.
    pub fn zalo_deliveries(&self, code: &str) -> Result<Vec<ZaloDeliveryState>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT o.purpose, o.state, o.attempts, o.last_error FROM zalo_outbox o
             JOIN feedback f ON f.id = o.feedback_id
             WHERE f.ticket_code = ?1 ORDER BY o.id",
        )?;
        let rows = stmt.query_map(params![code], |r| {
            Ok(ZaloDeliveryState {
                purpose: purpose(r.get(0)?)?,
                state: state(r.get(1)?)?,
                attempts: r.get(2)?,
                last_error: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Messages that did not reach their resident (`Failed`, `Unconfirmed`) or are still
    /// waiting to be retried: (ticket code, purpose, state, attempts, last error), oldest first.
    pub fn zalo_undelivered(&self) -> Result<Vec<(String, ZaloDeliveryState)>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT f.ticket_code, o.purpose, o.state, o.attempts, o.last_error
             FROM zalo_outbox o JOIN feedback f ON f.id = o.feedback_id
             WHERE o.state IN ('failed', 'unconfirmed')
                OR (o.state = 'pending' AND o.attempts > 0)
             ORDER BY o.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                ZaloDeliveryState {
                    purpose: purpose(r.get(1)?)?,
                    state: state(r.get(2)?)?,
                    attempts: r.get(3)?,
                    last_error: r.get(4)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// An OA's sealed tokens, if it was connected.
    pub fn zalo_tokens(&self, oa_id: &str) -> Result<Option<SealedTokens>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT sealed_access, sealed_refresh, access_expires_at_ms, refreshed_at_ms
                 FROM zalo_tokens WHERE oa_id = ?1",
                params![oa_id],
                |r| {
                    Ok(SealedTokens {
                        sealed_access: r.get(0)?,
                        sealed_refresh: r.get(1)?,
                        access_expires_at_ms: r.get(2)?,
                        refreshed_at_ms: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// Stores an OA's new tokens (a refresh token is usable once: the new pair replaces the
    /// old in one statement).
    pub fn zalo_put_tokens(
        &self,
        oa_id: &str,
        tokens: &SealedTokens,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT INTO zalo_tokens (oa_id, sealed_access, sealed_refresh, access_expires_at_ms,
                refreshed_at_ms, last_error, updated_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6)
             ON CONFLICT (oa_id) DO UPDATE SET sealed_access = ?2, sealed_refresh = ?3,
                access_expires_at_ms = ?4, refreshed_at_ms = ?5, last_error = NULL,
                updated_at_ms = ?6",
            params![
                oa_id,
                tokens.sealed_access,
                tokens.sealed_refresh,
                tokens.access_expires_at_ms,
                tokens.refreshed_at_ms,
                now_ms
            ],
        )?;
        Ok(())
    }

    /// Notes why an OA's tokens could not be refreshed (shown by `phonghop hub zalo status`).
    pub fn zalo_token_error(
        &self,
        oa_id: &str,
        error: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE zalo_tokens SET last_error = ?2, updated_at_ms = ?3 WHERE oa_id = ?1",
            params![oa_id, error, now_ms],
        )?;
        Ok(())
    }

    /// The connected OAs whose access token expires before `before_ms` (or has none yet).
    pub fn zalo_tokens_expiring(&self, before_ms: i64) -> Result<Vec<String>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT oa_id FROM zalo_tokens WHERE access_expires_at_ms < ?1 ORDER BY oa_id",
        )?;
        let rows = stmt.query_map(params![before_ms], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every connected OA: its id, when its access token expires, the last refresh error.
    pub fn zalo_token_states(&self) -> Result<Vec<(String, i64, Option<String>)>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT oa_id, access_expires_at_ms, last_error FROM zalo_tokens ORDER BY oa_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feedback::Status;

    const NOW: i64 = 1_764_950_400_000;

    fn inbound(msg_id: &str, user: &str, line: &str) -> ZaloInbound {
        ZaloInbound {
            oa_id: "oa1".into(),
            user_id: UserId::new(user),
            msg_id: msg_id.into(),
            kind: "text",
            line: line.into(),
            media_url: None,
            unit_id: "lao-chai".into(),
            category: "other".into(),
            submitted_at_ms: NOW,
        }
    }

    #[test]
    fn a_conversation_is_one_item_and_a_repeated_message_changes_nothing() {
        let store = Store::open_in_memory().expect("store");
        let first = store
            .zalo_receive(&inbound("m1", "u1", "Đèn đường hỏng"), "LCZ-AAAAAAA", NOW)
            .expect("first");
        assert_eq!(
            first,
            ZaloReceived::Opened {
                ticket_code: "LCZ-AAAAAAA".into()
            }
        );
        let second = store
            .zalo_receive(&inbound("m2", "u1", "ở thôn 3"), "LCZ-BBBBBBB", NOW + 1000)
            .expect("second");
        assert_eq!(
            second,
            ZaloReceived::Joined {
                ticket_code: "LCZ-AAAAAAA".into()
            }
        );
        let again = store
            .zalo_receive(&inbound("m2", "u1", "ở thôn 3"), "LCZ-CCCCCCC", NOW + 2000)
            .expect("again");
        assert_eq!(
            again,
            ZaloReceived::Already {
                ticket_code: "LCZ-AAAAAAA".into()
            }
        );
        let row = store
            .feedback_by_ticket("LCZ-AAAAAAA")
            .expect("db")
            .expect("item");
        assert_eq!(row.text, "Đèn đường hỏng\nở thôn 3");
        assert_eq!(row.channel, Channel::Zalo);
        assert_eq!(row.room_id, None);
        assert_eq!(row.unit_id, "lao-chai");
        assert_eq!(store.feedback_by_ticket("LCZ-BBBBBBB").expect("db"), None);
        // One ticket message, not one per message.
        let due = store.zalo_due(NOW + 5000, 10).expect("due");
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].purpose, Purpose::Ticket);
        assert_eq!(due[0].user_id.expose(), "u1");
        // Another resident has their own item; a taken code is refused.
        assert_eq!(
            store
                .zalo_receive(&inbound("m3", "u2", "x"), "LCZ-AAAAAAA", NOW)
                .expect("taken"),
            ZaloReceived::CodeTaken
        );
    }

    #[test]
    fn a_resolved_or_idle_conversation_opens_a_new_item() {
        let store = Store::open_in_memory().expect("store");
        store
            .zalo_receive(&inbound("m1", "u1", "a"), "LCZ-AAAAAAA", NOW)
            .expect("first");
        let later = NOW + CONVERSATION_IDLE_MS + 1;
        assert_eq!(
            store
                .zalo_receive(&inbound("m2", "u1", "b"), "LCZ-BBBBBBB", later)
                .expect("idle"),
            ZaloReceived::Opened {
                ticket_code: "LCZ-BBBBBBB".into()
            }
        );
        store
            .update_feedback("LCZ-BBBBBBB", Some(Status::Resolved), None, "lan", later)
            .expect("db")
            .expect("resolved");
        assert!(matches!(
            store
                .zalo_receive(&inbound("m3", "u1", "c"), "LCZ-CCCCCCC", later + 1)
                .expect("after"),
            ZaloReceived::Opened { .. }
        ));
    }

    #[test]
    fn each_reply_is_queued_once_and_a_claimed_message_is_never_due_again() {
        let store = Store::open_in_memory().expect("store");
        store
            .zalo_receive(&inbound("m1", "u1", "a"), "LCZ-AAAAAAA", NOW)
            .expect("first");
        let ticket = store.zalo_due(NOW, 10).expect("due").remove(0);
        assert!(store.zalo_mark_sending(ticket.id).expect("claim"));
        assert!(!store.zalo_mark_sending(ticket.id).expect("claimed once"));
        store.zalo_mark_sent(ticket.id, "zmsg1", NOW).expect("sent");
        store
            .update_feedback("LCZ-AAAAAAA", None, Some("Đã sửa"), "lan", NOW + 10)
            .expect("db")
            .expect("reply");
        assert_eq!(store.zalo_queue_replies(NOW + 20).expect("queue"), 1);
        assert_eq!(store.zalo_queue_replies(NOW + 30).expect("queue"), 0);
        let reply = store.zalo_due(NOW + 30, 10).expect("due").remove(0);
        assert_eq!(
            (reply.purpose, reply.text.as_str()),
            (Purpose::Reply, "Đã sửa")
        );
        assert!(store.zalo_mark_sending(reply.id).expect("claim"));
        // The hub stops with the request out: the message is not sent a second time.
        assert_eq!(
            store.zalo_unconfirm_interrupted(NOW + 40).expect("restart"),
            1
        );
        assert!(store.zalo_due(NOW + 50, 10).expect("due").is_empty());
        let undelivered = store.zalo_undelivered().expect("undelivered");
        assert_eq!(undelivered.len(), 1);
        assert_eq!(undelivered[0].0, "LCZ-AAAAAAA");
        assert_eq!(undelivered[0].1.state, DeliveryState::Unconfirmed);
        let states: Vec<_> = store
            .zalo_deliveries("LCZ-AAAAAAA")
            .expect("states")
            .into_iter()
            .map(|d| (d.purpose, d.state, d.attempts))
            .collect();
        assert_eq!(
            states,
            [
                (Purpose::Ticket, DeliveryState::Sent, 1),
                (Purpose::Reply, DeliveryState::Unconfirmed, 1)
            ]
        );
        // A second reply (a new time) is a new message.
        store
            .update_feedback("LCZ-AAAAAAA", None, Some("Thêm"), "lan", NOW + 60)
            .expect("db")
            .expect("reply");
        assert_eq!(store.zalo_queue_replies(NOW + 70).expect("queue"), 1);
    }

    #[test]
    fn tokens_are_replaced_whole_and_expiring_ones_are_found() {
        let store = Store::open_in_memory().expect("store");
        let tokens = |a: &[u8], r: &[u8], exp| SealedTokens {
            sealed_access: a.to_vec(),
            sealed_refresh: r.to_vec(),
            access_expires_at_ms: exp,
            refreshed_at_ms: NOW,
        };
        store
            .zalo_put_tokens("oa1", &tokens(b"a1", b"r1", 0), NOW)
            .expect("put");
        assert_eq!(store.zalo_tokens_expiring(NOW).expect("exp"), ["oa1"]);
        store
            .zalo_put_tokens("oa1", &tokens(b"a2", b"r2", NOW + 1000), NOW)
            .expect("put");
        assert_eq!(
            store.zalo_tokens("oa1").expect("db"),
            Some(tokens(b"a2", b"r2", NOW + 1000))
        );
        assert!(store.zalo_tokens_expiring(NOW).expect("exp").is_empty());
        assert_eq!(store.zalo_tokens("oa2").expect("db"), None);
        assert!(!format!("{:?}", tokens(b"secret", b"r", 0)).contains("115"));
    }
}
