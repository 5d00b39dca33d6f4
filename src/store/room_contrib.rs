//! Cashless contributions between a room and the hub: at the hub, the pledges rooms upload
//! and what rooms download (campaigns with totals, confirmations of their pledges); at the
//! room, its copy of both and its own pledges, which the kiosk reads offline.

use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::{Store, StoreError, exists};
use crate::contrib::{Pledge, PledgeState, PledgeStatus, WallEntry};
use crate::wire::{CampaignInfo, PledgeConfirmation, PledgeRecord};

/// How many confirmations one download carries at most (the cursor brings the rest).
pub const CONFIRMATIONS_MAX: i64 = 500;

/// Room side of [`Store::submit`]: the pledge's own row, in the submission's transaction.
/// `Ok(false)` when the reference code is already used here (make another).
pub(super) fn insert_room_pledge(
    tx: &Transaction<'_>,
    id: Uuid,
    p: &PledgeRecord,
) -> Result<bool, StoreError> {
    let inserted = tx.execute(
        "INSERT OR IGNORE INTO room_pledges
            (reference_code, pledge_id, campaign_id, amount_vnd, donor_name, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            p.reference_code,
            id.to_string(),
            p.campaign_id,
            p.amount_vnd,
            p.donor_name,
            p.created_at_ms
        ],
    )?;
    Ok(inserted == 1)
}

/// Hub side of [`Store::store_upload`]: records a room's pledge once (by its id). A pledge
/// the hub can never accept (its code taken by another pledge, an unknown campaign) is
/// `Ok(Some(why))`: the upload answers it as rejected, so it does not hold back the room's
/// later items forever and the room learns why instead of taking it as stored.
pub(super) fn store_uploaded_pledge(
    tx: &Transaction<'_>,
    room_id: &str,
    id: Uuid,
    p: &PledgeRecord,
) -> Result<Option<String>, StoreError> {
    let pledge = Pledge {
        id: id.to_string(),
        room_id: Some(room_id.to_owned()),
        campaign_id: p.campaign_id.clone(),
        reference: p.reference_code.clone(),
        amount_vnd: p.amount_vnd,
        donor_name: p.donor_name.clone(),
        status: PledgeStatus::Pending,
        created_at_ms: p.created_at_ms,
    };
    match super::contrib::record_pledge_in(tx, &pledge) {
        Ok(_) => Ok(None),
        Err(StoreError::Refused(why)) => Ok(Some(why)),
        Err(e) => Err(e),
    }
}

impl Store {
    // ----- hub side -----

    /// Every campaign with its totals from the ledger, as rooms download them.
    pub fn campaign_infos(&self) -> Result<Vec<CampaignInfo>, StoreError> {
        let mut out = Vec::new();
        for c in self.campaigns()? {
            let totals = self.campaign_totals(&c.id)?;
            out.push(CampaignInfo {
                id: c.id,
                slug: c.slug,
                title: c.title,
                story: c.story,
                bank_bin: c.bank_bin,
                account: c.account,
                account_name: c.account_name,
                goal_vnd: c.goal_vnd,
                raised_vnd: totals.raised_vnd,
                gifts: totals.gifts,
                last_update_ms: totals.last_update_ms,
                status: c.status,
            });
        }
        Ok(out)
    }

    /// This room's pledges credited after ledger position `cursor`, oldest first; returns
    /// the new cursor (the last ledger position looked at).
    pub fn pledge_confirmations_for_room(
        &self,
        room_id: &str,
        cursor: i64,
    ) -> Result<(i64, Vec<PledgeConfirmation>), StoreError> {
        let conn = self.lock();
        let last_seq: i64 = conn.query_row(
            "SELECT coalesce(max(seq), 0) FROM ledger_entries",
            [],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare_cached(
            "SELECT p.reference, l.amount_vnd, l.created_at_ms, l.seq
             FROM ledger_entries l JOIN pledges p ON p.id = l.pledge_id
             WHERE l.seq > ?1 AND p.room_id = ?2 AND l.kind IN ('gift', 'allocation')
             ORDER BY l.seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![cursor, room_id, CONFIRMATIONS_MAX], |r| {
            Ok((
                PledgeConfirmation {
                    reference_code: r.get(0)?,
                    amount_vnd: r.get(1)?,
                    confirmed_at_ms: r.get(2)?,
                },
                r.get::<_, i64>(3)?,
            ))
        })?;
        let mut confirmations = Vec::new();
        let mut seen_seq = cursor;
        for row in rows {
            let (confirmation, seq) = row?;
            seen_seq = seq;
            confirmations.push(confirmation);
        }
        // A full page may stop short of the end; otherwise everything up to now was seen.
        let new_cursor = if confirmations.len() as i64 == CONFIRMATIONS_MAX {
            seen_seq
        } else {
            last_seq.max(cursor)
        };
        Ok((new_cursor, confirmations))
    }

    // ----- room side -----

    /// Applies what the hub sent: the campaigns (all of them, replacing the old copy) when
    /// the hub sent any list, and confirmations of this room's pledges.
    pub fn apply_contrib_down(
        &self,
        campaigns: Option<&[CampaignInfo]>,
        confirmations: &[PledgeConfirmation],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        if let Some(campaigns) = campaigns {
            tx.execute("DELETE FROM room_campaigns", [])?;
            for c in campaigns {
                tx.execute(
                    "INSERT INTO room_campaigns (id, slug, title, story, bank_bin, account,
                        account_name, goal_vnd, raised_vnd, gifts, last_update_ms, status, synced_at_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                    params![
                        c.id, c.slug, c.title, c.story, c.bank_bin, c.account, c.account_name,
                        c.goal_vnd, c.raised_vnd, c.gifts as i64, c.last_update_ms, c.status, now_ms
                    ],
                )?;
            }
        }
        for c in confirmations {
            tx.execute(
                "INSERT OR IGNORE INTO room_pledge_confirmations
                    (reference_code, amount_vnd, confirmed_at_ms, received_at_ms)
                 VALUES (?1, ?2, ?3, ?4)",
                params![c.reference_code, c.amount_vnd, c.confirmed_at_ms, now_ms],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The room's copy of the campaigns, open ones first, newest title order kept stable.
    pub fn room_campaigns(&self) -> Result<Vec<CampaignInfo>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT id, slug, title, story, bank_bin, account, account_name, goal_vnd,
                raised_vnd, gifts, last_update_ms, status
             FROM room_campaigns ORDER BY status = 'open' DESC, title, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(CampaignInfo {
                id: r.get(0)?,
                slug: r.get(1)?,
                title: r.get(2)?,
                story: r.get(3)?,
                bank_bin: r.get(4)?,
                account: r.get(5)?,
                account_name: r.get(6)?,
                goal_vnd: r.get(7)?,
                raised_vnd: r.get(8)?,
                gifts: r.get::<_, i64>(9)? as u64,
                last_update_ms: r.get(10)?,
                status: r.get(11)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether the bank confirmed the pledge with this code; `None` when this room never
    /// made or heard of it.
    pub fn room_pledge_state(
        &self,
        reference_code: &str,
    ) -> Result<Option<PledgeState>, StoreError> {
        let conn = self.lock();
        let confirmed = conn
            .query_row(
                "SELECT amount_vnd, confirmed_at_ms FROM room_pledge_confirmations
                 WHERE reference_code = ?1",
                params![reference_code],
                |r| {
                    Ok(PledgeState::Confirmed {
                        amount_vnd: r.get(0)?,
                        at_ms: r.get(1)?,
                    })
                },
            )
            .optional()?;
        if confirmed.is_some() {
            return Ok(confirmed);
        }
        let known: bool = exists(
            &conn,
            "room_pledges WHERE reference_code = ?1",
            params![reference_code],
        )?;
        Ok(known.then_some(PledgeState::Pending))
    }

    /// The latest confirmed gifts made at this room, newest first, for the donor wall.
    pub fn donor_wall(&self, limit: usize) -> Result<Vec<WallEntry>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT coalesce(c.title, ''), k.amount_vnd, p.donor_name, k.confirmed_at_ms
             FROM room_pledge_confirmations k
             JOIN room_pledges p ON p.reference_code = k.reference_code
             LEFT JOIN room_campaigns c ON c.id = p.campaign_id
             ORDER BY k.confirmed_at_ms DESC, k.reference_code LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            Ok(WallEntry {
                campaign_title: r.get(0)?,
                amount_vnd: r.get(1)?,
                donor_name: r.get(2)?,
                confirmed_at_ms: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When the newest pledge still waiting for its transfer was made, if any: the room
    /// asks the hub more often while a donor may be standing at the kiosk.
    pub fn newest_unconfirmed_pledge_ms(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.lock().query_row(
            "SELECT max(p.created_at_ms) FROM room_pledges p
             WHERE NOT EXISTS (SELECT 1 FROM room_pledge_confirmations k
                               WHERE k.reference_code = p.reference_code)",
            [],
            |r| r.get(0),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Record;

    fn record(code: &str) -> Record {
        Record::Pledge(PledgeRecord {
            campaign_id: "c1".into(),
            reference_code: code.into(),
            amount_vnd: 100_000,
            donor_name: Some("Bà Lan".into()),
            created_at_ms: 10,
        })
    }

    /// Found by the `sync_batch` fuzz target: a pledge the hub cannot record (here, for a
    /// campaign it does not have) was answered as stored, so the room believed it kept.
    #[test]
    fn a_pledge_the_hub_cannot_record_is_answered_rejected_with_why() {
        let store = Store::open_in_memory().expect("open");
        let room = store
            .create_room("xa-a", "Xã A", "LC-7K", "hash", 100, 0)
            .expect("room")
            .expect("free prefix");
        let item = crate::wire::UploadItem {
            id: Uuid::now_v7(),
            seq: 1,
            record: Record::Pledge(PledgeRecord {
                campaign_id: "no-such-campaign".into(),
                reference_code: "UH7K3P9".into(),
                amount_vnd: 50_000,
                donor_name: None,
                created_at_ms: 10,
            }),
        };
        let ack = store
            .store_upload(&room.id, std::slice::from_ref(&item), 20)
            .expect("upload");
        assert_eq!(ack.stored, vec![item.id], "done with: the room moves on");
        assert_eq!(ack.rejected.len(), 1, "and told why: {ack:?}");
        assert!(
            ack.rejected[0].reason.contains("no-such-campaign"),
            "{}",
            ack.rejected[0].reason
        );
        assert!(
            store
                .pledge(&item.id.to_string())
                .expect("lookup")
                .is_none()
        );
    }

    /// Found by the `sync_batch` fuzz target: a pledge naming its campaign by slug was
    /// stored under the campaign's id, and the room's resend of the same batch (its answer
    /// lost) was then refused as "uploaded before with different content".
    #[test]
    fn a_resent_pledge_naming_its_campaign_by_slug_is_the_same_pledge() {
        let store = Store::open_in_memory().expect("open");
        let room = store
            .create_room("xa-a", "Xã A", "LC-7K", "hash", 100, 0)
            .expect("room")
            .expect("free prefix");
        store
            .create_campaign(
                &crate::contrib::NewCampaign::sample(50_000_000),
                "P7K3P9A",
                0,
            )
            .expect("campaign");
        let item = crate::wire::UploadItem {
            id: Uuid::now_v7(),
            seq: 1,
            record: Record::Pledge(PledgeRecord {
                campaign_id: "vi-nguoi-ngheo".into(),
                reference_code: "UH7K3P9".into(),
                amount_vnd: 50_000,
                donor_name: None,
                created_at_ms: 10,
            }),
        };
        let items = std::slice::from_ref(&item);
        let first = store.store_upload(&room.id, items, 20).expect("upload");
        assert!(first.rejected.is_empty(), "{first:?}");
        let again = store.store_upload(&room.id, items, 30).expect("resend");
        assert_eq!(again, first, "a resend is answered as the first upload");
    }

    /// Found by the `sync_batch` fuzz target: a pledge naming no campaign was refused for
    /// that, a later pledge of the same batch then took its code, and the same batch again
    /// was answered "code belongs to another pledge" for the first: another answer.
    #[test]
    fn a_refused_pledge_is_refused_for_the_same_reason_when_its_batch_comes_again() {
        let store = Store::open_in_memory().expect("open");
        let room = store
            .create_room("xa-a", "Xã A", "LC-7K", "hash", 100, 0)
            .expect("room")
            .expect("free prefix");
        store
            .create_campaign(
                &crate::contrib::NewCampaign::sample(50_000_000),
                "P7K3P9A",
                0,
            )
            .expect("campaign");
        let pledge = |campaign: &str| {
            Record::Pledge(PledgeRecord {
                campaign_id: campaign.into(),
                reference_code: "UH7K3P9".into(),
                amount_vnd: 50_000,
                donor_name: None,
                created_at_ms: 10,
            })
        };
        let items = [
            crate::wire::UploadItem {
                id: Uuid::from_u128(1),
                seq: 1,
                record: pledge(""),
            },
            crate::wire::UploadItem {
                id: Uuid::from_u128(2),
                seq: 2,
                record: pledge("vi-nguoi-ngheo"),
            },
        ];
        let first = store.store_upload(&room.id, &items, 20).expect("upload");
        assert_eq!(first.rejected.len(), 1, "{first:?}");
        assert!(
            first.rejected[0].reason.contains("no campaign"),
            "{first:?}"
        );
        let again = store.store_upload(&room.id, &items, 30).expect("resend");
        assert_eq!(again, first, "a resend is answered as the first upload");
    }

    #[test]
    fn a_pledge_is_pending_until_its_confirmation_arrives_then_on_the_wall() {
        let store = Store::open_in_memory().expect("open");
        assert!(
            store
                .submit(Uuid::now_v7(), &record("UH7K3P9"), 10)
                .expect("submit")
        );
        assert!(
            !store
                .submit(Uuid::now_v7(), &record("UH7K3P9"), 11)
                .expect("again"),
            "a code is used once"
        );
        assert_eq!(store.pending(10).expect("outbox").len(), 1);
        assert_eq!(
            store.room_pledge_state("UH7K3P9").expect("state"),
            Some(PledgeState::Pending)
        );
        assert_eq!(store.room_pledge_state("ZZ7K3P9").expect("state"), None);
        assert_eq!(
            store.newest_unconfirmed_pledge_ms().expect("newest"),
            Some(10)
        );
        let confirmation = PledgeConfirmation {
            reference_code: "UH7K3P9".into(),
            amount_vnd: 100_000,
            confirmed_at_ms: 20,
        };
        store
            .apply_contrib_down(None, std::slice::from_ref(&confirmation), 30)
            .expect("apply");
        store
            .apply_contrib_down(None, &[confirmation], 31)
            .expect("twice is once");
        assert_eq!(
            store.room_pledge_state("UH7K3P9").expect("state"),
            Some(PledgeState::Confirmed {
                amount_vnd: 100_000,
                at_ms: 20
            })
        );
        assert_eq!(store.newest_unconfirmed_pledge_ms().expect("newest"), None);
        let wall = store.donor_wall(5).expect("wall");
        assert_eq!(wall.len(), 1);
        assert_eq!(wall[0].donor_name.as_deref(), Some("Bà Lan"));
    }

    #[test]
    fn a_campaign_list_replaces_the_copy_and_no_list_keeps_it() {
        let store = Store::open_in_memory().expect("open");
        let campaign = CampaignInfo {
            id: "c1".into(),
            slug: "s".into(),
            title: "Quỹ".into(),
            story: String::new(),
            bank_bin: "970436".into(),
            account: "0011001234567".into(),
            account_name: "UY BAN".into(),
            goal_vnd: 1_000_000,
            raised_vnd: 200_000,
            gifts: 2,
            last_update_ms: Some(5),
            status: crate::contrib::CampaignStatus::Open,
        };
        store
            .apply_contrib_down(Some(std::slice::from_ref(&campaign)), &[], 1)
            .expect("apply");
        store.apply_contrib_down(None, &[], 2).expect("an old hub");
        assert_eq!(store.room_campaigns().expect("list"), vec![campaign]);
        store
            .apply_contrib_down(Some(&[]), &[], 3)
            .expect("none left");
        assert!(store.room_campaigns().expect("list").is_empty());
    }
}
