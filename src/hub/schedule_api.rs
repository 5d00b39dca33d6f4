//! Scheduled meetings, attendance reports and chairing by staff: the staff API
//! (`/api/v1/schedule...`, `/api/v1/meetings/{id}/chair`; who may call it is in `routes.rs`)
//! and the operations `phonghop hub meeting create|change|cancel|report` share with it, so
//! the command line and the API refuse the same things alike.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Hub;
use super::auth::ProvinceAdmin;
use super::error::{ApiFailure, JsonBody};
use crate::meeting::attendance::{AttendanceRow, ReportRoom, attendance};
use crate::meeting::chair::ChairRefusal;
use crate::meeting::floor::FloorAction;
use crate::meeting::schedule::{
    MeetingPlan, ScheduleError, ScheduleStatus, ScheduledMeeting, format_local, parse_local,
};
use crate::store::{Store, StoreError};

/// Who may schedule meetings and read attendance: the one place the role check lives.
/// Province admins only: communes attend meetings, the province schedules them.
pub(crate) type ScheduleCaller = ProvinceAdmin;

/// Why a schedule operation was refused; each says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleOpError {
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "no scheduled or running meeting {0:?}; `phonghop hub meeting schedule-list` shows the ids"
    )]
    NotFound(String),
}

impl From<ScheduleOpError> for ApiFailure {
    fn from(e: ScheduleOpError) -> Self {
        match e {
            ScheduleOpError::Schedule(e) => ApiFailure::invalid(&e.to_string()),
            ScheduleOpError::Store(e) => e.into(),
            e @ ScheduleOpError::NotFound(_) => ApiFailure::not_found(&e.to_string()),
        }
    }
}

/// A meeting to schedule, times as staff type them in province time (`2026-12-10 08:00`).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    pub title: String,
    pub start: String,
    pub end: String,
    pub host: String,
    /// Room ids invited; the host must be among them.
    pub rooms: Vec<String>,
    #[serde(default)]
    pub agenda: Vec<String>,
}

/// A change to a scheduled meeting: only what is given changes (`agenda` replaces the
/// whole agenda).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanChange {
    pub title: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub host: Option<String>,
    pub rooms: Option<Vec<String>>,
    pub agenda: Option<Vec<String>>,
}

/// A scheduled meeting with its times also in province time, as the API shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScheduleView {
    #[serde(flatten)]
    pub meeting: ScheduledMeeting,
    pub start_local: String,
    pub end_local: String,
}

impl From<ScheduledMeeting> for ScheduleView {
    fn from(meeting: ScheduledMeeting) -> Self {
        ScheduleView {
            start_local: format_local(meeting.plan.start_ms),
            end_local: format_local(meeting.plan.end_ms),
            meeting,
        }
    }
}

/// Checks and stores a new scheduled meeting.
pub fn create(
    store: &Store,
    request: PlanRequest,
    now_ms: i64,
) -> Result<ScheduledMeeting, ScheduleOpError> {
    let plan = MeetingPlan {
        title: request.title,
        start_ms: parse_local(&request.start)?,
        end_ms: parse_local(&request.end)?,
        host: request.host,
        rooms: request.rooms,
        agenda: request.agenda,
    }
    .check(now_ms, true)?;
    let id = super::meeting_api::new_meeting_id();
    Ok(store.schedule_meeting(&id, &plan, now_ms)?)
}

/// Applies a change to a scheduled meeting, checking the whole result again.
pub fn change(
    store: &Store,
    id: &str,
    change: PlanChange,
    now_ms: i64,
) -> Result<ScheduledMeeting, ScheduleOpError> {
    let found = store
        .scheduled_meeting(id)?
        .ok_or_else(|| ScheduleOpError::NotFound(id.to_owned()))?;
    if found.status != ScheduleStatus::Scheduled {
        return Err(ScheduleError::NotScheduled {
            id: id.to_owned(),
            status: found.status,
        }
        .into());
    }
    let mut plan = found.plan;
    if let Some(title) = change.title {
        plan.title = title;
    }
    if let Some(start) = change.start {
        plan.start_ms = parse_local(&start)?;
    }
    if let Some(end) = change.end {
        plan.end_ms = parse_local(&end)?;
    }
    if let Some(host) = change.host {
        plan.host = host;
    }
    if let Some(rooms) = change.rooms {
        plan.rooms = rooms;
    }
    if let Some(agenda) = change.agenda {
        plan.agenda = agenda;
    }
    let plan = plan.check(now_ms, true)?;
    store
        .change_scheduled_meeting(id, &plan, now_ms)?
        .ok_or_else(|| ScheduleOpError::NotFound(id.to_owned()))
}

pub fn cancel(store: &Store, id: &str, now_ms: i64) -> Result<ScheduledMeeting, ScheduleOpError> {
    store
        .set_schedule_status(id, ScheduleStatus::Cancelled, now_ms)?
        .ok_or_else(|| ScheduleOpError::NotFound(id.to_owned()))
}

/// The attendance of a scheduled or ad hoc meeting from its stored events: each invited
/// room, present until the meeting's end (or `now_ms` while it runs).
pub fn report(store: &Store, id: &str, now_ms: i64) -> Result<Vec<AttendanceRow>, ScheduleOpError> {
    let running = store.meeting(id)?;
    let invited = match (store.scheduled_meeting(id)?, &running) {
        (Some(s), _) => s.plan.rooms,
        (None, Some(m)) => m.rooms.clone(),
        (None, None) => return Err(ScheduleOpError::NotFound(id.to_owned())),
    };
    let until_ms = running.and_then(|m| m.ended_at_ms).unwrap_or(now_ms);
    let known = store.rooms()?;
    let rooms: Vec<ReportRoom> = invited
        .into_iter()
        .map(|id| {
            let name = known
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            ReportRoom { id, name }
        })
        .collect();
    Ok(attendance(&rooms, &store.meeting_events(id)?, until_ms))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    /// Also meetings that have ended.
    #[serde(default)]
    all: bool,
}

pub(super) async fn list(
    _caller: ScheduleCaller,
    State(hub): State<Arc<Hub>>,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiFailure> {
    let after = (!query.all).then(crate::clock::now_ms);
    let list = hub.store.call(move |s| s.scheduled_meetings(after)).await?;
    let views: Vec<ScheduleView> = list.into_iter().map(ScheduleView::from).collect();
    Ok(Json(views).into_response())
}

pub(super) async fn create_one(
    _caller: ScheduleCaller,
    State(hub): State<Arc<Hub>>,
    JsonBody(request): JsonBody<PlanRequest>,
) -> Result<Response, ApiFailure> {
    let made = hub
        .store
        .call(move |s| create(s, request, crate::clock::now_ms()))
        .await?;
    tracing::info!(meeting_id = %made.id, "meeting scheduled");
    Ok((StatusCode::CREATED, Json(ScheduleView::from(made))).into_response())
}

pub(super) async fn show(
    _caller: ScheduleCaller,
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
) -> Result<Response, ApiFailure> {
    let key = id.clone();
    let found = hub
        .store
        .call(move |s| s.scheduled_meeting(&key))
        .await?
        .ok_or(ScheduleOpError::NotFound(id))?;
    Ok(Json(ScheduleView::from(found)).into_response())
}

pub(super) async fn update(
    _caller: ScheduleCaller,
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<PlanChange>,
) -> Result<Response, ApiFailure> {
    let changed = hub
        .store
        .call(move |s| change(s, &id, request, crate::clock::now_ms()))
        .await?;
    Ok(Json(ScheduleView::from(changed)).into_response())
}

pub(super) async fn cancel_one(
    _caller: ScheduleCaller,
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
) -> Result<Response, ApiFailure> {
    let cancelled = hub
        .store
        .call(move |s| cancel(s, &id, crate::clock::now_ms()))
        .await?;
    Ok(Json(ScheduleView::from(cancelled)).into_response())
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReportQuery {
    #[serde(default)]
    format: Option<String>,
}

/// The attendance report as JSON (default) or CSV (`?format=csv`, a download).
pub(super) async fn attendance_report(
    _caller: ScheduleCaller,
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ApiFailure> {
    let format = query.format.unwrap_or_else(|| "json".into());
    if format != "json" && format != "csv" {
        return Err(ApiFailure::bad_request(&format!(
            "format {format:?} is not supported; use csv or json"
        )));
    }
    let key = id.clone();
    let rows = hub
        .store
        .call(move |s| report(s, &key, crate::clock::now_ms()))
        .await?;
    if format == "csv" {
        // The id named a meeting, but keep the header plain whatever a path decodes to.
        let safe: String = id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let disposition = format!("attachment; filename=\"attendance-{safe}.csv\"");
        Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            crate::meeting::attendance::to_csv(&rows),
        )
            .into_response())
    } else {
        Ok(Json(rows).into_response())
    }
}

/// A host action by staff on a running meeting (give the floor, take it back, mute a room or
/// all, lower a hand, end): the body is the action, e.g. `{"action":"give_floor","room":"…"}`.
/// Answers with the chair as every room now sees it.
pub(super) async fn chair(
    _caller: ScheduleCaller,
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    JsonBody(action): JsonBody<FloorAction>,
) -> Result<Response, ApiFailure> {
    match hub.meetings.chair_as_staff(&id, action).await {
        Ok(()) => {
            let chair = hub.meetings.view(&id).map(|v| v.chair);
            Ok(Json(chair).into_response())
        }
        Err(ChairRefusal::UnknownMeeting) => {
            Err(ApiFailure::not_found(&format!("no running meeting {id:?}")))
        }
        Err(refusal) => Err(ApiFailure::invalid(&refusal.to_string())),
    }
}
