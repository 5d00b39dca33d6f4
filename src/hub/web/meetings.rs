//! Meetings on the dashboard: the running ones with who is connected, start one (host and
//! rooms), make a browser link for someone away from a box, end one. The same operations
//! as `phonghop hub meeting start|stop|link|list` and the staff API (`meeting_api`).
//! Starting and ending meetings is the province's (commune staff get a 403 page).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::flash::{Done, see_other};
use super::forms::{NoFields, ProvinceForm, ProvincePage, answer, broken, refused};
use super::{PageError, check_csrf, csrf_input, layout, t, t_args};
use crate::hub::Hub;
use crate::hub::meeting_api::{link_running, start_running, stop_running};
use crate::store::{RoomRecord, StoreError};

const MEETINGS: &str = "/staff/meetings";

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
    let (rooms, rows) = hub
        .store
        .call(|s| Ok::<_, StoreError>((s.rooms()?, s.active_meetings()?)))
        .await
        .map_err(|e| broken(&staff, lang, "meetings", e))?;
    let rooms: Vec<RoomRecord> = rooms
        .into_iter()
        .filter(|r| r.revoked_at_ms.is_none())
        .collect();
    let by_id: HashMap<String, RoomRecord> =
        rooms.iter().map(|r| (r.id.clone(), r.clone())).collect();
    let started: HashMap<String, i64> = rows.into_iter().map(|r| (r.id, r.started_at_ms)).collect();
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
                            " · " (t_args(lang, "meeting-since", &[("time", &crate::contrib::vietnam_time(*at))]))
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
        p class="hint" { (t(lang, "meetings-scheduling-later")) }
    };
    Ok(layout(&t(lang, "meetings-title"), Some(&staff), lang, body))
}

/// A form's fields in order, repeated names kept (the rooms' checkboxes), which
/// `axum::Form` into a struct cannot express.
fn fields(body: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

pub(crate) async fn start(
    State(hub): State<Arc<Hub>>,
    ProvincePage { staff, lang }: ProvincePage,
    body: String,
) -> Result<Response, PageError> {
    let fields = fields(&body);
    check_csrf(&staff, field(&fields, "csrf"), lang)?;
    let host = field(&fields, "host").to_owned();
    let rooms: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "rooms")
        .map(|(_, v)| v.clone())
        .collect();
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
