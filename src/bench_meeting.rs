//! `phonghop bench meeting`: a hub and N rooms on this machine, each a separate process of
//! this same binary (so CPU and memory are per process, read from `/proc`), all on loopback
//! with test camera and microphone. One meeting with the first room as host and every room
//! invited; once the rooms are live the bench measures for a number of seconds and reports:
//!
//! - time to first frame: each room's `phonghop_room_call_join_to_first_frame_ms` for
//!   slot 0, the first value it reports (a later change of source in the slot resets it);
//! - glass to glass: test pictures carry their capture time; each room keeps the latency of
//!   its last 512 stamped pictures and reports their median and 95th percentile
//!   (`phonghop_room_call_glass_to_glass_ms`), read at the end of the window;
//! - received frame rate: `phonghop_room_call_fps` for slot 0, sampled every 500 ms;
//! - CPU (% of one core, from utime + stime) and RSS of the hub and every room.
//!
//! With `--vs-chromium` a headless Chromium joins the same meeting through a browser link
//! (`scripts/meet-browser.mjs --hold-secs`), and its browser process with all descendants
//! is measured over the same window. Benchmarks print numbers; nothing here is asserted.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::AsyncBufReadExt;

use crate::meeting::Layer;

/// Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on Linux).
const CLK_TCK: f64 = 100.0;
/// How often metrics, memory and the browser's process tree are sampled in the window.
const SAMPLE_EVERY: Duration = Duration::from_millis(500);
/// PIN 2468, the example hash from config/room-commune.toml.
const STAFF_PIN_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$mo2uY2ZUhYRP1lMzYksRrg$1tPuSatlaMA8hBlGY5AV+K25FcH7BYQKppXu9Jmowwk";

/// Why the bench could not run. (What goes wrong for one room along the way is a problem
/// in the report, not an error.)
#[derive(Debug, thiserror::Error)]
pub enum BenchMeetingError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("config/demo.toml has no single line {0:?}")]
    DemoConfig(String),
    #[error("a generated config is refused: {0}")]
    Config(String),
    #[error("adding {room} at the hub: {reason}")]
    AddRoom { room: String, reason: String },
    #[error("a staff token for the hub's API: {0}")]
    StaffToken(#[from] crate::hub::accounts::AccountError),
    #[error("{0}")]
    Http(String),
    #[error("{0}")]
    Answer(&'static str),
    #[error("the hub did not answer /healthz in 30 s: {0}")]
    HubDown(String),
    #[error("no room enrolled: {0:?}")]
    NoRoomEnrolled(Vec<String>),
    #[error("the browser: {0}")]
    Browser(String),
    #[error("interrupted")]
    Interrupted,
}

/// An I/O failure, saying what was being done.
pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BenchMeetingError {
    let what = what.into();
    move |source| BenchMeetingError::Io { what, source }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct MeetingOptions {
    /// This binary: hub and rooms are started as `<exe> hub ...` and `<exe> room ...`.
    pub exe: PathBuf,
    pub rooms: usize,
    pub seconds: u64,
    /// The rooms' `[media] max_layer`.
    pub max_layer: Layer,
    pub vs_chromium: bool,
    /// The repository (for `scripts/meet-browser.mjs` and the default npm folder).
    pub repo_dir: PathBuf,
    /// Folder with `node_modules/playwright-core` (`PHONGHOP_NPM_DIR`).
    pub npm_dir: Option<PathBuf>,
}

/// The numbers. Percentiles are over what was measured: rooms that never went live are
/// counted in `rooms_live` and left out of the latencies (their frame rate counts as 0).
#[derive(Debug, Default, serde::Serialize)]
pub struct MeetingReport {
    pub rooms: usize,
    /// Rooms whose session with the hub was up before the meeting started.
    pub rooms_connected: usize,
    /// Rooms that decoded a first frame on slot 0.
    pub rooms_live: usize,
    /// Rooms that decoded a first frame by the end of the window (late ones included in
    /// the time to first frame).
    pub rooms_live_at_end: usize,
    pub seconds: u64,
    /// The measured window, wall clock.
    pub window_secs: f64,
    pub max_layer: Layer,
    pub cores: usize,
    /// Meeting started → every room live (or the deadline), ms.
    pub all_live_after_ms: u64,
    /// Join → first decoded frame on slot 0, per room.
    pub ttff_ms_p50: Option<f64>,
    pub ttff_ms_p95: Option<f64>,
    /// Glass to glass: the median of the rooms' medians, and the 95th percentile of the
    /// rooms' 95th percentiles (over each room's last 512 stamped pictures on slot 0).
    /// Only rooms that decoded frames in the window count (else their samples are old).
    pub g2g_ms_p50: Option<f64>,
    pub g2g_ms_p95: Option<f64>,
    /// Minimum over rooms of each room's median slot-0 frame rate in the window.
    pub fps_received_min: Option<f64>,
    /// The same over the rooms that went live.
    pub fps_received_min_live: Option<f64>,
    /// Mean over rooms, % of one core.
    pub room_cpu_pct: Option<f64>,
    pub room_cpu_pct_max: Option<f64>,
    /// Mean over rooms of the mean VmRSS in the window.
    pub room_rss_mb: Option<f64>,
    pub room_rss_mb_max: Option<f64>,
    /// Mean over rooms of PSS (shared pages split between processes) at the end.
    pub room_pss_mb: Option<f64>,
    pub hub_cpu_pct: Option<f64>,
    pub hub_rss_mb: Option<f64>,
    /// The browser process and all its descendants (summed), same window.
    pub chromium_cpu_pct: Option<f64>,
    pub chromium_rss_mb: Option<f64>,
    pub chromium_pss_mb: Option<f64>,
    /// Most processes seen at once in the browser's tree.
    pub chromium_processes: Option<usize>,
    /// The browser script's final line (`ok`, the page's WebRTC stats), when it printed one.
    pub chromium_result: Option<serde_json::Value>,
    /// The layer each room was sending, counted over all 500 ms samples of the window.
    pub layers_sent: BTreeMap<Layer, usize>,
    /// Media connections replaced after a failure, summed over rooms (at the end).
    pub room_reconnects: f64,
    /// The whole machine's busy CPU in the window (% of one core, all processes, from
    /// `/proc/stat`), and what of it was neither the hub, the rooms nor the browser: other
    /// work on a shared box makes every other number worse.
    pub machine_cpu_pct: Option<f64>,
    pub other_processes_cpu_pct: Option<f64>,
    /// `/proc/loadavg` (1 minute) at the start and at the end of the window.
    pub loadavg_1m: (Option<f64>, Option<f64>),
    pub per_room: Vec<RoomNumbers>,
    /// The goals from the issue, next to the numbers (not asserted); `null` when not
    /// measured.
    pub goals: BTreeMap<String, Goal>,
    /// What went wrong along the way (rooms that did not start, enroll or go live...).
    pub problems: Vec<String>,
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct RoomNumbers {
    pub room: String,
    pub ttff_ms: Option<f64>,
    pub g2g_ms_p50: Option<f64>,
    pub g2g_ms_p95: Option<f64>,
    pub fps_median: Option<f64>,
    /// Frames decoded on slot 0 over the window divided by its length (a cross-check of
    /// the sampled gauge).
    pub fps_mean: Option<f64>,
    pub cpu_pct: Option<f64>,
    pub rss_mb: Option<f64>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Goal {
    pub goal: String,
    pub met: Option<bool>,
}

/// Nearest-rank percentile of sorted values (`q` in 0..=1); `None` when empty.
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let at = ((sorted.len() as f64 - 1.0) * q.clamp(0.0, 1.0)).round() as usize;
    sorted.get(at.min(sorted.len() - 1)).copied()
}

pub(crate) fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    values
}

pub(crate) fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// One `/proc/<pid>/stat` line: (parent pid, utime + stime in clock ticks).
pub fn parse_proc_stat(line: &str) -> Option<(u32, u64)> {
    // The command name is in parentheses and may hold spaces and parentheses itself.
    let rest = line.get(line.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
    // After the name: state(0) ppid(1) ... utime(11) stime(12).
    let ppid = fields.get(1)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((ppid, utime + stime))
}

/// A `kB` line such as `VmRSS:   12345 kB` from `/proc/<pid>/status` or `smaps_rollup`.
pub fn parse_kb_field(text: &str, field: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_ascii_whitespace().next()?.parse().ok())
}

/// CPU in % of one core from a tick delta over `secs`.
pub fn cpu_pct(ticks: u64, secs: f64) -> f64 {
    if secs <= 0.0 {
        return 0.0;
    }
    ticks as f64 / CLK_TCK / secs * 100.0
}

/// The `cpu` line of `/proc/stat`: (busy, total) clock ticks of all cores.
pub fn parse_machine_stat(text: &str) -> Option<(u64, u64)> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_ascii_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3)? + v.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

pub(crate) fn machine_stat() -> Option<(u64, u64)> {
    parse_machine_stat(&std::fs::read_to_string("/proc/stat").ok()?)
}

pub(crate) fn loadavg() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_ascii_whitespace()
        .next()?
        .parse()
        .ok()
}

pub(crate) fn proc_stat(pid: u32) -> Option<(u32, u64)> {
    parse_proc_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

pub(crate) fn rss_kb(pid: u32) -> Option<u64> {
    parse_kb_field(
        &std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?,
        "VmRSS",
    )
}

fn pss_kb(pid: u32) -> Option<u64> {
    parse_kb_field(
        &std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?,
        "Pss",
    )
}

/// `root` and all its descendants alive now, with their CPU ticks.
fn process_tree(root: u32) -> HashMap<u32, u64> {
    let mut parents: HashMap<u32, (u32, u64)> = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
                continue;
            };
            if let Some(stat) = proc_stat(pid) {
                parents.insert(pid, stat);
            }
        }
    }
    let mut tree = HashMap::new();
    let Some(&(_, ticks)) = parents.get(&root) else {
        return tree;
    };
    tree.insert(root, ticks);
    loop {
        let before = tree.len();
        for (pid, (ppid, ticks)) in &parents {
            if tree.contains_key(ppid) && !tree.contains_key(pid) {
                tree.insert(*pid, *ticks);
            }
        }
        if tree.len() == before {
            return tree;
        }
    }
}

/// One `/metrics` page as series (`name{labels}`) → value.
pub fn parse_metrics(text: &str) -> HashMap<String, f64> {
    crate::health::parse_metrics(text).into_iter().collect()
}

/// Every process the bench started; dropping it (end, error, panic, Ctrl-C) stops them.
#[derive(Default)]
pub(crate) struct Children {
    pub(crate) procs: Vec<(String, Child)>,
    browser: Option<tokio::process::Child>,
    chromium_pid: Option<u32>,
}

fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .args([sig, &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

impl Drop for Children {
    fn drop(&mut self) {
        // TERM first: rooms leave the meeting, the browser script closes Chromium.
        for (_, child) in &self.procs {
            signal(child.id(), "-TERM");
        }
        if let Some(pid) = self.browser.as_ref().and_then(|b| b.id()) {
            signal(pid, "-TERM");
        }
        let deadline = Instant::now() + Duration::from_secs(8);
        loop {
            let rooms_done = self
                .procs
                .iter_mut()
                .all(|(_, c)| !matches!(c.try_wait(), Ok(None)));
            let browser_done = self
                .browser
                .as_mut()
                .is_none_or(|b| !matches!(b.try_wait(), Ok(None)));
            if (rooms_done && browser_done) || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        for (_, child) in &mut self.procs {
            if matches!(child.try_wait(), Ok(None)) {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
        if let Some(browser) = self.browser.as_mut() {
            let _ = browser.start_kill();
        }
        // A browser the script could not close: kill its whole tree.
        if let Some(pid) = self.chromium_pid {
            for pid in process_tree(pid).keys() {
                signal(*pid, "-KILL");
            }
        }
    }
}

pub(crate) fn free_port() -> Result<u16, BenchMeetingError> {
    Ok(reserve_port()?.1)
}

/// A free port, held (so the next call cannot return it too) until the listener is dropped.
fn reserve_port() -> Result<(std::net::TcpListener, u16), BenchMeetingError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(io("reserving a port"))?;
    let port = listener
        .local_addr()
        .map_err(io("reserving a port"))?
        .port();
    Ok((listener, port))
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn replace_once(text: &str, from: &str, to: &str) -> Result<String, BenchMeetingError> {
    if text.matches(from).count() != 1 {
        return Err(BenchMeetingError::DemoConfig(from.to_owned()));
    }
    Ok(text.replacen(from, to, 1))
}

pub(crate) fn log_file(dir: &Path, name: &str) -> Result<Stdio, BenchMeetingError> {
    let file = std::fs::File::create(dir.join(format!("{name}.log")))
        .map_err(io(format!("creating {name}.log")))?;
    Ok(Stdio::from(file))
}

/// The last lines of a child's log, for problems.
pub(crate) fn log_tail(dir: &Path, name: &str) -> String {
    let text = std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    strip_ansi(&lines[lines.len().saturating_sub(3)..].join(" | "))
}

/// Removes terminal colour sequences (`ESC [ ... m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub(crate) fn http_client() -> Result<reqwest::Client, BenchMeetingError> {
    let tls = crate::hub::tls::client_config(None)
        .map_err(|e| BenchMeetingError::Http(format!("TLS for the HTTP client: {e}")))?;
    reqwest::Client::builder()
        .tls_backend_preconfigured((*tls).clone())
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| BenchMeetingError::Http(format!("the HTTP client: {e}")))
}

async fn fetch_metrics(http: &reqwest::Client, url: &str) -> Option<HashMap<String, f64>> {
    let text = http.get(url).send().await.ok()?.text().await.ok()?;
    Some(parse_metrics(&text))
}

/// Every room's metrics at once (`None` for a room that did not answer).
async fn all_metrics(http: &reqwest::Client, urls: &[String]) -> Vec<Option<HashMap<String, f64>>> {
    futures_util::future::join_all(urls.iter().map(|u| fetch_metrics(http, u))).await
}

pub(crate) async fn post_json(
    http: &reqwest::Client,
    staff_token: &str,
    url: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, BenchMeetingError> {
    let http_error =
        |e: &dyn std::fmt::Display| BenchMeetingError::Http(format!("POST {url}: {e}"));
    let response = http
        .post(url)
        .bearer_auth(staff_token)
        .json(&body)
        .send()
        .await
        .map_err(|e| http_error(&e))?;
    let status = response.status();
    let text = response.text().await.map_err(|e| http_error(&e))?;
    if !status.is_success() {
        return Err(http_error(&format!("answered {status}: {text}")));
    }
    serde_json::from_str(&text).map_err(|e| http_error(&e))
}

/// (seconds since the window started, a counter's value)
type Point = (f64, f64);

const SLOT0: &str = "{stream=\"slot-0\"}";

pub(crate) fn progress(message: &str) {
    eprintln!("bench meeting: {message}");
}

/// The hub a bench started: its config (for `hub::admin` and staff tokens), its base URL
/// (ending in `/`) and its process id.
pub(crate) struct BenchHub {
    pub(crate) config: crate::config::HubConfig,
    pub(crate) url: String,
    pub(crate) pid: u32,
}

/// Starts `<exe> hub` from the demo config on a free loopback port with its data in
/// `dir/hub`, `media` (TOML lines) added to its `[media]` section, its log in `logs/hub.log`;
/// returns once `/healthz` answers. The process belongs to `children`.
pub(crate) async fn start_hub(
    exe: &Path,
    dir: &Path,
    logs: &Path,
    children: &mut Children,
    media: &str,
) -> Result<BenchHub, BenchMeetingError> {
    let http = http_client()?;
    let hub_port = free_port()?;
    let hub_url = format!("http://127.0.0.1:{hub_port}/");
    let hub_dir = dir.join("hub");
    let text = replace_once(
        crate::demo::DEMO_HUB_TOML,
        "listen = \"127.0.0.1:0\"",
        &format!("listen = \"127.0.0.1:{hub_port}\""),
    )?;
    let text = replace_once(
        &text,
        "public_url = \"http://127.0.0.1:8080\"",
        &format!("public_url = {}", toml_str(&hub_url)),
    )?;
    let text = replace_once(
        &text,
        "data_dir = \"/tmp/phonghop-demo\"",
        &format!("data_dir = {}", toml_str(&hub_dir.to_string_lossy())),
    )?;
    let text = if media.is_empty() {
        text
    } else {
        replace_once(
            &text,
            "\n[media]\n",
            &format!("\n[media]\n{}\n", media.trim_end()),
        )?
    };
    let config = crate::config::parse_hub_str("bench-hub.toml", &text)
        .map_err(|e| BenchMeetingError::Config(e.to_string()))?;
    let hub_file = dir.join("hub.toml");
    std::fs::write(&hub_file, &text).map_err(io("writing hub.toml"))?;
    let mut cmd = Command::new(exe);
    cmd.arg("hub")
        .arg("--config")
        .arg(&hub_file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file(logs, "hub")?);
    quiet(&mut cmd);
    let hub = cmd.spawn().map_err(io("starting the hub"))?;
    let pid = hub.id();
    children.procs.push(("hub".to_owned(), hub));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let up = http
            .get(format!("{hub_url}healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if up {
            break;
        }
        if Instant::now() > deadline {
            return Err(BenchMeetingError::HubDown(log_tail(logs, "hub")));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    progress(&format!("hub up on {hub_url}"));
    Ok(BenchHub {
        config,
        url: hub_url,
        pid,
    })
}

/// Children log warnings only, without colours or the journal.
pub(crate) fn quiet(cmd: &mut Command) {
    cmd.env("PHONGHOP_LOG", "warn")
        .env("NO_COLOR", "1")
        .env_remove("JOURNAL_STREAM");
}

/// Runs the bench; Ctrl-C stops it (and every process it started).
pub async fn meeting(options: MeetingOptions) -> Result<MeetingReport, BenchMeetingError> {
    tokio::select! {
        report = run(options) => report,
        _ = tokio::signal::ctrl_c() => Err(BenchMeetingError::Interrupted),
    }
}

async fn run(options: MeetingOptions) -> Result<MeetingReport, BenchMeetingError> {
    let dir = tempfile::Builder::new()
        .prefix("phonghop-bench-meeting-")
        .tempdir()
        .map_err(io("creating a temporary directory"))?;
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).map_err(io("creating the log directory"))?;
    // Declared after `dir`, so dropped (children stopped) before the directory goes.
    let mut children = Children::default();
    let mut report = MeetingReport {
        rooms: options.rooms,
        seconds: options.seconds,
        max_layer: options.max_layer,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        ..Default::default()
    };
    let http = http_client()?;

    // --- the hub
    let hub = start_hub(&options.exe, dir.path(), &logs, &mut children, "").await?;
    let (hub_config, hub_url, hub_pid) = (hub.config, hub.url, hub.pid);

    // --- rooms: registered at the hub (its database), configured, enrolled
    struct Planned {
        name: String,
        id: String,
        config: PathBuf,
        health: String,
    }
    let mut planned = Vec::new();
    let mut reserved = Vec::new();
    let mut enrolling = Vec::new();
    for n in 0..options.rooms {
        let unit = &hub_config.units[n % hub_config.units.len()].id;
        let name = format!("room-{n:02}");
        let (record, code) =
            crate::hub::admin::add_room(&hub_config, "bench-hub.toml", unit, &name).map_err(
                |e| BenchMeetingError::AddRoom {
                    room: name.clone(),
                    reason: e.to_string(),
                },
            )?;
        let (held, health_port) = reserve_port()?;
        reserved.push(held);
        let room_toml = format!(
            "[room]\nunit = {unit}\ndata_dir = {data}\nhealth_listen = \"127.0.0.1:{health_port}\"\n\n\
             [hub]\nurl = {hub}\n\n\
             [media]\ncamera = \"test\"\nmicrophone = \"test\"\nspeaker = \"test\"\n\
             ice_bind = \"127.0.0.1\"\nmax_layer = {layer}\n\n\
             [kiosk]\nlanguage = \"vi\"\nidle_reset_secs = 90\nzoom_percent = 100\n\n\
             [staff]\npin_hash = {pin}\n",
            unit = toml_str(unit),
            data = toml_str(&dir.path().join(&name).to_string_lossy()),
            hub = toml_str(&hub_url),
            layer = toml_str(options.max_layer.label()),
            pin = toml_str(STAFF_PIN_HASH),
        );
        crate::config::parse_room_str(&format!("{name}.toml"), &room_toml)
            .map_err(|e| BenchMeetingError::Config(e.to_string()))?;
        let config = dir.path().join(format!("{name}.toml"));
        std::fs::write(&config, room_toml).map_err(io(format!("writing {name}.toml")))?;
        let mut cmd = Command::new(&options.exe);
        cmd.arg("room")
            .arg("enroll")
            .arg("--config")
            .arg(&config)
            .arg("--code")
            .arg(&code)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file(&logs, &format!("{name}-enroll"))?);
        quiet(&mut cmd);
        enrolling.push(cmd.spawn().map_err(io(format!("enrolling {name}")))?);
        planned.push(Planned {
            name,
            id: record.id,
            config,
            health: format!("http://127.0.0.1:{health_port}/metrics"),
        });
    }
    let mut enrolled = Vec::new();
    for (mut child, room) in enrolling.into_iter().zip(planned) {
        let ok = tokio::task::spawn_blocking(move || child.wait())
            .await
            .map_err(|e| io("waiting for an enrollment")(std::io::Error::other(e)))?
            .is_ok_and(|s| s.success());
        if ok {
            enrolled.push(room);
        } else {
            report.problems.push(format!(
                "{} did not enroll: {}",
                room.name,
                log_tail(&logs, &format!("{}-enroll", room.name))
            ));
        }
    }
    if enrolled.is_empty() {
        return Err(BenchMeetingError::NoRoomEnrolled(report.problems));
    }
    // The rooms' health ports are free again just before the rooms bind them.
    drop(reserved);
    let mut room_pids = Vec::new();
    for room in &enrolled {
        let mut cmd = Command::new(&options.exe);
        cmd.arg("room")
            .arg("--headless")
            .arg("--config")
            .arg(&room.config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file(&logs, &room.name)?);
        quiet(&mut cmd);
        let child = cmd.spawn().map_err(io(format!("starting {}", room.name)))?;
        room_pids.push(child.id());
        children.procs.push((room.name.clone(), child));
    }
    progress(&format!("{} rooms started", enrolled.len()));
    let urls: Vec<String> = enrolled.iter().map(|r| r.health.clone()).collect();

    // --- wait for the rooms' sessions with the hub, then start the meeting
    let deadline = Instant::now() + Duration::from_secs(30 + options.rooms as u64);
    loop {
        let pages = all_metrics(&http, &urls).await;
        report.rooms_connected = pages
            .iter()
            .filter(|p| {
                p.as_ref()
                    .and_then(|m| m.get("phonghop_room_hub_connected"))
                    .is_some_and(|v| *v >= 1.0)
            })
            .count();
        if report.rooms_connected == enrolled.len() || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    if report.rooms_connected < enrolled.len() {
        report.problems.push(format!(
            "only {} of {} rooms connected to the hub before the meeting started",
            report.rooms_connected,
            enrolled.len()
        ));
    }
    let host = enrolled[0].id.clone();
    let invited: Vec<String> = enrolled.iter().skip(1).map(|r| r.id.clone()).collect();
    let staff_token = crate::hub::accounts::service_token(&hub_config, "bench", "bench meeting")?;
    let meeting = post_json(
        &http,
        &staff_token,
        &format!("{hub_url}api/v1/meetings"),
        serde_json::json!({ "host": host, "rooms": invited }),
    )
    .await?;
    let meeting_id = meeting["id"]
        .as_str()
        .ok_or(BenchMeetingError::Answer("the meeting API gave no id"))?
        .to_owned();
    let started = Instant::now();
    progress(&format!(
        "meeting {meeting_id} started; waiting for first frames"
    ));

    // --- wait until every room decoded a first frame on slot 0
    let ttff_key = format!("phonghop_room_call_join_to_first_frame_ms{SLOT0}");
    let mut ttff: Vec<Option<f64>> = vec![None; enrolled.len()];
    let deadline = started + Duration::from_secs(30 + options.rooms as u64);
    loop {
        let pages = all_metrics(&http, &urls).await;
        for (slot, page) in ttff.iter_mut().zip(&pages) {
            if slot.is_none() {
                *slot = page.as_ref().and_then(|m| m.get(&ttff_key)).copied();
            }
        }
        if ttff.iter().all(Option::is_some) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    report.all_live_after_ms = started.elapsed().as_millis() as u64;
    report.rooms_live = ttff.iter().filter(|t| t.is_some()).count();
    for (room, t) in enrolled.iter().zip(&ttff) {
        if t.is_none() {
            report.problems.push(format!(
                "{} decoded no frame on slot 0 within {} ms: {}",
                room.name,
                report.all_live_after_ms,
                log_tail(&logs, &room.name)
            ));
        }
    }
    progress(&format!(
        "{} of {} rooms live after {} ms",
        report.rooms_live,
        enrolled.len(),
        report.all_live_after_ms
    ));

    // --- the browser, when compared
    let settle = Duration::from_secs(if options.vs_chromium { 6 } else { 2 });
    let mut browser_lines = None;
    if options.vs_chromium {
        let link = post_json(
            &http,
            &staff_token,
            &format!("{hub_url}api/v1/meetings/{meeting_id}/links"),
            serde_json::json!({ "name": "Chromium (bench)" }),
        )
        .await?;
        let link = link["url"]
            .as_str()
            .ok_or(BenchMeetingError::Answer("the link API gave no url"))?
            .to_owned();
        let npm_dir = options
            .npm_dir
            .clone()
            .unwrap_or_else(|| options.repo_dir.join(".scratch/npm"));
        let hold = settle.as_secs() + options.seconds + 4;
        let mut browser = tokio::process::Command::new("node")
            .arg(options.repo_dir.join("scripts/meet-browser.mjs"))
            .arg(&link)
            .arg("--hold-secs")
            .arg(hold.to_string())
            .env("PHONGHOP_NPM_DIR", &npm_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file(&logs, "chromium")?)
            .spawn()
            .map_err(io("starting node scripts/meet-browser.mjs"))?;
        let stdout = browser.stdout.take().ok_or(BenchMeetingError::Browser(
            "no stdout from the browser".to_owned(),
        ))?;
        children.browser = Some(browser);
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .map_err(|_| {
                BenchMeetingError::Browser("the browser printed no pid in 60 s".to_owned())
            })?
            .map_err(io("reading the browser's output"))?
            .ok_or_else(|| {
                BenchMeetingError::Browser(format!(
                    "the browser script ended without a pid: {}",
                    log_tail(&logs, "chromium")
                ))
            })?;
        let pid = serde_json::from_str::<serde_json::Value>(&first)
            .ok()
            .and_then(|v| v["pid"].as_u64())
            .ok_or_else(|| {
                BenchMeetingError::Browser(format!(
                    "the browser script printed {first:?}, not a pid"
                ))
            })?;
        children.chromium_pid = Some(pid as u32);
        browser_lines = Some(lines);
        progress(&format!("chromium (pid {pid}) joining"));
    }
    tokio::time::sleep(settle).await;

    // --- the window
    progress(&format!("measuring {} s", options.seconds));
    let fps_key = format!("phonghop_room_call_fps{SLOT0}");
    let frames_key = format!("phonghop_room_call_frames_decoded{SLOT0}");
    let t0 = Instant::now();
    let machine0 = machine_stat();
    let load0 = loadavg();
    let hub_ticks0 = proc_stat(hub_pid).map(|s| s.1);
    let room_ticks0: Vec<Option<u64>> = room_pids
        .iter()
        .map(|p| proc_stat(*p).map(|s| s.1))
        .collect();
    let mut browser_first: HashMap<u32, u64> =
        children.chromium_pid.map(process_tree).unwrap_or_default();
    let mut browser_last = browser_first.clone();
    let mut browser_rss = Vec::new();
    let mut browser_procs = browser_first.len();
    let mut hub_rss = Vec::new();
    let mut room_rss: Vec<Vec<f64>> = vec![Vec::new(); enrolled.len()];
    let mut fps: Vec<Vec<f64>> = vec![Vec::new(); enrolled.len()];
    // (first, last) of (seconds since t0, frames decoded on slot 0)
    let mut frames: Vec<Option<(Point, Point)>> = vec![None; enrolled.len()];
    let window = Duration::from_secs(options.seconds);
    let mut next = t0;
    while t0.elapsed() < window {
        next += SAMPLE_EVERY;
        let pages = all_metrics(&http, &urls).await;
        let at = t0.elapsed().as_secs_f64();
        for (n, page) in pages.iter().enumerate() {
            if ttff[n].is_none() {
                ttff[n] = page.as_ref().and_then(|m| m.get(&ttff_key)).copied();
            }
            if let Some(f) = page.as_ref().and_then(|m| m.get(&frames_key)) {
                let first = frames[n].map_or((at, *f), |(first, _)| first);
                frames[n] = Some((first, (at, *f)));
            }
            fps[n].push(
                page.as_ref()
                    .and_then(|m| m.get(&fps_key))
                    .copied()
                    .unwrap_or(0.0),
            );
            // The metric is the picture's height (0: audio only).
            if let Some(layer) = page
                .as_ref()
                .and_then(|m| m.get("phonghop_room_call_layer"))
                .and_then(|height| {
                    Layer::ALL
                        .into_iter()
                        .find(|l| f64::from(l.height()) == *height)
                })
            {
                *report.layers_sent.entry(layer).or_default() += 1;
            }
        }
        if let Some(kb) = rss_kb(hub_pid) {
            hub_rss.push(kb as f64 / 1024.0);
        }
        for (pid, samples) in room_pids.iter().zip(&mut room_rss) {
            if let Some(kb) = rss_kb(*pid) {
                samples.push(kb as f64 / 1024.0);
            }
        }
        if let Some(root) = children.chromium_pid {
            let tree = process_tree(root);
            browser_procs = browser_procs.max(tree.len());
            let rss: u64 = tree.keys().filter_map(|p| rss_kb(*p)).sum();
            browser_rss.push(rss as f64 / 1024.0);
            for (pid, ticks) in tree {
                // A process born in the window counts from zero.
                browser_first.entry(pid).or_insert(0);
                browser_last.insert(pid, ticks);
            }
        }
        let now = Instant::now();
        if next > now {
            tokio::time::sleep(next - now).await;
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    report.rooms_live_at_end = ttff.iter().filter(|t| t.is_some()).count();
    for (name, child) in &mut children.procs {
        if let Ok(Some(status)) = child.try_wait() {
            report.problems.push(format!(
                "{name} exited during the bench ({status}): {}",
                log_tail(&logs, name)
            ));
        }
    }
    report.window_secs = secs;
    let machine1 = machine_stat();
    report.loadavg_1m = (load0, loadavg());
    let hub_ticks1 = proc_stat(hub_pid).map(|s| s.1);
    let room_ticks1: Vec<Option<u64>> = room_pids
        .iter()
        .map(|p| proc_stat(*p).map(|s| s.1))
        .collect();
    if let Some(root) = children.chromium_pid {
        for (pid, ticks) in process_tree(root) {
            browser_first.entry(pid).or_insert(0);
            browser_last.insert(pid, ticks);
        }
        let ticks: u64 = browser_last
            .iter()
            .map(|(pid, last)| last.saturating_sub(browser_first.get(pid).copied().unwrap_or(0)))
            .sum();
        report.chromium_cpu_pct = Some(cpu_pct(ticks, secs));
        report.chromium_rss_mb = mean(&browser_rss);
        let pss: u64 = process_tree(root).keys().filter_map(|p| pss_kb(*p)).sum();
        report.chromium_pss_mb = Some(pss as f64 / 1024.0);
        report.chromium_processes = Some(browser_procs);
    }
    let room_pss: Vec<f64> = room_pids
        .iter()
        .filter_map(|p| pss_kb(*p))
        .map(|kb| kb as f64 / 1024.0)
        .collect();
    report.room_pss_mb = mean(&room_pss);
    let pages = all_metrics(&http, &urls).await;

    // --- the numbers
    if let (Some(a), Some(b)) = (hub_ticks0, hub_ticks1) {
        report.hub_cpu_pct = Some(cpu_pct(b.saturating_sub(a), secs));
    }
    report.hub_rss_mb = mean(&hub_rss);
    let g2g_key = |q: &str| {
        format!("phonghop_room_call_glass_to_glass_ms{{stream=\"slot-0\",quantile=\"{q}\"}}")
    };
    let (p50_key, p95_key) = (g2g_key("0.5"), g2g_key("0.95"));
    for (n, room) in enrolled.iter().enumerate() {
        let page = pages[n].as_ref();
        let cpu = match (room_ticks0[n], room_ticks1[n]) {
            (Some(a), Some(b)) => Some(cpu_pct(b.saturating_sub(a), secs)),
            _ => None,
        };
        report.per_room.push(RoomNumbers {
            room: room.name.clone(),
            ttff_ms: ttff[n],
            g2g_ms_p50: page.and_then(|m| m.get(&p50_key)).copied(),
            g2g_ms_p95: page.and_then(|m| m.get(&p95_key)).copied(),
            fps_median: percentile(&sorted(fps[n].clone()), 0.5),
            fps_mean: frames[n]
                .filter(|((t0, _), (t1, _))| t1 > t0)
                .map(|((t0, f0), (t1, f1))| (f1 - f0).max(0.0) / (t1 - t0)),
            cpu_pct: cpu,
            rss_mb: mean(&room_rss[n]),
        });
        report.room_reconnects += page
            .and_then(|m| {
                m.iter()
                    .find(|(k, _)| k.starts_with("phonghop_room_call_reconnects"))
                    .map(|(_, v)| *v)
            })
            .unwrap_or(0.0);
    }
    for room in &mut report.per_room {
        if room.fps_mean.is_none_or(|f| f <= 0.0) {
            room.g2g_ms_p50 = None;
            room.g2g_ms_p95 = None;
        }
    }
    let column =
        |f: fn(&RoomNumbers) -> Option<f64>| sorted(report.per_room.iter().filter_map(f).collect());
    let ttffs = column(|r| r.ttff_ms);
    report.ttff_ms_p50 = percentile(&ttffs, 0.5);
    report.ttff_ms_p95 = percentile(&ttffs, 0.95);
    report.g2g_ms_p50 = percentile(&column(|r| r.g2g_ms_p50), 0.5);
    report.g2g_ms_p95 = percentile(&column(|r| r.g2g_ms_p95), 0.95);
    let fps_all = column(|r| Some(r.fps_median.unwrap_or(0.0)));
    report.fps_received_min = fps_all.first().copied();
    report.fps_received_min_live = sorted(
        report
            .per_room
            .iter()
            .filter(|r| r.ttff_ms.is_some())
            .filter_map(|r| r.fps_median)
            .collect(),
    )
    .first()
    .copied();
    let cpus = column(|r| r.cpu_pct);
    report.room_cpu_pct = mean(&cpus);
    report.room_cpu_pct_max = cpus.last().copied();
    let rss = column(|r| r.rss_mb);
    report.room_rss_mb = mean(&rss);
    report.room_rss_mb_max = rss.last().copied();
    if let (Some((busy0, total0)), Some((busy1, total1))) = (machine0, machine1)
        && total1 > total0
    {
        let machine =
            (busy1 - busy0) as f64 / (total1 - total0) as f64 * 100.0 * report.cores as f64;
        report.machine_cpu_pct = Some(machine);
        let ours = report.hub_cpu_pct.unwrap_or(0.0)
            + cpus.iter().sum::<f64>()
            + report.chromium_cpu_pct.unwrap_or(0.0);
        report.other_processes_cpu_pct = Some((machine - ours).max(0.0));
    }
    report.goals = goals(&report);

    // --- the browser's own account of the meeting (its last line), then stop everything
    if let Some(mut lines) = browser_lines {
        let last = tokio::time::timeout(Duration::from_secs(20), async {
            let mut last = None;
            while let Ok(Some(line)) = lines.next_line().await {
                last = Some(line);
            }
            last
        })
        .await
        .ok()
        .flatten();
        report.chromium_result = last.and_then(|l| serde_json::from_str(&l).ok());
        if report.chromium_result.is_none() {
            report.problems.push(format!(
                "the browser script printed no result: {}",
                log_tail(&logs, "chromium")
            ));
        }
    }
    drop(children);
    Ok(report)
}

fn goals(r: &MeetingReport) -> BTreeMap<String, Goal> {
    let goal = |text: &str, met: Option<bool>| Goal {
        goal: text.to_owned(),
        met,
    };
    let half = |ours: Option<f64>, theirs: Option<f64>| Some(ours? <= theirs? / 2.0);
    BTreeMap::from([
        (
            "ttff_ms_p95".to_owned(),
            goal("<= 800", r.ttff_ms_p95.map(|v| v <= 800.0)),
        ),
        (
            "g2g_ms_p50".to_owned(),
            goal("<= 120", r.g2g_ms_p50.map(|v| v <= 120.0)),
        ),
        (
            "fps_received_min".to_owned(),
            goal(
                ">= 25 at 2 rooms",
                r.fps_received_min
                    .filter(|_| r.rooms == 2)
                    .map(|v| v >= 25.0),
            ),
        ),
        (
            "room_cpu_pct".to_owned(),
            goal(
                "<= half of chromium_cpu_pct",
                half(r.room_cpu_pct, r.chromium_cpu_pct),
            ),
        ),
        (
            "room_rss_mb".to_owned(),
            goal(
                "<= half of chromium_rss_mb",
                half(r.room_rss_mb, r.chromium_rss_mb),
            ),
        ),
    ])
}

/// The report as a readable table.
pub fn table(r: &MeetingReport) -> String {
    let num = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1}"));
    let goal = |key: &str| {
        r.goals.get(key).map_or(String::new(), |g| {
            let met = match g.met {
                Some(true) => "met",
                Some(false) => "NOT met",
                None => "not measured",
            };
            format!("goal {} ({met})", g.goal)
        })
    };
    let mut out = String::new();
    let mut line = |what: &str, value: String, note: String| {
        out.push_str(&format!("{what:<26} {value:>12}  {note}\n"));
    };
    line(
        "rooms (connected/live)",
        format!(
            "{}/{}/{}+{}",
            r.rooms,
            r.rooms_connected,
            r.rooms_live,
            r.rooms_live_at_end - r.rooms_live
        ),
        format!("max layer {}, {} cores", r.max_layer, r.cores),
    );
    line(
        "window s",
        format!("{:.1}", r.window_secs),
        format!("all live after {} ms", r.all_live_after_ms),
    );
    line("ttff ms p50", num(r.ttff_ms_p50), String::new());
    line("ttff ms p95", num(r.ttff_ms_p95), goal("ttff_ms_p95"));
    line(
        "glass-to-glass ms p50",
        num(r.g2g_ms_p50),
        goal("g2g_ms_p50"),
    );
    line("glass-to-glass ms p95", num(r.g2g_ms_p95), String::new());
    line(
        "fps received min",
        num(r.fps_received_min),
        goal("fps_received_min"),
    );
    line(
        "room CPU % (mean)",
        num(r.room_cpu_pct),
        goal("room_cpu_pct"),
    );
    line(
        "room RSS MB (mean)",
        num(r.room_rss_mb),
        goal("room_rss_mb"),
    );
    line("hub CPU %", num(r.hub_cpu_pct), String::new());
    line(
        "machine CPU %",
        num(r.machine_cpu_pct),
        format!(
            "of which other processes {} %; load {} → {}",
            num(r.other_processes_cpu_pct),
            num(r.loadavg_1m.0),
            num(r.loadavg_1m.1)
        ),
    );
    line("hub RSS MB", num(r.hub_rss_mb), String::new());
    if r.chromium_cpu_pct.is_some() {
        line("chromium CPU %", num(r.chromium_cpu_pct), String::new());
        line(
            "chromium RSS MB",
            num(r.chromium_rss_mb),
            format!("{} processes", r.chromium_processes.unwrap_or(0)),
        );
    }
    line(
        "layers sent (samples)",
        String::new(),
        format!("{:?}", r.layers_sent),
    );
    for room in &r.per_room {
        line(
            &room.room,
            num(room.fps_median),
            format!(
                "fps (median; mean {}); ttff {} ms, g2g p50/p95 {}/{} ms, CPU {} %, RSS {} MB",
                num(room.fps_mean),
                num(room.ttff_ms),
                num(room.g2g_ms_p50),
                num(room.g2g_ms_p95),
                num(room.cpu_pct),
                num(room.rss_mb)
            ),
        );
    }
    for p in &r.problems {
        out.push_str(&format!("problem: {p}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7.0], 0.95), Some(7.0));
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), Some(51.0));
        assert_eq!(percentile(&v, 0.95), Some(95.0));
        assert_eq!(percentile(&[1.0, 9.0], 0.95), Some(9.0));
        assert_eq!(sorted(vec![3.0, f64::NAN, 1.0]), vec![1.0, 3.0]);
    }

    #[test]
    fn proc_stat_survives_odd_command_names() {
        let line = "4242 (tokio-rt (x) 1) S 4000 4242 4000 0 -1 4194560 1200 0 0 0 \
                    350 125 0 0 20 0 14 0 123456 987654321 2345 18446744073709551615";
        assert_eq!(parse_proc_stat(line), Some((4000, 475)));
        assert_eq!(parse_proc_stat("garbage"), None);
        // 475 ticks over 5 s: 0.95 core.
        assert!((cpu_pct(475, 5.0) - 95.0).abs() < 1e-9);
        assert_eq!(cpu_pct(10, 0.0), 0.0);
        let stat = "cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 50 2 25 400 20 1 1 0 0 0\n";
        assert_eq!(parse_machine_stat(stat), Some((160, 1000)));
    }

    #[test]
    fn kb_fields_and_metrics_parse() {
        let status = "Name:\tphonghop\nVmPeak:\t  200000 kB\nVmRSS:\t   51200 kB\n";
        assert_eq!(parse_kb_field(status, "VmRSS"), Some(51200));
        assert_eq!(parse_kb_field(status, "VmSwap"), None);
        assert_eq!(
            strip_ansi("\u{1b}[2mwhen\u{1b}[0m \u{1b}[33m WARN"),
            "when  WARN"
        );
        let page = "# HELP x y\nphonghop_room_call_fps{stream=\"slot-0\"} 29.5\n\
                    phonghop_room_call_layer 360\n# EOF\n";
        let m = parse_metrics(page);
        assert_eq!(
            m.get("phonghop_room_call_fps{stream=\"slot-0\"}"),
            Some(&29.5)
        );
        assert_eq!(m.get("phonghop_room_call_layer"), Some(&360.0));
    }
}
