//! Signing in and out, choosing a password from a one-time link, changing it.
//!
//! The login and set-password forms are served before anyone is signed in, so their CSRF
//! token is a double-submit one: a random value in a `Path=/staff` cookie and in the form,
//! which must agree. Signed-in forms carry the session's own token.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Form;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::{Lang, check_csrf, cookie_header, layout, t, t_args};
use crate::hub::Hub;
use crate::hub::accounts::{LOCKOUT_AFTER_FAILURES, LOCKOUT_MS, PASSWORD_MIN_CHARS, PasswordError};
use crate::hub::auth::{SESSION_COOKIE, StaffPage, cookie, same_secret};

/// The pre-session CSRF cookie of the login and set-password forms.
const FORM_CSRF_COOKIE: &str = "phonghop_form_csrf";

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

fn notice(kind: &str, text: &str) -> Markup {
    html! { div class={ "notice " (kind) } role="alert" { (text) } }
}

/// A page with a fresh pre-session CSRF token in both the cookie and the form.
fn with_form_csrf(hub: &Hub, status: StatusCode, render: impl FnOnce(&str) -> Markup) -> Response {
    let csrf = crate::hub::accounts::new_secret();
    let mut response = (status, render(&csrf)).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(hub, FORM_CSRF_COOKIE, &csrf, "/staff", 3600),
    );
    response
}

fn form_csrf_ok(headers: &HeaderMap, given: &str) -> bool {
    cookie(headers, FORM_CSRF_COOKIE).is_some_and(|c| !c.is_empty() && same_secret(c, given))
}

fn login_page(
    hub: &Hub,
    lang: Lang,
    status: StatusCode,
    message: Option<Markup>,
    login: &str,
) -> Response {
    with_form_csrf(hub, status, |csrf| {
        layout(
            &t(lang, "login-title"),
            None,
            lang,
            html! {
                @if let Some(m) = message { (m) }
                form class="stack card" method="post" action="/staff/login" {
                    input type="hidden" name="csrf" value=(csrf);
                    label { (t(lang, "login-login"))
                        input name="login" value=(login) autocomplete="username" required autofocus; }
                    label { (t(lang, "login-password"))
                        input type="password" name="password" autocomplete="current-password" required; }
                    button type="submit" { (t(lang, "login-submit")) }
                }
            },
        )
    })
}

pub(crate) async fn form(State(hub): State<Arc<Hub>>, lang: Lang) -> Response {
    login_page(&hub, lang, StatusCode::OK, None, "")
}

/// `HH:MM` in Vietnam time, for "try again after".
fn clock_time(ms: i64) -> String {
    crate::report::vietnam_time(ms).chars().skip(11).collect()
}

pub(crate) async fn submit(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    lang: Lang,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let error = |status, text: &str, login: &str| {
        login_page(&hub, lang, status, Some(notice("error", text)), login)
    };
    if !form_csrf_ok(&headers, &form.csrf) {
        return error(StatusCode::FORBIDDEN, &t(lang, "form-expired"), &form.login);
    }
    let now = crate::clock::now_ms();
    let ip = client.ip();
    let allowed = hub.lock_staff_logins().allowed(ip, now);
    if !allowed {
        tracing::warn!(client = %ip, "staff logins from this address are rate limited");
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            &t(lang, "login-too-many"),
            &form.login,
        );
    }
    let login = form.login.trim().to_owned();
    let candidate = {
        let login = login.clone();
        hub.store
            .call(move |s| s.staff_login_candidate(&login))
            .await
    };
    let candidate = match candidate {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot read staff accounts");
            return error(StatusCode::INTERNAL_SERVER_ERROR, "500", &login);
        }
    };
    let wrong = |hub: &Hub| {
        hub.lock_staff_logins().record(ip, now);
        tracing::warn!(client = %ip, "a staff login failed");
    };
    let Some(candidate) = candidate.filter(|c| c.account.disabled_at_ms.is_none()) else {
        let password = form.password.clone();
        let _ = tokio::task::spawn_blocking(move || crate::hub::accounts::dummy_verify(&password))
            .await;
        wrong(&hub);
        return error(StatusCode::UNAUTHORIZED, &t(lang, "login-wrong"), &login);
    };
    if let Some(until) = candidate.account.locked_until_ms.filter(|u| *u > now) {
        wrong(&hub);
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            &t_args(lang, "login-locked", &[("time", &clock_time(until))]),
            &login,
        );
    }
    let Some(hash) = candidate.password_hash.clone() else {
        return error(
            StatusCode::UNAUTHORIZED,
            &t(lang, "login-no-password"),
            &login,
        );
    };
    let password = form.password.clone();
    let good = tokio::task::spawn_blocking(move || {
        crate::hub::accounts::verify_password(&password, &hash)
    })
    .await
    .unwrap_or(false);
    let user_id = candidate.account.id;
    if !good {
        wrong(&hub);
        let locked = hub
            .store
            .call(move |s| {
                s.record_staff_login_failure(user_id, LOCKOUT_AFTER_FAILURES, LOCKOUT_MS, now)
            })
            .await;
        return match locked {
            Ok(Some(until)) => {
                tracing::warn!(login = %login, "a staff login is locked after repeated wrong passwords");
                error(
                    StatusCode::TOO_MANY_REQUESTS,
                    &t_args(lang, "login-locked", &[("time", &clock_time(until))]),
                    &login,
                )
            }
            _ => error(StatusCode::UNAUTHORIZED, &t(lang, "login-wrong"), &login),
        };
    }
    let session = crate::hub::accounts::new_secret();
    let csrf = crate::hub::accounts::new_secret();
    let id_hash = crate::hub::accounts::secret_hash(&session);
    let stored = hub
        .store
        .call(move |s| {
            s.clear_staff_login_failures(user_id)?;
            s.create_staff_session(
                &id_hash,
                user_id,
                &csrf,
                now + crate::hub::accounts::SESSION_MAX_MS,
                now,
            )
        })
        .await;
    if let Err(e) = stored {
        tracing::error!(error = %e, "cannot store a staff session");
        return error(StatusCode::INTERNAL_SERVER_ERROR, "500", &login);
    }
    tracing::info!(login = %login, client = %ip, "staff signed in");
    let mut response = Redirect::to("/staff/").into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        cookie_header(
            &hub,
            SESSION_COOKIE,
            &session,
            "/staff",
            crate::hub::accounts::SESSION_MAX_MS / 1000,
        ),
    );
    headers.append(
        header::SET_COOKIE,
        cookie_header(&hub, FORM_CSRF_COOKIE, "", "/staff", 0),
    );
    response
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub(crate) async fn logout(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(refused) = check_csrf(&staff, &form.csrf, lang) {
        return refused.into_response();
    }
    if let crate::hub::auth::Credential::Session { id_hash, .. } = staff.credential.clone() {
        let now = crate::clock::now_ms();
        if let Err(e) = hub
            .store
            .call(move |s| s.end_staff_session(&id_hash, now))
            .await
        {
            tracing::error!(error = %e, "cannot end a staff session");
        }
    }
    tracing::info!(login = %staff.login, "staff signed out");
    let mut response = Redirect::to("/staff/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&hub, SESSION_COOKIE, "", "/staff", 0),
    );
    response
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
    #[serde(default)]
    csrf: String,
}

fn password_fields(lang: Lang) -> Markup {
    html! {
        label { (t(lang, "account-new"))
            input type="password" name="new" autocomplete="new-password" minlength=(PASSWORD_MIN_CHARS) required; }
        label { (t(lang, "account-repeat"))
            input type="password" name="repeat" autocomplete="new-password" minlength=(PASSWORD_MIN_CHARS) required; }
    }
}

/// Checks a new password typed twice; the error text when it is refused.
fn new_password_hash(lang: Lang, new: &str, repeat: &str) -> Result<String, String> {
    if new != repeat {
        return Err(t(lang, "password-mismatch"));
    }
    crate::hub::accounts::hash_password(new).map_err(|e| match e {
        PasswordError::TooShort => t_args(
            lang,
            "password-too-short",
            &[("min", &PASSWORD_MIN_CHARS.to_string())],
        ),
        PasswordError::Hash(detail) => {
            tracing::error!(detail, "cannot hash a staff password");
            "500".to_owned()
        }
    })
}

fn account_page(
    staff: &crate::hub::auth::Staff,
    lang: Lang,
    status: StatusCode,
    message: Option<Markup>,
) -> Response {
    let body = html! {
        @if let Some(m) = message { (m) }
        form class="stack card" method="post" action="/staff/account" {
            (super::csrf_input(staff))
            label { (t(lang, "account-current"))
                input type="password" name="current" autocomplete="current-password" required; }
            (password_fields(lang))
            button type="submit" { (t(lang, "account-submit")) }
        }
    };
    (
        status,
        layout(&t(lang, "account-title"), Some(staff), lang, body),
    )
        .into_response()
}

pub(crate) async fn account(StaffPage(staff): StaffPage, lang: Lang) -> Response {
    account_page(&staff, lang, StatusCode::OK, None)
}

pub(crate) async fn change_password(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
    Form(form): Form<PasswordForm>,
) -> Response {
    if let Err(refused) = check_csrf(&staff, &form.csrf, lang) {
        return refused.into_response();
    }
    let refuse = |text: &str| {
        account_page(
            &staff,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(notice("error", text)),
        )
    };
    let login = staff.login.clone();
    let current = form.current.clone();
    let good = tokio::task::spawn_blocking({
        let store = hub.store.clone();
        move || {
            store
                .staff_login_candidate(&login)
                .ok()
                .flatten()
                .and_then(|c| c.password_hash)
                .is_some_and(|hash| crate::hub::accounts::verify_password(&current, &hash))
        }
    })
    .await
    .unwrap_or(false);
    if !good {
        return refuse(&t(lang, "account-wrong-current"));
    }
    let hash = match new_password_hash(lang, &form.new, &form.repeat) {
        Ok(hash) => hash,
        Err(text) => return refuse(&text),
    };
    let keep = match &staff.credential {
        crate::hub::auth::Credential::Session { id_hash, .. } => id_hash.clone(),
        crate::hub::auth::Credential::Token => String::new(),
    };
    let user_id = staff.user_id;
    let now = crate::clock::now_ms();
    if let Err(e) = hub
        .store
        .call(move |s| s.set_staff_password(user_id, &hash, &keep, now))
        .await
    {
        tracing::error!(error = %e, "cannot store a staff password");
        return refuse("500");
    }
    tracing::info!(login = %staff.login, "staff changed their password");
    account_page(
        &staff,
        lang,
        StatusCode::OK,
        Some(notice("ok", &t(lang, "account-changed"))),
    )
}

fn set_password_page(
    hub: &Hub,
    lang: Lang,
    token: &str,
    login: &str,
    status: StatusCode,
    message: Option<Markup>,
) -> Response {
    with_form_csrf(hub, status, |csrf| {
        layout(
            &t(lang, "setpw-title"),
            None,
            lang,
            html! {
                @if let Some(m) = message { (m) }
                p { (t_args(lang, "setpw-for", &[("login", login)])) }
                form class="stack card" method="post" action={ "/staff/set-password/" (token) } {
                    input type="hidden" name="csrf" value=(csrf);
                    (password_fields(lang))
                    button type="submit" { (t(lang, "setpw-submit")) }
                }
            },
        )
    })
}

fn link_gone(lang: Lang) -> Response {
    (
        StatusCode::NOT_FOUND,
        layout(
            &t(lang, "setpw-title"),
            None,
            lang,
            notice("error", &t(lang, "setpw-invalid")),
        ),
    )
        .into_response()
}

pub(crate) async fn set_password_form(
    State(hub): State<Arc<Hub>>,
    Path(token): Path<String>,
    lang: Lang,
) -> Response {
    let hash = crate::hub::accounts::secret_hash(&token);
    let now = crate::clock::now_ms();
    match hub
        .store
        .call(move |s| s.staff_password_link(&hash, now))
        .await
    {
        Ok(Some(account)) => {
            set_password_page(&hub, lang, &token, &account.login, StatusCode::OK, None)
        }
        Ok(None) => link_gone(lang),
        Err(e) => {
            tracing::error!(error = %e, "cannot read a set-password link");
            link_gone(lang)
        }
    }
}

pub(crate) async fn set_password(
    State(hub): State<Arc<Hub>>,
    Path(token): Path<String>,
    lang: Lang,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Response {
    let link_hash = crate::hub::accounts::secret_hash(&token);
    let now = crate::clock::now_ms();
    let account = {
        let link_hash = link_hash.clone();
        hub.store
            .call(move |s| s.staff_password_link(&link_hash, now))
            .await
    };
    let Ok(Some(account)) = account else {
        return link_gone(lang);
    };
    let refuse = |status, text: &str| {
        set_password_page(
            &hub,
            lang,
            &token,
            &account.login,
            status,
            Some(notice("error", text)),
        )
    };
    if !form_csrf_ok(&headers, &form.csrf) {
        return refuse(StatusCode::FORBIDDEN, &t(lang, "form-expired"));
    }
    let hash = match new_password_hash(lang, &form.new, &form.repeat) {
        Ok(hash) => hash,
        Err(text) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, &text),
    };
    match hub
        .store
        .call(move |s| s.use_staff_password_link(&link_hash, &hash, now))
        .await
    {
        Ok(Some(account)) => {
            tracing::info!(login = %account.login, "staff chose a password");
            layout(
                &t(lang, "setpw-title"),
                None,
                lang,
                html! {
                    (notice("ok", &t(lang, "setpw-done")))
                    p { a class="button" href="/staff/login" { (t(lang, "login-submit")) } }
                },
            )
            .into_response()
        }
        _ => link_gone(lang),
    }
}
