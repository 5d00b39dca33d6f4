//! Every HTTP route the hub serves, who may call it, and how large a body it accepts.
//!
//! [`ROUTES`] is the list a reader (and a grep-based test) checks; the `*_routes` functions
//! below build the router group by group, each group behind the extractor its access needs
//! as a `route_layer`, so a route cannot be added to a group without that check running
//! before its handler, and so before any body is read. A unit test holds the two in step;
//! `tests/hub_knows_the_caller_before_reading_the_body.rs` checks the built router.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_extractor_with_state, from_fn, from_fn_with_state};
use axum::routing::{get, post, put};

use super::Hub;
use super::auth::{ProvinceAdmin, RoomCaller, Staff, StaffPage};
use super::error::ApiFailure;
use super::{
    api, contrib_api, edge, feedback_api, meeting_api, news_api, open311, phone, schedule_api, web,
    zalo,
};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, on purpose: health, metrics (whose handler applies `[hub] metrics`: the hub
    /// box itself by default, or a token), enrollment (the code is the secret and its
    /// guessing is rate limited), public ticket and campaign pages, the Open311 read API
    /// (what the ticket page shows), meeting links (the
    /// link's token, checked by the handler, opens one meeting; no body is read), the staff
    /// login and set-password forms (CSRF-checked, rate limited), the dashboard's CSS and
    /// Zalo's domain verification file (only the configured one).
    Public,
    /// An enrolled room: `Authorization: Bearer <credential>`, checked before the handler.
    Room,
    /// Staff JSON: a session cookie or `Authorization: Bearer <token>` of an enabled
    /// account, checked before the handler (401 JSON otherwise); the handler limits what
    /// it shows to the member's scope (a commune officer: her unit's items, 403 for others).
    Staff,
    /// Staff JSON only a province admin may use: commune staff get 403 before the handler.
    Province,
    /// Dashboard pages for signed-in staff: anyone else is redirected to `/staff/login`.
    /// Forms posted here carry the session's CSRF token, which the handler checks.
    StaffPage,
    /// A bank's notification service, or Zalo's OA webhook: the sender's signature covers
    /// the body, so the handler checks it; the body is small and limited before it is read.
    Webhook,
}

/// One served method and path (axum's `{param}` syntax) and who may call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

// One entry per line: a grep-based test reads this table.
#[rustfmt::skip]
pub const ROUTES: &[Route] = &[
    Route { method: "GET", path: "/healthz", access: Access::Public },
    Route { method: "GET", path: "/zalo_verifier{file}", access: Access::Public },
    Route { method: "GET", path: "/metrics", access: Access::Public },
    Route { method: "GET", path: "/enroll", access: Access::Public },
    Route { method: "POST", path: "/api/v1/enroll", access: Access::Public },
    Route { method: "GET", path: "/t/{code}", access: Access::Public },
    Route { method: "GET", path: "/c/{page}", access: Access::Public },
    Route { method: "GET", path: "/g/{unit}", access: Access::Public },
    Route { method: "POST", path: "/g/{unit}", access: Access::Public },
    Route { method: "GET", path: "/meet/{id}", access: Access::Public },
    Route { method: "GET", path: "/meet/{id}/ws", access: Access::Public },
    Route { method: "GET", path: "/open311/v2/services.json", access: Access::Public },
    Route { method: "GET", path: "/open311/v2/requests.json", access: Access::Public },
    Route { method: "GET", path: "/open311/v2/requests/{id}", access: Access::Public },
    Route { method: "GET", path: "/staff", access: Access::Public },
    Route { method: "GET", path: "/staff/login", access: Access::Public },
    Route { method: "POST", path: "/staff/login", access: Access::Public },
    Route { method: "GET", path: "/staff/set-password/{token}", access: Access::Public },
    Route { method: "POST", path: "/staff/set-password/{token}", access: Access::Public },
    Route { method: "GET", path: "/staff/static/{file}", access: Access::Public },
    Route { method: "GET", path: "/api/v1/rooms/me", access: Access::Room },
    Route { method: "GET", path: "/api/v1/presence", access: Access::Room },
    Route { method: "GET", path: "/api/v1/ws", access: Access::Room },
    Route { method: "POST", path: "/api/v1/sync/up", access: Access::Room },
    Route { method: "GET", path: "/api/v1/sync/down", access: Access::Room },
    Route { method: "PUT", path: "/api/v1/voice/{sha256}", access: Access::Room },
    Route { method: "GET", path: "/api/v1/voice/{sha256}/upload", access: Access::Room },
    Route { method: "PATCH", path: "/api/v1/voice/{sha256}/upload", access: Access::Room },
    Route { method: "GET", path: "/api/v1/sync/news-image/{sha256}", access: Access::Room },
    Route { method: "GET", path: "/api/v1/feedback", access: Access::Staff },
    Route { method: "GET", path: "/api/v1/feedback/{code}", access: Access::Staff },
    Route { method: "POST", path: "/api/v1/feedback/{code}", access: Access::Staff },
    Route { method: "GET", path: "/api/v1/feedback/{code}/voice", access: Access::Staff },
    Route { method: "GET", path: "/api/v1/news", access: Access::Staff },
    Route { method: "POST", path: "/api/v1/news", access: Access::Staff },
    Route { method: "GET", path: "/api/v1/news/{id}", access: Access::Staff },
    Route { method: "POST", path: "/api/v1/news/{id}", access: Access::Staff },
    Route { method: "GET", path: "/api/v1/news/{id}/image", access: Access::Staff },
    Route { method: "PUT", path: "/api/v1/news/{id}/image", access: Access::Staff },
    Route { method: "POST", path: "/api/v1/news/{id}/withdraw", access: Access::Staff },
    Route { method: "GET", path: "/api/v1/campaigns", access: Access::Province },
    Route { method: "POST", path: "/api/v1/campaigns", access: Access::Province },
    Route { method: "POST", path: "/api/v1/campaigns/{campaign}/close", access: Access::Province },
    Route { method: "GET", path: "/api/v1/meetings", access: Access::Province },
    Route { method: "POST", path: "/api/v1/meetings", access: Access::Province },
    Route { method: "GET", path: "/api/v1/meetings/{id}", access: Access::Province },
    Route { method: "DELETE", path: "/api/v1/meetings/{id}", access: Access::Province },
    Route { method: "POST", path: "/api/v1/meetings/{id}/links", access: Access::Province },
    Route { method: "PUT", path: "/api/v1/meetings/{id}/subscriptions/{participant}", access: Access::Province },
    Route { method: "PUT", path: "/api/v1/meetings/{id}/participants/{participant}/bitrate_cap", access: Access::Province },
    Route { method: "POST", path: "/api/v1/meetings/{id}/chair", access: Access::Province },
    Route { method: "GET", path: "/api/v1/schedule", access: Access::Province },
    Route { method: "POST", path: "/api/v1/schedule", access: Access::Province },
    Route { method: "GET", path: "/api/v1/schedule/{id}", access: Access::Province },
    Route { method: "PATCH", path: "/api/v1/schedule/{id}", access: Access::Province },
    Route { method: "DELETE", path: "/api/v1/schedule/{id}", access: Access::Province },
    Route { method: "GET", path: "/api/v1/schedule/{id}/report", access: Access::Province },
    Route { method: "GET", path: "/staff/", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/logout", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/account", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/news", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/news", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/news/{id}/withdraw", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/news/{id}/image", access: Access::StaffPage },
    Route { method: "PUT", path: "/staff/news/{id}/image", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/account", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/reports", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/reports/{table}", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/feedback", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/feedback.csv", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/feedback/{code}", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/feedback/{code}", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/feedback/{code}/voice", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/feedback/{code}/photo", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/contributions", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/contributions", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/contributions/transfers", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/contributions/transfers/{transfer}/assign", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/contributions/transfers/{transfer}/refund", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/campaigns/{campaign}", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/campaigns/{campaign}/close", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/campaigns/{campaign}/open", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/campaigns/{campaign}/poster.pdf", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/campaigns/{campaign}/pledges", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/campaigns/{campaign}/pledges/{reference}/received", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/campaigns/{campaign}/corrections", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/meetings", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/meetings", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/meetings/{id}/end", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/meetings/{id}/links", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/rooms", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/units/{unit}/poster.pdf", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/meetings/schedule", access: Access::StaffPage },
    Route { method: "POST", path: "/staff/meetings/{id}/cancel", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/meetings/{id}/report", access: Access::StaffPage },
    Route { method: "GET", path: "/staff/meetings/{id}/report.csv", access: Access::StaffPage },
    Route { method: "POST", path: "/webhooks/sepay", access: Access::Webhook },
    Route { method: "POST", path: "/webhooks/casso", access: Access::Webhook },
    Route { method: "POST", path: "/webhooks/payos", access: Access::Webhook },
    Route { method: "POST", path: "/webhooks/generic", access: Access::Webhook },
    Route { method: "POST", path: "/webhooks/zalo", access: Access::Webhook },
];

/// A voice recording: the kiosk stops at 3 minutes of Opus at ~24 kb/s (about 540 KB);
/// the cap leaves more than twice that for variable-bitrate peaks and the Ogg pages, and is
/// a quarter of the 8 MiB the hub used to accept.
pub const VOICE_MAX_BYTES: usize = 2 * 1024 * 1024;

/// One upload batch at its largest: `BATCH_MAX` feedback items of the longest text at 4
/// bytes a character (UTF-8's worst), plus a few KiB of fields each. Real batches are a few
/// KiB; a room whose largest possible batch were refused would be stuck for ever.
pub const SYNC_UP_MAX_BYTES: usize =
    crate::sync::BATCH_MAX * (feedback_api::TEXT_MAX_CHARS * 4 + 4 * 1024);

/// Staff requests are a few hundred bytes of JSON; a reply to a resident is at most a few
/// thousand characters. (Bank notifications have their own, smaller cap.)
pub const SMALL_BODY_MAX_BYTES: usize = 64 * 1024;

/// Requests that carry no body (or an enrollment code) get no room for one.
pub const TINY_BODY_MAX_BYTES: usize = 4 * 1024;

// Checked when the hub is compiled: three minutes at 24 kb/s (540 KB) fit with room for
// VBR peaks, and no limit creeps up unnoticed.
const _: () = assert!(VOICE_MAX_BYTES >= 2 * 180 * 24_000 / 8 && VOICE_MAX_BYTES < 8 * 1024 * 1024);
const _: () = assert!(SYNC_UP_MAX_BYTES < 4 * 1024 * 1024);

/// The hub's whole HTTP surface.
pub(crate) fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .merge(public_routes())
        .merge(room_routes(hub.clone()))
        .merge(staff_routes(hub.clone()))
        .merge(province_routes(hub.clone()))
        .merge(staff_page_routes(hub.clone()))
        .merge(webhook_routes())
        .fallback(|| async { ApiFailure::no_such_endpoint() })
        .layer(from_fn(web::staff_response_headers))
        .layer(from_fn_with_state(hub.clone(), edge::public_headers))
        .layer(from_fn_with_state(hub.clone(), edge::body_stall_timeout))
        // Outermost: every layer and handler below sees the real client.
        .layer(from_fn_with_state(hub.clone(), edge::client_address))
        .with_state(hub)
}

fn public_routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(edge::metrics))
        .route("/enroll", get(api::enroll_page))
        .route("/api/v1/enroll", post(api::enroll))
        .route("/t/{code}", get(feedback_api::public_ticket))
        .route("/c/{page}", get(edge::campaign_page))
        // The phone page's form: a voice and a photo at their caps (checked per part too).
        .route(
            "/g/{unit}",
            get(phone::page)
                .post(phone::submit)
                .layer(DefaultBodyLimit::max(phone::BODY_MAX_BYTES)),
        )
        .route("/meet/{id}", get(meeting_api::page))
        .route("/meet/{id}/ws", get(meeting_api::browser_ws))
        .route("/open311/v2/services.json", get(open311::services))
        .route("/open311/v2/requests.json", get(open311::requests))
        // `{id}` is `<ticket code>.json`: the router matches whole segments only.
        .route("/open311/v2/requests/{id}", get(edge::open311_request))
        // `{file}` is `<code>.html`: Zalo's domain check (`[zalo] site_verification`).
        .route("/zalo_verifier{file}", get(zalo::domain_verifier))
        .route("/staff", get(web::to_home))
        .route(
            "/staff/login",
            get(web::login::form).post(web::login::submit),
        )
        .route(
            "/staff/set-password/{token}",
            get(web::login::set_password_form).post(web::login::set_password),
        )
        .route("/staff/static/{file}", get(web::static_file))
        .layer(DefaultBodyLimit::max(TINY_BODY_MAX_BYTES))
}

fn room_routes(hub: Arc<Hub>) -> Router<Arc<Hub>> {
    Router::new()
        .route("/api/v1/rooms/me", get(api::me))
        .route("/api/v1/presence", get(api::presence))
        .route("/api/v1/ws", get(api::websocket))
        .route(
            "/api/v1/sync/up",
            post(feedback_api::sync_up).layer(DefaultBodyLimit::max(SYNC_UP_MAX_BYTES)),
        )
        .route("/api/v1/sync/down", get(feedback_api::sync_down))
        .route(
            "/api/v1/voice/{sha256}",
            put(feedback_api::put_voice).layer(DefaultBodyLimit::max(VOICE_MAX_BYTES)),
        )
        // A resumed upload streams its body into the room's partial; the handler caps it at
        // the declared total, itself at most `VOICE_MAX_BYTES`.
        .route(
            "/api/v1/voice/{sha256}/upload",
            get(feedback_api::voice_upload_state)
                .patch(feedback_api::patch_voice)
                .layer(DefaultBodyLimit::max(VOICE_MAX_BYTES)),
        )
        .route(
            "/api/v1/sync/news-image/{sha256}",
            get(news_api::room_image),
        )
        .layer(DefaultBodyLimit::max(TINY_BODY_MAX_BYTES))
        .route_layer(from_extractor_with_state::<RoomCaller, _>(hub))
}

fn staff_routes(hub: Arc<Hub>) -> Router<Arc<Hub>> {
    Router::new()
        .route("/api/v1/feedback", get(feedback_api::list))
        .route(
            "/api/v1/feedback/{code}",
            get(feedback_api::show).post(feedback_api::update),
        )
        .route("/api/v1/feedback/{code}/voice", get(feedback_api::voice))
        .route(
            "/api/v1/news",
            get(news_api::list_news).post(news_api::post_news),
        )
        .route(
            "/api/v1/news/{id}",
            get(news_api::show_news).post(news_api::edit_news),
        )
        .route(
            "/api/v1/news/{id}/image",
            get(news_api::get_image)
                .put(news_api::put_image)
                .layer(DefaultBodyLimit::max(news_api::IMAGE_BODY_MAX_BYTES)),
        )
        .route("/api/v1/news/{id}/withdraw", post(news_api::withdraw_news))
        .layer(DefaultBodyLimit::max(SMALL_BODY_MAX_BYTES))
        .route_layer(from_extractor_with_state::<Staff, _>(hub))
}

fn province_routes(hub: Arc<Hub>) -> Router<Arc<Hub>> {
    Router::new()
        .route(
            "/api/v1/campaigns",
            get(contrib_api::list_campaigns).post(contrib_api::create_campaign),
        )
        .route(
            "/api/v1/campaigns/{campaign}/close",
            post(contrib_api::close_campaign),
        )
        .route(
            "/api/v1/meetings",
            get(meeting_api::list).post(meeting_api::start),
        )
        .route(
            "/api/v1/meetings/{id}",
            get(meeting_api::show).delete(meeting_api::stop),
        )
        .route("/api/v1/meetings/{id}/links", post(meeting_api::link))
        .route(
            "/api/v1/meetings/{id}/subscriptions/{participant}",
            put(meeting_api::subscribe),
        )
        .route(
            "/api/v1/meetings/{id}/participants/{participant}/bitrate_cap",
            put(meeting_api::cap),
        )
        .route("/api/v1/meetings/{id}/chair", post(schedule_api::chair))
        .route(
            "/api/v1/schedule",
            get(schedule_api::list).post(schedule_api::create_one),
        )
        .route(
            "/api/v1/schedule/{id}",
            get(schedule_api::show)
                .patch(schedule_api::update)
                .delete(schedule_api::cancel_one),
        )
        .route(
            "/api/v1/schedule/{id}/report",
            get(schedule_api::attendance_report),
        )
        .layer(DefaultBodyLimit::max(SMALL_BODY_MAX_BYTES))
        .route_layer(from_extractor_with_state::<ProvinceAdmin, _>(hub))
}

fn staff_page_routes(hub: Arc<Hub>) -> Router<Arc<Hub>> {
    Router::new()
        .route("/staff/", get(web::home))
        .route("/staff/logout", post(web::login::logout))
        .route(
            "/staff/account",
            get(web::login::account).post(web::login::change_password),
        )
        .route("/staff/news", get(web::news::page).post(web::news::post))
        .route("/staff/news/{id}/withdraw", post(web::news::withdraw))
        .route(
            "/staff/news/{id}/image",
            get(web::news::image)
                .put(web::news::put_image)
                .layer(DefaultBodyLimit::max(news_api::IMAGE_BODY_MAX_BYTES)),
        )
        .route("/staff/reports", get(web::reports::page))
        // `{table}` is `<table>.csv`: the router matches whole segments only.
        .route("/staff/reports/{table}", get(web::reports::csv))
        .route("/staff/feedback", get(web::feedback::inbox))
        .route("/staff/feedback.csv", get(web::feedback::export))
        .route(
            "/staff/feedback/{code}",
            get(web::feedback::item).post(web::feedback::act),
        )
        .route("/staff/feedback/{code}/voice", get(web::feedback::voice))
        .route("/staff/feedback/{code}/photo", get(phone::staff_photo))
        .route(
            "/staff/contributions",
            get(web::contrib::list).post(web::contrib::create),
        )
        .route("/staff/contributions/transfers", get(web::contrib::queue))
        .route(
            "/staff/contributions/transfers/{transfer}/assign",
            post(web::contrib::assign),
        )
        .route(
            "/staff/contributions/transfers/{transfer}/refund",
            post(web::contrib::refund),
        )
        .route("/staff/campaigns/{campaign}", get(web::contrib::show))
        .route(
            "/staff/campaigns/{campaign}/close",
            post(web::contrib::close),
        )
        .route("/staff/campaigns/{campaign}/open", post(web::contrib::open))
        .route(
            "/staff/campaigns/{campaign}/poster.pdf",
            get(web::contrib::poster),
        )
        .route(
            "/staff/campaigns/{campaign}/pledges",
            post(web::contrib::add_pledge),
        )
        .route(
            "/staff/campaigns/{campaign}/pledges/{reference}/received",
            post(web::contrib::cash_received),
        )
        .route(
            "/staff/campaigns/{campaign}/corrections",
            post(web::contrib::correct),
        )
        .route(
            "/staff/meetings",
            get(web::meetings::list).post(web::meetings::start),
        )
        .route("/staff/meetings/{id}/end", post(web::meetings::end))
        .route("/staff/meetings/{id}/links", post(web::meetings::link))
        .route("/staff/rooms", get(web::rooms::list))
        .route("/staff/units/{unit}/poster.pdf", get(phone::poster::poster))
        .route("/staff/meetings/schedule", post(web::meetings::schedule))
        .route("/staff/meetings/{id}/cancel", post(web::meetings::cancel))
        .route("/staff/meetings/{id}/report", get(web::meetings::report))
        .route(
            "/staff/meetings/{id}/report.csv",
            get(web::meetings::report_csv),
        )
        .layer(DefaultBodyLimit::max(SMALL_BODY_MAX_BYTES))
        .route_layer(from_extractor_with_state::<StaffPage, _>(hub))
}

fn webhook_routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/webhooks/sepay", post(contrib_api::sepay))
        .route("/webhooks/casso", post(contrib_api::casso))
        .route("/webhooks/payos", post(contrib_api::payos))
        .route("/webhooks/generic", post(contrib_api::generic))
        .route(
            "/webhooks/zalo",
            post(zalo::webhook).layer(DefaultBodyLimit::max(crate::zalo::MAX_BODY_BYTES)),
        )
        .layer(DefaultBodyLimit::max(
            crate::contrib::webhooks::MAX_BODY_BYTES,
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `.route(...)` calls of one `fn name(` in this file: (method, path) pairs.
    fn served_by(source: &str, function: &str) -> Vec<(String, String)> {
        let start = source
            .find(&format!("fn {function}("))
            .unwrap_or_else(|| panic!("no fn {function} in routes.rs"));
        let body = &source[start..];
        let end = body
            .find("\n}\n")
            .expect("a top-level fn ends with `}` alone on a line");
        let body = &body[..end];
        let mut served = Vec::new();
        for call in body.split(".route(").skip(1) {
            let path = call
                .split('"')
                .nth(1)
                .expect("a .route( call starts with its path literal");
            // The call ends at the parenthesis that closes `.route(`.
            let mut depth = 1;
            let end = call
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(call.len(), |(i, _)| i);
            for method in ["get", "post", "put", "delete", "patch"] {
                let mut rest = &call[..end];
                while let Some(i) = rest.find(&format!("{method}(")) {
                    let before = rest[..i].chars().last();
                    if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':')) {
                        served.push((method.to_uppercase(), path.to_owned()));
                    }
                    rest = &rest[i + method.len()..];
                }
            }
        }
        served
    }

    #[test]
    fn the_route_table_lists_exactly_what_each_access_group_serves() {
        let source = include_str!("routes.rs");
        for (function, access) in [
            ("public_routes", Access::Public),
            ("room_routes", Access::Room),
            ("staff_routes", Access::Staff),
            ("province_routes", Access::Province),
            ("staff_page_routes", Access::StaffPage),
            ("webhook_routes", Access::Webhook),
        ] {
            let mut served = served_by(source, function);
            served.sort();
            let mut listed: Vec<(String, String)> = ROUTES
                .iter()
                .filter(|r| r.access == access)
                .map(|r| (r.method.to_owned(), r.path.to_owned()))
                .collect();
            listed.sort();
            assert_eq!(
                served, listed,
                "{function} must serve exactly the ROUTES entries with {access:?}"
            );
        }
    }

    #[test]
    fn no_other_hub_file_adds_routes_outside_the_table() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/hub");
        for entry in std::fs::read_dir(&dir).expect("src/hub") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("routes.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read");
            for (n, line) in text.lines().enumerate() {
                assert!(
                    !line.contains(".route(") && !line.contains(".nest("),
                    "{}:{}: routes are added in src/hub/routes.rs only, under ROUTES",
                    path.display(),
                    n + 1
                );
            }
        }
    }

    #[test]
    fn every_route_is_listed_once() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(
                    (a.method, a.path) != (b.method, b.path),
                    "{} {} is listed twice",
                    a.method,
                    a.path
                );
            }
        }
    }
}
