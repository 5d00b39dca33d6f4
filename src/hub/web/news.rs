//! `/staff/news`: the announcements a member may see, newest first, with their state
//! (shown, scheduled, ended, withdrawn), a withdraw button where she may withdraw, and a
//! form to post one. A province admin picks the units (none: every unit); a commune officer
//! posts for her own. A picture is added to a posted item by `news.js`, which sends the
//! file with the page's CSRF token (`PUT /staff/news/{id}/image`). The rules are the staff
//! API's (`hub::news_api`), so a page and a script are refused alike.

use std::sync::Arc;

use axum::Form;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::{Lang, PageError, check_csrf, csrf_input, layout, static_url, t, t_args};
use crate::config::UnitLevel;
use crate::hub::Hub;
use crate::hub::auth::{CSRF_HEADER, Staff, StaffPage};
use crate::hub::news_api::{self, NewsError, Poster};
use crate::news::{NewsDraft, NewsRefusal, NewsRow};
use crate::store::NewsChangeRefusal;

/// What the member sees when a post or a picture is refused: the rule in her language.
fn refusal_text(lang: Lang, error: &NewsError) -> String {
    let n = |v: usize| v.to_string();
    match error {
        NewsError::Refused(refusal) => match refusal {
            NewsRefusal::TitleEmpty => t(lang, "news-err-title-empty"),
            NewsRefusal::TitleTooLong { .. } => t_args(
                lang,
                "news-err-title-long",
                &[("max", &n(crate::news::TITLE_MAX_CHARS))],
            ),
            NewsRefusal::TitleControl => t(lang, "news-err-title-line"),
            NewsRefusal::BodyEmpty => t(lang, "news-err-body-empty"),
            NewsRefusal::BodyTooLong { .. } => t_args(
                lang,
                "news-err-body-long",
                &[("max", &n(crate::news::BODY_MAX_CHARS))],
            ),
            NewsRefusal::UnknownUnit { unit, .. } => {
                t_args(lang, "news-err-unit", &[("unit", unit)])
            }
            NewsRefusal::Window { .. } => t(lang, "news-err-window"),
            NewsRefusal::Ended { .. } => t(lang, "news-err-ended"),
            NewsRefusal::Language { .. } => t(lang, "news-err-language"),
            NewsRefusal::ImageTooLarge { .. } | NewsRefusal::ImageHuge { .. } => {
                t(lang, "news-err-image-large")
            }
            NewsRefusal::ImageType | NewsRefusal::ImageDamaged(_) => t(lang, "news-err-image-type"),
        },
        NewsError::Forbidden(_) => t(lang, "news-err-forbidden"),
        NewsError::Change(NewsChangeRefusal::NotFound(_)) => t(lang, "news-err-not-found"),
        NewsError::Change(NewsChangeRefusal::Withdrawn(_)) => t(lang, "news-err-withdrawn"),
        NewsError::Store(_) => t(lang, "news-err-store"),
    }
}

fn status_of(error: &NewsError) -> StatusCode {
    match error {
        NewsError::Refused(_) => StatusCode::BAD_REQUEST,
        NewsError::Forbidden(_) => StatusCode::FORBIDDEN,
        NewsError::Change(NewsChangeRefusal::NotFound(_)) => StatusCode::NOT_FOUND,
        NewsError::Change(NewsChangeRefusal::Withdrawn(_)) => StatusCode::CONFLICT,
        NewsError::Store(e) => {
            tracing::error!(error = %e, "a news page could not use the store");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// What the post form holds (kept when a post is refused, so nothing typed is lost).
#[derive(Debug, Default)]
struct PostForm {
    csrf: String,
    title: String,
    body: String,
    units: Vec<String>,
    from: String,
    until: String,
    language: String,
}

impl PostForm {
    /// A browser posts one `unit` field per ticked box, which a map cannot hold.
    fn from_fields(fields: Vec<(String, String)>) -> PostForm {
        let mut form = PostForm::default();
        for (name, value) in fields {
            match name.as_str() {
                "csrf" => form.csrf = value,
                "title" => form.title = value,
                "body" => form.body = value,
                "unit" => form.units.push(value),
                "from" => form.from = value,
                "until" => form.until = value,
                "language" => form.language = value,
                _ => {}
            }
        }
        form
    }

    fn draft(&self, poster: &Poster) -> Result<NewsDraft, NewsError> {
        let time = |text: &str, end_of_day| -> Result<Option<i64>, NewsError> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            crate::news::parse_time(text, end_of_day, &crate::report::vietnam())
                .map(Some)
                .ok_or(NewsError::Refused(NewsRefusal::Window {
                    from: self.from.clone(),
                    until: self.until.clone(),
                }))
        };
        Ok(NewsDraft {
            title: self.title.clone(),
            body: self.body.clone(),
            // A commune officer's form has no unit boxes: hers is the only one she may use.
            units: match &poster.unit {
                Some(unit) => vec![unit.clone()],
                None => self.units.clone(),
            },
            shown_from_ms: time(&self.from, false)?,
            shown_until_ms: time(&self.until, true)?,
            language: Some(self.language.clone()).filter(|l| !l.is_empty()),
        })
    }
}

fn state_of(row: &NewsRow, now_ms: i64) -> &'static str {
    if row.withdrawn_at_ms.is_some() {
        "news-state-withdrawn"
    } else if now_ms < row.shown_from_ms {
        "news-state-scheduled"
    } else if row.shown_until_ms.is_some_and(|until| until <= now_ms) {
        "news-state-ended"
    } else {
        "news-state-shown"
    }
}

fn units_text(hub: &Hub, lang: Lang, units: &[String]) -> String {
    if units.is_empty() {
        return t(lang, "news-all-units");
    }
    units
        .iter()
        .map(|id| {
            hub.config
                .unit(id)
                .map(|u| u.name.clone())
                .unwrap_or_else(|| id.clone())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn form_markup(hub: &Hub, staff: &Staff, lang: Lang, poster: &Poster, form: &PostForm) -> Markup {
    let languages = [
        ("vi", "news-lang-vi"),
        ("en", "news-lang-en"),
        ("hmn", "news-lang-hmn"),
    ];
    let chosen = if form.language.is_empty() {
        "vi"
    } else {
        form.language.as_str()
    };
    html! {
        form class="stack card" method="post" action="/staff/news" {
            h2 { (t(lang, "news-post-title")) }
            (csrf_input(staff))
            label { (t(lang, "news-field-title"))
                input type="text" name="title" required maxlength=(crate::news::TITLE_MAX_CHARS)
                    value=(form.title); }
            label { (t(lang, "news-field-body"))
                textarea name="body" rows="6" required maxlength=(crate::news::BODY_MAX_CHARS) { (form.body) } }
            @match &poster.unit {
                Some(unit) => {
                    p { (t_args(lang, "news-units-own", &[("unit", &units_text(hub, lang, std::slice::from_ref(unit)))])) }
                }
                None => {
                    fieldset {
                        legend { (t(lang, "news-field-units")) }
                        p class="hint" { (t(lang, "news-units-hint")) }
                        @for unit in &hub.config.units {
                            label class="check" {
                                input type="checkbox" name="unit" value=(unit.id)
                                    checked[form.units.contains(&unit.id)];
                                (unit.name)
                                @if unit.level == UnitLevel::Province { " (" (t(lang, "news-unit-province")) ")" }
                            }
                        }
                    }
                }
            }
            label { (t(lang, "news-field-from"))
                input type="datetime-local" name="from" value=(form.from); }
            label { (t(lang, "news-field-until"))
                input type="datetime-local" name="until" value=(form.until); }
            label { (t(lang, "news-field-language"))
                select name="language" {
                    @for (code, key) in languages {
                        option value=(code) selected[code == chosen] { (t(lang, key)) }
                    }
                }
            }
            button type="submit" { (t(lang, "news-submit")) }
        }
    }
}

fn list_markup(hub: &Hub, staff: &Staff, lang: Lang, poster: &Poster, rows: &[NewsRow]) -> Markup {
    let now = crate::clock::now_ms();
    html! {
        @if rows.is_empty() {
            p { (t(lang, "news-none")) }
        }
        @for row in rows {
            article class="card news-item" {
                h2 { (row.title) }
                p class="meta" {
                    span class={ "state " (state_of(row, now)) } { (t(lang, state_of(row, now))) }
                    " · " (units_text(hub, lang, &row.units))
                    " · " (crate::report::vietnam_time(row.shown_from_ms))
                    " → "
                    @match row.shown_until_ms {
                        Some(until) => (crate::report::vietnam_time(until)),
                        None => (t(lang, "news-until-withdrawn")),
                    }
                    " · " (t_args(lang, "news-by", &[("login", &row.created_by)]))
                }
                @if row.image.is_some() {
                    img src={ "/staff/news/" (row.id) "/image" } alt=(t_args(lang, "news-picture-of", &[("title", &row.title)]));
                }
                p class="body" { (row.body) }
                @if row.withdrawn_at_ms.is_none() && poster.may_change(row).is_ok() {
                    div class="actions" {
                        form class="news-picture" method="post" action={ "/staff/news/" (row.id) "/image" }
                            data-csrf=(staff.csrf().unwrap_or("")) data-failed=(t(lang, "news-err-store")) {
                            label { (t(lang, "news-picture-add"))
                                input type="file" name="picture" accept="image/jpeg,image/png"; }
                            button type="submit" { (t(lang, "news-picture-send")) }
                            span class="status" role="status" {}
                        }
                        form method="post" action={ "/staff/news/" (row.id) "/withdraw" } {
                            (csrf_input(staff))
                            button type="submit" class="danger" { (t(lang, "news-withdraw")) }
                        }
                    }
                }
            }
        }
    }
}

/// The whole page: a notice, the post form, the list.
async fn render(
    hub: &Arc<Hub>,
    staff: &Staff,
    lang: Lang,
    status: StatusCode,
    notice: Option<(&str, String)>,
    form: &PostForm,
) -> Response {
    let poster = Poster::of(staff);
    let rows = {
        let poster = poster.clone();
        hub.store
            .call(move |s| news_api::list(s, &poster, None, true))
            .await
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            return PageError::new(status_of(&e), Some(staff), lang, &refusal_text(lang, &e))
                .into_response();
        }
    };
    let body = html! {
        @if let Some((kind, text)) = &notice {
            div class={ "notice " (kind) } role="alert" { (text) }
        }
        (form_markup(hub, staff, lang, &poster, form))
        h2 { (t(lang, "news-list-title")) }
        (list_markup(hub, staff, lang, &poster, &rows))
        script src=(static_url("news.js")) defer {}
    };
    (
        status,
        layout(&t(lang, "news-title"), Some(staff), lang, body),
    )
        .into_response()
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct Done {
    done: Option<String>,
}

pub(crate) async fn page(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Response {
    let notice = match done.done.as_deref() {
        Some("posted") => Some(("ok", t(lang, "news-posted"))),
        Some("withdrawn") => Some(("ok", t(lang, "news-withdrawn-ok"))),
        _ => None,
    };
    render(
        &hub,
        &staff,
        lang,
        StatusCode::OK,
        notice,
        &PostForm::default(),
    )
    .await
}

pub(crate) async fn post(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let form = PostForm::from_fields(fields);
    if let Err(refused) = check_csrf(&staff, &form.csrf, lang) {
        return refused.into_response();
    }
    let poster = Poster::of(&staff);
    let posted = match form.draft(&poster) {
        Ok(draft) => {
            let (poster, config) = (poster.clone(), hub.config.clone());
            let now = crate::clock::now_ms();
            hub.store
                .call(move |s| news_api::post(s, &config, &poster, &draft, None, now))
                .await
        }
        Err(e) => Err(e),
    };
    match posted {
        Ok(row) => {
            let _ = hub.sync_hints.send(());
            tracing::info!(login = %staff.login, id = %row.id, "news posted from the dashboard");
            Redirect::to("/staff/news?done=posted").into_response()
        }
        Err(e) => {
            let text = refusal_text(lang, &e);
            render(
                &hub,
                &staff,
                lang,
                status_of(&e),
                Some(("error", text)),
                &form,
            )
            .await
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub(crate) async fn withdraw(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(refused) = check_csrf(&staff, &form.csrf, lang) {
        return refused.into_response();
    }
    let poster = Poster::of(&staff);
    let now = crate::clock::now_ms();
    match hub
        .store
        .call(move |s| news_api::withdraw(s, &poster, &id, now))
        .await
    {
        Ok(_) => {
            let _ = hub.sync_hints.send(());
            Redirect::to("/staff/news?done=withdrawn").into_response()
        }
        Err(e) => PageError::new(status_of(&e), Some(&staff), lang, &refusal_text(lang, &e))
            .into_response(),
    }
}

/// The picture of an item the member may see, for the page's `<img>`.
pub(crate) async fn image(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
    Path(id): Path<String>,
) -> Response {
    let poster = Poster::of(&staff);
    let found = hub
        .store
        .call(move |s| {
            let row = news_api::visible(s, &poster, &id)?;
            match row.image {
                Some(info) => Ok(s.news_image(&info.sha256)?),
                None => Ok(None),
            }
        })
        .await;
    match found {
        Ok(Some(image)) => {
            ([(header::CONTENT_TYPE, image.kind.as_str())], image.bytes).into_response()
        }
        Ok(None) => PageError::new(
            StatusCode::NOT_FOUND,
            Some(&staff),
            lang,
            &t(lang, "news-err-not-found"),
        )
        .into_response(),
        Err(e) => PageError::new(status_of(&e), Some(&staff), lang, &refusal_text(lang, &e))
            .into_response(),
    }
}

/// `news.js` sends the chosen file as the body, with the page's CSRF token in
/// `X-CSRF-Token`; the answer is JSON (`message` in the member's language when refused).
pub(crate) async fn put_image(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let answer = |status: StatusCode, message: String| {
        (status, Json(serde_json::json!({ "message": message }))).into_response()
    };
    let given = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !staff.csrf_matches(given) {
        return answer(StatusCode::FORBIDDEN, t(lang, "form-expired"));
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            return answer(rejection.status(), t(lang, "news-err-image-large"));
        }
    };
    let poster = Poster::of(&staff);
    let now = crate::clock::now_ms();
    match hub
        .store
        .call(move |s| news_api::set_image(s, &poster, &id, &body, now))
        .await
    {
        Ok(row) => {
            let _ = hub.sync_hints.send(());
            (StatusCode::OK, Json(row)).into_response()
        }
        Err(e) => answer(status_of(&e), refusal_text(lang, &e)),
    }
}
