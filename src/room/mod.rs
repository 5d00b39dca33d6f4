//! Room mode: the box in a committee office. Keeps a session with the hub (reconnecting by
//! itself), serves `/healthz` and `/metrics` locally, and (with a display) runs the kiosk.

pub mod answer;
mod call;
pub use call::stamp_tag_for;
pub mod call_view;
pub mod contrib_service;
pub mod credential;
pub mod enroll;
mod ice_recovery;
mod link;
pub mod news;
pub mod service;
pub mod setup;
mod status_report;
pub mod sync_task;

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::app::ServeError;
use crate::config::RoomConfig;
use crate::datadir::DataDir;
use crate::metrics::RoomMetrics;
use crate::store::Store;
use crate::wire::PresenceEntry;

/// The state of the room's link with the hub.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum HubLink {
    /// No credential yet: `phonghop room enroll` has not been run.
    NotEnrolled,
    Connecting {
        attempt: u32,
    },
    Connected {
        since_ms: i64,
    },
    /// Waiting before the next attempt; `last_error` says why the last one failed.
    Retrying {
        retry_in_ms: u64,
        last_error: String,
    },
    /// The hub refused the credential (revoked or unknown); retried slowly in case it
    /// was a hub-side mistake that gets fixed.
    Rejected {
        reason: String,
    },
}

/// What the room knows right now; the kiosk and the demo read it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RoomStatus {
    pub unit: String,
    pub room_id: Option<String>,
    pub room_name: Option<String>,
    pub link: HubLink,
    /// Rooms known at the hub, with who is connected, as of the last update.
    pub presence: Vec<PresenceEntry>,
}

impl RoomStatus {
    pub fn new(unit: &str) -> Self {
        Self {
            unit: unit.to_owned(),
            room_id: None,
            room_name: None,
            link: HubLink::NotEnrolled,
            presence: Vec::new(),
        }
    }

    pub fn connected(&self) -> bool {
        matches!(self.link, HubLink::Connected { .. })
    }
}

/// Shared by the hub link and the local HTTP handlers.
#[derive(Debug)]
struct Room {
    config: RoomConfig,
    data: DataDir,
    store: Store,
    started: Instant,
    metrics: RoomMetrics,
    status: watch::Sender<RoomStatus>,
    shutdown: CancellationToken,
    /// Rung when something is submitted, so it leaves for the hub at once.
    sync_wake: tokio::sync::Notify,
    /// Rung when the hub hints that replies are waiting, so they are fetched at once.
    download_hint: tokio::sync::Notify,
    /// Rung when a hub session opens, so sync stops backing off and catches up at once.
    hub_back: tokio::sync::Notify,
    /// Meeting invitations and signalling from the hub, for the call task.
    call_events: tokio::sync::mpsc::UnboundedSender<call::CallEvent>,
    /// Signalling the call task sends; whichever hub session is up carries it.
    signal_out: tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<crate::wire::RoomMessage>>,
    /// Devices and the last meeting's link, for the status report to the hub.
    media_report: status_report::MediaReport,
    /// The hub's last welcome said it takes recordings in resumable pieces.
    hub_resumes_voice: std::sync::atomic::AtomicBool,
    /// When the hub was last heard and how many sessions have opened, for the call's ICE
    /// recovery (a restart goes out only once the hub is heard again).
    hub_contact: std::sync::Mutex<HubContact>,
    /// The call's media path is down: the hub session checks the hub every second meanwhile.
    media_down: std::sync::atomic::AtomicBool,
}

#[derive(Debug, Default, Clone, Copy)]
struct HubContact {
    heard: Option<std::time::Instant>,
    sessions: u64,
}

impl Room {
    fn hub_contact(&self) -> HubContact {
        *self.hub_contact.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The hub was heard now; `new_session` when it welcomed a new session.
    fn hub_heard(&self, new_session: bool) {
        let mut c = self.hub_contact.lock().unwrap_or_else(|e| e.into_inner());
        c.heard = Some(std::time::Instant::now());
        if new_session {
            c.sessions += 1;
        }
    }
}

/// A channel the caller keeps the receiving end of, to watch the room's status.
pub fn status_channel(unit: &str) -> (watch::Sender<RoomStatus>, watch::Receiver<RoomStatus>) {
    watch::channel(RoomStatus::new(unit))
}

/// The room's ends of the channels the kiosk and the caller hold: status out, kiosk
/// requests in, the call's pictures and state out.
#[derive(Debug)]
pub struct RoomParts {
    status: watch::Sender<RoomStatus>,
    requests: tokio::sync::mpsc::UnboundedReceiver<service::KioskRequest>,
    call: call_view::CallView,
}

impl RoomParts {
    /// The room's parts and the other ends: the status to watch, the kiosk's client, the call.
    pub fn new(
        unit: &str,
    ) -> (
        RoomParts,
        watch::Receiver<RoomStatus>,
        service::KioskClient,
        call_view::CallView,
    ) {
        let (status, status_rx) = status_channel(unit);
        let (kiosk, requests) = service::channel();
        let call = call_view::CallView::new();
        let parts = RoomParts {
            status,
            requests,
            call: call.clone(),
        };
        (parts, status_rx, kiosk, call)
    }
}

/// Runs the room until `shutdown` completes. `health_listener` serves `/healthz` and
/// `/metrics`; `parts` carry its status out, the kiosk's requests in, and the meetings it
/// joins out to the kiosk's meeting screen.
pub async fn run(
    health_listener: TcpListener,
    config: RoomConfig,
    parts: RoomParts,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let RoomParts {
        status,
        requests,
        call,
    } = parts;
    let data = DataDir::new(&config.data_dir);
    let _lock = data.lock()?;
    let store = crate::app::open_store(data.root())?;
    let tls =
        crate::hub::tls::client_config(config.hub_ca_cert.as_deref()).map_err(ServeError::Tls)?;
    let cancel = CancellationToken::new();
    let (call_tx, call_rx) = tokio::sync::mpsc::unbounded_channel();
    let (signal_tx, signal_rx) = tokio::sync::mpsc::unbounded_channel();
    let media_report = status_report::MediaReport::new(&config.media);
    let room = Arc::new(Room {
        config,
        data,
        store,
        started: Instant::now(),
        metrics: RoomMetrics::new(),
        status,
        shutdown: cancel.clone(),
        sync_wake: tokio::sync::Notify::new(),
        download_hint: tokio::sync::Notify::new(),
        hub_back: tokio::sync::Notify::new(),
        call_events: call_tx,
        signal_out: tokio::sync::Mutex::new(signal_rx),
        media_report,
        hub_resumes_voice: std::sync::atomic::AtomicBool::new(false),
        hub_contact: std::sync::Mutex::new(HubContact::default()),
        media_down: std::sync::atomic::AtomicBool::new(false),
    });
    {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            shutdown.await;
            cancel.cancel();
        });
    }
    {
        let store = room.store.clone();
        crate::systemd::spawn_watchdog(move || store.ping(), cancel.clone());
    }
    let link = EndsWithRoom(tokio::spawn(link::maintain(room.clone(), tls.clone())));
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured((*tls).clone())
        .timeout(std::time::Duration::from_secs(30))
        .build()?;
    let sync = EndsWithRoom(tokio::spawn(sync_task::run(room.clone(), http)));
    let kiosk = EndsWithRoom(tokio::spawn(service::serve(room.clone(), requests)));
    let calls = EndsWithRoom(tokio::spawn(call::run(
        room.clone(),
        call_rx,
        signal_tx,
        call,
    )));

    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(room.clone());
    tracing::info!(
        unit = %room.config.unit,
        health = %health_listener.local_addr()?,
        hub = %room.config.hub_url,
        "room started"
    );
    crate::systemd::notify_ready();
    axum::serve(health_listener, app)
        .with_graceful_shutdown(cancel.clone().cancelled_owned())
        .await?;
    for task in [link, sync, kiosk, calls] {
        task.finished().await;
    }
    crate::systemd::notify_stopping();
    tracing::info!("room stopped");
    Ok(())
}

/// One of the room's tasks, aborted if the room's own task is dropped before it ended: a
/// room whose task is aborted (a power cut, as `RunningRoom::abort` stands for one) must
/// leave no link to the hub or call behind, or a restarted room and its ghost replace each
/// other's hub session for ever.
struct EndsWithRoom(tokio::task::JoinHandle<()>);

impl EndsWithRoom {
    /// Waits for the task to end by itself (after the room's cancel).
    async fn finished(mut self) {
        let _ = (&mut self.0).await;
    }
}

impl Drop for EndsWithRoom {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What a room adds to the common `/healthz` answer.
#[derive(Debug, serde::Serialize)]
struct RoomHealth {
    unit: String,
    room_id: Option<String>,
    hub: HubLink,
}

async fn healthz(State(room): State<Arc<Room>>) -> Response {
    let db_ok = room.store.call(|s| s.ping()).await;
    let status = room.status.borrow().clone();
    let detail = RoomHealth {
        unit: status.unit,
        room_id: status.room_id,
        hub: status.link,
    };
    crate::health::healthz_response(db_ok, room.started, detail)
}

async fn metrics(State(room): State<Arc<Room>>) -> Response {
    room.metrics
        .uptime_seconds
        .set(room.started.elapsed().as_secs() as i64);
    let pending = room
        .store
        .call(|s| s.outbox_pending_len().unwrap_or(0))
        .await;
    room.metrics.outbox_pending.set(pending as i64);
    crate::metrics::response(&room.metrics.registry)
}
