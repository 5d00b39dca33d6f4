//! The `phonghop` binary: parses the command line, sets up logging, and calls the library.
//!
//! Exit codes: 0 success; 1 runtime failure; 2 invalid input or configuration; 3 the
//! database is damaged or from a newer phonghop.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use tokio_util::sync::CancellationToken;

use phonghop::cli::contrib::ContribCommand;
use phonghop::cli::{
    BenchCommand, Cli, Command, HubArgs, HubCommand, MeetingCommand, RoomArgs, RoomCommand,
};
use phonghop::config::{self, AnyConfig, ConfigError};
use phonghop::store::StoreError;

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
    use phonghop::app::AppError;
    use phonghop::hub::admin::AdminError;
    for cause in error.chain() {
        if cause.is::<ConfigError>()
            || matches!(cause.downcast_ref::<AppError>(), Some(AppError::Config(_)))
        {
            return 2;
        }
        // Library errors wrap StoreError transparently, which hides it from the chain.
        let store = cause
            .downcast_ref::<StoreError>()
            .or_else(|| cause.downcast_ref::<AppError>().and_then(AppError::store))
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
                            .map_err(|e| usage(e.to_string()))?;
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
            phonghop::cli::qr::run(cmd, &mut std::io::stdout().lock()).map_err(|e| Failure {
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
                max_layer: phonghop::meeting::Layer::parse_ceiling(&max_layer)
                    .map_err(|e| usage(format!("--max-layer: {e}")))?,
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
            let hash = phonghop::auth::hash_pin(pin.trim()).map_err(|e| usage(e.to_string()))?;
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
                let hub = phonghop::app::HubBuilder::new(config, shown);
                let listener = hub.bind().await?;
                hub.run(listener, shutdown_signal()).await?;
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
            phonghop::cli::feedback::run(&config, command, &mut out).map_err(|e| Failure {
                code: e.exit_code(),
                error: anyhow::Error::new(e),
            })
        }
        Some(HubCommand::News(command)) => {
            phonghop::cli::news::run(&config, command, &mut std::io::stdout().lock()).map_err(|e| {
                Failure {
                    code: e.exit_code(),
                    error: anyhow::Error::new(e),
                }
            })
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
    command: phonghop::cli::contrib::ContribCommand,
) -> Result<(), Failure> {
    phonghop::cli::contrib::run(config, command, &mut std::io::stdout().lock()).map_err(|e| {
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
            let builder = phonghop::app::RoomBuilder::new(config);
            let listener = rt.block_on(builder.bind())?;
            let room = {
                let _in_runtime = rt.enter();
                builder.spawn(listener)?
            };
            let room_stop = room.stop_token();
            let window_stop = CancellationToken::new();
            {
                let stop = room_stop.clone();
                rt.spawn(async move {
                    shutdown_signal().await;
                    stop.cancel();
                });
            }
            let (status_rx, kiosk_service, call_view) =
                (room.status.clone(), room.kiosk.clone(), room.call.clone());
            let task = rt.spawn({
                let window_stop = window_stop.clone();
                async move {
                    let result = room.finished().await;
                    window_stop.cancel();
                    result.map_err(Failure::from)
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
