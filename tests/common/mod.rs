//! Helpers that start real hubs and rooms on 127.0.0.1:0 in the test process.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use phonghop::app::{HubBuilder, RoomBuilder, RunningHub, RunningRoom};
use phonghop::config::{HubConfig, RoomConfig};
use phonghop::room::RoomStatus;
use phonghop::room::call_view::CallView;
use tokio::sync::watch;

pub const HUB_TOML: &str = phonghop::demo::DEMO_HUB_TOML;

/// PIN 2468, from config/room-commune.toml.
pub const PIN_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$mo2uY2ZUhYRP1lMzYksRrg$1tPuSatlaMA8hBlGY5AV+K25FcH7BYQKppXu9Jmowwk";

/// A hub started as the appliance starts it ([`HubBuilder`]), which must stop cleanly.
pub struct TestHub(RunningHub);

impl std::ops::Deref for TestHub {
    type Target = RunningHub;
    fn deref(&self) -> &RunningHub {
        &self.0
    }
}

impl TestHub {
    pub async fn stop(self) {
        self.0.stop().await.expect("hub ran cleanly");
    }
}

pub fn hub_config(data_dir: &Path) -> HubConfig {
    HubBuilder::demo(data_dir)
        .expect("demo config")
        .config()
        .clone()
}

/// Logs to the test's output when `PHONGHOP_LOG` is set (e.g. `PHONGHOP_LOG=debug`).
pub fn init_logs() {
    if let Ok(filter) = std::env::var("PHONGHOP_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
}

/// Starts a hub on `listener` (bind `127.0.0.1:0`, or a fixed port to restart on it).
pub async fn start_hub_on(listener: tokio::net::TcpListener, config: HubConfig) -> TestHub {
    init_logs();
    TestHub(
        HubBuilder::new(config, "demo.toml")
            .spawn(listener)
            .expect("hub started"),
    )
}

/// Starts a hub with `config` on a free port of 127.0.0.1.
pub async fn start_configured_hub(config: HubConfig) -> TestHub {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    start_hub_on(listener, config).await
}

pub async fn start_hub(data_dir: &Path) -> TestHub {
    init_logs();
    TestHub(
        HubBuilder::demo(data_dir)
            .expect("demo config")
            .spawn_local()
            .await
            .expect("hub started"),
    )
}

pub fn room_config(unit: &str, data_dir: PathBuf, hub_url: &url::Url) -> RoomConfig {
    RoomConfig::local(unit, data_dir, hub_url.clone(), PIN_HASH.to_owned())
}

/// Adds a room at the hub (as `phonghop hub add-room` does) and enrolls it (as
/// `phonghop room enroll` does, over HTTP).
pub async fn enrolled_room(hub: &TestHub, unit: &str, data_dir: PathBuf) -> (RoomConfig, String) {
    hub.enroll_room(unit, &format!("Room of {unit}"), data_dir, PIN_HASH)
        .await
        .expect("add and enroll a room")
}

/// A room started as the appliance starts it ([`RoomBuilder`]), which must stop cleanly.
pub struct TestRoom(RunningRoom);

impl std::ops::Deref for TestRoom {
    type Target = RunningRoom;
    fn deref(&self) -> &RunningRoom {
        &self.0
    }
}

impl std::ops::DerefMut for TestRoom {
    fn deref_mut(&mut self) -> &mut RunningRoom {
        &mut self.0
    }
}

impl TestRoom {
    pub async fn stop(self) {
        self.0.stop().await.expect("room ran cleanly");
    }

    /// Kills the room: no goodbye, its sockets just vanish.
    pub async fn kill(self) {
        self.0.abort().await;
    }
}

/// The example `config/hub.toml` with its paths moved under `dir` (`dir/hub.toml`, the
/// certificate and key in `dir/tls/`, data in `dir/hub`), and `phonghop hub gen-cert` run on
/// it as an operator would; returns the config's path.
pub fn tls_hub_config_with_certificate(dir: &Path) -> PathBuf {
    let config_text = include_str!("../../config/hub.toml")
        .replace(
            "/etc/phonghop/tls/hub.crt",
            dir.join("tls/hub.crt").to_str().expect("utf-8"),
        )
        .replace(
            "/etc/phonghop/tls/hub.key",
            dir.join("tls/hub.key").to_str().expect("utf-8"),
        )
        .replace(
            "/var/lib/phonghop/hub",
            dir.join("hub").to_str().expect("utf-8"),
        );
    let config_path = dir.join("hub.toml");
    std::fs::write(&config_path, config_text).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .args(["hub", "gen-cert", "--config"])
        .arg(&config_path)
        .output()
        .expect("gen-cert");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    config_path
}

/// The credential an enrolled room keeps in its data directory: what it presents to the hub.
pub fn room_credential(config: &RoomConfig) -> phonghop::room::credential::Credential {
    phonghop::room::credential::load(&phonghop::datadir::DataDir::new(&config.data_dir))
        .expect("read the room's credential")
        .expect("an enrolled room has a credential")
}

/// A room's WebSocket to `hub`, opened with `credential` and greeted with the room's `Hello`,
/// as a room box opens it.
pub async fn room_socket(
    hub: &TestHub,
    credential: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    use futures_util::SinkExt as _;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    let mut url = hub.url.join("api/v1/ws").expect("url");
    url.set_scheme("ws").expect("ws");
    let mut request = url.as_str().into_client_request().expect("request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {credential}").parse().expect("header"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    let hello = phonghop::wire::RoomMessage::Hello {
        protocol: phonghop::wire::PROTOCOL_VERSION,
        software_version: "test".into(),
    };
    ws.send(tokio_tungstenite::tungstenite::Message::Text(
        serde_json::to_string(&hello).expect("json").into(),
    ))
    .await
    .expect("hello");
    ws
}

/// Starts a room with its health page on a free loopback port.
pub async fn start_room(config: RoomConfig) -> TestRoom {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    TestRoom(
        RoomBuilder::new(config)
            .spawn(listener)
            .expect("room started"),
    )
}

/// A room and its kiosk's end of the request channel, as `phonghop room` runs it.
pub async fn start_room_with_kiosk(
    config: RoomConfig,
) -> (TestRoom, phonghop::room::service::KioskClient) {
    let room = start_room(config).await;
    let kiosk = room.kiosk.clone();
    (room, kiosk)
}

/// A room and its call view (what the kiosk's meeting screen shows).
pub async fn start_call_room(config: RoomConfig) -> (TestRoom, CallView) {
    let room = start_room(config).await;
    let view = room.call.clone();
    (room, view)
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
/// A runtime for a test that is not `#[tokio::test]` (a kittest harness or a child process
/// owns the thread): two workers, as on a box.
pub fn two_worker_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Every QR code found in a PNG (a poster, a screenshot), decoded as a phone camera would.
pub fn decode_qr_codes(png: &[u8]) -> Vec<String> {
    let image = image::load_from_memory(png).expect("png").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        image.width() as usize,
        image.height() as usize,
        |x, y| image.get_pixel(x as u32, y as u32).0[0],
    );
    prepared
        .detect_grids()
        .iter()
        .filter_map(|g| g.decode().ok().map(|(_, content)| content))
        .collect()
}

/// The text of a PDF as `pdftotext` extracts it (poppler-utils; `make test` installs it).
pub fn pdf_text(pdf: &Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils; make test installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every QR code on a PDF's page, rasterised from the PDF itself (`pdftoppm`, 150 dpi, grey,
/// beside the PDF) and decoded as a phone camera would.
pub fn pdf_qr_codes(pdf: &Path) -> Vec<String> {
    let raster = pdf.with_file_name("page");
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "150", "-gray", "-png", "-singlefile"])
        .arg(pdf)
        .arg(&raster)
        .status()
        .expect("pdftoppm");
    assert!(status.success());
    let page = std::fs::read(raster.with_extension("png")).expect("rasterised page");
    decode_qr_codes(&page)
}

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

/// A GET that must answer: the response to `url` (a `/healthz` or `/metrics` page).
pub async fn get(url: impl reqwest::IntoUrl) -> reqwest::Response {
    let url = url.into_url().expect("url");
    http()
        .get(url.clone())
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// The JSON at `url` (`/healthz`).
pub async fn get_json(url: impl reqwest::IntoUrl) -> serde_json::Value {
    get(url).await.json().await.expect("a JSON answer")
}

/// Sends `request` and reads its answer as JSON, whatever its status (the test asserts on
/// the body); `what` names the request when it cannot be sent.
pub async fn send_json(request: reqwest::RequestBuilder, what: &str) -> serde_json::Value {
    request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{what}: not JSON: {e}"))
}

/// Sends `request` and reads its answer as text, whatever its status; `what` names the
/// request when it cannot be sent.
pub async fn send_text(request: reqwest::RequestBuilder, what: &str) -> String {
    request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .text()
        .await
        .unwrap_or_else(|e| panic!("{what}: no text: {e}"))
}

/// The text at `url` (`/metrics`).
pub async fn get_text(url: impl reqwest::IntoUrl) -> String {
    get(url).await.text().await.expect("a text answer")
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

/// How often [`eventually`] and [`wait_until`] look again.
pub const POLL_EVERY: Duration = Duration::from_millis(20);

/// The tests' one way to wait for something to become true: polls `check` every
/// [`POLL_EVERY`] until it holds and returns how long that took, or fails after `timeout`
/// saying what it waited for (`what` is shown only then; [`Lazy`] describes the state at
/// that moment). [`wait_until`] is the same for code outside the runtime.
pub async fn eventually(
    what: impl std::fmt::Display,
    timeout: Duration,
    mut check: impl AsyncFnMut() -> bool,
) -> Duration {
    let start = std::time::Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(POLL_EVERY).await;
    }
    start.elapsed()
}

/// [`eventually`] for a test thread that is not in the runtime (media, kiosk frames).
pub fn wait_until(
    what: impl std::fmt::Display,
    timeout: Duration,
    mut check: impl FnMut() -> bool,
) -> Duration {
    let start = std::time::Instant::now();
    while !check() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(POLL_EVERY);
    }
    start.elapsed()
}

/// A failure message written when the wait fails, so it can say what was last seen.
pub struct Lazy<F>(pub F);

impl<F: Fn() -> String> std::fmt::Display for Lazy<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&(self.0)())
    }
}

/// A new staff account of `role` (commune staff need `unit`) at `hub`, made as
/// `phonghop hub user add` makes it, and a bearer token for it (`phonghop hub user token`).
/// Returns (login, token).
pub fn staff_account(
    hub: &TestHub,
    role: phonghop::store::StaffRole,
    unit: Option<&str>,
) -> (String, String) {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let login = format!("{}-{n}", role.as_str());
    phonghop::hub::accounts::add_user(
        &hub.config,
        &phonghop::hub::accounts::NewAccount {
            login: &login,
            name: &format!("Test {login}"),
            role,
            unit,
            password: None,
        },
    )
    .expect("staff account");
    let (_, token) =
        phonghop::hub::accounts::issue_token(&hub.config, &login, "tests").expect("token");
    (login, token)
}

/// A bearer token of a new staff account of `role` (and `unit` for commune staff).
pub fn staff_token(hub: &TestHub, role: phonghop::store::StaffRole, unit: Option<&str>) -> String {
    staff_account(hub, role, unit).1
}

/// An HTTP client that sends `token` as `Authorization: Bearer` on every request.
pub fn staff_client(token: &str) -> reqwest::Client {
    let tls = phonghop::hub::tls::client_config(None).expect("tls");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("header value"),
    );
    reqwest::Client::builder()
        .tls_backend_preconfigured((*tls).clone())
        .timeout(Duration::from_secs(10))
        .default_headers(headers)
        .build()
        .expect("client")
}

/// A client signed in as a new province admin: for tests of the staff JSON API.
pub fn admin_client(hub: &TestHub) -> reqwest::Client {
    staff_client(&staff_token(
        hub,
        phonghop::store::StaffRole::ProvinceAdmin,
        None,
    ))
}

/// Stores a resident's text feedback at `hub` as if room `room_id` had uploaded it (the
/// store call the hub's `/api/v1/sync/up` makes), without starting the room: for tests of
/// what staff may see. Returns its ticket code.
pub fn seed_feedback(hub: &TestHub, room_id: &str, text: &str) -> String {
    let store = phonghop::app::open_store(&hub.config.data_dir).expect("hub store");
    let room = store
        .room(room_id)
        .expect("read room")
        .expect("room exists");
    let prefix = room
        .ticket_prefix
        .expect("an added room has a ticket prefix");
    let code = phonghop::feedback::ticket::new_code(&prefix, &mut rand::rng());
    let now = phonghop::clock::now_ms();
    let item = phonghop::wire::UploadItem {
        id: uuid::Uuid::now_v7(),
        seq: 1,
        record: phonghop::wire::Record::Feedback(phonghop::wire::FeedbackRecord {
            ticket_code: code.clone(),
            category: "roads".into(),
            text: text.into(),
            voice_sha256: None,
            name: Some("Giàng Thị Mỷ".into()),
            phone: Some("0912000111".into()),
            village: None,
            language: "vi".into(),
            submitted_at_ms: now,
        }),
    };
    let ack = store.store_upload(room_id, &[item], now).expect("upload");
    assert_eq!(ack.stored.len(), 1, "seeded feedback stored");
    code
}

/// Like [`http`] but hands back redirects instead of following them, to see where a page
/// sends a visitor (and the cookies it sets on the way).
pub fn http_no_redirects() -> reqwest::Client {
    let tls = phonghop::hub::tls::client_config(None).expect("tls");
    reqwest::Client::builder()
        .tls_backend_preconfigured((*tls).clone())
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}
