//! Open311 GeoReport v2, read only: the feedback categories as services and the feedback
//! as service requests, so civic apps and the province's open-data portal can follow what
//! residents raise and how the committees answer.
//!
//! Public, so it shows no more than the public ticket page `/t/<code>` does: the code, the
//! category, the status (mapped to `open`/`closed` by `Status::open311`), the committee's
//! reply, the dates and the commune. Never the resident's text (it may name people), never a
//! name, phone or village; hidden (abusive) items do not exist here. Views share the public
//! ticket page's rate limit per client address. Errors use the spec's shape: an array of
//! `{code, description}` with the HTTP status as `code`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::Hub;
use crate::feedback::Status;
use crate::report::{DAY_MS, vietnam_datetime, vietnam_midnight_ms};
use crate::store::{PublicTicket, PublicTicketQuery};

/// The spec's default and largest answer: "a span of 90 days or first 1000 requests".
pub const WINDOW_MAX_DAYS: i64 = 90;
pub const PAGE_SIZE_MAX: u32 = 1000;

/// The spec's `group` for every service: they are all residents' feedback to the committee.
const SERVICE_GROUP: &str = "Phản ánh, kiến nghị";

/// An error as GeoReport v2 gives it: `[{"code": 404, "description": "..."}]`.
#[derive(Debug)]
pub(crate) struct Open311Error {
    status: StatusCode,
    description: String,
}

#[derive(Debug, Serialize)]
struct ErrorEntry {
    code: u16,
    description: String,
}

impl Open311Error {
    fn new(status: StatusCode, description: impl Into<String>) -> Self {
        Self {
            status,
            description: description.into(),
        }
    }

    fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, description)
    }

    fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, description)
    }

    fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the hub could not answer; try again later",
        )
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let body = vec![ErrorEntry {
            code: self.status.as_u16(),
            description: self.description,
        }];
        (self.status, Json(body)).into_response()
    }
}

impl From<crate::store::StoreError> for Open311Error {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "store failure behind an Open311 request");
        Self::internal()
    }
}

/// One service: a feedback category as the kiosks offer it.
#[derive(Debug, Serialize)]
struct Service {
    service_code: String,
    service_name: String,
    description: String,
    metadata: bool,
    #[serde(rename = "type")]
    kind: &'static str,
    keywords: String,
    group: &'static str,
}

/// One service request: only what the public ticket page shows.
#[derive(Debug, Serialize)]
pub(crate) struct ServiceRequest {
    service_request_id: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_notes: Option<String>,
    service_name: String,
    service_code: String,
    /// The commune committee the item is addressed to.
    agency_responsible: String,
    requested_datetime: String,
    updated_datetime: String,
    /// The commune's name: where the kiosk stands, never where the resident lives.
    address: String,
}

fn rate_limited(hub: &Hub, client: SocketAddr) -> Result<(), Open311Error> {
    let now = crate::clock::now_ms();
    let mut limiter = hub.public_views.lock().unwrap_or_else(|p| p.into_inner());
    if !limiter.allowed(client.ip(), now) {
        return Err(Open311Error::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests from this address; wait a minute",
        ));
    }
    limiter.record(client.ip(), now);
    Ok(())
}

fn category_name(hub: &Hub, code: &str) -> String {
    hub.config
        .feedback
        .categories
        .iter()
        .find(|c| c.id == code)
        .and_then(|c| c.names.get("vi"))
        .cloned()
        .unwrap_or_else(|| code.to_owned())
}

fn unit_name(hub: &Hub, unit_id: &str) -> String {
    hub.config
        .unit(unit_id)
        .map_or_else(|| unit_id.to_owned(), |u| u.name.clone())
}

fn service_request(hub: &Hub, t: PublicTicket) -> ServiceRequest {
    let unit = unit_name(hub, &t.unit_id);
    ServiceRequest {
        service_name: category_name(hub, &t.category),
        service_request_id: t.ticket_code,
        status: t.status.open311(),
        status_notes: t.reply,
        service_code: t.category,
        agency_responsible: unit.clone(),
        requested_datetime: vietnam_datetime(t.submitted_at_ms),
        updated_datetime: vietnam_datetime(t.updated_at_ms),
        address: unit,
    }
}

/// `GET /open311/v2/services.json`
pub(super) async fn services(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
) -> Result<Response, Open311Error> {
    rate_limited(&hub, client)?;
    let services: Vec<Service> = hub
        .config
        .feedback
        .categories
        .iter()
        .map(|c| {
            let vi = c.names.get("vi").cloned().unwrap_or_else(|| c.id.clone());
            // The spec's keywords are comma-separated, so a name's own commas split it.
            let mut keywords = vec![c.id.clone()];
            for word in c.names.values().flat_map(|n| n.split(',')).map(str::trim) {
                if !word.is_empty() && !keywords.iter().any(|k| k == word) {
                    keywords.push(word.to_owned());
                }
            }
            Service {
                service_code: c.id.clone(),
                description: c.names.get("en").cloned().unwrap_or_else(|| vi.clone()),
                service_name: vi,
                metadata: false,
                kind: "realtime",
                keywords: keywords.join(","),
                group: SERVICE_GROUP,
            }
        })
        .collect();
    Ok(Json(services).into_response())
}

/// The query of `GET /open311/v2/requests.json`, as the spec names it. `jurisdiction_id`
/// and `api_key` are accepted and ignored: this hub serves one province, read only.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RequestsQuery {
    service_request_id: Option<String>,
    service_code: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    status: Option<String>,
    /// The widely implemented paging extension: 1-based.
    page: Option<String>,
    page_size: Option<String>,
}

fn list(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A w3 datetime (`2026-11-02T08:00:00+07:00`, `...Z`) or a date, read as Vietnam midnight.
fn instant(name: &str, given: &str) -> Result<i64, Open311Error> {
    if let Ok(t) = given.parse::<jiff::Timestamp>() {
        return Ok(t.as_millisecond());
    }
    given
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(vietnam_midnight_ms)
        .ok_or_else(|| {
            Open311Error::bad_request(format!(
                "{name} {given:?} is not a date and time like 2026-11-02T08:00:00+07:00"
            ))
        })
}

fn number(name: &str, given: Option<&str>, default: u32, max: u32) -> Result<u32, Open311Error> {
    match given {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                Open311Error::bad_request(format!(
                    "{name} {text:?} is not a number from 1 to {max}"
                ))
            }),
    }
}

/// Turns the spec's query into the store's, with the spec's limits: a window of at most 90
/// days (the last 90 when no date is given) and at most 1000 requests a page.
pub(crate) fn store_query(
    query: &RequestsQuery,
    now_ms: i64,
) -> Result<PublicTicketQuery, Open311Error> {
    let window_ms = WINDOW_MAX_DAYS * DAY_MS;
    let start = query
        .start_date
        .as_deref()
        .map(|s| instant("start_date", s))
        .transpose()?;
    let end = query
        .end_date
        .as_deref()
        .map(|s| instant("end_date", s))
        .transpose()?;
    let (from_ms, to_ms) = match (start, end) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, s + window_ms),
        (None, Some(e)) => (e - window_ms, e),
        (None, None) => (now_ms - window_ms, now_ms + 1),
    };
    if to_ms <= from_ms {
        return Err(Open311Error::bad_request(
            "end_date must come after start_date",
        ));
    }
    if to_ms - from_ms > window_ms + 1 {
        return Err(Open311Error::bad_request(format!(
            "start_date to end_date spans more than {WINDOW_MAX_DAYS} days; ask for a shorter span"
        )));
    }
    let mut statuses = Vec::new();
    for wanted in list(query.status.as_deref()) {
        match wanted.as_str() {
            "open" | "closed" => statuses.extend(
                Status::ALL
                    .iter()
                    .copied()
                    .filter(|s| s.open311() == wanted),
            ),
            other => {
                return Err(Open311Error::bad_request(format!(
                    "status {other:?} is not open or closed"
                )));
            }
        }
    }
    let page = number("page", query.page.as_deref(), 1, u32::MAX / PAGE_SIZE_MAX)?;
    let page_size = number(
        "page_size",
        query.page_size.as_deref(),
        PAGE_SIZE_MAX,
        PAGE_SIZE_MAX,
    )?;
    let codes: Vec<String> = list(query.service_request_id.as_deref())
        .iter()
        .filter_map(|c| crate::feedback::ticket::normalize(c))
        .collect();
    Ok(PublicTicketQuery {
        codes,
        categories: list(query.service_code.as_deref()),
        statuses,
        from_ms: Some(from_ms),
        to_ms: Some(to_ms),
        offset: (page - 1) * page_size,
        limit: page_size,
    })
}

/// `GET /open311/v2/requests.json`
pub(super) async fn requests(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    query: Result<Query<RequestsQuery>, QueryRejection>,
) -> Result<Response, Open311Error> {
    rate_limited(&hub, client)?;
    let Query(query) = query.map_err(|e| Open311Error::bad_request(e.body_text()))?;
    if query.service_request_id.is_some() && list(query.service_request_id.as_deref()).is_empty() {
        return Err(Open311Error::bad_request(
            "service_request_id is empty; give one or more ticket codes, comma-separated",
        ));
    }
    let store_query = store_query(&query, crate::clock::now_ms())?;
    let tickets = hub
        .store
        .call(move |s| s.public_tickets(&store_query))
        .await?;
    let requests: Vec<ServiceRequest> = tickets
        .into_iter()
        .map(|t| service_request(&hub, t))
        .collect();
    Ok(Json(requests).into_response())
}

/// `GET /open311/v2/requests/<ticket code>.json`: an array of one, as the spec says.
pub(super) async fn request(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
) -> Result<Response, Open311Error> {
    rate_limited(&hub, client)?;
    let Some(code) = id.strip_suffix(".json") else {
        return Err(Open311Error::not_found(format!(
            "{id:?}: this server answers in JSON only; ask for /open311/v2/requests/<id>.json"
        )));
    };
    let unknown = || Open311Error::not_found(format!("no service request {code:?}"));
    let normalized = crate::feedback::ticket::normalize(code).ok_or_else(unknown)?;
    let ticket = hub
        .store
        .call(move |s| s.public_ticket(&normalized))
        .await?
        .ok_or_else(unknown)?;
    Ok(Json(vec![service_request(&hub, ticket)]).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_MS: i64 = 1_790_000_000_000;

    fn query(pairs: &[(&str, &str)]) -> RequestsQuery {
        let text = pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        serde_urlencoded_query(&text)
    }

    fn serde_urlencoded_query(text: &str) -> RequestsQuery {
        let uri: axum::http::Uri = format!("/open311/v2/requests.json?{text}")
            .parse()
            .expect("uri");
        Query::<RequestsQuery>::try_from_uri(&uri).expect("query").0
    }

    #[test]
    fn without_dates_the_window_is_the_last_90_days_and_1000_requests() {
        let q = store_query(&RequestsQuery::default(), NOW_MS).expect("query");
        assert_eq!(q.from_ms, Some(NOW_MS - 90 * DAY_MS));
        assert!(q.to_ms.expect("end") > NOW_MS);
        assert_eq!((q.offset, q.limit), (0, 1000));
        assert!(q.statuses.is_empty() && q.categories.is_empty() && q.codes.is_empty());
    }

    #[test]
    fn statuses_map_to_ours_and_dates_read_as_the_spec_writes_them() {
        let q = store_query(
            &query(&[
                ("status", "open"),
                ("service_code", "roads,land"),
                ("start_date", "2026-11-01T00:00:00%2B07:00"),
                ("end_date", "2026-11-30T17:00:00Z"),
                ("page", "2"),
                ("page_size", "50"),
            ]),
            NOW_MS,
        )
        .expect("query");
        assert_eq!(
            q.statuses,
            vec![Status::New, Status::Acknowledged, Status::InProgress]
        );
        assert_eq!(q.categories, vec!["roads", "land"]);
        assert_eq!(
            q.from_ms,
            Some(
                "2026-10-31T17:00:00Z"
                    .parse::<jiff::Timestamp>()
                    .expect("t")
                    .as_millisecond()
            )
        );
        assert_eq!((q.offset, q.limit), (50, 50));
        let closed = store_query(&query(&[("status", "closed")]), NOW_MS).expect("q");
        assert!(closed.statuses.iter().all(|s| s.open311() == "closed"));
        assert_eq!(closed.statuses.len(), 4);
    }

    #[test]
    fn bad_queries_are_refused_with_what_to_fix() {
        for (pairs, expected) in [
            (vec![("status", "pending")], "not open or closed"),
            (vec![("start_date", "yesterday")], "not a date"),
            (
                vec![("start_date", "2026-01-01"), ("end_date", "2026-06-01")],
                "more than 90 days",
            ),
            (
                vec![("start_date", "2026-06-01"), ("end_date", "2026-01-01")],
                "after start_date",
            ),
            (vec![("page_size", "5000")], "from 1 to 1000"),
            (vec![("page", "0")], "not a number"),
        ] {
            let err = store_query(&query(&pairs), NOW_MS).expect_err(expected);
            assert_eq!(err.status, StatusCode::BAD_REQUEST);
            assert!(err.description.contains(expected), "{}", err.description);
        }
    }
}
