//! The staff dashboard under `/staff/`: server-rendered HTML (maud), one CSS file, Fluent
//! texts in Vietnamese (default) and English.
//!
//! How to add a page (one file per area, e.g. `feedback.rs`):
//! - Route it in `src/hub/routes.rs` under `staff_page_routes` and list it in `ROUTES` as
//!   `Access::StaffPage`: an unsigned visitor is then redirected to `/staff/login` before
//!   your handler runs.
//! - Take [`Staff`] (who is signed in: `login`, `name`, `role`, `unit`, and
//!   [`Staff::scope`] — `Scope::All` or `Scope::Unit(u)` — to pass into store queries), and
//!   [`Lang`] (from `?lang=` or the cookie).
//! - Texts: [`t`]`(lang, "key")` and [`t_args`]`(lang, "key", &[("name", value)])`; add the
//!   key to both `web/i18n/vi.ftl` and `web/i18n/en.ftl` (a test checks they match).
//! - Wrap the body in [`layout`]`(title, Some(&staff), lang, body)`: header, menu by role,
//!   language switch, logout.
//! - Every form that posts puts [`csrf_input`]`(&staff)` inside it, and its handler checks
//!   the posted `csrf` field with [`Staff::csrf_matches`] (or [`check_csrf`]) before it
//!   changes anything. JSON calls from a signed-in page send the token as `X-CSRF-Token`.
//! - Province-only pages call [`require_province`] (403 page for commune staff).
//! - No inline `<script>` or `style=`: the CSP forbids them. CSS goes in
//!   `web/static/staff.css`, scripts in `web/static/*.js` listed in [`STATIC_FILES`].
//!
//! Every `/staff` response carries the security headers ([`staff_response_headers`]).

pub(crate) mod contrib;
pub(crate) mod feedback;
pub(crate) mod flash;
pub(crate) mod forms;
pub(crate) mod i18n;
pub(crate) mod login;
pub(crate) mod meetings;
pub(crate) mod news;
pub(crate) mod reports;
pub(crate) mod rooms;

use std::sync::{Arc, LazyLock};

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};
use sha2::{Digest, Sha256};

use super::Hub;
pub(crate) use super::auth::Staff;
use super::auth::StaffPage;
use crate::store::StaffRole;
pub(crate) use i18n::{LANG_COOKIE, Lang, t, t_args};

/// Files served from `/staff/static/{name}`: name, content type, content.
pub(crate) const STATIC_FILES: &[(&str, &str, &str)] = &[
    (
        "staff.css",
        "text/css; charset=utf-8",
        include_str!("../../../web/static/staff.css"),
    ),
    (
        "news.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../web/static/news.js"),
    ),
    (
        "reports.css",
        "text/css; charset=utf-8",
        include_str!("../../../web/static/reports.css"),
    ),
    (
        "feedback.css",
        "text/css; charset=utf-8",
        include_str!("../../../web/static/feedback.css"),
    ),
    (
        "feedback.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../web/static/feedback.js"),
    ),
    (
        "phone.css",
        "text/css; charset=utf-8",
        include_str!("../../../web/static/phone.css"),
    ),
    (
        "phone.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../web/static/phone.js"),
    ),
];

/// The Content-Security-Policy of every dashboard page: nothing inline, nothing foreign,
/// no framing.
pub(crate) const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; media-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// A short hash of a static file's content, appended as `?v=` so the long cache never
/// serves an old file after an upgrade.
fn static_version(name: &str) -> String {
    static VERSIONS: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
        STATIC_FILES
            .iter()
            .map(|(name, _, body)| (*name, hex::encode(&Sha256::digest(body.as_bytes())[..6])))
            .collect()
    });
    VERSIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The URL of a static file, with its version.
pub(crate) fn static_url(name: &str) -> String {
    format!("/staff/static/{name}?v={}", static_version(name))
}

pub(crate) async fn static_file(Path(name): Path<String>) -> Response {
    match STATIC_FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}

/// Security headers on every `/staff` response, `Cache-Control: no-store` on its pages
/// (they hold residents' words), and the language cookie when `?lang=` chose one.
pub(crate) async fn staff_response_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let staff = path == "/staff" || path.starts_with("/staff/");
    let is_static = path.starts_with("/staff/static/");
    let chosen = staff
        .then(|| Lang::from_query(request.uri().query()))
        .flatten();
    let mut response = next.run(request).await;
    if staff {
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        if !is_static {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        if let Some(lang) = chosen
            && let Ok(value) = HeaderValue::from_str(&format!(
                "{LANG_COOKIE}={}; Path=/staff; SameSite=Strict; Max-Age=31536000",
                lang.code()
            ))
        {
            headers.append(header::SET_COOKIE, value);
        }
    }
    response
}

/// A `Set-Cookie` value for the dashboard: `HttpOnly`, `SameSite=Strict`, limited to
/// `path`, `Secure` when the hub serves TLS; `max_age_secs` 0 deletes it.
pub(crate) fn cookie_header(
    hub: &Hub,
    name: &str,
    value: &str,
    path: &str,
    max_age_secs: i64,
) -> HeaderValue {
    HeaderValue::from_str(&cookie_text(
        name,
        value,
        path,
        max_age_secs,
        hub.config.tls.is_some(),
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

fn cookie_text(name: &str, value: &str, path: &str, max_age_secs: i64, tls: bool) -> String {
    let secure = if tls { "; Secure" } else { "" };
    format!(
        "{name}={value}; HttpOnly; SameSite=Strict; Path={path}; Max-Age={max_age_secs}{secure}"
    )
}

/// The hidden input every dashboard form carries (checked by [`check_csrf`]).
pub(crate) fn csrf_input(staff: &Staff) -> Markup {
    html! { input type="hidden" name="csrf" value=(staff.csrf().unwrap_or("")); }
}

/// A page answered instead of the one asked for (403, 404, ...), in the layout. Page
/// handlers return `Result<_, PageError>` and use `?` on the checks below.
#[derive(Debug)]
pub(crate) struct PageError(Box<Response>);

impl PageError {
    pub fn new(status: StatusCode, staff: Option<&Staff>, lang: Lang, message: &str) -> Self {
        Self(Box::new(error_page(status, staff, lang, message)))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// `Ok` when `allowed`, else a 403 page saying `message`.
fn allow(allowed: bool, staff: &Staff, lang: Lang, message: &str) -> Result<(), PageError> {
    if allowed {
        Ok(())
    } else {
        Err(PageError::new(
            StatusCode::FORBIDDEN,
            Some(staff),
            lang,
            message,
        ))
    }
}

/// 403 page unless `given` is the signed-in session's CSRF token.
pub(crate) fn check_csrf(staff: &Staff, given: &str, lang: Lang) -> Result<(), PageError> {
    let matches = staff.csrf().is_some() && staff.csrf_matches(given);
    allow(matches, staff, lang, &t(lang, "form-expired"))
}

/// 403 page for commune staff on a province-only page.
pub(crate) fn require_province(staff: &Staff, lang: Lang) -> Result<(), PageError> {
    allow(staff.is_province_admin(), staff, lang, "403 — forbidden")
}

/// A page that says what went wrong, in the layout.
pub(crate) fn error_page(
    status: StatusCode,
    staff: Option<&Staff>,
    lang: Lang,
    message: &str,
) -> Response {
    (
        status,
        layout(
            &t(lang, "app-name"),
            staff,
            lang,
            html! { div class="notice error" role="alert" { (message) } },
        ),
    )
        .into_response()
}

/// One menu entry: its key, path, and whether commune staff see it.
const MENU: &[(&str, &str, bool)] = &[
    ("nav-inbox", "/staff/feedback", true),
    ("nav-contributions", "/staff/contributions", false),
    ("nav-meetings", "/staff/meetings", false),
    ("nav-news", "/staff/news", true),
    ("nav-rooms", "/staff/rooms", true),
    ("nav-reports", "/staff/reports", true),
    ("nav-account", "/staff/account", true),
];

/// The menu entries `staff` sees: (text key, path).
pub(crate) fn menu_for(staff: &Staff) -> impl Iterator<Item = (&'static str, &'static str)> {
    let admin = staff.role == StaffRole::ProvinceAdmin;
    MENU.iter()
        .filter(move |(_, _, commune)| admin || *commune)
        .map(|(key, path, _)| (*key, *path))
}

/// The `<head>` of every page the hub draws (the dashboard's and the phone page's): UTF-8, a
/// phone-wide viewport, the title, one of the static stylesheets, and no icon file (the
/// browser must not ask for /favicon.ico).
pub(crate) fn page_head(title: &str, stylesheet: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) }
            link rel="stylesheet" href=(static_url(stylesheet));
            link rel="icon" href="data:,";
        }
    }
}

/// The page around every dashboard body: header with the signed-in member and the
/// language switch, the menu her role allows, and a logout button.
pub(crate) fn layout(page_title: &str, staff: Option<&Staff>, lang: Lang, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (page_head(&format!("{page_title} — {}", t(lang, "app-name")), "staff.css"))
            body {
                header class="top" {
                    div class="bar" {
                        a class="brand" href="/staff/" { (t(lang, "app-name")) }
                        @if let Some(staff) = staff {
                            span class="who" {
                                (staff.name) " · " (t(lang, &format!("role-{}", staff.role.as_str())))
                                @if let Some(unit) = &staff.unit { " · " (unit) }
                            }
                        }
                        a class="lang" href={ "?lang=" (lang.other().code()) } { (t(lang, "lang-other")) }
                    }
                }
                @if let Some(staff) = staff {
                    nav class="menu" {
                        ul {
                            li { a href="/staff/" { (t(lang, "nav-home")) } }
                            @for (key, path) in menu_for(staff) {
                                li { a href=(path) { (t(lang, key)) } }
                            }
                            li {
                                form method="post" action="/staff/logout" {
                                    (csrf_input(staff))
                                    button type="submit" { (t(lang, "nav-logout")) }
                                }
                            }
                        }
                    }
                }
                main { h1 { (page_title) } (body) }
            }
        }
    }
}

/// `/staff` → `/staff/`.
pub(crate) async fn to_home() -> Redirect {
    Redirect::permanent("/staff/")
}

/// The landing page: the sections this member may open.
pub(crate) async fn home(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
) -> Markup {
    let descriptions = [
        ("nav-inbox", "home-inbox"),
        ("nav-contributions", "home-contributions"),
        ("nav-meetings", "home-meetings"),
        ("nav-news", "home-news"),
        ("nav-rooms", "home-rooms"),
        ("nav-reports", "home-reports"),
        ("nav-account", "home-account"),
    ];
    let body = html! {
        p { (t_args(lang, "home-welcome", &[("name", &staff.name)])) }
        ul class="sections" {
            @for (key, path) in menu_for(&staff) {
                li class="card" {
                    a href=(path) { (t(lang, key)) }
                    @if let Some((_, text)) = descriptions.iter().find(|(k, _)| *k == key) {
                        p { (t(lang, text)) }
                    }
                }
            }
        }
        (super::phone::poster::poster_links(&hub, &staff, lang))
    };
    layout(&t(lang, "home-title"), Some(&staff), lang, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_strict_http_only_and_secure_under_tls() {
        let plain = cookie_text("phonghop_staff", "abc", "/staff", 60, false);
        assert_eq!(
            plain,
            "phonghop_staff=abc; HttpOnly; SameSite=Strict; Path=/staff; Max-Age=60"
        );
        let tls = cookie_text("phonghop_staff", "abc", "/staff", 60, true);
        assert!(tls.ends_with("; Secure"), "{tls}");
    }

    #[test]
    fn every_static_file_has_a_version_and_the_csp_allows_nothing_inline() {
        for (name, _, _) in STATIC_FILES {
            assert!(static_url(name).contains("?v="), "{name}");
        }
        assert!(!CSP.contains("unsafe-inline") && CSP.contains("frame-ancestors 'none'"));
    }
}
