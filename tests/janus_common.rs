//! Debian's real Janus (`/usr/bin/janus`, package `janus`) started by the test itself with
//! the project's configs (`config/janus/`) on loopback test ports (`phonghop::janus::local`),
//! and an independent way to ask it things: raw Janus API JSON over its HTTP transport, not
//! the hub's client.
#![allow(dead_code)]

use std::path::Path;

use phonghop::config::{JanusConfig, MediaEngineConfig, Secret};
use phonghop::janus::local::{self, LocalJanus, LocalJanusSettings};
use serde_json::{Value, json};

/// The VideoRoom plugin's `admin_key` the tests write into the config (the hub's
/// `janus_admin_secret`).
pub const ADMIN_KEY: &str = "test-admin-key-0123456789abcdef";
/// Janus's `api_secret` (the hub's `janus_api_secret`).
pub const API_SECRET: &str = "test-api-secret-0123456789abcdef";

/// Debian's Janus under `dir/janus` and a hub under `dir/hub` whose meetings' media goes
/// through it (`[media] engine = "janus"` over its WebSocket API).
pub async fn janus_and_hub(dir: &Path) -> (TestJanus, crate::common::TestHub) {
    janus_and_hub_with(dir, |_| {}).await
}

/// [`janus_and_hub`] with the hub's config changed by `edit` first (TURN, say).
pub async fn janus_and_hub_with(
    dir: &Path,
    edit: impl FnOnce(&mut phonghop::config::HubConfig),
) -> (TestJanus, crate::common::TestHub) {
    janus_and_hub_on(dir, JanusPorts::free(), edit).await
}

/// The same with a Janus on `ports` (its own RTP port range: [`JanusPorts::free_with_rtp`]).
pub async fn janus_and_hub_on(
    dir: &Path,
    ports: JanusPorts,
    edit: impl FnOnce(&mut phonghop::config::HubConfig),
) -> (TestJanus, crate::common::TestHub) {
    let janus = TestJanus::start(&dir.join("janus"), ports).await;
    let mut config = crate::common::hub_config(&dir.join("hub"));
    config.media.engine = janus.ports.engine(janus.ports.ws_url());
    edit(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hub = crate::common::start_hub_on(listener, config).await;
    (janus, hub)
}

/// The UDP ports a test Janus sends and receives media on: below Linux's ephemeral range
/// (32768 and up), so a packet from one of them is Janus's, never a room's.
pub const JANUS_RTP_PORTS: (u16, u16) = (20000, 29999);

/// Ranges of their own for the tests that limit what a Janus sends (by its source ports),
/// so the limit never touches another test's Janus running at the same time.
pub const LIMITED_ROOM_JANUS_RTP_PORTS: (u16, u16) = (30000, 30999);
pub const LIMITED_BROWSER_JANUS_RTP_PORTS: (u16, u16) = (31000, 31999);

/// A free loopback TCP port (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Where a test Janus listens: its WebSocket and HTTP API ports.
#[derive(Debug, Clone, Copy)]
pub struct JanusPorts {
    pub ws: u16,
    pub http: u16,
    /// The UDP range Janus's media uses.
    pub rtp: (u16, u16),
}

impl JanusPorts {
    pub fn free() -> Self {
        JanusPorts::free_with_rtp(JANUS_RTP_PORTS)
    }

    pub fn free_with_rtp(rtp: (u16, u16)) -> Self {
        JanusPorts {
            ws: free_port(),
            http: free_port(),
            rtp,
        }
    }

    pub fn ws_url(&self) -> url::Url {
        format!("ws://127.0.0.1:{}", self.ws).parse().expect("url")
    }

    pub fn http_url(&self) -> url::Url {
        format!("http://127.0.0.1:{}/janus", self.http)
            .parse()
            .expect("url")
    }

    /// The hub's `[media]` engine for this Janus, over `url`.
    pub fn engine(&self, url: url::Url) -> MediaEngineConfig {
        MediaEngineConfig::Janus(self.config(url))
    }

    pub fn config(&self, url: url::Url) -> JanusConfig {
        JanusConfig {
            url,
            admin_secret: Secret::new(ADMIN_KEY),
            api_secret: Some(Secret::new(API_SECRET)),
            simulcast: false,
        }
    }
}

/// A running `/usr/bin/janus` (the library's `janus::local`, as `bench meeting --light
/// --engine janus` starts it), killed when dropped; its log is kept in its config folder.
pub struct TestJanus {
    janus: LocalJanus,
    pub ports: JanusPorts,
}

impl TestJanus {
    /// Starts Janus on `ports` with configs in `dir` and waits until its APIs answer.
    pub async fn start(dir: &Path, ports: JanusPorts) -> TestJanus {
        let settings = LocalJanusSettings {
            ports: local::JanusPorts {
                ws: ports.ws,
                http: ports.http,
            },
            admin_key: Secret::new(ADMIN_KEY),
            api_secret: Secret::new(API_SECRET),
            rtp_ports: Some(ports.rtp),
        };
        let janus = LocalJanus::start(dir, settings)
            .await
            .unwrap_or_else(|e| panic!("starting Janus: {e}"));
        TestJanus { janus, ports }
    }

    pub fn log(&self) -> String {
        self.janus.log()
    }

    /// Stops Janus (SIGKILL: what a crash looks like to the hub).
    pub fn stop(&mut self) {
        self.janus.stop();
    }

    /// One VideoRoom request through Janus's HTTP transport with a session and handle of
    /// its own (Janus's REST API as janus.conf.meetecho.com/docs/rest.html shows it),
    /// returning the plugin's answer (`plugindata.data`).
    pub async fn videoroom(&self, body: Value) -> Value {
        videoroom_over_http(self.ports, body).await
    }

    /// `exists` for `room`, asked of Janus directly.
    pub async fn room_exists(&self, room: u64) -> bool {
        let data = self
            .videoroom(json!({ "request": "exists", "room": room }))
            .await;
        data["exists"].as_bool().unwrap_or_else(|| panic!("{data}"))
    }

    /// `list` with the admin key (private rooms included): the room's entry, if any.
    pub async fn listed_room(&self, room: u64) -> Option<Value> {
        let data = self
            .videoroom(json!({ "request": "list", "admin_key": ADMIN_KEY }))
            .await;
        data["list"]
            .as_array()
            .unwrap_or_else(|| panic!("{data}"))
            .iter()
            .find(|r| r["room"].as_u64() == Some(room))
            .cloned()
    }
}

/// See [`TestJanus::videoroom`].
pub async fn videoroom_over_http(ports: JanusPorts, body: Value) -> Value {
    let base = ports.http_url();
    let http = crate::common::http();
    let post = async |url: String, message: Value| -> Value {
        let mut message = message;
        message["transaction"] = json!("test");
        message["apisecret"] = json!(API_SECRET);
        http.post(url)
            .json(&message)
            .send()
            .await
            .expect("janus answers")
            .json()
            .await
            .expect("json")
    };
    let created = post(base.to_string(), json!({ "janus": "create" })).await;
    let session = created["data"]["id"]
        .as_u64()
        .unwrap_or_else(|| panic!("{created}"));
    let attached = post(
        format!("{base}/{session}"),
        json!({ "janus": "attach", "plugin": "janus.plugin.videoroom" }),
    )
    .await;
    let handle = attached["data"]["id"]
        .as_u64()
        .unwrap_or_else(|| panic!("{attached}"));
    let reply = post(
        format!("{base}/{session}/{handle}"),
        json!({ "janus": "message", "body": body }),
    )
    .await;
    post(format!("{base}/{session}"), json!({ "janus": "destroy" })).await;
    reply["plugindata"]["data"].clone()
}
