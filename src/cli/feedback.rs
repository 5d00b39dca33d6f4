//! `phonghop hub feedback ...`: staff work on residents' feedback from the hub's shell,
//! directly on its database (a running hub sends the changes to rooms on their next sync).

use std::io::Write;

use crate::app::OpenError;
use crate::config::HubConfig;

use super::listing::{open, row};
use crate::hub::tickets::{self, TicketError};
use crate::store::{FeedbackRow, StoreError};

#[derive(Debug, clap::Subcommand)]
pub enum FeedbackCommand {
    /// List feedback, oldest first.
    List {
        /// new, acknowledged, in_progress, resolved, rejected, duplicate or closed.
        #[arg(long)]
        status: Option<String>,
        /// Only this unit's boxes (a unit id such as lao-chai).
        #[arg(long)]
        unit: Option<String>,
        /// Submitted on or after this day (YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
    },
    /// Everything about one ticket, personal data included.
    Show { code: String },
    /// Move a ticket to a new status.
    Status {
        code: String,
        status: String,
        /// Who makes the change (kept in the history).
        #[arg(long)]
        by: String,
    },
    /// Answer the resident; the reply shows at the box and on the ticket's public page.
    Reply {
        code: String,
        text: String,
        #[arg(long)]
        by: String,
        /// Also set this status (e.g. resolved).
        #[arg(long)]
        status: Option<String>,
    },
    /// Export as CSV: hidden items left out, never names, phones or villages.
    Export {
        #[arg(long, default_value = "csv")]
        format: String,
        #[arg(long)]
        since: Option<String>,
    },
}

/// Why a feedback command failed; every message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum FeedbackCliError {
    #[error("--format {0:?} is not supported; use csv")]
    UnknownFormat(String),
    /// A `--status`/`--since` filter the staff API refuses the same way.
    #[error(transparent)]
    Filter(#[from] crate::hub::FilterError),
    #[error(transparent)]
    Ticket(#[from] TicketError),
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Csv(#[from] csv::Error),
}

impl FeedbackCliError {
    /// A database failure as `store_exit_code` says (3 damaged or newer); input to fix 2.
    pub fn exit_code(&self) -> u8 {
        let store = match self {
            FeedbackCliError::Store(e) | FeedbackCliError::Ticket(TicketError::Store(e)) => Some(e),
            FeedbackCliError::Open(e) => e.store(),
            _ => None,
        };
        store.map_or(super::error::EXIT_INVALID, super::error::store_exit_code)
    }
}

/// Runs a feedback command; errors say what to fix (the binary exits 2 with them).
pub fn run(
    config: &HubConfig,
    command: FeedbackCommand,
    out: &mut dyn Write,
) -> Result<(), FeedbackCliError> {
    let now = crate::clock::now_ms();
    match command {
        FeedbackCommand::List {
            status,
            unit,
            since,
        } => {
            let filter = crate::hub::feedback_filter(status.as_deref(), unit, since.as_deref())?;
            for item in open(config)?.feedback_list(&filter)? {
                let first_line: String = item
                    .text
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(60)
                    .collect();
                let submitted = crate::clock::rfc3339(item.submitted_at_ms);
                let cells: [&dyn std::fmt::Display; 6] = [
                    &item.ticket_code,
                    &submitted,
                    &item.unit_id,
                    &item.status,
                    &item.category,
                    &first_line,
                ];
                writeln!(out, "{}", row(&cells))?;
            }
        }
        FeedbackCommand::Show { code } => {
            let row = tickets::find(&open(config)?, &code)?;
            let json = serde_json::to_string_pretty(&row)?;
            writeln!(out, "{json}")?;
        }
        FeedbackCommand::Status { code, status, by } => {
            let row = tickets::update(&open(config)?, &code, Some(&status), None, &by, now)?;
            writeln!(out, "{} is now {}", row.ticket_code, row.status)?;
        }
        FeedbackCommand::Reply {
            code,
            text,
            by,
            status,
        } => {
            let row = tickets::update(
                &open(config)?,
                &code,
                status.as_deref(),
                Some(&text),
                &by,
                now,
            )?;
            writeln!(out, "replied to {} ({})", row.ticket_code, row.status)?;
        }
        FeedbackCommand::Export { format, since } => {
            if format != "csv" {
                return Err(FeedbackCliError::UnknownFormat(format));
            }
            let filter = crate::hub::feedback_filter(None, None, since.as_deref())?;
            let rows = open(config)?.feedback_list(&filter)?;
            write_csv(&rows, out)?;
        }
    }
    Ok(())
}

/// CSV for spreadsheets. Exports leave the hub, so they carry no personal data.
pub fn write_csv(rows: &[FeedbackRow], out: &mut dyn Write) -> Result<(), FeedbackCliError> {
    let mut csv = csv::Writer::from_writer(out);
    let header = [
        "ticket_code",
        "submitted_at",
        "unit_id",
        "category",
        "status",
        "open311",
        "text",
        "has_voice",
        "reply",
        "replied_at",
        "language",
    ];
    csv.write_record(header)?;
    for row in rows.iter().filter(|r| !r.hidden) {
        let status = row.status;
        let record = [
            row.ticket_code.clone(),
            crate::clock::rfc3339(row.submitted_at_ms),
            row.unit_id.clone(),
            row.category.clone(),
            status.as_str().to_owned(),
            status.open311().to_owned(),
            row.text.clone(),
            row.voice_sha256.is_some().to_string(),
            row.reply.clone().unwrap_or_default(),
            row.replied_at_ms
                .map(crate::clock::rfc3339)
                .unwrap_or_default(),
            row.language.clone(),
        ];
        csv.write_record(&record)?;
    }
    Ok(csv.flush()?)
}
