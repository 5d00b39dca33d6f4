//! Debian's Janus (`/usr/bin/janus`, package `janus`) started on this machine with the
//! project's configs (`config/janus/`, built into the binary) on the ports given, for the
//! light bench (`bench meeting --light --engine janus`) and the tests. Only the ports, the
//! VideoRoom `admin_key`, Janus's `api_secret` and the configs folder differ from the files
//! an installer copies to `/etc/janus`; Janus's log goes to `janus.log` next to them.
//!
//! Janus gathers no loopback ICE candidates (libnice leaves `lo` out), so whatever exchanges
//! media with it on this machine gathers on [`network_ip`], as boxes on a province's network
//! would.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::{JanusConfig, Secret};

/// Where Debian's package puts Janus.
pub const JANUS_BINARY: &str = "/usr/bin/janus";

/// How long Janus may take to answer on both ports.
const READY_WITHIN: Duration = Duration::from_secs(20);

/// The project's Janus configs, as in `config/janus/`.
const CONFIGS: [(&str, &str); 4] = [
    ("janus.jcfg", include_str!("../../config/janus/janus.jcfg")),
    (
        "janus.plugin.videoroom.jcfg",
        include_str!("../../config/janus/janus.plugin.videoroom.jcfg"),
    ),
    (
        "janus.transport.websockets.jcfg",
        include_str!("../../config/janus/janus.transport.websockets.jcfg"),
    ),
    (
        "janus.transport.http.jcfg",
        include_str!("../../config/janus/janus.transport.http.jcfg"),
    ),
];

/// Why Janus could not be started.
#[derive(Debug, thiserror::Error)]
pub enum LocalJanusError {
    #[error("{0} is missing: install Debian's janus (`apt-get install janus`, or `make deps`)")]
    Missing(PathBuf),
    #[error("config/janus/{file} no longer has the line {line:?} that a local start edits")]
    Config { file: &'static str, line: String },
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("Janus exited while starting ({status}); its log ends: {log}")]
    Exited { status: ExitStatus, log: String },
    #[error("Janus did not answer on ports {ws} and {http} within {} s; its log ends: {log}", READY_WITHIN.as_secs())]
    NotReady { ws: u16, http: u16, log: String },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> LocalJanusError {
    let what = what.into();
    move |source| LocalJanusError::Io { what, source }
}

/// Where a local Janus listens (loopback): its WebSocket and HTTP API ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JanusPorts {
    pub ws: u16,
    pub http: u16,
}

impl JanusPorts {
    /// Two ports free on loopback now (bound, then released).
    pub fn free() -> std::io::Result<Self> {
        let ws = std::net::TcpListener::bind("127.0.0.1:0")?;
        let http = std::net::TcpListener::bind("127.0.0.1:0")?;
        Ok(JanusPorts {
            ws: ws.local_addr()?.port(),
            http: http.local_addr()?.port(),
        })
    }

    /// The WebSocket API, as the hub's `[media] janus_url`.
    pub fn ws_url(&self) -> url::Url {
        url::Url::parse(&format!("ws://127.0.0.1:{}", self.ws)).expect("a loopback URL parses")
    }

    /// The HTTP API.
    pub fn http_url(&self) -> url::Url {
        url::Url::parse(&format!("http://127.0.0.1:{}/janus", self.http))
            .expect("a loopback URL parses")
    }
}

/// What differs from the installed configs.
#[derive(Debug, Clone)]
pub struct LocalJanusSettings {
    pub ports: JanusPorts,
    /// The VideoRoom plugin's `admin_key` (the hub's `janus_admin_secret`).
    pub admin_key: Secret,
    /// Janus's `api_secret` (the hub's `janus_api_secret`).
    pub api_secret: Secret,
    /// The UDP ports Janus's media uses (`rtp_port_range`), when not the project's
    /// 20000–40000: a test that limits what Janus sends matches them.
    pub rtp_ports: Option<(u16, u16)>,
}

impl LocalJanusSettings {
    /// Fresh random secrets on `ports`.
    pub fn random(ports: JanusPorts) -> Self {
        let hex = || {
            let bytes: [u8; 16] = rand::random();
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        LocalJanusSettings {
            ports,
            admin_key: Secret::new(hex()),
            api_secret: Secret::new(hex()),
            rtp_ports: None,
        }
    }

    /// The hub's `[media]` Janus settings for this Janus over `url` (one of its ports).
    pub fn hub_config(&self, url: url::Url) -> JanusConfig {
        JanusConfig {
            url,
            admin_secret: self.admin_key.clone(),
            api_secret: Some(self.api_secret.clone()),
            simulcast: false,
        }
    }

    /// The same as `[media]` lines of a hub config (WebSocket API). Without simulcast, as
    /// [`Self::hub_config`]: the light participants publish one pre-encoded layer.
    pub fn hub_toml(&self) -> String {
        let s = |v: &str| toml::Value::String(v.to_owned()).to_string();
        format!(
            "engine = \"janus\"\njanus_url = {}\njanus_admin_secret = {}\njanus_api_secret = {}\n\
             janus_simulcast = false\n",
            s(self.ports.ws_url().as_str()),
            s(self.admin_key.expose()),
            s(self.api_secret.expose()),
        )
    }
}

/// The project's `config/janus/*.jcfg` with the settings' ports and secrets, written to `dir`.
pub fn write_configs(dir: &Path, settings: &LocalJanusSettings) -> Result<(), LocalJanusError> {
    std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
    let quoted = |s: &Secret| toml::Value::String(s.expose().to_owned()).to_string();
    for (file, text) in CONFIGS {
        let edits: Vec<(&str, String)> = match file {
            "janus.jcfg" => {
                let mut edits = vec![(
                    "#api_secret = \"the same value as [media] janus_api_secret\"",
                    format!("api_secret = {}", quoted(&settings.api_secret)),
                )];
                if let Some((first, last)) = settings.rtp_ports {
                    edits.push((
                        "rtp_port_range = \"20000-40000\"",
                        format!("rtp_port_range = \"{first}-{last}\""),
                    ));
                }
                edits
            }
            "janus.plugin.videoroom.jcfg" => vec![(
                "#admin_key = \"the same value as [media] janus_admin_secret\"",
                format!("admin_key = {}", quoted(&settings.admin_key)),
            )],
            "janus.transport.websockets.jcfg" => {
                vec![("ws_port = 8188", format!("ws_port = {}", settings.ports.ws))]
            }
            "janus.transport.http.jcfg" => {
                vec![("port = 8088", format!("port = {}", settings.ports.http))]
            }
            _ => Vec::new(),
        };
        let mut text = text.to_owned();
        for (line, to) in edits {
            if !text.contains(line) {
                return Err(LocalJanusError::Config {
                    file,
                    line: line.to_owned(),
                });
            }
            text = text.replacen(line, &to, 1);
        }
        std::fs::write(dir.join(file), text).map_err(io(format!("writing {file}")))?;
    }
    Ok(())
}

/// A running Janus; killed when dropped.
#[derive(Debug)]
pub struct LocalJanus {
    child: Option<Child>,
    pid: u32,
    settings: LocalJanusSettings,
    dir: PathBuf,
}

impl LocalJanus {
    /// Writes the configs to `dir`, starts [`JANUS_BINARY`] with them and waits until both
    /// its APIs answer.
    pub async fn start(
        dir: &Path,
        settings: LocalJanusSettings,
    ) -> Result<LocalJanus, LocalJanusError> {
        if !Path::new(JANUS_BINARY).exists() {
            return Err(LocalJanusError::Missing(JANUS_BINARY.into()));
        }
        write_configs(dir, &settings)?;
        let log = std::fs::File::create(dir.join("janus.log")).map_err(io("creating janus.log"))?;
        let child = Command::new(JANUS_BINARY)
            .arg("--configs-folder")
            .arg(dir)
            .arg("--disable-colors")
            .arg("--debug-timestamps")
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(io("opening janus.log"))?)
            .stderr(log)
            .spawn()
            .map_err(io(format!("starting {JANUS_BINARY}")))?;
        let mut janus = LocalJanus {
            pid: child.id(),
            child: Some(child),
            settings,
            dir: dir.to_owned(),
        };
        janus.wait_ready().await?;
        Ok(janus)
    }

    async fn wait_ready(&mut self) -> Result<(), LocalJanusError> {
        let ports = self.settings.ports;
        let start = Instant::now();
        loop {
            let ws_up = tokio::net::TcpStream::connect(("127.0.0.1", ports.ws))
                .await
                .is_ok();
            if ws_up && http_info_answers(ports.http).await {
                return Ok(());
            }
            if let Some(status) = self.exited() {
                return Err(LocalJanusError::Exited {
                    status,
                    log: self.log_tail(),
                });
            }
            if start.elapsed() > READY_WITHIN {
                return Err(LocalJanusError::NotReady {
                    ws: ports.ws,
                    http: ports.http,
                    log: self.log_tail(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn settings(&self) -> &LocalJanusSettings {
        &self.settings
    }

    pub fn ports(&self) -> JanusPorts {
        self.settings.ports
    }

    /// Janus's process id (its CPU and memory are read from `/proc`).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// How Janus ended, if it did.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    /// Janus's whole log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("janus.log")).unwrap_or_default()
    }

    /// The last lines of its log, on one line.
    pub fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(5)..].join(" | ")
    }

    /// Stops Janus at once (SIGKILL: what a crash looks like to the hub).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for LocalJanus {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether `GET /janus/info` on the HTTP transport answers 200 (plain HTTP/1.0 on loopback).
async fn http_info_answers(port: u16) -> bool {
    let ask = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        stream
            .write_all(b"GET /janus/info HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .await?;
        let mut head = [0u8; 16];
        let mut read = 0;
        while read < head.len() {
            let n = stream.read(&mut head[read..]).await?;
            if n == 0 {
                break;
            }
            read += n;
        }
        Ok::<bool, std::io::Error>(
            head[..read].starts_with(b"HTTP/1.") && head[..read].windows(4).any(|w| w == b" 200"),
        )
    };
    tokio::time::timeout(Duration::from_secs(2), ask)
        .await
        .is_ok_and(|r| r.unwrap_or(false))
}

/// This machine's address on its network (the source address of its default route): where
/// Janus gathers its candidates, so where a participant on this machine gathers its own.
pub fn network_ip() -> std::io::Result<IpAddr> {
    let probe = std::net::UdpSocket::bind("0.0.0.0:0")?;
    // Connecting a UDP socket sends nothing; it picks the route and so the source address.
    probe.connect("192.0.2.254:9")?;
    Ok(probe.local_addr()?.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_carry_the_ports_and_secrets_and_nothing_else_changes() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let settings = LocalJanusSettings::random(JanusPorts {
            ws: 18_188,
            http: 18_088,
        });
        write_configs(dir.path(), &settings).expect("written");
        let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).expect("read");
        let ws = read("janus.transport.websockets.jcfg");
        assert!(
            ws.contains("ws_port = 18188") && !ws.contains("ws_port = 8188"),
            "{ws}"
        );
        assert!(read("janus.transport.http.jcfg").contains("port = 18088"));
        let core = read("janus.jcfg");
        assert!(
            core.contains(&format!(
                "\tapi_secret = \"{}\"",
                settings.api_secret.expose()
            )),
            "{core}"
        );
        assert!(
            read("janus.plugin.videoroom.jcfg")
                .contains(&format!("admin_key = \"{}\"", settings.admin_key.expose()))
        );
        assert_eq!(settings.admin_key.expose().len(), 32);
        assert_ne!(settings.admin_key.expose(), settings.api_secret.expose());
        // The hub accepts the [media] lines as they are.
        let media = settings.hub_toml();
        assert!(
            media.contains("janus_url = \"ws://127.0.0.1:18188/\""),
            "{media}"
        );
    }
}
