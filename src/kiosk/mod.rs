//! The touchscreen (eframe, glow renderer). Screens read the shell's state and return
//! commands; the app applies them and hands effects (speech) to the media module. UI code
//! does no network, database or GStreamer work: the room runs on the tokio runtime and the
//! window only reads its status channel.

mod bench;
pub mod contribute;
pub mod contribute_model;
mod feedback_screens;
pub mod fonts;
pub mod i18n;
pub mod keyboard;
pub mod meeting_model;
pub mod meeting_screen;
pub mod news;
pub mod news_model;
pub mod screens;
pub mod setup_model;
pub mod setup_screen;
pub mod shell;
pub mod style;
pub mod widgets;

use std::path::PathBuf;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::config::Language;
use crate::media::speech::{AudioOutput, Speaker, SpeechLanguage};
use crate::room::RoomStatus;
use crate::room::service::{ServiceError, Voice};
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
    /// The room's service for submissions and look-ups; `None` in previews (screenshots,
    /// benchmarks), where sending says the box is not connected to a room.
    pub service: Option<crate::room::service::KioskClient>,
    pub microphone: crate::media::MicSource,
    /// Where recordings in progress are written (the room's data directory).
    pub recording_dir: PathBuf,
    /// The room's call, written by its call task; `None` in previews and benchmarks (a
    /// preview of the meeting screen makes up a call with test pictures).
    pub call: Option<crate::room::call_view::CallView>,
}

/// An answer the kiosk is waiting for.
enum Pending {
    Feedback(tokio::sync::oneshot::Receiver<Result<crate::room::service::Receipt, ServiceError>>),
    Ticket(
        tokio::sync::oneshot::Receiver<
            Result<Option<crate::room::service::TicketView>, ServiceError>,
        >,
    ),
    Rating(tokio::sync::oneshot::Receiver<Result<(), ServiceError>>),
    Settings(tokio::sync::oneshot::Receiver<crate::room::service::KioskSettings>),
}

/// How often the kiosk re-reads the categories and question synced from the hub.
const SETTINGS_EVERY_MS: i64 = 60_000;
/// How often the meeting screen looks for new pictures (30 frames a second).
const MEETING_REPAINT_MS: u64 = 33;

/// One room's kiosk: the shell plus what carries out its effects (the room service, the
/// recorder, the player). The window runs one per room; tests drive one directly.
pub struct RoomKiosk {
    status: watch::Receiver<RoomStatus>,
    shell: Shell,
    pin_hash: String,
    service: Option<crate::room::service::KioskClient>,
    pending: Vec<Pending>,
    microphone: crate::media::MicSource,
    recording_dir: PathBuf,
    recorder: Option<crate::media::Recorder>,
    player: Option<crate::media::Player>,
    /// Contribution requests waiting for the room's answers.
    contrib: contribute::RoomCalls,
    /// The News screen's request waiting for the room's answer.
    news: news::NewsCalls,
    /// When to re-read the categories and question synced from the hub.
    settings_due_ms: i64,
    /// The room's call, if it has one.
    call: Option<crate::room::call_view::CallView>,
    /// The call's pictures as textures, kept across frames.
    video: meeting_screen::VideoTextures,
}

struct KioskApp {
    rooms: Vec<RoomKiosk>,
    /// A box with no config shows the setup screen instead of rooms.
    setup: Option<SetupKiosk>,
    /// What the setup did, for the caller once the window closes.
    setup_done: std::sync::Arc<std::sync::Mutex<Option<crate::room::setup::SetupDone>>>,
    speaker: Option<Speaker>,
    /// Cancelled when the room stops; the next frame closes the window.
    stop: CancellationToken,
    screenshot: Option<(PathBuf, u32)>,
    /// Filled by egui's screenshot callback once the pixels are read back.
    captured: std::sync::Arc<std::sync::Mutex<Option<std::sync::Arc<egui::ColorImage>>>>,
    screenshot_error: std::sync::Arc<std::sync::Mutex<Option<KioskError>>>,
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
        room.refresh_settings(now);
        room.poll_answers();
        let mut effects = room.poll_call(ui.ctx(), now);
        let contrib_waiting = room
            .contrib
            .poll(room.service.as_ref(), &mut room.shell, now)
            | room.news.poll(room.service.as_ref(), &mut room.shell, now);
        effects.extend(room.poll_recorder());
        effects.extend(room.shell.tick(now));
        if let Some(command) = screens::shell_ui(ui, &mut room.shell) {
            let hash = room.pin_hash.clone();
            effects.extend(
                room.shell
                    .apply(command, &|pin| crate::auth::verify_pin(pin, &hash)),
            );
        }
        if room.shell.screen == shell::Screen::Meeting && room.call.is_some() {
            // New pictures arrive without input: look for them at the video's pace.
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(MEETING_REPAINT_MS));
        } else if !room.pending.is_empty() || room.recorder.is_some() || contrib_waiting {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(50));
        }
        for effect in effects {
            room.apply(effect, speaker);
        }
    }
}

impl std::fmt::Debug for RoomKiosk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomKiosk")
            .field("screen", &self.shell.screen)
            .field("pending", &self.pending.len())
            .field("recording", &self.recorder.is_some())
            .finish()
    }
}

impl RoomKiosk {
    pub fn new(room: KioskRoom, speech_unavailable: Option<String>) -> Self {
        let mut shell = Shell::new(
            room.status.borrow().clone(),
            room.language,
            room.idle_reset_secs,
            crate::clock::now_ms(),
        );
        shell.speech_unavailable = speech_unavailable;
        shell.screen = room.start_screen;
        if room.service.is_none() {
            contribute::prime_preview(&mut shell);
            if shell.screen == shell::Screen::News {
                shell.news.loaded(Ok(news::preview_news(shell.now_ms)));
            }
        }
        let call = match room.call {
            None if shell.screen == shell::Screen::Meeting => Some(meeting_screen::preview_call()),
            call => call,
        };
        RoomKiosk {
            status: room.status,
            shell,
            pin_hash: room.staff_pin_hash,
            service: room.service,
            pending: Vec::new(),
            microphone: room.microphone,
            recording_dir: room.recording_dir,
            recorder: None,
            player: None,
            contrib: Default::default(),
            news: Default::default(),
            settings_due_ms: 0,
            call,
            video: Default::default(),
        }
    }

    /// The call's pictures as textures (tests check they are reused).
    pub fn video_textures(&self) -> &meeting_screen::VideoTextures {
        &self.video
    }

    /// Feeds the call's phase to the shell when it changed, and on the meeting screen
    /// uploads new pictures and refreshes what the screen shows.
    fn poll_call(&mut self, ctx: &egui::Context, now_ms: i64) -> Vec<Effect> {
        let Some(call) = &self.call else {
            return Vec::new();
        };
        let snapshot = call.snapshot();
        let mut effects = Vec::new();
        self.shell.call_seen(&snapshot);
        if snapshot.phase != self.shell.meeting.phase {
            effects = self
                .shell
                .call_phase_changed(snapshot.phase.clone(), now_ms);
        }
        if self.shell.screen == shell::Screen::Meeting {
            self.video.update(ctx, call);
            self.shell.meeting.refresh(&snapshot, call, &self.video);
        }
        effects
    }

    pub fn shell(&self) -> &Shell {
        &self.shell
    }

    pub fn shell_mut(&mut self) -> &mut Shell {
        &mut self.shell
    }

    /// One frame: input, answers from the room, the screen, then effects.
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        KioskApp::room_ui(ui, self, None);
    }

    /// Asks the room for the synced categories and question now and then.
    fn refresh_settings(&mut self, now_ms: i64) {
        if now_ms < self.settings_due_ms {
            return;
        }
        self.settings_due_ms = now_ms + SETTINGS_EVERY_MS;
        if let Some(service) = &self.service {
            let (reply, rx) = tokio::sync::oneshot::channel();
            service.send(crate::room::service::KioskRequest::Settings { reply });
            self.pending.push(Pending::Settings(rx));
        }
    }

    /// Takes answers the room has sent since the last frame.
    fn poll_answers(&mut self) {
        use tokio::sync::oneshot::error::TryRecvError;
        let shell = &mut self.shell;
        self.pending.retain_mut(|pending| match pending {
            Pending::Feedback(rx) => match rx.try_recv() {
                Ok(result) => {
                    shell.feedback_stored(result);
                    false
                }
                Err(TryRecvError::Empty) => true,
                Err(TryRecvError::Closed) => {
                    shell.feedback_stored(Err(ServiceError::Stopped));
                    false
                }
            },
            Pending::Ticket(rx) => match rx.try_recv() {
                Ok(result) => {
                    shell.ticket_found(result);
                    false
                }
                Err(TryRecvError::Empty) => true,
                Err(TryRecvError::Closed) => {
                    shell.ticket_found(Err(ServiceError::Stopped));
                    false
                }
            },
            Pending::Settings(rx) => match rx.try_recv() {
                Ok(settings) => {
                    shell.categories = settings.categories;
                    shell.rating_question = settings.rating_question;
                    false
                }
                Err(TryRecvError::Empty) => true,
                Err(TryRecvError::Closed) => false,
            },
            Pending::Rating(rx) => match rx.try_recv() {
                Ok(Err(why)) => {
                    tracing::error!(%why, "rating not stored");
                    false
                }
                Ok(Ok(())) | Err(TryRecvError::Closed) => false,
                Err(TryRecvError::Empty) => true,
            },
        });
    }

    /// Moves the level meter; a recording that hit its limit is finished.
    fn poll_recorder(&mut self) -> Vec<Effect> {
        let Some(recorder) = &self.recorder else {
            return Vec::new();
        };
        if recorder.is_finished() {
            return vec![Effect::StopRecording];
        }
        self.shell.recording = shell::Recording::Live {
            level: recorder.level(),
            elapsed_ms: recorder.elapsed_ms(),
        };
        Vec::new()
    }

    /// Carries out one effect without a speaker (tests, previews).
    pub fn apply_effect(&mut self, effect: Effect) {
        self.apply(effect, None);
    }

    fn apply(&mut self, effect: Effect, speaker: Option<&Speaker>) {
        use crate::room::service::KioskRequest;
        match effect {
            Effect::Speak { text, lang } => {
                if let Some(s) = speaker {
                    s.speak(&text, speech_language(lang));
                }
            }
            Effect::StopSpeaking => {
                if let Some(s) = speaker {
                    s.stop();
                }
            }
            Effect::SubmitFeedback(draft) => match &self.service {
                Some(service) => {
                    let (reply, rx) = tokio::sync::oneshot::channel();
                    service.send(KioskRequest::SubmitFeedback { draft, reply });
                    self.pending.push(Pending::Feedback(rx));
                }
                None => self.shell.feedback_stored(Err(ServiceError::Preview)),
            },
            Effect::SubmitRating { score, filtered } => {
                if let Some(service) = &self.service {
                    let (reply, rx) = tokio::sync::oneshot::channel();
                    let question = self
                        .shell
                        .rating_question
                        .clone()
                        .unwrap_or_else(|| i18n::tr(Language::Vietnamese, "rating-question"));
                    service.send(KioskRequest::SubmitRating {
                        question,
                        score,
                        filtered,
                        reply,
                    });
                    self.pending.push(Pending::Rating(rx));
                }
            }
            Effect::LookupTicket(code) => match &self.service {
                Some(service) => {
                    let (reply, rx) = tokio::sync::oneshot::channel();
                    service.send(KioskRequest::LookupTicket { code, reply });
                    self.pending.push(Pending::Ticket(rx));
                }
                None => self.shell.ticket_found(Err(ServiceError::Preview)),
            },
            Effect::StartRecording => {
                self.player = None;
                let path = self.recording_dir.join("current.ogg");
                let _ = std::fs::create_dir_all(&self.recording_dir);
                match crate::media::Recorder::start(
                    &self.microphone,
                    &path,
                    shell::MAX_RECORDING_SECS,
                ) {
                    Ok(recorder) => self.recorder = Some(recorder),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot record");
                        let failed = shell::RecordingFailed::from_record_error(&e);
                        self.shell.recording_finished(Err(failed));
                    }
                }
            }
            Effect::StopRecording => {
                if let Some(recorder) = self.recorder.take() {
                    let result = recorder
                        .finish()
                        .map(|r| {
                            // Keep it under a name of its own so re-recording cannot overwrite it.
                            let kept = self.recording_dir.join(format!("{}.ogg", r.sha256_hex));
                            let path = match std::fs::rename(&r.path, &kept) {
                                Ok(()) => kept,
                                Err(_) => r.path,
                            };
                            let voice = Voice {
                                path,
                                sha256_hex: r.sha256_hex,
                            };
                            (voice, r.duration_ms)
                        })
                        .map_err(|e| {
                            tracing::warn!(error = %e, "the recording could not be finished");
                            shell::RecordingFailed::Failed
                        });
                    self.shell.recording_finished(result);
                }
            }
            Effect::PlayRecording(path) => {
                match crate::media::Player::play(&path, &crate::media::AudioOutput::Auto) {
                    Ok(player) => self.player = Some(player),
                    Err(e) => tracing::warn!(error = %e, "cannot play the recording back"),
                }
            }
            Effect::SetMicrophone(on) => {
                if let Some(call) = &self.call {
                    call.set_microphone(on);
                }
            }
            Effect::SetCamera(on) => {
                if let Some(call) = &self.call {
                    call.set_camera(on);
                }
            }
            Effect::Call(request) => {
                if let Some(call) = &self.call {
                    call.request(request);
                }
            }
            Effect::Contribute(request) => {
                self.contrib
                    .send(request, self.service.as_ref(), &mut self.shell);
            }
            Effect::News(request) => {
                self.news
                    .send(request, self.service.as_ref(), &mut self.shell);
            }
            Effect::DiscardRecording => {
                self.player = None;
                if let Some(recorder) = self.recorder.take() {
                    recorder.discard();
                }
                // Recordings not sent are personal data: nothing stays behind.
                if let Ok(entries) = std::fs::read_dir(&self.recording_dir) {
                    for entry in entries.flatten() {
                        let _ = std::fs::remove_file(entry.path());
                    }
                }
            }
        }
    }
}

impl eframe::App for KioskApp {
    /// The screens' background: the panels leave it to the clear (`style::BACKGROUND`).
    fn clear_color(&self, _visuals: &egui::Visuals) -> [f32; 4] {
        style::BACKGROUND.to_normalized_gamma_f32()
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if self.stop.is_cancelled() {
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
        // The clock and the idle countdown move every second even without input.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs(1));
        // A benchmark's baseline frame draws nothing (`bench`).
        if self
            .bench
            .as_mut()
            .is_some_and(bench::FrameClock::begin_frame)
        {
            self.bench_frame_done(ui);
            return;
        }
        let speaker = self.speaker.as_ref();
        if let Some(setup) = &mut self.setup {
            setup.frame_ui(ui);
            if let Some(done) = setup.done() {
                // Kept as soon as it is done: a stop before "start" still reports it.
                let mut slot = self.setup_done.lock().unwrap_or_else(|p| p.into_inner());
                if slot.is_none() {
                    *slot = Some(done.clone());
                }
            }
            if setup.should_start() {
                ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
            }
            self.capture(ui);
            return;
        }
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
        self.bench_frame_done(ui);
    }
}

impl KioskApp {
    /// Benchmark mode: the next frame at once, or the report and the window closed.
    fn bench_frame_done(&mut self, ui: &mut egui::Ui) {
        if let Some(clock) = &mut self.bench {
            if clock.end_frame(ui.ctx(), &self.rooms) {
                println!("{}", clock.report());
                ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                self.bench = None;
            } else {
                ui.ctx().request_repaint();
            }
        }
    }

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

fn save_png(path: &std::path::Path, image: &egui::ColorImage) -> Result<(), KioskError> {
    let [w, h] = image.size;
    let mut rgba = Vec::with_capacity(w * h * 4);
    for pixel in &image.pixels {
        rgba.extend_from_slice(&pixel.to_array());
    }
    image::save_buffer(path, &rgba, w as u32, h as u32, image::ColorType::Rgba8)
        .map_err(|e| KioskError::Screenshot(format!("{}: {e}", path.display())))
}

/// Runs the window on this (the main) thread until it is closed or `stop` is cancelled.
/// Status changes wake the UI, so an idle kiosk draws about once a second.
pub fn run_window(
    rooms: Vec<KioskRoom>,
    options: WindowOptions,
    runtime: &tokio::runtime::Handle,
    stop: CancellationToken,
) -> Result<(), KioskError> {
    run_kiosk_window(rooms, None, options, runtime, stop).map(|_| ())
}

/// The setup screen of a box with no config, in the kiosk's window, until the box is set
/// up (then what setup did) or the window is closed (`None`).
pub fn run_setup_window(
    setup: SetupWindow,
    options: WindowOptions,
    runtime: &tokio::runtime::Handle,
    stop: CancellationToken,
) -> Result<Option<crate::room::setup::SetupDone>, KioskError> {
    run_kiosk_window(Vec::new(), Some(setup), options, runtime, stop)
}

fn run_kiosk_window(
    rooms: Vec<KioskRoom>,
    setup: Option<SetupWindow>,
    options: WindowOptions,
    runtime: &tokio::runtime::Handle,
    stop: CancellationToken,
) -> Result<Option<crate::room::setup::SetupDone>, KioskError> {
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
    // egui's fragment shader would add a noise term to every pixel to hide banding in
    // gradients; the kiosk draws flat colours, text and video, and on a software renderer
    // (llvmpipe) that term is paid per pixel, every frame.
    native.dithering = false;
    let runtime = runtime.clone();
    let screenshot_error = std::sync::Arc::new(std::sync::Mutex::new(None));
    let error_slot = screenshot_error.clone();
    let setup_done = std::sync::Arc::new(std::sync::Mutex::new(None));
    let done_slot = setup_done.clone();
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
                .map(|r| RoomKiosk::new(r, unavailable.clone()))
                .collect();
            let setup = setup.map(|s| SetupKiosk::new(s, runtime.clone()));
            Ok(Box::new(KioskApp {
                rooms,
                setup,
                setup_done: done_slot,
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
        Some(e) => Err(e),
        None => Ok(setup_done.lock().unwrap_or_else(|p| p.into_inner()).take()),
    }
}

/// What the setup screen needs: where the config goes, where the room's data will be,
/// and the language to start in.
#[derive(Debug, Clone)]
pub struct SetupWindow {
    pub config_path: PathBuf,
    pub data_dir: PathBuf,
    pub language: Language,
}

/// The setup screen and what runs the setup (`room::setup::setup_room`, on the runtime):
/// the window runs one on a box with no config; tests drive one directly.
pub struct SetupKiosk {
    form: setup_model::SetupForm,
    window: SetupWindow,
    runtime: tokio::runtime::Handle,
    pending: Option<
        tokio::sync::oneshot::Receiver<
            Result<crate::room::setup::SetupDone, crate::room::setup::SetupError>,
        >,
    >,
    /// What the setup did, once it succeeded.
    done: Option<crate::room::setup::SetupDone>,
}

impl std::fmt::Debug for SetupKiosk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetupKiosk")
            .field("phase", &self.form.phase)
            .field("field", &self.form.field)
            .finish()
    }
}

impl SetupKiosk {
    pub fn new(window: SetupWindow, runtime: tokio::runtime::Handle) -> Self {
        Self {
            form: setup_model::SetupForm::new(window.language),
            window,
            runtime,
            pending: None,
            done: None,
        }
    }

    pub fn form(&self) -> &setup_model::SetupForm {
        &self.form
    }

    /// What the setup did, once it succeeded.
    pub fn done(&self) -> Option<&crate::room::setup::SetupDone> {
        self.done.as_ref()
    }

    /// The box is set up and the room should start now.
    pub fn should_start(&self) -> bool {
        self.form.should_start(crate::clock::now_ms())
    }

    /// One frame: the setup's answer if it came, the screen, then the command.
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        let now = crate::clock::now_ms();
        self.poll(now);
        if let Some(command) = setup_screen::setup_screen_ui(ui, &mut self.form, now)
            && let Some(request) = self.form.apply(command)
        {
            self.start(request);
        }
        if self.pending.is_some() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(50));
        }
    }

    /// Runs the setup on the runtime; the answer comes back through `poll`.
    fn start(&mut self, request: setup_model::SetupRequest) {
        let answers = crate::room::setup::RoomSetup {
            config_path: self.window.config_path.clone(),
            hub_url: request.hub_url,
            unit: request.unit,
            code: request.code,
            fingerprint: request.fingerprint,
            data_dir: self.window.data_dir.clone(),
            staff_pin: request.staff_pin,
            force: false,
        };
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.runtime.spawn(async move {
            let _ = reply.send(crate::room::setup::setup_room(&answers).await);
        });
        self.pending = Some(rx);
    }

    fn poll(&mut self, now_ms: i64) {
        use tokio::sync::oneshot::error::TryRecvError;
        let Some(rx) = &mut self.pending else {
            return;
        };
        let result = match rx.try_recv() {
            Ok(result) => result,
            Err(TryRecvError::Empty) => return,
            Err(TryRecvError::Closed) => Err(crate::room::setup::SetupError::Io {
                path: self.window.config_path.display().to_string(),
                source: std::io::Error::other("the setup stopped before it finished"),
            }),
        };
        self.pending = None;
        let names = result.map(|done| {
            let names = (done.room_name.clone(), done.unit_name.clone());
            tracing::info!(room = %done.room_id, "the box is set up from the touchscreen");
            self.done = Some(done);
            names
        });
        if let Err(e) = &names {
            tracing::warn!(error = %e, "setup from the touchscreen refused");
        }
        self.form.finished(names, now_ms);
    }
}
