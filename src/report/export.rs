//! The report's tables as CSV files staff download and open in a spreadsheet.
//!
//! A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula, and a
//! category or campaign title is typed by people: such a cell gets a leading `'` so it is
//! shown as text and never run (the OWASP "CSV injection" advice). Numbers are written by
//! this module, never taken from text, so a negative amount is not mistaken for a formula.

use super::{Report, vietnam_date, vietnam_datetime};

crate::names::text_enum! {
    /// The tables a report offers for download (`/staff/reports/<name>.csv`).
    pub enum Table as "report table" {
        CategoryWeeks = "categories",
        ChannelWeeks = "channels",
        Units = "communes",
        ReplyTimes = "reply_times",
        Ratings = "ratings",
        Campaigns = "campaigns",
        Meetings = "meetings",
    }
}

/// Why a CSV file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot finish the CSV: {0}")]
    Finish(String),
}

/// One cell as a spreadsheet will show it: text that would start a formula is quoted.
pub fn guard_cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// A table with a header line, every text cell guarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A cell: a number this module formats, or text that may come from people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Int(i64),
    Text(String),
}

impl Cell {
    fn render(&self) -> String {
        match self {
            Cell::Int(n) => n.to_string(),
            Cell::Text(t) => guard_cell(t),
        }
    }
}

fn text(t: impl Into<String>) -> Cell {
    Cell::Text(t.into())
}

fn int(n: impl TryInto<i64>) -> Cell {
    Cell::Int(n.try_into().unwrap_or(i64::MAX))
}

fn opt_int(n: Option<u64>) -> Cell {
    n.map_or_else(|| text(""), int)
}

impl CsvTable {
    /// UTF-8 with a byte-order mark, so a spreadsheet shows Vietnamese letters right
    /// instead of guessing a Windows code page.
    pub fn to_csv(&self) -> Result<Vec<u8>, ExportError> {
        let mut writer = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
        writer.write_record(self.header.iter().map(|h| guard_cell(h)))?;
        for row in &self.rows {
            writer.write_record(row.iter().map(Cell::render))?;
        }
        writer
            .into_inner()
            .map_err(|e| ExportError::Finish(e.error().to_string()))
    }
}

/// Names the CSV shows for units and categories, so the file reads without the config.
pub trait Names {
    fn unit(&self, unit_id: &str) -> String;
    fn category(&self, category_id: &str) -> String;
}

/// The rows of one of the report's tables.
pub fn table(report: &Report, which: Table, names: &dyn Names) -> CsvTable {
    let header = |h: &[&str]| h.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    match which {
        Table::CategoryWeeks => CsvTable {
            header: header(&["week_start", "category", "category_name", "count"]),
            rows: report
                .by_category_week
                .iter()
                .map(|r| {
                    vec![
                        text(vietnam_date(r.week_start_ms)),
                        text(&r.category),
                        text(names.category(&r.category)),
                        int(r.count),
                    ]
                })
                .collect(),
        },
        Table::ChannelWeeks => CsvTable {
            header: header(&["week_start", "channel", "count"]),
            rows: report
                .by_channel_week
                .iter()
                .map(|r| {
                    vec![
                        text(vietnam_date(r.week_start_ms)),
                        text(r.channel.as_str()),
                        int(r.count),
                    ]
                })
                .collect(),
        },
        Table::Units => CsvTable {
            header: header(&["unit", "unit_name", "count"]),
            rows: report
                .by_unit
                .iter()
                .map(|r| vec![text(&r.unit_id), text(names.unit(&r.unit_id)), int(r.count)])
                .collect(),
        },
        Table::ReplyTimes => CsvTable {
            header: header(&[
                "week_start",
                "submitted",
                "replied",
                "median_first_reply_secs",
                "p90_first_reply_secs",
            ]),
            rows: report
                .reply_times
                .iter()
                .map(|r| {
                    vec![
                        text(vietnam_date(r.week_start_ms)),
                        int(r.submitted),
                        int(r.replied),
                        opt_int(r.median_secs),
                        opt_int(r.p90_secs),
                    ]
                })
                .collect(),
        },
        Table::Ratings => CsvTable {
            header: header(&["week_start", "ratings", "mean_score", "satisfied"]),
            rows: report
                .ratings
                .iter()
                .map(|r| {
                    vec![
                        text(vietnam_date(r.week_start_ms)),
                        int(r.ratings),
                        text(r.mean_score.map_or_else(String::new, |m| format!("{m:.2}"))),
                        int(r.satisfied),
                    ]
                })
                .collect(),
        },
        Table::Campaigns => CsvTable {
            header: header(&["campaign", "title", "confirmed_vnd", "donors"]),
            rows: report
                .campaigns
                .iter()
                .map(|r| {
                    vec![
                        text(&r.campaign_id),
                        text(&r.title),
                        int(r.confirmed_vnd),
                        int(r.donors),
                    ]
                })
                .collect(),
        },
        Table::Meetings => CsvTable {
            header: header(&[
                "meeting",
                "host_unit",
                "host_unit_name",
                "started_at",
                "ended_at",
                "rooms_invited",
                "browser_links",
            ]),
            rows: report
                .meetings
                .iter()
                .map(|r| {
                    vec![
                        text(&r.meeting_id),
                        text(&r.host_unit_id),
                        text(names.unit(&r.host_unit_id)),
                        text(vietnam_datetime(r.started_at_ms)),
                        text(r.ended_at_ms.map(vietnam_datetime).unwrap_or_default()),
                        int(r.rooms_invited),
                        int(r.browser_links),
                    ]
                })
                .collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CampaignSum, Period, RatingWeek};

    struct Plain;
    impl Names for Plain {
        fn unit(&self, unit_id: &str) -> String {
            format!("Xã {unit_id}")
        }
        fn category(&self, category_id: &str) -> String {
            category_id.to_uppercase()
        }
    }

    fn report() -> Report {
        let period = Period::from_dates("2026-11-02", "2026-11-08").expect("a week");
        Report {
            period,
            unit: None,
            by_category_week: Vec::new(),
            by_channel_week: Vec::new(),
            by_unit: Vec::new(),
            reply_times: Vec::new(),
            ratings: vec![RatingWeek {
                week_start_ms: period.from_ms,
                ratings: 3,
                mean_score: Some(11.0 / 3.0),
                satisfied: 2,
            }],
            campaigns: vec![
                CampaignSum {
                    campaign_id: "c1".into(),
                    title: "=HYPERLINK(\"http://x\",\"Quỹ vì người nghèo\")".into(),
                    confirmed_vnd: -50_000,
                    donors: 0,
                },
                CampaignSum {
                    campaign_id: "c2".into(),
                    title: "Ủng hộ đồng bào, \"lũ lụt\"".into(),
                    confirmed_vnd: 1_500_000,
                    donors: 3,
                },
            ],
            meetings: Vec::new(),
        }
    }

    fn read(bytes: &[u8]) -> Vec<Vec<String>> {
        let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).expect("a BOM");
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(body)
            .records()
            .map(|r| r.expect("record").iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn formula_cells_are_quoted_and_numbers_are_not() {
        for (given, shown) in [
            ("=1+1", "'=1+1"),
            ("+84 912", "'+84 912"),
            ("-x", "'-x"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("Đường sá", "Đường sá"),
            ("", ""),
        ] {
            assert_eq!(guard_cell(given), shown);
        }
        let rows = read(
            &table(&report(), Table::Campaigns, &Plain)
                .to_csv()
                .expect("csv"),
        );
        assert_eq!(rows[0], ["campaign", "title", "confirmed_vnd", "donors"]);
        assert_eq!(
            rows[1][1],
            "'=HYPERLINK(\"http://x\",\"Quỹ vì người nghèo\")"
        );
        assert_eq!(rows[1][2], "-50000", "a refund is a number, not a formula");
        assert_eq!(
            rows[2][1], "Ủng hộ đồng bào, \"lũ lụt\"",
            "quotes and commas survive"
        );
        assert_eq!(rows.len(), 3);
    }

    #[test]
    fn every_table_has_its_header_and_dates_in_vietnam_time() {
        let report = report();
        for &which in Table::ALL {
            let rows = read(&table(&report, which, &Plain).to_csv().expect("csv"));
            assert!(!rows[0].is_empty(), "{which} has a header");
        }
        let rows = read(
            &table(&report, Table::Ratings, &Plain)
                .to_csv()
                .expect("csv"),
        );
        assert_eq!(rows[1], ["2026-11-02", "3", "3.67", "2"]);
    }
}
