//! The "Contribute" flow's state and messages, shared by the shell (which keeps the state
//! and applies [`ContributeCommand`]s) and the screens (which draw it): neither imports the
//! other for them.
//!
//! [`ContributeFlow`] is cleared with every other piece of personal data on Home and idle
//! reset; a command may ask the room for something ([`ContributeRequest`]); the room's
//! answers come back as [`ContributeEvent`]s.

use super::keyboard;
use crate::room::contrib_service::{ContribError, PledgeDraft, PledgeTicket};
use crate::store::{PledgeState, WallEntry};
use crate::vietqr::render::ModuleMatrix;
use crate::wire::CampaignInfo;

/// The steps, each a screen of its own (screenshots, the accessibility walk, Back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Campaigns,
    Amount,
    Name,
    Qr,
    Thanks,
}

impl Step {
    /// Screen names for `--screen` and `Screen::NAMES`.
    pub const NAMES: [(&'static str, Step); 5] = [
        ("contribute", Step::Campaigns),
        ("contribute-amount", Step::Amount),
        ("contribute-name", Step::Name),
        ("contribute-qr", Step::Qr),
        ("contribute-thanks", Step::Thanks),
    ];

    pub fn from_name(name: &str) -> Option<Step> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, step)| *step)
    }
}

/// The preset amounts (VND).
pub const PRESETS_VND: [i64; 4] = [50_000, 100_000, 200_000, 500_000];
/// Bounds of an amount typed on the pad.
pub const OTHER_MIN_VND: i64 = 10_000;
pub const OTHER_MAX_VND: i64 = 100_000_000;
/// How many gifts the donor wall shows.
pub const WALL_LINES: usize = 5;
/// How often the kiosk asks the room whether the shown pledge is confirmed.
pub const STATUS_POLL_MS: i64 = 1_500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContributeCommand {
    PickCampaign(String),
    PickAmount(i64),
    /// Open the number pad for another amount.
    OtherAmount,
    ConfirmOther,
    /// Give anonymously (the default) and show the QR.
    Anonymous,
    /// The explicit consent tap: "show my name on the donor wall".
    GiveName,
    ConfirmName,
    /// Making the pledge failed: try again with the same choices.
    Retry,
}

/// What the app must ask the room (answers come back as [`ContributeEvent`]s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContributeRequest {
    LoadCampaigns,
    CreatePledge(PledgeDraft),
}

/// The room's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContributeEvent {
    Campaigns(Result<Vec<CampaignInfo>, ContribError>),
    Wall(Result<Vec<WallEntry>, ContribError>),
    PledgeCreated(Result<PledgeTicket, ContribError>),
    PledgeStatus {
        reference_code: String,
        state: Result<Option<PledgeState>, ContribError>,
    },
}

/// The flow's state; `Default` is a fresh start.
#[derive(Debug, Default)]
pub struct ContributeFlow {
    /// `None` while the room is asked.
    pub campaigns: Option<Result<Vec<CampaignInfo>, ContribError>>,
    pub wall: Vec<WallEntry>,
    pub campaign: Option<CampaignInfo>,
    pub amount_vnd: Option<i64>,
    pub other_open: bool,
    pub other_entry: String,
    pub other_invalid: bool,
    pub pad: keyboard::KeyboardState,
    /// Set only by the consent tap; the name is kept only then.
    pub consent: bool,
    pub name: String,
    pub name_keyboard: keyboard::KeyboardState,
    /// `None` while the room stores the pledge.
    pub pledge: Option<Result<PledgeTicket, ContribError>>,
    pub qr: Option<ModuleMatrix>,
    pub confirmed: bool,
}

impl ContributeFlow {
    pub(super) fn draft(&self, donor_name: Option<String>) -> Option<PledgeDraft> {
        Some(PledgeDraft {
            campaign_id: self.campaign.as_ref()?.id.clone(),
            amount_vnd: self.amount_vnd?,
            donor_name,
        })
    }

    pub(super) fn donor_name(&self) -> Option<String> {
        let name = crate::text::nfc(self.name.trim());
        (self.consent && !name.is_empty()).then_some(name)
    }
}
