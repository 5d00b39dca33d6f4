//! Staff operations on campaigns, shared by the `phonghop hub campaign|ledger|poster`
//! commands and the staff API, so each is written once: they check what staff typed, work
//! on the store and return typed results; the caller prints or answers.

use rand::Rng;

use crate::contrib::campaign::{Campaign, CampaignInput, CampaignProblems, CampaignTotals};
use crate::contrib::ledger::LedgerEntry;
use crate::store::{Store, StoreError};

/// Why a campaign operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error(transparent)]
    Invalid(#[from] CampaignProblems),
    #[error("no campaign {0:?}; `phonghop hub campaign list` shows ids and slugs")]
    NoCampaign(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A campaign with its totals, derived from the ledger when asked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CampaignSummary {
    #[serde(flatten)]
    pub campaign: Campaign,
    pub totals: CampaignTotals,
}

/// A campaign's ledger, oldest entry first, with the totals it adds up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignLedger {
    pub campaign: Campaign,
    pub entries: Vec<LedgerEntry>,
    pub totals: CampaignTotals,
}

/// Checks `input` (every problem at once) and creates the campaign with a new poster code.
pub fn create(
    store: &Store,
    input: &CampaignInput,
    now_ms: i64,
    rng: &mut impl Rng,
) -> Result<Campaign, CampaignError> {
    let new = input.check(&crate::report::vietnam_date(now_ms))?;
    let poster_code = crate::contrib::reference::new_poster_code(rng);
    Ok(store.create_campaign(&new, &poster_code, now_ms)?)
}

/// Every campaign, newest first, with its totals.
pub fn list(store: &Store) -> Result<Vec<CampaignSummary>, StoreError> {
    store
        .campaigns()?
        .into_iter()
        .map(|campaign| {
            let totals = store.campaign_totals(&campaign.id)?;
            Ok(CampaignSummary { campaign, totals })
        })
        .collect()
}

/// A campaign by id or slug; its absence is a refusal that says where to look.
pub fn find(store: &Store, key: &str) -> Result<Campaign, CampaignError> {
    store
        .campaign(key)?
        .ok_or_else(|| CampaignError::NoCampaign(key.to_owned()))
}

/// A campaign's ledger and totals, by id or slug.
pub fn ledger(store: &Store, key: &str) -> Result<CampaignLedger, CampaignError> {
    let campaign = find(store, key)?;
    let entries = store.ledger_of(&campaign.id)?;
    let totals = store.campaign_totals(&campaign.id)?;
    Ok(CampaignLedger {
        campaign,
        entries,
        totals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(slug: &str) -> CampaignInput {
        CampaignInput {
            slug: slug.into(),
            title: "Áo ấm cho em".into(),
            story: String::new(),
            bank: "VCB".into(),
            account: "0011001234567".into(),
            account_name: "UBND XA LAO CHAI".into(),
            goal_vnd: 50_000_000,
            starts_on: "2026-11-01".into(),
            ends_on: "2026-12-31".into(),
        }
    }

    #[test]
    fn a_created_campaign_is_listed_with_empty_totals_and_found_by_slug() {
        let store = Store::open_in_memory().expect("store");
        let now = 1_700_000_000_000;
        let made = create(&store, &input("ao-am-2026"), now, &mut rand::rng()).expect("create");
        let listed = list(&store).expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].campaign, made);
        assert_eq!(listed[0].totals, CampaignTotals::default());
        let book = ledger(&store, "ao-am-2026").expect("ledger");
        assert_eq!(book.campaign.id, made.id);
        assert!(book.entries.is_empty());
    }

    #[test]
    fn bad_input_and_unknown_campaigns_are_refused_with_what_to_fix() {
        let store = Store::open_in_memory().expect("store");
        let refused = create(&store, &input("X"), 0, &mut rand::rng()).expect_err("bad slug");
        assert!(
            matches!(refused, CampaignError::Invalid(ref p) if p.0.len() == 1),
            "{refused:?}"
        );
        assert!(list(&store).expect("list").is_empty());
        let missing = ledger(&store, "nope").expect_err("no campaign");
        assert!(missing.to_string().contains("campaign list"), "{missing}");
    }
}
