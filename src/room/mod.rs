//! Room mode: the box in a committee office. Keeps a session with the hub (reconnecting by
//! itself), serves `/healthz` and `/metrics` locally, and (with a display) runs the kiosk.

mod call;
pub use call::stamp_tag_for;
pub mod call_view;
pub mod contrib_service;
pub mod credential;
pub mod enroll;
mod link;
pub mod service;
pub mod sync_task;

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::config::RoomConfig;
use crate::datadir::{DataDir, DataDirError};
use crate::metrics::RoomMetrics;
use crate::store::{Store, StoreError};
use crate::wire::PresenceEntry;

#[derive(Debug, thiserror::Error)]
pub enum RoomError {
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("serving: {0}")]
    Serve(#[from] std::io::Error),
}

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
    /// Meeting invitations and signalling from the hub, for the call task.
    call_events: tokio::sync::mpsc::UnboundedSender<call::CallEvent>,
    /// Signalling the call task sends; whichever hub session is up carries it.
    signal_out: tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<crate::wire::RoomMessage>>,
}

/// A channel the caller keeps the receiving end of, to watch the room's status.
pub fn status_channel(unit: &str) -> (watch::Sender<RoomStatus>, watch::Receiver<RoomStatus>) {
    watch::channel(RoomStatus::new(unit))
}

/// Runs the room until `shutdown` completes. `health_listener` serves `/healthz` and
/// `/metrics`; `status` receives every change of the room's state.
pub async fn run(
    health_listener: TcpListener,
    config: RoomConfig,
    status: watch::Sender<RoomStatus>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RoomError> {
    let (_kiosk, requests) = service::channel();
    run_with_kiosk(health_listener, config, status, requests, shutdown).await
}

/// `run_with_kiosk` with the call's view shared with the kiosk's meeting screen.
pub async fn run_with_kiosk(
    health_listener: TcpListener,
    config: RoomConfig,
    status: watch::Sender<RoomStatus>,
    requests: tokio::sync::mpsc::UnboundedReceiver<service::KioskRequest>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RoomError> {
    run_full(
        health_listener,
        config,
        status,
        requests,
        call_view::CallView::new(),
        shutdown,
    )
    .await
}

/// `run`, also serving the kiosk's requests (submissions, ticket look-ups) and joining
/// meetings, whose pictures and state go to `call`.
pub async fn run_full(
    health_listener: TcpListener,
    config: RoomConfig,
    status: watch::Sender<RoomStatus>,
    requests: tokio::sync::mpsc::UnboundedReceiver<service::KioskRequest>,
    call: call_view::CallView,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RoomError> {
    let data = DataDir::new(&config.data_dir);
    let _lock = data.lock()?;
    let store = Store::open(&data.db_path())?;
    let tls =
        crate::hub::tls::client_config(config.hub_ca_cert.as_deref()).map_err(RoomError::Tls)?;
    let cancel = CancellationToken::new();
    let (call_tx, call_rx) = tokio::sync::mpsc::unbounded_channel();
    let (signal_tx, signal_rx) = tokio::sync::mpsc::unbounded_channel();
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
        call_events: call_tx,
        signal_out: tokio::sync::Mutex::new(signal_rx),
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
    let link = tokio::spawn(link::maintain(room.clone(), tls.clone()));
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured((*tls).clone())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| RoomError::Tls(e.to_string()))?;
    let sync = tokio::spawn(sync_task::run(room.clone(), http));
    let kiosk = tokio::spawn(service::serve(room.clone(), requests));
    let calls = tokio::spawn(call::run(room.clone(), call_rx, signal_tx, call));

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
    let _ = link.await;
    let _ = sync.await;
    let _ = kiosk.await;
    let _ = calls.await;
    crate::systemd::notify_stopping();
    tracing::info!("room stopped");
    Ok(())
}

#[derive(Debug, serde::Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    uptime_secs: u64,
    db_ok: bool,
    unit: String,
    room_id: Option<String>,
    hub: HubLink,
}

async fn healthz(State(room): State<Arc<Room>>) -> Response {
    let db_ok = room.store.call(|s| s.ping()).await;
    let status = room.status.borrow().clone();
    let health = Health {
        status: if db_ok { "ok" } else { "degraded" },
        version: env!("CARGO_PKG_VERSION"),
        uptime_secs: room.started.elapsed().as_secs(),
        db_ok,
        unit: status.unit,
        room_id: status.room_id,
        hub: status.link,
    };
    let code = if db_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(health)).into_response()
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
