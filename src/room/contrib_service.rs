//! What the kiosk asks the room about contributions: the campaigns (the room's copy, so the
//! list shows with the link down), making a pledge (durable before its QR is shown), whether
//! a pledge is confirmed yet, and the latest gifts for the donor wall.

use std::sync::Arc;

use tokio::sync::oneshot;
use uuid::Uuid;

use super::Room;
use crate::store::{PledgeState, WallEntry};
use crate::vietqr::{self, AmountVnd, VietQr};
use crate::wire::{CampaignInfo, PledgeRecord, Record};

/// Why the room could not do what the contribution screens asked. The words are for the
/// log; the kiosk shows the text of [`ContribError::text_key`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContribError {
    #[error("campaign {0} is not open at this room")]
    CampaignClosed(String),
    #[error("campaign {slug}: bank BIN {bin} is not in the bank list")]
    UnknownBank { slug: String, bin: String },
    #[error("{0} VND is not an amount a VietQR can carry")]
    BadAmount(i64),
    #[error("campaign {slug}: {detail}")]
    Qr { slug: String, detail: String },
    #[error("the room's database refused it: {0}")]
    Store(String),
    #[error("no free reference code after 32 tries")]
    NoFreeCode,
    #[error("the room service stopped")]
    Stopped,
    #[error("no such campaign in the preview")]
    Preview,
}

impl ContribError {
    /// Every variant's kiosk text key (a test checks each exists in every language).
    pub const TEXT_KEYS: [&'static str; 3] =
        ["contribute-closed", "contribute-failed", "error-stopped"];

    /// The key of the kiosk text that explains this to a donor.
    pub fn text_key(&self) -> &'static str {
        match self {
            ContribError::CampaignClosed(_) => Self::TEXT_KEYS[0],
            ContribError::Stopped => Self::TEXT_KEYS[2],
            ContribError::UnknownBank { .. }
            | ContribError::BadAmount(_)
            | ContribError::Qr { .. }
            | ContribError::Store(_)
            | ContribError::NoFreeCode
            | ContribError::Preview => Self::TEXT_KEYS[1],
        }
    }
}

impl From<crate::store::StoreError> for ContribError {
    fn from(e: crate::store::StoreError) -> Self {
        ContribError::Store(e.to_string())
    }
}

/// What the donor chose on the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PledgeDraft {
    pub campaign_id: String,
    pub amount_vnd: i64,
    /// Only after the donor's explicit consent tap; `None` is anonymous (the default).
    pub donor_name: Option<String>,
}

/// What the kiosk shows for a stored pledge: the dynamic VietQR and the words beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PledgeTicket {
    pub reference_code: String,
    /// The EMVCo payload to draw (amount fixed, reference code first in the purpose).
    pub payload: String,
    pub amount_vnd: i64,
    pub campaign_title: String,
    /// The bank as people know it, e.g. `Vietcombank`.
    pub bank_name: String,
    pub account: String,
    pub account_name: String,
}

#[derive(Debug)]
pub enum ContribRequest {
    ListCampaigns {
        reply: oneshot::Sender<Result<Vec<CampaignInfo>, ContribError>>,
    },
    CreatePledge {
        draft: PledgeDraft,
        reply: oneshot::Sender<Result<PledgeTicket, ContribError>>,
    },
    /// `None`: this room never made a pledge with that code.
    PledgeStatus {
        reference_code: String,
        reply: oneshot::Sender<Result<Option<PledgeState>, ContribError>>,
    },
    DonorWall {
        limit: usize,
        reply: oneshot::Sender<Result<Vec<WallEntry>, ContribError>>,
    },
}

pub use crate::contrib::reference::pledge_purpose;

/// Builds what the kiosk shows for a pledge; pure, so previews and tests make the same.
pub fn pledge_ticket(
    campaign: &CampaignInfo,
    reference_code: &str,
    amount_vnd: i64,
) -> Result<PledgeTicket, ContribError> {
    let bank =
        vietqr::bank_by_bin(&campaign.bank_bin).ok_or_else(|| ContribError::UnknownBank {
            slug: campaign.slug.clone(),
            bin: campaign.bank_bin.clone(),
        })?;
    let amount = u64::try_from(amount_vnd)
        .ok()
        .and_then(|a| AmountVnd::new(a).ok())
        .ok_or(ContribError::BadAmount(amount_vnd))?;
    let qr = VietQr::builder(bank, &campaign.account)
        .amount(amount)
        .purpose(&pledge_purpose(reference_code, &campaign.title))
        .build()
        .map_err(|e| ContribError::Qr {
            slug: campaign.slug.clone(),
            detail: e.to_string(),
        })?;
    Ok(PledgeTicket {
        reference_code: reference_code.to_owned(),
        payload: qr.to_payload(),
        amount_vnd,
        campaign_title: campaign.title.clone(),
        bank_name: bank.short_name.clone(),
        account: campaign.account.clone(),
        account_name: campaign.account_name.clone(),
    })
}

pub(super) async fn handle(room: &Arc<Room>, request: ContribRequest) {
    match request {
        ContribRequest::ListCampaigns { reply } => {
            let result = room
                .store
                .call(|s| s.room_campaigns())
                .await
                .map_err(ContribError::from);
            let _ = reply.send(result);
        }
        ContribRequest::CreatePledge { draft, reply } => {
            let result = create_pledge(room, draft).await;
            if let Err(e) = &result {
                tracing::error!(error = %e, "pledge not stored");
            }
            let _ = reply.send(result);
        }
        ContribRequest::PledgeStatus {
            reference_code,
            reply,
        } => {
            let result = room
                .store
                .call(move |s| s.room_pledge_state(&reference_code))
                .await
                .map_err(ContribError::from);
            let _ = reply.send(result);
        }
        ContribRequest::DonorWall { limit, reply } => {
            let result = room
                .store
                .call(move |s| s.donor_wall(limit))
                .await
                .map_err(ContribError::from);
            let _ = reply.send(result);
        }
    }
}

/// Makes a reference code here (offline), checks the QR can be built, then stores the
/// pledge and its outbox item together; only then is the QR handed to the kiosk.
async fn create_pledge(room: &Arc<Room>, draft: PledgeDraft) -> Result<PledgeTicket, ContribError> {
    let campaigns = room.store.call(|s| s.room_campaigns()).await?;
    let campaign = campaigns
        .into_iter()
        .find(|c| c.id == draft.campaign_id && c.is_open())
        .ok_or_else(|| ContribError::CampaignClosed(draft.campaign_id.clone()))?;
    let donor_name = draft
        .donor_name
        .map(|n| crate::text::nfc(n.trim()))
        .filter(|n| !n.is_empty());
    let now = crate::clock::now_ms();
    let mut ticket = None;
    let stored = super::service::submit_with_fresh_code(
        room,
        Uuid::now_v7(),
        now,
        || crate::contrib::reference::new_pledge_code(&mut rand::rng()),
        |code| {
            ticket = Some(pledge_ticket(&campaign, code, draft.amount_vnd)?);
            Ok::<_, ContribError>(Record::Pledge(PledgeRecord {
                campaign_id: campaign.id.clone(),
                reference_code: code.to_owned(),
                amount_vnd: draft.amount_vnd,
                donor_name: donor_name.clone(),
                created_at_ms: now,
            }))
        },
    )
    .await?;
    match (stored, ticket) {
        (Some(code), Some(ticket)) if ticket.reference_code == code => Ok(ticket),
        _ => Err(ContribError::NoFreeCode),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pledge_qr_carries_the_amount_and_the_code_first() {
        let campaign = CampaignInfo {
            id: "c1".into(),
            slug: "vi-nguoi-ngheo".into(),
            title: "Quỹ Vì người nghèo".into(),
            story: String::new(),
            bank_bin: "970436".into(),
            account: "0011001234567".into(),
            account_name: "UY BAN MTTQ XA LAO CHAI".into(),
            goal_vnd: 50_000_000,
            raised_vnd: 0,
            gifts: 0,
            last_update_ms: None,
            status: crate::contrib::CampaignStatus::Open,
        };
        let ticket = pledge_ticket(&campaign, "UH7K3P9", 100_000).expect("ticket");
        let parsed = vietqr::parse(&ticket.payload).expect("parses");
        assert_eq!(parsed.amount_vnd, Some(100_000));
        assert_eq!(parsed.initiation, vietqr::Initiation::Dynamic);
        let purpose = parsed.purpose.expect("purpose");
        assert!(purpose.starts_with("UH7K3P9 Quy Vi"), "{purpose}");
        assert!(pledge_ticket(&campaign, "UH7K3P9", 0).is_err());
    }
}
