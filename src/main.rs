//! The `phonghop` binary: parses the command line, sets up logging, and calls the library.
//!
//! Exit codes: 0 success; 1 runtime failure; 2 invalid input or configuration; 3 the
//! database is damaged or from a newer phonghop.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use phonghop::config::{self, AnyConfig, ConfigError};
use phonghop::contrib::cli::ContribCommand;
use phonghop::store::StoreError;

#[derive(Debug, Parser)]
#[command(
    name = "phonghop",
    version,
    about = "Digital meeting room appliance: hub and room modes"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the province hub, or manage its rooms and certificate.
    Hub(HubArgs),
    /// Run a room box (the kiosk needs a display; --headless runs without), or enroll it.
    Room(RoomArgs),
    /// Start a hub and two rooms on this machine and show them connected.
    Demo {
        /// No window: print a status line every second.
        #[arg(long)]
        headless: bool,
        /// Stop after this many seconds (default: run until Ctrl-C).
        #[arg(long)]
        seconds: Option<u64>,
    },
    /// Validate a hub or room configuration file; exit 0 when valid, 2 when not.
    CheckConfig { file: PathBuf },
    /// Copy the database to FILE while the appliance runs.
    Backup {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        to: PathBuf,
    },
    /// Replace the database with a backup (the appliance must be stopped).
    Restore {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        from: PathBuf,
    },
    /// Measurements that print numbers.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Read a staff PIN on standard input and print its hash for [staff] pin_hash.
    HashPin,
    /// VietQR payloads and QR images for contributions by bank transfer.
    #[command(subcommand)]
    Qr(phonghop::cli_qr::QrCommand),
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// A hub and a room on this machine: submit N feedback items, measure storing and syncing.
    Sync {
        #[arg(long, default_value_t = 2000)]
        records: usize,
        /// Print one JSON object (the default prints the same fields as text).
        #[arg(long)]
        json: bool,
    },
    /// A hub and N rooms as separate processes on this machine in one meeting: time to
    /// first frame, glass-to-glass latency, frame rate, CPU and memory per process.
    Meeting {
        #[arg(long, default_value_t = 2)]
        rooms: usize,
        /// Length of the measured window once every room is live.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Also join headless Chromium (scripts/meet-browser.mjs) and measure it alongside.
        #[arg(long)]
        vs_chromium: bool,
        /// The best picture the rooms send: 720p, 360p or 180p.
        #[arg(long, default_value = "720p", value_parser = ["720p", "360p", "180p"])]
        max_layer: String,
        /// Print one JSON object (the default prints a table).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
struct HubArgs {
    #[command(subcommand)]
    command: Option<HubCommand>,
    /// The hub configuration file.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum HubCommand {
    /// Register a room for a unit and print its one-time enrollment code (valid 24 hours).
    AddRoom {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        name: String,
    },
    /// Cut a room off: its credential stops working and its session is closed at once.
    RevokeRoom {
        #[arg(long)]
        room: String,
    },
    /// List rooms with their ids, units and state.
    ListRooms,
    /// Contribution campaigns: create, list, close.
    #[command(subcommand)]
    Campaign(phonghop::contrib::cli::CampaignCommand),
    /// Residents' feedback: list, show, change status, reply, export.
    #[command(subcommand)]
    Feedback(phonghop::hub::feedback_cli::FeedbackCommand),
    /// Write a campaign's A4 poster (static VietQR, account, how to give) as PDF.
    Poster(phonghop::contrib::cli::PosterArgs),
    /// Import a bank statement; transfers already recorded count once.
    ImportStatement(phonghop::contrib::cli::ImportStatementArgs),
    /// The queue of transfers no campaign was credited with, and assigning them.
    #[command(subcommand)]
    Transfers(phonghop::contrib::cli::TransfersCommand),
    /// The append-only contributions ledger: corrections, refunds, listing.
    #[command(subcommand)]
    Ledger(phonghop::contrib::cli::LedgerCommand),
    /// Pledges taken by phone, at a meeting or in cash: add one, mark cash received.
    #[command(subcommand)]
    Pledge(phonghop::contrib::cli::PledgeCommand),
    /// Meetings between rooms (until scheduling arrives): start, stop, browser links, list.
    #[command(subcommand)]
    Meeting(MeetingCommand),
    /// Write a self-signed certificate and key to the paths in [tls].
    GenCert {
        /// Extra DNS names or IP addresses the certificate is valid for.
        #[arg(long, value_delimiter = ',')]
        names: Vec<String>,
        /// Replace existing files.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
enum MeetingCommand {
    /// Start a meeting now; prints its id. The rooms named join by themselves.
    Start {
        /// Room id of the host (the chairing room).
        #[arg(long)]
        host: String,
        /// Room ids invited, comma-separated (the host is added if not named).
        #[arg(long, value_delimiter = ',')]
        rooms: Vec<String>,
    },
    /// End a meeting: every room and browser leaves.
    Stop { id: String },
    /// Print a link with which a browser joins this meeting (and only this one).
    Link {
        id: String,
        /// Who the link is for; shown to the others.
        #[arg(long)]
        name: String,
    },
    /// List running meetings.
    List,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
struct RoomArgs {
    #[command(subcommand)]
    command: Option<RoomCommand>,
    /// The room configuration file.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Run without the kiosk window.
    #[arg(long)]
    headless: bool,
    /// Render one kiosk screen with demo data into this PNG and exit (needs a display,
    /// e.g. Xvfb).
    #[arg(long, value_name = "FILE.png")]
    screenshot: Option<PathBuf>,
    /// The screen for --screenshot: home, feedback, rating, ticket, contribute, news,
    /// staff, staff-panel, fault.
    #[arg(long, default_value = "home")]
    screen: String,
    /// Language for --screenshot and --bench-ui: vi, en or hmn.
    #[arg(long, default_value = "vi")]
    lang: String,
    /// Logical window size for --screenshot and --bench-ui, e.g. 1280x800 or 1080x1920.
    #[arg(long, default_value = "1280x800")]
    size: String,
    /// Print which kiosk texts each language lacks (shown in Vietnamese instead).
    #[arg(long)]
    i18n_report: bool,
    /// Render the Home screen --frames times as fast as possible and print frame times.
    #[arg(long)]
    bench_ui: bool,
    #[arg(long, default_value_t = 600)]
    frames: u32,
}

#[derive(Debug, Subcommand)]
enum RoomCommand {
    /// Exchange a one-time code from `phonghop hub add-room` for this box's credential.
    Enroll {
        /// The hub's URL (must match [hub] url in the config; defaults to it).
        #[arg(long)]
        hub: Option<url::Url>,
        #[arg(long)]
        code: String,
    },
}

/// An error that already knows its exit code.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        let error = e.into();
        let code = exit_code_for(&error);
        Failure { code, error }
    }
}

fn exit_code_for(error: &anyhow::Error) -> u8 {
    use phonghop::hub::{HubError, admin::AdminError};
    use phonghop::room::RoomError;
    for cause in error.chain() {
        if cause.is::<ConfigError>() {
            return 2;
        }
        // Library errors wrap StoreError transparently, which hides it from the chain.
        let store = cause
            .downcast_ref::<StoreError>()
            .or_else(|| match cause.downcast_ref::<HubError>() {
                Some(HubError::Store(e)) => Some(e),
                _ => None,
            })
            .or_else(|| match cause.downcast_ref::<RoomError>() {
                Some(RoomError::Store(e)) => Some(e),
                _ => None,
            })
            .or_else(|| match cause.downcast_ref::<AdminError>() {
                Some(AdminError::Store(e)) => Some(e),
                _ => None,
            });
        if let Some(store) = store {
            return match store {
                StoreError::Corrupt { .. } | StoreError::NewerSchema { .. } => 3,
                StoreError::Refused(_) => 2,
                _ => 1,
            };
        }
        if cause.is::<AdminError>() {
            return 2;
        }
    }
    1
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        error: anyhow::anyhow!(message.into()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(matches!(cli.command, Command::Demo { .. }));
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("phonghop: {:#}", failure.error);
            ExitCode::from(failure.code)
        }
    }
}

/// Logs go to stderr; under systemd (JOURNAL_STREAM set) without colours or timestamps,
/// which journald adds. `PHONGHOP_LOG` takes a tracing filter such as `debug`.
fn init_logging(quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if quiet { "warn" } else { "info" };
    let filter =
        EnvFilter::try_from_env("PHONGHOP_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.with_ansi(false).without_time().init();
    } else {
        builder.init();
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?)
}

/// Completes on SIGTERM (systemd stop) or Ctrl-C.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("stop requested");
}

fn need_config(config: Option<PathBuf>, command: &str) -> Result<PathBuf, Failure> {
    config.ok_or_else(|| usage(format!("{command} needs --config FILE")))
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Hub(args) => hub(args),
        Command::Room(args) => room(args),
        Command::Demo { headless, seconds } => {
            let rt = runtime()?;
            let stop = CancellationToken::new();
            {
                let trigger = stop.clone();
                rt.spawn(async move {
                    shutdown_signal().await;
                    trigger.cancel();
                });
            }
            let (rooms_tx, rooms_rx) = std::sync::mpsc::channel();
            let window_stop = CancellationToken::new();
            let task = rt.spawn({
                let (stop, window_stop) = (stop.clone(), window_stop.clone());
                async move {
                    let mut out = std::io::stdout();
                    let options = phonghop::demo::DemoOptions {
                        seconds,
                        rooms: Some(rooms_tx),
                    };
                    let result = phonghop::demo::run(options, &mut out, stop).await;
                    window_stop.cancel();
                    result
                }
            });
            if !headless {
                match rooms_rx.recv() {
                    Ok(rooms) => {
                        let options = phonghop::kiosk::WindowOptions {
                            fullscreen: false,
                            ..Default::default()
                        };
                        let pin_hash = phonghop::auth::hash_pin(phonghop::demo::DEMO_STAFF_PIN)
                            .map_err(usage)?;
                        let rooms = rooms
                            .into_iter()
                            .map(|(status, call)| phonghop::kiosk::KioskRoom {
                                status,
                                language: phonghop::config::Language::Vietnamese,
                                idle_reset_secs: 90,
                                staff_pin_hash: pin_hash.clone(),
                                start_screen: phonghop::kiosk::shell::Screen::Home,
                                service: None,
                                microphone: phonghop::media::MicSource::Test { freq_hz: 440.0 },
                                recording_dir: std::env::temp_dir().join("phonghop-demo-recording"),
                                call: Some(call),
                            })
                            .collect();
                        match phonghop::kiosk::run_window(rooms, options, rt.handle(), window_stop)
                        {
                            Ok(()) => stop.cancel(),
                            Err(e) => {
                                eprintln!("phonghop demo: {e}; showing the status in this terminal")
                            }
                        }
                    }
                    Err(_) => tracing::debug!("the demo ended before its rooms started"),
                }
            }
            rt.block_on(task).context("demo task")??;
            Ok(())
        }
        Command::CheckConfig { file } => {
            let kind = match config::load_any(&file)? {
                AnyConfig::Hub(h) => format!(
                    "hub config for {} ({} units)",
                    h.province().name,
                    h.units.len()
                ),
                AnyConfig::Room(r) => format!("room config for unit {}", r.unit),
            };
            println!("{}: valid {kind}", file.display());
            Ok(())
        }
        Command::Backup { config, to } => {
            let loaded = config::load_any(&config)?;
            let data = phonghop::datadir::DataDir::new(loaded.data_dir());
            let version = phonghop::store::backup_to(&data.db_path(), &to)?;
            println!(
                "backed up {} to {} (schema {version})",
                data.db_path().display(),
                to.display()
            );
            Ok(())
        }
        Command::Restore { config, from } => {
            let loaded = config::load_any(&config)?;
            let data = phonghop::datadir::DataDir::new(loaded.data_dir());
            let _lock = data
                .lock()
                .map_err(|e| usage(format!("refusing to restore: {e}")))?;
            let aside = phonghop::store::restore_from(&data.db_path(), &from)?;
            println!(
                "restored {} from {}",
                data.db_path().display(),
                from.display()
            );
            if let Some(aside) = aside {
                println!("the previous database was kept as {}", aside.display());
            }
            Ok(())
        }
        Command::Qr(cmd) => {
            phonghop::cli_qr::run(cmd, &mut std::io::stdout().lock()).map_err(|e| Failure {
                code: 2,
                error: anyhow::Error::new(e),
            })
        }
        Command::Bench(BenchCommand::Sync { records, json }) => {
            if records == 0 {
                return Err(usage("--records must be at least 1"));
            }
            let report = runtime()?
                .block_on(phonghop::bench::sync(records))
                .map_err(|e| anyhow::anyhow!(e))?;
            let text = serde_json::to_string(&report).context("encoding the report")?;
            if json {
                println!("{text}");
            } else {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).context("encoding the report")?
                );
            }
            Ok(())
        }
        Command::Bench(BenchCommand::Meeting {
            rooms,
            seconds,
            vs_chromium,
            max_layer,
            json,
        }) => {
            if rooms < 2 || seconds == 0 {
                return Err(usage("--rooms must be at least 2 and --seconds at least 1"));
            }
            let options = phonghop::bench_meeting::MeetingOptions {
                exe: std::env::current_exe().context("finding this binary")?,
                rooms,
                seconds,
                max_layer,
                vs_chromium,
                repo_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
                npm_dir: std::env::var_os("PHONGHOP_NPM_DIR").map(PathBuf::from),
            };
            let report = runtime()?
                .block_on(phonghop::bench_meeting::meeting(options))
                .map_err(|e| anyhow::anyhow!(e))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&report).context("encoding the report")?
                );
            } else {
                print!("{}", phonghop::bench_meeting::table(&report));
            }
            Ok(())
        }
        Command::HashPin => {
            let mut pin = String::new();
            std::io::stdin()
                .read_line(&mut pin)
                .context("reading the PIN")?;
            let hash = phonghop::auth::hash_pin(pin.trim()).map_err(usage)?;
            println!("{hash}");
            Ok(())
        }
    }
}

fn hub(args: HubArgs) -> Result<(), Failure> {
    let path = need_config(args.config, "phonghop hub")?;
    let config = config::load_hub(&path)?;
    let shown = path.display().to_string();
    match args.command {
        None => {
            let rt = runtime()?;
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind(config.listen)
                    .await
                    .with_context(|| {
                        format!("cannot listen on {} ([hub] listen)", config.listen)
                    })?;
                phonghop::hub::run(listener, config, shutdown_signal()).await?;
                Ok::<_, Failure>(())
            })
        }
        Some(HubCommand::AddRoom { unit, name }) => {
            let (room, code) = phonghop::hub::admin::add_room(&config, &shown, &unit, &name)?;
            let link = config
                .public_url
                .join(&format!("enroll?code={code}"))
                .map(|u| u.to_string())
                .unwrap_or_default();
            println!(
                "Room {} ({}) added for unit {}.",
                room.id, room.name, room.unit_id
            );
            println!("Enrollment code (one use, valid 24 hours): {code}");
            println!(
                "On the box: phonghop room enroll --config /etc/phonghop/room.toml --hub {} --code {code}",
                config.public_url
            );
            if let Ok(qr) = qrcode::QrCode::new(link.as_bytes()) {
                println!(
                    "{}",
                    qr.render::<qrcode::render::unicode::Dense1x2>()
                        .quiet_zone(true)
                        .build()
                );
                println!("(the QR opens {link})");
            }
            Ok(())
        }
        Some(HubCommand::RevokeRoom { room }) => {
            let revoked = phonghop::hub::admin::revoke_room(&config, &room)?;
            println!(
                "Room {} ({}) revoked; a running hub closes its session now.",
                revoked.id, revoked.name
            );
            Ok(())
        }
        Some(HubCommand::Meeting(command)) => match command {
            MeetingCommand::Start { host, rooms } => {
                let meeting = phonghop::hub::meeting_api::start_meeting(&config, &host, &rooms)?;
                println!("{}", meeting.id);
                eprintln!(
                    "Meeting {} started with {} rooms; a running hub invites them now.",
                    meeting.id,
                    meeting.rooms.len()
                );
                Ok(())
            }
            MeetingCommand::Stop { id } => {
                phonghop::hub::meeting_api::stop_meeting(&config, &id)?;
                println!("Meeting {id} ended; everyone leaves now.");
                Ok(())
            }
            MeetingCommand::Link { id, name } => {
                let url = phonghop::hub::meeting_api::meeting_link(&config, &id, &name)?;
                println!("{url}");
                Ok(())
            }
            MeetingCommand::List => {
                for m in phonghop::hub::meeting_api::list_meetings(&config)? {
                    println!(
                        "{}\thost {}\t{} rooms\tsince {}",
                        m.id,
                        m.host_room,
                        m.rooms.len(),
                        phonghop::clock::rfc3339(m.started_at_ms)
                    );
                }
                Ok(())
            }
        },
        Some(HubCommand::ListRooms) => {
            for r in phonghop::hub::admin::list_rooms(&config)? {
                let state = match r.revoked_at_ms {
                    Some(ms) => format!("revoked {}", phonghop::clock::rfc3339(ms)),
                    None => "active".to_owned(),
                };
                println!("{}\t{}\t{}\t{state}", r.id, r.unit_id, r.name);
            }
            Ok(())
        }
        Some(HubCommand::GenCert { names, force }) => gen_cert(&config, &shown, names, force),
        Some(HubCommand::Feedback(command)) => {
            let mut out = std::io::stdout().lock();
            phonghop::hub::feedback_cli::run(&config, command, &mut out).map_err(usage)
        }
        Some(HubCommand::Campaign(c)) => contrib(&config, ContribCommand::Campaign(c)),
        Some(HubCommand::Poster(a)) => contrib(&config, ContribCommand::Poster(a)),
        Some(HubCommand::ImportStatement(a)) => {
            contrib(&config, ContribCommand::ImportStatement(a))
        }
        Some(HubCommand::Transfers(c)) => contrib(&config, ContribCommand::Transfers(c)),
        Some(HubCommand::Ledger(c)) => contrib(&config, ContribCommand::Ledger(c)),
        Some(HubCommand::Pledge(c)) => contrib(&config, ContribCommand::Pledge(c)),
    }
}

/// The contributions commands; their errors know their exit codes.
fn contrib(
    config: &config::HubConfig,
    command: phonghop::contrib::cli::ContribCommand,
) -> Result<(), Failure> {
    phonghop::contrib::cli::run(config, command, &mut std::io::stdout().lock()).map_err(|e| {
        Failure {
            code: e.exit_code(),
            error: anyhow::Error::new(e),
        }
    })
}

fn gen_cert(
    config: &config::HubConfig,
    shown: &str,
    extra: Vec<String>,
    force: bool,
) -> Result<(), Failure> {
    let Some(tls) = &config.tls else {
        return Err(usage(format!(
            "{shown}: add a [tls] section with cert and key paths first"
        )));
    };
    for path in [&tls.cert, &tls.key] {
        if path.exists() && !force {
            return Err(usage(format!(
                "{} exists; pass --force to replace it",
                path.display()
            )));
        }
    }
    let mut names: Vec<String> = config
        .public_url
        .host_str()
        .map(|h| h.trim_matches(['[', ']']).to_owned())
        .into_iter()
        .collect();
    names.extend(["localhost".to_owned(), "127.0.0.1".to_owned()]);
    names.extend(extra);
    names.dedup();
    let (cert, key) = phonghop::hub::tls::self_signed(&names).map_err(|e| anyhow::anyhow!(e))?;
    write_file(&tls.cert, cert.as_bytes(), 0o644)?;
    write_file(&tls.key, key.as_bytes(), 0o600)?;
    println!(
        "wrote {} and {} for {}",
        tls.cert.display(),
        tls.key.display(),
        names.join(", ")
    );
    println!(
        "copy {} to each room and set [hub] ca_cert to its path",
        tls.cert.display()
    );
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Failure> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(mode)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn room(args: RoomArgs) -> Result<(), Failure> {
    if args.i18n_report {
        print!("{}", phonghop::kiosk::i18n::report());
        return Ok(());
    }
    if args.screenshot.is_some() || args.bench_ui {
        return kiosk_preview(&args);
    }
    let path = need_config(args.config, "phonghop room")?;
    let config = config::load_room(&path)?;
    let rt = runtime()?;
    match args.command {
        Some(RoomCommand::Enroll { hub, code }) => {
            let credential =
                rt.block_on(phonghop::room::enroll::enroll(&config, hub.as_ref(), &code))?;
            println!(
                "Enrolled as room {} ({}) of {}. Start the room: systemctl start phonghop-room",
                credential.room_id, credential.room_name, credential.unit_name
            );
            Ok(())
        }
        None => {
            let unit = config.unit.clone();
            let health_listen = config.health_listen;
            let kiosk_language = config.kiosk.language;
            let idle_reset_secs = config.kiosk.idle_reset_secs;
            let zoom = config.kiosk.zoom_percent as f32 / 100.0;
            let staff_pin_hash = config.staff_pin_hash.clone();
            let microphone = match &config.media.microphone {
                phonghop::config::DeviceChoice::Auto => phonghop::media::MicSource::Auto,
                phonghop::config::DeviceChoice::Test => {
                    phonghop::media::MicSource::Test { freq_hz: 440.0 }
                }
                phonghop::config::DeviceChoice::Named(name) => {
                    phonghop::media::MicSource::Named(name.clone())
                }
            };
            let recording_dir = phonghop::datadir::DataDir::new(&config.data_dir).recording_dir();
            let (kiosk_service, kiosk_requests) = phonghop::room::service::channel();
            let (status_tx, status_rx) = phonghop::room::status_channel(&unit);
            let room_stop = CancellationToken::new();
            let window_stop = CancellationToken::new();
            {
                let stop = room_stop.clone();
                rt.spawn(async move {
                    shutdown_signal().await;
                    stop.cancel();
                });
            }
            // Shared by the room's call task (writer) and the kiosk's meeting screen (reader).
            let call_view = phonghop::room::call_view::CallView::new();
            let room_call = call_view.clone();
            let task = rt.spawn({
                let (room_stop, window_stop) = (room_stop.clone(), window_stop.clone());
                async move {
                    let result = async {
                        let listener = tokio::net::TcpListener::bind(health_listen)
                            .await
                            .with_context(|| {
                                format!("cannot listen on {health_listen} ([room] health_listen)")
                            })?;
                        phonghop::room::run_full(
                            listener,
                            config,
                            status_tx,
                            kiosk_requests,
                            room_call,
                            room_stop.cancelled_owned(),
                        )
                        .await?;
                        Ok::<_, Failure>(())
                    }
                    .await;
                    window_stop.cancel();
                    result
                }
            });
            if !args.headless {
                let options = phonghop::kiosk::WindowOptions {
                    scale: Some(zoom),
                    ..Default::default()
                };
                let kiosk = phonghop::kiosk::KioskRoom {
                    status: status_rx,
                    language: kiosk_language,
                    idle_reset_secs,
                    staff_pin_hash,
                    start_screen: phonghop::kiosk::shell::Screen::Home,
                    service: Some(kiosk_service),
                    microphone,
                    recording_dir,
                    call: Some(call_view),
                };
                match phonghop::kiosk::run_window(vec![kiosk], options, rt.handle(), window_stop) {
                    // Closing the window (staff, or the compositor) stops the room.
                    Ok(()) => room_stop.cancel(),
                    Err(e) => tracing::error!("{e}; the room goes on without a window"),
                }
            }
            rt.block_on(task).context("room task")?
        }
    }
}

/// `--screenshot` and `--bench-ui`: the kiosk with demo data, no hub, no config.
fn kiosk_preview(args: &RoomArgs) -> Result<(), Failure> {
    use phonghop::kiosk::shell::Screen;
    let screen = Screen::from_name(&args.screen).ok_or_else(|| {
        usage(format!(
            "--screen {:?} is not a screen; choose one of: {}",
            args.screen,
            Screen::NAMES.join(", ")
        ))
    })?;
    let language = phonghop::config::Language::from_code(&args.lang)
        .ok_or_else(|| usage(format!("--lang {:?} is not one of: vi, en, hmn", args.lang)))?;
    let size = args
        .size
        .split_once('x')
        .and_then(|(w, h)| Some([w.parse::<f32>().ok()?, h.parse::<f32>().ok()?]))
        .filter(|[w, h]| *w >= 320.0 && *h >= 320.0)
        .ok_or_else(|| {
            usage(format!(
                "--size {:?} is not WIDTHxHEIGHT such as 1280x800",
                args.size
            ))
        })?;
    let (_status_tx, status_rx) = tokio::sync::watch::channel(phonghop::demo::sample_room_status());
    let rt = runtime()?;
    let kiosk = phonghop::kiosk::KioskRoom {
        status: status_rx,
        language,
        idle_reset_secs: 90,
        staff_pin_hash: String::new(),
        start_screen: screen,
        service: None,
        microphone: phonghop::media::MicSource::Test { freq_hz: 440.0 },
        recording_dir: std::env::temp_dir().join("phonghop-preview-recording"),
        call: None,
    };
    let options = phonghop::kiosk::WindowOptions {
        fullscreen: false,
        size_px: size,
        scale: None,
        screenshot: args.screenshot.clone(),
        bench_frames: args.bench_ui.then_some(args.frames),
    };
    phonghop::kiosk::run_window(vec![kiosk], options, rt.handle(), CancellationToken::new())?;
    if let Some(path) = &args.screenshot {
        println!("wrote {}", path.display());
    }
    Ok(())
}
