//! The two ways to Janus's API: a WebSocket (subprotocol `janus-protocol`, one socket for
//! every request, replies matched by `transaction`) and plain HTTP (one POST per request to
//! `<base>`, `<base>/<session>` or `<base>/<session>/<handle>`, the reply in its body), as
//! <https://janus.conf.meetecho.com/docs/rest.html> describes them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_util::sync::CancellationToken;

use super::{JanusError, REQUEST_TIMEOUT, check_reply};
use crate::config::Secret;

/// Whom a request is for.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target {
    /// Janus itself (`create`).
    Root,
    Session(u64),
    Handle(u64, u64),
}

/// Where Janus's events about one handle go (`webrtcup`, `hangup`, `detached`, `media`,
/// `slowlink`: not a plugin's `event` no request asked for), by handle id.
pub(super) type HandleEvents = Arc<Mutex<HashMap<u64, mpsc::UnboundedSender<Value>>>>;

/// A request waiting for its reply: whether an `ack` ends it (`keepalive`) or the plugin's
/// answer is still to come (`message`), and where the reply goes.
type Pending = (bool, oneshot::Sender<Value>);

#[derive(Debug)]
enum Kind {
    Ws {
        out: mpsc::UnboundedSender<Message>,
        pending: Arc<Mutex<HashMap<String, Pending>>>,
    },
    Http {
        http: reqwest::Client,
        base: url::Url,
    },
}

#[derive(Debug)]
struct Inner {
    kind: Kind,
    url: String,
    api_secret: Option<Secret>,
    alive: Arc<AtomicBool>,
    /// Ends the WebSocket's tasks.
    closed: CancellationToken,
    /// Events per handle (WebSocket only: over HTTP Janus keeps them for a long poll).
    events: HandleEvents,
}

/// A link to Janus's API, shared by the client and its keepalive task.
#[derive(Debug, Clone)]
pub(super) struct Link(Arc<Inner>);

impl Link {
    pub(super) async fn open(
        url: &url::Url,
        api_secret: Option<Secret>,
        tls: Arc<rustls::ClientConfig>,
    ) -> Result<Self, JanusError> {
        let unreachable = |reason: String| JanusError::Unreachable {
            url: url.to_string(),
            reason,
        };
        let alive = Arc::new(AtomicBool::new(true));
        let closed = CancellationToken::new();
        let events: HandleEvents = Arc::default();
        let kind = match url.scheme() {
            "ws" | "wss" => {
                let mut request = url
                    .as_str()
                    .into_client_request()
                    .map_err(|e| unreachable(e.to_string()))?;
                request.headers_mut().insert(
                    "Sec-WebSocket-Protocol",
                    tokio_tungstenite::tungstenite::http::HeaderValue::from_static(
                        "janus-protocol",
                    ),
                );
                let connect = tokio_tungstenite::connect_async_tls_with_config(
                    request,
                    None,
                    false,
                    Some(tokio_tungstenite::Connector::Rustls(tls)),
                );
                let (socket, _) = tokio::time::timeout(REQUEST_TIMEOUT, connect)
                    .await
                    .map_err(|_| unreachable("no answer to the WebSocket handshake".into()))?
                    .map_err(|e| unreachable(e.to_string()))?;
                let (mut sink, mut stream) = socket.split();
                let (out, mut outgoing) = mpsc::unbounded_channel::<Message>();
                let pending: Arc<Mutex<HashMap<String, Pending>>> = Arc::default();
                {
                    let closed = closed.clone();
                    let alive = alive.clone();
                    tokio::spawn(async move {
                        loop {
                            tokio::select! {
                                _ = closed.cancelled() => break,
                                message = outgoing.recv() => match message {
                                    Some(m) => if sink.send(m).await.is_err() { break },
                                    None => break,
                                },
                            }
                        }
                        alive.store(false, Ordering::SeqCst);
                        let _ = sink.close().await;
                    });
                }
                {
                    let closed = closed.clone();
                    let alive = alive.clone();
                    let pending = pending.clone();
                    let events = events.clone();
                    tokio::spawn(async move {
                        loop {
                            let message = tokio::select! {
                                _ = closed.cancelled() => break,
                                m = stream.next() => m,
                            };
                            match message {
                                Some(Ok(Message::Text(text))) => {
                                    dispatch(&text, &pending, &alive, &events);
                                }
                                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                                Some(Ok(_)) => {}
                            }
                        }
                        alive.store(false, Ordering::SeqCst);
                        closed.cancel();
                        // Every request still waiting learns the link is gone.
                        pending.lock().unwrap_or_else(|p| p.into_inner()).clear();
                        // And every handle's listener that no more events come.
                        events.lock().unwrap_or_else(|p| p.into_inner()).clear();
                    });
                }
                Kind::Ws { out, pending }
            }
            "http" | "https" => {
                let http = reqwest::Client::builder()
                    .tls_backend_preconfigured((*tls).clone())
                    .connect_timeout(REQUEST_TIMEOUT)
                    .timeout(REQUEST_TIMEOUT)
                    .build()
                    .map_err(|e| unreachable(e.to_string()))?;
                Kind::Http {
                    http,
                    base: url.clone(),
                }
            }
            other => {
                return Err(unreachable(format!(
                    "{other}: is not ws, wss, http or https"
                )));
            }
        };
        Ok(Link(Arc::new(Inner {
            kind,
            url: url.to_string(),
            api_secret,
            alive,
            closed,
            events,
        })))
    }

    /// Janus's events about `handle` from now on (WebSocket links only; the receiver ends
    /// when the link fails).
    pub(super) fn handle_events(&self, handle: u64) -> mpsc::UnboundedReceiver<Value> {
        let (tx, rx) = mpsc::unbounded_channel();
        if self.is_alive() {
            self.0
                .events
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(handle, tx);
        }
        rx
    }

    /// Stops passing on `handle`'s events.
    pub(super) fn forget_handle(&self, handle: u64) {
        self.0
            .events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&handle);
    }

    pub(super) fn is_websocket(&self) -> bool {
        matches!(self.0.kind, Kind::Ws { .. })
    }

    pub(super) fn is_alive(&self) -> bool {
        self.0.alive.load(Ordering::SeqCst)
    }

    /// Stops the WebSocket's tasks; later requests fail with `Disconnected`.
    pub(super) fn close(&self) {
        self.0.alive.store(false, Ordering::SeqCst);
        self.0.closed.cancel();
        self.0
            .events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Sends `body` (a Janus API message without `transaction`) and returns the reply,
    /// Janus's `error` replies as [`JanusError::Api`].
    pub(super) async fn request(
        &self,
        target: Target,
        mut body: Value,
    ) -> Result<Value, JanusError> {
        let transaction = transaction_id();
        let waits_for_plugin = body.get("janus").and_then(Value::as_str) == Some("message");
        if let Some(object) = body.as_object_mut() {
            object.insert("transaction".into(), transaction.clone().into());
            if let Some(secret) = &self.0.api_secret {
                object.insert("apisecret".into(), secret.expose().into());
            }
        }
        let result = match &self.0.kind {
            Kind::Ws { out, pending } => {
                if let Some(object) = body.as_object_mut() {
                    match target {
                        Target::Root => {}
                        Target::Session(s) => {
                            object.insert("session_id".into(), s.into());
                        }
                        Target::Handle(s, h) => {
                            object.insert("session_id".into(), s.into());
                            object.insert("handle_id".into(), h.into());
                        }
                    }
                }
                self.over_websocket(out, pending, transaction, waits_for_plugin, &body)
                    .await
            }
            Kind::Http { http, base } => self.over_http(http, base, target, &body).await,
        }
        .and_then(check_reply);
        if let Err(e) = &result
            && e.is_transient()
        {
            self.0.alive.store(false, Ordering::SeqCst);
        }
        result
    }

    async fn over_websocket(
        &self,
        out: &mpsc::UnboundedSender<Message>,
        pending: &Mutex<HashMap<String, Pending>>,
        transaction: String,
        waits_for_plugin: bool,
        body: &Value,
    ) -> Result<Value, JanusError> {
        if !self.is_alive() {
            return Err(JanusError::Disconnected);
        }
        let (tx, rx) = oneshot::channel();
        pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(transaction.clone(), (!waits_for_plugin, tx));
        if out.send(Message::text(body.to_string())).is_err() {
            pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&transaction);
            return Err(JanusError::Disconnected);
        }
        match tokio::time::timeout(REQUEST_TIMEOUT, rx).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(_)) => Err(JanusError::Disconnected),
            Err(_) => {
                pending
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&transaction);
                Err(JanusError::Timeout(REQUEST_TIMEOUT))
            }
        }
    }

    async fn over_http(
        &self,
        http: &reqwest::Client,
        base: &url::Url,
        target: Target,
        body: &Value,
    ) -> Result<Value, JanusError> {
        let mut url = base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty();
            match target {
                Target::Root => {}
                Target::Session(s) => {
                    segments.push(&s.to_string());
                }
                Target::Handle(s, h) => {
                    segments.push(&s.to_string()).push(&h.to_string());
                }
            }
        }
        let response = http.post(url).json(body).send().await.map_err(|e| {
            if e.is_timeout() {
                JanusError::Timeout(REQUEST_TIMEOUT)
            } else {
                JanusError::Unreachable {
                    url: self.0.url.clone(),
                    reason: e.to_string(),
                }
            }
        })?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|_| JanusError::Disconnected)?;
        serde_json::from_str(&text).map_err(|_| {
            JanusError::Protocol(format!(
                "HTTP {status} without a Janus reply (is [media] janus_url the transport's base path, e.g. /janus?)"
            ))
        })
    }
}

/// What [`dispatch`] reads of every message before deciding whether to read it all: the
/// other fields are skipped without being built.
#[derive(serde::Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    janus: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    transaction: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    sender: Option<u64>,
}

/// Hands a reply to the request with its `transaction`; notes a session Janus dropped;
/// passes on Janus's own events about a handle (`webrtcup`, `hangup`, `detached`, `media`,
/// `slowlink`).
///
/// A VideoRoom `event` that answers no request (another publisher joined or left, with the
/// room's whole publisher list) is not passed on, nor even read past its envelope: nothing
/// in the hub acts on it, and with N participants a meeting's joins send N x N of them, each
/// listing up to N publishers.
fn dispatch(
    text: &str,
    pending: &Mutex<HashMap<String, Pending>>,
    alive: &AtomicBool,
    events: &HandleEvents,
) {
    let Ok(envelope) = serde_json::from_str::<Envelope>(text) else {
        tracing::debug!("Janus sent a message that is not a JSON object");
        return;
    };
    let kind = envelope.janus.as_ref();
    if let Some(transaction) = envelope.transaction.as_deref() {
        let mut pending = pending.lock().unwrap_or_else(|p| p.into_inner());
        // A `message` is first acknowledged, then answered (asynchronous requests):
        // only the answer ends it.
        let ends = match pending.get(transaction) {
            Some((ack_ends, _)) => kind != "ack" || *ack_ends,
            None => false,
        };
        if ends && let Some((_, tx)) = pending.remove(transaction) {
            if let Ok(reply) = serde_json::from_str::<Value>(text) {
                let _ = tx.send(reply);
            }
            return;
        }
    }
    if kind == "timeout" {
        tracing::warn!("Janus dropped the hub's session (timeout)");
        alive.store(false, Ordering::SeqCst);
        events.lock().unwrap_or_else(|p| p.into_inner()).clear();
    } else if kind != "event"
        && let Some(handle) = envelope.sender
        && let Some(tx) = events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&handle)
    {
        if let Ok(event) = serde_json::from_str::<Value>(text) {
            let _ = tx.send(event);
        }
    } else {
        tracing::debug!(kind, "a Janus event no request waits for");
    }
}

fn transaction_id() -> String {
    use rand::Rng;
    let bytes: [u8; 9] = rand::rng().random();
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listener(events: &HandleEvents, handle: u64) -> mpsc::UnboundedReceiver<Value> {
        let (tx, rx) = mpsc::unbounded_channel();
        events.lock().expect("events").insert(handle, tx);
        rx
    }

    #[test]
    fn a_handle_hears_its_own_events_but_not_the_rooms_publisher_lists() {
        let pending = Mutex::new(HashMap::new());
        let alive = AtomicBool::new(true);
        let events = HandleEvents::default();
        let mut rx = listener(&events, 7);
        // Another publisher joined: Janus tells every handle in the room, listing them all.
        dispatch(
            r#"{"janus":"event","session_id":1,"sender":7,"plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"event","room":5,"publishers":[{"id":1,"display":"a"},{"id":2,"display":"b"}]}}}"#,
            &pending,
            &alive,
            &events,
        );
        dispatch(
            r#"{"janus":"webrtcup","session_id":1,"sender":7}"#,
            &pending,
            &alive,
            &events,
        );
        dispatch(
            r#"{"janus":"hangup","session_id":1,"sender":8,"reason":"DTLS alert"}"#,
            &pending,
            &alive,
            &events,
        );
        let got = rx.try_recv().expect("webrtcup passed on");
        assert_eq!(got["janus"], "webrtcup");
        assert!(rx.try_recv().is_err(), "nothing else for handle 7");
        assert!(alive.load(Ordering::SeqCst));
    }

    #[test]
    fn a_request_gets_its_answer_after_the_ack_and_a_timeout_ends_the_session() {
        let pending = Mutex::new(HashMap::new());
        let alive = AtomicBool::new(true);
        let events = HandleEvents::default();
        let (tx, mut rx) = oneshot::channel();
        pending
            .lock()
            .expect("pending")
            .insert("t1".to_owned(), (false, tx));
        dispatch(
            r#"{"janus":"ack","session_id":1,"transaction":"t1"}"#,
            &pending,
            &alive,
            &events,
        );
        assert!(rx.try_recv().is_err(), "the ack does not end a message");
        dispatch(
            r#"{"janus":"event","session_id":1,"sender":7,"transaction":"t1","plugindata":{"data":{"videoroom":"joined"}}}"#,
            &pending,
            &alive,
            &events,
        );
        let answer = rx.try_recv().expect("the answer");
        assert_eq!(answer["plugindata"]["data"]["videoroom"], "joined");
        dispatch("not json", &pending, &alive, &events);
        dispatch(
            r#"{"janus":"timeout","session_id":1}"#,
            &pending,
            &alive,
            &events,
        );
        assert!(!alive.load(Ordering::SeqCst));
    }
}
