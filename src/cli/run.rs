//! What each `phonghop` command does, once clap has parsed it: the library's side of the
//! binary. `src/main.rs` calls [`run`] and turns its [`CliError`] into an exit code.

use tokio_util::sync::CancellationToken;

use crate::config::{self, AnyConfig};

use super::error::{CliError, io, usage};
use super::{BenchCommand, Cli, Command};

/// Runs one parsed command line to its end.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Hub(args) => super::hub::run(args),
        Command::Room(args) => super::room::run(args),
        Command::Demo { headless, seconds } => demo(headless, seconds),
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
            let data = crate::datadir::DataDir::new(loaded.data_dir());
            let version = crate::store::backup_to(&data.db_path(), &to)?;
            println!(
                "backed up {} to {} (schema {version})",
                data.db_path().display(),
                to.display()
            );
            Ok(())
        }
        Command::Restore { config, from } => {
            let loaded = config::load_any(&config)?;
            let data = crate::datadir::DataDir::new(loaded.data_dir());
            let _lock = data
                .lock()
                .map_err(|e| usage(format!("refusing to restore: {e}")))?;
            let aside = crate::store::restore_from(&data.db_path(), &from)?;
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
        Command::Qr(cmd) => Ok(super::qr::run(cmd, &mut std::io::stdout().lock())?),
        Command::Bench(command) => bench(command),
        Command::Generate(command) => Ok(super::generate::run(command)?),
        Command::HashPin => {
            let mut pin = String::new();
            std::io::stdin()
                .read_line(&mut pin)
                .map_err(io("reading the PIN"))?;
            let hash = crate::auth::hash_pin(pin.trim()).map_err(|e| usage(e.to_string()))?;
            println!("{hash}");
            Ok(())
        }
    }
}

/// A multi-threaded runtime for the commands that serve or talk to the network.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io("starting the async runtime"))
}

/// Completes on SIGTERM (systemd stop) or Ctrl-C.
pub(crate) async fn shutdown_signal() {
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

fn demo(headless: bool, seconds: Option<u64>) -> Result<(), CliError> {
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
            let options = crate::demo::DemoOptions {
                seconds,
                rooms: Some(rooms_tx),
            };
            let result = crate::demo::run(options, &mut out, stop).await;
            window_stop.cancel();
            result
        }
    });
    if !headless {
        match rooms_rx.recv() {
            Ok(rooms) => {
                let options = crate::kiosk::WindowOptions {
                    fullscreen: false,
                    ..Default::default()
                };
                let pin_hash = crate::auth::hash_pin(crate::demo::DEMO_STAFF_PIN)
                    .map_err(|e| usage(e.to_string()))?;
                let rooms = rooms
                    .into_iter()
                    .map(|(status, call)| crate::kiosk::KioskRoom {
                        status,
                        language: crate::config::Language::Vietnamese,
                        idle_reset_secs: 90,
                        staff_pin_hash: pin_hash.clone(),
                        start_screen: crate::kiosk::shell::Screen::Home,
                        service: None,
                        microphone: crate::media::MicSource::Test { freq_hz: 440.0 },
                        recording_dir: std::env::temp_dir().join("phonghop-demo-recording"),
                        call: Some(call),
                    })
                    .collect();
                match crate::kiosk::run_window(rooms, options, rt.handle(), window_stop) {
                    Ok(()) => stop.cancel(),
                    Err(e) => {
                        eprintln!("phonghop demo: {e}; showing the status in this terminal")
                    }
                }
            }
            Err(_) => tracing::debug!("the demo ended before its rooms started"),
        }
    }
    rt.block_on(task).map_err(|source| CliError::Task {
        what: "demo",
        source,
    })??;
    Ok(())
}

/// `--engine` of the light benches.
fn engine_option(name: &str) -> Result<crate::bench_light::Engine, CliError> {
    crate::bench_light::Engine::parse(name)
        .ok_or_else(|| usage(format!("--engine {name}: use builtin or janus")))
}

fn bench(command: BenchCommand) -> Result<(), CliError> {
    match command {
        BenchCommand::Sync { records, json } => {
            if records == 0 {
                return Err(usage("--records must be at least 1"));
            }
            let report = runtime()?.block_on(crate::bench::sync(records))?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!("{}", serde_json::to_string_pretty(&report)?);
            }
        }
        BenchCommand::Meeting {
            rooms,
            seconds,
            vs_chromium,
            max_layer,
            light,
            engine,
            receive_only,
            decode_sample,
            json,
        } => {
            if rooms < 2 || seconds == 0 {
                return Err(usage("--rooms must be at least 2 and --seconds at least 1"));
            }
            let layer = |name: &str| {
                crate::meeting::Layer::parse_ceiling(name)
                    .map_err(|e| usage(format!("--max-layer: {e}")))
            };
            if light {
                if vs_chromium {
                    return Err(usage(
                        "--vs-chromium compares room processes; leave it out with --light",
                    ));
                }
                let options = crate::bench_light::LightOptions {
                    exe: std::env::current_exe().map_err(io("finding this binary"))?,
                    engine: engine_option(&engine)?,
                    rooms,
                    receive_only,
                    decode_sample,
                    seconds,
                    max_layer: layer(max_layer.as_deref().unwrap_or("360p"))?,
                };
                let report = runtime()?.block_on(crate::bench_light::light_meeting(options))?;
                if json {
                    println!("{}", serde_json::to_string(&report)?);
                } else {
                    print!("{}", crate::bench_light::table(&report));
                }
                return Ok(());
            }
            if receive_only > 0 || decode_sample > 0 || engine != "builtin" {
                return Err(usage(
                    "--engine, --receive-only and --decode-sample need --light",
                ));
            }
            let options = crate::bench_meeting::MeetingOptions {
                exe: std::env::current_exe().map_err(io("finding this binary"))?,
                rooms,
                seconds,
                max_layer: layer(max_layer.as_deref().unwrap_or("720p"))?,
                vs_chromium,
                repo_dir: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
                npm_dir: std::env::var_os("PHONGHOP_NPM_DIR").map(std::path::PathBuf::from),
            };
            let report = runtime()?.block_on(crate::bench_meeting::meeting(options))?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print!("{}", crate::bench_meeting::table(&report));
            }
        }
        BenchCommand::Capacity {
            engine,
            max_rooms,
            step,
            senders,
            decode_sample,
            seconds,
            max_layer,
            out,
        } => {
            if seconds == 0 || senders == 0 {
                return Err(usage("--seconds and --senders must be at least 1"));
            }
            let options = crate::bench_capacity::CapacityOptions {
                light: crate::bench_light::LightOptions {
                    exe: std::env::current_exe().map_err(io("finding this binary"))?,
                    engine: engine_option(&engine)?,
                    rooms: 0,
                    receive_only: 0,
                    decode_sample,
                    seconds,
                    max_layer: crate::meeting::Layer::parse_ceiling(&max_layer)
                        .map_err(|e| usage(format!("--max-layer: {e}")))?,
                },
                max_rooms,
                step,
                senders,
            };
            let summary =
                runtime()?.block_on(crate::bench_capacity::capacity(options, |report| {
                    if let Ok(line) = serde_json::to_string(report) {
                        println!("{line}");
                    }
                }))?;
            crate::bench_capacity::write_chart(&summary, &out)?;
            println!("{}", serde_json::to_string(&summary)?);
            eprintln!("bench capacity: chart written to {}", out.display());
        }
        BenchCommand::Crash { kills, seed, json } => {
            let options = crate::bench_crash::CrashOptions {
                exe: std::env::current_exe().map_err(io("finding this binary"))?,
                kills,
                seed,
            };
            let report = runtime()?.block_on(crate::bench_crash::crash(options))?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!("{}", serde_json::to_string_pretty(&report)?);
            }
        }
        BenchCommand::Soak {
            minutes,
            sample_secs,
        } => {
            if minutes == 0 {
                return Err(usage("--minutes must be at least 1"));
            }
            let options = crate::bench_soak::SoakOptions {
                exe: std::env::current_exe().map_err(io("finding this binary"))?,
                minutes,
                sample_secs,
            };
            let summary = runtime()?.block_on(crate::bench_soak::soak(options, |sample| {
                if let Ok(line) = serde_json::to_string(sample) {
                    println!("{line}");
                }
            }))?;
            println!("{}", serde_json::to_string(&summary)?);
        }
        BenchCommand::CrashRoomChild {
            data_dir,
            hub_url,
            from,
            no_submit,
        } => runtime()?.block_on(crate::bench_crash::room_child(
            data_dir, hub_url, from, !no_submit,
        ))?,
    }
    Ok(())
}
