//! Meetings on the dashboard: the running ones with who is connected, start one (host and
//! rooms), make a browser link for someone away from a box, end one. The same operations
//! as `phonghop hub meeting start|stop|link|list` and the staff API (`meeting_api`).
//! Starting and ending meetings is the province's (commune staff get a 403 page).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::flash::{Done, see_other};
use super::forms::{NoFields, ProvinceForm, ProvincePage, answer, broken, refused};
use super::{PageError, check_csrf, csrf_input, layout, t, t_args};
use crate::hub::Hub;
use crate::hub::meeting_api::{link_running, start_running, stop_running};
use crate::hub::meetings::JanusRoomState;
use crate::hub::schedule_api::{self, PlanRequest, ScheduleOpError, ScheduleView};
use crate::meeting::attendance::AttendanceRow;
use crate::meeting::schedule::ScheduleStatus;
use crate::store::{RoomRecord, StoreError};

const MEETINGS: &str = "/staff/meetings";

/// How far back the page lists meetings already held (each with its attendance report).
const HELD_SHOWN_MS: i64 = 31 * 24 * 60 * 60 * 1000;

/// A room's name with its unit, or its id when the hub no longer knows it.
fn room_label(rooms: &HashMap<String, RoomRecord>, id: &str) -> String {
    rooms
        .get(id)
        .map_or_else(|| id.to_owned(), |r| format!("{} ({})", r.name, r.unit_id))
}

/// `/staff/meetings`.
pub(crate) async fn list(
    State(hub): State<Arc<Hub>>,
    ProvincePage { staff, lang }: ProvincePage,
    Query(done): Query<Done>,
) -> Result<Markup, PageError> {
    let now = crate::clock::now_ms();
    let (rooms, rows, scheduled) = hub
        .store
        .call(move |s| {
            Ok::<_, StoreError>((
                s.rooms()?,
                s.active_meetings()?,
                s.scheduled_meetings(Some(now - HELD_SHOWN_MS))?,
            ))
        })
        .await
        .map_err(|e| broken(&staff, lang, "meetings", e))?;
    let rooms: Vec<RoomRecord> = rooms
        .into_iter()
        .filter(|r| r.revoked_at_ms.is_none())
        .collect();
    let by_id: HashMap<String, RoomRecord> =
        rooms.iter().map(|r| (r.id.clone(), r.clone())).collect();
    let started: HashMap<String, i64> = rows.into_iter().map(|r| (r.id, r.started_at_ms)).collect();
    let (scheduled, held): (Vec<_>, Vec<_>) = scheduled
        .into_iter()
        .filter(|m| m.plan.end_ms > now || m.status == ScheduleStatus::Held)
        .map(ScheduleView::from)
        .partition(|v| v.meeting.plan.end_ms > now);
    let mut running = hub.meetings.views();
    running.sort_by_key(|m| started.get(&m.id).copied().unwrap_or(i64::MAX));
    let body = html! {
        @if let Some(n) = done.notice(lang) { (n) }
        h2 { (t(lang, "meetings-running")) }
        @if running.is_empty() { p class="card" { (t(lang, "meetings-none")) } }
        ul class="meetings" {
            @for m in &running {
                li class="card meeting" {
                    h3 { (room_label(&by_id, &m.host)) }
                    p class="hint" {
                        (m.id)
                        @if let Some(at) = started.get(&m.id) {
                            " · " (t_args(lang, "meeting-since", &[("time", &crate::report::vietnam_time(*at))]))
                        }
                    }
                    @if let Some(janus) = m.media.janus.as_ref().filter(|j| matches!(j.state, JanusRoomState::WaitingForJanus | JanusRoomState::Refused)) {
                        div class="notice error" role="alert" {
                            (t(lang, "meeting-janus-not-ready")) " "
                            @if let Some(error) = &janus.error { (error) }
                        }
                    }
                    ul class="roster" {
                        @for room in &m.rooms {
                            @let p = m.participants.iter().find(|p| &p.participant_id == room);
                            @let on = p.is_some_and(|p| p.connected);
                            li class=(if on { "on" } else { "off" }) {
                                (room_label(&by_id, room)) " — "
                                (t(lang, if on { "meeting-connected" } else if p.is_some() { "meeting-joining" } else { "meeting-absent" }))
                            }
                        }
                        @for p in m.participants.iter().filter(|p| p.kind == "browser") {
                            li class=(if p.connected { "on" } else { "off" }) {
                                (p.name) " (" (t(lang, "meeting-browser")) ") — "
                                (t(lang, if p.connected { "meeting-connected" } else { "meeting-joining" }))
                            }
                        }
                    }
                    form class="inline" method="post" action={ "/staff/meetings/" (m.id) "/links" } {
                        (csrf_input(&staff))
                        input name="name" required maxlength="80" placeholder=(t(lang, "meeting-link-name")) aria-label=(t(lang, "meeting-link-name"));
                        button type="submit" class="secondary" { (t(lang, "meeting-link")) }
                    }
                    form class="inline" method="post" action={ "/staff/meetings/" (m.id) "/end" } {
                        (csrf_input(&staff))
                        button type="submit" { (t(lang, "meeting-end")) }
                    }
                }
            }
        }
        details class="card" open[running.is_empty()] {
            summary { (t(lang, "meeting-start")) }
            @if rooms.is_empty() {
                p { (t(lang, "meeting-no-rooms")) }
            } @else {
                form class="stack" method="post" action="/staff/meetings" {
                    (csrf_input(&staff))
                    label { (t(lang, "meeting-host"))
                        select name="host" required {
                            @for r in &rooms { option value=(r.id) { (r.name) " (" (r.unit_id) ")" } }
                        }
                    }
                    fieldset {
                        legend { (t(lang, "meeting-rooms")) }
                        @for r in &rooms {
                            label class="check" { input type="checkbox" name="rooms" value=(r.id); (r.name) " (" (r.unit_id) ")" }
                        }
                    }
                    button type="submit" { (t(lang, "meeting-start")) }
                }
            }
        }
        (scheduled_section(&staff, lang, &scheduled, &rooms, &by_id))
        @if !held.is_empty() {
            h2 { (t(lang, "schedule-held-title")) }
            ul class="meetings" {
                @for view in held.iter().rev() {
                    li class="card meeting" {
                        h3 { (view.meeting.plan.title) }
                        p { (view.start_local) " – " (view.end_local) }
                        p class="hint" {
                            (t(lang, "meeting-host")) ": " (room_label(&by_id, &view.meeting.plan.host))
                            " · " (view.meeting.plan.rooms.len()) " " (t(lang, "schedule-rooms-count"))
                        }
                        p class="actions" {
                            a href={ "/staff/meetings/" (view.meeting.id) "/report" } { (t(lang, "report-link")) }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(&t(lang, "meetings-title"), Some(&staff), lang, body))
}

/// A posted form's fields in order, repeated names kept (the rooms' checkboxes), which
/// `axum::Form` into a struct cannot express; a 403 page unless it carries the session's
/// CSRF token.
fn signed_fields(
    staff: &crate::hub::auth::Staff,
    lang: super::Lang,
    body: &str,
) -> Result<Vec<(String, String)>, PageError> {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    check_csrf(staff, field(&fields, "csrf"), lang)?;
    Ok(fields)
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Every value of a repeated field (checkboxes), in order.
fn values<'a>(fields: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
    fields
        .iter()
        .filter(move |(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(crate) async fn start(
    State(hub): State<Arc<Hub>>,
    ProvincePage { staff, lang }: ProvincePage,
    body: String,
) -> Result<Response, PageError> {
    let fields = signed_fields(&staff, lang, &body)?;
    let host = field(&fields, "host").to_owned();
    let rooms: Vec<String> = values(&fields, "rooms").map(str::to_owned).collect();
    if host.is_empty() {
        return Ok(refused(
            &staff,
            lang,
            &t(lang, "meeting-host-required"),
            MEETINGS,
        ));
    }
    match start_running(&hub, host, rooms).await {
        Ok(row) => {
            tracing::info!(login = %staff.login, meeting_id = %row.id, "meeting started on the dashboard");
            Ok(see_other("/staff/meetings", "flash-meeting-started"))
        }
        Err(StoreError::Refused(why)) => Ok(refused(&staff, lang, &why, MEETINGS)),
        Err(e) => Err(broken(&staff, lang, "start meeting", e)),
    }
}

/// The page a meeting that is not running answers.
fn not_running(staff: &crate::hub::auth::Staff, lang: super::Lang) -> Response {
    answer(
        staff,
        lang,
        StatusCode::NOT_FOUND,
        html! { div class="notice error" role="alert" { (t(lang, "meeting-not-running")) } },
        MEETINGS,
    )
}

pub(crate) async fn end(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    ProvinceForm { staff, lang, .. }: ProvinceForm<NoFields>,
) -> Result<Response, PageError> {
    match stop_running(&hub, &id).await {
        Ok(true) => {
            tracing::info!(login = %staff.login, meeting_id = %id, "meeting ended on the dashboard");
            Ok(see_other("/staff/meetings", "flash-meeting-ended"))
        }
        Ok(false) => Ok(not_running(&staff, lang)),
        Err(e) => Err(broken(&staff, lang, "end meeting", e)),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct LinkForm {
    name: String,
}

/// Makes a browser link. The answer is the page with the link itself, not a redirect: the
/// link holds a secret that is shown once and must not sit in an address or the history.
pub(crate) async fn link(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    ProvinceForm {
        staff,
        lang,
        fields: form,
    }: ProvinceForm<LinkForm>,
) -> Result<Response, PageError> {
    if !hub.meetings.is_running(&id) {
        return Ok(not_running(&staff, lang));
    }
    let name = form.name.trim().to_owned();
    match link_running(&hub, id, name.clone())
        .await
        .map_err(|e| broken(&staff, lang, "meeting link", e))?
    {
        Ok(url) => {
            tracing::info!(login = %staff.login, "meeting link made on the dashboard");
            Ok(answer(
                &staff,
                lang,
                StatusCode::OK,
                html! {
                    div class="notice ok" role="status" { (t_args(lang, "meeting-link-made", &[("name", &name)])) }
                    p class="card link" { a href=(url.as_str()) { (url.as_str()) } }
                    p class="hint" { (t(lang, "meeting-link-once")) }
                },
                MEETINGS,
            ))
        }
        Err(e) => Ok(refused(&staff, lang, &e.to_string(), MEETINGS)),
    }
}

/// The scheduled meetings not yet over, with a cancel button each, and the form to plan one.
fn scheduled_section(
    staff: &crate::hub::auth::Staff,
    lang: super::Lang,
    scheduled: &[ScheduleView],
    rooms: &[RoomRecord],
    by_id: &HashMap<String, RoomRecord>,
) -> Markup {
    html! {
        h2 { (t(lang, "schedule-title")) }
        @if scheduled.is_empty() { p class="card" { (t(lang, "schedule-none")) } }
        ul class="meetings" {
            @for view in scheduled {
                @let m = &view.meeting;
                li class="card meeting" {
                    h3 { (m.plan.title) }
                    p {
                        (view.start_local) " – " (view.end_local) " · "
                        (t(lang, &format!("schedule-status-{}", m.status.as_str())))
                    }
                    p class="hint" {
                        (t(lang, "meeting-host")) ": " (room_label(by_id, &m.plan.host))
                        " · " (m.plan.rooms.len()) " " (t(lang, "schedule-rooms-count"))
                    }
                    @if !m.plan.agenda.is_empty() {
                        ol { @for item in &m.plan.agenda { li { (item) } } }
                    }
                    p class="actions" {
                        a href={ "/staff/meetings/" (m.id) "/report" } { (t(lang, "report-link")) }
                    }
                    @if m.status == ScheduleStatus::Scheduled {
                        form class="inline" method="post" action={ "/staff/meetings/" (m.id) "/cancel" } {
                            (csrf_input(staff))
                            button type="submit" class="secondary" { (t(lang, "schedule-cancel")) }
                        }
                    }
                }
            }
        }
        details class="card" {
            summary { (t(lang, "schedule-create")) }
            form class="stack" method="post" action="/staff/meetings/schedule" {
                (csrf_input(staff))
                label { (t(lang, "schedule-meeting-title")) input name="title" required maxlength="200"; }
                label { (t(lang, "schedule-start")) input type="datetime-local" name="start" required; }
                label { (t(lang, "schedule-end")) input type="datetime-local" name="end" required; }
                label { (t(lang, "meeting-host"))
                    select name="host" required {
                        @for r in rooms { option value=(r.id) { (r.name) " (" (r.unit_id) ")" } }
                    }
                }
                fieldset {
                    legend { (t(lang, "meeting-rooms")) }
                    @for r in rooms {
                        label class="check" { input type="checkbox" name="rooms" value=(r.id); (r.name) " (" (r.unit_id) ")" }
                    }
                }
                label { (t(lang, "schedule-agenda")) textarea name="agenda" rows="4" {} }
                button type="submit" { (t(lang, "schedule-create")) }
            }
        }
    }
}

/// A local time from a `datetime-local` input (`2026-12-10T08:00`) as the schedule reads
/// it (`2026-12-10 08:00`).
fn local_time(text: &str) -> String {
    text.trim().replacen('T', " ", 1)
}

/// Plans a meeting, as `phonghop hub meeting create` and the staff API do.
pub(crate) async fn schedule(
    State(hub): State<Arc<Hub>>,
    ProvincePage { staff, lang }: ProvincePage,
    body: String,
) -> Result<Response, PageError> {
    let fields = signed_fields(&staff, lang, &body)?;
    let host = field(&fields, "host").to_owned();
    // The host is invited too, as the CLI asks it to be named.
    let mut rooms = vec![host.clone()];
    rooms.extend(
        values(&fields, "rooms")
            .filter(|v| *v != host)
            .map(str::to_owned),
    );
    let request = PlanRequest {
        title: field(&fields, "title").to_owned(),
        start: local_time(field(&fields, "start")),
        end: local_time(field(&fields, "end")),
        host,
        rooms,
        agenda: field(&fields, "agenda")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    let now = crate::clock::now_ms();
    match hub
        .store
        .call(move |s| schedule_api::create(s, request, now))
        .await
    {
        Ok(made) => {
            tracing::info!(login = %staff.login, meeting_id = %made.id, "meeting scheduled on the dashboard");
            Ok(see_other(MEETINGS, "flash-meeting-scheduled"))
        }
        Err(ScheduleOpError::Store(e @ (StoreError::Sqlite(_) | StoreError::Io { .. }))) => {
            Err(broken(&staff, lang, "schedule meeting", e))
        }
        Err(e) => Ok(refused(&staff, lang, &e.to_string(), MEETINGS)),
    }
}

pub(crate) async fn cancel(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    ProvinceForm { staff, lang, .. }: ProvinceForm<NoFields>,
) -> Result<Response, PageError> {
    let now = crate::clock::now_ms();
    match hub
        .store
        .call(move |s| schedule_api::cancel(s, &id, now))
        .await
    {
        Ok(_) => Ok(see_other(MEETINGS, "flash-meeting-cancelled")),
        Err(ScheduleOpError::NotFound(_)) => Ok(not_running(&staff, lang)),
        Err(ScheduleOpError::Store(e @ (StoreError::Sqlite(_) | StoreError::Io { .. }))) => {
            Err(broken(&staff, lang, "cancel meeting", e))
        }
        Err(e) => Ok(refused(&staff, lang, &e.to_string(), MEETINGS)),
    }
}

/// The attendance report of meeting `id`, or the page that says there is none.
async fn attendance(
    hub: &Hub,
    staff: &crate::hub::auth::Staff,
    lang: super::Lang,
    id: String,
) -> Result<Vec<AttendanceRow>, PageError> {
    let now = crate::clock::now_ms();
    match hub
        .store
        .call(move |s| schedule_api::report(s, &id, now))
        .await
    {
        Ok(rows) => Ok(rows),
        Err(ScheduleOpError::NotFound(_)) => Err(PageError::new(
            StatusCode::NOT_FOUND,
            Some(staff),
            lang,
            &t(lang, "report-missing"),
        )),
        Err(e) => Err(broken(staff, lang, "attendance report", e)),
    }
}

fn minutes_or_dash(ms: Option<i64>) -> String {
    ms.map_or_else(|| "—".to_owned(), crate::report::vietnam_time)
}

/// `/staff/meetings/{id}/report`: who attended, from when to when, hands and floor.
pub(crate) async fn report(
    State(hub): State<Arc<Hub>>,
    ProvincePage { staff, lang }: ProvincePage,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let rows = attendance(&hub, &staff, lang, id.clone()).await?;
    let body = html! {
        p class="actions" {
            a class="button" href={ "/staff/meetings/" (id) "/report.csv" } download { (t(lang, "report-csv")) }
        }
        div class="table-wrap" {
            table {
                thead { tr {
                    th { (t(lang, "report-room")) } th { (t(lang, "report-first-join")) }
                    th { (t(lang, "report-last-leave")) } th { (t(lang, "report-minutes")) }
                    th { (t(lang, "report-gaps")) } th { (t(lang, "report-hands")) } th { (t(lang, "report-floor")) }
                } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { (r.room) @if r.never_joined { " — " (t(lang, "report-never-joined")) } }
                            td { (minutes_or_dash(r.first_join_ms)) }
                            td { (minutes_or_dash(r.last_leave_ms)) }
                            td class="num" { (r.minutes_present) }
                            td class="num" { (r.gaps) }
                            td class="num" { (r.hands_raised) }
                            td class="num" { (r.times_given_floor) }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(
        &t_args(lang, "report-title", &[("id", &id)]),
        Some(&staff),
        lang,
        body,
    ))
}

/// The same report as CSV, as `GET /api/v1/schedule/{id}/report?format=csv` gives it.
pub(crate) async fn report_csv(
    State(hub): State<Arc<Hub>>,
    ProvincePage { staff, lang }: ProvincePage,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let rows = attendance(&hub, &staff, lang, id.clone()).await?;
    let safe: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"attendance-{safe}.csv\""),
            ),
        ],
        crate::meeting::attendance::to_csv(&rows),
    )
        .into_response())
}
