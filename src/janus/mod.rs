//! A client of Janus's API for the hub: one session, one handle on the VideoRoom plugin, and
//! the room requests the hub needs (`create`, `destroy`, `exists`, `list`,
//! `listparticipants`). It is JSON over a WebSocket (`ws://`, subprotocol `janus-protocol`)
//! or plain HTTP (`http://…/janus`), never WebRTC itself: no media passes through here.
//!
//! The protocol is Janus's own: <https://janus.conf.meetecho.com/docs/rest.html> (session
//! `create`, `attach`, `message`, `keepalive`, `destroy`; every request names a
//! `transaction` that its reply repeats; `apisecret` when `janus.jcfg` sets `api_secret`;
//! errors as `{"janus":"error","error":{"code","reason"}}` with the codes of
//! `apierror.h`). The VideoRoom requests and their answers are those of
//! <https://janus.conf.meetecho.com/docs/videoroom.html> ("synchronous requests" answered
//! in the `success` reply's `plugindata`, errors as `error_code` and `error` there).
//!
//! Over a WebSocket, replies may come in any order and Janus also sends events no request
//! asked for: a reader task matches each reply to its request by `transaction`. A task sends
//! `keepalive` every [`KEEPALIVE_EVERY`] so Janus (`session_timeout`, 60 s by default) keeps
//! the session; once the link fails, [`JanusClient::is_alive`] says so and the owner
//! connects again.

pub mod engine;
mod link;
pub mod local;

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::{JanusConfig, Secret};
use link::{Link, Target};

/// The VideoRoom plugin's package name (`attach`).
pub const VIDEOROOM_PLUGIN: &str = "janus.plugin.videoroom";

/// How often the session is kept alive: well inside Janus's default 60 s `session_timeout`.
pub const KEEPALIVE_EVERY: Duration = Duration::from_secs(15);

/// How long a request waits for its reply.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What went wrong talking to Janus, in words a host or installer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JanusError {
    /// Nothing answers at the address, or the handshake failed.
    #[error(
        "cannot reach Janus at {url}: {reason} (is janus running and is [media] janus_url right?)"
    )]
    Unreachable { url: String, reason: String },
    /// The WebSocket closed or the session expired.
    #[error("the connection to Janus was lost")]
    Disconnected,
    #[error("Janus did not answer within {} s", .0.as_secs())]
    Timeout(Duration),
    /// Janus itself refused the request (codes of Janus's `apierror.h`).
    #[error("Janus refused the request: {kind} (Janus error {code}: {reason})")]
    Api {
        code: u16,
        kind: ApiErrorKind,
        reason: String,
    },
    /// The VideoRoom plugin refused the request (codes of the plugin's
    /// `JANUS_VIDEOROOM_ERROR_*`).
    #[error("Janus's VideoRoom refused the request: {kind} (VideoRoom error {code}: {reason})")]
    VideoRoom {
        code: u16,
        kind: VideoRoomErrorKind,
        reason: String,
    },
    /// An answer this client does not understand.
    #[error("Janus answered something unexpected: {0}")]
    Protocol(String),
}

impl JanusError {
    /// Whether trying again later may succeed (Janus down or restarting), as opposed to a
    /// configuration mistake that needs a person.
    pub fn is_transient(&self) -> bool {
        match self {
            JanusError::Unreachable { .. } | JanusError::Disconnected | JanusError::Timeout(_) => {
                true
            }
            JanusError::Api { kind, .. } => matches!(
                kind,
                ApiErrorKind::SessionNotFound
                    | ApiErrorKind::HandleNotFound
                    | ApiErrorKind::NotAcceptingSessions
            ),
            JanusError::VideoRoom { .. } | JanusError::Protocol(_) => false,
        }
    }
}

/// Janus core error codes (`apierror.h`) this client tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiErrorKind {
    /// 403: wrong or missing `apisecret`.
    Unauthorized,
    /// 458: the session expired or Janus restarted.
    SessionNotFound,
    /// 459: the plugin handle is gone.
    HandleNotFound,
    /// 460: the VideoRoom plugin is not loaded.
    PluginNotFound,
    /// 472: Janus is shutting down or not accepting new sessions.
    NotAcceptingSessions,
    Other,
}

impl ApiErrorKind {
    fn from_code(code: u16) -> Self {
        match code {
            403 => Self::Unauthorized,
            458 => Self::SessionNotFound,
            459 => Self::HandleNotFound,
            460 => Self::PluginNotFound,
            472 => Self::NotAcceptingSessions,
            _ => Self::Other,
        }
    }
}

impl std::fmt::Display for ApiErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Unauthorized => {
                "wrong or missing API secret ([media] janus_api_secret must equal api_secret in janus.jcfg)"
            }
            Self::SessionNotFound => "the session is gone (Janus restarted or it timed out)",
            Self::HandleNotFound => "the VideoRoom handle is gone",
            Self::PluginNotFound => "the VideoRoom plugin (libjanus_videoroom.so) is not loaded",
            Self::NotAcceptingSessions => "Janus is not accepting sessions (shutting down?)",
            Self::Other => "see Janus's reason",
        })
    }
}

/// VideoRoom plugin error codes (`JANUS_VIDEOROOM_ERROR_*` in `janus_videoroom.c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoRoomErrorKind {
    /// 426
    NoSuchRoom,
    /// 427
    RoomExists,
    /// 429: e.g. `admin_key` when the plugin has one and the request carried none.
    MissingElement,
    /// 430
    InvalidElement,
    /// 432
    PublishersFull,
    /// 433: wrong room secret or `admin_key`.
    Unauthorized,
    Other,
}

impl VideoRoomErrorKind {
    fn from_code(code: u16) -> Self {
        match code {
            426 => Self::NoSuchRoom,
            427 => Self::RoomExists,
            429 => Self::MissingElement,
            430 => Self::InvalidElement,
            432 => Self::PublishersFull,
            433 => Self::Unauthorized,
            _ => Self::Other,
        }
    }
}

impl std::fmt::Display for VideoRoomErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NoSuchRoom => "no such room",
            Self::RoomExists => "the room already exists",
            Self::MissingElement => "a required field is missing",
            Self::InvalidElement => "a field has a value Janus does not accept",
            Self::PublishersFull => "the room has no publisher seat left",
            Self::Unauthorized => {
                "not allowed ([media] janus_admin_secret must equal admin_key in janus.plugin.videoroom.jcfg)"
            }
            Self::Other => "see Janus's reason",
        })
    }
}

/// A VideoRoom as the hub creates it for one meeting (`create`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSpec {
    /// Numeric room id (Janus's default, `string_ids = false`).
    pub room: u64,
    pub description: String,
    /// Needed to `destroy` (or `edit`) the room.
    pub secret: Secret,
    /// Publisher seats (`publishers`).
    pub publishers: u32,
}

/// One room as `list` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RoomInfo {
    pub room: u64,
    #[serde(default)]
    pub description: String,
    pub max_publishers: u32,
    #[serde(default)]
    pub videocodec: String,
    #[serde(default)]
    pub audiocodec: String,
    #[serde(default)]
    pub num_participants: u32,
}

/// One participant as `listparticipants` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RoomParticipant {
    pub id: u64,
    #[serde(default)]
    pub display: Option<String>,
    #[serde(default)]
    pub publisher: bool,
}

/// A Janus session with one VideoRoom handle. Dropping it stops its keepalive; call
/// [`JanusClient::close`] to end the session at Janus at once.
#[derive(Debug)]
pub struct JanusClient {
    link: Link,
    session: u64,
    handle: u64,
    admin_key: Secret,
    _keepalive: tokio_util::sync::DropGuard,
}

impl JanusClient {
    /// Connects, creates a session and attaches to the VideoRoom plugin. `tls` is used for
    /// `wss://` and `https://` addresses.
    pub async fn connect(
        config: &JanusConfig,
        tls: std::sync::Arc<rustls::ClientConfig>,
    ) -> Result<Self, JanusError> {
        let link = Link::open(&config.url, config.api_secret.clone(), tls).await?;
        let created = link
            .request(Target::Root, json!({ "janus": "create" }))
            .await?;
        let session = id_in(&created)?;
        let attached = link
            .request(
                Target::Session(session),
                json!({ "janus": "attach", "plugin": VIDEOROOM_PLUGIN }),
            )
            .await?;
        let handle = id_in(&attached)?;
        let stop = tokio_util::sync::CancellationToken::new();
        tokio::spawn(keep_alive(link.clone(), session, stop.clone()));
        Ok(JanusClient {
            link,
            session,
            handle,
            admin_key: config.admin_secret.clone(),
            _keepalive: stop.drop_guard(),
        })
    }

    /// False once the link failed or Janus dropped the session: connect again.
    pub fn is_alive(&self) -> bool {
        self.link.is_alive()
    }

    pub fn session_id(&self) -> u64 {
        self.session
    }

    /// Ends the session at Janus (its handle goes with it).
    pub async fn close(self) {
        let _ = self
            .link
            .request(Target::Session(self.session), json!({ "janus": "destroy" }))
            .await;
        self.link.close();
    }

    /// Sends one VideoRoom request and returns the plugin's answer (`plugindata.data`),
    /// or its `error_code` as [`JanusError::VideoRoom`].
    async fn videoroom(&self, body: Value) -> Result<Value, JanusError> {
        let reply = self
            .link
            .request(
                Target::Handle(self.session, self.handle),
                json!({ "janus": "message", "body": body }),
            )
            .await?;
        let data = reply
            .pointer("/plugindata/data")
            .cloned()
            .ok_or_else(|| JanusError::Protocol(format!("no plugindata in {reply}")))?;
        videoroom_error(&data)?;
        Ok(data)
    }

    /// `create`: a private, non-permanent room with VP8 video and Opus audio, without
    /// transport-wide congestion control (see the request).
    pub async fn create_room(&self, spec: &RoomSpec) -> Result<(), JanusError> {
        let data = self
            .videoroom(json!({
                "request": "create",
                "room": spec.room,
                "permanent": false,
                "description": spec.description,
                "secret": spec.secret.expose(),
                "is_private": true,
                "publishers": spec.publishers,
                "videocodec": "vp8",
                "audiocodec": "opus",
                // Without transport-wide CC: fed Janus's TWCC feedback, the rooms' send-side
                // estimate falls to ~100 kb/s on an idle loopback and they step down to audio
                // only (to look into); they adapt from loss and REMB meanwhile.
                "transport_wide_cc_ext": false,
                // Every publisher is asked for a keyframe at least this often (seconds): a
                // subscriber whose own request goes astray (a room's request for its second
                // slot reaches Janus as one about the first: to look into) still gets a
                // picture, and so does one that joined after the publisher's last keyframe
                // (a browser encodes one only when asked).
                "fir_freq": 10,
                "admin_key": self.admin_key.expose(),
            }))
            .await?;
        expect_answer(&data, "created")?;
        Ok(())
    }

    /// `destroy` (with the room's secret).
    pub async fn destroy_room(&self, room: u64, secret: &Secret) -> Result<(), JanusError> {
        let data = self
            .videoroom(json!({
                "request": "destroy",
                "room": room,
                "secret": secret.expose(),
                "permanent": false,
            }))
            .await?;
        expect_answer(&data, "destroyed")?;
        Ok(())
    }

    /// `exists`.
    pub async fn room_exists(&self, room: u64) -> Result<bool, JanusError> {
        let data = self
            .videoroom(json!({ "request": "exists", "room": room }))
            .await?;
        data.get("exists")
            .and_then(Value::as_bool)
            .ok_or_else(|| JanusError::Protocol(format!("no \"exists\" in {data}")))
    }

    /// `list`, private rooms included (the request carries the `admin_key`).
    pub async fn list_rooms(&self) -> Result<Vec<RoomInfo>, JanusError> {
        let data = self
            .videoroom(json!({ "request": "list", "admin_key": self.admin_key.expose() }))
            .await?;
        serde_json::from_value(data.get("list").cloned().unwrap_or(Value::Null))
            .map_err(|e| JanusError::Protocol(format!("room list: {e}")))
    }

    /// `listparticipants`.
    pub async fn list_participants(&self, room: u64) -> Result<Vec<RoomParticipant>, JanusError> {
        let data = self
            .videoroom(json!({ "request": "listparticipants", "room": room }))
            .await?;
        serde_json::from_value(data.get("participants").cloned().unwrap_or(Value::Null))
            .map_err(|e| JanusError::Protocol(format!("participant list: {e}")))
    }
}

/// What a VideoRoom request on a handle of its own answered: the plugin's data and, for
/// negotiating requests, Janus's SDP (`jsep`).
#[derive(Debug, Clone, PartialEq)]
pub struct PluginAnswer {
    pub data: Value,
    /// `{"type": "offer"|"answer", "sdp": ...}` when Janus sent one.
    pub jsep: Option<Value>,
}

impl PluginAnswer {
    /// The SDP text of `jsep`, if it is of `kind` (`offer` or `answer`).
    pub fn sdp(&self, kind: &str) -> Option<&str> {
        let jsep = self.jsep.as_ref()?;
        (jsep.get("type").and_then(Value::as_str) == Some(kind))
            .then(|| jsep.get("sdp").and_then(Value::as_str))
            .flatten()
    }
}

impl JanusClient {
    /// Attaches one more handle to the VideoRoom plugin on this session (a publisher or a
    /// subscriber of the media path), with a receiver of Janus's events about it
    /// (`webrtcup`, `hangup`, `media`, ...; it ends when the session is lost).
    pub async fn attach(
        &self,
    ) -> Result<(u64, tokio::sync::mpsc::UnboundedReceiver<Value>), JanusError> {
        if !self.link.is_websocket() {
            return Err(JanusError::Protocol(
                "the media path needs Janus's WebSocket transport ([media] janus_url = \"ws://...\")"
                    .into(),
            ));
        }
        let attached = self
            .link
            .request(
                Target::Session(self.session),
                json!({ "janus": "attach", "plugin": VIDEOROOM_PLUGIN }),
            )
            .await?;
        let handle = id_in(&attached)?;
        Ok((handle, self.link.handle_events(handle)))
    }

    /// Detaches a handle (its PeerConnection at Janus goes with it).
    pub async fn detach(&self, handle: u64) {
        self.link.forget_handle(handle);
        let _ = self
            .link
            .request(
                Target::Handle(self.session, handle),
                json!({ "janus": "detach" }),
            )
            .await;
    }

    /// One VideoRoom request on `handle`, with an SDP (`jsep`) when it negotiates; returns
    /// the plugin's answer and Janus's SDP, or the VideoRoom's `error_code`.
    pub async fn handle_request(
        &self,
        handle: u64,
        body: Value,
        jsep: Option<Value>,
    ) -> Result<PluginAnswer, JanusError> {
        let mut message = json!({ "janus": "message", "body": body });
        if let Some(jsep) = jsep {
            message["jsep"] = jsep;
        }
        let reply = self
            .link
            .request(Target::Handle(self.session, handle), message)
            .await?;
        let data = reply
            .pointer("/plugindata/data")
            .cloned()
            .ok_or_else(|| JanusError::Protocol(format!("no plugindata in {reply}")))?;
        videoroom_error(&data)?;
        Ok(PluginAnswer {
            data,
            jsep: reply.get("jsep").cloned(),
        })
    }

    /// Trickles one of the participant's ICE candidates to `handle` (`None`: gathering
    /// completed).
    pub async fn trickle(
        &self,
        handle: u64,
        candidate: Option<&crate::wire::IceCandidate>,
    ) -> Result<(), JanusError> {
        let candidate = match candidate {
            Some(c) => json!({
                "candidate": c.candidate,
                "sdpMid": c.sdp_mid,
                "sdpMLineIndex": c.sdp_mline_index,
            }),
            None => json!({ "completed": true }),
        };
        self.link
            .request(
                Target::Handle(self.session, handle),
                json!({ "janus": "trickle", "candidate": candidate }),
            )
            .await?;
        Ok(())
    }
}

/// The VideoRoom's `error_code` in a plugin answer as [`JanusError::VideoRoom`].
fn videoroom_error(data: &Value) -> Result<(), JanusError> {
    if let Some(code) = data.get("error_code").and_then(Value::as_u64) {
        let code = u16::try_from(code).unwrap_or(u16::MAX);
        return Err(JanusError::VideoRoom {
            code,
            kind: VideoRoomErrorKind::from_code(code),
            reason: data
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        });
    }
    Ok(())
}

/// `data.id` of a `success` reply (`create`, `attach`).
fn id_in(reply: &Value) -> Result<u64, JanusError> {
    reply
        .pointer("/data/id")
        .and_then(Value::as_u64)
        .ok_or_else(|| JanusError::Protocol(format!("no data.id in {reply}")))
}

fn expect_answer(data: &Value, videoroom: &str) -> Result<(), JanusError> {
    match data.get("videoroom").and_then(Value::as_str) {
        Some(v) if v == videoroom => Ok(()),
        _ => Err(JanusError::Protocol(format!(
            "expected \"{videoroom}\", got {data}"
        ))),
    }
}

/// Keeps the session alive until `stop`, or until the link fails.
async fn keep_alive(link: Link, session: u64, stop: tokio_util::sync::CancellationToken) {
    let mut tick = tokio::time::interval(KEEPALIVE_EVERY);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = link
            .request(Target::Session(session), json!({ "janus": "keepalive" }))
            .await
        {
            tracing::warn!(error = %e, "Janus keepalive failed; the session will be opened again");
            link.close();
            return;
        }
    }
}

/// Parses a reply: `error` becomes [`JanusError::Api`]; anything else is returned.
fn check_reply(reply: Value) -> Result<Value, JanusError> {
    if reply.get("janus").and_then(Value::as_str) == Some("error") {
        let code = reply
            .pointer("/error/code")
            .and_then(Value::as_u64)
            .map_or(u16::MAX, |c| u16::try_from(c).unwrap_or(u16::MAX));
        return Err(JanusError::Api {
            code,
            kind: ApiErrorKind::from_code(code),
            reason: reply
                .pointer("/error/reason")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        });
    }
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_become_kinds_a_host_can_read() {
        let err = check_reply(json!({
            "janus": "error", "transaction": "t",
            "error": { "code": 403, "reason": "Unauthorized request (wrong or missing secret/token)" }
        }))
        .expect_err("an error");
        assert_eq!(
            err,
            JanusError::Api {
                code: 403,
                kind: ApiErrorKind::Unauthorized,
                reason: "Unauthorized request (wrong or missing secret/token)".into()
            }
        );
        assert!(err.to_string().contains("janus_api_secret"), "{err}");
        assert!(!err.is_transient());
        assert_eq!(ApiErrorKind::from_code(458), ApiErrorKind::SessionNotFound);
        assert_eq!(
            VideoRoomErrorKind::from_code(427),
            VideoRoomErrorKind::RoomExists
        );
        assert!(
            JanusError::Unreachable {
                url: "ws://127.0.0.1:8188/".into(),
                reason: "connection refused".into()
            }
            .is_transient()
        );
    }
}
