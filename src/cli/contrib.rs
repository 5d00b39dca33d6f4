//! What the `phonghop hub campaign|poster|import-statement|transfers|ledger|pledge` commands
//! do.
//! Like `hub::admin`, they work on the hub's database directly, whether or not the hub runs.
//!
//! Every refusal says what to type instead and exits 2; nothing half-done is left behind.

use std::io::Write;
use std::path::PathBuf;

use crate::config::HubConfig;
use crate::hub::campaigns::{CampaignError, CampaignSummary};
use crate::store::{StaffNote, Store, StoreError};

use crate::contrib::campaign::CampaignInput;
use crate::contrib::{format_vnd, vietnam_time};

#[derive(Debug, clap::Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign; prints its id, public page and poster code.
    Create(CreateArgs),
    /// List campaigns with their totals (derived from the ledger).
    List,
    /// Close a campaign: later transfers for it wait in the unallocated queue.
    Close {
        /// Campaign id or slug.
        campaign: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The page's address (/c/SLUG): lowercase letters, digits and '-'.
    #[arg(long)]
    pub slug: String,
    #[arg(long)]
    pub title: String,
    /// Why the money is raised and for whom (shown on the public page).
    #[arg(long, default_value = "")]
    pub story: String,
    /// Beneficiary bank: BIN (970436) or short name (VCB, BIDV, Agribank, ...).
    #[arg(long)]
    pub bank: String,
    /// Beneficiary account number.
    #[arg(long)]
    pub account: String,
    /// Account holder, as the bank shows it.
    #[arg(long)]
    pub account_name: String,
    /// Goal in whole dong, digits only.
    #[arg(long = "goal", value_name = "VND")]
    pub goal_vnd: String,
    /// First day, YYYY-MM-DD (default: today).
    #[arg(long, default_value = "")]
    pub starts: String,
    /// Last day, YYYY-MM-DD.
    #[arg(long)]
    pub ends: String,
}

#[derive(Debug, clap::Args)]
pub struct PosterArgs {
    /// Campaign id or slug.
    pub campaign: String,
    /// Where to write the A4 PDF.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ImportStatementArgs {
    /// The statement file.
    pub file: PathBuf,
    /// Its format; `generic-csv` has the columns date,amount_vnd,reference,description.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(crate::contrib::statement::FORMATS))]
    pub format: String,
    /// The account the statement is of (default: `account` in the hub config's bank section).
    #[arg(long)]
    pub account: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum TransfersCommand {
    /// Transfers no campaign was credited with, and why.
    Unallocated,
    /// Credit an unallocated transfer to a campaign (and a pledge), with a reason.
    Assign {
        /// Transfer id (from `transfers unallocated`).
        transfer: String,
        /// Campaign id or slug.
        #[arg(long)]
        campaign: String,
        /// Pledge id or reference code this transfer pays.
        #[arg(long)]
        pledge: Option<String>,
        /// Staff member doing this (kept in the ledger).
        #[arg(long = "by")]
        by: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum LedgerCommand {
    /// Add a signed correction to a campaign's total (e.g. --amount -50000).
    Correct {
        #[arg(long)]
        campaign: String,
        /// Signed whole dong.
        #[arg(long = "amount", value_name = "VND", allow_hyphen_values = true)]
        amount_vnd: String,
        #[arg(long = "by")]
        by: String,
        #[arg(long)]
        reason: String,
    },
    /// Record that a transfer's money was sent back (a negative entry).
    Refund {
        #[arg(long)]
        transfer: String,
        #[arg(long = "by")]
        by: String,
        #[arg(long)]
        reason: String,
    },
    /// Print a campaign's ledger.
    Show {
        /// Campaign id or slug.
        campaign: String,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum PledgeCommand {
    /// Record a pledge taken by phone, at a meeting or in cash; prints its code and VietQR.
    Add {
        /// Campaign id or slug.
        #[arg(long)]
        campaign: String,
        /// Whole dong, digits only.
        #[arg(long = "amount", value_name = "VND")]
        amount_vnd: String,
        /// The donor's name, shown on the public page (needs --consent-public).
        #[arg(long)]
        name: Option<String>,
        /// The donor agreed that their name is shown on the public page.
        #[arg(long)]
        consent_public: bool,
        /// How the resident pays: cash to staff, or a bank transfer with the code.
        #[arg(long, value_parser = ["cash", "transfer"], default_value = "transfer")]
        method: String,
        /// Also write the QR code as a PNG here.
        #[arg(long)]
        png: Option<PathBuf>,
    },
    /// Mark a cash pledge received (a ledger entry naming who took the money).
    Received {
        /// The pledge's 7-character code.
        #[arg(long)]
        reference: String,
        /// Staff member who received the cash (kept in the ledger).
        #[arg(long = "by")]
        by: String,
    },
}

/// Every contributions command, for [`run`].
#[derive(Debug)]
pub enum ContribCommand {
    Campaign(CampaignCommand),
    Poster(PosterArgs),
    ImportStatement(ImportStatementArgs),
    Transfers(TransfersCommand),
    Ledger(LedgerCommand),
    Pledge(PledgeCommand),
}

#[derive(Debug, thiserror::Error)]
pub enum ContribCliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Statement(#[from] crate::contrib::statement::StatementError),
    #[error(transparent)]
    Poster(#[from] crate::contrib::poster::PosterError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Pledge(#[from] crate::hub::pledges::PledgeError),
    #[error(transparent)]
    Campaign(#[from] CampaignError),
    #[error("cannot draw the QR code: {0}")]
    Render(#[from] crate::vietqr::render::RenderError),
    #[error(transparent)]
    DataDir(#[from] crate::datadir::DataDirError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl ContribCliError {
    /// 2 for input to fix, 3 for a damaged or newer database, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            ContribCliError::Usage(_) | ContribCliError::Statement(_) => 2,
            ContribCliError::Poster(crate::contrib::poster::PosterError::UnknownBank {
                ..
            })
            | ContribCliError::Poster(crate::contrib::poster::PosterError::VietQr { .. }) => 2,
            ContribCliError::Store(e) | ContribCliError::Campaign(CampaignError::Store(e)) => {
                crate::cli::error::store_exit_code(e)
            }
            ContribCliError::Pledge(e) => e.exit_code(),
            ContribCliError::Campaign(_) => 2,
            _ => 1,
        }
    }
}

fn usage(message: impl Into<String>) -> ContribCliError {
    ContribCliError::Usage(message.into())
}

fn io(path: impl Into<String>) -> impl FnOnce(std::io::Error) -> ContribCliError {
    let path = path.into();
    move |source| ContribCliError::Io { path, source }
}

impl From<crate::app::OpenError> for ContribCliError {
    fn from(e: crate::app::OpenError) -> Self {
        match e {
            crate::app::OpenError::DataDir(e) => ContribCliError::DataDir(e),
            crate::app::OpenError::Store(e) => ContribCliError::Store(e),
        }
    }
}

fn open(config: &HubConfig) -> Result<Store, ContribCliError> {
    Ok(crate::app::open_store(&config.data_dir)?)
}

fn positive_vnd(flag: &str, text: &str) -> Result<i64, ContribCliError> {
    let t = text.trim();
    t.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| t.parse::<i64>().ok())
        .flatten()
        .filter(|v| *v > 0)
        .ok_or_else(|| {
            usage(format!(
                "{flag} {text:?}: give whole dong, digits only, such as 50000000"
            ))
        })
}

fn signed_vnd(flag: &str, text: &str) -> Result<i64, ContribCliError> {
    let t = text.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.parse::<i64>().ok())
        .flatten()
        .filter(|v| *v != 0)
        .ok_or_else(|| {
            usage(format!(
                "{flag} {text:?}: give signed whole dong, such as -50000 or 20000"
            ))
        })
}

/// Runs one command, writing what people read to `out`.
pub fn run(
    config: &HubConfig,
    command: ContribCommand,
    out: &mut impl Write,
) -> Result<(), ContribCliError> {
    let now = crate::clock::now_ms();
    let w = |e: std::io::Error| ContribCliError::Io {
        path: "stdout".into(),
        source: e,
    };
    match command {
        ContribCommand::Campaign(CampaignCommand::Create(args)) => {
            let goal_vnd = positive_vnd("--goal", &args.goal_vnd)?;
            let input = CampaignInput {
                slug: args.slug,
                title: args.title,
                story: args.story,
                bank: args.bank,
                account: args.account,
                account_name: args.account_name,
                goal_vnd,
                starts_on: args.starts,
                ends_on: args.ends,
            };
            let campaign =
                crate::hub::campaigns::create(&open(config)?, &input, now, &mut rand::rng())?;
            writeln!(out, "Campaign {} created: {}", campaign.id, campaign.title).map_err(w)?;
            writeln!(
                out,
                "Public page: {}",
                config.campaign_page_url(&campaign.slug)
            )
            .map_err(w)?;
            writeln!(
                out,
                "Poster code: {} (print the poster: phonghop hub poster {} --out poster.pdf)",
                campaign.poster_code, campaign.slug
            )
            .map_err(w)?;
            Ok(())
        }
        ContribCommand::Campaign(CampaignCommand::List) => {
            for CampaignSummary {
                campaign: c,
                totals: t,
            } in crate::hub::campaigns::list(&open(config)?)?
            {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\traised {} / {} VND\t{} gifts\t{}",
                    c.id,
                    c.slug,
                    c.status,
                    c.poster_code,
                    format_vnd(t.raised_vnd),
                    format_vnd(c.goal_vnd),
                    t.gifts,
                    c.title
                )
                .map_err(w)?;
            }
            Ok(())
        }
        ContribCommand::Campaign(CampaignCommand::Close { campaign }) => {
            let c = open(config)?.close_campaign(&campaign, now)?;
            writeln!(
                out,
                "Campaign {} ({}) closed; later transfers for it go to the unallocated queue.",
                c.slug, c.title
            )
            .map_err(w)?;
            Ok(())
        }
        ContribCommand::Poster(args) => {
            let campaign = crate::hub::campaigns::find(&open(config)?, &args.campaign)?;
            let pdf = crate::contrib::poster::poster_pdf(
                &campaign,
                &config.campaign_page_url(&campaign.slug),
            )?;
            std::fs::write(&args.out, pdf).map_err(io(args.out.display().to_string()))?;
            writeln!(
                out,
                "wrote {} (A4, static VietQR with code {})",
                args.out.display(),
                campaign.poster_code
            )
            .map_err(w)?;
            Ok(())
        }
        ContribCommand::ImportStatement(args) => {
            let account = args
                .account
                .or_else(|| config.bank.as_ref().map(|b| b.account.clone()))
                .ok_or_else(|| {
                    usage("--account: say which account the statement is of (or set [bank] account in the hub config)")
                })?;
            let bytes = std::fs::read(&args.file).map_err(io(args.file.display().to_string()))?;
            let statement = crate::contrib::statement::parse_generic_csv(&bytes, &account)
                .map_err(|mut e| {
                    e.problems.sort();
                    e
                })?;
            let summary = open(config)?.record_transfers(&statement.transfers, now)?;
            writeln!(
                out,
                "{}: {} new transfers ({} credited, {} unallocated), {} already recorded, {} outgoing lines skipped",
                args.file.display(),
                summary.new_credited + summary.new_unallocated,
                summary.new_credited,
                summary.new_unallocated,
                summary.duplicates,
                statement.skipped_outgoing
            )
            .map_err(w)?;
            Ok(())
        }
        ContribCommand::Transfers(TransfersCommand::Unallocated) => {
            for t in open(config)?.unallocated_transfers()? {
                writeln!(
                    out,
                    "{}\t{}\t{} VND\t{}\t{}\t{}\t{}",
                    t.id,
                    vietnam_time(t.occurred_at_ms),
                    format_vnd(t.amount_vnd),
                    t.bank_reference.as_deref().unwrap_or("-"),
                    t.provider,
                    t.transfer_text,
                    t.unmatched_reason.as_deref().unwrap_or("")
                )
                .map_err(w)?;
            }
            Ok(())
        }
        ContribCommand::Transfers(TransfersCommand::Assign {
            transfer,
            campaign,
            pledge,
            by,
            reason,
        }) => {
            let note = StaffNote {
                staff_member: &by,
                reason: &reason,
            };
            let entry = open(config)?.assign_transfer(
                &transfer,
                &campaign,
                pledge.as_deref(),
                note,
                now,
            )?;
            writeln!(
                out,
                "Transfer {transfer} credited to {campaign}: {} VND (ledger entry {}).",
                format_vnd(entry.amount_vnd),
                entry.id
            )
            .map_err(w)?;
            Ok(())
        }
        ContribCommand::Ledger(LedgerCommand::Correct {
            campaign,
            amount_vnd,
            by,
            reason,
        }) => {
            let amount = signed_vnd("--amount", &amount_vnd)?;
            let note = StaffNote {
                staff_member: &by,
                reason: &reason,
            };
            let entry = open(config)?.correct_campaign(&campaign, amount, note, now)?;
            writeln!(
                out,
                "Correction of {} VND added to {campaign} (ledger entry {}).",
                format_vnd(entry.amount_vnd),
                entry.id
            )
            .map_err(w)?;
            Ok(())
        }
        ContribCommand::Ledger(LedgerCommand::Refund {
            transfer,
            by,
            reason,
        }) => {
            let note = StaffNote {
                staff_member: &by,
                reason: &reason,
            };
            let entry = open(config)?.refund_transfer(&transfer, note, now)?;
            writeln!(
                out,
                "Refund of {} VND recorded for transfer {transfer} (ledger entry {}).",
                format_vnd(-entry.amount_vnd),
                entry.id
            )
            .map_err(w)?;
            Ok(())
        }
        ContribCommand::Pledge(PledgeCommand::Add {
            campaign,
            amount_vnd,
            name,
            consent_public,
            method,
            png,
        }) => {
            use crate::hub::pledges::{PledgeMethod, StaffPledgeRequest};
            let request = StaffPledgeRequest {
                campaign,
                amount_vnd: positive_vnd("--amount", &amount_vnd)?,
                donor_name: name,
                consent_public,
                method: if method == "cash" {
                    PledgeMethod::Cash
                } else {
                    PledgeMethod::Transfer
                },
            };
            let store = open(config)?;
            let made = crate::hub::pledges::add(&store, &request, now, &mut rand::rng())?;
            writeln!(
                out,
                "Pledge {} for {}: {} VND ({})",
                made.reference,
                made.campaign_slug,
                format_vnd(made.pledge.amount_vnd),
                made.pledge.donor_name.as_deref().unwrap_or("anonymous")
            )
            .map_err(w)?;
            writeln!(out, "Reference code: {}", made.reference).map_err(w)?;
            writeln!(out, "VietQR: {}", made.vietqr_payload).map_err(w)?;
            if let Some(path) = png {
                let bytes = crate::vietqr::render::png_bytes(
                    &made.vietqr_payload,
                    crate::vietqr::render::QrUse::Poster,
                    600,
                )?;
                std::fs::write(&path, bytes).map_err(io(path.display().to_string()))?;
                writeln!(out, "QR image: {}", path.display()).map_err(w)?;
            }
            match made.method {
                PledgeMethod::Cash => writeln!(
                    out,
                    "When the cash is handed over: phonghop hub pledge received --reference {} --by \"<your name>\"",
                    made.reference
                ),
                PledgeMethod::Transfer => writeln!(
                    out,
                    "The resident scans the QR (or writes {} in the transfer text); the bank notification confirms it.",
                    made.reference
                ),
            }
            .map_err(w)?;
            Ok(())
        }
        ContribCommand::Pledge(PledgeCommand::Received { reference, by }) => {
            let receipt = crate::hub::pledges::receive_cash(&open(config)?, &reference, &by, now)?;
            writeln!(
                out,
                "Pledge {} received in cash: {} VND credited (ledger entry {}).",
                receipt.reference,
                format_vnd(receipt.amount_vnd),
                receipt.ledger_entry_id
            )
            .map_err(w)?;
            Ok(())
        }
        ContribCommand::Ledger(LedgerCommand::Show { campaign }) => {
            let book = crate::hub::campaigns::ledger(&open(config)?, &campaign)?;
            for e in &book.entries {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{} VND\t{}\t{}\t{}",
                    e.seq,
                    vietnam_time(e.created_at_ms),
                    e.kind,
                    format_vnd(e.amount_vnd),
                    e.transfer_id.as_deref().unwrap_or("-"),
                    e.staff_member.as_deref().unwrap_or("(automatic)"),
                    e.reason
                )
                .map_err(w)?;
            }
            let t = book.totals;
            writeln!(
                out,
                "raised {} VND from {} gifts",
                format_vnd(t.raised_vnd),
                t.gifts
            )
            .map_err(w)?;
            Ok(())
        }
    }
}
