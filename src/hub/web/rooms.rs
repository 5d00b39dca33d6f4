//! Room health on the dashboard: every enrolled room with its unit, whether it is
//! connected now (or when it was last seen), and what it reported about itself
//! (`RoomMessage::Status`: software version, outbox backlog, camera and microphone, its
//! last meeting's link); during a meeting, what the hub receives from it. Commune staff
//! see their own unit's rooms only.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use maud::{Markup, html};

use super::{Lang, PageError, layout, t, t_args};
use crate::hub::Hub;
use crate::hub::auth::StaffPage;
use crate::report::vietnam_time;
use crate::wire::{MediaSource, MediaSourceKind};

/// A report older than this is shown as stale: the room sends one every few minutes while
/// it is connected.
const STALE_AFTER_MS: i64 = 3 * crate::wire::ROOM_STATUS_EVERY_SECS as i64 * 1000;

fn source(lang: Lang, s: &MediaSource) -> Markup {
    let key = match s.kind {
        MediaSourceKind::Device => "room-source-device",
        MediaSourceKind::Test => "room-source-test",
        MediaSourceKind::Unknown => "room-source-unknown",
    };
    html! { span class={ "source " (key) } { (t(lang, key)) } " · " (s.name) }
}

fn kbps(bps: f64) -> String {
    format!("{:.0} kb/s", bps / 1000.0)
}

/// `/staff/rooms`.
pub(crate) async fn list(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
) -> Result<Markup, PageError> {
    let scope = staff.scope();
    let unit = scope.unit().map(str::to_owned);
    let rows = hub
        .store
        .call(move |s| s.room_health(unit.as_deref()))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "the rooms page failed");
            PageError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(&staff),
                lang,
                &t(lang, "page-failed"),
            )
        })?;
    let presence: HashMap<String, (bool, i64)> = hub
        .lock_board()
        .snapshot()
        .into_iter()
        .map(|p| (p.room_id, (p.connected, p.since_ms)))
        .collect();
    // What the hub receives from each room now, in the meetings running.
    let mut receiving: HashMap<String, f64> = HashMap::new();
    for stream in hub.meetings.engine().stats() {
        *receiving.entry(stream.participant_id).or_default() += stream.bitrate_in_bps;
    }
    let in_meeting: HashMap<String, String> = hub
        .meetings
        .views()
        .into_iter()
        .flat_map(|m| {
            m.participants
                .into_iter()
                .filter(|p| p.connected)
                .map(move |p| (p.participant_id, m.id.clone()))
        })
        .collect();
    let now = crate::clock::now_ms();
    let body = html! {
        @if rows.is_empty() { p class="card" { (t(lang, "rooms-none")) } }
        ul class="rooms" {
            @for row in &rows {
                @let r = &row.room;
                // Connected now: the presence board; last seen: the session log.
                @let (connected, since) = match presence.get(&r.id) {
                    Some((true, since)) => (true, *since),
                    _ => (false, row.last_session.map_or(0, |(start, end)| end.unwrap_or(start))),
                };
                li class={ "card room " (if connected { "on" } else { "off" }) } {
                    h2 { (r.name) }
                    dl class="facts" {
                        dt { (t(lang, "room-unit")) } dd { (r.unit_id) }
                        dt { (t(lang, "room-link")) }
                        dd {
                            @if connected {
                                strong class="ok" { (t(lang, "room-connected")) } " · "
                                (t_args(lang, "room-since", &[("time", &vietnam_time(since))]))
                            } @else if since > 0 {
                                strong class="bad" { (t(lang, "room-offline")) } " · "
                                (t_args(lang, "room-last-seen", &[("time", &vietnam_time(since))]))
                            } @else {
                                strong class="bad" { (t(lang, "room-never")) }
                            }
                        }
                        @match &row.report {
                            Some((report, received_at)) => {
                                dt { (t(lang, "room-version")) } dd class="version" { (report.software_version) }
                                dt { (t(lang, "room-backlog")) }
                                dd class="backlog" { (t_args(lang, "room-backlog-items", &[("count", &report.outbox_backlog.to_string())])) }
                                dt { (t(lang, "room-camera")) } dd { (source(lang, &report.video_source)) }
                                dt { (t(lang, "room-microphone")) } dd { (source(lang, &report.audio_source)) }
                                dt { (t(lang, "room-last-call")) }
                                dd {
                                    @match &report.last_call {
                                        Some(q) => {
                                            (t_args(lang, "room-call-quality", &[
                                                ("loss", &format!("{:.1}", f64::from(q.video_loss_permille) / 10.0)),
                                                ("rtt", &q.round_trip_ms.map_or("—".to_owned(), |v| v.to_string())),
                                                ("bitrate", &kbps(q.send_bitrate_bps as f64)),
                                                ("layer", &q.layer),
                                            ]))
                                            " · " (vietnam_time(q.measured_at_ms))
                                        }
                                        None => (t(lang, "room-no-call")),
                                    }
                                }
                                dt { (t(lang, "room-reported")) }
                                dd {
                                    (vietnam_time(*received_at))
                                    @if now - received_at > STALE_AFTER_MS { " · " span class="bad" { (t(lang, "room-report-stale")) } }
                                }
                            }
                            None => {
                                dt { (t(lang, "room-version")) } dd { (t(lang, "room-no-report")) }
                            }
                        }
                        @if let Some(meeting) = in_meeting.get(&r.id) {
                            dt { (t(lang, "room-in-meeting")) }
                            dd { (meeting) " · " (kbps(receiving.get(&r.id).copied().unwrap_or(0.0))) }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(&t(lang, "rooms-title"), Some(&staff), lang, body))
}
