//! Cashless contributions at the hub: campaigns, pledge reference codes, bank-transfer
//! notifications (webhooks and statement imports), matching transfers to pledges, the
//! public transparency page and the printable poster.
//!
//! Everything here is logic without I/O: time comes in as `now_ms`, bytes
//! come in as arguments. The types here are the domain's: `crate::store` (`store/contrib.rs`,
//! `store/room_contrib.rs`) reads and writes them and holds the SQL; nothing here depends on
//! the store. The hub's routes are in `crate::hub::contrib_api`.

pub mod campaign;
pub mod ledger;
pub mod matching;
pub mod pdf_page;
pub mod poster;
pub mod public;
pub mod reference;
pub mod statement;
pub mod webhooks;

pub use campaign::{
    Campaign, CampaignReport, CampaignStatus, CampaignTotals, NewCampaign, ReportLine,
};
pub use ledger::{
    EntryKind, ImportSummary, LedgerEntry, NoteRefusal, Pledge, PledgeState, PledgeStatus,
    StaffNote, Transfer, TransferOutcome, WallEntry,
};

/// One incoming transfer as a provider (webhook or statement line) reported it, checked and
/// ready to be stored; the store records it at most once (a stored one is a [`Transfer`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingTransfer {
    /// `sepay`, `casso`, `generic` or `statement:<account>`; with `provider_txn_id` the
    /// idempotency key of repeated deliveries.
    pub provider: String,
    pub provider_txn_id: String,
    /// The bank's own reference (FT…); donors find themselves on the public page by it.
    pub bank_reference: Option<String>,
    pub amount_vnd: i64,
    /// The memo as the bank wrote it; shown publicly only masked.
    pub transfer_text: String,
    /// Everything the provider sent that may contain the reference code (memo, full
    /// statement line, provider-recognised code), searched by [`matching`].
    pub match_text: String,
    /// The sender's account name when the provider tells it: kept for staff, and masked
    /// out of the public memo.
    pub sender_name: Option<String>,
    /// The beneficiary account the money arrived on.
    pub account: String,
    pub occurred_at_ms: i64,
    /// What the provider sent, verbatim, for audits.
    pub raw_json: String,
}

pub use crate::text::normalize_account;

/// Parses a bank's local time (`2026-11-23 10:15:00`, `2026-11-23 10:15`, `2026-11-23`, or
/// `2026-11-23T10:15:00`) as Vietnam time, or an RFC 3339 time with an offset; returns Unix ms.
pub fn parse_bank_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond());
    }
    let civil = text
        .replacen('T', " ", 1)
        .parse::<jiff::civil::DateTime>()
        .ok()
        .or_else(|| {
            text.parse::<jiff::civil::Date>()
                .ok()
                .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        })?;
    // Vietnam has one time zone, UTC+7, without daylight saving: banks write local times.
    civil
        .to_zoned_datetime(crate::report::vietnam())
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

/// The kiosk's contribution screen names it here (src/kiosk/contribute.rs).
pub use crate::report::vietnam_time;

/// `1234567` → `1.234.567` (Vietnamese thousands separator), signed.
pub fn format_vnd(amount_vnd: i64) -> String {
    let digits = amount_vnd.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if amount_vnd < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bank_local_time_is_vietnam_time() {
        let ms = parse_bank_time("2026-11-23 10:15:00").expect("parses");
        assert_eq!(crate::clock::rfc3339(ms), "2026-11-23T03:15:00Z");
        assert_eq!(parse_bank_time("2026-11-23T03:15:00Z"), Some(ms));
        assert_eq!(parse_bank_time("2026-11-23 10:15"), Some(ms));
        assert!(parse_bank_time("23/11/2026").is_none());
        assert_eq!(vietnam_time(ms), "2026-11-23 10:15");
    }

    #[test]
    fn amounts_are_grouped_with_dots() {
        assert_eq!(format_vnd(0), "0");
        assert_eq!(format_vnd(100_000), "100.000");
        assert_eq!(format_vnd(-1_234_567), "-1.234.567");
    }

    #[test]
    fn accounts_compare_without_separators() {
        assert_eq!(normalize_account(" 0011 0012-34567 "), "0011001234567");
    }
}
