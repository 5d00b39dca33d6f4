//! `/staff/reports`: the committee's periodic report for a chosen period — charts drawn on
//! the server as SVG, the tables under them, a CSV file of each table, and a print
//! stylesheet, so the browser's Print gives the report a committee files.
//!
//! Scope is decided in one place, [`scope`]: a province admin sees the province, a commune
//! officer her own unit, in every chart, table and CSV file alike.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, PreEscaped, html};

use super::{Lang, PageError, Staff, layout, static_url, t};
use crate::config::{HubConfig, UnitLevel};
use crate::hub::Hub;
use crate::hub::auth::StaffPage;
use crate::report::charts::{Chart, Series, bar_chart, line_chart};
use crate::report::export::{Names, Table, table};
use crate::report::{
    Period, Report, WEEK_MS, vietnam_date, vietnam_datetime, week_label, week_start_ms,
};

/// How many weeks the page shows when no period is chosen: this week and the four before.
const DEFAULT_WEEKS: i64 = 5;

/// The period picker's fields: `from` and `to` are the first and last day, both included.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

/// The unit a member's report is limited to (`None`: the province). The one place reports
/// decide what a member may see.
fn scope(staff: &Staff) -> Option<String> {
    staff.scope().unit().map(str::to_owned)
}

fn period(query: &PeriodQuery, now_ms: i64) -> Result<Period, crate::report::PeriodError> {
    let today = vietnam_date(now_ms);
    let default_from = vietnam_date(week_start_ms(now_ms) - (DEFAULT_WEEKS - 1) * WEEK_MS);
    let pick = |given: &Option<String>, default: &str| match given.as_deref().map(str::trim) {
        None | Some("") => default.to_owned(),
        Some(day) => day.to_owned(),
    };
    Period::from_dates(&pick(&query.from, &default_from), &pick(&query.to, &today))
}

/// Unit and category names as the hub's config gives them, in the page's language.
struct ConfigNames<'a> {
    config: &'a HubConfig,
    lang: Lang,
}

impl Names for ConfigNames<'_> {
    fn unit(&self, unit_id: &str) -> String {
        self.config
            .unit(unit_id)
            .map_or_else(|| unit_id.to_owned(), |u| u.name.clone())
    }

    fn category(&self, category_id: &str) -> String {
        self.config
            .feedback
            .categories
            .iter()
            .find(|c| c.id == category_id)
            .and_then(|c| c.names.get(self.lang.code()).or_else(|| c.names.get("vi")))
            .cloned()
            .unwrap_or_else(|| category_id.to_owned())
    }
}

fn bad_period(staff: &Staff, lang: Lang, e: &crate::report::PeriodError) -> PageError {
    PageError::new(
        StatusCode::BAD_REQUEST,
        Some(staff),
        lang,
        &format!("{} ({e})", t(lang, "reports-bad-period")),
    )
}

async fn load(hub: &Hub, staff: &Staff, period: Period, lang: Lang) -> Result<Report, PageError> {
    let unit = scope(staff);
    hub.store
        .call(move |s| s.report(&period, unit.as_deref()))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read the report");
            PageError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(staff),
                lang,
                &t(lang, "reports-failed"),
            )
        })
}

/// The report's charts: (id, SVG). A chart that cannot be drawn is logged and left out.
fn charts(report: &Report, config: &HubConfig, lang: Lang) -> Vec<(&'static str, String)> {
    let names = ConfigNames { config, lang };
    let weeks = report.period.weeks();
    let week_labels: Vec<String> = weeks.iter().map(|w| week_label(*w)).collect();
    let count_axis = t(lang, "reports-axis-count");
    let order: Vec<&str> = config
        .feedback
        .categories
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    let units: Vec<&str> = match &report.unit {
        Some(unit) => vec![unit.as_str()],
        None => config
            .units
            .iter()
            .filter(|u| u.level == UnitLevel::Commune)
            .map(|u| u.id.as_str())
            .collect(),
    };
    let drawn = [
        (
            "categories",
            bar_chart(&Chart {
                title: String::new(),
                y_label: count_axis.clone(),
                x_labels: week_labels.clone(),
                series: report
                    .category_series(&order)
                    .into_iter()
                    .map(|(category, values)| Series {
                        label: names.category(&category),
                        values: values.into_iter().map(|v| v as f64).collect(),
                    })
                    .collect(),
            }),
        ),
        (
            "channels",
            bar_chart(&Chart {
                title: String::new(),
                y_label: count_axis.clone(),
                x_labels: week_labels.clone(),
                series: report
                    .channel_series()
                    .into_iter()
                    .map(|(channel, values)| Series {
                        label: t(lang, &format!("channel-{}", channel.as_str())),
                        values: values.into_iter().map(|v| v as f64).collect(),
                    })
                    .collect(),
            }),
        ),
        ("communes", {
            let counts = report.unit_counts(&units);
            bar_chart(&Chart {
                title: String::new(),
                y_label: count_axis.clone(),
                x_labels: counts.iter().map(|(u, _)| names.unit(u)).collect(),
                series: vec![Series {
                    label: String::new(),
                    values: counts.iter().map(|(_, n)| *n as f64).collect(),
                }],
            })
        }),
        (
            "reply_times",
            line_chart(&Chart {
                title: String::new(),
                y_label: t(lang, "reports-axis-hours"),
                x_labels: week_labels.clone(),
                series: vec![
                    Series {
                        label: t(lang, "reports-median"),
                        values: report
                            .reply_times
                            .iter()
                            .map(|r| r.median_secs.map(|s| s as f64 / 3600.0))
                            .collect(),
                    },
                    Series {
                        label: t(lang, "reports-p90"),
                        values: report
                            .reply_times
                            .iter()
                            .map(|r| r.p90_secs.map(|s| s as f64 / 3600.0))
                            .collect(),
                    },
                ],
            }),
        ),
        (
            "ratings",
            line_chart(&Chart {
                title: String::new(),
                y_label: t(lang, "reports-axis-score"),
                x_labels: week_labels.clone(),
                series: vec![Series {
                    label: t(lang, "reports-mean-score"),
                    values: report.mean_scores(),
                }],
            }),
        ),
        (
            "campaigns",
            bar_chart(&Chart {
                title: String::new(),
                y_label: t(lang, "reports-axis-million-vnd"),
                x_labels: report.campaigns.iter().map(|c| c.title.clone()).collect(),
                series: vec![Series {
                    label: String::new(),
                    values: report
                        .campaigns
                        .iter()
                        .map(|c| c.confirmed_vnd as f64 / 1_000_000.0)
                        .collect(),
                }],
            }),
        ),
        (
            "meetings",
            bar_chart(&Chart {
                title: String::new(),
                y_label: count_axis,
                x_labels: week_labels,
                series: vec![Series {
                    label: String::new(),
                    values: report
                        .meetings_per_week()
                        .into_iter()
                        .map(|n| n as f64)
                        .collect(),
                }],
            }),
        ),
    ];
    drawn
        .into_iter()
        .filter_map(|(id, svg)| match svg {
            Ok(svg) => Some((id, svg)),
            Err(e) => {
                tracing::error!(error = %e, "a report chart could not be drawn");
                None
            }
        })
        .collect()
}

fn hours(secs: Option<u64>) -> String {
    secs.map_or_else(|| "—".to_owned(), |s| format!("{:.1}", s as f64 / 3600.0))
}

fn csv_link(which: Table, period: &Period, lang: Lang) -> Markup {
    html! {
        a class="csv" href={ "/staff/reports/" (which.as_str()) ".csv?from=" (period.first_day()) "&to=" (period.last_day()) } {
            (t(lang, "reports-csv"))
        }
    }
}

fn chart_figure(charts: &[(&'static str, String)], id: &str) -> Markup {
    html! {
        @if let Some((_, svg)) = charts.iter().find(|(c, _)| *c == id) {
            figure class="chart" { (PreEscaped(svg)) }
        }
    }
}

/// `GET /staff/reports?from=YYYY-MM-DD&to=YYYY-MM-DD`
pub(crate) async fn page(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
    Query(query): Query<PeriodQuery>,
) -> Result<Markup, PageError> {
    let period =
        period(&query, crate::clock::now_ms()).map_err(|e| bad_period(&staff, lang, &e))?;
    let report = load(&hub, &staff, period, lang).await?;
    let names = ConfigNames {
        config: &hub.config,
        lang,
    };
    let charts = charts(&report, &hub.config, lang);
    let scope_text = match &report.unit {
        Some(unit) => names.unit(unit),
        None => hub.config.province().name.clone(),
    };
    // Every part of the report alike: heading, a note, chart, table, the table's CSV file.
    let part = |heading: &str,
                note: Option<&str>,
                chart: &str,
                which: Table,
                head: Markup,
                rows: Markup| {
        html! {
            section class="report-part" {
                h2 { (t(lang, heading)) }
                @if let Some(note) = note { p class="hint" { (t(lang, note)) } }
                (chart_figure(&charts, chart))
                div class="table-wrap" { table {
                    thead { tr { (head) } }
                    tbody { (rows) }
                } }
                (csv_link(which, &period, lang))
            }
        }
    };
    let body = html! {
        link rel="stylesheet" href=(static_url("reports.css"));
        form class="period" method="get" action="/staff/reports" {
            label { (t(lang, "reports-from")) input type="date" name="from" value=(period.first_day()) required; }
            label { (t(lang, "reports-to")) input type="date" name="to" value=(period.last_day()) required; }
            button type="submit" { (t(lang, "reports-show")) }
        }
        p class="scope" {
            strong { (scope_text) } " · " (period.first_day()) " – " (period.last_day())
        }
        p class="no-print hint" { (t(lang, "reports-print-hint")) }

        (part("reports-chart-categories", None, "categories", Table::CategoryWeeks,
            html! { th { (t(lang, "reports-week")) } th { (t(lang, "reports-category")) } th class="num" { (t(lang, "reports-count")) } },
            html! { @for r in &report.by_category_week {
                tr { td { (vietnam_date(r.week_start_ms)) } td { (names.category(&r.category)) } td class="num" { (r.count) } }
            } }))
        (part("reports-chart-channels", None, "channels", Table::ChannelWeeks,
            html! { th { (t(lang, "reports-week")) } th { (t(lang, "reports-channel")) } th class="num" { (t(lang, "reports-count")) } },
            html! { @for r in &report.by_channel_week {
                tr { td { (vietnam_date(r.week_start_ms)) } td { (t(lang, &format!("channel-{}", r.channel.as_str()))) } td class="num" { (r.count) } }
            } }))
        (part("reports-chart-communes", None, "communes", Table::Units,
            html! { th { (t(lang, "reports-commune")) } th class="num" { (t(lang, "reports-count")) } },
            html! { @for r in &report.by_unit {
                tr { td { (names.unit(&r.unit_id)) } td class="num" { (r.count) } }
            } }))
        (part("reports-chart-reply-times", None, "reply_times", Table::ReplyTimes,
            html! {
                th { (t(lang, "reports-week")) } th class="num" { (t(lang, "reports-submitted")) }
                th class="num" { (t(lang, "reports-replied")) } th class="num" { (t(lang, "reports-median-hours")) }
                th class="num" { (t(lang, "reports-p90-hours")) }
            },
            html! { @for r in &report.reply_times {
                tr {
                    td { (vietnam_date(r.week_start_ms)) } td class="num" { (r.submitted) } td class="num" { (r.replied) }
                    td class="num" { (hours(r.median_secs)) } td class="num" { (hours(r.p90_secs)) }
                }
            } }))
        (part("reports-chart-ratings", None, "ratings", Table::Ratings,
            html! {
                th { (t(lang, "reports-week")) } th class="num" { (t(lang, "reports-ratings")) }
                th class="num" { (t(lang, "reports-mean-score")) } th class="num" { (t(lang, "reports-satisfied")) }
            },
            html! { @for r in &report.ratings {
                tr {
                    td { (vietnam_date(r.week_start_ms)) } td class="num" { (r.ratings) }
                    td class="num" { (r.mean_score.map_or_else(|| "—".to_owned(), |m| format!("{m:.2}"))) }
                    td class="num" { (r.satisfied) }
                }
            } }))
        (part("reports-chart-campaigns", report.unit.is_some().then_some("reports-campaigns-unit-note"),
            "campaigns", Table::Campaigns,
            html! {
                th { (t(lang, "reports-campaign")) } th class="num" { (t(lang, "reports-confirmed-vnd")) }
                th class="num" { (t(lang, "reports-donors")) }
            },
            html! { @for r in &report.campaigns {
                tr { td { (r.title) } td class="num" { (crate::contrib::format_vnd(r.confirmed_vnd)) } td class="num" { (r.donors) } }
            } }))
        (part("reports-chart-meetings", None, "meetings", Table::Meetings,
            html! {
                th { (t(lang, "reports-started")) } th { (t(lang, "reports-host")) }
                th class="num" { (t(lang, "reports-rooms-invited")) } th class="num" { (t(lang, "reports-browser-links")) }
                th { (t(lang, "reports-ended")) }
            },
            html! { @for m in &report.meetings {
                tr {
                    td { (vietnam_datetime(m.started_at_ms)) } td { (names.unit(&m.host_unit_id)) }
                    td class="num" { (m.rooms_invited) } td class="num" { (m.browser_links) }
                    td { (m.ended_at_ms.map(vietnam_datetime).unwrap_or_else(|| t(lang, "reports-running"))) }
                }
            } }))
    };
    Ok(layout(&t(lang, "reports-title"), Some(&staff), lang, body))
}

/// `GET /staff/reports/<table>.csv?from=..&to=..`: the same rows as the page's table.
pub(crate) async fn csv(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
    Path(file): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let which = file
        .strip_suffix(".csv")
        .and_then(Table::parse)
        .ok_or_else(|| {
            let tables: Vec<String> = Table::ALL
                .iter()
                .map(|t| format!("{}.csv", t.as_str()))
                .collect();
            PageError::new(
                StatusCode::NOT_FOUND,
                Some(&staff),
                lang,
                &format!("{} {}", t(lang, "reports-no-such-table"), tables.join(", ")),
            )
        })?;
    let period =
        period(&query, crate::clock::now_ms()).map_err(|e| bad_period(&staff, lang, &e))?;
    let report = load(&hub, &staff, period, lang).await?;
    let names = ConfigNames {
        config: &hub.config,
        lang,
    };
    let bytes = table(&report, which, &names).to_csv().map_err(|e| {
        tracing::error!(error = %e, "cannot write a report CSV");
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(&staff),
            lang,
            &t(lang, "reports-failed"),
        )
    })?;
    let filename = format!(
        "phonghop-{}-{}-{}.csv",
        which.as_str(),
        period.first_day(),
        period.last_day()
    );
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::DAY_MS;

    #[test]
    fn the_default_period_is_this_week_and_the_four_before() {
        // Wednesday 2026-11-25 10:00 in Vietnam.
        let now = "2026-11-25T03:00:00Z"
            .parse::<jiff::Timestamp>()
            .expect("t")
            .as_millisecond();
        let p = period(&PeriodQuery::default(), now).expect("period");
        assert_eq!(p.first_day(), "2026-10-26");
        assert_eq!(p.last_day(), "2026-11-25");
        assert_eq!(p.weeks().len(), 5);
        let chosen = period(
            &PeriodQuery {
                from: Some("2026-11-01".into()),
                to: Some("2026-11-30".into()),
            },
            now,
        )
        .expect("period");
        assert_eq!(chosen.to_ms - chosen.from_ms, 30 * DAY_MS);
    }
}
