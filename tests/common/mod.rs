//! Helpers that start real hubs and rooms on 127.0.0.1:0 in the test process.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use phonghop::config::{HubConfig, RoomConfig};
use phonghop::room::RoomStatus;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

pub const HUB_TOML: &str = include_str!("../../config/demo.toml");

pub struct TestHub {
    pub config: HubConfig,
    pub url: url::Url,
    pub stop: CancellationToken,
    pub task: tokio::task::JoinHandle<Result<(), phonghop::hub::HubError>>,
}

impl TestHub {
    pub async fn stop(self) {
        self.stop.cancel();
        self.task.await.expect("hub task").expect("hub ran cleanly");
    }
}

pub fn hub_config(data_dir: &Path) -> HubConfig {
    let mut config = phonghop::config::parse_hub_str("demo.toml", HUB_TOML).expect("demo config");
    config.data_dir = data_dir.to_owned();
    config
}

/// Starts a hub on `listener` (bind `127.0.0.1:0`, or a fixed port to restart on it).
/// Logs to the test's output when `PHONGHOP_LOG` is set (e.g. `PHONGHOP_LOG=debug`).
pub fn init_logs() {
    if let Ok(filter) = std::env::var("PHONGHOP_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
}

pub async fn start_hub_on(listener: tokio::net::TcpListener, mut config: HubConfig) -> TestHub {
    init_logs();
    let addr = listener.local_addr().expect("addr");
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let host = if config.tls.is_some() {
        "localhost"
    } else {
        "127.0.0.1"
    };
    let url: url::Url = format!("{scheme}://{host}:{}/", addr.port())
        .parse()
        .expect("url");
    config.public_url = url.clone();
    let stop = CancellationToken::new();
    let task = tokio::spawn(phonghop::hub::run(
        listener,
        config.clone(),
        stop.clone().cancelled_owned(),
    ));
    TestHub {
        config,
        url,
        stop,
        task,
    }
}

pub async fn start_hub(data_dir: &Path) -> TestHub {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    start_hub_on(listener, hub_config(data_dir)).await
}

pub fn room_config(unit: &str, data_dir: PathBuf, hub_url: &url::Url) -> RoomConfig {
    // PIN 2468, from config/room-commune.toml.
    let pin_hash = "$argon2id$v=19$m=19456,t=2,p=1$mo2uY2ZUhYRP1lMzYksRrg$1tPuSatlaMA8hBlGY5AV+K25FcH7BYQKppXu9Jmowwk";
    RoomConfig::local(unit, data_dir, hub_url.clone(), pin_hash.to_owned())
}

/// Adds a room at the hub (as `phonghop hub add-room` does) and enrolls it (as
/// `phonghop room enroll` does, over HTTP).
pub async fn enrolled_room(hub: &TestHub, unit: &str, data_dir: PathBuf) -> (RoomConfig, String) {
    let (record, code) =
        phonghop::hub::admin::add_room(&hub.config, "demo.toml", unit, &format!("Room of {unit}"))
            .expect("add room");
    let config = room_config(unit, data_dir, &hub.url);
    phonghop::room::enroll::enroll(&config, None, &code)
        .await
        .expect("enroll");
    (config, record.id)
}

pub struct TestRoom {
    pub status: watch::Receiver<RoomStatus>,
    pub health_url: url::Url,
    pub stop: CancellationToken,
    pub task: tokio::task::JoinHandle<Result<(), phonghop::room::RoomError>>,
}

impl TestRoom {
    pub async fn stop(self) {
        self.stop.cancel();
        self.task
            .await
            .expect("room task")
            .expect("room ran cleanly");
    }
}

pub async fn start_room(config: RoomConfig) -> TestRoom {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let health_url = format!("http://{}/", listener.local_addr().expect("addr"))
        .parse()
        .expect("url");
    let (tx, rx) = phonghop::room::status_channel(&config.unit);
    let stop = CancellationToken::new();
    let task = tokio::spawn(phonghop::room::run(
        listener,
        config,
        tx,
        stop.clone().cancelled_owned(),
    ));
    TestRoom {
        status: rx,
        health_url,
        stop,
        task,
    }
}

/// Waits until the room's status satisfies `pred`, failing with the last status seen.
pub async fn wait_for(
    rx: &mut watch::Receiver<RoomStatus>,
    what: &str,
    timeout: Duration,
    pred: impl Fn(&RoomStatus) -> bool,
) -> RoomStatus {
    let result = tokio::time::timeout(timeout, rx.wait_for(|s| pred(s)))
        .await
        .map(|r| r.map(|s| s.clone()));
    match result {
        Ok(Ok(status)) => status,
        _ => panic!(
            "timed out after {timeout:?} waiting for {what}; last status: {:?}",
            *rx.borrow()
        ),
    }
}

/// A temporary directory that is kept (and its path printed) when the test fails.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("phonghop-test-")
        .tempdir()
        .expect("tempdir")
}

/// An HTTP client for tests (TLS through the same ring provider the appliance uses).
pub fn http() -> reqwest::Client {
    let tls = phonghop::hub::tls::client_config(None).expect("tls");
    reqwest::Client::builder()
        .tls_backend_preconfigured((*tls).clone())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

/// A room started with its kiosk channel, as `phonghop room` runs it.
pub async fn start_room_with_kiosk(
    config: RoomConfig,
) -> (TestRoom, phonghop::room::service::KioskClient) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let health_url = format!("http://{}/", listener.local_addr().expect("addr"))
        .parse()
        .expect("url");
    let (tx, rx) = phonghop::room::status_channel(&config.unit);
    let (kiosk, requests) = phonghop::room::service::channel();
    let stop = CancellationToken::new();
    let task = tokio::spawn(phonghop::room::run_with_kiosk(
        listener,
        config,
        tx,
        requests,
        stop.clone().cancelled_owned(),
    ));
    (
        TestRoom {
            status: rx,
            health_url,
            stop,
            task,
        },
        kiosk,
    )
}

/// Submits typed feedback through the kiosk channel and waits for the receipt.
pub async fn submit_feedback(
    kiosk: &phonghop::room::service::KioskClient,
    draft: phonghop::room::service::FeedbackDraft,
) -> phonghop::room::service::Receipt {
    let (reply, answer) = tokio::sync::oneshot::channel();
    kiosk.send(phonghop::room::service::KioskRequest::SubmitFeedback { draft, reply });
    answer.await.expect("room answered").expect("stored")
}

pub fn typed(text: &str) -> phonghop::room::service::FeedbackDraft {
    phonghop::room::service::FeedbackDraft {
        category: "roads".into(),
        text: text.into(),
        voice: None,
        name: None,
        phone: None,
        village: None,
        language: "vi".into(),
    }
}

pub async fn lookup(
    kiosk: &phonghop::room::service::KioskClient,
    code: &str,
) -> Option<phonghop::room::service::TicketView> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    kiosk.send(phonghop::room::service::KioskRequest::LookupTicket {
        code: code.into(),
        reply,
    });
    answer.await.expect("room answered").expect("looked up")
}

/// Polls `check` every 100 ms until it holds, failing after `timeout` with `what`.
pub async fn eventually<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
