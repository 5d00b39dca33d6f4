//! Debian's real Janus (`/usr/bin/janus`, package `janus`) started by the test itself with
//! the project's configs (`config/janus/`) on loopback test ports, and an independent way to
//! ask it things: raw Janus API JSON over its HTTP transport, not the hub's client.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use phonghop::config::{JanusConfig, MediaEngineConfig, Secret};
use serde_json::{Value, json};

pub const JANUS: &str = "/usr/bin/janus";
/// The VideoRoom plugin's `admin_key` the tests write into the config (the hub's
/// `janus_admin_secret`).
pub const ADMIN_KEY: &str = "test-admin-key-0123456789abcdef";
/// Janus's `api_secret` (the hub's `janus_api_secret`).
pub const API_SECRET: &str = "test-api-secret-0123456789abcdef";

/// Debian's Janus under `dir/janus` and a hub under `dir/hub` whose meetings' media goes
/// through it (`[media] engine = "janus"` over its WebSocket API).
pub async fn janus_and_hub(dir: &Path) -> (TestJanus, crate::common::TestHub) {
    janus_and_hub_with(dir, false).await
}

/// As [`janus_and_hub`], with `janus_simulcast` as given.
pub async fn janus_and_hub_with(
    dir: &Path,
    simulcast: bool,
) -> (TestJanus, crate::common::TestHub) {
    let janus = TestJanus::start(&dir.join("janus"), JanusPorts::free()).await;
    let mut config = crate::common::hub_config(&dir.join("hub"));
    let mut janus_config = janus.ports.config(janus.ports.ws_url());
    janus_config.simulcast = simulcast;
    config.media.engine = MediaEngineConfig::Janus(janus_config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hub = crate::common::start_hub_on(listener, config).await;
    (janus, hub)
}

/// The UDP ports a test Janus sends and receives media on: below Linux's ephemeral range
/// (32768 and up), so a packet from one of them is Janus's, never a room's.
pub const JANUS_RTP_PORTS: &str = "20000-29999";

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
}

impl JanusPorts {
    pub fn free() -> Self {
        JanusPorts {
            ws: free_port(),
            http: free_port(),
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

/// A running `/usr/bin/janus`, killed when dropped; its log is kept in its config folder.
pub struct TestJanus {
    child: Option<Child>,
    pub ports: JanusPorts,
    dir: PathBuf,
}

/// The project's `config/janus/*.jcfg`, with only the test's ports, the admin key and a log
/// file changed, written to `dir`.
pub fn write_configs(dir: &Path, ports: JanusPorts) {
    std::fs::create_dir_all(dir).expect("config dir");
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/config/janus");
    for (name, edits) in [
        (
            "janus.plugin.videoroom.jcfg",
            vec![(
                "#admin_key = \"the same value as [media] janus_admin_secret\"".to_owned(),
                format!("admin_key = \"{ADMIN_KEY}\""),
            )],
        ),
        (
            "janus.jcfg",
            vec![(
                "rtp_port_range = \"20000-40000\"".to_owned(),
                format!("rtp_port_range = \"{JANUS_RTP_PORTS}\""),
            )],
        ),
        (
            "janus.transport.websockets.jcfg",
            vec![(
                "ws_port = 8188".to_owned(),
                format!("ws_port = {}", ports.ws),
            )],
        ),
        (
            "janus.transport.http.jcfg",
            vec![("port = 8088".to_owned(), format!("port = {}", ports.http))],
        ),
    ] {
        let mut text = std::fs::read_to_string(format!("{source}/{name}")).expect("config");
        for (from, to) in edits {
            assert!(text.contains(&from), "{name} no longer has {from:?}");
            text = text.replacen(&from, &to, 1);
        }
        std::fs::write(dir.join(name), text).expect("write config");
    }
}

impl TestJanus {
    /// Starts Janus on `ports` with configs in `dir` and waits until its HTTP API answers.
    pub async fn start(dir: &Path, ports: JanusPorts) -> TestJanus {
        assert!(
            Path::new(JANUS).exists(),
            "{JANUS} is missing: install Debian's janus (scripts/install-deps.sh)"
        );
        write_configs(dir, ports);
        let log = std::fs::File::create(dir.join("janus.log")).expect("log file");
        let child = Command::new(JANUS)
            .arg("--configs-folder")
            .arg(dir)
            .arg("--apisecret")
            .arg(API_SECRET)
            .arg("--disable-colors")
            .arg("--debug-timestamps")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start janus");
        let mut janus = TestJanus {
            child: Some(child),
            ports,
            dir: dir.to_owned(),
        };
        janus.wait_ready().await;
        janus
    }

    async fn wait_ready(&mut self) {
        let info = format!("http://127.0.0.1:{}/janus/info", self.ports.http);
        let start = std::time::Instant::now();
        loop {
            let ws_up = tokio::net::TcpStream::connect(("127.0.0.1", self.ports.ws))
                .await
                .is_ok();
            if ws_up
                && let Ok(r) = crate::common::http().get(&info).send().await
                && r.status().is_success()
            {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("janus exited ({status}); log:\n{}", self.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "janus did not start within 20 s; log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("janus.log")).unwrap_or_default()
    }

    /// Stops Janus (SIGKILL: what a crash looks like to the hub).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
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

impl Drop for TestJanus {
    fn drop(&mut self) {
        self.stop();
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
