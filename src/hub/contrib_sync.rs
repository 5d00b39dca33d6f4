//! The contributions part of room ↔ hub sync: checking the pledges rooms upload, and what
//! rooms download (campaigns with totals, confirmations of their own pledges). The routes
//! are the feedback sync's (`/api/v1/sync/up`, `/api/v1/sync/down`).

use uuid::Uuid;

use super::Hub;
use crate::contrib::reference::{self, CodeKind};
use crate::store::StoreError;
use crate::wire::{CampaignInfo, PledgeConfirmation, PledgeRecord};

/// No kiosk pledge is larger than this (VND); a bigger number is a fault, not a gift.
pub const PLEDGE_MAX_VND: i64 = 1_000_000_000;
/// A donor's name as typed on the kiosk.
const DONOR_NAME_MAX_CHARS: usize = 100;

/// Why an uploaded pledge was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PledgeRefusal {
    #[error(
        "pledge {id} has reference code {code:?}, not 7 upper-case letters and digits such as UH7K3P9"
    )]
    Reference { id: Uuid, code: String },
    #[error("pledge {id} is for {amount_vnd} VND, expected 1 to {PLEDGE_MAX_VND}")]
    Amount { id: Uuid, amount_vnd: i64 },
    #[error(
        "pledge {id} has a donor name that is empty or longer than {DONOR_NAME_MAX_CHARS} characters"
    )]
    DonorName { id: Uuid },
}

/// Checks an uploaded pledge before anything is stored.
pub(super) fn validate_pledge(id: Uuid, p: &PledgeRecord) -> Result<(), PledgeRefusal> {
    if reference::normalize(&p.reference_code, CodeKind::Pledge).as_deref()
        != Some(p.reference_code.as_str())
    {
        return Err(PledgeRefusal::Reference {
            id,
            code: p.reference_code.clone(),
        });
    }
    if !(1..=PLEDGE_MAX_VND).contains(&p.amount_vnd) {
        return Err(PledgeRefusal::Amount {
            id,
            amount_vnd: p.amount_vnd,
        });
    }
    if let Some(name) = &p.donor_name
        && (name.trim().is_empty() || name.chars().count() > DONOR_NAME_MAX_CHARS)
    {
        return Err(PledgeRefusal::DonorName { id });
    }
    Ok(())
}

/// What one download carries about contributions.
pub(super) struct Down {
    pub campaigns: Vec<CampaignInfo>,
    pub cursor: i64,
    pub confirmations: Vec<PledgeConfirmation>,
}

pub(super) async fn down(hub: &Hub, room_id: String, cursor: i64) -> Result<Down, StoreError> {
    hub.store
        .call(move |s| {
            let campaigns = s.campaign_infos()?;
            let (cursor, confirmations) = s.pledge_confirmations_for_room(&room_id, cursor)?;
            Ok(Down {
                campaigns,
                cursor,
                confirmations,
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pledge(code: &str, amount_vnd: i64, name: Option<&str>) -> PledgeRecord {
        PledgeRecord {
            campaign_id: "c".into(),
            reference_code: code.into(),
            amount_vnd,
            donor_name: name.map(str::to_owned),
            created_at_ms: 0,
        }
    }

    #[test]
    fn uploaded_pledges_are_checked() {
        let id = Uuid::now_v7();
        assert!(validate_pledge(id, &pledge("UH7K3P9", 100_000, None)).is_ok());
        for (p, expected) in [
            (pledge("uh7k3p9", 100_000, None), "reference code"),
            (pledge("NGHEO", 100_000, None), "reference code"),
            (pledge("UH7K3P9", 0, None), "expected 1 to"),
            (pledge("UH7K3P9", 100_000, Some(" ")), "donor name"),
        ] {
            let err = validate_pledge(id, &p).expect_err(expected).to_string();
            assert!(err.contains(expected), "{err}");
        }
    }
}
