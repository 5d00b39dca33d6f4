//! Configuration: TOML files, overridden by `PHONGHOP_<SECTION>_<KEY>` environment variables,
//! validated as a whole so that one run of `phonghop check-config` lists every problem.

mod phone;
mod reader;
mod zalo;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

pub use phone::PhoneLimits;
pub use reader::ConfigProblem;
use reader::{BadValue, Problems, Section, to};
pub use zalo::ZaloConfig;

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: not valid TOML: {message}")]
    Syntax { file: String, message: String },
    #[error("{}", render_problems(file, problems))]
    Invalid {
        file: String,
        problems: Vec<ConfigProblem>,
    },
}

fn render_problems(file: &str, problems: &[ConfigProblem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("{file}: {p}"));
    }
    out
}

/// Level of a committee in the unit tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitLevel {
    Province,
    Commune,
}

/// One committee (a *room* is the box it owns).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub level: UnitLevel,
    /// The province a commune belongs to; `None` for the province itself.
    pub parent: Option<String>,
}

/// Certificate and key the hub serves HTTPS with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// `phonghop hub`: the province's server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubConfig {
    pub listen: SocketAddr,
    /// How rooms and browsers reach the hub; printed in enrollment codes and links.
    pub public_url: url::Url,
    pub data_dir: PathBuf,
    pub tls: Option<TlsFiles>,
    /// The province first, then its communes, in file order.
    pub units: Vec<Unit>,
    /// Bank-transfer notifications for contributions; `None` turns the webhooks off.
    pub bank: Option<BankConfig>,
    /// What the kiosks ask and offer for feedback; sent to every room.
    pub feedback: FeedbackSettings,
    /// `[media]`: how the hub's forwarder is reached.
    pub media: HubMediaConfig,
    /// `[hub] trusted_proxies`: reverse proxies whose `X-Forwarded-For` names the client.
    /// Empty (the default): the TCP peer is the client and forwarded headers are ignored.
    pub trusted_proxies: Vec<IpNetwork>,
    /// `[hub] metrics`: who may read `/metrics` (it lists room and meeting ids).
    pub metrics: MetricsAccess,
    /// `[hub]` connection limits against slow or idle clients holding sockets.
    pub limits: ConnectionLimits,
    /// `[meetings]`: how the hub runs scheduled meetings.
    pub meetings: HubMeetingSettings,
    /// `[zalo]`: residents' messages to the committees' Zalo OAs; `None` turns it off.
    pub zalo: Option<ZaloConfig>,
    /// `[phone]`: what the public phone page `/g/<unit>` accepts per address and per unit.
    pub phone: PhoneLimits,
}

/// `[meetings]` of the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubMeetingSettings {
    /// How long after its scheduled end a meeting the host has not ended keeps running
    /// before the hub ends it and the rooms leave: committees often run a little over.
    pub end_grace_secs: u64,
}

impl HubMeetingSettings {
    /// The longest grace accepted: beyond it a forgotten meeting holds the boxes for hours.
    pub const MAX_END_GRACE_SECS: i64 = 2 * 3600;
}

impl Default for HubMeetingSettings {
    fn default() -> Self {
        HubMeetingSettings {
            end_grace_secs: (crate::meeting::schedule::END_GRACE_MS / 1000) as u64,
        }
    }
}

/// Who may read the hub's `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricsAccess {
    /// A client on the hub box itself (loopback) that came through no proxy: the default,
    /// for a Prometheus on the same box.
    Loopback,
    /// `Authorization: Bearer <metrics_token>`, from anywhere.
    Token(Secret),
    /// Anyone (only on a closed network).
    Public,
}

/// An address or a network (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNetwork {
    addr: std::net::IpAddr,
    prefix_len: u8,
}

impl IpNetwork {
    /// Parses `addr` or `addr/prefix`; `None` when it is neither.
    pub fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.trim(), None),
        };
        let addr: std::net::IpAddr = addr.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix_len = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Self { addr, prefix_len })
    }

    /// Whether `ip` is in this network (an IPv4-mapped IPv6 address counts as its IPv4).
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let (a, b, bits) = match (self.addr, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a) as u128, u32::from(b) as u128, 32),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
            _ => return false,
        };
        let host_bits = bits - u32::from(self.prefix_len);
        if host_bits >= 128 {
            return true;
        }
        (a >> host_bits) == (b >> host_bits)
    }
}

impl std::fmt::Display for IpNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix_len)
    }
}

/// How long a client may take and how many may be connected at once, so that idle,
/// half-sent and stalled connections cannot hold every socket the hub has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections served at once (WebSockets included); more are closed at once. Keep it
    /// below the unit's `LimitNOFILE`.
    pub max_connections: usize,
    /// Time to send a request's whole head, and to start the next request on a kept-alive
    /// connection (an idle connection is closed after it); also bounds a TLS handshake.
    pub header_timeout_secs: u64,
    /// Longest pause inside a request body; an upload that stops sending is closed.
    pub body_stall_timeout_secs: u64,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_timeout_secs: DEFAULT_HEADER_TIMEOUT_SECS,
            body_stall_timeout_secs: DEFAULT_BODY_STALL_TIMEOUT_SECS,
        }
    }
}

/// A province's rooms (a few hundred WebSockets) plus staff, browsers in meetings and
/// public pages fit many times over; the hub unit's `LimitNOFILE` (65536) leaves room for
/// the database, voice files and media sockets.
pub const DEFAULT_MAX_CONNECTIONS: usize = 8192;
/// A real client sends its request head in well under a second, even on a poor link.
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 20;
/// A room uploading a voice file over a lossy 128 kb/s link pauses for seconds, not a minute.
pub const DEFAULT_BODY_STALL_TIMEOUT_SECS: u64 = 30;

/// `[media]` of the hub: where its WebRTC forwarder gathers ICE candidates, and the STUN/TURN
/// servers (e.g. coturn) given to rooms and browsers for each meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubMediaConfig {
    /// "0.0.0.0" gathers on every interface; a box with several should name the one rooms reach.
    pub bind_ip: std::net::IpAddr,
    pub ice_servers: Vec<String>,
    /// A fixed TURN username and password, the same for everyone (or [`Self::turn_secret`]).
    pub turn_username: Option<String>,
    pub turn_credential: Option<Secret>,
    /// coturn's `static-auth-secret` (`use-auth-secret`): every participant gets its own
    /// credential, good for [`Self::turn_credential_ttl_secs`] ([`crate::turn`]).
    pub turn_secret: Option<Secret>,
    pub turn_credential_ttl_secs: u64,
    /// `engine`: what moves meetings' media (`builtin` unless the config says `janus`).
    pub engine: MediaEngineConfig,
}

/// `[media] engine`: the built-in forwarder, or a Janus VideoRoom per meeting.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MediaEngineConfig {
    #[default]
    Builtin,
    Janus(JanusConfig),
}

/// Where the hub reaches Janus's API and the secrets it shows there (`[media] janus_url`,
/// `janus_admin_secret`, `janus_api_secret`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JanusConfig {
    /// `ws://` / `wss://` (the WebSockets transport) or `http://` / `https://` (the HTTP
    /// transport, including its base path such as `/janus`).
    pub url: url::Url,
    /// The VideoRoom plugin's `admin_key`, which `create` must carry.
    pub admin_secret: Secret,
    /// Janus's `api_secret` (`janus.jcfg`), carried by every request, when Janus has one.
    pub api_secret: Option<Secret>,
    /// `janus_simulcast`: rooms publish their layers as simulcast and each receives the layer
    /// its link carries (`meeting::simulcast`). On by default: a room's three encoders
    /// (720p + 360p + 180p) cost 1.5-1.6 x its one 720p encoder, measured in one run (README),
    /// and a commune on a weak link is why a province runs Janus at all.
    pub simulcast: bool,
}

impl HubMediaConfig {
    /// A day: longer than any meeting, so a relayed participant's allocation is refreshed
    /// with the credential it joined with until the meeting ends; a rejoin gets a new one.
    pub const DEFAULT_TURN_CREDENTIAL_TTL_SECS: u64 = 86_400;
    /// Shorter would cut a long meeting's relay; longer keeps a leaked credential useful.
    pub const TURN_CREDENTIAL_TTL_RANGE: (i64, i64) = (600, 7 * 86_400);

    /// The servers one participant (a room id, or a browser's participant id) is given at
    /// `now_ms`: with [`Self::turn_secret`] a fresh credential of its own, else the fixed one.
    pub fn ice_servers_for(&self, participant: &str, now_ms: i64) -> Vec<crate::wire::IceServer> {
        if self.ice_servers.is_empty() {
            return Vec::new();
        }
        let (username, credential) = match &self.turn_secret {
            Some(secret) => {
                let expires = crate::turn::expiry_secs(now_ms, self.turn_credential_ttl_secs);
                let c = crate::turn::rest_credential(secret.expose(), participant, expires);
                (Some(c.username), Some(c.credential))
            }
            None => (
                self.turn_username.clone(),
                self.turn_credential.as_ref().map(|c| c.expose().to_owned()),
            ),
        };
        vec![crate::wire::IceServer {
            urls: self.ice_servers.clone(),
            username,
            credential,
        }]
    }

    /// The servers of the hub's own forwarder. It has an address every participant reaches,
    /// so it needs no relay of its own: with [`Self::turn_secret`] it gets the STUN servers
    /// only (a credential made now would expire while the hub runs).
    pub fn forwarder_ice_servers(&self) -> Vec<crate::wire::IceServer> {
        if self.turn_secret.is_none() {
            return self.ice_servers_for("hub", 0);
        }
        let stun: Vec<String> = self
            .ice_servers
            .iter()
            .filter(|u| u.starts_with("stun:") || u.starts_with("stuns:"))
            .cloned()
            .collect();
        if stun.is_empty() {
            return Vec::new();
        }
        vec![crate::wire::IceServer {
            urls: stun,
            username: None,
            credential: None,
        }]
    }
}

/// `[feedback]` and `[[category]]`: the rating question and the feedback categories the
/// kiosks show (built-in defaults when absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackSettings {
    pub rating_question: String,
    pub categories: Vec<crate::wire::Category>,
}

/// A secret from the config: compared and used, never printed (its `Debug` hides it).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// `[bank]`: the beneficiary account the hub accepts transfer notifications for, which
/// services may send them, and the secret each signs with. A service not enabled is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankConfig {
    /// Transfers to any other account are refused (4xx) and not recorded.
    pub account: String,
    /// `senders`; without it, every service whose secret is set. Each has its secret (checked).
    pub senders: Vec<WebhookSender>,
    /// How SePay authenticates: it offers an API key or (recommended) an HMAC signature.
    pub sepay_mode: SepayMode,
    /// `Authorization: Apikey <key>` of SePay's webhook (`sepay_mode = "apikey"`).
    pub sepay_api_key: Option<Secret>,
    /// SePay's HMAC-SHA256 secret key (`sepay_mode = "hmac"`).
    pub sepay_secret: Option<Secret>,
    /// Casso's webhook signature key (HMAC-SHA512).
    pub casso_secret: Option<Secret>,
    /// The payment channel's Checksum Key in my.payos.vn (HMAC-SHA256).
    pub payos_checksum_key: Option<Secret>,
    /// Key of our generic signed format (HMAC-SHA256).
    pub generic_secret: Option<Secret>,
}

impl BankConfig {
    /// Only `account` and the generic secret; other services off. For tests and tools.
    pub fn new(account: impl Into<String>) -> Self {
        Self {
            account: account.into(),
            senders: Vec::new(),
            sepay_mode: SepayMode::ApiKey,
            sepay_api_key: None,
            sepay_secret: None,
            casso_secret: None,
            payos_checksum_key: None,
            generic_secret: None,
        }
    }

    pub fn accepts(&self, sender: WebhookSender) -> bool {
        self.senders.contains(&sender)
    }
}

/// A bank-notification service the hub has an endpoint for (`/webhooks/<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WebhookSender {
    Sepay,
    Casso,
    Payos,
    Generic,
}

impl WebhookSender {
    pub const ALL: [WebhookSender; 4] = [Self::Sepay, Self::Casso, Self::Payos, Self::Generic];

    pub fn name(self) -> &'static str {
        match self {
            Self::Sepay => "sepay",
            Self::Casso => "casso",
            Self::Payos => "payos",
            Self::Generic => "generic",
        }
    }
}

/// `[bank] sepay_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SepayMode {
    /// `Authorization: Apikey <key>`.
    ApiKey,
    /// `X-SePay-Signature`, `X-SePay-Timestamp` (HMAC-SHA256).
    Hmac,
}

impl HubConfig {
    pub fn unit(&self, id: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.id == id)
    }

    /// The public page of a campaign at this hub (`/c/<slug>`).
    pub fn campaign_page_url(&self, slug: &str) -> String {
        self.public_url
            .join(&format!("c/{slug}"))
            .map(|u| u.to_string())
            .unwrap_or_else(|_| format!("{}c/{slug}", self.public_url))
    }

    pub fn province(&self) -> &Unit {
        // Invariant: validation guarantees exactly one province, listed first.
        &self.units[0]
    }
}

/// Language the kiosk starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Vietnamese,
    English,
    Hmong,
}

impl Language {
    pub const CODES: &'static [&'static str] = &["vi", "en", "hmn"];

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "vi" => Some(Self::Vietnamese),
            "en" => Some(Self::English),
            "hmn" => Some(Self::Hmong),
            _ => None,
        }
    }
}

/// Which capture/playback device to use; `Auto` picks the first found and falls back to a
/// test source, `Test` always uses the test source (demos, CI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceChoice {
    Auto,
    Test,
    Named(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaConfig {
    pub camera: DeviceChoice,
    pub microphone: DeviceChoice,
    pub speaker: DeviceChoice,
    /// Where the room's WebRTC peer gathers ICE candidates ("0.0.0.0": every interface).
    pub ice_bind: std::net::IpAddr,
    /// The best picture this box sends (720p, 360p or 180p): a weak box or a camera that
    /// only does 360p says so here; the link may still step lower.
    pub max_layer: crate::meeting::Layer,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskConfig {
    pub language: Language,
    pub idle_reset_secs: u64,
    /// Logical-to-physical scale of the panel in percent (100 = as the display reports);
    /// e.g. 150 on a 1920×1080 panel shows the 1280×720 layout, larger for old eyes.
    pub zoom_percent: u64,
}

/// `phonghop room`: the box in a committee office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomConfig {
    /// Unit id this box serves; enrollment refuses a code issued for another unit.
    pub unit: String,
    pub data_dir: PathBuf,
    /// Local health and metrics endpoint; loopback by default so it is not exposed.
    pub health_listen: SocketAddr,
    pub hub_url: url::Url,
    /// Extra trust anchor for a hub with a self-signed certificate (`phonghop hub gen-cert`).
    pub hub_ca_cert: Option<PathBuf>,
    pub media: MediaConfig,
    pub kiosk: KioskConfig,
    /// argon2 PHC string of the staff PIN (`phonghop hash-pin`).
    pub staff_pin_hash: String,
}

impl RoomConfig {
    /// A room on this machine with test picture and sound, for the demo, benchmarks and
    /// tests: health on a free loopback port, defaults everywhere else.
    pub fn local(
        unit: &str,
        data_dir: PathBuf,
        hub_url: url::Url,
        staff_pin_hash: String,
    ) -> RoomConfig {
        RoomConfig {
            unit: unit.to_owned(),
            data_dir,
            health_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            hub_url,
            hub_ca_cert: None,
            media: MediaConfig {
                camera: DeviceChoice::Test,
                microphone: DeviceChoice::Test,
                speaker: DeviceChoice::Auto,
                ice_bind: std::net::IpAddr::from([127, 0, 0, 1]),
                max_layer: crate::meeting::Layer::P720,
            },
            kiosk: KioskConfig {
                language: Language::Vietnamese,
                idle_reset_secs: 90,
                zoom_percent: 100,
            },
            staff_pin_hash,
        }
    }
}

/// A configuration of either kind, as `check-config` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
// One value per `check-config` run, read once: its size costs nothing, a Box would cost
// every caller a dereference to read.
#[allow(clippy::large_enum_variant)]
pub enum AnyConfig {
    Hub(HubConfig),
    Room(RoomConfig),
}

impl AnyConfig {
    pub fn data_dir(&self) -> &Path {
        match self {
            AnyConfig::Hub(h) => &h.data_dir,
            AnyConfig::Room(r) => &r.data_dir,
        }
    }
}

const HUB_SECTIONS: &[&str] = &[
    "hub", "tls", "unit", "bank", "feedback", "category", "media", "meetings", "zalo", "phone",
];
const ROOM_SECTIONS: &[&str] = &["room", "hub", "media", "kiosk", "staff"];

/// Reads and validates a hub configuration file, with environment overrides applied.
pub fn load_hub(path: &Path) -> Result<HubConfig, ConfigError> {
    let (file, table) = read_table(path)?;
    parse_hub_table(&file, table, &env_overrides())
}

/// Reads and validates a room configuration file, with environment overrides applied.
pub fn load_room(path: &Path) -> Result<RoomConfig, ConfigError> {
    let (file, table) = read_table(path)?;
    parse_room_table(&file, table, &env_overrides())
}

/// Reads a file of either kind: a `[room]` section makes it a room's, `[[unit]]` a hub's.
pub fn load_any(path: &Path) -> Result<AnyConfig, ConfigError> {
    let (file, table) = read_table(path)?;
    let env = env_overrides();
    if table.contains_key("room") {
        parse_room_table(&file, table, &env).map(AnyConfig::Room)
    } else if table.contains_key("unit") {
        parse_hub_table(&file, table, &env).map(AnyConfig::Hub)
    } else {
        Err(ConfigError::Invalid {
            file,
            problems: vec![ConfigProblem {
                section: String::new(),
                key: String::new(),
                message: "cannot tell a hub config from a room config: a room config has a [room] \
                          section, a hub config lists its committees as [[unit]] tables"
                    .to_owned(),
            }],
        })
    }
}

/// Parses hub configuration text; `file` names it in messages. Used for the embedded demo.
pub fn parse_hub_str(file: &str, text: &str) -> Result<HubConfig, ConfigError> {
    let table = parse_toml(file, text)?;
    parse_hub_table(file, table, &[])
}

/// Parses room configuration text; `file` names it in messages.
pub fn parse_room_str(file: &str, text: &str) -> Result<RoomConfig, ConfigError> {
    let table = parse_toml(file, text)?;
    parse_room_table(file, table, &[])
}

fn read_table(path: &Path) -> Result<(String, Table), ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        file: file.clone(),
        source,
    })?;
    let table = parse_toml(&file, &text)?;
    Ok((file, table))
}

fn parse_toml(file: &str, text: &str) -> Result<Table, ConfigError> {
    text.parse::<Table>().map_err(|e| ConfigError::Syntax {
        file: file.to_owned(),
        message: e.to_string().trim().replace('\n', " "),
    })
}

/// `PHONGHOP_<SECTION>_<KEY>=value` pairs from the process environment.
fn env_overrides() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("PHONGHOP_"))
        .collect()
}

/// Applies environment overrides for the sections this kind of file knows; returns which
/// `(section, key)` each variable set. Variables naming no known section (such as
/// `PHONGHOP_LOG`) are not configuration and are left alone.
fn apply_env(
    table: &mut Table,
    sections: &[&str],
    env: &[(String, String)],
) -> BTreeMap<(String, String), String> {
    let mut applied = BTreeMap::new();
    for (var, raw) in env {
        let rest = &var["PHONGHOP_".len()..];
        let Some(section) = sections
            .iter()
            .filter(|s| **s != "unit" && **s != "category")
            .find(|s| rest.to_ascii_lowercase().starts_with(&format!("{s}_")))
        else {
            continue;
        };
        let key = rest[section.len() + 1..].to_ascii_lowercase();
        let entry = table
            .entry(section.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        let Value::Table(section_table) = entry else {
            continue;
        };
        let value = match section_table.get(&key) {
            Some(Value::String(_)) | None if raw.parse::<i64>().is_err() && !is_bool(raw) => {
                Value::String(raw.clone())
            }
            Some(Value::String(_)) => Value::String(raw.clone()),
            _ => literal(raw),
        };
        section_table.insert(key.clone(), value);
        applied.insert((section.to_string(), key), var.clone());
    }
    applied
}

fn is_bool(raw: &str) -> bool {
    raw == "true" || raw == "false"
}

fn literal(raw: &str) -> Value {
    if let Ok(i) = raw.parse::<i64>() {
        Value::Integer(i)
    } else if is_bool(raw) {
        Value::Boolean(raw == "true")
    } else {
        Value::String(raw.to_owned())
    }
}

fn sub_table<'a>(table: &'a Table, name: &str, problems: &Problems) -> Option<&'a Table> {
    match table.get(name) {
        None => None,
        Some(Value::Table(t)) => Some(t),
        Some(other) => {
            problems.push(
                &format!("[{name}]"),
                "",
                format!("is {}, expected a [{name}] section", reader::shown(other)),
            );
            None
        }
    }
}

fn unknown_sections(table: &Table, known: &[&str], problems: &Problems) {
    for key in table.keys().filter(|k| !known.contains(&k.as_str())) {
        problems.push(
            &format!("[{key}]"),
            "",
            format!("unknown section (known sections: {})", known.join(", ")),
        );
    }
}

fn finish<T>(file: &str, problems: Problems, value: Option<T>) -> Result<T, ConfigError> {
    match value {
        Some(v) if problems.is_empty() => Ok(v),
        _ => Err(ConfigError::Invalid {
            file: file.to_owned(),
            problems: problems.into_vec(),
        }),
    }
}

fn parse_hub_table(
    file: &str,
    mut table: Table,
    env: &[(String, String)],
) -> Result<HubConfig, ConfigError> {
    let from_env = apply_env(&mut table, HUB_SECTIONS, env);
    let problems = Problems::new(from_env);
    unknown_sections(&table, HUB_SECTIONS, &problems);

    let hub = Section::new(
        "[hub]".into(),
        sub_table(&table, "hub", &problems),
        &problems,
    );
    if !table.contains_key("hub") {
        problems.push(
            "[hub]",
            "",
            "missing section; expected listen, public_url, data_dir",
        );
    }
    let listen = hub.required(
        "listen",
        "an address such as \"0.0.0.0:8443\"",
        to::socket_addr,
    );
    let public_url = hub.required(
        "public_url",
        "the URL rooms use, such as \"https://hub.example.vn:8443\"",
        to::http_url,
    );
    let data_dir = hub.required("data_dir", "an absolute path", to::path);
    let trusted_proxies = hub
        .optional("trusted_proxies", ip_networks)
        .unwrap_or_default();
    let metrics_token = hub.optional("metrics_token", secret);
    let metrics_mode = hub
        .optional("metrics", to::one_of(&["loopback", "token", "public"]))
        .unwrap_or_else(|| "loopback".to_owned());
    let defaults = ConnectionLimits::default();
    let limits = ConnectionLimits {
        max_connections: hub
            .optional("max_connections", to::integer_in(16, 1_000_000))
            .map_or(defaults.max_connections, |n| n as usize),
        header_timeout_secs: hub
            .optional("header_timeout_secs", to::integer_in(1, 600))
            .unwrap_or(defaults.header_timeout_secs),
        body_stall_timeout_secs: hub
            .optional("body_stall_timeout_secs", to::integer_in(1, 600))
            .unwrap_or(defaults.body_stall_timeout_secs),
    };
    let metrics = match (metrics_mode.as_str(), metrics_token) {
        ("token", Some(token)) => Some(MetricsAccess::Token(token)),
        ("token", None) => {
            problems.push(
                "[hub]",
                "metrics_token",
                "missing; metrics = \"token\" needs a token of 16+ random characters \
                 (e.g. `openssl rand -hex 24`) that Prometheus sends as a bearer token",
            );
            None
        }
        ("public", _) => Some(MetricsAccess::Public),
        _ => Some(MetricsAccess::Loopback),
    };
    hub.finish();

    let tls = sub_table(&table, "tls", &problems).and_then(|t| {
        let s = Section::new("[tls]".into(), Some(t), &problems);
        let cert = s.required("cert", "the PEM certificate file", to::path);
        let key = s.required("key", "the PEM private key file", to::path);
        s.finish();
        Some(TlsFiles {
            cert: cert?,
            key: key?,
        })
    });
    if let (Some(url), Some(_)) = (&public_url, &tls)
        && url.scheme() != "https"
    {
        problems.push(
            "[hub]",
            "public_url",
            format!("\"{url}\" uses http but [tls] is set; use https://"),
        );
    }

    let media_section = Section::new(
        "[media]".into(),
        sub_table(&table, "media", &problems),
        &problems,
    );
    let media = HubMediaConfig {
        bind_ip: media_section
            .optional("bind_ip", to::ip_addr)
            .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0])),
        ice_servers: media_section
            .optional("ice_servers", to::ice_urls)
            .unwrap_or_default(),
        turn_username: media_section.optional("turn_username", to::non_empty_string),
        turn_credential: media_section.optional("turn_credential", secret),
        turn_secret: media_section.optional("turn_secret", secret),
        turn_credential_ttl_secs: media_section
            .optional(
                "turn_credential_ttl_secs",
                to::integer_in(
                    HubMediaConfig::TURN_CREDENTIAL_TTL_RANGE.0,
                    HubMediaConfig::TURN_CREDENTIAL_TTL_RANGE.1,
                ),
            )
            .unwrap_or(HubMediaConfig::DEFAULT_TURN_CREDENTIAL_TTL_SECS),
        engine: media_engine(&media_section),
    };
    media_section.finish();
    check_turn(&media, &problems);

    let meetings_section = Section::new(
        "[meetings]".into(),
        sub_table(&table, "meetings", &problems),
        &problems,
    );
    let meetings = HubMeetingSettings {
        end_grace_secs: meetings_section
            .optional(
                "end_grace_secs",
                to::integer_in(0, HubMeetingSettings::MAX_END_GRACE_SECS),
            )
            .unwrap_or(HubMeetingSettings::default().end_grace_secs),
    };
    meetings_section.finish();

    let units = parse_units(&table, &problems);
    let bank = sub_table(&table, "bank", &problems).map(|t| parse_bank(t, &problems));
    let feedback = parse_feedback(&table, &problems);
    let zalo = sub_table(&table, "zalo", &problems)
        .map(|t| zalo::parse_zalo(t, units.as_deref().unwrap_or_default(), &problems));
    let phone = phone::parse_phone(sub_table(&table, "phone", &problems), &problems);
    let value = (|| {
        Some(HubConfig {
            listen: listen?,
            public_url: public_url?,
            data_dir: data_dir?,
            tls: match table.get("tls") {
                Some(_) => Some(tls?),
                None => None,
            },
            units: units?,
            bank: match bank {
                Some(b) => Some(b?),
                None => None,
            },
            feedback,
            media,
            trusted_proxies,
            metrics: metrics?,
            limits,
            meetings,
            zalo: match zalo {
                Some(z) => Some(z?),
                None => None,
            },
            phone,
        })
    })();
    finish(file, problems, value)
}

/// `["127.0.0.1", "10.0.0.0/8"]`, or the same as one comma-separated string (what an
/// environment variable can carry).
fn ip_networks(value: &Value) -> Result<Vec<IpNetwork>, BadValue> {
    let items: Vec<String> = match value {
        Value::Array(items) => items.iter().map(to::string).collect::<Result<_, _>>()?,
        Value::String(s) => s.split(',').map(str::to_owned).collect(),
        other => {
            return Err(BadValue(format!(
                "{} is not a list, expected e.g. [\"127.0.0.1\", \"10.0.0.0/8\"]",
                reader::shown(other)
            )));
        }
    };
    items
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            IpNetwork::parse(s).ok_or_else(|| {
                BadValue(format!(
                    "{s:?} is not an address or network, expected e.g. \"127.0.0.1\" or \"10.0.0.0/8\""
                ))
            })
        })
        .collect()
}

/// TURN credentials come either fixed or from coturn's secret, and a secret needs a TURN
/// server to be given for.
fn check_turn(media: &HubMediaConfig, problems: &Problems) {
    if media.turn_secret.is_none() {
        return;
    }
    if media.turn_username.is_some() || media.turn_credential.is_some() {
        problems.push(
            "[media]",
            "turn_secret",
            "is set together with turn_username/turn_credential; use one: turn_secret (the \
             static-auth-secret of a coturn with use-auth-secret, a fresh credential per \
             participant) or the fixed turn_username and turn_credential",
        );
    }
    if !media
        .ice_servers
        .iter()
        .any(|u| u.starts_with("turn:") || u.starts_with("turns:"))
    {
        problems.push(
            "[media]",
            "turn_secret",
            "is set but ice_servers names no TURN server; add e.g. \
             \"turn:hub.example.vn:3478\" (coturn, see config/coturn.conf)",
        );
    }
}

/// `[media] engine` and the Janus keys, which only `engine = "janus"` may set.
fn media_engine(section: &Section<'_>) -> MediaEngineConfig {
    let engine = section
        .optional("engine", to::one_of(&["builtin", "janus"]))
        .unwrap_or_else(|| "builtin".to_owned());
    let url = section.optional("janus_url", janus_url);
    let admin_secret = section.optional("janus_admin_secret", secret);
    let api_secret = section.optional("janus_api_secret", secret);
    let simulcast = section.optional("janus_simulcast", flag);
    if engine != "janus" {
        for (key, set) in [
            ("janus_url", url.is_some()),
            ("janus_admin_secret", admin_secret.is_some()),
            ("janus_api_secret", api_secret.is_some()),
            ("janus_simulcast", simulcast.is_some()),
        ] {
            if set {
                section.problem(
                    key,
                    format!(
                        "is set but engine is \"{engine}\"; set engine = \"janus\" to use Janus, \
                         or remove the Janus keys"
                    ),
                );
            }
        }
        return MediaEngineConfig::Builtin;
    }
    if url.is_none() && !section.has("janus_url") {
        section.problem(
            "janus_url",
            "missing; engine = \"janus\" needs the Janus API's address, \
             e.g. \"ws://127.0.0.1:8188\" (WebSockets) or \"http://127.0.0.1:8088/janus\" (HTTP)",
        );
    }
    if admin_secret.is_none() && !section.has("janus_admin_secret") {
        section.problem(
            "janus_admin_secret",
            "missing; engine = \"janus\" needs the VideoRoom plugin's admin_key \
             (janus.plugin.videoroom.jcfg): the same 16+ random characters in both files",
        );
    }
    match (url, admin_secret) {
        (Some(url), Some(admin_secret)) => MediaEngineConfig::Janus(JanusConfig {
            url,
            admin_secret,
            api_secret,
            simulcast: simulcast.unwrap_or(true),
        }),
        // The problems above (or the bad values) make the whole config fail.
        _ => MediaEngineConfig::Builtin,
    }
}

/// Janus's API: WebSockets (`ws://`, `wss://`) or HTTP (`http://`, `https://`).
fn janus_url(value: &Value) -> Result<url::Url, BadValue> {
    let s = to::non_empty_string(value)?;
    match url::Url::parse(&s) {
        Ok(u)
            if ["ws", "wss", "http", "https"].contains(&u.scheme())
                && u.host().is_some()
                && u.username().is_empty()
                && u.password().is_none() =>
        {
            Ok(u)
        }
        _ => Err(BadValue(format!(
            "{s:?} is not a Janus API address, expected e.g. \"ws://127.0.0.1:8188\" \
             (WebSockets) or \"http://127.0.0.1:8088/janus\" (HTTP)"
        ))),
    }
}

fn secret(value: &Value) -> Result<Secret, BadValue> {
    let s = to::non_empty_string(value)?;
    if s.chars().count() < 16 {
        return Err(BadValue(
            "is too short; use at least 16 random characters (e.g. `openssl rand -hex 24`)"
                .to_owned(),
        ));
    }
    Ok(Secret::new(s))
}

fn bank_account(value: &Value) -> Result<String, BadValue> {
    let s = to::non_empty_string(value)?;
    let digits = crate::text::normalize_account(&s);
    if digits.is_empty() || digits.len() > 19 {
        return Err(BadValue(format!(
            "{s:?} is not an account number (letters and digits, at most 19)"
        )));
    }
    Ok(s.trim().to_owned())
}

fn parse_bank(t: &Table, problems: &Problems) -> Option<BankConfig> {
    let s = Section::new("[bank]".into(), Some(t), problems);
    let account = s.required(
        "account",
        "the beneficiary account number transfers arrive on",
        bank_account,
    );
    let names: Vec<&str> = WebhookSender::ALL.iter().map(|w| w.name()).collect();
    let listed = s.optional("senders", |v| {
        let Value::Array(items) = v else {
            return Err(BadValue(format!(
                "expected a list such as [\"sepay\", \"casso\"] of: {}",
                names.join(", ")
            )));
        };
        items
            .iter()
            .map(|item| {
                let name = to::string(item)?;
                WebhookSender::ALL
                    .into_iter()
                    .find(|w| w.name() == name)
                    .ok_or_else(|| {
                        BadValue(format!("{name:?} is not one of: {}", names.join(", ")))
                    })
            })
            .collect::<Result<Vec<_>, _>>()
    });
    let sepay_mode = match s
        .optional("sepay_mode", to::one_of(&["apikey", "hmac"]))
        .as_deref()
    {
        Some("hmac") => SepayMode::Hmac,
        _ => SepayMode::ApiKey,
    };
    let sepay_api_key = s.optional("sepay_api_key", secret);
    let sepay_secret = s.optional("sepay_secret", secret);
    let casso_secret = s.optional("casso_secret", secret);
    let payos_checksum_key = s.optional("payos_checksum_key", secret);
    let generic_secret = s.optional("generic_secret", secret);
    // The key each enabled sender needs, and what to paste there.
    let needs = |w: WebhookSender| -> (&'static str, bool, &'static str) {
        match (w, sepay_mode) {
            (WebhookSender::Sepay, SepayMode::ApiKey) => (
                "sepay_api_key",
                sepay_api_key.is_some(),
                "the API key set in SePay's webhook (or sepay_mode = \"hmac\" and sepay_secret)",
            ),
            (WebhookSender::Sepay, SepayMode::Hmac) => (
                "sepay_secret",
                sepay_secret.is_some(),
                "the secret key SePay shows once when its webhook uses HMAC-SHA256",
            ),
            (WebhookSender::Casso, _) => (
                "casso_secret",
                casso_secret.is_some(),
                "the signature key (Key bảo mật) of Casso's webhook v2",
            ),
            (WebhookSender::Payos, _) => (
                "payos_checksum_key",
                payos_checksum_key.is_some(),
                "the Checksum Key of the payment channel in my.payos.vn",
            ),
            (WebhookSender::Generic, _) => (
                "generic_secret",
                generic_secret.is_some(),
                "a random secret shared with your gateway",
            ),
        }
    };
    if sepay_mode == SepayMode::ApiKey && sepay_secret.is_some() && sepay_api_key.is_none() {
        s.problem(
            "sepay_mode",
            "sepay_secret is set but sepay_mode is \"apikey\" (the default); set sepay_mode = \"hmac\"",
        );
    }
    let senders = match listed {
        Some(list) => {
            for w in &list {
                let (key, set, what) = needs(*w);
                if !set {
                    s.problem(
                        key,
                        format!("missing: {:?} is in senders; set it to {what}", w.name()),
                    );
                }
            }
            let mut list = list;
            list.sort();
            list.dedup();
            list
        }
        None => {
            if sepay_mode == SepayMode::Hmac && sepay_secret.is_none() {
                s.problem("sepay_secret", "missing: sepay_mode = \"hmac\" needs the secret key SePay shows once for its webhook");
            }
            WebhookSender::ALL
                .into_iter()
                .filter(|w| needs(*w).1)
                .collect()
        }
    };
    s.finish();
    Some(BankConfig {
        account: account?,
        senders,
        sepay_mode,
        sepay_api_key,
        sepay_secret,
        casso_secret,
        payos_checksum_key,
        generic_secret,
    })
}

fn parse_feedback(table: &Table, problems: &Problems) -> FeedbackSettings {
    let section = Section::new(
        "[feedback]".into(),
        sub_table(table, "feedback", problems),
        problems,
    );
    let rating_question = section
        .optional("rating_question", to::non_empty_string)
        .unwrap_or_else(crate::feedback::default_rating_question);
    section.finish();
    let categories = match table.get("category") {
        None => crate::feedback::default_categories(),
        Some(Value::Array(items)) => {
            let mut list = Vec::new();
            let mut seen = BTreeSet::new();
            for (i, item) in items.iter().enumerate() {
                let label = format!("[[category]] #{}", i + 1);
                let Value::Table(t) = item else {
                    problems.push(&label, "", "expected a table");
                    continue;
                };
                let s = Section::new(label, Some(t), problems);
                let id = s.required("id", "an id like \"roads\"", to::identifier);
                let icon = s
                    .optional("icon", to::non_empty_string)
                    .unwrap_or_else(|| "✎".to_owned());
                let vi = s.required("vi", "the name in Vietnamese", to::non_empty_string);
                let mut names = BTreeMap::new();
                for lang in ["en", "hmn"] {
                    if let Some(name) = s.optional(lang, to::non_empty_string) {
                        names.insert(lang.to_owned(), name);
                    }
                }
                if let Some(id) = &id
                    && !seen.insert(id.clone())
                {
                    s.problem("id", format!("{id:?} is used by another category"));
                }
                s.finish();
                if let (Some(id), Some(vi)) = (id, vi) {
                    names.insert("vi".to_owned(), vi);
                    list.push(crate::wire::Category { id, icon, names });
                }
            }
            list
        }
        Some(_) => {
            problems.push("[[category]]", "", "expected [[category]] tables");
            Vec::new()
        }
    };
    FeedbackSettings {
        rating_question,
        categories,
    }
}

fn parse_units(table: &Table, problems: &Problems) -> Option<Vec<Unit>> {
    let list = match table.get("unit") {
        None => {
            problems.push(
                "[[unit]]",
                "",
                "missing; list the province and each commune as a [[unit]] table",
            );
            return None;
        }
        Some(Value::Array(items)) => items,
        Some(_) => {
            problems.push(
                "[[unit]]",
                "",
                "expected [[unit]] tables (an array of tables)",
            );
            return None;
        }
    };
    let mut units = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let label = format!("[[unit]] #{}", i + 1);
        let Value::Table(t) = item else {
            problems.push(&label, "", "expected a table");
            continue;
        };
        let s = Section::new(label, Some(t), problems);
        let id = s.required("id", "an id like \"lao-chai\"", to::identifier);
        let name = s.required("name", "the committee's name", to::non_empty_string);
        let level = s
            .required(
                "level",
                "\"province\" or \"commune\"",
                to::one_of(&["province", "commune"]),
            )
            .map(|l| match l.as_str() {
                "province" => UnitLevel::Province,
                _ => UnitLevel::Commune,
            });
        let parent = s.optional("parent", to::identifier);
        if level == Some(UnitLevel::Commune) && parent.is_none() && t.get("parent").is_none() {
            s.problem(
                "parent",
                "missing; a commune names its province's id as parent",
            );
        }
        if level == Some(UnitLevel::Province) && parent.is_some() {
            s.problem("parent", "a province has no parent; remove this key");
        }
        s.finish();
        if let (Some(id), Some(name), Some(level)) = (id, name, level) {
            units.push((
                i + 1,
                Unit {
                    id,
                    name,
                    level,
                    parent,
                },
            ));
        }
    }

    let mut seen = BTreeSet::new();
    for (n, unit) in &units {
        if !seen.insert(unit.id.clone()) {
            problems.push(
                &format!("[[unit]] #{n}"),
                "id",
                format!(
                    "{:?} is used by another unit; each unit id must be unique",
                    unit.id
                ),
            );
        }
    }
    let provinces: Vec<_> = units
        .iter()
        .filter(|(_, u)| u.level == UnitLevel::Province)
        .collect();
    match provinces.as_slice() {
        [] if !units.is_empty() => problems.push(
            "[[unit]]",
            "level",
            "no unit has level = \"province\"; exactly one is required",
        ),
        [_, extra, ..] => problems.push(
            &format!("[[unit]] #{}", extra.0),
            "level",
            "a second province; a hub serves exactly one province",
        ),
        _ => {}
    }
    for (n, unit) in &units {
        if let Some(parent) = &unit.parent {
            let found = units
                .iter()
                .find(|(_, u)| &u.id == parent)
                .map(|(_, u)| u.level);
            match found {
                None => problems.push(
                    &format!("[[unit]] #{n}"),
                    "parent",
                    format!("{parent:?} names no unit in this file"),
                ),
                Some(UnitLevel::Commune) => problems.push(
                    &format!("[[unit]] #{n}"),
                    "parent",
                    format!("{parent:?} is a commune; a commune's parent is the province"),
                ),
                Some(UnitLevel::Province) => {}
            }
        }
    }
    let mut ordered: Vec<Unit> = units.into_iter().map(|(_, u)| u).collect();
    ordered.sort_by_key(|u| u.level != UnitLevel::Province);
    Some(ordered)
}

fn device(value: &Value) -> Result<DeviceChoice, BadValue> {
    let s = to::non_empty_string(value)?;
    Ok(match s.as_str() {
        "auto" => DeviceChoice::Auto,
        "test" => DeviceChoice::Test,
        _ => DeviceChoice::Named(s),
    })
}

fn flag(value: &Value) -> Result<bool, BadValue> {
    match value {
        Value::Boolean(b) => Ok(*b),
        other => Err(BadValue(format!(
            "{} is not true or false",
            reader::shown(other)
        ))),
    }
}

/// A room sends its credential and residents' feedback to the hub: over plain HTTP anyone
/// on the path reads and changes them. Plain HTTP is fine when it never leaves the box (a
/// hub on loopback: the demo, the tests, a TLS tunnel ending on this machine); anything
/// else needs `https://` or an explicit `allow_insecure = true` (a lab network).
fn hub_url_is_private(url: &url::Url) -> Result<(), String> {
    if url.scheme() != "http" {
        return Ok(());
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if loopback {
        return Ok(());
    }
    Err(format!(
        "{url} is plain HTTP: the room's credential and residents' feedback would cross the \
         network unencrypted; use https:// (with ca_cert for a self-signed hub), or set \
         allow_insecure = true in [hub] to accept this on a trusted network"
    ))
}

fn pin_hash(value: &Value) -> Result<String, BadValue> {
    let s = to::string(value)?;
    match argon2::password_hash::PasswordHash::new(&s) {
        Ok(h) if h.algorithm.as_str().starts_with("argon2") => Ok(s),
        _ => Err(BadValue(
            "is not an argon2 hash; make one with `phonghop hash-pin` and paste its output"
                .to_owned(),
        )),
    }
}

fn parse_room_table(
    file: &str,
    mut table: Table,
    env: &[(String, String)],
) -> Result<RoomConfig, ConfigError> {
    let from_env = apply_env(&mut table, ROOM_SECTIONS, env);
    let problems = Problems::new(from_env);
    unknown_sections(&table, ROOM_SECTIONS, &problems);
    for required in ["room", "hub", "staff"] {
        if !table.contains_key(required) {
            problems.push(&format!("[{required}]"), "", "missing section");
        }
    }

    let room = Section::new(
        "[room]".into(),
        sub_table(&table, "room", &problems),
        &problems,
    );
    let unit = room.required(
        "unit",
        "the unit id this box serves, like \"lao-chai\"",
        to::identifier,
    );
    let data_dir = room.required("data_dir", "an absolute path", to::path);
    let health_listen = room
        .optional("health_listen", to::socket_addr)
        .or_else(|| "127.0.0.1:9180".parse().ok());
    room.finish();

    let hub = Section::new(
        "[hub]".into(),
        sub_table(&table, "hub", &problems),
        &problems,
    );
    let hub_url = hub.required(
        "url",
        "the hub's URL, such as \"https://hub.example.vn:8443\"",
        to::http_url,
    );
    let hub_ca_cert = hub.optional("ca_cert", to::path);
    let allow_insecure = hub.optional("allow_insecure", flag).unwrap_or(false);
    if let Some(url) = &hub_url
        && !allow_insecure
        && let Err(why) = hub_url_is_private(url)
    {
        hub.problem("url", why);
    }
    hub.finish();

    let media = Section::new(
        "[media]".into(),
        sub_table(&table, "media", &problems),
        &problems,
    );
    let camera = media
        .optional("camera", device)
        .unwrap_or(DeviceChoice::Auto);
    let microphone = media
        .optional("microphone", device)
        .unwrap_or(DeviceChoice::Auto);
    let speaker = media
        .optional("speaker", device)
        .unwrap_or(DeviceChoice::Auto);
    let ice_bind = media
        .optional("ice_bind", to::ip_addr)
        .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    let max_layer = media
        .optional("max_layer", |value| {
            crate::meeting::Layer::parse_ceiling(&to::string(value)?)
                .map_err(|e| BadValue(e.to_string()))
        })
        .unwrap_or(crate::meeting::Layer::P720);
    media.finish();

    let kiosk = Section::new(
        "[kiosk]".into(),
        sub_table(&table, "kiosk", &problems),
        &problems,
    );
    let language = kiosk
        .optional("language", to::one_of(Language::CODES))
        .and_then(|c| Language::from_code(&c))
        .unwrap_or(Language::Vietnamese);
    let idle_reset_secs = kiosk
        .optional("idle_reset_secs", to::integer_in(15, 3600))
        .unwrap_or(90);
    let zoom_percent = kiosk
        .optional("zoom_percent", to::integer_in(50, 300))
        .unwrap_or(100);
    kiosk.finish();

    let staff = Section::new(
        "[staff]".into(),
        sub_table(&table, "staff", &problems),
        &problems,
    );
    let staff_pin_hash = staff.required(
        "pin_hash",
        "an argon2 hash from `phonghop hash-pin`",
        pin_hash,
    );
    staff.finish();

    let value = (|| {
        Some(RoomConfig {
            unit: unit?,
            data_dir: data_dir?,
            health_listen: health_listen?,
            hub_url: hub_url?,
            hub_ca_cert,
            media: MediaConfig {
                camera,
                microphone,
                speaker,
                ice_bind,
                max_layer,
            },
            kiosk: KioskConfig {
                language,
                idle_reset_secs,
                zoom_percent,
            },
            staff_pin_hash: staff_pin_hash?,
        })
    })();
    finish(file, problems, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HUB: &str = r#"
[hub]
listen = "127.0.0.1:8443"
public_url = "http://127.0.0.1:8443"
data_dir = "/tmp/x"
[[unit]]
id = "lao-cai"
name = "Lào Cai"
level = "province"
[[unit]]
id = "lao-chai"
name = "Lao Chải"
level = "commune"
parent = "lao-cai"
"#;

    fn hub_with_env(env: &[(&str, &str)]) -> Result<HubConfig, ConfigError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse_hub_table(
            "hub.toml",
            parse_toml("hub.toml", HUB).expect("valid toml"),
            &env,
        )
    }

    fn room_with_hub(hub: &str) -> Result<RoomConfig, ConfigError> {
        let text = format!(
            "[room]\nunit = \"lao-chai\"\ndata_dir = \"/tmp/x\"\n[hub]\n{hub}\n[staff]\n\
             pin_hash = \"$argon2id$v=19$m=19456,t=2,p=1$mo2uY2ZUhYRP1lMzYksRrg$\
             1tPuSatlaMA8hBlGY5AV+K25FcH7BYQKppXu9Jmowwk\"\n"
        );
        parse_room_str("room.toml", &text)
    }

    #[test]
    fn a_plain_http_hub_off_this_machine_needs_allow_insecure() {
        let err = room_with_hub("url = \"http://hub.laocai.example.vn:8080\"")
            .expect_err("refused")
            .to_string();
        assert!(
            err.contains("[hub]") && err.contains("url") && err.contains("allow_insecure = true"),
            "{err}"
        );
        let err = room_with_hub("url = \"http://10.0.0.5\"\nallow_insecure = \"yes\"")
            .expect_err("not a flag")
            .to_string();
        assert!(err.contains("allow_insecure"), "{err}");
        for allowed in [
            "url = \"https://hub.laocai.example.vn:8443\"",
            "url = \"http://127.0.0.1:8080\"",
            "url = \"http://[::1]:8080\"",
            "url = \"http://localhost:8080\"",
            "url = \"http://10.0.0.5:8080\"\nallow_insecure = true",
        ] {
            room_with_hub(allowed).unwrap_or_else(|e| panic!("{allowed}: {e}"));
        }
    }

    #[test]
    fn environment_overrides_a_key_of_the_file() {
        let c = hub_with_env(&[("PHONGHOP_HUB_LISTEN", "0.0.0.0:9000")]).expect("valid");
        assert_eq!(c.listen.port(), 9000);
    }

    #[test]
    fn a_bad_environment_value_names_the_variable() {
        let err = hub_with_env(&[("PHONGHOP_HUB_PUBLIC_URL", "htp://x")]).expect_err("invalid");
        let text = err.to_string();
        assert!(
            text.contains("[hub] public_url: \"htp://x\" is not an http(s) URL"),
            "{text}"
        );
        assert!(text.contains("PHONGHOP_HUB_PUBLIC_URL"), "{text}");
    }

    #[test]
    fn environment_variables_of_no_section_are_not_configuration() {
        hub_with_env(&[("PHONGHOP_LOG", "debug")]).expect("PHONGHOP_LOG is not a config key");
    }

    #[test]
    fn a_mistyped_environment_key_is_an_error() {
        let err = hub_with_env(&[("PHONGHOP_HUB_LISTN", "0.0.0.0:1")]).expect_err("typo");
        assert!(
            err.to_string().contains("[hub] listn: unknown key"),
            "{err}"
        );
    }

    #[test]
    fn the_meeting_end_grace_defaults_to_ten_minutes_and_can_be_set() {
        let plain = parse_hub_str("hub.toml", HUB).expect("valid");
        assert_eq!(plain.meetings.end_grace_secs, 600);
        let set = hub_with_env(&[("PHONGHOP_MEETINGS_END_GRACE_SECS", "90")]).expect("valid");
        assert_eq!(set.meetings.end_grace_secs, 90);
        let err =
            hub_with_env(&[("PHONGHOP_MEETINGS_END_GRACE_SECS", "9000")]).expect_err("too long");
        assert!(
            err.to_string()
                .contains("[meetings] end_grace_secs: 9000 is out of range, expected 0 to 7200"),
            "{err}"
        );
    }

    #[test]
    fn the_province_comes_first_whatever_the_file_order() {
        let text = HUB.replace(
            "[[unit]]\nid = \"lao-cai\"\nname = \"Lào Cai\"\nlevel = \"province\"\n",
            "",
        ) + "[[unit]]\nid = \"lao-cai\"\nname = \"Lào Cai\"\nlevel = \"province\"\n";
        let c = parse_hub_str("hub.toml", &text).expect("valid");
        assert_eq!(c.province().id, "lao-cai");
    }

    #[test]
    fn hub_edge_settings_are_read_and_checked() {
        let c = hub_with_env(&[]).expect("valid");
        assert!(
            c.trusted_proxies.is_empty(),
            "no proxy is trusted by default"
        );
        assert_eq!(c.metrics, MetricsAccess::Loopback);
        assert_eq!(c.limits, ConnectionLimits::default());
        let c = hub_with_env(&[
            ("PHONGHOP_HUB_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"),
            ("PHONGHOP_HUB_MAX_CONNECTIONS", "64"),
        ])
        .expect("valid");
        assert_eq!(c.trusted_proxies.len(), 2);
        assert!(c.trusted_proxies[1].contains([10, 9, 8, 7].into()));
        assert_eq!(c.limits.max_connections, 64);
        let err = hub_with_env(&[("PHONGHOP_HUB_METRICS", "token")]).expect_err("no token");
        assert!(
            err.to_string().contains("[hub] metrics_token: missing"),
            "{err}"
        );
        let err = hub_with_env(&[("PHONGHOP_HUB_TRUSTED_PROXIES", "proxy.local")])
            .expect_err("not an address");
        assert!(
            err.to_string()
                .contains("\"proxy.local\" is not an address"),
            "{err}"
        );
        let err = hub_with_env(&[("PHONGHOP_HUB_HEADER_TIMEOUT_SECS", "0")]).expect_err("zero");
        assert!(err.to_string().contains("header_timeout_secs"), "{err}");
    }

    fn hub_with_media(media: &str) -> Result<HubConfig, ConfigError> {
        let text = format!("{HUB}[media]\n{media}\n");
        parse_hub_table(
            "hub.toml",
            parse_toml("hub.toml", &text).expect("valid toml"),
            &[],
        )
    }

    #[test]
    fn media_engine_is_builtin_unless_janus_is_configured_in_full() {
        let c = hub_with_env(&[]).expect("valid");
        assert_eq!(c.media.engine, MediaEngineConfig::Builtin);
        let c = hub_with_media("engine = \"builtin\"").expect("valid");
        assert_eq!(c.media.engine, MediaEngineConfig::Builtin);

        let c = hub_with_media(
            "engine = \"janus\"\njanus_url = \"ws://127.0.0.1:8188\"\n\
             janus_admin_secret = \"0123456789abcdef0123\"\n\
             janus_api_secret = \"fedcba9876543210fedc\"",
        )
        .expect("valid");
        let MediaEngineConfig::Janus(janus) = &c.media.engine else {
            panic!("janus expected: {:?}", c.media.engine)
        };
        assert_eq!(janus.url.as_str(), "ws://127.0.0.1:8188/");
        assert_eq!(janus.admin_secret.expose(), "0123456789abcdef0123");
        assert!(
            janus.simulcast,
            "rooms publish simulcast on Janus unless told not to"
        );
        let c = hub_with_media(
            "engine = \"janus\"\njanus_url = \"ws://127.0.0.1:8188\"\n\
             janus_admin_secret = \"0123456789abcdef0123\"\njanus_simulcast = false",
        )
        .expect("valid");
        let MediaEngineConfig::Janus(janus) = &c.media.engine else {
            panic!("janus expected: {:?}", c.media.engine)
        };
        assert!(!janus.simulcast);
        // Never printed, even in a debug dump of the whole config.
        let dump = format!("{c:?}");
        assert!(
            !dump.contains("0123456789abcdef0123") && !dump.contains("fedcba9876543210fedc"),
            "{dump}"
        );

        for (media, expected) in [
            (
                "engine = \"jaanus\"",
                "[media] engine: \"jaanus\" is not one of: builtin, janus",
            ),
            (
                "engine = \"janus\"\njanus_admin_secret = \"0123456789abcdef0123\"",
                "[media] janus_url: missing; engine = \"janus\" needs the Janus API's address",
            ),
            (
                "engine = \"janus\"\njanus_url = \"ws://127.0.0.1:8188\"",
                "[media] janus_admin_secret: missing; engine = \"janus\" needs the VideoRoom plugin's admin_key",
            ),
            (
                "engine = \"janus\"\njanus_url = \"tcp://127.0.0.1:8188\"\n\
                 janus_admin_secret = \"0123456789abcdef0123\"",
                "[media] janus_url: \"tcp://127.0.0.1:8188\" is not a Janus API address",
            ),
            (
                "engine = \"janus\"\njanus_url = \"ws://127.0.0.1:8188\"\n\
                 janus_admin_secret = \"short\"",
                "[media] janus_admin_secret: is too short",
            ),
            (
                "janus_url = \"ws://127.0.0.1:8188\"",
                "[media] janus_url: is set but engine is \"builtin\"",
            ),
        ] {
            let err = hub_with_media(media).expect_err(media);
            assert!(err.to_string().contains(expected), "{media}: {err}");
            assert!(!err.to_string().contains("0123456789abcdef0123"), "{err}");
        }
    }
}

#[cfg(test)]
mod turn_tests {
    use super::*;

    fn media(secret: Option<&str>) -> HubMediaConfig {
        HubMediaConfig {
            bind_ip: std::net::IpAddr::from([127, 0, 0, 1]),
            ice_servers: vec![
                "stun:hub.example.vn:3478".into(),
                "turn:hub.example.vn:3478".into(),
            ],
            turn_username: None,
            turn_credential: None,
            turn_secret: secret.map(Secret::new),
            turn_credential_ttl_secs: 3600,
            engine: MediaEngineConfig::Builtin,
        }
    }

    #[test]
    fn with_a_secret_each_participant_gets_its_own_credential_that_expires() {
        let m = media(Some("north"));
        let room = m.ice_servers_for("lao-chai", 1_700_000_000_500);
        assert_eq!(room.len(), 1);
        assert_eq!(room[0].urls, m.ice_servers);
        assert_eq!(room[0].username.as_deref(), Some("1700003600:lao-chai"));
        let expected = crate::turn::rest_credential("north", "lao-chai", 1_700_003_600);
        assert_eq!(
            room[0].credential.as_deref(),
            Some(expected.credential.as_str())
        );
        let other = m.ice_servers_for("sa-pa", 1_700_000_000_500);
        assert_ne!(other[0].credential, room[0].credential);
        // The forwarder gets the STUN server only, without credentials.
        let hub = m.forwarder_ice_servers();
        assert_eq!(hub.len(), 1);
        assert_eq!(hub[0].urls, vec!["stun:hub.example.vn:3478".to_owned()]);
        assert_eq!(
            (hub[0].username.as_ref(), hub[0].credential.as_ref()),
            (None, None)
        );
    }

    #[test]
    fn without_a_secret_everyone_gets_the_fixed_account() {
        let mut m = media(None);
        m.turn_username = Some("phonghop".into());
        m.turn_credential = Some(Secret::new("0123456789abcdef-fixed"));
        for servers in [m.ice_servers_for("lao-chai", 1), m.forwarder_ice_servers()] {
            assert_eq!(servers[0].username.as_deref(), Some("phonghop"));
            assert_eq!(
                servers[0].credential.as_deref(),
                Some("0123456789abcdef-fixed")
            );
        }
        assert!(media(None).ice_servers_for("x", 1)[0].username.is_none());
    }

    #[test]
    fn the_secret_is_not_shown_by_debug() {
        let shown = format!("{:?}", media(Some("a-secret-nobody-may-read")));
        assert!(!shown.contains("a-secret-nobody-may-read"), "{shown}");
    }
}
