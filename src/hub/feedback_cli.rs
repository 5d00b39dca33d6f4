//! `phonghop hub feedback ...`: staff work on residents' feedback from the hub's shell,
//! directly on its database (a running hub sends the changes to rooms on their next sync).

use std::io::Write;

use crate::config::HubConfig;
use crate::datadir::DataDir;
use crate::feedback::Status;
use crate::store::{FeedbackRow, Store};

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

fn open(config: &HubConfig) -> Result<Store, String> {
    Store::open(&DataDir::new(&config.data_dir).db_path()).map_err(|e| e.to_string())
}

fn parse_status(s: &str) -> Result<Status, String> {
    Status::parse(s).ok_or_else(|| {
        let all: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
        format!("status {s:?} is not one of: {}", all.join(", "))
    })
}

fn ticket(code: &str) -> Result<String, String> {
    crate::feedback::ticket::normalize(code)
        .ok_or_else(|| format!("{code:?} is not a ticket code like LC-7K3P9"))
}

/// Runs a feedback command; errors say what to fix (the binary exits 2 with them).
pub fn run(
    config: &HubConfig,
    command: FeedbackCommand,
    out: &mut dyn Write,
) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    match command {
        FeedbackCommand::List {
            status,
            unit,
            since,
        } => {
            let filter =
                super::feedback_api::filter_from(status.as_deref(), unit, since.as_deref())
                    .map_err(|e| e.to_string())?;
            for row in open(config)?
                .feedback_list(&filter)
                .map_err(|e| e.to_string())?
            {
                let first_line: String = row
                    .text
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(60)
                    .collect();
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    row.ticket_code,
                    crate::clock::rfc3339(row.submitted_at_ms),
                    row.unit_id,
                    row.status,
                    row.category,
                    first_line
                )
                .map_err(io)?;
            }
        }
        FeedbackCommand::Show { code } => {
            let code = ticket(&code)?;
            let row = open(config)?
                .feedback_by_ticket(&code)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no feedback with ticket code {code}"))?;
            let json = serde_json::to_string_pretty(&row).map_err(|e| e.to_string())?;
            writeln!(out, "{json}").map_err(io)?;
        }
        FeedbackCommand::Status { code, status, by } => {
            let row = update(config, &code, Some(&status), None, &by)?;
            writeln!(out, "{} is now {}", row.ticket_code, row.status).map_err(io)?;
        }
        FeedbackCommand::Reply {
            code,
            text,
            by,
            status,
        } => {
            let row = update(config, &code, status.as_deref(), Some(&text), &by)?;
            writeln!(out, "replied to {} ({})", row.ticket_code, row.status).map_err(io)?;
        }
        FeedbackCommand::Export { format, since } => {
            if format != "csv" {
                return Err(format!("--format {format:?} is not supported; use csv"));
            }
            let filter = super::feedback_api::filter_from(None, None, since.as_deref())
                .map_err(|e| e.to_string())?;
            let rows = open(config)?
                .feedback_list(&filter)
                .map_err(|e| e.to_string())?;
            write_csv(&rows, out)?;
        }
    }
    Ok(())
}

fn update(
    config: &HubConfig,
    code: &str,
    status: Option<&str>,
    reply: Option<&str>,
    by: &str,
) -> Result<FeedbackRow, String> {
    if by.trim().is_empty() {
        return Err("--by: say who makes the change".into());
    }
    let code = ticket(code)?;
    let status = status.map(parse_status).transpose()?;
    open(config)?
        .update_feedback(&code, status, reply, by.trim(), crate::clock::now_ms())
        .map_err(|e| e.to_string())?
        .map_err(|refusal| refusal.to_string())
}

/// CSV for spreadsheets. Exports leave the hub, so they carry no personal data.
pub fn write_csv(rows: &[FeedbackRow], out: &mut dyn Write) -> Result<(), String> {
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
    csv.write_record(header).map_err(|e| e.to_string())?;
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
        csv.write_record(&record).map_err(|e| e.to_string())?;
    }
    csv.flush().map_err(|e| e.to_string())
}
