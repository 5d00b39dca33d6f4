//! Pledges, transfers and the append-only ledger: what the hub records about money, and
//! what a room knows about its own pledges.
//!
//! Ledger entries are only ever added (a mistake is fixed by a new entry); totals derive
//! from them ([`super::campaign::CampaignTotals`]).

use serde::{Deserialize, Serialize};

crate::names::text_enum! {
    /// Whether a pledge's transfer has arrived.
    pub enum PledgeStatus as "pledge status" {
        Pending = "pending",
        Confirmed = "confirmed",
    }
}

crate::names::text_enum! {
    /// What a ledger entry records.
    pub enum EntryKind as "ledger entry kind" {
        /// A transfer credited automatically (its memo carried a known code).
        Gift = "gift",
        /// A transfer staff credited from the unallocated queue.
        Allocation = "allocation",
        /// A signed adjustment staff made.
        Correction = "correction",
        /// Money sent back: negative.
        Refund = "refund",
    }
}

impl EntryKind {
    /// Gifts and allocations credit a transfer to a campaign (and may confirm a pledge).
    pub fn credits_a_transfer(self) -> bool {
        matches!(self, EntryKind::Gift | EntryKind::Allocation)
    }
}

/// A pledge made at a kiosk (or the hub): a reference code and an amount, waiting for its
/// transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pledge {
    /// UUIDv7 made where the pledge was made: a room's repeated upload is recognised by it.
    pub id: String,
    pub room_id: Option<String>,
    pub campaign_id: String,
    pub reference: String,
    pub amount_vnd: i64,
    /// Only with the donor's consent; `None` is anonymous.
    pub donor_name: Option<String>,
    pub status: PledgeStatus,
    pub created_at_ms: i64,
}

/// A transfer as stored (staff view: it holds the unmasked memo). What a provider reported
/// before it was stored is a [`super::IncomingTransfer`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transfer {
    pub id: String,
    pub provider: String,
    pub provider_txn_id: String,
    pub bank_reference: Option<String>,
    pub amount_vnd: i64,
    pub transfer_text: String,
    pub sender_name: Option<String>,
    pub account: String,
    pub occurred_at_ms: i64,
    pub received_at_ms: i64,
    /// Why automatic matching made no ledger entry.
    pub unmatched_reason: Option<String>,
}

/// What recording a transfer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferOutcome {
    /// Already recorded (the same delivery again, or the same bank transaction from
    /// another source); nothing changed.
    Duplicate { transfer_id: String },
    /// Recorded and credited to a campaign by a `gift` entry.
    Credited {
        transfer_id: String,
        campaign_id: String,
        pledge_id: Option<String>,
    },
    /// Recorded, waiting for staff in the unallocated queue.
    Unallocated { transfer_id: String, reason: String },
}

/// One ledger row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerEntry {
    pub seq: i64,
    pub id: String,
    pub campaign_id: Option<String>,
    pub kind: EntryKind,
    /// Signed: refunds are negative, corrections either.
    pub amount_vnd: i64,
    pub transfer_id: Option<String>,
    pub pledge_id: Option<String>,
    pub reason: String,
    pub staff_member: Option<String>,
    pub created_at_ms: i64,
}

/// Who did a staff action and why; both are required and kept in the ledger.
#[derive(Debug, Clone, Copy)]
pub struct StaffNote<'a> {
    pub staff_member: &'a str,
    pub reason: &'a str,
}

/// What is missing from a [`StaffNote`]; says what to add.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoteRefusal {
    #[error("say who does this: --by \"<staff member's name>\"")]
    NoStaffMember,
    #[error("say why: --reason \"...\" (it is kept in the ledger)")]
    NoReason,
}

impl StaffNote<'_> {
    /// The staff member's name and the reason as the ledger keeps them (trimmed, NFC).
    pub fn checked(self) -> Result<(String, String), NoteRefusal> {
        let staff = crate::text::nfc(self.staff_member.trim());
        let reason = crate::text::nfc(self.reason.trim());
        if staff.is_empty() {
            return Err(NoteRefusal::NoStaffMember);
        }
        if reason.is_empty() {
            return Err(NoteRefusal::NoReason);
        }
        Ok((staff, reason))
    }
}

/// Result of importing many transfers at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    pub new_credited: usize,
    pub new_unallocated: usize,
    pub duplicates: usize,
}

/// A pledge made at this room, as the kiosk asks about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PledgeState {
    /// Stored here (and maybe at the hub); no transfer seen yet.
    Pending,
    Confirmed {
        amount_vnd: i64,
        at_ms: i64,
    },
}

/// One line of the donor wall: a confirmed gift made at this room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WallEntry {
    pub campaign_title: String,
    pub amount_vnd: i64,
    /// The donor's name only when they consented; `None` shows as anonymous.
    pub donor_name: Option<String>,
    pub confirmed_at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staff_note_needs_a_name_and_a_reason() {
        let note = |staff_member, reason| StaffNote {
            staff_member,
            reason,
        };
        assert_eq!(note(" ", "x").checked(), Err(NoteRefusal::NoStaffMember));
        assert_eq!(note("Lan", "\t").checked(), Err(NoteRefusal::NoReason));
        assert_eq!(
            note(" Chi\u{0323} Lan ", "ok").checked(),
            Ok(("Chị Lan".to_owned(), "ok".to_owned()))
        );
    }
}
