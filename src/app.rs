//! Assembling the appliance: a hub or a room from its configuration, on a listener, until a
//! shutdown future completes.
//!
//! `main`, `phonghop demo`, the benchmarks and the tests all start hubs and rooms through
//! [`HubBuilder`] and [`RoomBuilder`], so there is one way to put the appliance together and a
//! change to it (a new task, a new channel) is made once. The entry points keep mini-redis's
//! shape, `run(listener, config, shutdown)`, so a test starts a hub on `127.0.0.1:0`.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{ConfigError, HubConfig, RoomConfig};
use crate::datadir::{DataDir, DataDirError};
use crate::hub::admin::AdminError;
use crate::room::call_view::CallView;
use crate::room::enroll::EnrollError;
use crate::room::service::KioskClient;
use crate::room::{RoomParts, RoomStatus};
use crate::store::{Store, StoreError};

/// Why a hub or a room could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("TLS: {0}")]
    Tls(#[from] crate::hub::tls::TlsError),
    #[error("serving: {0}")]
    Serve(#[from] std::io::Error),
    #[error("the HTTP client for the hub: {0}")]
    HttpClient(#[from] reqwest::Error),
}

impl From<StoreError> for ServeError {
    fn from(e: StoreError) -> Self {
        ServeError::Open(OpenError::Store(e))
    }
}

impl From<DataDirError> for ServeError {
    fn from(e: DataDirError) -> Self {
        ServeError::Open(OpenError::DataDir(e))
    }
}

/// Why a box's database could not be opened (by the appliance or a command beside it).
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl OpenError {
    /// The store's own error, which says whether the file is damaged or newer.
    pub fn store(&self) -> Option<&StoreError> {
        match self {
            OpenError::Store(e) => Some(e),
            OpenError::DataDir(_) => None,
        }
    }
}

/// Why assembling a hub or a room failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cannot listen on {addr} ({setting})")]
    Listen {
        addr: SocketAddr,
        setting: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Serve(#[from] ServeError),
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error(transparent)]
    Enroll(#[from] EnrollError),
    #[error("the {0} task panicked or was cancelled")]
    Task(&'static str),
}

impl AppError {
    /// The store's error behind this one, if any (a damaged or newer database).
    pub fn store(&self) -> Option<&StoreError> {
        match self {
            AppError::Serve(ServeError::Open(e)) => e.store(),
            AppError::Admin(AdminError::Store(e)) => Some(e),
            _ => None,
        }
    }
}

/// Opens a box's database in `data_dir`, creating the directory first; the appliance and
/// every command that works on the database beside it open it here.
pub fn open_store(data_dir: &Path) -> Result<Store, OpenError> {
    let data = DataDir::new(data_dir);
    data.create()?;
    Ok(Store::open(&data.db_path())?)
}

async fn bind(addr: SocketAddr, setting: &'static str) -> Result<TcpListener, AppError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| AppError::Listen {
            addr,
            setting,
            source,
        })
}

/// Assembles a hub.
#[derive(Debug, Clone)]
pub struct HubBuilder {
    config: HubConfig,
    /// Named in messages about the config (`unit "x" is not in hub.toml`).
    config_name: String,
}

impl HubBuilder {
    pub fn new(config: HubConfig, config_name: impl Into<String>) -> Self {
        Self {
            config,
            config_name: config_name.into(),
        }
    }

    /// The demo's hub (`config/demo.toml`, province Lào Cai) keeping its data in `data_dir`:
    /// what `phonghop demo`, the benchmarks and the tests run.
    pub fn demo(data_dir: &Path) -> Result<Self, AppError> {
        let mut config =
            crate::config::parse_hub_str("config/demo.toml", crate::demo::DEMO_HUB_TOML)?;
        config.data_dir = data_dir.to_owned();
        Ok(Self::new(config, "config/demo.toml"))
    }

    pub fn config(&self) -> &HubConfig {
        &self.config
    }

    /// For the tests and benchmarks that change a setting (`[bank]`, `[tls]`).
    pub fn config_mut(&mut self) -> &mut HubConfig {
        &mut self.config
    }

    /// Binds `[hub] listen`.
    pub async fn bind(&self) -> Result<TcpListener, AppError> {
        bind(self.config.listen, "[hub] listen").await
    }

    /// Runs the hub on `listener` until `shutdown` completes (the binary's way).
    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), AppError> {
        Ok(crate::hub::run(listener, self.config, shutdown).await?)
    }

    /// Starts the hub on `listener` in a task of this process, its public URL set to where
    /// it listens (`localhost` with TLS, so the certificate's name matches).
    pub fn spawn(mut self, listener: TcpListener) -> Result<RunningHub, AppError> {
        let addr = listener.local_addr().map_err(ServeError::Serve)?;
        let (scheme, host) = match self.config.tls {
            Some(_) => ("https", "localhost"),
            None => ("http", "127.0.0.1"),
        };
        let url: url::Url = format!("{scheme}://{host}:{}/", addr.port())
            .parse()
            .expect("a loopback URL parses");
        self.config.public_url = url.clone();
        let stop = CancellationToken::new();
        let task = tokio::spawn(crate::hub::run(
            listener,
            self.config.clone(),
            stop.clone().cancelled_owned(),
        ));
        Ok(RunningHub {
            config: self.config,
            config_name: self.config_name,
            url,
            addr,
            stop,
            task,
        })
    }

    /// `spawn` on a free loopback port.
    pub async fn spawn_local(self) -> Result<RunningHub, AppError> {
        let listener = bind(SocketAddr::from(([127, 0, 0, 1], 0)), "loopback").await?;
        self.spawn(listener)
    }
}

/// A hub running in this process.
#[derive(Debug)]
pub struct RunningHub {
    /// The configuration it runs with, `public_url` pointing at it.
    pub config: HubConfig,
    config_name: String,
    pub url: url::Url,
    pub addr: SocketAddr,
    stop: CancellationToken,
    task: JoinHandle<Result<(), ServeError>>,
}

impl RunningHub {
    /// Registers a room for `unit` (as `phonghop hub add-room` does) and enrolls a box
    /// keeping its data in `data_dir` (as `phonghop room enroll` does, over HTTP). Returns
    /// the box's configuration and the room's id.
    pub async fn enroll_room(
        &self,
        unit: &str,
        name: &str,
        data_dir: PathBuf,
        staff_pin_hash: &str,
    ) -> Result<(RoomConfig, String), AppError> {
        let (record, code) =
            crate::hub::admin::add_room(&self.config, &self.config_name, unit, name)?;
        let config = RoomConfig::local(unit, data_dir, self.url.clone(), staff_pin_hash.to_owned());
        crate::room::enroll::enroll(&config, None, &code).await?;
        Ok((config, record.id))
    }

    /// Stops the hub and waits until it has closed its sessions.
    pub async fn stop(self) -> Result<(), AppError> {
        self.stop.cancel();
        self.task.await.map_err(|_| AppError::Task("hub"))??;
        Ok(())
    }
}

/// Assembles a room box.
#[derive(Debug, Clone)]
pub struct RoomBuilder {
    config: RoomConfig,
}

impl RoomBuilder {
    pub fn new(config: RoomConfig) -> Self {
        Self { config }
    }

    pub fn config(&self) -> &RoomConfig {
        &self.config
    }

    /// Binds `[room] health_listen`.
    pub async fn bind(&self) -> Result<TcpListener, AppError> {
        bind(self.config.health_listen, "[room] health_listen").await
    }

    /// Starts the room on `listener` (its `/healthz` and `/metrics`) in a task of this
    /// process; the returned handles are what the kiosk window and tests use.
    pub fn spawn(self, listener: TcpListener) -> Result<RunningRoom, AppError> {
        let addr = listener.local_addr().map_err(ServeError::Serve)?;
        let health_url = format!("http://{addr}/")
            .parse()
            .expect("a socket address URL parses");
        let (parts, status, kiosk, call) = RoomParts::new(&self.config.unit);
        let stop = CancellationToken::new();
        let task = tokio::spawn(crate::room::run(
            listener,
            self.config,
            parts,
            stop.clone().cancelled_owned(),
        ));
        Ok(RunningRoom {
            status,
            kiosk,
            call,
            health_url,
            stop,
            task,
        })
    }

    /// `spawn` on `[room] health_listen` (a free loopback port in `RoomConfig::local`).
    pub async fn spawn_bound(self) -> Result<RunningRoom, AppError> {
        let listener = self.bind().await?;
        self.spawn(listener)
    }
}

/// A room running in this process.
#[derive(Debug)]
pub struct RunningRoom {
    pub status: watch::Receiver<RoomStatus>,
    pub kiosk: KioskClient,
    pub call: CallView,
    pub health_url: url::Url,
    stop: CancellationToken,
    task: JoinHandle<Result<(), ServeError>>,
}

impl RunningRoom {
    /// Cancelling it stops the room (Ctrl-C, the window closed).
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }

    /// Waits until the room has stopped (after `stop_token` was cancelled, or an error).
    pub async fn finished(self) -> Result<(), AppError> {
        self.task.await.map_err(|_| AppError::Task("room"))??;
        Ok(())
    }

    /// Stops the room and waits until it has.
    pub async fn stop(self) -> Result<(), AppError> {
        self.stop.cancel();
        self.finished().await
    }

    /// Ends the room at once, without a goodbye, as a power cut would.
    pub async fn abort(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}
