//! The touchscreen window (eframe, glow renderer). UI functions read state and draw; the
//! window does no network, database or media I/O: it only reads the room's status channel.
//! The kiosk shell issue grows this into the resident-facing screens.

pub mod fonts;
pub mod status_screen;

use tokio::sync::watch;

use crate::room::RoomStatus;

#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    #[error(
        "cannot open the kiosk window ({0}); is there a display? Under systemd the room runs \
         inside cage; for a terminal-only box use --headless"
    )]
    Window(String),
}

/// How the window is shown.
#[derive(Debug, Clone)]
pub struct WindowOptions {
    /// Full screen without decorations (the box under cage); windowed for development.
    pub fullscreen: bool,
    pub size_px: [f32; 2],
}

impl Default for WindowOptions {
    fn default() -> Self {
        Self {
            fullscreen: std::env::var_os("PHONGHOP_WINDOWED").is_none(),
            size_px: [1280.0, 800.0],
        }
    }
}

/// One room's screen, or (in the demo) several rooms side by side.
struct KioskApp {
    rooms: Vec<watch::Receiver<RoomStatus>>,
    /// Cancelled when the room stops; the next frame closes the window.
    stop: tokio_util::sync::CancellationToken,
}

impl eframe::App for KioskApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if self.stop.is_cancelled() {
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
        let statuses: Vec<RoomStatus> = self.rooms.iter().map(|r| r.borrow().clone()).collect();
        egui::CentralPanel::default().show(ui, |ui| match statuses.as_slice() {
            [one] => status_screen::status_screen_ui(ui, one),
            many => ui.columns(many.len(), |columns| {
                for (column, status) in columns.iter_mut().zip(many) {
                    status_screen::status_screen_ui(column, status);
                }
            }),
        });
    }
}

/// Runs the window on this (the main) thread until it is closed or `stop` is cancelled.
/// Status changes wake the UI through `repaint`, so an idle kiosk draws nothing.
pub fn run_window(
    rooms: Vec<watch::Receiver<RoomStatus>>,
    options: WindowOptions,
    runtime: &tokio::runtime::Handle,
    stop: tokio_util::sync::CancellationToken,
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
    let runtime = runtime.clone();
    eframe::run_native(
        "phonghop",
        native,
        Box::new(move |cc| {
            fonts::install(&cc.egui_ctx);
            tracing::info!(rooms = rooms.len(), "kiosk window open (glow renderer)");
            for mut changes in rooms.iter().cloned() {
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
            Ok(Box::new(KioskApp { rooms, stop }))
        }),
    )
    .map_err(|e| KioskError::Window(e.to_string()))
}
