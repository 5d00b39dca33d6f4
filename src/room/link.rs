//! The room's session with the hub: connect, authenticate, keep alive, and come back by
//! itself after any outage, with exponential backoff and jitter.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, http};

use super::credential::{self, Credential};
use super::{HubLink, Room};
use crate::backoff::Backoff;
use crate::wire::{ErrorCode, HubMessage, PROTOCOL_VERSION, RoomMessage};

/// First retry after about a second, then doubling up to a minute.
const RETRY_BASE: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(60);
/// A refused credential is retried rarely: it needs a person to fix it.
const REJECTED_RETRY: Duration = Duration::from_secs(300);
/// How often an unenrolled box looks for a credential written by `room enroll`.
const ENROLL_POLL: Duration = Duration::from_secs(2);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// The hub pings every 10 s; silence for this long means the link is dead.
const SILENCE_LIMIT: Duration = Duration::from_secs(35);
/// While the call's media is down the room pings the hub this often, and a hub silent for
/// `PROBE_SILENCE` is given up for a new session: a TCP connection that lived through an
/// outage delivers nothing until its backed-off retransmission timer fires (seconds after the
/// link returned), a new one as soon as the link is there.
const PROBE_EVERY: Duration = Duration::from_secs(1);
const PROBE_SILENCE: Duration = Duration::from_secs(4);
/// With no route to the hub (the link is down) the room tries again this often instead of
/// backing off: the attempt costs nothing and the call waits on it when the link returns.
const NO_ROUTE_RETRY: Duration = Duration::from_secs(1);

/// How one session ended.
enum Ended {
    /// Lost or failed; retry with backoff.
    Lost(String),
    /// No route to the hub (the box's link is down): retry soon, without backing off.
    NoRoute(String),
    /// The hub refused the credential; retry slowly.
    Rejected(String),
    Shutdown,
}

pub(super) async fn maintain(room: Arc<Room>, tls: Arc<rustls::ClientConfig>) {
    let mut backoff = Backoff::new(RETRY_BASE, RETRY_MAX);
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_os_rng();
    loop {
        let credential = match credential::load(&room.data) {
            Ok(Some(c)) => c,
            Ok(None) => {
                set_link(&room, HubLink::NotEnrolled);
                if wait(&room, ENROLL_POLL).await {
                    return;
                }
                continue;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot use the credential");
                set_link(
                    &room,
                    HubLink::Rejected {
                        reason: e.to_string(),
                    },
                );
                if wait(&room, ENROLL_POLL * 5).await {
                    return;
                }
                continue;
            }
        };
        room.status.send_modify(|s| {
            s.room_id = Some(credential.room_id.clone());
            s.room_name = Some(credential.room_name.clone());
        });
        set_link(
            &room,
            HubLink::Connecting {
                attempt: backoff.attempts() + 1,
            },
        );
        let delay = match session(&room, &credential, &tls, &mut backoff).await {
            Ended::Shutdown => return,
            Ended::Rejected(reason) => {
                room.metrics.hub_rejections.inc();
                tracing::error!(%reason, "the hub refused this room's credential");
                set_link(&room, HubLink::Rejected { reason });
                REJECTED_RETRY
            }
            Ended::NoRoute(why) => {
                tracing::debug!(%why, "no route to the hub");
                set_link(
                    &room,
                    HubLink::Retrying {
                        retry_in_ms: NO_ROUTE_RETRY.as_millis() as u64,
                        last_error: why,
                    },
                );
                NO_ROUTE_RETRY
            }
            Ended::Lost(why) => {
                let delay = backoff.next_delay(&mut rng);
                tracing::warn!(%why, retry_in_ms = delay.as_millis() as u64, "hub link down");
                set_link(
                    &room,
                    HubLink::Retrying {
                        retry_in_ms: delay.as_millis() as u64,
                        last_error: why,
                    },
                );
                delay
            }
        };
        if wait(&room, delay).await {
            return;
        }
    }
}

/// The connection failed because there is no route to the hub (the box's own link is down),
/// as opposed to a hub that does not answer.
fn no_route(e: &WsError) -> bool {
    let WsError::Io(io) = e else { return false };
    matches!(
        io.kind(),
        std::io::ErrorKind::NetworkUnreachable | std::io::ErrorKind::HostUnreachable
    )
}

fn set_link(room: &Room, link: HubLink) {
    let connected = matches!(link, HubLink::Connected { .. });
    room.metrics.hub_connected.set(connected as i64);
    room.status.send_if_modified(|s| {
        if !connected && matches!(s.link, HubLink::Connected { .. }) {
            room.metrics.hub_disconnects.inc();
        }
        let changed = s.link != link;
        s.link = link;
        if !connected && !s.presence.is_empty() {
            s.presence.clear();
            return true;
        }
        changed
    });
}

/// Sleeps for `delay`; returns true if the room is shutting down.
async fn wait(room: &Room, delay: Duration) -> bool {
    tokio::select! {
        _ = room.shutdown.cancelled() => true,
        _ = tokio::time::sleep(delay) => false,
    }
}

/// The hub URL in the config cannot lead to the hub's WebSocket.
#[derive(Debug, thiserror::Error)]
pub enum WsUrlError {
    #[error("the hub URL {hub} cannot be joined with api/v1/ws: {source}")]
    Join {
        hub: String,
        source: url::ParseError,
    },
    #[error("the hub URL {hub} cannot be turned into a WebSocket URL (use http:// or https://)")]
    Scheme { hub: String },
}

fn ws_url(hub: &url::Url) -> Result<url::Url, WsUrlError> {
    let mut url = hub.join("api/v1/ws").map_err(|source| WsUrlError::Join {
        hub: hub.to_string(),
        source,
    })?;
    let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
    url.set_scheme(scheme).map_err(|()| WsUrlError::Scheme {
        hub: hub.to_string(),
    })?;
    Ok(url)
}

async fn session(
    room: &Room,
    credential: &Credential,
    tls: &Arc<rustls::ClientConfig>,
    backoff: &mut Backoff,
) -> Ended {
    let url = match ws_url(&room.config.hub_url) {
        Ok(u) => u,
        Err(e) => return Ended::Lost(e.to_string()),
    };
    let mut request = match url.as_str().into_client_request() {
        Ok(r) => r,
        Err(e) => return Ended::Lost(e.to_string()),
    };
    let Ok(auth) = http::HeaderValue::from_str(&format!("Bearer {}", credential.credential)) else {
        return Ended::Rejected("the stored credential is not valid text; enroll again".into());
    };
    request
        .headers_mut()
        .insert(http::header::AUTHORIZATION, auth);
    let connector = tokio_tungstenite::Connector::Rustls(tls.clone());
    let connect = super::answer::connect_to_hub(request, connector);
    let ws = tokio::select! {
        _ = room.shutdown.cancelled() => return Ended::Shutdown,
        r = tokio::time::timeout(CONNECT_TIMEOUT, connect) => match r {
            Err(_) => return Ended::Lost("timed out connecting".into()),
            Ok(Err(WsError::Http(response))) if response.status() == http::StatusCode::UNAUTHORIZED => {
                let body = response
                    .body()
                    .as_ref()
                    .and_then(|b| serde_json::from_slice::<crate::wire::ApiError>(b).ok())
                    .map(|e| e.message)
                    .unwrap_or_else(|| "credential refused".into());
                return Ended::Rejected(body);
            }
            Ok(Err(e)) if no_route(&e) => return Ended::NoRoute(crate::room::enroll::error_chain(&e)),
            Ok(Err(e)) => return Ended::Lost(crate::room::enroll::error_chain(&e)),
            Ok(Ok((ws, _))) => ws,
        }
    };
    let (mut sink, mut stream) = ws.split();
    let hello = RoomMessage::Hello {
        protocol: PROTOCOL_VERSION,
        software_version: env!("CARGO_PKG_VERSION").into(),
    };
    let Ok(hello) = serde_json::to_string(&hello) else {
        return Ended::Lost("cannot encode hello".into());
    };
    if let Err(e) = sink.send(Message::Text(hello.into())).await {
        return Ended::Lost(e.to_string());
    }
    let mut last_heard = Instant::now();
    let mut check = tokio::time::interval(Duration::from_secs(5));
    let mut probe = tokio::time::interval(PROBE_EVERY);
    probe.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // When the probing began: silence counts from then, not from the last ping of the hub.
    let mut probing_since: Option<Instant> = None;
    let mut outgoing = room.signal_out.lock().await;
    // Only a hub that said so in its welcome reads status reports (an older one would end
    // the session over an unknown message).
    let mut hub_reads_status = false;
    // Likewise staff's "join now" and "leave" (an older hub would end the session).
    let mut hub_reads_staff_call = false;
    let mut status_tick =
        tokio::time::interval(Duration::from_secs(crate::wire::ROOM_STATUS_EVERY_SECS));
    loop {
        tokio::select! {
            _ = room.shutdown.cancelled() => {
                let _ = sink.send(Message::Close(None)).await;
                return Ended::Shutdown;
            }
            Some(message) = outgoing.recv() => {
                if matches!(message, RoomMessage::StaffCall(_)) && !hub_reads_staff_call {
                    tracing::info!("the hub does not read staff's join now or leave; the room acts alone");
                    continue;
                }
                let Ok(text) = serde_json::to_string(&message) else { continue };
                if let Err(e) = sink.send(Message::Text(text.into())).await {
                    return Ended::Lost(e.to_string());
                }
            }
            _ = status_tick.tick(), if hub_reads_status => {
                // A backlog that cannot be counted is not reported as empty: no report.
                let backlog = match room.store.call(|s| s.outbox_pending_len()).await {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot count the outbox for the status report");
                        continue;
                    }
                };
                let status = room.media_report.report(backlog, crate::clock::now_ms());
                let Ok(text) = serde_json::to_string(&RoomMessage::Status { status }) else { continue };
                if let Err(e) = sink.send(Message::Text(text.into())).await {
                    return Ended::Lost(e.to_string());
                }
            }
            _ = probe.tick() => {
                if !room.media_down.load(std::sync::atomic::Ordering::Relaxed) {
                    probing_since = None;
                    continue;
                }
                let since = *probing_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= PROBE_SILENCE && last_heard.elapsed() >= PROBE_SILENCE {
                    return Ended::Lost("the hub went silent while the call's media was down".into());
                }
                if let Err(e) = sink.send(Message::Ping(Default::default())).await {
                    return Ended::Lost(e.to_string());
                }
            }
            _ = check.tick() => {
                if last_heard.elapsed() > SILENCE_LIMIT {
                    return Ended::Lost("the hub went silent".into());
                }
            }
            incoming = stream.next() => {
                last_heard = Instant::now();
                room.hub_heard(false);
                let text = match incoming {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(frame))) => {
                        let why = frame.map(|f| f.reason.to_string()).unwrap_or_default();
                        return Ended::Lost(format!("the hub closed the session: {why}"));
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return Ended::Lost(e.to_string()),
                    None => return Ended::Lost("connection closed".into()),
                };
                match serde_json::from_str::<HubMessage>(text.as_str()) {
                    Ok(HubMessage::Welcome { room_id, room_name, room_status, staff_call, voice_resume, .. }) => {
                        backoff.reset();
                        hub_reads_status = room_status.is_some_and(|v| v >= 1);
                        hub_reads_staff_call = staff_call.is_some_and(|v| v >= 1);
                        room.hub_resumes_voice.store(
                            voice_resume.is_some_and(|v| v >= crate::wire::VOICE_RESUME_VERSION),
                            std::sync::atomic::Ordering::Relaxed,
                        );
                        status_tick.reset_immediately();
                        room.metrics.hub_connects.inc();
                        room.hub_heard(true);
                        tracing::info!(%room_id, %room_name, "connected to the hub");
                        set_link(room, HubLink::Connected { since_ms: crate::clock::now_ms() });
                        // The hub is reachable: sync catches up now, and asks for what changed
                        // (hints sent while the link was down were lost).
                        room.hub_back.notify_one();
                    }
                    Ok(HubMessage::Presence { rooms }) => {
                        room.status.send_modify(|s| s.presence = rooms);
                    }
                    Ok(HubMessage::SyncHint) => {
                        room.download_hint.notify_one();
                    }
                    // Calls, the schedule and meeting notices: the call task keeps them in the
                    // view the kiosk reads (Home's next meeting, the takeover, the roster).
                    Ok(message @ (HubMessage::MeetingInvite { .. }
                        | HubMessage::Signal { .. }
                        | HubMessage::Schedule(_)
                        | HubMessage::MeetingNotice { .. }
                        | HubMessage::StaffCallRefused(_))) => {
                        let _ = room.call_events.send(message);
                    }
                    Ok(HubMessage::Error { code: ErrorCode::Revoked, message }) => {
                        return Ended::Rejected(message);
                    }
                    Ok(HubMessage::Error { code, message }) => {
                        return Ended::Lost(format!("{code:?}: {message}"));
                    }
                    Err(e) => tracing::warn!(error = %e, "ignoring a message this version cannot read"),
                }
            }
        }
    }
}
