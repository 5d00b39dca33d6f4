//! Pledges staff take by phone, at a meeting or in cash at the office.
//!
//! Cash received by staff is money without a bank transfer, yet the ledger credits only
//! transfers (`gift` and `allocation` need one, so totals stay traceable). So cash is
//! recorded as a transfer of provider `cash` keyed on the pledge (its idempotency key: a
//! pledge is received once), credited to the pledge's campaign by an `allocation` entry
//! that carries the staff member's name. Nothing is updated in the ledger; the pledge's
//! status becomes `confirmed` as when a bank transfer pays it.

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use uuid::Uuid;

use super::{Store, StoreError};

/// What marking a cash pledge received wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashReceipt {
    pub pledge_id: String,
    pub reference: String,
    pub campaign_id: String,
    pub amount_vnd: i64,
    pub transfer_id: String,
    pub ledger_entry_id: String,
    pub ledger_seq: i64,
}

/// The transfer text of cash on the public page (masked like any memo; no names).
pub const CASH_TRANSFER_TEXT: &str = "Tiền mặt nhận tại trụ sở";

impl Store {
    /// Records that the cash of pledge `reference` was handed to `staff_member`: a `cash`
    /// transfer and an `allocation` entry naming them, in one transaction. A pledge already
    /// paid (by cash or by a bank transfer) is refused.
    pub fn receive_cash(
        &self,
        reference: &str,
        staff_member: &str,
        now_ms: i64,
    ) -> Result<CashReceipt, StoreError> {
        let staff = crate::text::nfc(staff_member.trim());
        if staff.is_empty() {
            return Err(StoreError::Refused(
                "say who received the cash: --by \"<staff member's name>\"".into(),
            ));
        }
        let reference = reference.trim().to_ascii_uppercase();
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let pledge: Option<(String, String, i64, String)> = tx
            .query_row(
                "SELECT id, campaign_id, amount_vnd, status FROM pledges WHERE reference = ?1",
                params![reference],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((pledge_id, campaign_id, amount_vnd, status)) = pledge else {
            return Err(StoreError::Refused(format!(
                "no pledge {reference:?}; give the 7-character code printed by `phonghop hub \
                 pledge add`"
            )));
        };
        if status == "confirmed" {
            return Err(StoreError::Refused(format!(
                "pledge {reference} is already paid; nothing was recorded (see `phonghop hub \
                 ledger show <campaign>`)"
            )));
        }
        let account: String = tx.query_row(
            "SELECT account FROM campaigns WHERE id = ?1",
            params![campaign_id],
            |r| r.get(0),
        )?;
        let transfer_id = Uuid::now_v7().to_string();
        let raw_json = serde_json::json!({
            "cash_for_pledge": reference,
            "received_by": staff,
        })
        .to_string();
        tx.execute(
            "INSERT INTO transfers (id, provider, provider_txn_id, bank_reference, amount_vnd,
                 transfer_text, sender_name, account, occurred_at_ms, received_at_ms, raw_json,
                 unmatched_reason)
             VALUES (?1, 'cash', ?2, NULL, ?3, ?4, NULL, ?5, ?6, ?6, ?7, NULL)",
            params![
                transfer_id,
                pledge_id,
                amount_vnd,
                CASH_TRANSFER_TEXT,
                account,
                now_ms,
                raw_json
            ],
        )?;
        let entry_id = Uuid::now_v7().to_string();
        tx.execute(
            "INSERT INTO ledger_entries (id, campaign_id, kind, amount_vnd, transfer_id, pledge_id,
                 reason, staff_member, created_at_ms)
             VALUES (?1, ?2, 'allocation', ?3, ?4, ?5, 'cash received at the office', ?6, ?7)",
            params![
                entry_id,
                campaign_id,
                amount_vnd,
                transfer_id,
                pledge_id,
                staff,
                now_ms
            ],
        )?;
        tx.execute(
            "UPDATE pledges SET status = 'confirmed' WHERE id = ?1",
            params![pledge_id],
        )?;
        let ledger_seq: i64 = tx.query_row(
            "SELECT seq FROM ledger_entries WHERE id = ?1",
            params![entry_id],
            |r| r.get(0),
        )?;
        tx.commit()?;
        Ok(CashReceipt {
            pledge_id,
            reference,
            campaign_id,
            amount_vnd,
            transfer_id,
            ledger_entry_id: entry_id,
            ledger_seq,
        })
    }
}
