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

#[cfg(test)]
impl NewCampaign {
    /// The Fund for the Poor of the unit tests, with `goal_vnd`, open through December 2026.
    pub(crate) fn sample(goal_vnd: i64) -> Self {
        NewCampaign {
            slug: "vi-nguoi-ngheo".into(),
            title: "Quỹ Vì người nghèo".into(),
            story: String::new(),
            bank_bin: "970436".into(),
            account: "0011001234567".into(),
            account_name: "UY BAN MTTQ".into(),
            goal_vnd,
            starts_on: "2026-11-01".into(),
            ends_on: "2026-12-31".into(),
        }
    }
}

#[cfg(test)]
impl super::IncomingTransfer {
    /// A generic-format transfer of the unit tests to the sample campaign's account.
    pub(crate) fn sample(id: &str, amount_vnd: i64, text: &str) -> Self {
        super::IncomingTransfer {
            provider: "generic".into(),
            provider_txn_id: id.into(),
            bank_reference: Some(format!("FT{id}")),
            amount_vnd,
            transfer_text: text.into(),
            match_text: text.into(),
            sender_name: None,
            account: "0011001234567".into(),
            occurred_at_ms: 0,
            raw_json: "{}".into(),
        }
    }
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

/// One thing wrong with a [`CampaignInput`]; each names the field and what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CampaignProblem {
    #[error(
        "slug {0:?}: use 3-60 lowercase letters, digits and '-', such as vi-nguoi-ngheo-2026 \
         (it is the page's address: /c/<slug>)"
    )]
    Slug(String),
    #[error("title: empty; give the campaign's name")]
    EmptyTitle,
    #[error(
        "bank {given:?}: not in the bank list; give a BIN or short name{}",
        suggestions_text(suggestions)
    )]
    UnknownBank {
        given: String,
        /// Close bank names, as `VCB (970436)`.
        suggestions: Vec<String>,
    },
    #[error("account {given:?}: {reason}")]
    Account {
        given: String,
        reason: crate::vietqr::AccountError,
    },
    #[error("account name: empty; give the account holder as the bank shows it")]
    EmptyAccountName,
    #[error("goal {0}: give the goal in whole dong, more than 0, such as 50000000")]
    Goal(i64),
    #[error("starts {0:?}: use YYYY-MM-DD")]
    StartsNotADate(String),
    #[error("ends {0:?}: use YYYY-MM-DD")]
    EndsNotADate(String),
    #[error("ends {ends} is before starts {starts}")]
    EndsBeforeStarts {
        starts: jiff::civil::Date,
        ends: jiff::civil::Date,
    },
}

fn suggestions_text(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!(", e.g. {}", suggestions.join(", "))
    }
}

/// Every problem of a [`CampaignInput`] at once (never empty), one a line when shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.joined("\n"))]
pub struct CampaignProblems(pub Vec<CampaignProblem>);

impl CampaignProblems {
    /// The problems' texts with `separator` between them (a line break for a terminal,
    /// `; ` for a one-line API message).
    pub fn joined(&self, separator: &str) -> String {
        self.0
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(separator)
    }
}

impl CampaignInput {
    /// Every problem at once, each naming the field and what to type instead.
    pub fn check(&self, today: &str) -> Result<NewCampaign, CampaignProblems> {
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
            problems.push(CampaignProblem::Slug(slug.clone()));
        }
        let title = crate::text::nfc(self.title.trim());
        if title.is_empty() {
            problems.push(CampaignProblem::EmptyTitle);
        }
        let bank = crate::vietqr::find_bank(&self.bank);
        if bank.is_none() {
            problems.push(CampaignProblem::UnknownBank {
                given: self.bank.clone(),
                suggestions: crate::vietqr::suggest_banks(&self.bank, 3)
                    .iter()
                    .map(|b| format!("{} ({})", b.short_name, b.bin))
                    .collect(),
            });
        }
        let account = self.account.trim().to_owned();
        if let Err(reason) = crate::vietqr::AccountId::new(&account) {
            problems.push(CampaignProblem::Account {
                given: account.clone(),
                reason,
            });
        }
        let account_name = crate::text::nfc(self.account_name.trim());
        if account_name.is_empty() {
            problems.push(CampaignProblem::EmptyAccountName);
        }
        if self.goal_vnd <= 0 {
            problems.push(CampaignProblem::Goal(self.goal_vnd));
        }
        let starts_text = if self.starts_on.trim().is_empty() {
            today
        } else {
            self.starts_on.trim()
        };
        let starts = date(starts_text);
        if starts.is_none() {
            problems.push(CampaignProblem::StartsNotADate(starts_text.to_owned()));
        }
        let ends = date(&self.ends_on);
        match (starts, ends) {
            (_, None) => problems.push(CampaignProblem::EndsNotADate(self.ends_on.clone())),
            (Some(starts), Some(ends)) if ends < starts => {
                problems.push(CampaignProblem::EndsBeforeStarts { starts, ends });
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
            _ => Err(CampaignProblems(problems)),
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
        let problems = input.check("2026-11-23").expect_err("invalid").0;
        assert_eq!(problems.len(), 6, "{problems:#?}");
        assert!(matches!(problems[0], CampaignProblem::Slug(ref s) if s == "Bad Slug"));
        assert!(problems.contains(&CampaignProblem::EmptyTitle));
        assert!(problems.contains(&CampaignProblem::Goal(0)));
        assert!(problems.iter().any(|p| matches!(
            p,
            CampaignProblem::EndsBeforeStarts { starts, ends }
                if starts.to_string() == "2026-12-01" && ends.to_string() == "2026-11-01"
        )));
    }
}
