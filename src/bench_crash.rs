//! `phonghop bench crash`: power cuts on demand. A room taking submissions as the kiosk makes
//! them, and separately a hub taking sync uploads and signed bank webhooks, are run as
//! processes of this binary and killed with `SIGKILL` at seeded random moments, again and
//! again. After every kill the bench reads the dead process's database itself: SQLite's full
//! integrity check must pass, everything acknowledged to the caller (the kiosk's receipt, a
//! 200 to the room's upload or to the bank) must be there, and nothing may be there twice.
//! Then the box is started again exactly as systemd would, with no repair step.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Sha256, Sha512};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::app::HubBuilder;
use crate::store::{Store, StoreError};
use crate::wire::{FeedbackRecord, Record, UploadAck, UploadBatch, UploadItem};

/// A restarted box that is not serving within this long needs repair: the bench fails.
const READY_LIMIT: Duration = Duration::from_secs(30);
/// After the last kill, everything still queued must be delivered within this long.
const DRAIN_LIMIT: Duration = Duration::from_secs(120);
/// Kills land uniformly between the process start and this long after it, so some hit the
/// start-up (opening, migrating) and most hit the load.
const KILL_WINDOW_MS: u64 = 900;
/// The unit the bench's rooms belong to (in the demo hub's configuration).
pub(crate) const UNIT: &str = "lao-chai";
/// The room child's pause between submissions: 50 a second is far above any lobby's rate
/// and still puts a submission in flight at most kills, while a 1,000-kill run stays well
/// inside the 24,389 ticket codes one room can make.
const SUBMIT_PAUSE: Duration = Duration::from_millis(20);
/// What every submission's text starts with, followed by its number.
const ROOM_TEXT: &str = "crash-bench room item ";
const HUB_TEXT: &str = "crash-bench hub item ";
/// Bank references of the bench's transfers start with this, followed by the sender and
/// the delivery number.
const REFERENCE_PREFIX: &str = "CRASH";
const ACCOUNT: &str = "0011001234567";
const GENERIC_SECRET: &str = "crash-bench-generic-secret-0123456789";
const CASSO_SECRET: &str = "crash-bench-casso-secret-0123456789";
/// Ticket codes a room can make under its prefix (three characters of the code alphabet);
/// the hub's uploader numbers its codes and stops making feedback before running out.
pub(crate) const HUB_FEEDBACK_MAX: usize = 20_000;

/// The bench's own child process: a room that submits numbered feedback as fast as the
/// kiosk service takes it, printing `try N` before and `ack N CODE` after each receipt.
pub const ROOM_CHILD_READY: &str = "ready";

#[derive(Debug, thiserror::Error)]
pub enum CrashError {
    #[error("cannot set up the crash bench: {0}")]
    Setup(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the bench's reading of a killed box's database failed: {0}")]
    Store(#[from] StoreError),
    #[error("cannot start {what}: {source}")]
    Spawn {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the {what} did not start again after kill {kill} within {limit_secs} s without repair \
         (its log: {log})"
    )]
    NoRestart {
        what: &'static str,
        kill: usize,
        limit_secs: u64,
        log: String,
    },
    #[error("the hub refused the bench's {what} with {status}: {body}")]
    Refused {
        what: &'static str,
        status: u16,
        body: String,
    },
    #[error(
        "{missing} acknowledged items were still not at the hub {limit_secs} s after the last kill"
    )]
    NotDrained { missing: usize, limit_secs: u64 },
    #[error("the room child: {0}")]
    Child(String),
    #[error("the room ended by itself before kill {kill} (its log: {log})")]
    ChildEnded { kill: usize, log: String },
}

fn setup(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> CrashError {
    CrashError::Setup(e.into())
}

/// What a crash run is told.
#[derive(Debug, Clone)]
pub struct CrashOptions {
    /// This binary: the room child and the hub are started from it.
    pub exe: PathBuf,
    /// Kills in all; the room takes the first half (rounded up), the hub the rest.
    pub kills: usize,
    pub seed: u64,
}

/// One box's figures.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct BoxReport {
    pub kills: usize,
    /// Items the caller was told are stored (kiosk receipts; uploads and webhooks answered 200).
    pub acknowledged: usize,
    /// Acknowledged items missing after a kill or at the end (the goal is 0).
    pub lost: usize,
    /// Items found more than once (the goal is 0).
    pub duplicated: usize,
    /// `PRAGMA integrity_check` passed after every kill.
    pub integrity_ok: bool,
    /// Kills after which the integrity check reported something.
    pub integrity_failures: usize,
    /// Requests in flight at a kill, retried after the restart as a room or a bank does.
    pub retried_after_kill: usize,
    /// Kills that landed before the box answered for the first time (start-up, migration).
    pub killed_during_start: usize,
    /// Starts seen serving again (some are killed before they get there).
    pub restarts_served: usize,
    /// Process start → serving again (room: its service ready; hub: `/healthz` answers).
    pub restart_ms_p50: f64,
    pub restart_ms_max: f64,
}

#[derive(Debug, serde::Serialize)]
pub struct CrashReport {
    pub seed: u64,
    pub kills: usize,
    pub acknowledged: usize,
    pub lost: usize,
    pub duplicated: usize,
    pub integrity_ok: bool,
    /// Starts after a kill that were seen serving again, with no repair step in between (a
    /// start that does not come up within 30 s fails the run instead).
    pub restarts_served: usize,
    pub elapsed_secs: f64,
    pub room: BoxReport,
    pub hub: BoxReport,
}

/// Runs the room part, then the hub part, in a temporary directory.
pub async fn crash(options: CrashOptions) -> Result<CrashReport, CrashError> {
    let started = Instant::now();
    let dir = tempfile::tempdir().map_err(setup)?;
    let mut rng = StdRng::seed_from_u64(options.seed);
    let room_kills = options.kills.div_ceil(2);
    let room = room_part(&options.exe, dir.path(), room_kills, &mut rng).await?;
    let hub = hub_part(
        &options.exe,
        dir.path(),
        options.kills - room_kills,
        &mut rng,
    )
    .await?;
    Ok(CrashReport {
        seed: options.seed,
        kills: room.kills + hub.kills,
        acknowledged: room.acknowledged + hub.acknowledged,
        lost: room.lost + hub.lost,
        duplicated: room.duplicated + hub.duplicated,
        integrity_ok: room.integrity_ok && hub.integrity_ok,
        restarts_served: room.restarts_served + hub.restarts_served,
        elapsed_secs: started.elapsed().as_secs_f64(),
        room,
        hub,
    })
}

fn median_and_max(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    let median = ms.get(ms.len() / 2).copied().unwrap_or(0.0);
    (median, ms.last().copied().unwrap_or(0.0))
}

pub(crate) fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(5)..].join(" | ");
    format!("{}: {tail}", path.display())
}

pub(crate) fn log_file(path: &Path) -> Result<std::fs::File, CrashError> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(setup)
}

/// Kills `child` with `SIGKILL` and reaps it.
async fn kill(child: &mut Child) {
    let _ = child.start_kill();
    let _ = child.wait().await;
}

// ----- the room -----

/// The room child's main: a room on `data_dir` (already enrolled) submitting numbered
/// feedback from `from` on through the kiosk service, or only syncing when `submit` is off.
pub async fn room_child(
    data_dir: PathBuf,
    hub_url: url::Url,
    from: u64,
    submit: bool,
) -> Result<(), CrashError> {
    use crate::room::service::{FeedbackDraft, KioskRequest};
    let config = crate::config::RoomConfig::local(UNIT, data_dir, hub_url, String::new());
    let room = crate::app::RoomBuilder::new(config)
        .spawn_bound()
        .await
        .map_err(setup)?;
    println!("{ROOM_CHILD_READY}");
    if !submit {
        return room.finished().await.map_err(setup);
    }
    for n in from.. {
        println!("try {n}");
        let (reply, answer) = tokio::sync::oneshot::channel();
        room.kiosk.send(KioskRequest::SubmitFeedback {
            draft: FeedbackDraft {
                category: "roads".into(),
                text: format!("{ROOM_TEXT}{n}"),
                voice: None,
                name: None,
                phone: None,
                village: None,
                language: "vi".into(),
            },
            reply,
        });
        let receipt = answer
            .await
            .map_err(|_| CrashError::Child("the room's service stopped".into()))?
            .map_err(|e| CrashError::Child(format!("submission {n} refused: {e}")))?;
        println!("ack {n} {}", receipt.ticket_code);
        tokio::time::sleep(SUBMIT_PAUSE).await;
    }
    Ok(())
}

/// The number in a submission's text, if it is one of the bench's.
fn item_number(text: &str, prefix: &str) -> Option<u64> {
    text.strip_prefix(prefix)?.parse().ok()
}

/// Counts of each numbered item in `texts`.
fn count_items<'a>(texts: impl Iterator<Item = &'a str>, prefix: &str) -> HashMap<u64, usize> {
    let mut counts = HashMap::new();
    for n in texts.filter_map(|t| item_number(t, prefix)) {
        *counts.entry(n).or_insert(0) += 1;
    }
    counts
}

/// Lost (acknowledged, absent) and duplicated (present more than once) against `counts`.
fn tally<'a>(acked: impl Iterator<Item = &'a u64>, counts: &HashMap<u64, usize>) -> (usize, usize) {
    let lost = acked.filter(|n| !counts.contains_key(n)).count();
    let duplicated = counts.values().filter(|&&c| c > 1).count();
    (lost, duplicated)
}

enum ChildLine {
    Ready,
    Try(u64),
    Ack(u64, String),
}

fn parse_child_line(line: &str) -> Option<ChildLine> {
    let mut words = line.split_whitespace();
    match words.next()? {
        ROOM_CHILD_READY => Some(ChildLine::Ready),
        "try" => Some(ChildLine::Try(words.next()?.parse().ok()?)),
        "ack" => Some(ChildLine::Ack(
            words.next()?.parse().ok()?,
            words.next()?.to_owned(),
        )),
        _ => None,
    }
}

struct RoomChild {
    child: Child,
    lines: tokio::sync::mpsc::UnboundedReceiver<ChildLine>,
}

fn spawn_room_child(
    exe: &Path,
    data_dir: &Path,
    hub_url: &url::Url,
    from: u64,
    submit: bool,
    log: &Path,
) -> Result<RoomChild, CrashError> {
    let mut command = Command::new(exe);
    command
        .args(["bench", "crash-room-child", "--data-dir"])
        .arg(data_dir)
        .args(["--hub-url", hub_url.as_str(), "--from", &from.to_string()])
        .env("PHONGHOP_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file(log)?)
        .kill_on_drop(true);
    if !submit {
        command.arg("--no-submit");
    }
    let mut child = command.spawn().map_err(|source| CrashError::Spawn {
        what: "the room",
        source,
    })?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut reader = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            if let Some(parsed) = parse_child_line(&line)
                && tx.send(parsed).is_err()
            {
                break;
            }
        }
    });
    Ok(RoomChild { child, lines })
}

/// The room part: a hub in this process (never killed), a room child killed `kills` times.
async fn room_part(
    exe: &Path,
    dir: &Path,
    kills: usize,
    rng: &mut StdRng,
) -> Result<BoxReport, CrashError> {
    let hub = HubBuilder::demo(&dir.join("room-hub"))
        .map_err(setup)?
        .spawn_local()
        .await
        .map_err(setup)?;
    let data_dir = dir.join("room");
    let (_, _) = hub
        .enroll_room(UNIT, "crash bench", data_dir.clone(), "")
        .await
        .map_err(setup)?;
    let log = dir.join("room.log");
    let db = crate::datadir::DataDir::new(&data_dir).db_path();
    let mut report = BoxReport {
        kills,
        integrity_ok: true,
        ..BoxReport::default()
    };
    let mut acked: BTreeMap<u64, String> = BTreeMap::new();
    let mut next: u64 = 0;
    let mut restart_ms = Vec::new();
    for k in 0..kills {
        let mut child = spawn_room_child(exe, &data_dir, &hub.url, next, true, &log)?;
        let t0 = Instant::now();
        let kill_at = t0 + Duration::from_millis(rng.random_range(0..=KILL_WINDOW_MS));
        let mut ready = false;
        let mut in_flight = None;
        let mut note = |line: ChildLine, ready: &mut bool, in_flight: &mut Option<u64>| match line {
            ChildLine::Ready => {
                *ready = true;
                restart_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
            }
            ChildLine::Try(n) => {
                *in_flight = Some(n);
                next = next.max(n + 1);
            }
            ChildLine::Ack(n, code) => {
                *in_flight = None;
                acked.insert(n, code);
            }
        };
        loop {
            tokio::select! {
                line = child.lines.recv() => match line {
                    Some(line) => note(line, &mut ready, &mut in_flight),
                    None => {
                        let _ = child.child.wait().await;
                        let log = log_tail(&log);
                        return Err(if ready {
                            CrashError::ChildEnded { kill: k, log }
                        } else {
                            CrashError::NoRestart {
                                what: "room",
                                kill: k,
                                limit_secs: READY_LIMIT.as_secs(),
                                log,
                            }
                        });
                    }
                },
                _ = tokio::time::sleep_until(kill_at.into()) => break,
            }
        }
        kill(&mut child.child).await;
        // Receipts printed before the kill are still in the pipe: they were shown as "sent".
        while let Some(line) = child.lines.recv().await {
            note(line, &mut ready, &mut in_flight);
        }
        report.killed_during_start += usize::from(!ready);
        report.retried_after_kill += usize::from(in_flight.is_some());
        check_room_db(&db, &acked, &mut report)?;
    }
    // The last start: no more submissions; everything acknowledged must reach the hub once.
    let mut child = spawn_room_child(exe, &data_dir, &hub.url, next, false, &log)?;
    let hub_store = Store::open(&crate::datadir::DataDir::new(dir.join("room-hub")).db_path())?;
    let deadline = Instant::now() + DRAIN_LIMIT;
    let counts = loop {
        let rows = hub_store.feedback_list(&Default::default())?;
        let counts = count_items(rows.iter().map(|r| r.record.text.as_str()), ROOM_TEXT);
        if acked.keys().all(|n| counts.contains_key(n)) {
            break counts;
        }
        if Instant::now() > deadline {
            let missing = acked.keys().filter(|n| !counts.contains_key(n)).count();
            kill(&mut child.child).await;
            return Err(CrashError::NotDrained {
                missing,
                limit_secs: DRAIN_LIMIT.as_secs(),
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    kill(&mut child.child).await;
    let (lost, duplicated) = tally(acked.keys(), &counts);
    report.lost += lost;
    report.duplicated += duplicated;
    report.acknowledged = acked.len();
    report.restarts_served = restart_ms.len();
    (report.restart_ms_p50, report.restart_ms_max) = median_and_max(restart_ms);
    let _ = hub.stop().await;
    Ok(report)
}

/// Opens the database a kill left behind (which also recovers its WAL) and counts a failed
/// `integrity_check` in the report.
fn open_and_check_integrity(db: &Path, report: &mut BoxReport) -> Result<Store, CrashError> {
    let store = Store::open(db)?;
    if !store.integrity_problems()?.is_empty() {
        report.integrity_ok = false;
        report.integrity_failures += 1;
    }
    Ok(store)
}

/// After a room's kill: the file checks out, every receipt's ticket and submission are
/// there, no submission is there twice.
fn check_room_db(
    db: &Path,
    acked: &BTreeMap<u64, String>,
    report: &mut BoxReport,
) -> Result<(), CrashError> {
    let store = open_and_check_integrity(db, report)?;
    let bodies = store.outbox_bodies()?;
    let texts: Vec<String> = bodies
        .iter()
        .filter_map(|b| match serde_json::from_str::<Record>(b) {
            Ok(Record::Feedback(f)) => Some(f.text),
            _ => None,
        })
        .collect();
    let counts = count_items(texts.iter().map(String::as_str), ROOM_TEXT);
    let (mut lost, duplicated) = tally(acked.keys(), &counts);
    for code in acked.values() {
        if store.room_ticket(code)?.is_none() {
            lost += 1;
        }
    }
    report.lost += lost;
    report.duplicated += duplicated;
    Ok(())
}

// ----- the hub -----

/// The hub's configuration: the demo's units, a fixed port (the same across restarts, as a
/// real hub's), and `[bank]` taking Casso and the generic format.
pub(crate) fn hub_toml(data_dir: &Path, port: u16) -> String {
    let listen = format!("127.0.0.1:{port}");
    crate::demo::DEMO_HUB_TOML
        .replace(
            "listen = \"127.0.0.1:0\"",
            &format!("listen = \"{listen}\""),
        )
        .replace(
            "public_url = \"http://127.0.0.1:8080\"",
            &format!("public_url = \"http://{listen}\""),
        )
        .replace(
            "data_dir = \"/tmp/phonghop-demo\"",
            &format!("data_dir = {:?}", data_dir.display().to_string()),
        )
        + &format!(
            "\n[bank]\naccount = \"{ACCOUNT}\"\nsenders = [\"casso\", \"generic\"]\n\
             casso_secret = \"{CASSO_SECRET}\"\ngeneric_secret = \"{GENERIC_SECRET}\"\n"
        )
}

/// What the load tasks share with the killer: what was acknowledged.
#[derive(Debug, Default)]
pub(crate) struct HubLoad {
    pub(crate) feedback_acked: BTreeSet<u64>,
    pub(crate) transfers_acked: BTreeSet<String>,
    pub(crate) retried: usize,
}

/// A delivery the load sends until it is answered 200.
pub(crate) enum Delivery {
    Upload(Vec<(u64, UploadItem)>),
    Generic(String, String),
    Casso(String, String),
}

pub(crate) fn feedback_item(n: u64, ticket_prefix: &str) -> UploadItem {
    let alphabet = crate::feedback::ticket::ALPHABET;
    let base = alphabet.len() as u64;
    let code: String = [n / (base * base), (n / base) % base, n % base]
        .iter()
        .map(|&i| alphabet[i as usize] as char)
        .collect();
    UploadItem {
        id: uuid::Uuid::now_v7(),
        seq: n as i64 + 1,
        record: Record::Feedback(FeedbackRecord {
            ticket_code: format!("{ticket_prefix}{code}"),
            category: "roads".into(),
            text: format!("{HUB_TEXT}{n}"),
            voice_sha256: None,
            name: None,
            phone: None,
            village: None,
            language: "vi".into(),
            submitted_at_ms: crate::clock::now_ms(),
        }),
    }
}

pub(crate) fn generic_delivery(n: u64) -> Delivery {
    let reference = format!("{REFERENCE_PREFIX}G{n}");
    let body = serde_json::json!({
        "id": format!("crash-generic-{n}"),
        "amount_vnd": 10_000 + n as i64,
        "account": ACCOUNT,
        "description": format!("UNG HO {n}"),
        "bank_reference": reference,
        "occurred_at": "2026-11-23T10:15:00+07:00",
    })
    .to_string();
    Delivery::Generic(reference, body)
}

pub(crate) fn casso_delivery(n: u64) -> Delivery {
    let reference = format!("{REFERENCE_PREFIX}C{n}");
    let body = serde_json::json!({
        "error": 0,
        "data": {
            "id": 900_000 + n,
            "reference": reference,
            "description": format!("UNG HO CASSO {n}"),
            "amount": 20_000 + n,
            "runningBalance": 25_000_000,
            "transactionDateTime": "2026-11-23 10:15:00",
            "accountNumber": ACCOUNT,
            "bankName": "Vietcombank",
            "bankAbbreviation": "VCB",
            "virtualAccountNumber": "",
            "virtualAccountName": "",
            "counterAccountName": "NGUYEN VAN A",
            "counterAccountNumber": "0912345678",
            "counterAccountBankId": "970422",
            "counterAccountBankName": "MB Bank",
        }
    })
    .to_string();
    Delivery::Casso(reference, body)
}

/// `X-Phonghop-Signature: t=<s>,v1=<hex HMAC-SHA256(secret, t.body)>`, signed here
/// independently of the hub's own verifier.
fn generic_signature(body: &str) -> String {
    let t = crate::clock::now_ms() / 1000;
    let mut mac = Hmac::<Sha256>::new_from_slice(GENERIC_SECRET.as_bytes()).expect("any key");
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Casso v2: HMAC-SHA512 over `t.` and the whole body with keys sorted (serde_json's map is
/// sorted, and its compact form is the text Casso signs).
fn casso_signature(body: &str) -> String {
    let t = crate::clock::now_ms();
    let sorted: serde_json::Value = serde_json::from_str(body).expect("the bench's own JSON");
    let mut mac = Hmac::<Sha512>::new_from_slice(CASSO_SECRET.as_bytes()).expect("any key");
    mac.update(format!("{t}.{sorted}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// A webhook delivery as its sender posts it: the JSON body and its signature header.
fn signed_post(
    client: &reqwest::Client,
    base: &url::Url,
    path: &str,
    header: &str,
    signature: String,
    body: &str,
) -> Result<reqwest::RequestBuilder, CrashError> {
    let url = base.join(path).map_err(setup)?;
    Ok(client
        .post(url)
        .header("content-type", "application/json")
        .header(header, signature)
        .body(body.to_owned()))
}

/// Sends `delivery` once: `Ok(true)` when answered 200, `Ok(false)` when the hub was not
/// there to answer (the caller retries), an error when the hub refused it.
async fn send(
    client: &reqwest::Client,
    base: &url::Url,
    credential: &str,
    delivery: &Delivery,
    load: &Mutex<HubLoad>,
) -> Result<bool, CrashError> {
    let (what, request) = match delivery {
        Delivery::Upload(items) => {
            let batch = UploadBatch {
                items: items.iter().map(|(_, item)| item.clone()).collect(),
            };
            let url = base.join("api/v1/sync/up").map_err(setup)?;
            (
                "sync upload",
                client.post(url).bearer_auth(credential).json(&batch),
            )
        }
        Delivery::Generic(_, body) => (
            "generic webhook",
            signed_post(
                client,
                base,
                "webhooks/generic",
                "x-phonghop-signature",
                generic_signature(body),
                body,
            )?,
        ),
        Delivery::Casso(_, body) => (
            "Casso webhook",
            signed_post(
                client,
                base,
                "webhooks/casso",
                "x-casso-signature",
                casso_signature(body),
                body,
            )?,
        ),
    };
    let Ok(response) = request.send().await else {
        return Ok(false);
    };
    let status = response.status();
    if status.is_server_error() {
        return Ok(false);
    }
    let Ok(text) = response.text().await else {
        return Ok(false); // the answer was cut off by the kill: not acknowledged
    };
    if !status.is_success() {
        return Err(CrashError::Refused {
            what,
            status: status.as_u16(),
            body: text,
        });
    }
    let mut load = load.lock().unwrap_or_else(|p| p.into_inner());
    match delivery {
        Delivery::Upload(items) => {
            let ack: UploadAck = serde_json::from_str(&text).map_err(|e| CrashError::Refused {
                what,
                status: status.as_u16(),
                body: format!("{e}: {text}"),
            })?;
            let stored: BTreeSet<uuid::Uuid> = ack.stored.into_iter().collect();
            for (n, item) in items {
                if stored.contains(&item.id) {
                    load.feedback_acked.insert(*n);
                }
            }
        }
        Delivery::Generic(reference, _) | Delivery::Casso(reference, _) => {
            load.transfers_acked.insert(reference.clone());
        }
    }
    Ok(true)
}

/// Where [`spawn_hub_load`] sends its load, and what it shares with the bench.
pub(crate) struct HubLoadTarget {
    pub client: reqwest::Client,
    pub base: url::Url,
    /// The enrolled room whose sync uploads are part of the load.
    pub room: crate::room::credential::Credential,
    pub load: Arc<Mutex<HubLoad>>,
    pub stop: tokio_util::sync::CancellationToken,
    /// The pause between two deliveries of one caller (none: as fast as the hub answers).
    pub pause: Duration,
}

/// Starts the hub's three callers: the room's sync uploads (batches of `batch_size()`
/// feedback items, up to [`HUB_FEEDBACK_MAX`]), generic webhooks and Casso webhooks, each
/// retrying until acknowledged, as the crash and soak benches load the hub.
pub(crate) fn spawn_hub_load(
    target: HubLoadTarget,
    mut batch_size: impl FnMut() -> u64 + Send + 'static,
) -> [tokio::task::JoinHandle<Result<(), CrashError>>; 3] {
    let HubLoadTarget {
        client,
        base,
        room,
        load,
        stop,
        pause,
    } = target;
    let prefix = room.ticket_prefix.clone();
    let mut next_item = 0u64;
    let uploads = move |_| {
        let size = batch_size();
        if next_item as usize + size as usize > HUB_FEEDBACK_MAX {
            return None;
        }
        let items = (next_item..next_item + size)
            .map(|n| (n, feedback_item(n, &prefix)))
            .collect();
        next_item += size;
        Some(Delivery::Upload(items))
    };
    [
        tokio::spawn(caller(
            client.clone(),
            base.clone(),
            room.credential.clone(),
            uploads,
            load.clone(),
            stop.clone(),
            pause,
        )),
        tokio::spawn(caller(
            client.clone(),
            base.clone(),
            String::new(),
            |n| Some(generic_delivery(n)),
            load.clone(),
            stop.clone(),
            pause,
        )),
        tokio::spawn(caller(
            client,
            base,
            String::new(),
            |n| Some(casso_delivery(n)),
            load,
            stop,
            pause,
        )),
    ]
}

/// One caller (the room's uploader, or a bank) sending deliveries one after another until
/// `stop`, each until it is answered, as a real one retries.
pub(crate) async fn caller(
    client: reqwest::Client,
    base: url::Url,
    credential: String,
    mut make: impl FnMut(u64) -> Option<Delivery> + Send,
    load: Arc<Mutex<HubLoad>>,
    stop: tokio_util::sync::CancellationToken,
    pause: Duration,
) -> Result<(), CrashError> {
    let mut n = 0;
    while let Some(delivery) = make(n) {
        let mut tries = 0;
        while !send(&client, &base, &credential, &delivery, &load).await? {
            tries += 1;
            if tries == 1 {
                load.lock().unwrap_or_else(|p| p.into_inner()).retried += 1;
            }
            if stop.is_cancelled() && tries > 2_000 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        n += 1;
        if stop.is_cancelled() {
            break;
        }
        if !pause.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = stop.cancelled() => break,
            }
        }
    }
    Ok(())
}

pub(crate) fn spawn_hub(exe: &Path, config: &Path, log: &Path) -> Result<Child, CrashError> {
    Command::new(exe)
        .arg("hub")
        .arg("--config")
        .arg(config)
        .env("PHONGHOP_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file(log)?)
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| CrashError::Spawn {
            what: "the hub",
            source,
        })
}

/// Polls `/healthz` until it answers; `None` if the process ended first.
pub(crate) async fn wait_healthy(
    client: &reqwest::Client,
    child: &mut Child,
    base: &url::Url,
) -> Option<Duration> {
    let t0 = Instant::now();
    let url = base.join("healthz").expect("a fixed path");
    while t0.elapsed() < READY_LIMIT {
        if let Ok(r) = client.get(url.clone()).send().await
            && r.status().is_success()
        {
            return Some(t0.elapsed());
        }
        if child.try_wait().ok().flatten().is_some() {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

/// The hub part: the real `phonghop hub` process on a fixed port, killed `kills` times while
/// a room uploads feedback and two banks deliver transfers.
async fn hub_part(
    exe: &Path,
    dir: &Path,
    kills: usize,
    rng: &mut StdRng,
) -> Result<BoxReport, CrashError> {
    let data_dir = dir.join("hub");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(setup)?
        .port();
    let text = hub_toml(&data_dir, port);
    let config_path = dir.join("hub.toml");
    std::fs::write(&config_path, &text).map_err(setup)?;
    let config = crate::config::parse_hub_str("hub.toml", &text).map_err(setup)?;
    let base: url::Url = format!("http://127.0.0.1:{port}/").parse().map_err(setup)?;
    let log = dir.join("hub.log");
    let no_restart = |kill: usize| CrashError::NoRestart {
        what: "hub",
        kill,
        limit_secs: READY_LIMIT.as_secs(),
        log: log_tail(&log),
    };

    let room_config =
        crate::config::RoomConfig::local(UNIT, dir.join("hub-room"), base.clone(), String::new());
    // The client a room uses (one TLS provider, passed explicitly), for every caller here.
    let client = crate::room::enroll::http_client(&room_config).map_err(setup)?;
    let mut child = spawn_hub(exe, &config_path, &log)?;
    wait_healthy(&client, &mut child, &base)
        .await
        .ok_or_else(|| no_restart(0))?;
    let (_, code) =
        crate::hub::admin::add_room(&config, "hub.toml", UNIT, "crash bench").map_err(setup)?;
    let credential = crate::room::enroll::enroll(&room_config, None, &code)
        .await
        .map_err(setup)?;

    let load = Arc::new(Mutex::new(HubLoad::default()));
    let stop = tokio_util::sync::CancellationToken::new();
    let mut batch_rng = StdRng::seed_from_u64(rng.random());
    let callers = spawn_hub_load(
        HubLoadTarget {
            client: client.clone(),
            base: base.clone(),
            room: credential.clone(),
            load: load.clone(),
            stop: stop.clone(),
            pause: Duration::ZERO,
        },
        move || batch_rng.random_range(1..=8u64),
    );

    let db = crate::datadir::DataDir::new(&data_dir).db_path();
    let mut report = BoxReport {
        kills,
        integrity_ok: true,
        ..BoxReport::default()
    };
    let mut restart_ms = Vec::new();
    let mut ready = true;
    for k in 0..kills {
        let window = Duration::from_millis(rng.random_range(0..=KILL_WINDOW_MS));
        if !ready {
            // Started but not yet serving: see whether it comes up within the window.
            let t0 = Instant::now();
            match tokio::time::timeout(window, wait_healthy(&client, &mut child, &base)).await {
                Ok(Some(took)) => {
                    ready = true;
                    restart_ms.push(took.as_secs_f64() * 1000.0);
                    tokio::time::sleep(window.saturating_sub(t0.elapsed())).await;
                }
                Ok(None) => return Err(no_restart(k)),
                Err(_) => {}
            }
        } else {
            tokio::time::sleep(window).await;
        }
        if let Some(code) = child.try_wait().ok().flatten() {
            tracing::warn!(%code, "the hub ended by itself");
            return Err(no_restart(k));
        }
        kill(&mut child).await;
        report.killed_during_start += usize::from(!ready);
        let snapshot = {
            let load = load.lock().unwrap_or_else(|p| p.into_inner());
            (load.feedback_acked.clone(), load.transfers_acked.clone())
        };
        check_hub_db(&db, &snapshot.0, &snapshot.1, &mut report)?;
        child = spawn_hub(exe, &config_path, &log)?;
        ready = false;
    }
    // The last start must come up and take everything still being retried.
    let took = wait_healthy(&client, &mut child, &base)
        .await
        .ok_or_else(|| no_restart(kills))?;
    if kills > 0 {
        restart_ms.push(took.as_secs_f64() * 1000.0);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.cancel();
    for task in callers {
        task.await
            .map_err(|e| CrashError::Child(format!("a load task: {e}")))??;
    }
    let load = Arc::try_unwrap(load)
        .map_err(|_| CrashError::Child("the load is still shared".into()))?
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    kill(&mut child).await;
    check_hub_db(
        &db,
        &load.feedback_acked,
        &load.transfers_acked,
        &mut report,
    )?;
    report.acknowledged = load.feedback_acked.len() + load.transfers_acked.len();
    report.retried_after_kill = load.retried;
    report.restarts_served = restart_ms.len();
    (report.restart_ms_p50, report.restart_ms_max) = median_and_max(restart_ms);
    Ok(report)
}

/// After a hub's kill: the file checks out, every acknowledged upload item and transfer is
/// there, none twice.
fn check_hub_db(
    db: &Path,
    feedback: &BTreeSet<u64>,
    transfers: &BTreeSet<String>,
    report: &mut BoxReport,
) -> Result<(), CrashError> {
    let store = open_and_check_integrity(db, report)?;
    let rows = store.feedback_list(&Default::default())?;
    let counts = count_items(rows.iter().map(|r| r.record.text.as_str()), HUB_TEXT);
    let (lost, duplicated) = tally(feedback.iter(), &counts);
    let references: HashMap<String, u64> = store
        .transfer_references(REFERENCE_PREFIX)?
        .into_iter()
        .collect();
    report.lost += lost
        + transfers
            .iter()
            .filter(|r| !references.contains_key(*r))
            .count();
    report.duplicated += duplicated + references.values().filter(|&&c| c > 1).count();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_acknowledged_item_missing_is_lost_and_one_found_twice_is_duplicated() {
        let texts = [
            format!("{ROOM_TEXT}0"),
            format!("{ROOM_TEXT}2"),
            format!("{ROOM_TEXT}2"),
            "someone else's feedback".to_owned(),
        ];
        let counts = count_items(texts.iter().map(String::as_str), ROOM_TEXT);
        assert_eq!(tally([0, 1, 2].iter(), &counts), (1, 1));
    }

    #[test]
    fn numbered_ticket_codes_never_repeat_within_the_cap() {
        let codes: BTreeSet<String> = (0..HUB_FEEDBACK_MAX as u64)
            .map(|n| match feedback_item(n, "LC-7K").record {
                Record::Feedback(f) => f.ticket_code,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(codes.len(), HUB_FEEDBACK_MAX);
        assert!(
            codes
                .iter()
                .all(|c| crate::feedback::ticket::normalize(c).as_deref() == Some(c))
        );
    }

    #[test]
    fn the_hub_config_is_valid_and_takes_both_senders() {
        let config = crate::config::parse_hub_str("hub.toml", &hub_toml(Path::new("/tmp/x"), 4242))
            .expect("valid");
        assert_eq!(config.listen.port(), 4242);
        assert_eq!(config.bank.expect("[bank]").senders.len(), 2);
    }
}
