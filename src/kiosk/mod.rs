//! The touchscreen (eframe, glow renderer). Screens read the shell's state and return
//! commands; the app applies them and hands effects (speech) to the media module. UI code
//! does no network, database or GStreamer work: the room runs on the tokio runtime and the
//! window only reads its status channel.

mod bench;
pub mod fonts;
pub mod i18n;
pub mod keyboard;
pub mod screens;
pub mod shell;
pub mod style;

use std::path::PathBuf;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::config::Language;
use crate::media::speech::{AudioOutput, Speaker, SpeechLanguage};
use crate::room::RoomStatus;
use shell::{Effect, Shell};

#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    #[error(
        "cannot open the kiosk window ({0}); is there a display? Under systemd the room runs \
         inside cage; for a terminal-only box use --headless"
    )]
    Window(String),
    #[error("screenshot: {0}")]
    Screenshot(String),
}

/// How the window is shown.
#[derive(Debug, Clone)]
pub struct WindowOptions {
    /// Full screen without decorations (the box under cage); windowed for development.
    pub fullscreen: bool,
    /// Logical size of the panel, e.g. 1280×800 or 1920×1080 (swap for portrait).
    pub size_px: [f32; 2],
    /// Logical-to-physical scale for the panel (1.0 = egui's choice from the display).
    pub scale: Option<f32>,
    /// Render, save one PNG, and close.
    pub screenshot: Option<PathBuf>,
    /// Render this many frames as fast as possible and print frame times.
    pub bench_frames: Option<u32>,
}

impl Default for WindowOptions {
    fn default() -> Self {
        Self {
            fullscreen: std::env::var_os("PHONGHOP_WINDOWED").is_none(),
            size_px: [1280.0, 800.0],
            scale: None,
            screenshot: None,
            bench_frames: None,
        }
    }
}

/// One room's kiosk in the window.
#[derive(Debug)]
pub struct KioskRoom {
    pub status: watch::Receiver<RoomStatus>,
    pub language: Language,
    pub idle_reset_secs: u64,
    pub staff_pin_hash: String,
    /// The screen to start on (screenshots); Home otherwise.
    pub start_screen: shell::Screen,
}

struct RoomKiosk {
    status: watch::Receiver<RoomStatus>,
    shell: Shell,
    pin_hash: String,
}

struct KioskApp {
    rooms: Vec<RoomKiosk>,
    speaker: Option<Speaker>,
    /// Cancelled when the room stops; the next frame closes the window.
    stop: CancellationToken,
    screenshot: Option<(PathBuf, u32)>,
    /// Filled by egui's screenshot callback once the pixels are read back.
    captured: std::sync::Arc<std::sync::Mutex<Option<std::sync::Arc<egui::ColorImage>>>>,
    screenshot_error: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    bench: Option<bench::FrameClock>,
}

fn speech_language(lang: Language) -> SpeechLanguage {
    match lang {
        Language::Vietnamese => SpeechLanguage::Vietnamese,
        Language::English => SpeechLanguage::English,
        Language::Hmong => SpeechLanguage::Hmong,
    }
}

impl KioskApp {
    fn room_ui(ui: &mut egui::Ui, room: &mut RoomKiosk, speaker: Option<&Speaker>) {
        let now = crate::clock::now_ms();
        room.shell.room = room.status.borrow().clone();
        let touched = ui.input(|i| {
            i.pointer.any_pressed()
                || i.events
                    .iter()
                    .any(|e| matches!(e, egui::Event::Text(_) | egui::Event::Key { .. }))
        });
        if touched {
            room.shell.touched(now);
        }
        let mut effects = room.shell.tick(now);
        if let Some(command) = screens::shell_ui(ui, &mut room.shell) {
            let hash = room.pin_hash.clone();
            effects.extend(
                room.shell
                    .apply(command, &|pin| crate::auth::verify_pin(pin, &hash)),
            );
        }
        for effect in effects {
            match (effect, speaker) {
                (Effect::Speak { text, lang }, Some(s)) => s.speak(&text, speech_language(lang)),
                (Effect::StopSpeaking, Some(s)) => s.stop(),
                (_, None) => {}
            }
        }
    }
}

impl eframe::App for KioskApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if self.stop.is_cancelled() {
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
        // The clock and the idle countdown move every second even without input.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs(1));
        let speaker = self.speaker.as_ref();
        match self.rooms.as_mut_slice() {
            [one] => Self::room_ui(ui, one, speaker),
            many => {
                let n = many.len();
                ui.columns(n, |columns| {
                    for (column, room) in columns.iter_mut().zip(many.iter_mut()) {
                        Self::room_ui(column, room, speaker);
                    }
                });
            }
        }
        self.capture(ui);
        if let Some(clock) = &mut self.bench {
            if clock.frame() {
                println!("{}", clock.report());
                ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                self.bench = None;
            } else {
                ui.ctx().request_repaint();
            }
        }
    }
}

impl KioskApp {
    /// Screenshot mode: a few frames to settle, then ask for the image and save it.
    fn capture(&mut self, ui: &mut egui::Ui) {
        let Some((path, frames_left)) = &mut self.screenshot else {
            return;
        };
        let ctx = ui.ctx().clone();
        let image = self
            .captured
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(image) = image {
            if let Err(e) = save_png(path, &image) {
                *self
                    .screenshot_error
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()) = Some(e);
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        match frames_left {
            0 => {}
            1 => {
                *frames_left = 0;
                let slot = self.captured.clone();
                let waker = ctx.clone();
                ctx.request_screenshot(move |image| {
                    *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(image);
                    waker.request_repaint();
                });
            }
            _ => *frames_left -= 1,
        }
        ctx.request_repaint();
    }
}

fn save_png(path: &std::path::Path, image: &egui::ColorImage) -> Result<(), String> {
    let [w, h] = image.size;
    let mut rgba = Vec::with_capacity(w * h * 4);
    for pixel in &image.pixels {
        rgba.extend_from_slice(&pixel.to_array());
    }
    image::save_buffer(path, &rgba, w as u32, h as u32, image::ColorType::Rgba8)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs the window on this (the main) thread until it is closed or `stop` is cancelled.
/// Status changes wake the UI, so an idle kiosk draws about once a second.
pub fn run_window(
    rooms: Vec<KioskRoom>,
    options: WindowOptions,
    runtime: &tokio::runtime::Handle,
    stop: CancellationToken,
) -> Result<(), KioskError> {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("phonghop")
        .with_inner_size(options.size_px);
    if options.fullscreen {
        viewport = viewport.with_fullscreen(true).with_decorations(false);
    }
    let native = eframe::NativeOptions {
        viewport,
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let mut native = native;
    // Benchmarks measure rendering, not the display's refresh rate.
    native.glow_options.vsync = options.bench_frames.is_none();
    let runtime = runtime.clone();
    let screenshot_error = std::sync::Arc::new(std::sync::Mutex::new(None));
    let error_slot = screenshot_error.clone();
    let now = crate::clock::now_ms();
    eframe::run_native(
        "phonghop",
        native,
        Box::new(move |cc| {
            style::apply(&cc.egui_ctx);
            if let Some(scale) = options.scale {
                cc.egui_ctx.set_zoom_factor(scale);
            }
            tracing::info!(rooms = rooms.len(), "kiosk window open (glow renderer)");
            let (speaker, unavailable) = match Speaker::new(AudioOutput::Auto) {
                Ok(s) => (Some(s), None),
                Err(e) => {
                    tracing::warn!(reason = %e, "read-aloud disabled");
                    (None, Some(e.to_string()))
                }
            };
            for mut changes in rooms.iter().map(|r| r.status.clone()) {
                let (ctx, stop) = (cc.egui_ctx.clone(), stop.clone());
                runtime.spawn(async move {
                    // The room may stop (dropping its status sender) before `stop` fires;
                    // keep waiting for `stop` so the window is always woken to close.
                    let mut room_alive = true;
                    loop {
                        tokio::select! {
                            _ = stop.cancelled() => {
                                tracing::debug!("closing the kiosk window");
                                ctx.request_repaint();
                                break;
                            }
                            changed = changes.changed(), if room_alive => match changed {
                                Ok(()) => ctx.request_repaint(),
                                Err(_) => room_alive = false,
                            },
                        }
                    }
                });
            }
            let rooms = rooms
                .into_iter()
                .map(|r| {
                    let mut shell = Shell::new(
                        r.status.borrow().clone(),
                        r.language,
                        r.idle_reset_secs,
                        now,
                    );
                    shell.speech_unavailable = unavailable.clone();
                    shell.screen = r.start_screen;
                    RoomKiosk {
                        status: r.status,
                        shell,
                        pin_hash: r.staff_pin_hash,
                    }
                })
                .collect();
            Ok(Box::new(KioskApp {
                rooms,
                speaker,
                stop,
                screenshot: options.screenshot.map(|p| (p, 4)),
                captured: Default::default(),
                screenshot_error: error_slot,
                bench: options.bench_frames.map(bench::FrameClock::new),
            }))
        }),
    )
    .map_err(|e| KioskError::Window(e.to_string()))?;
    match screenshot_error
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    {
        Some(e) => Err(KioskError::Screenshot(e)),
        None => Ok(()),
    }
}
