//! Campaigns: what staff set up, checking what they type (for the CLI and the staff API
//! alike), and what the ledger says about a campaign.

use serde::{Deserialize, Serialize};

use super::ledger::{LedgerEntry, Transfer};
use super::matching::CampaignFacts;

crate::names::text_enum! {
    /// Whether a campaign takes money: transfers for a closed one go to the unallocated
    /// queue.
    pub enum CampaignStatus as "campaign status" {
        Open = "open",
        Closed = "closed",
    }
}

/// A fundraising campaign, as staff set it up at the hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Campaign {
    pub id: String,
    /// Public URL part: `/c/<slug>`.
    pub slug: String,
    /// The static reference code printed in the poster QR's purpose.
    pub poster_code: String,
    pub title: String,
    pub story: String,
    pub bank_bin: String,
    pub account: String,
    pub account_name: String,
    pub goal_vnd: i64,
    /// `YYYY-MM-DD`, Vietnam time.
    pub starts_on: String,
    pub ends_on: String,
    pub status: CampaignStatus,
    pub created_at_ms: i64,
    pub closed_at_ms: Option<i64>,
}

impl Campaign {
    pub fn is_open(&self) -> bool {
        self.status == CampaignStatus::Open
    }

    /// What matching needs to know about the campaign a code points to.
    pub fn facts(&self) -> CampaignFacts {
        CampaignFacts {
            campaign_id: self.id.clone(),
            slug: self.slug.clone(),
            open: self.is_open(),
            account: self.account.clone(),
        }
    }
}

/// What staff type to create a campaign, checked ([`CampaignInput::check`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NewCampaign {
    pub slug: String,
    pub title: String,
    pub story: String,
    pub bank_bin: String,
    pub account: String,
    pub account_name: String,
    pub goal_vnd: i64,
    pub starts_on: String,
    pub ends_on: String,
}

/// Derived from the ledger, never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct CampaignTotals {
    /// Sum of every entry of the campaign.
    pub raised_vnd: i64,
    /// Transfers credited (gifts and allocations) and not refunded.
    pub gifts: u64,
    /// Time of the latest entry.
    pub last_update_ms: Option<i64>,
}

/// One ledger entry with what the public page may show about it (still unmasked: the
/// page's renderer masks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLine {
    pub entry: LedgerEntry,
    pub transfer: Option<Transfer>,
    /// The pledge's donor name, present only when the donor consented.
    pub donor_name: Option<String>,
}

/// A campaign with its totals and every ledger entry, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignReport {
    pub campaign: Campaign,
    pub totals: CampaignTotals,
    pub lines: Vec<ReportLine>,
}

/// A campaign as typed; [`CampaignInput::check`] turns it into a [`NewCampaign`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CampaignInput {
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub story: String,
    /// BIN (970436) or a short name (VCB, Vietcombank, BIDV, ...).
    pub bank: String,
    pub account: String,
    pub account_name: String,
    pub goal_vnd: i64,
    /// `YYYY-MM-DD`; today (Vietnam time) when empty.
    #[serde(default)]
    pub starts_on: String,
    pub ends_on: String,
}

fn date(text: &str) -> Option<jiff::civil::Date> {
    text.trim().parse::<jiff::civil::Date>().ok()
}

impl CampaignInput {
    /// Every problem at once, each naming the field and what to type instead.
    pub fn check(&self, today: &str) -> Result<NewCampaign, Vec<String>> {
        let mut problems = Vec::new();
        let slug = self.slug.trim().to_owned();
        if slug.len() < 3
            || slug.len() > 60
            || !slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            || slug.starts_with('-')
            || slug.ends_with('-')
        {
            problems.push(format!(
                "slug {slug:?}: use 3-60 lowercase letters, digits and '-', such as vi-nguoi-ngheo-2026 \
                 (it is the page's address: /c/<slug>)"
            ));
        }
        let title = crate::text::nfc(self.title.trim());
        if title.is_empty() {
            problems.push("title: empty; give the campaign's name".into());
        }
        let bank = crate::vietqr::find_bank(&self.bank);
        if bank.is_none() {
            let suggestions: Vec<String> = crate::vietqr::suggest_banks(&self.bank, 3)
                .iter()
                .map(|b| format!("{} ({})", b.short_name, b.bin))
                .collect();
            problems.push(format!(
                "bank {:?}: not in the bank list; give a BIN or short name{}",
                self.bank,
                if suggestions.is_empty() {
                    String::new()
                } else {
                    format!(", e.g. {}", suggestions.join(", "))
                }
            ));
        }
        let account = self.account.trim().to_owned();
        if let Err(e) = crate::vietqr::AccountId::new(&account) {
            problems.push(format!("account {account:?}: {e}"));
        }
        let account_name = crate::text::nfc(self.account_name.trim());
        if account_name.is_empty() {
            problems
                .push("account name: empty; give the account holder as the bank shows it".into());
        }
        if self.goal_vnd <= 0 {
            problems.push(format!(
                "goal {}: give the goal in whole dong, more than 0, such as 50000000",
                self.goal_vnd
            ));
        }
        let starts_text = if self.starts_on.trim().is_empty() {
            today
        } else {
            self.starts_on.trim()
        };
        let starts = date(starts_text);
        if starts.is_none() {
            problems.push(format!("starts {starts_text:?}: use YYYY-MM-DD"));
        }
        let ends = date(&self.ends_on);
        match (starts, ends) {
            (_, None) => problems.push(format!("ends {:?}: use YYYY-MM-DD", self.ends_on)),
            (Some(s), Some(e)) if e < s => {
                problems.push(format!("ends {e} is before starts {s}"));
            }
            _ => {}
        }
        match (bank, starts, ends) {
            (Some(bank), Some(starts), Some(ends)) if problems.is_empty() => Ok(NewCampaign {
                slug,
                title,
                story: crate::text::nfc(self.story.trim()),
                bank_bin: bank.bin.clone(),
                account,
                account_name,
                goal_vnd: self.goal_vnd,
                starts_on: starts.to_string(),
                ends_on: ends.to_string(),
            }),
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_named_at_once() {
        let input = CampaignInput {
            slug: "Bad Slug".into(),
            title: " ".into(),
            story: String::new(),
            bank: "nobank".into(),
            account: "12-34".into(),
            account_name: "X".into(),
            goal_vnd: 0,
            starts_on: "2026-12-01".into(),
            ends_on: "2026-11-01".into(),
        };
        let problems = input.check("2026-11-23").expect_err("invalid");
        assert_eq!(problems.len(), 6, "{problems:#?}");
    }
}
