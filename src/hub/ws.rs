//! One room's WebSocket session: the I/O around the pure `session::on_text`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{SinkExt, StreamExt};
use tokio::time::Instant;

use super::Hub;
use super::session;
use crate::store::RoomRecord;
use crate::wire::{ErrorCode, HubMessage};

/// How often the hub pings each room; a room silent for `DEAD_AFTER` is dropped.
pub(crate) const PING_EVERY: Duration = Duration::from_secs(10);
pub(crate) const DEAD_AFTER: Duration = Duration::from_secs(30);

/// Largest message a room may send on its WebSocket. A room sends a hello, its status
/// report (a few KiB even with many devices), chair requests and WebRTC signalling, whose
/// largest message is an SDP offer of a few audio and video sections (10-30 KiB); 256 KiB
/// leaves room to spare where the library default was 64 MiB a message.
pub(crate) const ROOM_MESSAGE_MAX_BYTES: usize = 256 * 1024;

/// WebSocket close codes (RFC 6455 and the private range).
const CLOSE_GOING_AWAY: u16 = 1001;
const CLOSE_POLICY: u16 = 1008;
const CLOSE_REVOKED: u16 = 4001;
const CLOSE_REPLACED: u16 = 4002;

pub(crate) async fn serve(hub: Arc<Hub>, room: RoomRecord, socket: WebSocket) {
    let session_id = hub.next_session.fetch_add(1, Ordering::Relaxed);
    let (kick_tx, mut kick_rx) = tokio::sync::mpsc::channel::<ErrorCode>(1);
    hub.lock_sessions().insert(session_id, kick_tx);
    let now = crate::clock::now_ms();
    let replaced = hub.lock_board().connect(&room, session_id, now);
    if let Some(old) = replaced {
        hub.end_session(old, ErrorCode::Replaced);
    }
    let room_id = room.id.clone();
    let log_id = hub
        .store
        .call(move |s| s.open_session(&room_id, now))
        .await
        .map_err(|e| tracing::error!(error = %e, "cannot record the session"))
        .ok();
    hub.metrics.room_sessions.inc();
    hub.publish_presence();
    tracing::info!(room_id = %room.id, unit = %room.unit_id, session_id, "room connected");

    let reason = run_session(&hub, &room, socket, &mut kick_rx).await;

    hub.lock_sessions().remove(&session_id);
    let now = crate::clock::now_ms();
    if hub.lock_board().disconnect(&room.id, session_id, now) {
        hub.publish_presence();
    }
    if let Some(log_id) = log_id {
        let _ = hub
            .store
            .call(move |s| s.close_session(&log_id, now))
            .await
            .map_err(|e| tracing::error!(error = %e, "cannot record the session end"));
    }
    tracing::info!(room_id = %room.id, session_id, reason, "room disconnected");
}

async fn send(
    sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    msg: &HubMessage,
) -> bool {
    match serde_json::to_string(msg) {
        Ok(text) => sink.send(Message::Text(text.into())).await.is_ok(),
        Err(_) => false,
    }
}

async fn close(
    sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    code: u16,
    reason: &'static str,
) {
    let _ = sink
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        })))
        .await;
}

/// Runs one room's session; meetings learn where to reach the room while it lasts.
async fn run_session(
    hub: &Hub,
    room: &RoomRecord,
    socket: WebSocket,
    kick_rx: &mut tokio::sync::mpsc::Receiver<ErrorCode>,
) -> &'static str {
    let (outbox, outgoing) = tokio::sync::mpsc::unbounded_channel::<HubMessage>();
    let reason = pump(hub, room, socket, kick_rx, &outbox, outgoing).await;
    hub.meetings
        .disconnected(&room.id, &outbox, crate::meeting::ParticipantKind::Room)
        .await;
    reason
}

/// Pumps the session until it ends; returns why, for the log.
async fn pump(
    hub: &Hub,
    room: &RoomRecord,
    socket: WebSocket,
    kick_rx: &mut tokio::sync::mpsc::Receiver<ErrorCode>,
    outbox: &tokio::sync::mpsc::UnboundedSender<HubMessage>,
    mut outgoing: tokio::sync::mpsc::UnboundedReceiver<HubMessage>,
) -> &'static str {
    let (mut sink, mut stream) = socket.split();
    let mut presence_rx = hub.presence.subscribe();
    let mut hints = hub.sync_hints.subscribe();
    let mut welcomed = false;
    let sender = crate::meeting::signalling::Sender {
        participant_id: room.id.clone(),
        name: room.name.clone(),
        kind: crate::meeting::ParticipantKind::Room,
    };
    let mut last_heard = Instant::now();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            _ = hub.shutdown.cancelled() => {
                close(&mut sink, CLOSE_GOING_AWAY, "hub shutting down").await;
                return "hub shutting down";
            }
            Some(code) = kick_rx.recv() => {
                let message = match code {
                    ErrorCode::Revoked => "this room was revoked at the hub",
                    ErrorCode::Replaced => "a newer session of this room replaced this one",
                    _ => "session ended by the hub",
                };
                send(&mut sink, &HubMessage::Error { code, message: message.into() }).await;
                let close_code = if code == ErrorCode::Revoked { CLOSE_REVOKED } else { CLOSE_REPLACED };
                close(&mut sink, close_code, message).await;
                return message;
            }
            changed = presence_rx.changed(), if welcomed => {
                if changed.is_err() { return "hub stopping"; }
                let rooms = presence_rx.borrow_and_update().clone();
                if !send(&mut sink, &HubMessage::Presence { rooms }).await {
                    return "send failed";
                }
            }
            hint = hints.recv(), if welcomed => {
                if matches!(hint, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                    return "hub stopping";
                }
                if !send(&mut sink, &HubMessage::SyncHint).await {
                    return "send failed";
                }
            }
            Some(message) = outgoing.recv() => {
                if !send(&mut sink, &message).await {
                    return "send failed";
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > DEAD_AFTER {
                    return "no answer to pings";
                }
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    return "send failed";
                }
            }
            incoming = stream.next() => {
                last_heard = Instant::now();
                match incoming {
                    Some(Ok(Message::Text(text))) => {
                        let step = session::on_text(room, text.as_str());
                        for msg in &step.send {
                            if !send(&mut sink, msg).await { return "send failed"; }
                        }
                        if step.close {
                            close(&mut sink, CLOSE_POLICY, "protocol error").await;
                            return "protocol error";
                        }
                        if let Some(status) = step.status {
                            let room_id = room.id.clone();
                            let now = crate::clock::now_ms();
                            if let Err(e) = hub.store.call(move |s| s.record_room_status(&room_id, &status, now)).await {
                                tracing::error!(error = %e, room_id = %room.id, "cannot keep a room's status report");
                            }
                        }
                        for (meeting_id, signal) in step.signals {
                            hub.meetings.on_signal(&sender, &meeting_id, signal).await;
                        }
                        for request in step.staff_calls {
                            hub.meetings.on_staff_call(&sender, request).await;
                        }
                        if step.welcomed && !welcomed {
                            welcomed = true;
                            hub.meetings.connected(&room.id, outbox.clone(), crate::meeting::ParticipantKind::Room);
                            let rooms = presence_rx.borrow_and_update().clone();
                            if !send(&mut sink, &HubMessage::Presence { rooms }).await {
                                return "send failed";
                            }
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        close(&mut sink, CLOSE_POLICY, "binary frames are not used").await;
                        return "binary frame";
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_))) | None => return "room closed the session",
                    Some(Err(_)) => return "connection lost",
                }
            }
        }
    }
}
