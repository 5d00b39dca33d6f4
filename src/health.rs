//! What a hub's and a room's `/healthz` answer has in common, and reading a `/metrics` page
//! back (the meeting benchmark and the tests read the same figures monitoring does).

use std::time::Instant;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The common head of every `/healthz` answer; `detail` adds what the box knows.
#[derive(Debug, serde::Serialize)]
struct Health<T: serde::Serialize> {
    status: &'static str,
    version: &'static str,
    uptime_secs: u64,
    db_ok: bool,
    #[serde(flatten)]
    detail: T,
}

/// `/healthz`: 200 "ok" while the database answers, 503 "degraded" when it does not, so a
/// monitor needs no JSON to tell.
pub fn healthz_response(db_ok: bool, started: Instant, detail: impl serde::Serialize) -> Response {
    let health = Health {
        status: if db_ok { "ok" } else { "degraded" },
        version: env!("CARGO_PKG_VERSION"),
        uptime_secs: started.elapsed().as_secs(),
        db_ok,
        detail,
    };
    let code = if db_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(health)).into_response()
}

/// One `/metrics` page as (series `name{labels}`, value), in page order; comments skipped.
pub fn parse_metrics(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            Some((series.to_owned(), value.parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_metrics_page_reads_back_in_order_without_comments() {
        let page = "# HELP x y\nphonghop_a 1\nphonghop_b{slot=\"0\"} 2.5\nbroken\n# EOF\n";
        assert_eq!(
            parse_metrics(page),
            vec![
                ("phonghop_a".to_owned(), 1.0),
                ("phonghop_b{slot=\"0\"}".to_owned(), 2.5)
            ]
        );
    }
}
