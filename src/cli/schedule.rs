//! `phonghop hub meeting create|schedule-list|change|cancel|report`: scheduling meetings and
//! reading their attendance from the hub's shell, on its database (the same operations as
//! the staff API in `hub::schedule_api`). Times are province time (Asia/Ho_Chi_Minh).

use std::io::Write;

use crate::app::OpenError;
use crate::config::HubConfig;

use super::listing::{open, row};
use crate::hub::schedule_api::{self, PlanChange, PlanRequest, ScheduleOpError};
use crate::meeting::attendance::to_csv;
use crate::meeting::schedule::{ScheduledMeeting, format_local};
use crate::store::StoreError;

#[derive(Debug, clap::Subcommand)]
pub enum ScheduleCommand {
    /// Schedule a meeting; prints its id. Times are province time, e.g. "2026-12-10 08:00".
    Create {
        #[arg(long)]
        title: String,
        #[arg(long)]
        start: String,
        #[arg(long)]
        end: String,
        /// Room id of the chairing room; must be among --rooms.
        #[arg(long)]
        host: String,
        /// Room ids invited, comma-separated, the host included.
        #[arg(long, value_delimiter = ',', required = true)]
        rooms: Vec<String>,
        /// One agenda line; repeat for more.
        #[arg(long)]
        agenda: Vec<String>,
    },
    /// List scheduled meetings that have not ended (--all: every one), earliest first.
    ScheduleList {
        #[arg(long)]
        all: bool,
    },
    /// Change a scheduled meeting: only the options given change (--agenda replaces the
    /// whole agenda; --clear-agenda empties it).
    Change {
        id: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        start: Option<String>,
        #[arg(long)]
        end: Option<String>,
        #[arg(long)]
        host: Option<String>,
        #[arg(long, value_delimiter = ',')]
        rooms: Option<Vec<String>>,
        #[arg(long)]
        agenda: Vec<String>,
        #[arg(long, conflicts_with = "agenda")]
        clear_agenda: bool,
    },
    /// Cancel a scheduled meeting.
    Cancel { id: String },
    /// Attendance of a meeting: each invited room's first join, last leave, minutes
    /// present, gaps, hands and floor; rooms that never joined are marked.
    Report {
        id: String,
        /// csv or json.
        #[arg(long, default_value = "csv")]
        format: String,
    },
}

/// Why a schedule command failed; every message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleCliError {
    #[error(transparent)]
    Refused(#[from] ScheduleOpError),
    #[error("--format {0:?} is not supported; use csv or json")]
    UnknownFormat(String),
    #[error("nothing to change: give --title, --start, --end, --host, --rooms or --agenda")]
    NothingToChange,
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

impl ScheduleCliError {
    /// A database failure as `store_exit_code` says (3 damaged or newer); input to fix 2.
    pub fn exit_code(&self) -> u8 {
        let store = match self {
            ScheduleCliError::Store(e) | ScheduleCliError::Refused(ScheduleOpError::Store(e)) => {
                Some(e)
            }
            ScheduleCliError::Open(e) => e.store(),
            _ => None,
        };
        store.map_or(super::error::EXIT_INVALID, super::error::store_exit_code)
    }
}

fn line(m: &ScheduledMeeting) -> String {
    row(&[
        &m.id,
        &format!(
            "{} – {}",
            format_local(m.plan.start_ms),
            format_local(m.plan.end_ms)
        ),
        &m.status,
        &format!("host {}", m.plan.host),
        &format!("{} rooms", m.plan.rooms.len()),
        &m.plan.title,
    ])
}

/// Runs a schedule command, writing what staff read to `out`.
pub fn run(
    config: &HubConfig,
    command: ScheduleCommand,
    out: &mut dyn Write,
) -> Result<(), ScheduleCliError> {
    let now_ms = crate::clock::now_ms();
    match command {
        ScheduleCommand::Create {
            title,
            start,
            end,
            host,
            rooms,
            agenda,
        } => {
            let request = PlanRequest {
                title,
                start,
                end,
                host,
                rooms,
                agenda,
            };
            let made = schedule_api::create(&open(config)?, request, now_ms)?;
            writeln!(out, "{}", made.id)?;
            writeln!(out, "{}", line(&made))?;
        }
        ScheduleCommand::ScheduleList { all } => {
            let after = (!all).then_some(now_ms);
            for m in open(config)?.scheduled_meetings(after)? {
                writeln!(out, "{}", line(&m))?;
            }
        }
        ScheduleCommand::Change {
            id,
            title,
            start,
            end,
            host,
            rooms,
            agenda,
            clear_agenda,
        } => {
            let agenda = if clear_agenda {
                Some(Vec::new())
            } else {
                (!agenda.is_empty()).then_some(agenda)
            };
            let change = PlanChange {
                title,
                start,
                end,
                host,
                rooms,
                agenda,
            };
            if change.title.is_none()
                && change.start.is_none()
                && change.end.is_none()
                && change.host.is_none()
                && change.rooms.is_none()
                && change.agenda.is_none()
            {
                return Err(ScheduleCliError::NothingToChange);
            }
            let changed = schedule_api::change(&open(config)?, &id, change, now_ms)?;
            writeln!(out, "{}", line(&changed))?;
        }
        ScheduleCommand::Cancel { id } => {
            let cancelled = schedule_api::cancel(&open(config)?, &id, now_ms)?;
            writeln!(out, "{}", line(&cancelled))?;
        }
        ScheduleCommand::Report { id, format } => {
            if format != "csv" && format != "json" {
                return Err(ScheduleCliError::UnknownFormat(format));
            }
            let rows = schedule_api::report(&open(config)?, &id, now_ms)?;
            if format == "csv" {
                write!(out, "{}", to_csv(&rows))?;
            } else {
                serde_json::to_writer_pretty(&mut *out, &rows)?;
                writeln!(out)?;
            }
        }
    }
    Ok(())
}
