//! Hub mode: the province's server. Rooms enroll and keep an authenticated WebSocket here;
//! staff and monitoring use its JSON API, `/healthz` and `/metrics`.
//!
//! `run` takes a bound listener and a shutdown future, so a test can start a hub on
//! `127.0.0.1:0` and stop it when it likes.

pub mod accounts;
pub mod admin;
mod api;
mod auth;
pub mod campaigns;
mod contrib_api;
mod contrib_sync;
mod edge;
mod error;
mod feedback_api;
mod listen;
pub mod meeting_api;
pub mod meetings;
pub mod news_api;
mod open311;
mod phone;
pub mod pledges;
pub mod presence;
pub mod routes;
pub mod schedule_api;
pub mod session;
pub mod setup;
pub mod tickets;
pub mod tls;
mod voice_partial;
mod web;
mod ws;
pub mod zalo;

/// The per-item check of a room's upload (`POST /api/v1/sync/up`).
pub use feedback_api::upload_refusal;
/// The staff API's feedback filter, which `phonghop hub feedback` shares.
pub use feedback_api::{FilterError, filter_from as feedback_filter};

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::app::ServeError;
use crate::config::HubConfig;
use crate::datadir::DataDir;
use crate::metrics::HubMetrics;
use crate::store::{Store, StoreError};
use crate::wire::{ErrorCode, PresenceEntry};
use presence::{PresenceBoard, SessionId};

/// How often the hub looks for changes other processes made to the database (a room
/// revoked or added from the command line).
const DB_WATCH_INTERVAL: Duration = Duration::from_millis(250);

/// How long open connections get to finish when the hub stops.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// State shared by every request handler and session.
#[derive(Debug)]
pub(crate) struct Hub {
    config: HubConfig,
    store: Store,
    started: Instant,
    metrics: HubMetrics,
    board: Mutex<PresenceBoard>,
    /// Open sessions, so one can be told to end (replaced, revoked).
    sessions: Mutex<std::collections::HashMap<SessionId, tokio::sync::mpsc::Sender<ErrorCode>>>,
    /// Latest presence; sessions watch it and forward changes to their room.
    presence: tokio::sync::watch::Sender<Vec<PresenceEntry>>,
    next_session: std::sync::atomic::AtomicU64,
    /// Rung when data rooms download changed (replies, statuses); sessions pass it on.
    sync_hints: tokio::sync::broadcast::Sender<()>,
    /// Failed enrollment attempts per client address, to slow down code guessing.
    enroll_failures: Mutex<auth::RateLimiter>,
    /// Views of public ticket pages per client address.
    public_views: Mutex<auth::RateLimiter>,
    /// Public ticket lookups that found nothing, per client (an IPv6 client per /64):
    /// guessing codes is what finds nothing.
    ticket_misses: Mutex<auth::RateLimiter>,
    /// Views of public campaign pages and their CSV per client.
    campaign_views: Mutex<auth::RateLimiter>,
    /// Failed staff logins per client address.
    staff_logins: Mutex<auth::RateLimiter>,
    /// Running meetings and their media.
    meetings: meetings::Meetings,
    shutdown: CancellationToken,
    /// Rung when a Zalo message opened a ticket: the Zalo sender sends its code at once.
    zalo_wake: tokio::sync::Notify,
    /// The phone page's limits and locks.
    phone: phone::PhoneState,
}

impl Hub {
    fn lock_board(&self) -> std::sync::MutexGuard<'_, PresenceBoard> {
        self.board.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_sessions(
        &self,
    ) -> std::sync::MutexGuard<
        '_,
        std::collections::HashMap<SessionId, tokio::sync::mpsc::Sender<ErrorCode>>,
    > {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_staff_logins(&self) -> std::sync::MutexGuard<'_, auth::RateLimiter> {
        self.staff_logins.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Publishes the board to every session and the metrics.
    fn publish_presence(&self) {
        let (snapshot, connected) = {
            let board = self.lock_board();
            (board.snapshot(), board.connected_count())
        };
        self.metrics.rooms_connected.set(connected as i64);
        self.presence.send_replace(snapshot);
    }

    /// Tells a session to end with `code`; it sends the reason to its room and closes.
    fn end_session(&self, session: SessionId, code: ErrorCode) {
        if let Some(tx) = self.lock_sessions().get(&session) {
            let _ = tx.try_send(code);
        }
    }

    /// Brings running meetings in line with the database.
    async fn reload_meetings(&self) {
        match self.store.call(|s| s.active_meetings()).await {
            Ok(rows) => self.meetings.reload(rows).await,
            Err(e) => tracing::error!(error = %e, "cannot read meetings from the database"),
        }
    }

    /// Reloads rooms from the database and cuts off revoked ones.
    async fn sync_rooms(&self) -> Result<(), StoreError> {
        let rooms = self.store.call(|s| s.rooms()).await?;
        let cut = self.lock_board().sync_rooms(&rooms, crate::clock::now_ms());
        for session in cut {
            tracing::warn!(session, "cutting off a revoked room");
            self.end_session(session, ErrorCode::Revoked);
        }
        for room in rooms.iter().filter(|r| r.revoked_at_ms.is_some()) {
            self.meetings.remove_room(&room.id).await;
        }
        self.publish_presence();
        Ok(())
    }
}

/// Runs the hub until `shutdown` completes, then closes sessions and returns.
pub async fn run(
    listener: TcpListener,
    config: HubConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let data_dir = DataDir::new(&config.data_dir);
    let _lock = data_dir.lock()?;
    let store = crate::app::open_store(data_dir.root())?;
    let closed = store.close_dangling_sessions(crate::clock::now_ms())?;
    if closed > 0 {
        tracing::info!(closed, "closed room sessions left open by the previous run");
    }
    let tls = match &config.tls {
        Some(files) => Some(tls::server_config(files).map_err(ServeError::Tls)?),
        None => None,
    };

    let cancel = CancellationToken::new();
    // The media engine: the built-in forwarder, or with `[media] engine = "janus"` the
    // meeting's Janus VideoRoom (created and destroyed by `JanusRooms`).
    let (engine, janus_rooms): (Arc<dyn crate::meeting::engine::MediaEngine>, _) =
        match &config.media.engine {
            crate::config::MediaEngineConfig::Janus(janus) => {
                let tls = tls::client_config(None).map_err(ServeError::Tls)?;
                tracing::info!(url = %janus.url, "meetings' media goes through Janus's VideoRoom");
                (
                    Arc::new(crate::janus::engine::JanusEngine::new(
                        janus.clone(),
                        tls.clone(),
                    )),
                    Some(meetings::JanusRooms::new(janus.clone(), tls)),
                )
            }
            crate::config::MediaEngineConfig::Builtin => (
                Arc::new(crate::transport::sfu::Forwarder::new(
                    crate::transport::peer::PeerOptions {
                        bind_ip: config.media.bind_ip,
                        ice_servers: config.media.forwarder_ice_servers(),
                        congestion_control: false,
                    },
                )),
                None,
            ),
        };
    let mut meetings = meetings::Meetings::new(engine, config.media.clone(), store.clone());
    if let Some(rooms) = janus_rooms {
        meetings = meetings.with_janus_rooms(rooms);
    }
    let config_phone = config.phone;
    let hub = Arc::new(Hub {
        config,
        store,
        started: Instant::now(),
        metrics: HubMetrics::new(),
        board: Mutex::new(PresenceBoard::default()),
        sessions: Mutex::new(Default::default()),
        presence: tokio::sync::watch::Sender::new(Vec::new()),
        next_session: 1.into(),
        sync_hints: tokio::sync::broadcast::Sender::new(16),
        enroll_failures: Mutex::new(auth::RateLimiter::enrollment()),
        public_views: Mutex::new(auth::RateLimiter::public_pages()),
        ticket_misses: Mutex::new(auth::RateLimiter::new(
            edge::TICKET_MISSES_PER_HOUR,
            60 * 60 * 1000,
        )),
        campaign_views: Mutex::new(auth::RateLimiter::new(
            edge::CAMPAIGN_VIEWS_PER_MINUTE,
            60 * 1000,
        )),
        staff_logins: Mutex::new(auth::RateLimiter::staff_logins()),
        meetings,
        shutdown: cancel.clone(),
        zalo_wake: tokio::sync::Notify::new(),
        phone: phone::PhoneState::new(&config_phone),
    });
    // Meetings first, so that a room revoked while the hub was down leaves them too.
    hub.reload_meetings().await;
    hub.sync_rooms().await?;
    tokio::spawn(watch_database(hub.clone()));
    tokio::spawn(zalo::run(hub.clone()));
    tokio::spawn(
        hub.meetings
            .clone()
            .run_schedule(hub.config.meetings.end_grace_secs, cancel.clone()),
    );
    {
        let store = hub.store.clone();
        crate::systemd::spawn_watchdog(move || store.ping(), cancel.clone());
    }

    let app = routes::router(hub.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let local = listener.local_addr()?;
    {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            shutdown.await;
            cancel.cancel();
        });
    }
    tracing::info!(%local, tls = tls.is_some(), province = %hub.config.province().name, "hub listening");
    crate::systemd::notify_ready();

    // Plain HTTP and HTTPS share one server, so both have the connection cap and timeouts.
    let handle = axum_server::Handle::new();
    {
        let handle = handle.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            cancel.cancelled().await;
            handle.graceful_shutdown(Some(SHUTDOWN_GRACE));
        });
    }
    let limits = hub.config.limits;
    match tls {
        None => {
            listen::plain(listener.into_std()?, &limits, hub.clone())?
                .handle(handle)
                .serve(app)
                .await?;
        }
        Some(server_config) => {
            let rustls = axum_server::tls_rustls::RustlsConfig::from_config(server_config);
            listen::tls(listener.into_std()?, rustls, &limits, hub.clone())?
                .handle(handle)
                .serve(app)
                .await?;
        }
    }
    crate::systemd::notify_stopping();
    tracing::info!("hub stopped");
    Ok(())
}

/// Notices changes other processes commit (`phonghop hub revoke-room`, `add-room`).
async fn watch_database(hub: Arc<Hub>) {
    let mut last = hub.store.call(|s| s.data_version()).await.ok();
    let mut tick = tokio::time::interval(DB_WATCH_INTERVAL);
    loop {
        tokio::select! {
            _ = hub.shutdown.cancelled() => break,
            _ = tick.tick() => {}
        }
        let now = hub.store.call(|s| s.data_version()).await.ok();
        if now != last {
            last = now;
            if let Err(e) = hub.sync_rooms().await {
                tracing::error!(error = %e, "cannot reload rooms from the database");
            }
            // Another process (`phonghop hub feedback reply`) may have answered a ticket.
            let _ = hub.sync_hints.send(());
            // ... or started or stopped a meeting.
            hub.reload_meetings().await;
        }
    }
}
