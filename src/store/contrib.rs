//! Campaigns, pledges, transfers and the append-only ledger of cashless contributions.
//!
//! Totals are never stored: [`Store::campaign_totals`] sums the ledger, so what the public
//! page shows can always be traced to entries. Ledger rows are only ever inserted (the
//! schema's triggers refuse UPDATE and DELETE); a mistake is fixed by a new entry.

use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::{Store, StoreError, exists};
use crate::contrib::matching::{self, Decision, Found, PledgeFacts};
use crate::contrib::reference::CodeKind;
use crate::contrib::{
    Campaign, CampaignReport, CampaignTotals, EntryKind, ImportSummary, IncomingTransfer,
    LedgerEntry, NewCampaign, Pledge, PledgeStatus, ReportLine, StaffNote, Transfer,
    TransferOutcome,
};

const CAMPAIGN_COLUMNS: &str = "id, slug, poster_code, title, story, bank_bin, account, \
     account_name, goal_vnd, starts_on, ends_on, status, created_at_ms, closed_at_ms";

fn campaign_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Campaign> {
    Ok(Campaign {
        id: r.get(0)?,
        slug: r.get(1)?,
        poster_code: r.get(2)?,
        title: r.get(3)?,
        story: r.get(4)?,
        bank_bin: r.get(5)?,
        account: r.get(6)?,
        account_name: r.get(7)?,
        goal_vnd: r.get(8)?,
        starts_on: r.get(9)?,
        ends_on: r.get(10)?,
        status: r.get(11)?,
        created_at_ms: r.get(12)?,
        closed_at_ms: r.get(13)?,
    })
}

const PLEDGE_COLUMNS: &str =
    "id, room_id, campaign_id, reference, amount_vnd, donor_name, status, created_at_ms";

fn pledge_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Pledge> {
    Ok(Pledge {
        id: r.get(0)?,
        room_id: r.get(1)?,
        campaign_id: r.get(2)?,
        reference: r.get(3)?,
        amount_vnd: r.get(4)?,
        donor_name: r.get(5)?,
        status: r.get(6)?,
        created_at_ms: r.get(7)?,
    })
}

const TRANSFER_COLUMNS: &str = "id, provider, provider_txn_id, bank_reference, amount_vnd, \
     transfer_text, sender_name, account, occurred_at_ms, received_at_ms, unmatched_reason";

fn transfer_from_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Transfer> {
    Ok(Transfer {
        id: r.get(at)?,
        provider: r.get(at + 1)?,
        provider_txn_id: r.get(at + 2)?,
        bank_reference: r.get(at + 3)?,
        amount_vnd: r.get(at + 4)?,
        transfer_text: r.get(at + 5)?,
        sender_name: r.get(at + 6)?,
        account: r.get(at + 7)?,
        occurred_at_ms: r.get(at + 8)?,
        received_at_ms: r.get(at + 9)?,
        unmatched_reason: r.get(at + 10)?,
    })
}

const LEDGER_COLUMNS: &str = "seq, id, campaign_id, kind, amount_vnd, transfer_id, pledge_id, \
     reason, staff_member, created_at_ms";

fn ledger_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LedgerEntry> {
    Ok(LedgerEntry {
        seq: r.get(0)?,
        id: r.get(1)?,
        campaign_id: r.get(2)?,
        kind: r.get(3)?,
        amount_vnd: r.get(4)?,
        transfer_id: r.get(5)?,
        pledge_id: r.get(6)?,
        reason: r.get(7)?,
        staff_member: r.get(8)?,
        created_at_ms: r.get(9)?,
    })
}

fn refused(message: impl Into<String>) -> StoreError {
    StoreError::Refused(message.into())
}

/// A campaign by id or slug.
fn find_campaign(tx: &rusqlite::Connection, key: &str) -> Result<Campaign, StoreError> {
    lookup_campaign(tx, key)?.ok_or_else(|| {
        refused(format!(
            "no campaign {key:?}; `phonghop hub campaign list` shows ids and slugs"
        ))
    })
}

fn lookup_campaign(tx: &rusqlite::Connection, key: &str) -> rusqlite::Result<Option<Campaign>> {
    tx.query_row(
        &format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = ?1 OR slug = ?1"),
        params![key.trim()],
        campaign_from_row,
    )
    .optional()
}

fn lookup_transfer(tx: &rusqlite::Connection, id: &str) -> rusqlite::Result<Option<Transfer>> {
    tx.query_row(
        &format!("SELECT {TRANSFER_COLUMNS} FROM transfers WHERE id = ?1"),
        params![id.trim()],
        |r| transfer_from_row(r, 0),
    )
    .optional()
}

/// A pledge by id or by reference code (any case).
fn lookup_pledge(tx: &rusqlite::Connection, key: &str) -> rusqlite::Result<Option<Pledge>> {
    tx.query_row(
        &format!("SELECT {PLEDGE_COLUMNS} FROM pledges WHERE id = ?1 OR reference = ?2"),
        params![key.trim(), key.trim().to_ascii_uppercase()],
        pledge_from_row,
    )
    .optional()
}

fn find_transfer(tx: &rusqlite::Connection, id: &str) -> Result<Transfer, StoreError> {
    lookup_transfer(tx, id)?.ok_or_else(|| {
        refused(format!(
            "no transfer {id:?}; `phonghop hub transfers unallocated` lists the ids"
        ))
    })
}

fn check_note(note: StaffNote<'_>) -> Result<(String, String), StoreError> {
    note.checked().map_err(|e| refused(e.to_string()))
}

/// Looks up the codes found in a memo.
fn known_codes(tx: &Transaction<'_>, text: &str) -> Result<Vec<Found>, StoreError> {
    let mut found = Vec::new();
    for (code, kind) in matching::code_tokens(text) {
        match kind {
            CodeKind::Pledge => {
                let pledge = tx
                    .query_row(
                        &format!("SELECT {PLEDGE_COLUMNS} FROM pledges WHERE reference = ?1"),
                        params![code],
                        pledge_from_row,
                    )
                    .optional()?;
                if let Some(p) = pledge {
                    let campaign = find_campaign(tx, &p.campaign_id)?;
                    found.push(Found::Pledge(PledgeFacts {
                        pledge_id: p.id,
                        reference: p.reference,
                        amount_vnd: p.amount_vnd,
                        confirmed: p.status == PledgeStatus::Confirmed,
                        campaign: campaign.facts(),
                    }));
                }
            }
            CodeKind::Poster => {
                let campaign = tx
                    .query_row(
                        &format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE poster_code = ?1"),
                        params![code],
                        campaign_from_row,
                    )
                    .optional()?;
                if let Some(c) = campaign {
                    found.push(Found::Poster {
                        code,
                        campaign: c.facts(),
                    });
                }
            }
        }
    }
    Ok(found)
}

#[allow(clippy::too_many_arguments)]
fn insert_entry(
    tx: &Transaction<'_>,
    campaign_id: Option<&str>,
    kind: EntryKind,
    amount_vnd: i64,
    transfer_id: Option<&str>,
    pledge_id: Option<&str>,
    reason: &str,
    staff_member: Option<&str>,
    now_ms: i64,
) -> Result<LedgerEntry, StoreError> {
    let id = Uuid::now_v7().to_string();
    tx.execute(
        "INSERT INTO ledger_entries (id, campaign_id, kind, amount_vnd, transfer_id, pledge_id,
             reason, staff_member, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            campaign_id,
            kind,
            amount_vnd,
            transfer_id,
            pledge_id,
            reason,
            staff_member,
            now_ms
        ],
    )?;
    if let Some(pledge_id) = pledge_id {
        tx.execute(
            "UPDATE pledges SET status = 'confirmed' WHERE id = ?1",
            params![pledge_id],
        )?;
    }
    Ok(tx.query_row(
        &format!("SELECT {LEDGER_COLUMNS} FROM ledger_entries WHERE id = ?1"),
        params![id],
        ledger_from_row,
    )?)
}

fn record_in(
    tx: &Transaction<'_>,
    t: &IncomingTransfer,
    now_ms: i64,
) -> Result<TransferOutcome, StoreError> {
    let same_delivery: Option<String> = tx
        .query_row(
            "SELECT id FROM transfers WHERE provider = ?1 AND provider_txn_id = ?2",
            params![t.provider, t.provider_txn_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(transfer_id) = same_delivery {
        return Ok(TransferOutcome::Duplicate { transfer_id });
    }
    // The same bank transaction may come from a webhook and later a statement.
    if let Some(bank_reference) = t.bank_reference.as_deref().filter(|r| !r.is_empty()) {
        let mut stmt = tx.prepare_cached(
            "SELECT id, account FROM transfers WHERE bank_reference = ?1 AND amount_vnd = ?2",
        )?;
        let rows = stmt.query_map(params![bank_reference, t.amount_vnd], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (transfer_id, account) = row?;
            if crate::contrib::normalize_account(&account)
                == crate::contrib::normalize_account(&t.account)
            {
                return Ok(TransferOutcome::Duplicate { transfer_id });
            }
        }
    }
    let found = known_codes(tx, &t.match_text)?;
    let decision = matching::decide(t.amount_vnd, &t.account, &found);
    let transfer_id = Uuid::now_v7().to_string();
    let reason = match &decision {
        Decision::Unallocated { reason } => Some(reason.as_str()),
        Decision::Gift { .. } => None,
    };
    tx.execute(
        "INSERT INTO transfers (id, provider, provider_txn_id, bank_reference, amount_vnd,
             transfer_text, sender_name, account, occurred_at_ms, received_at_ms, raw_json,
             unmatched_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            transfer_id,
            t.provider,
            t.provider_txn_id,
            t.bank_reference,
            t.amount_vnd,
            t.transfer_text,
            t.sender_name,
            t.account,
            t.occurred_at_ms,
            now_ms,
            t.raw_json,
            reason
        ],
    )?;
    Ok(match decision {
        Decision::Gift {
            campaign_id,
            pledge_id,
        } => {
            let reason = match &pledge_id {
                Some(_) => "pledge code and amount matched",
                None => "poster code matched",
            };
            insert_entry(
                tx,
                Some(&campaign_id),
                EntryKind::Gift,
                t.amount_vnd,
                Some(&transfer_id),
                pledge_id.as_deref(),
                reason,
                None,
                now_ms,
            )?;
            TransferOutcome::Credited {
                transfer_id,
                campaign_id,
                pledge_id,
            }
        }
        Decision::Unallocated { reason } => TransferOutcome::Unallocated {
            transfer_id,
            reason,
        },
    })
}

impl Store {
    /// Creates a campaign with a fresh poster code; a slug already in use is refused.
    pub fn create_campaign(
        &self,
        new: &NewCampaign,
        poster_code: &str,
        now_ms: i64,
    ) -> Result<Campaign, StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let taken: bool = exists(&tx, "campaigns WHERE slug = ?1", params![new.slug])?;
        if taken {
            return Err(refused(format!(
                "a campaign with slug {:?} exists; choose another --slug",
                new.slug
            )));
        }
        let id = Uuid::now_v7().to_string();
        tx.execute(
            &format!(
                "INSERT INTO campaigns ({CAMPAIGN_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'open', ?12, NULL)"
            ),
            params![
                id,
                new.slug,
                poster_code,
                new.title,
                new.story,
                new.bank_bin,
                new.account,
                new.account_name,
                new.goal_vnd,
                new.starts_on,
                new.ends_on,
                now_ms
            ],
        )?;
        let campaign = find_campaign(&tx, &id)?;
        tx.commit()?;
        Ok(campaign)
    }

    /// Every campaign, newest first.
    pub fn campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns ORDER BY created_at_ms DESC, id DESC"
        ))?;
        let rows = stmt.query_map([], campaign_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A campaign by id or slug; `None` when there is none.
    pub fn campaign(&self, key: &str) -> Result<Option<Campaign>, StoreError> {
        Ok(lookup_campaign(&self.lock(), key)?)
    }

    /// Closes a campaign (transfers for it then go to the unallocated queue). Closing twice
    /// keeps the first time.
    pub fn close_campaign(&self, key: &str, now_ms: i64) -> Result<Campaign, StoreError> {
        let conn = self.lock();
        let campaign = find_campaign(&conn, key)?;
        conn.execute(
            "UPDATE campaigns SET status = 'closed', closed_at_ms = ?2
             WHERE id = ?1 AND status = 'open'",
            params![campaign.id, now_ms],
        )?;
        find_campaign(&conn, &campaign.id)
    }

    /// Opens a closed campaign again (closed by mistake, or extended): transfers for it are
    /// credited again from now on; those queued meanwhile stay for staff to assign.
    pub fn reopen_campaign(&self, key: &str) -> Result<Campaign, StoreError> {
        let conn = self.lock();
        let campaign = find_campaign(&conn, key)?;
        conn.execute(
            "UPDATE campaigns SET status = 'open', closed_at_ms = NULL
             WHERE id = ?1 AND status = 'closed'",
            params![campaign.id],
        )?;
        find_campaign(&conn, &campaign.id)
    }

    /// A campaign's pledges, newest first (staff see who still owes cash).
    pub fn pledges_of(&self, campaign_id: &str) -> Result<Vec<Pledge>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {PLEDGE_COLUMNS} FROM pledges WHERE campaign_id = ?1
             ORDER BY created_at_ms DESC, id DESC"
        ))?;
        let rows = stmt.query_map(params![campaign_id], pledge_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores a pledge once. Uploading the same pledge again (same id and content) returns
    /// it unchanged, so a room may retry after a lost answer; a different pledge under an
    /// existing id, or an existing reference code under another id, is refused.
    /// Returns the pledge and whether it was new.
    pub fn record_pledge(&self, pledge: &Pledge) -> Result<(Pledge, bool), StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let recorded = record_pledge_in(&tx, pledge)?;
        tx.commit()?;
        Ok(recorded)
    }

    /// A pledge by id or reference code.
    pub fn pledge(&self, key: &str) -> Result<Option<Pledge>, StoreError> {
        Ok(lookup_pledge(&self.lock(), key)?)
    }

    /// Ledger entries that confirmed a pledge, after `since_seq`, oldest first: what rooms
    /// download to say "thank you" while the donor is still there.
    pub fn confirmations_since(&self, since_seq: i64) -> Result<Vec<LedgerEntry>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {LEDGER_COLUMNS} FROM ledger_entries
             WHERE seq > ?1 AND pledge_id IS NOT NULL ORDER BY seq"
        ))?;
        let rows = stmt.query_map(params![since_seq], ledger_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records an incoming transfer once and, in the same transaction, credits it when its
    /// memo carries a known code (and the amount fits). Safe under concurrent and repeated
    /// deliveries: the write lock is taken before looking, and the schema's unique keys
    /// hold even against another process.
    pub fn record_transfer(
        &self,
        transfer: &IncomingTransfer,
        now_ms: i64,
    ) -> Result<TransferOutcome, StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let outcome = record_in(&tx, transfer, now_ms)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Records many transfers in one transaction: all or none.
    pub fn record_transfers(
        &self,
        transfers: &[IncomingTransfer],
        now_ms: i64,
    ) -> Result<ImportSummary, StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let mut summary = ImportSummary::default();
        for t in transfers {
            match record_in(&tx, t, now_ms)? {
                TransferOutcome::Duplicate { .. } => summary.duplicates += 1,
                TransferOutcome::Credited { .. } => summary.new_credited += 1,
                TransferOutcome::Unallocated { .. } => summary.new_unallocated += 1,
            }
        }
        tx.commit()?;
        Ok(summary)
    }

    pub fn transfer(&self, id: &str) -> Result<Option<Transfer>, StoreError> {
        Ok(lookup_transfer(&self.lock(), id)?)
    }

    pub fn transfer_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .lock()
            .query_row("SELECT count(*) FROM transfers", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// The unallocated queue: transfers with no ledger entry, oldest first, each with the
    /// reason matching gave.
    pub fn unallocated_transfers(&self) -> Result<Vec<Transfer>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {TRANSFER_COLUMNS} FROM transfers t
             WHERE NOT EXISTS (SELECT 1 FROM ledger_entries l WHERE l.transfer_id = t.id)
             ORDER BY occurred_at_ms, id"
        ))?;
        let rows = stmt.query_map([], |r| transfer_from_row(r, 0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Staff credit an unallocated transfer to a campaign (and optionally confirm a pledge
    /// of it) with an `allocation` entry.
    pub fn assign_transfer(
        &self,
        transfer_id: &str,
        campaign: &str,
        pledge: Option<&str>,
        note: StaffNote<'_>,
        now_ms: i64,
    ) -> Result<LedgerEntry, StoreError> {
        let (staff, reason) = check_note(note)?;
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let transfer = find_transfer(&tx, transfer_id)?;
        let existing = tx
            .query_row(
                "SELECT kind FROM ledger_entries WHERE transfer_id = ?1 LIMIT 1",
                params![transfer.id],
                |r| r.get::<_, String>(0),
            )
            .optional()?;
        if let Some(kind) = existing {
            return Err(refused(format!(
                "transfer {} already has a ledger entry ({kind}); fix a wrong one with \
                 `phonghop hub ledger correct`",
                transfer.id
            )));
        }
        let campaign = find_campaign(&tx, campaign)?;
        let pledge_id = match pledge {
            None => None,
            Some(key) => {
                let p = lookup_pledge(&tx, key)?
                    .ok_or_else(|| refused(format!("no pledge {key:?} (give its id or code)")))?;
                if p.campaign_id != campaign.id {
                    return Err(refused(format!(
                        "pledge {} belongs to another campaign than {}",
                        p.reference, campaign.slug
                    )));
                }
                if p.status == PledgeStatus::Confirmed {
                    return Err(refused(format!(
                        "pledge {} is already confirmed by another transfer",
                        p.reference
                    )));
                }
                Some(p.id)
            }
        };
        let entry = insert_entry(
            &tx,
            Some(&campaign.id),
            EntryKind::Allocation,
            transfer.amount_vnd,
            Some(&transfer.id),
            pledge_id.as_deref(),
            &reason,
            Some(&staff),
            now_ms,
        )?;
        tx.commit()?;
        Ok(entry)
    }

    /// A signed adjustment of a campaign's total.
    pub fn correct_campaign(
        &self,
        campaign: &str,
        amount_vnd: i64,
        note: StaffNote<'_>,
        now_ms: i64,
    ) -> Result<LedgerEntry, StoreError> {
        let (staff, reason) = check_note(note)?;
        if amount_vnd == 0 {
            return Err(refused(
                "a correction of 0 changes nothing; give a signed amount such as -50000",
            ));
        }
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let campaign = find_campaign(&tx, campaign)?;
        let entry = insert_entry(
            &tx,
            Some(&campaign.id),
            EntryKind::Correction,
            amount_vnd,
            None,
            None,
            &reason,
            Some(&staff),
            now_ms,
        )?;
        tx.commit()?;
        Ok(entry)
    }

    /// Money of a transfer sent back: a negative `refund` entry against the campaign it was
    /// credited to, or with no campaign when it was never credited (it then leaves the
    /// unallocated queue).
    pub fn refund_transfer(
        &self,
        transfer_id: &str,
        note: StaffNote<'_>,
        now_ms: i64,
    ) -> Result<LedgerEntry, StoreError> {
        let (staff, reason) = check_note(note)?;
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let transfer = find_transfer(&tx, transfer_id)?;
        let refunded: bool = exists(
            &tx,
            "ledger_entries WHERE transfer_id = ?1 AND kind = 'refund'",
            params![transfer.id],
        )?;
        if refunded {
            return Err(refused(format!(
                "transfer {} was already refunded",
                transfer.id
            )));
        }
        let campaign_id: Option<String> = tx
            .query_row(
                "SELECT campaign_id FROM ledger_entries
                 WHERE transfer_id = ?1 AND kind IN ('gift', 'allocation')",
                params![transfer.id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let entry = insert_entry(
            &tx,
            campaign_id.as_deref(),
            EntryKind::Refund,
            -transfer.amount_vnd,
            Some(&transfer.id),
            None,
            &reason,
            Some(&staff),
            now_ms,
        )?;
        tx.commit()?;
        Ok(entry)
    }

    /// Every ledger entry of a campaign, oldest first.
    pub fn ledger_of(&self, campaign_id: &str) -> Result<Vec<LedgerEntry>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {LEDGER_COLUMNS} FROM ledger_entries WHERE campaign_id = ?1 ORDER BY seq"
        ))?;
        let rows = stmt.query_map(params![campaign_id], ledger_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Raised, number of gifts and last update, summed from the ledger.
    pub fn campaign_totals(&self, campaign_id: &str) -> Result<CampaignTotals, StoreError> {
        totals_in(&self.lock(), campaign_id)
    }

    /// What the public page shows, by slug; `None` when there is no such campaign.
    pub fn campaign_report(&self, slug: &str) -> Result<Option<CampaignReport>, StoreError> {
        let conn = self.lock();
        let campaign = conn
            .query_row(
                &format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE slug = ?1"),
                params![slug],
                campaign_from_row,
            )
            .optional()?;
        let Some(campaign) = campaign else {
            return Ok(None);
        };
        let totals = totals_in(&conn, &campaign.id)?;
        let columns = LEDGER_COLUMNS
            .split(", ")
            .map(|c| format!("l.{c}"))
            .chain(TRANSFER_COLUMNS.split(", ").map(|c| format!("t.{c}")))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {columns}, p.donor_name FROM ledger_entries l
             LEFT JOIN transfers t ON t.id = l.transfer_id
             LEFT JOIN pledges p ON p.id = l.pledge_id
             WHERE l.campaign_id = ?1 ORDER BY l.seq"
        ))?;
        let rows = stmt.query_map(params![campaign.id], |r| {
            let entry = ledger_from_row(r)?;
            let transfer = match r.get::<_, Option<String>>(10)? {
                Some(_) => Some(transfer_from_row(r, 10)?),
                None => None,
            };
            Ok(ReportLine {
                entry,
                transfer,
                donor_name: r.get(21)?,
            })
        })?;
        let lines = rows.collect::<Result<_, _>>()?;
        Ok(Some(CampaignReport {
            campaign,
            totals,
            lines,
        }))
    }
}

fn totals_in(conn: &rusqlite::Connection, campaign_id: &str) -> Result<CampaignTotals, StoreError> {
    Ok(conn.query_row(
        "SELECT coalesce(sum(amount_vnd), 0),
                (SELECT count(*) FROM ledger_entries g
                  WHERE g.campaign_id = ?1 AND g.kind IN ('gift', 'allocation')
                    AND NOT EXISTS (SELECT 1 FROM ledger_entries r
                                     WHERE r.transfer_id = g.transfer_id AND r.kind = 'refund')),
                max(created_at_ms)
         FROM ledger_entries WHERE campaign_id = ?1",
        params![campaign_id],
        |r| {
            Ok(CampaignTotals {
                raised_vnd: r.get(0)?,
                gifts: r.get::<_, i64>(1)? as u64,
                last_update_ms: r.get(2)?,
            })
        },
    )?)
}

/// [`Store::record_pledge`] inside the caller's transaction (also used by a room's upload).
pub(super) fn record_pledge_in(
    tx: &Transaction<'_>,
    pledge: &Pledge,
) -> Result<(Pledge, bool), StoreError> {
    if let Some(existing) = lookup_pledge(tx, &pledge.id)? {
        // The stored pledge holds the campaign's id and the tidied code: the same pledge
        // named by the campaign's slug, or its code as typed, is the same pledge.
        let campaign = lookup_campaign(tx, &pledge.campaign_id)?.map(|c| c.id);
        let code = crate::contrib::reference::normalize(&pledge.reference, CodeKind::Pledge);
        let same = (existing.campaign_id == pledge.campaign_id
            || campaign.as_deref() == Some(existing.campaign_id.as_str()))
            && (existing.reference == pledge.reference
                || code.as_deref() == Some(existing.reference.as_str()))
            && existing.amount_vnd == pledge.amount_vnd
            && existing.donor_name == pledge.donor_name;
        return if same {
            Ok((existing, false))
        } else {
            Err(refused(format!(
                "pledge {} was uploaded before with different content",
                pledge.id
            )))
        };
    }
    let code = crate::contrib::reference::normalize(&pledge.reference, CodeKind::Pledge)
        .ok_or_else(|| {
            refused(format!(
                "{:?} is not a pledge code (7 letters and digits such as UH7K3P9)",
                pledge.reference
            ))
        })?;
    // What the pledge is by itself first, what other pledges hold last: a pledge refused for
    // its own faults is refused for the same reason when its batch comes again, even after a
    // later item of that batch took its code (found by the `sync_batch` fuzz target).
    if pledge.amount_vnd <= 0 {
        return Err(refused("a pledge's amount must be positive"));
    }
    let campaign = find_campaign(tx, &pledge.campaign_id)?;
    let taken: bool = exists(tx, "pledges WHERE reference = ?1", params![code])?;
    if taken {
        return Err(refused(format!(
            "reference code {code} belongs to another pledge; make a new code"
        )));
    }
    tx.execute(
        &format!("INSERT INTO pledges ({PLEDGE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        params![
            pledge.id,
            pledge.room_id,
            campaign.id,
            code,
            pledge.amount_vnd,
            pledge.donor_name,
            PledgeStatus::Pending,
            pledge.created_at_ms
        ],
    )?;
    let stored = Pledge {
        campaign_id: campaign.id,
        reference: code,
        status: PledgeStatus::Pending,
        ..pledge.clone()
    };
    Ok((stored, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign(store: &Store) -> Campaign {
        store
            .create_campaign(&crate::store::NewCampaign::sample(1_000_000), "QV7N2B", 1)
            .expect("campaign")
    }

    #[test]
    fn a_poster_code_credits_the_campaign_once() {
        let store = Store::open_in_memory().expect("open");
        let c = campaign(&store);
        let t = IncomingTransfer::sample("1", 70_000, "MBVCB.123.qv7n2b ung ho");
        assert!(matches!(
            store.record_transfer(&t, 9).expect("record"),
            TransferOutcome::Credited { .. }
        ));
        assert!(matches!(
            store.record_transfer(&t, 10).expect("record"),
            TransferOutcome::Duplicate { .. }
        ));
        let totals = store.campaign_totals(&c.id).expect("totals");
        assert_eq!((totals.raised_vnd, totals.gifts), (70_000, 1));
    }

    #[test]
    fn a_refund_lowers_the_total_and_the_gift_count() {
        let store = Store::open_in_memory().expect("open");
        let c = campaign(&store);
        let TransferOutcome::Credited { transfer_id, .. } = store
            .record_transfer(&IncomingTransfer::sample("1", 70_000, "QV7N2B"), 9)
            .expect("record")
        else {
            panic!("credited");
        };
        let note = StaffNote {
            staff_member: "Chị Lan",
            reason: "người gửi nhầm",
        };
        store
            .refund_transfer(&transfer_id, note, 11)
            .expect("refund");
        assert!(store.refund_transfer(&transfer_id, note, 12).is_err());
        let totals = store.campaign_totals(&c.id).expect("totals");
        assert_eq!((totals.raised_vnd, totals.gifts), (0, 0));
    }
}
