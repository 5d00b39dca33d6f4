//! The committee's periodic report: what the tables hold, how weeks and periods are cut, and
//! how reply times are summarised. Pure: the store fills these types, `charts` draws them,
//! `export` writes them as CSV, and nothing here reads a clock, a file or the network.

pub mod charts;
pub mod export;

use serde::Serialize;

/// Vietnam (Asia/Ho_Chi_Minh) is UTC+7 all year: it has kept no daylight saving time since
/// 1975, so a fixed offset cuts days and weeks exactly as the tz database would, for every
/// date this appliance can hold, and needs no tz data on the box.
pub const VIETNAM_OFFSET_SECS: i32 = 7 * 3600;
const VIETNAM_OFFSET_MS: i64 = VIETNAM_OFFSET_SECS as i64 * 1000;
pub const DAY_MS: i64 = 24 * 3600 * 1000;
pub const WEEK_MS: i64 = 7 * DAY_MS;
/// Monday 1970-01-05 00:00 in Vietnam (the epoch fell on a Thursday): every week of a
/// report starts a whole number of weeks from here. The store's SQL cuts weeks with it too.
pub const MONDAY_ZERO_MS: i64 = 4 * DAY_MS - VIETNAM_OFFSET_MS;

/// The longest period one report covers: charts of more than a year of weeks are unreadable.
pub const PERIOD_MAX_DAYS: i64 = 366;

/// Start (Monday 00:00, Vietnam time) of the week holding `at_ms`.
pub fn week_start_ms(at_ms: i64) -> i64 {
    at_ms - (at_ms - MONDAY_ZERO_MS).rem_euclid(WEEK_MS)
}

/// Vietnam's time zone, for reading and writing times as staff, banks and residents do
/// whatever zone the box runs in.
pub fn vietnam() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::fixed(
        jiff::tz::Offset::from_seconds(VIETNAM_OFFSET_SECS).unwrap_or(jiff::tz::Offset::UTC),
    )
}

/// An instant in Vietnam time as `pattern` (strftime) writes it; `… ms` when out of range.
fn vietnam_format(at_ms: i64, pattern: &str) -> String {
    match jiff::Timestamp::from_millisecond(at_ms) {
        Ok(t) => t.to_zoned_datetime(vietnam()).strftime(pattern).to_string(),
        Err(_) => format!("{at_ms} ms"),
    }
}

/// `2026-11-02`: the Vietnam date of an instant.
pub fn vietnam_date(at_ms: i64) -> String {
    vietnam_format(at_ms, "%Y-%m-%d")
}

/// `2026-11-23 10:15` in Vietnam time, for pages, CSV and the CLI.
pub fn vietnam_time(at_ms: i64) -> String {
    vietnam_format(at_ms, "%Y-%m-%d %H:%M")
}

/// `2026-11-02T09:30:00+07:00`: ISO 8601 with Vietnam's offset, as Open311 and the CSV
/// files give times, so a reader sees the committee's own clock.
pub fn vietnam_datetime(at_ms: i64) -> String {
    vietnam_format(at_ms, "%Y-%m-%dT%H:%M:%S%:z")
}

/// The instant a Vietnam date begins (00:00 at UTC+7).
pub fn vietnam_midnight_ms(date: jiff::civil::Date) -> Option<i64> {
    date.to_zoned_datetime(vietnam())
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

/// Why a report period was refused; says what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("{given:?} is not a date like 2026-11-01")]
    BadDate { given: String },
    #[error("the period ends ({to}) before it starts ({from}); give the first day, then the last")]
    Backwards { from: String, to: String },
    #[error("the period is {days} days long; a report covers at most {PERIOD_MAX_DAYS} days")]
    TooLong { days: i64 },
}

/// A report's period: from `from_ms` included to `to_ms` excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from_ms: i64,
    pub to_ms: i64,
}

impl Period {
    pub fn new(from_ms: i64, to_ms: i64) -> Result<Period, PeriodError> {
        if to_ms <= from_ms {
            return Err(PeriodError::Backwards {
                from: vietnam_datetime(from_ms),
                to: vietnam_datetime(to_ms),
            });
        }
        let days = (to_ms - from_ms).div_euclid(DAY_MS);
        if days > PERIOD_MAX_DAYS {
            return Err(PeriodError::TooLong { days });
        }
        Ok(Period { from_ms, to_ms })
    }

    /// From the first day to the last day, both included, as staff pick them
    /// (`2026-11-01` to `2026-11-30` is the whole of November, Vietnam time).
    pub fn from_dates(first_day: &str, last_day: &str) -> Result<Period, PeriodError> {
        let parse = |given: &str| {
            given
                .trim()
                .parse::<jiff::civil::Date>()
                .ok()
                .and_then(vietnam_midnight_ms)
                .ok_or_else(|| PeriodError::BadDate {
                    given: given.to_owned(),
                })
        };
        let from_ms = parse(first_day)?;
        let to_ms = parse(last_day)? + DAY_MS;
        Period::new(from_ms, to_ms)
    }

    /// The first day, as a date.
    pub fn first_day(&self) -> String {
        vietnam_date(self.from_ms)
    }

    /// The last day included, as a date.
    pub fn last_day(&self) -> String {
        vietnam_date(self.to_ms - 1)
    }

    /// Start of every week that overlaps the period, in order: the charts' x axis, so a week
    /// with nothing in it still shows as a zero.
    pub fn weeks(&self) -> Vec<i64> {
        let mut weeks = Vec::new();
        let mut week = week_start_ms(self.from_ms);
        while week < self.to_ms {
            weeks.push(week);
            week += WEEK_MS;
        }
        weeks
    }
}

/// Feedback items of one category received in one week (by the kiosk's submission time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryWeek {
    pub week_start_ms: i64,
    pub category: String,
    pub count: u64,
}

/// Feedback items that came by one channel (kiosk, phone page, Zalo) in one week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelWeek {
    pub week_start_ms: i64,
    pub channel: crate::feedback::Channel,
    pub count: u64,
}

/// Feedback items from one commune's (unit's) rooms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitCount {
    pub unit_id: String,
    pub count: u64,
}

/// How fast residents heard back, for the feedback submitted in one week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyWeek {
    pub week_start_ms: i64,
    pub submitted: u64,
    /// Items that have had a staff reply (whenever it came).
    pub replied: u64,
    /// Median seconds from submission to the first reply, over the replied items.
    pub median_secs: Option<u64>,
    /// 90th percentile (nearest rank) of the same.
    pub p90_secs: Option<u64>,
}

/// Ratings given at the kiosks in one week (repeated taps left out, as in every count).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatingWeek {
    pub week_start_ms: i64,
    pub ratings: u64,
    /// Mean score, 1 to 5.
    pub mean_score: Option<f64>,
    /// Ratings of 4 or 5.
    pub satisfied: u64,
}

/// Money a campaign received in the period, from the ledger (corrections and refunds
/// included, as the campaign's totals are).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignSum {
    pub campaign_id: String,
    pub title: String,
    pub confirmed_vnd: i64,
    /// Transfers credited and not refunded. Donors give no identity (most are anonymous),
    /// so each credited transfer counts as one donor.
    pub donors: u64,
}

/// A meeting started in the period. Until chairing records who joined, attendance is what
/// the meeting tables hold: the rooms invited and the browser links made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingHeld {
    pub meeting_id: String,
    pub host_unit_id: String,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub rooms_invited: u64,
    pub browser_links: u64,
}

/// Everything one report shows, for one period and one scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub period: Period,
    /// `Some(unit)`: only that commune's rooms (commune staff); `None`: the whole province.
    pub unit: Option<String>,
    pub by_category_week: Vec<CategoryWeek>,
    pub by_channel_week: Vec<ChannelWeek>,
    pub by_unit: Vec<UnitCount>,
    pub reply_times: Vec<ReplyWeek>,
    pub ratings: Vec<RatingWeek>,
    pub campaigns: Vec<CampaignSum>,
    pub meetings: Vec<MeetingHeld>,
}

/// `02/11`: a week's label on a chart's axis (its Monday, Vietnam time).
pub fn week_label(week_start_ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(week_start_ms) {
        Ok(t) => t.to_zoned_datetime(vietnam()).strftime("%d/%m").to_string(),
        Err(_) => String::new(),
    }
}

impl Report {
    /// Per-category counts for every week of the period, categories in `order` first (the
    /// kiosk's order), then any other category met, by id: the stacked bars' series.
    pub fn category_series(&self, order: &[&str]) -> Vec<(String, Vec<u64>)> {
        let weeks = self.period.weeks();
        let mut categories: Vec<String> = order
            .iter()
            .filter(|c| self.by_category_week.iter().any(|r| r.category == **c))
            .map(|c| (*c).to_owned())
            .collect();
        let mut others: Vec<String> = self
            .by_category_week
            .iter()
            .map(|r| r.category.clone())
            .filter(|c| !order.contains(&c.as_str()))
            .collect();
        others.sort();
        others.dedup();
        categories.extend(others);
        categories
            .into_iter()
            .map(|category| {
                let values = weeks
                    .iter()
                    .map(|w| {
                        self.by_category_week
                            .iter()
                            .filter(|r| r.week_start_ms == *w && r.category == category)
                            .map(|r| r.count)
                            .sum()
                    })
                    .collect();
                (category, values)
            })
            .collect()
    }

    /// Per-channel counts for every week of the period, every channel in its declared
    /// order (zeros included, so a channel no one used yet still shows in the legend).
    pub fn channel_series(&self) -> Vec<(crate::feedback::Channel, Vec<u64>)> {
        let weeks = self.period.weeks();
        crate::feedback::Channel::ALL
            .iter()
            .map(|&channel| {
                let values = weeks
                    .iter()
                    .map(|w| {
                        self.by_channel_week
                            .iter()
                            .filter(|r| r.week_start_ms == *w && r.channel == channel)
                            .map(|r| r.count)
                            .sum()
                    })
                    .collect();
                (channel, values)
            })
            .collect()
    }

    /// Feedback per unit for `units` in their order (zeros included, so a silent commune
    /// shows), then any other unit met.
    pub fn unit_counts(&self, units: &[&str]) -> Vec<(String, u64)> {
        let mut out: Vec<(String, u64)> = units
            .iter()
            .map(|u| {
                let n = self
                    .by_unit
                    .iter()
                    .find(|r| r.unit_id == *u)
                    .map_or(0, |r| r.count);
                ((*u).to_owned(), n)
            })
            .collect();
        for r in &self.by_unit {
            if !units.contains(&r.unit_id.as_str()) {
                out.push((r.unit_id.clone(), r.count));
            }
        }
        out
    }

    /// Meetings started in each week of the period.
    pub fn meetings_per_week(&self) -> Vec<u64> {
        self.period
            .weeks()
            .iter()
            .map(|w| {
                self.meetings
                    .iter()
                    .filter(|m| week_start_ms(m.started_at_ms) == *w)
                    .count() as u64
            })
            .collect()
    }

    /// The rating rows for every week of the period (`None` where no one rated).
    pub fn mean_scores(&self) -> Vec<Option<f64>> {
        self.period
            .weeks()
            .iter()
            .map(|w| {
                self.ratings
                    .iter()
                    .find(|r| r.week_start_ms == *w)
                    .and_then(|r| r.mean_score)
            })
            .collect()
    }
}

/// The median of sorted values: the middle one, or the mean of the two middle ones
/// (rounded down to a whole second).
pub fn median(sorted: &[u64]) -> Option<u64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// The nearest-rank percentile of sorted values: the smallest value with at least `p`
/// per cent of the values at or below it. Simple to check by hand, and always a real value.
pub fn percentile(sorted: &[u64], p: u32) -> Option<u64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (p as usize * n).div_ceil(100).clamp(1, n);
    Some(sorted[rank - 1])
}

/// Summarises `(submitted_at_ms, first_reply_at_ms)` pairs per week of submission, one row
/// for every week of the period. A reply stamped before its submission (a kiosk clock that
/// ran fast) counts as an immediate reply, not a negative one.
pub fn reply_weeks(period: &Period, items: &[(i64, Option<i64>)]) -> Vec<ReplyWeek> {
    period
        .weeks()
        .into_iter()
        .map(|week| {
            let in_week: Vec<&(i64, Option<i64>)> = items
                .iter()
                .filter(|(submitted, _)| week_start_ms(*submitted) == week)
                .collect();
            let mut secs: Vec<u64> = in_week
                .iter()
                .filter_map(|(submitted, reply)| {
                    reply.map(|r| ((r - submitted).max(0) / 1000) as u64)
                })
                .collect();
            secs.sort_unstable();
            ReplyWeek {
                week_start_ms: week,
                submitted: in_week.len() as u64,
                replied: secs.len() as u64,
                median_secs: median(&secs),
                p90_secs: percentile(&secs, 90),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        text.parse::<jiff::Timestamp>()
            .expect("a timestamp")
            .as_millisecond()
    }

    #[test]
    fn weeks_start_on_monday_midnight_in_vietnam() {
        // Monday 2026-11-02 00:00 +07:00 is Sunday 17:00 UTC.
        let monday = at("2026-11-01T17:00:00Z");
        assert_eq!(week_start_ms(monday), monday);
        assert_eq!(
            week_start_ms(at("2026-11-08T16:59:59Z")),
            monday,
            "Sunday 23:59 +07"
        );
        assert_eq!(week_start_ms(at("2026-11-08T17:00:00Z")), monday + WEEK_MS);
        assert_eq!(
            week_start_ms(at("2026-11-01T16:59:59Z")),
            monday - WEEK_MS,
            "Sunday 23:59:59 in Vietnam belongs to the week before"
        );
        assert_eq!(vietnam_datetime(monday), "2026-11-02T00:00:00+07:00");
        assert_eq!(week_start_ms(MONDAY_ZERO_MS - 1), MONDAY_ZERO_MS - WEEK_MS);
    }

    #[test]
    fn a_period_of_dates_includes_the_last_day_in_vietnam_time() {
        let november = Period::from_dates("2026-11-01", "2026-11-30").expect("period");
        assert_eq!(november.from_ms, at("2026-10-31T17:00:00Z"));
        assert_eq!(november.to_ms, at("2026-11-30T17:00:00Z"));
        assert_eq!(november.first_day(), "2026-11-01");
        assert_eq!(november.last_day(), "2026-11-30");
        // Sunday 1 November belongs to the week of Monday 26 October; 30 November is a Monday.
        let weeks = november.weeks();
        assert_eq!(weeks.len(), 6);
        assert_eq!(vietnam_date(weeks[0]), "2026-10-26");
        assert_eq!(vietnam_date(weeks[5]), "2026-11-30");
    }

    #[test]
    fn bad_periods_say_what_to_fix() {
        assert!(matches!(
            Period::from_dates("01/11/2026", "2026-11-30"),
            Err(PeriodError::BadDate { .. })
        ));
        let backwards = Period::from_dates("2026-11-30", "2026-11-01").expect_err("backwards");
        assert!(
            backwards.to_string().contains("before it starts"),
            "{backwards}"
        );
        assert!(matches!(
            Period::from_dates("2025-01-01", "2026-11-30"),
            Err(PeriodError::TooLong { .. })
        ));
        assert!(
            Period::from_dates("2026-11-01", "2026-11-01").is_ok(),
            "one day"
        );
    }

    #[test]
    fn chart_series_cover_every_week_and_category_in_kiosk_order() {
        let period = Period::from_dates("2026-11-02", "2026-11-22").expect("three weeks");
        let w = |i: i64| period.from_ms + i * WEEK_MS;
        let report = Report {
            period,
            unit: None,
            by_category_week: vec![
                CategoryWeek {
                    week_start_ms: w(0),
                    category: "roads".into(),
                    count: 3,
                },
                CategoryWeek {
                    week_start_ms: w(0),
                    category: "zoo".into(),
                    count: 1,
                },
                CategoryWeek {
                    week_start_ms: w(2),
                    category: "land".into(),
                    count: 2,
                },
                CategoryWeek {
                    week_start_ms: w(2),
                    category: "roads".into(),
                    count: 1,
                },
            ],
            by_channel_week: vec![
                ChannelWeek {
                    week_start_ms: w(0),
                    channel: crate::feedback::Channel::Kiosk,
                    count: 3,
                },
                ChannelWeek {
                    week_start_ms: w(2),
                    channel: crate::feedback::Channel::Phone,
                    count: 2,
                },
            ],
            by_unit: vec![
                UnitCount {
                    unit_id: "ban-ho".into(),
                    count: 4,
                },
                UnitCount {
                    unit_id: "old-unit".into(),
                    count: 1,
                },
            ],
            reply_times: Vec::new(),
            ratings: vec![RatingWeek {
                week_start_ms: w(1),
                ratings: 2,
                mean_score: Some(4.5),
                satisfied: 2,
            }],
            campaigns: Vec::new(),
            meetings: vec![MeetingHeld {
                meeting_id: "m".into(),
                host_unit_id: "ban-ho".into(),
                started_at_ms: w(2) + 1,
                ended_at_ms: None,
                rooms_invited: 2,
                browser_links: 0,
            }],
        };
        assert_eq!(
            report.category_series(&["land", "welfare", "roads"]),
            vec![
                ("land".to_owned(), vec![0, 0, 2]),
                ("roads".to_owned(), vec![3, 0, 1]),
                ("zoo".to_owned(), vec![1, 0, 0]),
            ]
        );
        assert_eq!(
            report.unit_counts(&["sa-pa", "ban-ho"]),
            vec![
                ("sa-pa".to_owned(), 0),
                ("ban-ho".to_owned(), 4),
                ("old-unit".to_owned(), 1)
            ]
        );
        use crate::feedback::Channel;
        assert_eq!(
            report.channel_series(),
            vec![
                (Channel::Kiosk, vec![3, 0, 0]),
                (Channel::Phone, vec![0, 0, 2]),
                (Channel::Zalo, vec![0, 0, 0]),
            ],
            "every channel, every week, zeros included"
        );
        assert_eq!(report.meetings_per_week(), vec![0, 0, 1]);
        assert_eq!(report.mean_scores(), vec![None, Some(4.5), None]);
        assert_eq!(week_label(w(1)), "09/11");
    }

    #[test]
    fn median_and_p90_are_computed_as_documented() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[7]), Some(7));
        assert_eq!(median(&[10, 20]), Some(15));
        assert_eq!(median(&[1, 2, 9]), Some(2));
        let ten: Vec<u64> = (1..=10).collect();
        assert_eq!(percentile(&ten, 90), Some(9), "rank ceil(0.9 * 10) = 9");
        let eleven: Vec<u64> = (1..=11).collect();
        assert_eq!(percentile(&eleven, 90), Some(10), "rank ceil(9.9) = 10");
        assert_eq!(percentile(&[5], 90), Some(5));
        assert_eq!(percentile(&[], 90), None);
    }

    #[test]
    fn reply_times_are_summarised_per_week_of_submission() {
        let period = Period::from_dates("2026-11-02", "2026-11-15").expect("two weeks");
        let w1 = period.from_ms;
        let w2 = w1 + WEEK_MS;
        let hour = 3_600_000;
        let items = [
            (w1 + hour, Some(w1 + 2 * hour)),     // 3600 s
            (w1 + hour, Some(w1 + 4 * hour)),     // 10800 s
            (w1 + hour, None),                    // not answered
            (w2 + hour, Some(w2 + hour - 5)),     // kiosk clock ahead: 0 s
            (w2 + 2 * hour, Some(w2 + 3 * hour)), // 3600 s, replied the next week or not
        ];
        let weeks = reply_weeks(&period, &items);
        assert_eq!(
            weeks,
            vec![
                ReplyWeek {
                    week_start_ms: w1,
                    submitted: 3,
                    replied: 2,
                    median_secs: Some(7200),
                    p90_secs: Some(10800),
                },
                ReplyWeek {
                    week_start_ms: w2,
                    submitted: 2,
                    replied: 2,
                    median_secs: Some(1800),
                    p90_secs: Some(3600),
                },
            ]
        );
    }
}
