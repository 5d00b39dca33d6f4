//! Pledges staff record at the hub: a resident who pledges by phone, at a meeting, or in
//! cash at the office gets the same reference code and VietQR a kiosk would give, and a
//! cash pledge is marked received with the name of the staff member who took the money.
//!
//! Unlike the rest of `contrib`, these functions act on the hub's [`Store`]: they are the
//! operations behind `phonghop hub pledge add|received`, callable without the command line.

use rand::Rng;

use crate::store::{Campaign, CashReceipt, Pledge, Store, StoreError};
use crate::vietqr::{self, AmountVnd, VietQr};

/// How the resident will pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PledgeMethod {
    /// Hands cash to staff, who then mark it received ([`receive_cash`]).
    Cash,
    /// Transfers with the code in the memo (the VietQR pre-fills it); the bank notification
    /// confirms the pledge.
    Transfer,
}

/// What staff type for a pledge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffPledgeRequest {
    /// Campaign id or slug.
    pub campaign: String,
    pub amount_vnd: i64,
    /// Shown on the public page, so only with `consent_public`.
    pub donor_name: Option<String>,
    pub consent_public: bool,
    pub method: PledgeMethod,
}

/// A recorded pledge and what to give the resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffPledge {
    pub pledge: Pledge,
    pub campaign_slug: String,
    pub campaign_title: String,
    /// The code the transfer memo must carry (or the cash receipt names).
    pub reference: String,
    /// The dynamic VietQR: the campaign's account, the amount and the code in the purpose.
    pub vietqr_payload: String,
    pub method: PledgeMethod,
}

/// Why a pledge was not recorded; each says what to type instead.
#[derive(Debug, thiserror::Error)]
pub enum PledgeError {
    #[error("no campaign {0:?}; `phonghop hub campaign list` shows ids and slugs")]
    NoCampaign(String),
    #[error("campaign {0} is closed; it takes no new pledges")]
    CampaignClosed(String),
    #[error("{0} VND is not an amount a VietQR can carry; give whole dong above 0")]
    BadAmount(i64),
    #[error(
        "a donor's name is shown on the public page: pass --consent-public when the donor \
         agreed to that, or leave --name out (anonymous)"
    )]
    NameWithoutConsent,
    #[error("--name is empty; leave it out for an anonymous pledge")]
    EmptyName,
    #[error("campaign {slug}: bank BIN {bin} is not in the bank list ({note})")]
    UnknownBank {
        slug: String,
        bin: String,
        note: &'static str,
    },
    #[error("campaign {slug}: {source}")]
    VietQr {
        slug: String,
        source: vietqr::BuildError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PledgeError {
    /// 2 for input to fix, 3 for a damaged or newer database, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            PledgeError::Store(StoreError::Corrupt { .. })
            | PledgeError::Store(StoreError::NewerSchema { .. }) => 3,
            PledgeError::Store(StoreError::Sqlite(_))
            | PledgeError::Store(StoreError::Io { .. }) => 1,
            _ => 2,
        }
    }
}

/// Records a pending pledge with a new reference code and builds its VietQR.
pub fn add(
    store: &Store,
    request: &StaffPledgeRequest,
    now_ms: i64,
    rng: &mut impl Rng,
) -> Result<StaffPledge, PledgeError> {
    let donor_name = match &request.donor_name {
        None => None,
        Some(name) => {
            let name = crate::text::nfc(name.trim());
            if name.is_empty() {
                return Err(PledgeError::EmptyName);
            }
            if !request.consent_public {
                return Err(PledgeError::NameWithoutConsent);
            }
            Some(name)
        }
    };
    let amount = u64::try_from(request.amount_vnd)
        .ok()
        .filter(|a| *a > 0)
        .and_then(|a| AmountVnd::new(a).ok())
        .ok_or(PledgeError::BadAmount(request.amount_vnd))?;
    let campaign = store
        .campaign(&request.campaign)?
        .ok_or_else(|| PledgeError::NoCampaign(request.campaign.clone()))?;
    if !campaign.is_open() {
        return Err(PledgeError::CampaignClosed(campaign.slug));
    }
    let reference = crate::contrib::reference::new_pledge_code(rng);
    let qr = pledge_qr(&campaign, &reference, amount)?;
    let pledge = Pledge {
        id: uuid::Uuid::now_v7().to_string(),
        room_id: None,
        campaign_id: campaign.id.clone(),
        reference: reference.clone(),
        amount_vnd: request.amount_vnd,
        donor_name,
        status: crate::contrib::PledgeStatus::Pending,
        created_at_ms: now_ms,
    };
    let (pledge, _) = store.record_pledge(&pledge)?;
    Ok(StaffPledge {
        pledge,
        campaign_slug: campaign.slug,
        campaign_title: campaign.title,
        reference,
        vietqr_payload: qr,
        method: request.method,
    })
}

/// The dynamic VietQR payload of a pledge: the campaign's account, the amount, and the
/// reference code first in the purpose.
fn pledge_qr(
    campaign: &Campaign,
    reference: &str,
    amount: AmountVnd,
) -> Result<String, PledgeError> {
    let bank = vietqr::bank_by_bin(&campaign.bank_bin).ok_or_else(|| PledgeError::UnknownBank {
        slug: campaign.slug.clone(),
        bin: campaign.bank_bin.clone(),
        note: vietqr::banks_snapshot_note(),
    })?;
    let qr = VietQr::builder(bank, &campaign.account)
        .amount(amount)
        .purpose(&crate::contrib::reference::pledge_purpose(
            reference,
            &campaign.title,
        ))
        .build()
        .map_err(|source| PledgeError::VietQr {
            slug: campaign.slug.clone(),
            source,
        })?;
    Ok(qr.to_payload())
}

/// A recorded pledge of `campaign` and its VietQR again, by reference code: to show or
/// print it after it was recorded. `None` when the campaign has no such pledge.
pub fn qr_of(
    store: &Store,
    campaign: &Campaign,
    reference: &str,
) -> Result<Option<(Pledge, String)>, PledgeError> {
    let Some(pledge) = store
        .pledge(&reference.trim().to_ascii_uppercase())?
        .filter(|p| p.campaign_id == campaign.id)
    else {
        return Ok(None);
    };
    let amount = u64::try_from(pledge.amount_vnd)
        .ok()
        .and_then(|a| AmountVnd::new(a).ok())
        .ok_or(PledgeError::BadAmount(pledge.amount_vnd))?;
    let payload = pledge_qr(campaign, &pledge.reference, amount)?;
    Ok(Some((pledge, payload)))
}

/// Marks the cash of pledge `reference` received by `staff_member` (an append-only ledger
/// entry naming them); refused when the pledge is unknown or already paid.
pub fn receive_cash(
    store: &Store,
    reference: &str,
    staff_member: &str,
    now_ms: i64,
) -> Result<CashReceipt, PledgeError> {
    Ok(store.receive_cash(reference, staff_member, now_ms)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn store_with_campaign() -> Store {
        let store = Store::open_in_memory().expect("store");
        store
            .create_campaign(&crate::store::NewCampaign::sample(10_000_000), "QV7N2B", 0)
            .expect("campaign");
        store
    }

    fn request(name: Option<&str>, consent_public: bool) -> StaffPledgeRequest {
        StaffPledgeRequest {
            campaign: "vi-nguoi-ngheo".into(),
            amount_vnd: 200_000,
            donor_name: name.map(str::to_owned),
            consent_public,
            method: PledgeMethod::Cash,
        }
    }

    #[test]
    fn a_pledge_gets_a_code_and_a_qr_that_carries_it_and_the_amount() {
        let store = store_with_campaign();
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let made = add(&store, &request(None, false), 1, &mut rng).expect("pledge");
        let parsed = vietqr::parse(&made.vietqr_payload).expect("a valid VietQR");
        assert_eq!(parsed.amount_vnd, Some(200_000));
        assert_eq!(parsed.account, "0011001234567");
        assert!(
            parsed
                .purpose
                .as_deref()
                .is_some_and(|p| p.starts_with(&made.reference))
        );
        assert_eq!(
            store
                .pledge(&made.reference)
                .expect("read")
                .expect("stored")
                .status,
            crate::contrib::PledgeStatus::Pending
        );
    }

    #[test]
    fn a_name_needs_the_donors_consent_to_be_public() {
        let store = store_with_campaign();
        let mut rng = rand::rngs::StdRng::seed_from_u64(4);
        assert!(matches!(
            add(&store, &request(Some("Lò Thị Mai"), false), 1, &mut rng),
            Err(PledgeError::NameWithoutConsent)
        ));
        let made = add(&store, &request(Some("Lò Thị Mai"), true), 1, &mut rng).expect("pledge");
        assert_eq!(made.pledge.donor_name.as_deref(), Some("Lò Thị Mai"));
    }

    #[test]
    fn cash_is_received_once_with_the_staff_members_name() {
        let store = store_with_campaign();
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let made = add(&store, &request(None, false), 1, &mut rng).expect("pledge");
        let receipt = receive_cash(&store, &made.reference.to_lowercase(), "Vàng A Sính", 2)
            .expect("received");
        let ledger = store.ledger_of(&receipt.campaign_id).expect("ledger");
        assert_eq!(ledger.len(), 1);
        assert_eq!(ledger[0].staff_member.as_deref(), Some("Vàng A Sính"));
        assert_eq!(ledger[0].amount_vnd, 200_000);
        assert!(matches!(
            receive_cash(&store, &made.reference, "Vàng A Sính", 3),
            Err(PledgeError::Store(StoreError::Refused(_)))
        ));
        assert_eq!(
            store.ledger_of(&receipt.campaign_id).expect("ledger").len(),
            1
        );
    }
}
