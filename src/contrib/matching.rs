//! Deciding what an incoming transfer pays for, from its memo and amount. No I/O: the store
//! looks up the codes [`code_tokens`] finds and hands the facts to [`decide`].
//!
//! Banks add their own words around the memo the QR pre-filled
//! (`MBVCB.3278907687.UH7K3P9 QUY VI NGUOI NGHEO`), so the code is searched for as a whole
//! token anywhere in the text, in any case; equality is never required.

use super::reference::{CodeKind, classify};

/// Reference codes in `text`, upper-cased, in order of appearance, without repeats. Tokens
/// are runs of ASCII letters and digits; anything else (spaces, dots, dashes, Vietnamese
/// letters) separates them.
pub fn code_tokens(text: &str) -> Vec<(String, CodeKind)> {
    let mut found: Vec<(String, CodeKind)> = Vec::new();
    for token in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let token = token.to_ascii_uppercase();
        if let Some(kind) = classify(&token)
            && !found.iter().any(|(t, _)| *t == token)
        {
            found.push((token, kind));
        }
    }
    found
}

/// What the store knows about the campaign a code points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignFacts {
    pub campaign_id: String,
    pub slug: String,
    pub open: bool,
    /// The beneficiary account the campaign collects on.
    pub account: String,
}

/// What the store knows about a pledge whose code was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PledgeFacts {
    pub pledge_id: String,
    pub reference: String,
    pub amount_vnd: i64,
    /// Another transfer already paid it.
    pub confirmed: bool,
    pub campaign: CampaignFacts,
}

/// A known code found in the memo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A dynamic (kiosk) code: the amount must be the pledge's.
    Pledge(PledgeFacts),
    /// A campaign's static poster code: any amount.
    Poster {
        code: String,
        campaign: CampaignFacts,
    },
}

/// Where a transfer goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Credit the campaign (and confirm the pledge) with a `gift` ledger entry.
    Gift {
        campaign_id: String,
        pledge_id: Option<String>,
    },
    /// No ledger entry: staff look at it in the unallocated queue, with this reason.
    Unallocated { reason: String },
}

fn unallocated(reason: impl Into<String>) -> Decision {
    Decision::Unallocated {
        reason: reason.into(),
    }
}

/// Checks that apply to pledge and poster codes alike.
fn campaign_refusal(campaign: &CampaignFacts, account: &str) -> Option<Decision> {
    if !campaign.open {
        return Some(unallocated(format!("campaign {} is closed", campaign.slug)));
    }
    if super::normalize_account(&campaign.account) != super::normalize_account(account) {
        return Some(unallocated(format!(
            "arrived on account {account} but campaign {} collects on {}",
            campaign.slug, campaign.account
        )));
    }
    None
}

/// Decides where a transfer of `amount_vnd` that arrived on `account` goes, given the known
/// codes found in its memo (unknown codes are simply not in `found`).
pub fn decide(amount_vnd: i64, account: &str, found: &[Found]) -> Decision {
    let pledges: Vec<&PledgeFacts> = found
        .iter()
        .filter_map(|f| match f {
            Found::Pledge(p) => Some(p),
            Found::Poster { .. } => None,
        })
        .collect();
    match pledges.as_slice() {
        [pledge] => {
            if let Some(refusal) = campaign_refusal(&pledge.campaign, account) {
                return refusal;
            }
            if pledge.confirmed {
                return unallocated(format!(
                    "pledge {} was already paid by another transfer",
                    pledge.reference
                ));
            }
            if pledge.amount_vnd != amount_vnd {
                return unallocated(format!(
                    "amount {amount_vnd} ≠ pledge {} ({})",
                    pledge.amount_vnd, pledge.reference
                ));
            }
            return Decision::Gift {
                campaign_id: pledge.campaign.campaign_id.clone(),
                pledge_id: Some(pledge.pledge_id.clone()),
            };
        }
        [_, _, ..] => {
            let codes: Vec<&str> = pledges.iter().map(|p| p.reference.as_str()).collect();
            return unallocated(format!("several pledge codes: {}", codes.join(", ")));
        }
        [] => {}
    }
    let mut posters: Vec<(&str, &CampaignFacts)> = Vec::new();
    for f in found {
        if let Found::Poster { code, campaign } = f
            && !posters
                .iter()
                .any(|(_, c)| c.campaign_id == campaign.campaign_id)
        {
            posters.push((code, campaign));
        }
    }
    match posters.as_slice() {
        [] => unallocated("no reference code"),
        [(_, campaign)] => campaign_refusal(campaign, account).unwrap_or(Decision::Gift {
            campaign_id: campaign.campaign_id.clone(),
            pledge_id: None,
        }),
        _ => {
            let codes: Vec<&str> = posters.iter().map(|(code, _)| *code).collect();
            unallocated(format!(
                "poster codes of several campaigns: {}",
                codes.join(", ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign(open: bool) -> CampaignFacts {
        CampaignFacts {
            campaign_id: "c1".into(),
            slug: "vi-nguoi-ngheo".into(),
            open,
            account: "0011001234567".into(),
        }
    }

    fn pledge(amount_vnd: i64) -> Found {
        Found::Pledge(PledgeFacts {
            pledge_id: "p1".into(),
            reference: "UH7K3P9".into(),
            amount_vnd,
            confirmed: false,
            campaign: campaign(true),
        })
    }

    #[test]
    fn the_code_is_found_among_the_banks_own_words_in_any_case() {
        let tokens = code_tokens("MBVCB.3278907687.uh7k3p9 QUY VI NGUOI NGHEO");
        assert_eq!(tokens, vec![("UH7K3P9".to_owned(), CodeKind::Pledge)]);
        assert!(code_tokens("XUH7K3P9 chuyen tien").is_empty());
        assert!(code_tokens("no code here 0912345678").is_empty());
    }

    #[test]
    fn a_pledge_is_paid_only_by_its_exact_amount() {
        assert_eq!(
            decide(100_000, "0011001234567", &[pledge(100_000)]),
            Decision::Gift {
                campaign_id: "c1".into(),
                pledge_id: Some("p1".into())
            }
        );
        assert_eq!(
            decide(150_000, "0011001234567", &[pledge(100_000)]),
            Decision::Unallocated {
                reason: "amount 150000 ≠ pledge 100000 (UH7K3P9)".into()
            }
        );
    }

    #[test]
    fn a_poster_code_takes_any_amount_unless_the_campaign_is_closed() {
        let poster = |open| Found::Poster {
            code: "QV7N2B".into(),
            campaign: campaign(open),
        };
        assert!(matches!(
            decide(123_456, "0011001234567", &[poster(true)]),
            Decision::Gift {
                pledge_id: None,
                ..
            }
        ));
        assert!(matches!(
            decide(123_456, "0011001234567", &[poster(false)]),
            Decision::Unallocated { reason } if reason.contains("closed")
        ));
    }

    #[test]
    fn nothing_found_is_unallocated_with_its_reason() {
        assert_eq!(
            decide(1, "x", &[]),
            Decision::Unallocated {
                reason: "no reference code".into()
            }
        );
    }
}
