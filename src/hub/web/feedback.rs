//! Feedback triage pages: the inbox (filters, newest first, paged), one item (text, voice,
//! status, reply, assignment, internal notes, hide/unhide, audit trail), the recording, and
//! the CSV export of the filtered list.
//!
//! Every read passes the member's [`Staff::scope`] into the store's query, so a commune
//! officer's lists, exports and audio never hold another unit's item, and opening one by
//! its code is a 403 page. Changes go through `hub::tickets`, the same operations the JSON
//! API and the CLI use, and the store writes their audit line with them.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::{Lang, PageError, check_csrf, csrf_input, layout, static_url, t, t_args};
use crate::feedback::{Channel, FeedbackRow, Status, StatusRefusal};
use crate::hub::Hub;
use crate::hub::auth::{Staff, StaffPage};
use crate::hub::tickets::{self, TicketError};
use crate::store::{
    AuditAction, AuditEntry, HiddenMark, Note, Scoped, StoreError, TriageFilter, TriageRefusal,
    VoiceFilter,
};

/// Items on one inbox page: a day's worth for a busy commune, short enough for a phone.
pub(crate) const PAGE_SIZE: u32 = 25;

/// The inbox's GET parameters, as the filter form sends them (empty means "any").
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub(crate) struct InboxQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    commune: String,
    /// `YYYY-MM-DD`, Vietnam time, inclusive.
    #[serde(default)]
    from: String,
    /// `YYYY-MM-DD`, Vietnam time, inclusive.
    #[serde(default)]
    to: String,
    /// `yes`, `no` or empty.
    #[serde(default)]
    voice: String,
    /// `1`: hidden items too.
    #[serde(default)]
    hidden: String,
    /// `kiosk`, `phone`, `zalo` or empty.
    #[serde(default)]
    channel: String,
    #[serde(default)]
    page: String,
}

impl InboxQuery {
    /// The query string of this filter (without the page), for links that keep it.
    fn query_string(&self) -> String {
        let pairs = [
            ("status", &self.status),
            ("category", &self.category),
            ("commune", &self.commune),
            ("from", &self.from),
            ("to", &self.to),
            ("voice", &self.voice),
            ("hidden", &self.hidden),
            ("channel", &self.channel),
        ];
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in pairs {
            if !value.is_empty() {
                out.append_pair(key, value);
            }
        }
        out.finish()
    }
}

/// Why an inbox filter was refused: a Fluent key and the value that was wrong.
#[derive(Debug)]
struct BadFilter {
    key: &'static str,
    given: String,
}

/// Midnight at the start of `date` (`YYYY-MM-DD`) in Vietnam, plus `days`.
fn vietnam_day_ms(date: &str, days: i64) -> Option<i64> {
    let date: jiff::civil::Date = date.parse().ok()?;
    let date = date.checked_add(jiff::Span::new().days(days)).ok()?;
    crate::report::vietnam_midnight_ms(date)
}

impl BadFilter {
    /// The 400 page naming the field to fix.
    fn page(&self, staff: &Staff, lang: Lang) -> PageError {
        PageError::new(
            StatusCode::BAD_REQUEST,
            Some(staff),
            lang,
            &t_args(lang, self.key, &[("given", &self.given)]),
        )
    }
}

fn filter_of(
    query: &InboxQuery,
    include_hidden_for_staff: bool,
) -> Result<TriageFilter, BadFilter> {
    let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let bad = |key, given: &str| BadFilter {
        key,
        given: given.to_owned(),
    };
    let status = match some(&query.status) {
        None => None,
        Some(s) => Some(Status::parse(&s).ok_or_else(|| bad("inbox-bad-status", &s))?),
    };
    let from_ms = match some(&query.from) {
        None => None,
        Some(d) => Some(vietnam_day_ms(&d, 0).ok_or_else(|| bad("inbox-bad-date", &d))?),
    };
    let until_ms = match some(&query.to) {
        None => None,
        Some(d) => Some(vietnam_day_ms(&d, 1).ok_or_else(|| bad("inbox-bad-date", &d))?),
    };
    let voice = match query.voice.trim() {
        "" => None,
        "yes" => Some(VoiceFilter::With),
        "no" => Some(VoiceFilter::Without),
        other => return Err(bad("inbox-bad-voice", other)),
    };
    let channel = match some(&query.channel) {
        None => None,
        Some(c) => Some(Channel::parse(&c).ok_or_else(|| bad("inbox-bad-channel", &c))?),
    };
    Ok(TriageFilter {
        status,
        category: some(&query.category),
        unit: some(&query.commune),
        from_ms,
        until_ms,
        voice,
        include_hidden: include_hidden_for_staff && query.hidden == "1",
        channel,
    })
}

fn internal(staff: &Staff, lang: Lang, error: &StoreError) -> PageError {
    tracing::error!(error = %error, "a feedback page could not read the store");
    PageError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        Some(staff),
        lang,
        &t(lang, "feedback-store-failed"),
    )
}

fn status_name(lang: Lang, status: Status) -> String {
    t(
        lang,
        &format!("feedback-status-{}", status.as_str().replace('_', "-")),
    )
}

/// The channel an item came by, in the staff's words (`channel-kiosk`, ...).
fn channel_name(lang: Lang, channel: Channel) -> String {
    t(lang, &format!("channel-{}", channel.as_str()))
}

fn category_name(hub: &Hub, lang: Lang, id: &str) -> String {
    hub.config
        .feedback
        .categories
        .iter()
        .find(|c| c.id == id)
        .and_then(|c| c.names.get(lang.code()).or_else(|| c.names.get("vi")))
        .cloned()
        .unwrap_or_else(|| id.to_owned())
}

fn time(ms: i64) -> String {
    crate::report::vietnam_time(ms)
}

/// The first `chars` characters of `text`, with an ellipsis when cut.
fn excerpt(text: &str, chars: usize) -> String {
    let mut out: String = text.chars().take(chars).collect();
    if text.chars().count() > chars {
        out.push('…');
    }
    out
}

fn head_links() -> Markup {
    html! {
        link rel="stylesheet" href=(static_url("feedback.css"));
        script src=(static_url("feedback.js")) defer {}
    }
}

/// `/staff/feedback`: the inbox.
pub(crate) async fn inbox(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
    Query(query): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let filter = filter_of(&query, true).map_err(|bad| bad.page(&staff, lang))?;
    let page: u32 = query.page.parse().unwrap_or(1).max(1);
    let scope = staff.scope();
    let (rows, total, units) = {
        let filter = filter.clone();
        let offset = (page - 1).saturating_mul(PAGE_SIZE);
        hub.store
            .call(move |s| {
                let (rows, total) = s.triage_page(&filter, scope.unit(), PAGE_SIZE, offset)?;
                Ok::<_, StoreError>((rows, total, s.feedback_units()?))
            })
            .await
            .map_err(|e| internal(&staff, lang, &e))?
    };
    let pages = total.div_ceil(u64::from(PAGE_SIZE)).max(1);
    let kept = query.query_string();
    let page_link = |n: u64| {
        if kept.is_empty() {
            format!("/staff/feedback?page={n}")
        } else {
            format!("/staff/feedback?{kept}&page={n}")
        }
    };
    let csv_link = if kept.is_empty() {
        "/staff/feedback.csv".to_owned()
    } else {
        format!("/staff/feedback.csv?{kept}")
    };
    let selected = |a: &str, b: &str| a == b;
    let body = html! {
        (head_links())
        form class="filters card" method="get" action="/staff/feedback" {
            label { (t(lang, "inbox-status"))
                select name="status" {
                    option value="" { (t(lang, "inbox-any")) }
                    @for s in Status::ALL {
                        option value=(s.as_str()) selected[selected(&query.status, s.as_str())] { (status_name(lang, *s)) }
                    }
                }
            }
            label { (t(lang, "inbox-category"))
                select name="category" {
                    option value="" { (t(lang, "inbox-any")) }
                    @for c in &hub.config.feedback.categories {
                        option value=(c.id) selected[selected(&query.category, &c.id)] { (category_name(&hub, lang, &c.id)) }
                    }
                }
            }
            @if staff.is_province_admin() {
                label { (t(lang, "inbox-commune"))
                    select name="commune" {
                        option value="" { (t(lang, "inbox-any")) }
                        @for u in &units {
                            option value=(u) selected[selected(&query.commune, u)] { (u) }
                        }
                    }
                }
            }
            label { (t(lang, "inbox-from")) input type="date" name="from" value=(query.from); }
            label { (t(lang, "inbox-to")) input type="date" name="to" value=(query.to); }
            label { (t(lang, "inbox-voice"))
                select name="voice" {
                    option value="" { (t(lang, "inbox-any")) }
                    option value="yes" selected[query.voice == "yes"] { (t(lang, "inbox-voice-yes")) }
                    option value="no" selected[query.voice == "no"] { (t(lang, "inbox-voice-no")) }
                }
            }
            label { (t(lang, "inbox-channel"))
                select name="channel" {
                    option value="" { (t(lang, "inbox-any")) }
                    @for c in Channel::ALL {
                        option value=(c.as_str()) selected[selected(&query.channel, c.as_str())] { (channel_name(lang, *c)) }
                    }
                }
            }
            label class="check" {
                input type="checkbox" name="hidden" value="1" checked[query.hidden == "1"];
                (t(lang, "inbox-show-hidden"))
            }
            div class="actions" {
                button type="submit" { (t(lang, "inbox-apply")) }
                a class="button secondary" href="/staff/feedback" { (t(lang, "inbox-clear")) }
                a class="button secondary" id="export" href=(csv_link) { (t(lang, "inbox-export")) }
            }
        }
        p class="count" { (t_args(lang, "inbox-count", &[("count", &total.to_string())])) }
        @if rows.is_empty() {
            p class="notice" { (t(lang, "inbox-empty")) }
        }
        ul class="items" {
            @for row in &rows {
                li class="card item" data-code=(row.ticket_code) {
                    div class="item-head" {
                        a class="code" href={ "/staff/feedback/" (row.ticket_code) } { (row.ticket_code) }
                        span class={ "badge status-" (row.status.as_str()) } { (status_name(lang, row.status)) }
                        span class={ "badge channel channel-" (row.channel.as_str()) } { (channel_name(lang, row.channel)) }
                        @if row.voice_sha256.is_some() { span class="badge voice" { (t(lang, "inbox-has-voice")) } }
                        @if row.hidden { span class="badge hidden" { (t(lang, "feedback-hidden-badge")) } }
                    }
                    p class="meta" {
                        (time(row.submitted_at_ms)) " · " (row.unit_id) " · " (category_name(&hub, lang, &row.category))
                    }
                    @if !row.text.trim().is_empty() { p class="text" { (excerpt(&row.text, 160)) } }
                }
            }
        }
        @if pages > 1 {
            nav class="pager" {
                @if u64::from(page) > 1 { a href=(page_link(u64::from(page) - 1)) { (t(lang, "inbox-prev")) } }
                span { (t_args(lang, "inbox-page", &[("page", &page.to_string()), ("pages", &pages.to_string())])) }
                @if u64::from(page) < pages { a href=(page_link(u64::from(page) + 1)) { (t(lang, "inbox-next")) } }
            }
        }
    };
    Ok(layout(&t(lang, "inbox-title"), Some(&staff), lang, body).into_response())
}

/// The item `code` if `staff` may see it: a 404 page when there is none, 403 when it
/// belongs to another unit (decided in the store's query).
pub(crate) async fn find(
    hub: &Hub,
    staff: &Staff,
    lang: Lang,
    code: &str,
) -> Result<FeedbackRow, PageError> {
    let not_found = || {
        PageError::new(
            StatusCode::NOT_FOUND,
            Some(staff),
            lang,
            &t(lang, "feedback-not-found"),
        )
    };
    let normalized = crate::feedback::ticket::normalize(code).ok_or_else(not_found)?;
    let scope = staff.scope();
    let found = hub
        .store
        .call(move |s| s.feedback_for_staff(&normalized, scope.unit()))
        .await
        .map_err(|e| internal(staff, lang, &e))?;
    match found {
        Scoped::Found(row) => Ok(row),
        Scoped::OtherUnit => {
            tracing::warn!(login = %staff.login, code, "staff refused another unit's feedback page");
            Err(PageError::new(
                StatusCode::FORBIDDEN,
                Some(staff),
                lang,
                &t(lang, "feedback-other-unit"),
            ))
        }
        Scoped::Missing => Err(not_found()),
    }
}

/// Success messages a redirect may ask for (`?ok=`); anything else shows nothing.
const FLASHES: &[(&str, &str)] = &[
    ("status", "feedback-flash-status"),
    ("reply", "feedback-flash-reply"),
    ("assign", "feedback-flash-assign"),
    ("note", "feedback-flash-note"),
    ("hide", "feedback-flash-hide"),
    ("unhide", "feedback-flash-unhide"),
];

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ItemQuery {
    #[serde(default)]
    ok: String,
}

/// What the item page shows besides the item itself.
struct Extras {
    notes: Vec<Note>,
    audit: Vec<AuditEntry>,
    hidden: Option<HiddenMark>,
    units: Vec<String>,
}

async fn extras(hub: &Hub, staff: &Staff, lang: Lang, id: String) -> Result<Extras, PageError> {
    hub.store
        .call(move |s| {
            Ok::<_, StoreError>(Extras {
                notes: s.feedback_notes(&id)?,
                audit: s.feedback_audit(&id)?,
                hidden: s.feedback_hidden_mark(&id)?,
                units: s.feedback_units()?,
            })
        })
        .await
        .map_err(|e| internal(staff, lang, &e))
}

/// An audit line's detail as staff read it: status moves in their words.
fn audit_detail(lang: Lang, entry: &AuditEntry) -> String {
    if entry.action == AuditAction::Status
        && let Some((from, to)) = entry.detail.split_once(" → ")
        && let (Some(from), Some(to)) = (Status::parse(from), Status::parse(to))
    {
        return format!("{} → {}", status_name(lang, from), status_name(lang, to));
    }
    excerpt(&entry.detail, 200)
}

/// `/staff/feedback/{code}`: one item and what staff may do with it.
pub(crate) async fn item(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
    Path(code): Path<String>,
    Query(query): Query<ItemQuery>,
) -> Result<Response, PageError> {
    let row = find(&hub, &staff, lang, &code).await?;
    let flash = FLASHES
        .iter()
        .find(|(k, _)| *k == query.ok)
        .map(|(_, key)| ("ok", t(lang, key)));
    item_page(&hub, &staff, lang, row, flash, StatusCode::OK).await
}

async fn item_page(
    hub: &Hub,
    staff: &Staff,
    lang: Lang,
    row: FeedbackRow,
    notice: Option<(&str, String)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let extras = extras(hub, staff, lang, row.id.clone()).await?;
    let action = format!("/staff/feedback/{}", row.ticket_code);
    let moves: Vec<Status> = Status::ALL
        .iter()
        .copied()
        .filter(|s| row.status.can_become(*s))
        .collect();
    let consented = row.name.is_some() || row.phone.is_some() || row.village.is_some();
    let body = html! {
        (head_links())
        @if let Some((kind, text)) = &notice {
            div class={ "notice " (kind) } role="status" id="flash" { (text) }
        }
        p { a href="/staff/feedback" { "← " (t(lang, "inbox-title")) } }
        section class="card" {
            div class="item-head" {
                span class={ "badge status-" (row.status.as_str()) } id="status" { (status_name(lang, row.status)) }
                @if row.hidden { span class="badge hidden" { (t(lang, "feedback-hidden-badge")) } }
            }
            dl class="facts" {
                dt { (t(lang, "feedback-channel")) } dd id="channel" { (channel_name(lang, row.channel)) }
                dt { (t(lang, "feedback-category")) } dd { (category_name(hub, lang, &row.category)) }
                dt { (t(lang, "feedback-commune")) } dd id="commune" { (row.unit_id) }
                dt { (t(lang, "feedback-submitted")) } dd { (time(row.submitted_at_ms)) }
                dt { (t(lang, "feedback-language")) } dd { (row.language) }
                dt { (t(lang, "feedback-consent")) }
                dd {
                    @if consented {
                        (t(lang, "feedback-consent-yes"))
                        ul class="contact" {
                            @if let Some(name) = &row.name { li { (t(lang, "feedback-name")) ": " (name) } }
                            @if let Some(phone) = &row.phone { li { (t(lang, "feedback-phone")) ": " (phone) } }
                            @if let Some(village) = &row.village { li { (t(lang, "feedback-village")) ": " (village) } }
                        }
                    } @else {
                        (t(lang, "feedback-consent-no"))
                    }
                }
            }
            @if !row.text.trim().is_empty() {
                blockquote class="text" id="text" { (row.text) }
            }
            @if row.voice_sha256.is_some() {
                h2 { (t(lang, "feedback-voice")) }
                audio controls preload="metadata" src={ (action) "/voice" } {
                    a href={ (action) "/voice" } { (t(lang, "feedback-voice-download")) }
                }
            }
            @if row.photo_sha256.is_some() {
                h2 { (t(lang, "feedback-photo")) }
                a href={ (action) "/photo" } { img class="photo" src={ (action) "/photo" } alt=(t(lang, "feedback-photo")); }
            }
        }
        section class="card" {
            h2 { (t(lang, "feedback-status-title")) }
            @if moves.is_empty() {
                p { (t(lang, "feedback-status-final")) }
            } @else {
                form class="inline" method="post" action=(action) id="status-form" {
                    (csrf_input(staff))
                    input type="hidden" name="action" value="status";
                    label { (t(lang, "feedback-status-next"))
                        select name="status" {
                            @for s in &moves { option value=(s.as_str()) { (status_name(lang, *s)) } }
                        }
                    }
                    button type="submit" { (t(lang, "feedback-status-submit")) }
                }
            }
        }
        section class="card" {
            h2 { (t(lang, "feedback-reply-title")) }
            @if let Some(reply) = &row.reply {
                blockquote class="reply" id="reply" { (reply) }
                @if let Some(at) = row.replied_at_ms { p class="meta" { (time(at)) } }
            } @else {
                p class="meta" { (t(lang, "feedback-no-reply")) }
            }
            form class="stack" method="post" action=(action) id="reply-form" {
                (csrf_input(staff))
                input type="hidden" name="action" value="reply";
                label { (t(lang, "feedback-reply-label"))
                    textarea name="reply" rows="4" required maxlength="5000" {} }
                p class="meta" { (t(lang, "feedback-reply-hint")) }
                button type="submit" { (t(lang, "feedback-reply-submit")) }
            }
        }
        @if staff.is_province_admin() {
            section class="card" {
                h2 { (t(lang, "feedback-assign-title")) }
                form class="inline" method="post" action=(action) id="assign-form" {
                    (csrf_input(staff))
                    input type="hidden" name="action" value="assign";
                    label { (t(lang, "feedback-assign-label"))
                        select name="unit" {
                            @for u in extras.units.iter().filter(|u| **u != row.unit_id) { option value=(u) { (u) } }
                        }
                    }
                    button type="submit" { (t(lang, "feedback-assign-submit")) }
                }
            }
        }
        section class="card" {
            h2 { (t(lang, "feedback-notes-title")) }
            @if extras.notes.is_empty() { p class="meta" { (t(lang, "feedback-no-notes")) } }
            ul class="notes" {
                @for note in &extras.notes {
                    li { p class="meta" { (time(note.at_ms)) " · " (note.author) } p { (note.text) } }
                }
            }
            form class="stack" method="post" action=(action) id="note-form" {
                (csrf_input(staff))
                input type="hidden" name="action" value="note";
                label { (t(lang, "feedback-note-label")) textarea name="note" rows="2" required maxlength="5000" {} }
                button type="submit" { (t(lang, "feedback-note-submit")) }
            }
        }
        section class="card" {
            h2 { (t(lang, "feedback-hide-title")) }
            @if let Some(mark) = &extras.hidden {
                p { (t_args(lang, "feedback-hidden-by", &[("by", &mark.by), ("time", &time(mark.at_ms)), ("reason", &mark.reason)])) }
            } @else {
                p class="meta" { (t(lang, "feedback-hide-hint")) }
            }
            form class="stack" method="post" action=(action) id="hide-form"
                data-confirm=(t(lang, if row.hidden { "feedback-unhide-confirm" } else { "feedback-hide-confirm" })) {
                (csrf_input(staff))
                input type="hidden" name="action" value=(if row.hidden { "unhide" } else { "hide" });
                label { (t(lang, "feedback-hide-reason")) input name="reason" required maxlength="500"; }
                button type="submit" class="danger" {
                    (t(lang, if row.hidden { "feedback-unhide-submit" } else { "feedback-hide-submit" }))
                }
            }
        }
        section class="card" {
            h2 { (t(lang, "feedback-audit-title")) }
            @if extras.audit.is_empty() { p class="meta" { (t(lang, "feedback-no-audit")) } }
            ol class="audit" id="audit" {
                @for entry in &extras.audit {
                    li {
                        span class="meta" { (time(entry.at_ms)) " · " (entry.actor) " · " }
                        strong { (t(lang, &format!("feedback-audit-{}", entry.action.as_str()))) }
                        ": " (audit_detail(lang, entry))
                    }
                }
            }
        }
    };
    let title = t_args(lang, "feedback-title", &[("code", &row.ticket_code)]);
    Ok((status, layout(&title, Some(staff), lang, body)).into_response())
}

/// Every form of the item page posts here, naming its `action`.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    reason: String,
}

/// The Fluent key that explains a refused change to staff.
fn refusal_key(error: &TicketError) -> &'static str {
    match error {
        TicketError::Empty(_) => "feedback-flash-empty",
        TicketError::UnknownStatus { .. } => "feedback-flash-bad-status",
        TicketError::Refused(StatusRefusal::NotAllowed { .. }) => "feedback-flash-status-refused",
        TicketError::Refused(StatusRefusal::EmptyReply) => "feedback-flash-empty",
        TicketError::Triage(TriageRefusal::UnknownUnit(_)) => "feedback-flash-unknown-unit",
        TicketError::Triage(TriageRefusal::SameUnit(_)) => "feedback-flash-same-unit",
        TicketError::Triage(TriageRefusal::AlreadyHidden(_) | TriageRefusal::NotHidden(_)) => {
            "feedback-flash-changed-meanwhile"
        }
        TicketError::Triage(TriageRefusal::OtherUnit(_)) => "feedback-other-unit",
        _ => "feedback-not-found",
    }
}

/// `POST /staff/feedback/{code}`: one change, then back to the item with a message.
pub(crate) async fn act(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
    Path(code): Path<String>,
    Form(form): Form<ActForm>,
) -> Result<Response, PageError> {
    check_csrf(&staff, &form.csrf, lang)?;
    let row = find(&hub, &staff, lang, &code).await?;
    let code = row.ticket_code.clone();
    let by = staff.login.clone();
    let scope = staff.scope();
    let now = crate::clock::now_ms();
    let action = form.action.clone();
    if action == "assign" {
        super::require_province(&staff, lang)?;
    }
    let outcome = {
        let code = code.clone();
        hub.store
            .call(move |s| -> Result<(), TicketError> {
                match form.action.as_str() {
                    "status" => {
                        tickets::update(s, &code, Some(&form.status), None, &by, now).map(drop)
                    }
                    "reply" => {
                        tickets::update(s, &code, None, Some(&form.reply), &by, now).map(drop)
                    }
                    "assign" => tickets::assign(s, &code, &form.unit, &by, now),
                    "note" => tickets::note(s, &code, scope.unit(), &form.note, &by, now),
                    "hide" => {
                        tickets::set_hidden(s, &code, scope.unit(), true, &form.reason, &by, now)
                    }
                    "unhide" => {
                        tickets::set_hidden(s, &code, scope.unit(), false, &form.reason, &by, now)
                    }
                    _ => Err(TicketError::Empty("the action")),
                }
            })
            .await
    };
    match outcome {
        Ok(()) => {
            if matches!(action.as_str(), "status" | "reply") {
                // The room hears at once and downloads the reply (as the JSON API's reply).
                let _ = hub.sync_hints.send(());
            }
            tracing::info!(login = %staff.login, code, action, "staff changed a feedback item");
            let flash = FLASHES
                .iter()
                .find(|(k, _)| *k == action)
                .map_or("", |(k, _)| k);
            Ok(Redirect::to(&format!("/staff/feedback/{code}?ok={flash}")).into_response())
        }
        Err(TicketError::Store(e)) => Err(internal(&staff, lang, &e)),
        Err(refused) => {
            tracing::info!(login = %staff.login, code, error = %refused, "a feedback change was refused");
            let status = match refused {
                TicketError::Triage(TriageRefusal::OtherUnit(_)) => StatusCode::FORBIDDEN,
                TicketError::Empty(_) | TicketError::UnknownStatus { .. } => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                _ => StatusCode::CONFLICT,
            };
            let row = find(&hub, &staff, lang, &code).await?;
            let text = t(lang, refusal_key(&refused));
            item_page(&hub, &staff, lang, row, Some(("error", text)), status).await
        }
    }
}

/// One `bytes=a-b` range of a `len`-byte file: (first, last) inclusive, or `None` when the
/// header is absent or not a single satisfiable range (then the whole file is sent, as
/// RFC 9110 allows a server that ignores a range).
fn byte_range(headers: &HeaderMap, len: u64) -> Option<(u64, u64)> {
    let spec = headers
        .get(header::RANGE)?
        .to_str()
        .ok()?
        .strip_prefix("bytes=")?;
    if spec.contains(',') || len == 0 {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let (first, last) = if start.is_empty() {
        let suffix: u64 = end.parse().ok()?;
        (len.saturating_sub(suffix), len - 1)
    } else {
        let first: u64 = start.parse().ok()?;
        let last = if end.is_empty() {
            len - 1
        } else {
            end.parse::<u64>().ok()?.min(len - 1)
        };
        (first, last)
    };
    (first <= last && first < len).then_some((first, last))
}

/// `/staff/feedback/{code}/voice`: the recording (Ogg/Opus), with byte ranges so the
/// player can seek and learn its length.
pub(crate) async fn voice(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let row = find(&hub, &staff, lang, &code).await?;
    let no_voice = || {
        PageError::new(
            StatusCode::NOT_FOUND,
            Some(&staff),
            lang,
            &t(lang, "feedback-no-voice"),
        )
    };
    let sha = row.record.voice_sha256.ok_or_else(no_voice)?;
    let path = crate::datadir::DataDir::new(&hub.config.data_dir).voice_path(&sha);
    let bytes = tokio::fs::read(&path).await.map_err(|e| {
        tracing::error!(error = %e, path = %path.display(), "a voice file is missing");
        no_voice()
    })?;
    let len = bytes.len() as u64;
    let mut response = match byte_range(&headers, len) {
        Some((first, last)) => {
            let mut r = (
                StatusCode::PARTIAL_CONTENT,
                bytes[first as usize..=last as usize].to_vec(),
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {first}-{last}/{len}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            r
        }
        None => bytes.into_response(),
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/ogg"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    Ok(response)
}

/// A CSV cell that a spreadsheet will not run as a formula: one starting with `=`, `+`,
/// `-`, `@` (or a tab or carriage return, which some read past) gets a leading `'`.
fn safe_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// The export's rows: personal columns only for a province admin, and only what the
/// resident consented to give (a room sends nothing else).
fn csv_bytes(
    hub: &Hub,
    lang: Lang,
    staff: &Staff,
    rows: &[FeedbackRow],
) -> Result<Vec<u8>, csv::Error> {
    let personal = staff.is_province_admin();
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut head = vec![
        "ticket",
        "submitted_at",
        "commune",
        "category",
        "status",
        "text",
        "has_voice",
        "reply",
        "replied_at",
    ];
    if personal {
        head.extend(["name", "phone", "village"]);
    }
    out.write_record(&head)?;
    for row in rows {
        let mut cells: Vec<String> = vec![
            row.ticket_code.clone(),
            time(row.submitted_at_ms),
            row.unit_id.clone(),
            category_name(hub, lang, &row.category),
            row.status.as_str().to_owned(),
            row.text.clone(),
            if row.voice_sha256.is_some() {
                "yes"
            } else {
                "no"
            }
            .to_owned(),
            row.reply.clone().unwrap_or_default(),
            row.replied_at_ms.map(time).unwrap_or_default(),
        ];
        if personal {
            for field in [&row.name, &row.phone, &row.village] {
                cells.push(field.clone().unwrap_or_default());
            }
        }
        out.write_record(cells.iter().map(|c| safe_cell(c).into_owned()))?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// `/staff/feedback.csv`: the inbox's filtered list (every page), hidden items left out.
pub(crate) async fn export(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
    Query(query): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let filter = filter_of(&query, false).map_err(|bad| bad.page(&staff, lang))?;
    let scope = staff.scope();
    let rows = hub
        .store
        .call(move |s| s.triage_export(&filter, scope.unit()))
        .await
        .map_err(|e| internal(&staff, lang, &e))?;
    let bytes = csv_bytes(&hub, lang, &staff, &rows).map_err(|e| {
        tracing::error!(error = %e, "cannot write the feedback CSV");
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(&staff),
            lang,
            &t(lang, "feedback-store-failed"),
        )
    })?;
    tracing::info!(login = %staff.login, rows = rows.len(), "staff exported feedback");
    let day: String = time(crate::clock::now_ms()).chars().take(10).collect();
    let disposition = format!("attachment; filename=\"feedback-{day}.csv\"");
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_get_a_leading_quote() {
        for (given, expected) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+84912345678", "'+84912345678"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("Đường hỏng = nguy hiểm", "Đường hỏng = nguy hiểm"),
            ("", ""),
        ] {
            assert_eq!(safe_cell(given), expected, "{given:?}");
        }
    }

    #[test]
    fn a_single_byte_range_is_served_and_anything_else_gets_the_whole_file() {
        let with = |range: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::RANGE, HeaderValue::from_str(range).expect("value"));
            byte_range(&h, 1000)
        };
        assert_eq!(with("bytes=0-"), Some((0, 999)));
        assert_eq!(with("bytes=10-19"), Some((10, 19)));
        assert_eq!(with("bytes=990-5000"), Some((990, 999)));
        assert_eq!(with("bytes=-100"), Some((900, 999)));
        assert_eq!(with("bytes=1000-"), None);
        assert_eq!(with("bytes=0-1,5-6"), None);
        assert_eq!(with("items=0-1"), None);
        assert_eq!(byte_range(&HeaderMap::new(), 1000), None);
    }

    #[test]
    fn inbox_filters_read_vietnam_days_and_refuse_what_they_do_not_know() {
        let query = InboxQuery {
            status: "in_progress".into(),
            from: "2026-11-01".into(),
            to: "2026-11-01".into(),
            voice: "yes".into(),
            hidden: "1".into(),
            ..Default::default()
        };
        let filter = filter_of(&query, true).expect("valid");
        assert_eq!(filter.status, Some(Status::InProgress));
        // 2026-11-01 00:00 in Vietnam is 2026-10-31 17:00 UTC.
        assert_eq!(filter.from_ms, Some(1_793_466_000_000));
        assert_eq!(filter.until_ms, Some(1_793_466_000_000 + 86_400_000));
        assert_eq!(filter.voice, Some(VoiceFilter::With));
        assert!(filter.include_hidden);
        assert!(
            !filter_of(&query, false).expect("valid").include_hidden,
            "exports never"
        );
        for bad in [
            InboxQuery {
                status: "done".into(),
                ..Default::default()
            },
            InboxQuery {
                from: "01/11/2026".into(),
                ..Default::default()
            },
            InboxQuery {
                voice: "maybe".into(),
                ..Default::default()
            },
        ] {
            assert!(filter_of(&bad, true).is_err(), "{bad:?}");
        }
        assert_eq!(
            query.query_string(),
            "status=in_progress&from=2026-11-01&to=2026-11-01&voice=yes&hidden=1"
        );
    }
}
