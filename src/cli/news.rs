//! `phonghop hub news ...`: staff post, list and withdraw announcements from the hub's
//! shell, directly on its database. A running hub notices the commit and tells rooms to
//! download at once; the rules are the staff API's (`hub::news_api`).

use std::io::Write;
use std::path::PathBuf;

use crate::app::OpenError;
use crate::config::HubConfig;

use super::listing::{open, row};
use crate::hub::news_api::{self, NewsError, Poster};
use crate::news::NewsDraft;
use crate::store::StoreError;

#[derive(Debug, clap::Subcommand)]
pub enum NewsCommand {
    /// Post an announcement; it shows on the kiosks of the units named (all by default).
    Post {
        /// At most 120 characters, one line.
        #[arg(long)]
        title: String,
        /// At most 4000 characters.
        #[arg(long)]
        text: String,
        /// Unit ids, comma-separated (e.g. lao-chai,sa-pa); every unit when left out.
        #[arg(long, value_delimiter = ',')]
        units: Vec<String>,
        /// Shown from (default now): 2026-12-05, 2026-12-05T08:00 (the hub's local time)
        /// or 2026-12-05T08:00:00+07:00.
        #[arg(long)]
        from: Option<String>,
        /// Shown until (default: until withdrawn); a date alone means the end of that day.
        #[arg(long)]
        until: Option<String>,
        /// A JPEG or PNG picture of at most 1 MiB.
        #[arg(long, value_name = "FILE")]
        image: Option<PathBuf>,
        /// The language it is written in, for the voice that reads it: vi, en or hmn.
        #[arg(long, default_value = "vi")]
        language: String,
        /// Who posts it (kept with the item); defaults to the login name.
        #[arg(long)]
        by: Option<String>,
    },
    /// List announcements, newest first.
    List {
        /// Only those a unit's kiosks show.
        #[arg(long)]
        unit: Option<String>,
        /// Include withdrawn ones.
        #[arg(long)]
        withdrawn: bool,
    },
    /// Withdraw an announcement: kiosks stop showing it at their next sync.
    Withdraw {
        id: String,
        #[arg(long)]
        by: Option<String>,
    },
}

/// Why a news command failed; every message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum NewsCliError {
    #[error(
        "--{flag} {given:?} is not a time; write 2026-12-05, 2026-12-05T08:00 or 2026-12-05T08:00:00+07:00"
    )]
    BadTime { flag: &'static str, given: String },
    #[error("--image {path}: {source}")]
    Image {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    News(#[from] NewsError),
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl NewsCliError {
    /// A database failure as `store_exit_code` says (3 damaged or newer); input to fix 2.
    pub fn exit_code(&self) -> u8 {
        let store = match self {
            NewsCliError::Store(e) | NewsCliError::News(NewsError::Store(e)) => Some(e),
            NewsCliError::Open(e) => e.store(),
            _ => None,
        };
        store.map_or(super::error::EXIT_INVALID, super::error::store_exit_code)
    }
}

/// Which end of a day a date alone stands for.
#[derive(Debug, Clone, Copy)]
enum DayEdge {
    Start,
    End,
}

/// A time as staff type it, in milliseconds; a date or a civil time is in `zone`.
fn parse_time(
    flag: &'static str,
    given: &str,
    edge: DayEdge,
    zone: &jiff::tz::TimeZone,
) -> Result<i64, NewsCliError> {
    crate::news::parse_time(given, matches!(edge, DayEdge::End), zone).ok_or_else(|| {
        NewsCliError::BadTime {
            flag,
            given: given.to_owned(),
        }
    })
}

fn who(by: Option<String>) -> String {
    by.filter(|b| !b.trim().is_empty())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "hub shell".to_owned())
}

/// Runs a news command; errors say what to fix.
pub fn run(
    config: &HubConfig,
    command: NewsCommand,
    out: &mut dyn Write,
) -> Result<(), NewsCliError> {
    let zone = jiff::tz::TimeZone::system();
    let now = crate::clock::now_ms();
    match command {
        NewsCommand::Post {
            title,
            text,
            units,
            from,
            until,
            image,
            language,
            by,
        } => {
            let draft = NewsDraft {
                title,
                body: text,
                units,
                shown_from_ms: from
                    .map(|f| parse_time("from", &f, DayEdge::Start, &zone))
                    .transpose()?,
                shown_until_ms: until
                    .map(|u| parse_time("until", &u, DayEdge::End, &zone))
                    .transpose()?,
                language: Some(language),
            };
            let picture = image
                .map(|path| {
                    std::fs::read(&path).map_err(|source| NewsCliError::Image {
                        path: path.display().to_string(),
                        source,
                    })
                })
                .transpose()?;
            let poster = Poster::province(&who(by));
            let row = news_api::post(
                &open(config)?,
                config,
                &poster,
                &draft,
                picture.as_deref(),
                now,
            )?;
            writeln!(out, "{}", row.id)?;
        }
        NewsCommand::List { unit, withdrawn } => {
            let poster = Poster::province(&who(None));
            for item in news_api::list(&open(config)?, &poster, unit, withdrawn)? {
                let units = if item.units.is_empty() {
                    "all".to_owned()
                } else {
                    item.units.join(",")
                };
                let state = match item.withdrawn_at_ms {
                    Some(ms) => format!("withdrawn {}", crate::clock::rfc3339(ms)),
                    None if !crate::news::is_shown_at(
                        item.shown_from_ms,
                        item.shown_until_ms,
                        now,
                    ) =>
                    {
                        "not shown now".to_owned()
                    }
                    None => "shown".to_owned(),
                };
                let until = item
                    .shown_until_ms
                    .map(crate::clock::rfc3339)
                    .unwrap_or_else(|| "-".to_owned());
                let from = crate::clock::rfc3339(item.shown_from_ms);
                let cells: [&dyn std::fmt::Display; 6] =
                    [&item.id, &from, &until, &units, &state, &item.title];
                writeln!(out, "{}", row(&cells))?;
            }
        }
        NewsCommand::Withdraw { id, by } => {
            let poster = Poster::province(&who(by));
            let row = news_api::withdraw(&open(config)?, &poster, id.trim(), now)?;
            writeln!(
                out,
                "withdrew {} ({})",
                row.id,
                row.withdrawn_by.unwrap_or_default()
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(title: &str, units: &[&str], image: Option<PathBuf>) -> NewsCommand {
        NewsCommand::Post {
            title: title.into(),
            text: "Tối thứ Sáu tại nhà văn hoá thôn.".into(),
            units: units.iter().map(|u| u.to_string()).collect(),
            from: None,
            until: Some("2099-01-01".into()),
            image,
            language: "vi".into(),
            by: Some("Lò Thị Hoa".into()),
        }
    }

    #[test]
    fn staff_post_list_and_withdraw_from_the_shell_and_bad_input_exits_2() {
        let dir = tempfile::tempdir().expect("dir");
        let config = crate::app::HubBuilder::demo(&dir.path().join("hub"))
            .expect("demo")
            .config()
            .clone();
        let picture = dir.path().join("a.png");
        image::RgbaImage::from_pixel(8, 8, image::Rgba([9, 9, 9, 255]))
            .save(&picture)
            .expect("png");
        let mut out = Vec::new();
        run(
            &config,
            post("Họp dân", &["lao-chai"], Some(picture)),
            &mut out,
        )
        .expect("posted");
        let id = String::from_utf8(out).expect("utf8").trim().to_owned();
        let mut listed = Vec::new();
        run(
            &config,
            NewsCommand::List {
                unit: Some("lao-chai".into()),
                withdrawn: false,
            },
            &mut listed,
        )
        .expect("listed");
        let listed = String::from_utf8(listed).expect("utf8");
        assert!(listed.starts_with(&id), "{listed}");
        assert!(listed.contains("\tlao-chai\tshown\tHọp dân"), "{listed}");

        let mut out = Vec::new();
        run(
            &config,
            NewsCommand::Withdraw {
                id: id.clone(),
                by: None,
            },
            &mut out,
        )
        .expect("withdrawn");
        let mut listed = Vec::new();
        run(
            &config,
            NewsCommand::List {
                unit: None,
                withdrawn: false,
            },
            &mut listed,
        )
        .expect("listed");
        assert!(listed.is_empty(), "withdrawn items are left out by default");

        for (command, says) in [
            (
                post("x", &["ha-noi"], None),
                "\"ha-noi\" is not one of this hub's units",
            ),
            (
                post("x", &[], Some(dir.path().join("missing.jpg"))),
                "--image",
            ),
            (
                NewsCommand::Withdraw {
                    id: "no-such-item".into(),
                    by: None,
                },
                "no news item no-such-item",
            ),
        ] {
            let err = run(&config, command, &mut Vec::new()).expect_err(says);
            assert!(err.to_string().contains(says), "{err}");
            assert_eq!(err.exit_code(), 2, "{err}");
        }
    }

    #[test]
    fn times_are_read_as_staff_type_them() {
        let hanoi = jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh")
            .unwrap_or_else(|_| jiff::tz::TimeZone::fixed(jiff::tz::offset(7)));
        let at = |s: &str, edge| parse_time("from", s, edge, &hanoi).expect(s);
        let midnight = at("2026-12-05", DayEdge::Start);
        assert_eq!(
            midnight,
            at("2026-12-05T00:00:00+07:00", DayEdge::Start),
            "a date is that day's start in the hub's zone"
        );
        assert_eq!(
            at("2026-12-05", DayEdge::End) - midnight,
            24 * 3_600_000,
            "--until a date: through that day"
        );
        assert_eq!(
            at("2026-12-05T08:00", DayEdge::Start) - midnight,
            8 * 3_600_000
        );
        let err = parse_time("until", "5/12/2026", DayEdge::End, &hanoi)
            .expect_err("not a time")
            .to_string();
        assert!(err.contains("--until \"5/12/2026\" is not a time"), "{err}");
    }
}
