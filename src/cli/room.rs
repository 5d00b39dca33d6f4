//! `phonghop room ...`: run a room box with its kiosk, enroll it, or render the kiosk alone
//! (`--screenshot`, `--bench-ui`, `--i18n-report`).

use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

use crate::config;

use super::RoomArgs;
use super::RoomCommand;
use super::error::{CliError, usage};
use super::hub::need_config;
use super::run::{runtime, shutdown_signal};

/// Runs the room (no subcommand) or one of its commands.
pub fn run(args: RoomArgs) -> Result<(), CliError> {
    if args.i18n_report {
        print!("{}", crate::kiosk::i18n::report());
        return Ok(());
    }
    if args.screenshot.is_some() || args.bench_ui {
        return kiosk_preview(&args);
    }
    if let Some(RoomCommand::Setup(setup)) = args.command {
        return super::setup::room(setup, args.config);
    }
    let path = need_config(args.config, "phonghop room")?;
    let config = match config::load_room(&path) {
        // Only a missing file: anything wrong with a file that is there stays an error.
        Err(config::ConfigError::Read { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound
                && args.command.is_none()
                && !args.headless =>
        {
            return first_boot(&path);
        }
        loaded => loaded?,
    };
    let rt = runtime()?;
    match args.command {
        Some(RoomCommand::Enroll { hub, code }) => {
            let credential =
                rt.block_on(crate::room::enroll::enroll(&config, hub.as_ref(), &code))?;
            println!(
                "Enrolled as room {} ({}) of {}. Start the room: systemctl start phonghop-room",
                credential.room_id, credential.room_name, credential.unit_name
            );
            Ok(())
        }
        Some(RoomCommand::Setup(_)) => unreachable!("handled before the config is read"),
        None => serve(rt, config, args.headless),
    }
}

/// The room appliance, with its kiosk window unless `headless`; closing the window stops
/// the room.
fn serve(
    rt: tokio::runtime::Runtime,
    config: config::RoomConfig,
    headless: bool,
) -> Result<(), CliError> {
    let kiosk_language = config.kiosk.language;
    let idle_reset_secs = config.kiosk.idle_reset_secs;
    let zoom = config.kiosk.zoom_percent as f32 / 100.0;
    let staff_pin_hash = config.staff_pin_hash.clone();
    let microphone = match &config.media.microphone {
        config::DeviceChoice::Auto => crate::media::MicSource::Auto,
        config::DeviceChoice::Test => crate::media::MicSource::Test { freq_hz: 440.0 },
        config::DeviceChoice::Named(name) => crate::media::MicSource::Named(name.clone()),
    };
    let recording_dir = crate::datadir::DataDir::new(&config.data_dir).recording_dir();
    let builder = crate::app::RoomBuilder::new(config);
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
            result
        }
    });
    if !headless {
        let options = crate::kiosk::WindowOptions {
            scale: Some(zoom),
            ..Default::default()
        };
        let kiosk = crate::kiosk::KioskRoom {
            status: status_rx,
            language: kiosk_language,
            idle_reset_secs,
            staff_pin_hash,
            start_screen: crate::kiosk::shell::Screen::Home,
            service: Some(kiosk_service),
            microphone,
            recording_dir,
            call: Some(call_view),
        };
        match crate::kiosk::run_window(vec![kiosk], options, rt.handle(), window_stop) {
            // Closing the window (staff, or the compositor) stops the room.
            Ok(()) => room_stop.cancel(),
            Err(e) => tracing::error!("{e}; the room goes on without a window"),
        }
    }
    rt.block_on(task).map_err(|source| CliError::Task {
        what: "room",
        source,
    })??;
    Ok(())
}

/// A box with no config (`path` missing) opens the setup screen on its touchscreen. Once
/// the box is set up the process ends and systemd (`Restart=always`) starts it again, now
/// with the written config: the room then starts exactly as it will after every power cut,
/// from the file alone, in a fresh process (no window, runtime or half-finished TLS state
/// carried over from the setup), and if it cannot start, systemd's restart and the journal
/// handle it like any other failed start.
fn first_boot(path: &Path) -> Result<(), CliError> {
    let config_path = std::path::absolute(path).map_err(|source| CliError::Io {
        what: format!("--config {}", path.display()),
        source,
    })?;
    tracing::warn!(
        config = %config_path.display(),
        "no config: the touchscreen shows the setup screen"
    );
    let rt = runtime()?;
    let stop = CancellationToken::new();
    {
        let _in_runtime = rt.enter();
        // Under systemd (Type=notify, WatchdogSec) the setup screen is the service running.
        crate::systemd::spawn_watchdog(|| true, stop.clone());
        let stop = stop.clone();
        rt.spawn(async move {
            shutdown_signal().await;
            stop.cancel();
        });
    }
    crate::systemd::notify_ready();
    let setup = crate::kiosk::SetupWindow {
        config_path: config_path.clone(),
        data_dir: PathBuf::from(crate::room::setup::BOX_DATA_DIR),
        language: config::Language::Vietnamese,
    };
    let shown = crate::kiosk::run_setup_window(
        setup,
        crate::kiosk::WindowOptions::default(),
        rt.handle(),
        stop.clone(),
    );
    stop.cancel();
    match shown? {
        Some(done) => {
            println!(
                "Set up on the touchscreen as room {} ({}) of {}; config written to {}. \
                 The room starts when the service restarts (systemd does this by itself).",
                done.room_id,
                done.room_name,
                done.unit_name,
                config_path.display()
            );
            Ok(())
        }
        None => Err(usage(format!(
            "{} does not exist and the box was not set up on the touchscreen; set it up \
             there or with `phonghop room setup`",
            config_path.display()
        ))),
    }
}

/// `--screenshot` and `--bench-ui`: the kiosk with demo data, no config; no hub either,
/// except for the meeting screen's benchmark, which runs a live meeting in this process.
/// `--screen setup`, or a `--config` that does not exist, shows the setup screen.
fn kiosk_preview(args: &RoomArgs) -> Result<(), CliError> {
    use crate::kiosk::shell::Screen;
    let config_missing = args.config.as_deref().is_some_and(|p| {
        std::fs::metadata(p).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    });
    if args.screen == "setup" || config_missing {
        return setup_preview(args);
    }
    let screen = Screen::from_name(&args.screen).ok_or_else(|| {
        usage(format!(
            "--screen {:?} is not a screen; choose one of: {}, setup",
            args.screen,
            Screen::NAMES.join(", ")
        ))
    })?;
    let (language, size) = preview_language_and_size(args)?;
    let rt = runtime()?;
    // The meeting screen's benchmark shows a live meeting's pictures, not test images.
    let live = if args.bench_ui && screen == Screen::Meeting {
        Some(rt.block_on(crate::bench_live_call::LiveCall::start(
            std::time::Duration::from_secs(90),
        ))?)
    } else {
        None
    };
    let mut status = crate::demo::sample_room_status();
    if let Some(live) = &live {
        status.room_id = Some(live.room_id.clone());
    }
    let (_status_tx, status_rx) = tokio::sync::watch::channel(status);
    let kiosk = crate::kiosk::KioskRoom {
        status: status_rx,
        language,
        idle_reset_secs: 90,
        staff_pin_hash: String::new(),
        start_screen: screen,
        service: None,
        microphone: crate::media::MicSource::Test { freq_hz: 440.0 },
        recording_dir: std::env::temp_dir().join("phonghop-preview-recording"),
        call: live.as_ref().map(|l| l.view.clone()),
    };
    let options = crate::kiosk::WindowOptions {
        fullscreen: false,
        size_px: size,
        scale: None,
        screenshot: args.screenshot.clone(),
        bench_frames: args.bench_ui.then_some(args.frames),
    };
    let shown =
        crate::kiosk::run_window(vec![kiosk], options, rt.handle(), CancellationToken::new());
    if let Some(live) = live {
        rt.block_on(live.stop());
    }
    shown?;
    if let Some(path) = &args.screenshot {
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// `--lang` and `--size` of a preview.
fn preview_language_and_size(args: &RoomArgs) -> Result<(config::Language, [f32; 2]), CliError> {
    let language = config::Language::from_code(&args.lang)
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
    Ok((language, size))
}

/// The setup screen as a box with no config shows it (`--screenshot`); setting up from
/// this window is real, into `--config` (or a scratch file when none is given).
fn setup_preview(args: &RoomArgs) -> Result<(), CliError> {
    if args.bench_ui {
        return Err(usage(
            "--bench-ui measures the kiosk's screens; the setup screen has no benchmark",
        ));
    }
    let (language, size) = preview_language_and_size(args)?;
    let scratch = std::env::temp_dir().join("phonghop-preview-setup");
    let setup = crate::kiosk::SetupWindow {
        config_path: args
            .config
            .clone()
            .unwrap_or_else(|| scratch.join("room.toml")),
        data_dir: scratch.join("data"),
        language,
    };
    let options = crate::kiosk::WindowOptions {
        fullscreen: false,
        size_px: size,
        scale: None,
        screenshot: args.screenshot.clone(),
        bench_frames: None,
    };
    let rt = runtime()?;
    crate::kiosk::run_setup_window(setup, options, rt.handle(), CancellationToken::new())?;
    if let Some(path) = &args.screenshot {
        println!("wrote {} (the setup screen)", path.display());
    }
    Ok(())
}
