//! `phonghop bench soak --minutes M`: a working day compressed. The real hub and two headless
//! rooms run as processes of this binary, in one meeting (test camera and microphone), while
//! a third room uploads feedback and two banks deliver signed transfers; every
//! `sample_secs` the resident memory and CPU of each process is sampled. What matters is
//! whether memory keeps growing once the work is steady.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::bench_crash::{
    CrashError, HubLoad, HubLoadTarget, UNIT, hub_toml, log_file, log_tail, spawn_hub,
    spawn_hub_load, wait_healthy,
};
use crate::bench_meeting::{cpu_pct, parse_kb_field, parse_proc_stat};

/// The room PIN's hash in the soak's room configs (PIN 2468; nobody types it).
const STAFF_PIN_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$mo2uY2ZUhYRP1lMzYksRrg$1tPuSatlaMA8hBlGY5AV+K25FcH7BYQKppXu9Jmowwk";
/// Pause between one caller's deliveries: a busy province, not a flood (the crash bench
/// floods).
const LOAD_PAUSE: Duration = Duration::from_millis(250);
/// The first part of a run is start-up (caches, the meeting's first keyframes); growth is
/// measured from the first sample after it.
const WARM_UP_FRACTION: f64 = 0.1;

#[derive(Debug, thiserror::Error)]
pub enum SoakError {
    #[error(transparent)]
    Load(#[from] CrashError),
    #[error("cannot set up the soak: {0}")]
    Setup(String),
    #[error("the {name} process ended during the soak (its log: {log})")]
    Ended { name: String, log: String },
}

fn setup(e: impl std::fmt::Display) -> SoakError {
    SoakError::Setup(e.to_string())
}

#[derive(Debug, Clone)]
pub struct SoakOptions {
    pub exe: std::path::PathBuf,
    pub minutes: u64,
    pub sample_secs: u64,
}

/// One process at one moment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProcessSample {
    pub name: String,
    pub rss_kb: u64,
    /// Since the previous sample, in % of one core.
    pub cpu_pct: f64,
}

/// One line of the soak's output.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SoakSample {
    pub t_secs: f64,
    pub processes: Vec<ProcessSample>,
    pub feedback_acknowledged: usize,
    pub transfers_acknowledged: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ProcessSummary {
    pub name: String,
    /// The first sample after the warm-up.
    pub rss_start_kb: u64,
    pub rss_end_kb: u64,
    pub rss_max_kb: u64,
    /// `(end − start) / start` in %: the goal is under 5.
    pub rss_growth_pct: f64,
    pub cpu_mean_pct: f64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SoakSummary {
    pub minutes: u64,
    pub samples: usize,
    pub processes: Vec<ProcessSummary>,
    pub feedback_acknowledged: usize,
    pub transfers_acknowledged: usize,
    /// Deliveries that needed a retry (none expected: nothing is killed here).
    pub retried: usize,
}

fn proc_ticks(pid: u32) -> Option<u64> {
    parse_proc_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?).map(|(_, t)| t)
}

fn proc_rss_kb(pid: u32) -> Option<u64> {
    parse_kb_field(
        &std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?,
        "VmRSS",
    )
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// A headless room process with test devices, enrolled with `code` first.
async fn start_room(
    exe: &Path,
    dir: &Path,
    name: &str,
    hub_url: &url::Url,
    code: &str,
) -> Result<Child, SoakError> {
    let text = format!(
        "[room]\nunit = {unit}\ndata_dir = {data}\nhealth_listen = \"127.0.0.1:0\"\n\n\
         [hub]\nurl = {hub}\n\n\
         [media]\ncamera = \"test\"\nmicrophone = \"test\"\nspeaker = \"test\"\n\
         ice_bind = \"127.0.0.1\"\nmax_layer = \"360p\"\n\n\
         [kiosk]\nlanguage = \"vi\"\nidle_reset_secs = 90\nzoom_percent = 100\n\n\
         [staff]\npin_hash = {pin}\n",
        unit = toml_str(UNIT),
        data = toml_str(&dir.join(name).to_string_lossy()),
        hub = toml_str(hub_url.as_str()),
        pin = toml_str(STAFF_PIN_HASH),
    );
    let config = crate::config::parse_room_str(&format!("{name}.toml"), &text).map_err(setup)?;
    crate::room::enroll::enroll(&config, None, code)
        .await
        .map_err(setup)?;
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, text).map_err(setup)?;
    Command::new(exe)
        .args(["room", "--headless", "--config"])
        .arg(&file)
        .env("PHONGHOP_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file(&dir.join(format!("{name}.log")))?)
        .kill_on_drop(true)
        .spawn()
        .map_err(setup)
}

/// Runs the soak, handing each sample to `on_sample` as it is taken.
pub async fn soak(
    options: SoakOptions,
    mut on_sample: impl FnMut(&SoakSample),
) -> Result<SoakSummary, SoakError> {
    let dir = tempfile::tempdir().map_err(setup)?;
    let dir = dir.path();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(setup)?
        .port();
    let text = hub_toml(&dir.join("hub"), port);
    let config_path = dir.join("hub.toml");
    std::fs::write(&config_path, &text).map_err(setup)?;
    let config = crate::config::parse_hub_str("hub.toml", &text).map_err(setup)?;
    let base: url::Url = format!("http://127.0.0.1:{port}/").parse().map_err(setup)?;
    let uploader_config =
        crate::config::RoomConfig::local(UNIT, dir.join("uploader"), base.clone(), String::new());
    let client = crate::room::enroll::http_client(&uploader_config).map_err(setup)?;
    let hub_log = dir.join("hub.log");
    let mut hub = spawn_hub(&options.exe, &config_path, &hub_log)?;
    wait_healthy(&client, &mut hub, &base)
        .await
        .ok_or_else(|| SoakError::Ended {
            name: "hub".into(),
            log: log_tail(&hub_log),
        })?;

    let mut rooms = Vec::new();
    let mut room_ids = Vec::new();
    for name in ["room-host", "room-guest"] {
        let (record, code) =
            crate::hub::admin::add_room(&config, "hub.toml", UNIT, name).map_err(setup)?;
        rooms.push((
            name.to_owned(),
            start_room(&options.exe, dir, name, &base, &code).await?,
        ));
        room_ids.push(record.id);
    }
    let (_, code) =
        crate::hub::admin::add_room(&config, "hub.toml", UNIT, "uploader").map_err(setup)?;
    let credential = crate::room::enroll::enroll(&uploader_config, None, &code)
        .await
        .map_err(setup)?;

    // The rooms connect by themselves; the meeting invites them once they have.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let token =
        crate::hub::accounts::service_token(&config, "bench", "bench soak").map_err(setup)?;
    let answer = client
        .post(base.join("api/v1/meetings").map_err(setup)?)
        .bearer_auth(&token)
        .json(&serde_json::json!({ "host": room_ids[0], "rooms": [room_ids[1]] }))
        .send()
        .await
        .map_err(setup)?;
    if !answer.status().is_success() {
        return Err(SoakError::Setup(format!(
            "the meeting was refused: {}",
            answer.text().await.unwrap_or_default()
        )));
    }

    let load = Arc::new(Mutex::new(HubLoad::default()));
    let stop = tokio_util::sync::CancellationToken::new();
    let callers = spawn_hub_load(
        HubLoadTarget {
            client: client.clone(),
            base: base.clone(),
            room: credential.clone(),
            load: load.clone(),
            stop: stop.clone(),
            pause: LOAD_PAUSE,
        },
        || 3,
    );

    let started = Instant::now();
    let run = Duration::from_secs(options.minutes * 60);
    let every = Duration::from_secs(options.sample_secs.max(1));
    let mut watched: Vec<(String, u32, u64)> = vec![("hub".into(), hub.id().unwrap_or(0), 0)];
    for (name, child) in &rooms {
        watched.push((name.clone(), child.id().unwrap_or(0), 0));
    }
    for (_, pid, ticks) in &mut watched {
        *ticks = proc_ticks(*pid).unwrap_or(0);
    }
    let mut samples: Vec<SoakSample> = Vec::new();
    let mut last = Instant::now();
    while started.elapsed() < run {
        tokio::time::sleep(every).await;
        let secs = last.elapsed().as_secs_f64();
        last = Instant::now();
        let mut processes = Vec::new();
        for (name, pid, ticks) in &mut watched {
            let (Some(now_ticks), Some(rss_kb)) = (proc_ticks(*pid), proc_rss_kb(*pid)) else {
                let log = dir.join(format!("{name}.log"));
                return Err(SoakError::Ended {
                    name: name.clone(),
                    log: log_tail(&log),
                });
            };
            processes.push(ProcessSample {
                name: name.clone(),
                rss_kb,
                cpu_pct: cpu_pct(now_ticks.saturating_sub(*ticks), secs),
            });
            *ticks = now_ticks;
        }
        let (feedback, transfers) = {
            let load = load.lock().unwrap_or_else(|p| p.into_inner());
            (load.feedback_acked.len(), load.transfers_acked.len())
        };
        let sample = SoakSample {
            t_secs: started.elapsed().as_secs_f64(),
            processes,
            feedback_acknowledged: feedback,
            transfers_acknowledged: transfers,
        };
        on_sample(&sample);
        samples.push(sample);
    }
    stop.cancel();
    for task in callers {
        task.await.map_err(setup)??;
    }
    for (_, mut child) in rooms {
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
    let _ = hub.start_kill();
    let _ = hub.wait().await;
    let load = load.lock().unwrap_or_else(|p| p.into_inner());
    Ok(SoakSummary {
        minutes: options.minutes,
        samples: samples.len(),
        processes: summarise(
            &samples,
            &watched.iter().map(|w| w.0.clone()).collect::<Vec<_>>(),
        ),
        feedback_acknowledged: load.feedback_acked.len(),
        transfers_acknowledged: load.transfers_acked.len(),
        retried: load.retried,
    })
}

/// Each process's memory from the first sample after the warm-up to the last, and its
/// mean CPU over the same samples.
fn summarise(samples: &[SoakSample], names: &[String]) -> Vec<ProcessSummary> {
    let skip = ((samples.len() as f64) * WARM_UP_FRACTION).ceil() as usize;
    let steady = &samples[skip.min(samples.len().saturating_sub(1))..];
    names
        .iter()
        .map(|name| {
            let of: Vec<&ProcessSample> = steady
                .iter()
                .filter_map(|s| s.processes.iter().find(|p| &p.name == name))
                .collect();
            let start = of.first().map_or(0, |p| p.rss_kb);
            let end = of.last().map_or(0, |p| p.rss_kb);
            ProcessSummary {
                name: name.clone(),
                rss_start_kb: start,
                rss_end_kb: end,
                rss_max_kb: of.iter().map(|p| p.rss_kb).max().unwrap_or(0),
                rss_growth_pct: if start == 0 {
                    0.0
                } else {
                    (end as f64 - start as f64) / start as f64 * 100.0
                },
                cpu_mean_pct: if of.is_empty() {
                    0.0
                } else {
                    of.iter().map(|p| p.cpu_pct).sum::<f64>() / of.len() as f64
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t_secs: f64, rss_kb: u64) -> SoakSample {
        SoakSample {
            t_secs,
            processes: vec![ProcessSample {
                name: "hub".into(),
                rss_kb,
                cpu_pct: 10.0,
            }],
            feedback_acknowledged: 0,
            transfers_acknowledged: 0,
        }
    }

    #[test]
    fn growth_is_measured_from_the_first_sample_after_the_warm_up() {
        // Ten samples: the first (start-up) is skipped, so growth is 100 → 110 MB.
        let mut samples = vec![at(10.0, 50_000)];
        samples.extend((1..10).map(|i| at(10.0 * i as f64, 100_000 + (i - 1) * 1_250)));
        let summary = summarise(&samples, &["hub".to_owned()]);
        assert_eq!(summary[0].rss_start_kb, 100_000);
        assert_eq!(summary[0].rss_end_kb, 110_000);
        assert!((summary[0].rss_growth_pct - 10.0).abs() < 1e-9);
        assert!((summary[0].cpu_mean_pct - 10.0).abs() < 1e-9);
    }
}
