//! The meeting screen: the large picture (slot 0: the host, or whoever spoke last) with the
//! speaker's name, the other slots smaller, the room's own camera small, and two big
//! buttons for the microphone and the camera.
//!
//! The screen draws from a [`MeetingScreenState`] that `RoomKiosk` fills each frame from the
//! room's [`crate::room::call_view::CallView`] and from [`VideoTextures`]; it
//! returns `Command::ToggleMicrophone` / `Command::ToggleCamera`, the shell turns them into
//! effects, and `RoomKiosk` flips the call view's flags. Nothing here does I/O.

use std::sync::Arc;

use egui::{Align2, Color32, ColorImage, FontId, Rect, RichText, Sense, Ui, vec2};

use super::i18n::{Arg, tr, tr_args};
use super::keyboard::KeyboardEvent;
use super::meeting_model::CHAT_LINES_SHOWN;
pub use super::meeting_model::{
    MeetingCommand, MeetingScreenState, Picture, SlotView, refusal_key,
};
use super::shell::{Command, Shell};
use super::style::{BODY_PT, MIN_TARGET, MIN_TEXT_PT, big_button, big_button_enabled, body};
use super::widgets::{KEYBOARD_PANEL_PAD, keyboard_labels, keyboard_panel, keyboard_panel_height};
use crate::media::FrameSlot;
use crate::meeting::floor::{CHAT_MAX_CHARS, Mic, MutedBy};
use crate::room::call_view::{CallPhase, CallSnapshot, CallView, TestSources};
use crate::wire::{Roster, RosterSeat};

impl MeetingScreenState {
    /// Takes over what the call task published (everything but the phase, which goes
    /// through `Shell::call_phase_changed` so the shell can switch screens).
    pub fn refresh(&mut self, snapshot: &CallSnapshot, view: &CallView, textures: &VideoTextures) {
        let count = snapshot.slots.len().max(view.tiles().len());
        self.slots = (0..count)
            .map(|i| SlotView {
                name: snapshot
                    .slots
                    .get(i)
                    .and_then(|s| s.as_ref())
                    .map(|s| s.name.clone()),
                picture: textures.tile(i),
            })
            .collect();
        self.self_view = textures.self_view();
        self.participants = snapshot.participants.len();
        self.test_sources = snapshot.test_sources;
        self.microphone_on = view.microphone_on();
        self.camera_on = view.camera_on();
        self.roster = snapshot.roster.clone();
        let first = snapshot.chat.len().saturating_sub(CHAT_LINES_SHOWN);
        self.chat = snapshot.chat[first..].to_vec();
        if snapshot.refused.is_none() {
            self.dismissed = None;
        }
        self.refused = snapshot.refused.clone();
        self.speaking = snapshot.speaking;
    }
}

// ----- textures -----

/// The GPU textures of a call's pictures, one per receiving slot plus the self-view, kept
/// for as long as the kiosk runs.
///
/// How a new frame reaches the screen, and what it costs:
/// - a frame is uploaded only when its slot's `generation` changed since the last upload;
/// - the texture is created once (`Context::load_texture`) and then updated in place: a
///   frame of the same size goes in with `TextureHandle::set_partial([0, 0], ..)`, which the
///   glow painter turns into `glTexSubImage2D` on the existing texture (a whole-image `set`
///   would re-specify its storage with `glTexImage2D`); only a change of size uses `set`;
/// - egui wants pixels as a `ColorImage` (`Vec<Color32>`), so the RGBA bytes are copied
///   once, pixel by pixel, into a `ColorImage` kept across frames (its `Vec` is reused; it
///   grows only when the picture does). egui holds that buffer through an `Arc` until the
///   painter has uploaded it, which in the window happens within the same frame, so the
///   next frame gets it back with `Arc::get_mut`; if something still holds it, a new buffer
///   is made instead of waiting (counted in [`buffer_allocations`](Self::buffer_allocations)).
///
/// The pictures come no wider than the screen draws them: the screen notes each slot's
/// drawn width (in egui's memory, as it lays them out) and `update` passes it on to the
/// slot ([`FrameSlot::show_at_width`]), which the receive path scales to. On Xvfb's
/// llvmpipe a 720p picture shown 600 pixels wide cost four times the copy, upload and
/// sampling it needed.
///
/// So a new frame costs one copy into a reused buffer plus the upload. Uploading straight
/// from `VideoFrame::rgba()` into a native glow texture would save that copy, but needs
/// the glow context and a second drawing path that tests cannot see; at 2 slots of 720p it
/// is not worth it yet.
pub struct VideoTextures {
    tiles: Vec<VideoTexture>,
    self_view: VideoTexture,
    allocations: u64,
    buffer_allocations: u64,
    uploads: u64,
}

impl std::fmt::Debug for VideoTextures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoTextures")
            .field("tiles", &self.tiles.len())
            .field("allocations", &self.allocations)
            .field("buffer_allocations", &self.buffer_allocations)
            .field("uploads", &self.uploads)
            .finish()
    }
}

impl Default for VideoTextures {
    fn default() -> Self {
        Self::new()
    }
}

const TEXTURE_OPTIONS: egui::TextureOptions = egui::TextureOptions::LINEAR;

struct VideoTexture {
    name: String,
    handle: Option<egui::TextureHandle>,
    /// The generation last uploaded.
    generation: u64,
    /// The pixels handed to egui, reused from frame to frame.
    buffer: Arc<ColorImage>,
}

impl VideoTexture {
    fn new(name: String) -> Self {
        Self {
            name,
            handle: None,
            generation: 0,
            buffer: Arc::new(ColorImage::default()),
        }
    }

    fn picture(&self) -> Option<Picture> {
        self.handle.as_ref().map(|h| Picture {
            texture: h.id(),
            size: self.buffer.size,
        })
    }
}

impl VideoTextures {
    pub fn new() -> Self {
        Self {
            tiles: Vec::new(),
            self_view: VideoTexture::new("call-self-view".into()),
            allocations: 0,
            buffer_allocations: 0,
            uploads: 0,
        }
    }

    /// Uploads what changed in the call's slots since the last frame.
    pub fn update(&mut self, ctx: &egui::Context, view: &CallView) {
        let tiles = view.tiles();
        while self.tiles.len() < tiles.len() {
            let name = format!("call-slot-{}", self.tiles.len());
            self.tiles.push(VideoTexture::new(name));
        }
        for (i, (texture, slot)) in self.tiles.iter_mut().zip(tiles).enumerate() {
            // How wide the screen drew this picture last frame: the receive path scales
            // to it, so no more pixels are converted, uploaded and sampled than are shown.
            if let Some(width_px) = ctx.data(|d| d.get_temp::<u32>(shown_width_id(i))) {
                slot.show_at_width(width_px);
            }
            self.uploads += u64::from(Self::upload(
                ctx,
                texture,
                slot,
                &mut self.allocations,
                &mut self.buffer_allocations,
            ));
        }
        let own = view.self_view();
        self.uploads += u64::from(Self::upload(
            ctx,
            &mut self.self_view,
            &own,
            &mut self.allocations,
            &mut self.buffer_allocations,
        ));
    }

    /// Returns whether a picture was uploaded.
    fn upload(
        ctx: &egui::Context,
        texture: &mut VideoTexture,
        slot: &FrameSlot,
        allocations: &mut u64,
        buffer_allocations: &mut u64,
    ) -> bool {
        let Some(frame) = slot.latest() else {
            return false;
        };
        if texture.handle.is_some() && frame.generation == texture.generation {
            return false;
        }
        let (w, h) = (frame.width as usize, frame.height as usize);
        let rgba = frame.rgba();
        if w == 0 || h == 0 || rgba.len() < w * h * 4 {
            tracing::warn!(
                w,
                h,
                bytes = rgba.len(),
                "video frame of the wrong size skipped"
            );
            texture.generation = frame.generation;
            return false;
        }
        if Arc::get_mut(&mut texture.buffer).is_none() {
            texture.buffer = Arc::new(ColorImage::default());
            *buffer_allocations += 1;
        }
        let Some(image) = Arc::get_mut(&mut texture.buffer) else {
            return false; // a fresh Arc is never shared
        };
        let same_size = image.size == [w, h];
        if !same_size {
            image.size = [w, h];
            image.source_size = vec2(w as f32, h as f32);
            image.pixels.resize(w * h, Color32::BLACK);
        }
        // Video is opaque: premultiplied and straight alpha are the same, alpha is forced.
        for (pixel, rgba) in image.pixels.iter_mut().zip(rgba.chunks_exact(4)) {
            *pixel = Color32::from_rgb(rgba[0], rgba[1], rgba[2]);
        }
        let data = egui::ImageData::Color(texture.buffer.clone());
        match &mut texture.handle {
            None => {
                texture.handle = Some(ctx.load_texture(&texture.name, data, TEXTURE_OPTIONS));
                *allocations += 1;
            }
            Some(handle) if same_size && handle.size() == [w, h] => {
                handle.set_partial([0, 0], data, TEXTURE_OPTIONS);
            }
            Some(handle) => handle.set(data, TEXTURE_OPTIONS),
        }
        texture.generation = frame.generation;
        true
    }

    /// The picture of receiving slot `index`, once one was uploaded.
    pub fn tile(&self, index: usize) -> Option<Picture> {
        self.tiles.get(index).and_then(VideoTexture::picture)
    }

    pub fn self_view(&self) -> Option<Picture> {
        self.self_view.picture()
    }

    /// How many textures were ever created (one per slot that showed a picture).
    pub fn allocations(&self) -> u64 {
        self.allocations
    }

    /// How many pictures were uploaded (one per new frame of a slot, none for a frame
    /// already shown).
    pub fn uploads(&self) -> u64 {
        self.uploads
    }

    /// How many pixel buffers had to be made again because egui still held the previous
    /// one (0 when the painter keeps up; the buffer each slot starts with is not counted).
    pub fn buffer_allocations(&self) -> u64 {
        self.buffer_allocations
    }
}

/// Where a picture of `size` goes inside `area`: as large as fits, aspect ratio kept,
/// centred (the rest stays black).
pub fn letterbox(area: Rect, size: [usize; 2]) -> Rect {
    let [w, h] = size;
    if w == 0 || h == 0 {
        return area;
    }
    let scale = (area.width() / w as f32).min(area.height() / h as f32);
    Rect::from_center_size(area.center(), vec2(w as f32 * scale, h as f32 * scale))
}

// ----- drawing -----

const GREEN: Color32 = Color32::from_rgb(0, 110, 50);
const AMBER: Color32 = Color32::from_rgb(150, 95, 0);
const RED: Color32 = Color32::from_rgb(170, 30, 30);
const BLUE_FILL: Color32 = Color32::from_rgb(226, 238, 250);
const RED_FILL: Color32 = Color32::from_rgb(250, 215, 210);
const AMBER_FILL: Color32 = Color32::from_rgb(255, 226, 160);

/// The Fluent key of the status line.
pub fn status_key(phase: &CallPhase) -> &'static str {
    match phase {
        CallPhase::Idle => "meeting-idle",
        CallPhase::Joining => "meeting-joining",
        CallPhase::Live => "meeting-live",
        CallPhase::Reconnecting => "meeting-reconnecting",
    }
}

/// The label of the microphone button: what a tap will do.
pub fn microphone_key(on: bool) -> &'static str {
    if on {
        "meeting-mic-off"
    } else {
        "meeting-mic-on"
    }
}

/// The label of the camera button: what a tap will do.
pub fn camera_key(on: bool) -> &'static str {
    if on {
        "meeting-camera-off"
    } else {
        "meeting-camera-on"
    }
}

/// The meeting screen. `state` is all it reads (filled by `MeetingScreenState::refresh` and
/// the shell); it returns the command of a tap, if any. While the chat keyboard is open the
/// shell draws [`meeting_chat_ui`] instead.
///
/// Layout: a status line (and a refusal, if the chair refused something); the controls at
/// the bottom (microphone, camera, raise hand, chat; the room's own picture at the right);
/// the roster and the chat at the right; the floor's picture large and the host's beside it.
pub fn meeting_screen_ui(ui: &mut Ui, state: &MeetingScreenState) -> Option<Command> {
    let lang = state.lang;
    let mut command = None;
    let portrait = ui.available_height() > ui.available_width();
    // Status line and the sources note.
    ui.horizontal_wrapped(|ui| {
        let color = match state.phase {
            CallPhase::Live => GREEN,
            CallPhase::Joining => AMBER,
            CallPhase::Reconnecting | CallPhase::Idle => RED,
        };
        ui.label(
            body(tr(lang, status_key(&state.phase)))
                .strong()
                .color(color),
        );
        if state.participants > 0 {
            ui.label(body(tr_args(
                lang,
                "meeting-participants",
                &[("count", Arg::Number(state.participants as i64))],
            )));
        }
        if let Some(test) = state.test_sources {
            ui.label(body(tr(lang, test.message_id())).color(Color32::DARK_GRAY));
        }
    });
    if let Some(refused) = state.refusal_shown() {
        egui::Frame::new()
            .fill(Color32::from_rgb(255, 236, 200))
            .inner_margin(egui::Margin::symmetric(12, 4))
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.label(body(tr(lang, refusal_key(&refused.reason))).color(RED));
                    if big_button(ui, tr(lang, "meeting-ok")).clicked() {
                        command = Some(Command::Meeting(MeetingCommand::DismissRefusal));
                    }
                });
            });
    }
    // The controls at the bottom: microphone, camera, hand, chat, and the room's own picture.
    let controls_h = if portrait { 200.0 } else { 150.0 };
    egui::Panel::bottom("meeting-controls")
        .exact_size(controls_h)
        .frame(inner_panel(ui))
        .show(ui, |ui| {
            ui.horizontal_centered(|ui| {
                let button_w = if portrait { 170.0 } else { 200.0 };
                let button_h = MIN_TARGET * 1.5;
                let mic_on = state.microphone_shown_on();
                let hand = state.hand_raised();
                let buttons = [
                    (
                        mic_on,
                        !state.muted_by_host(),
                        if state.muted_by_host() {
                            "meeting-muted-by-host"
                        } else {
                            microphone_key(mic_on)
                        },
                        Command::ToggleMicrophone,
                    ),
                    (
                        state.camera_on,
                        true,
                        camera_key(state.camera_on),
                        Command::ToggleCamera,
                    ),
                ];
                for (on, enabled, key, cmd) in buttons {
                    // Off is shown red, so the state is seen from across the room.
                    let fill = if on { BLUE_FILL } else { RED_FILL };
                    let button =
                        egui::Button::new(RichText::new(tr(lang, key)).size(BODY_PT).strong())
                            .min_size(vec2(button_w, button_h))
                            .fill(fill);
                    if ui.add_enabled(enabled, button).clicked() {
                        command = Some(cmd);
                    }
                }
                // The host does not ask for the floor; everyone else may.
                if state.roster.is_some() && !state.is_host() {
                    let (key, cmd) = if hand {
                        ("meeting-lower-hand", MeetingCommand::LowerHand)
                    } else {
                        ("meeting-raise-hand", MeetingCommand::RaiseHand)
                    };
                    let fill = if hand { AMBER_FILL } else { BLUE_FILL };
                    let button =
                        egui::Button::new(RichText::new(tr(lang, key)).size(BODY_PT).strong())
                            .min_size(vec2(button_w, button_h))
                            .fill(fill);
                    if ui.add(button).clicked() {
                        command = Some(Command::Meeting(cmd));
                    }
                }
                if state.roster.is_some() {
                    let button = egui::Button::new(
                        RichText::new(tr(lang, "meeting-chat"))
                            .size(BODY_PT)
                            .strong(),
                    )
                    .min_size(vec2(MIN_TARGET * 2.0, button_h));
                    if ui.add(button).clicked() {
                        command = Some(Command::Meeting(MeetingCommand::OpenChat));
                    }
                }
                // Staff only: leaving is behind the staff PIN, like the staff panel.
                let (key, cmd) = if state.staff_mode {
                    ("staff-leave-meeting", Command::StaffLeaveMeeting)
                } else {
                    ("staff", Command::OpenStaff)
                };
                let button = egui::Button::new(RichText::new(tr(lang, key)).size(BODY_PT))
                    .min_size(vec2(MIN_TARGET * 2.0, button_h));
                if ui.add(button).clicked() {
                    command = Some(cmd);
                }
                if portrait {
                    return; // the room's own picture sits with the small pictures
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let h = (ui.available_height() - 8.0).max(MIN_TARGET);
                    let size = vec2((h * 16.0 / 9.0).min(ui.available_width()), h);
                    let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
                    let caption = if state.speaking {
                        format!(
                            "{} · {}",
                            tr(lang, "meeting-self-view"),
                            tr(lang, "roster-speaking")
                        )
                    } else {
                        tr(lang, "meeting-self-view")
                    };
                    let empty = if state.camera_on {
                        tr(lang, "meeting-waiting-picture")
                    } else {
                        tr(lang, "meeting-camera-is-off")
                    };
                    let picture = state.self_view.filter(|_| state.camera_on);
                    picture_ui(ui, rect, picture, Some(&caption), &empty);
                });
            });
        });
    // The roster and the chat beside the pictures (below them on a portrait panel).
    if let Some(roster) = &state.roster {
        let side = |ui: &mut Ui, command: &mut Option<Command>| {
            egui::ScrollArea::vertical()
                .id_salt("meeting-roster")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    roster_ui(ui, state, roster, command);
                    chat_lines_ui(ui, state);
                });
        };
        if portrait {
            let h = (ui.available_height() * 0.35).max(MIN_TARGET * 3.0);
            egui::Panel::bottom("meeting-side")
                .exact_size(h)
                .frame(inner_panel(ui))
                .show(ui, |ui| side(ui, &mut command));
        } else {
            let w = (ui.available_width() * 0.3).max(MIN_TARGET * 5.0);
            egui::Panel::right("meeting-side")
                .exact_size(w)
                .resizable(false)
                .frame(inner_panel(ui))
                .show(ui, |ui| side(ui, &mut command));
        }
    }
    // The pictures take what is left.
    let central = egui::Frame::central_panel(ui.style()).fill(Color32::TRANSPARENT);
    egui::CentralPanel::default().frame(central).show(ui, |ui| {
        let area = ui.available_rect_before_wrap();
        ui.allocate_rect(area, Sense::hover());
        let gap = 12.0;
        let mut others: Vec<&SlotView> = state.slots.iter().skip(1).collect();
        // On a portrait panel the controls leave no room for the self-view: it is the last
        // of the small pictures.
        let own = SlotView {
            name: Some(tr(lang, "meeting-self-view")),
            picture: state.self_view.filter(|_| state.camera_on),
        };
        if portrait {
            others.push(&own);
        }
        let (large, small_area) = if others.is_empty() {
            (area, None)
        } else if portrait {
            let small_h = (area.height() * 0.3).max(MIN_TARGET);
            let (top, bottom) = area.split_top_bottom_at_y(area.bottom() - small_h);
            (top.shrink2(vec2(0.0, gap / 2.0)), Some(bottom))
        } else {
            let small_w = (area.width() * 0.3).max(MIN_TARGET);
            let (left, right) = area.split_left_right_at_x(area.right() - small_w);
            (left.shrink2(vec2(gap / 2.0, 0.0)), Some(right))
        };
        let waiting = tr(lang, "meeting-waiting-picture");
        let camera_off = tr(lang, "meeting-camera-is-off");
        let first = state.slots.first().cloned().unwrap_or_default();
        picture_ui(ui, large, first.picture, first.name.as_deref(), &waiting);
        remember_shown_width(ui, 0, large, first.picture);
        if let Some(small_area) = small_area {
            let n = others.len() as f32;
            for (i, slot) in others.iter().enumerate() {
                let rect = if portrait {
                    let w = (small_area.width() - gap * (n - 1.0)) / n;
                    Rect::from_min_size(
                        small_area.min + vec2(i as f32 * (w + gap), 0.0),
                        vec2(w, small_area.height()),
                    )
                } else {
                    let h = (small_area.height() - gap * (n - 1.0)) / n;
                    Rect::from_min_size(
                        small_area.min + vec2(0.0, i as f32 * (h + gap)),
                        vec2(small_area.width(), h),
                    )
                };
                let empty = if std::ptr::eq(*slot, &own) && !state.camera_on {
                    &camera_off
                } else {
                    &waiting
                };
                picture_ui(ui, rect, slot.picture, slot.name.as_deref(), empty);
                // `others` are the slots after the first, then (portrait) the self-view.
                if i + 1 < state.slots.len() {
                    remember_shown_width(ui, i + 1, rect, slot.picture);
                }
            }
        }
    });
    if state.confirm_end {
        egui::Modal::new(egui::Id::unique("meeting-confirm-end")).show(ui.ctx(), |ui| {
            ui.set_width(560.0);
            ui.vertical_centered(|ui| {
                ui.label(body(tr(lang, "meeting-end-question")).strong());
                ui.add_space(12.0);
                ui.horizontal(|ui| {
                    if big_button(ui, tr(lang, "meeting-end-confirm")).clicked() {
                        command = Some(Command::Meeting(MeetingCommand::ConfirmEnd));
                    }
                    if big_button(ui, tr(lang, "meeting-end-cancel")).clicked() {
                        command = Some(Command::Meeting(MeetingCommand::CancelEnd));
                    }
                });
            });
        });
    }
    command
}

/// What the roster says of one room, in the kiosk's language: absent, host, floor, hand,
/// microphone and camera off, speaking (any room's, from the roster).
pub fn seat_tags(state: &MeetingScreenState, seat: &RosterSeat) -> Vec<String> {
    let lang = state.lang;
    let mut tags = Vec::new();
    if !seat.present {
        tags.push(tr(lang, "roster-absent"));
    }
    if seat.host {
        tags.push(tr(lang, "roster-host"));
    }
    if seat.floor {
        tags.push(tr(lang, "roster-floor"));
    }
    if let Some(n) = seat.hand {
        tags.push(tr_args(
            lang,
            "roster-hand",
            &[("order", Arg::Number(n as i64))],
        ));
    }
    match seat.mic {
        Mic::Open => {}
        Mic::Muted(MutedBy::Host) => tags.push(tr(lang, "roster-muted-by-host")),
        Mic::Muted(_) => tags.push(tr(lang, "roster-mic-off")),
    }
    if !seat.camera_on {
        tags.push(tr(lang, "roster-camera-off"));
    }
    // Every room's own report as the hub relays it; this room's own detector at once.
    let own = state.own_room.as_deref() == Some(seat.room_id.as_str());
    if seat.speaking || (own && state.speaking) {
        tags.push(tr(lang, "roster-speaking"));
    }
    tags
}

/// Every invited room, a dot for present, its name and its tags; on the host room each row
/// is a button that opens that room's actions.
fn roster_ui(
    ui: &mut Ui,
    state: &MeetingScreenState,
    roster: &Roster,
    command: &mut Option<Command>,
) {
    let lang = state.lang;
    let host = state.is_host();
    // The host's meeting-wide actions first, where no scrolling hides them.
    if host {
        ui.horizontal_wrapped(|ui| {
            if roster.floor.is_some() && big_button(ui, tr(lang, "chair-take-floor")).clicked() {
                *command = Some(Command::Meeting(MeetingCommand::TakeFloor));
            }
            if big_button(ui, tr(lang, "chair-mute-all")).clicked() {
                *command = Some(Command::Meeting(MeetingCommand::MuteAll));
            }
            if big_button(ui, tr(lang, "chair-end")).clicked() {
                *command = Some(Command::Meeting(MeetingCommand::AskEnd));
            }
        });
    }
    ui.label(body(tr(lang, "roster-title")).strong());
    for seat in &roster.seats {
        let name = if seat.name.is_empty() {
            seat.room_id.clone()
        } else {
            seat.name.clone()
        };
        let tags = seat_tags(state, seat);
        let text = if tags.is_empty() {
            name.clone()
        } else {
            format!("{name}\n{}", tags.join(" · "))
        };
        let color = if seat.present { GREEN } else { Color32::GRAY };
        let fill = if seat.floor {
            AMBER_FILL
        } else if seat.hand.is_some() {
            Color32::from_rgb(255, 246, 214)
        } else {
            Color32::from_gray(245)
        };
        let width = ui.available_width();
        let row = ui.horizontal(|ui| {
            let (dot, _) = ui.allocate_exact_size(vec2(24.0, MIN_TARGET), Sense::hover());
            ui.painter().circle_filled(dot.center(), 9.0, color);
            // Left-aligned, and as legible where it cannot be tapped (a commune's kiosk).
            ui.visuals_mut().disabled_alpha = 1.0;
            let button = egui::Button::new((
                RichText::new(text)
                    .size(MIN_TEXT_PT)
                    .color(Color32::from_gray(30)),
                egui::Atom::grow(),
            ))
            .min_size(vec2(width - 40.0, MIN_TARGET))
            .fill(fill)
            .wrap();
            let tappable = host && seat.room_id != roster.host;
            ui.add_enabled(tappable, button)
        });
        if row.inner.clicked() {
            *command = Some(Command::Meeting(MeetingCommand::SelectRoom(
                seat.room_id.clone(),
            )));
        }
        if host && state.selected.as_deref() == Some(seat.room_id.as_str()) {
            host_actions_ui(ui.ctx(), state, seat, command);
        }
    }
}

/// The host's actions on one room (floor, microphone, hand), over the screen so every
/// button is in reach whatever the roster's length.
fn host_actions_ui(
    ctx: &egui::Context,
    state: &MeetingScreenState,
    seat: &RosterSeat,
    command: &mut Option<Command>,
) {
    let lang = state.lang;
    let room = seat.room_id.clone();
    egui::Modal::new(egui::Id::unique("meeting-room-actions")).show(ctx, |ui| {
        ui.set_width(560.0);
        ui.vertical_centered_justified(|ui| {
            ui.label(body(state.room_name(&room)).strong());
            let tags = seat_tags(state, seat);
            if !tags.is_empty() {
                ui.label(body(tags.join(" · ")));
            }
            ui.add_space(8.0);
            let pick = |c| Some(Command::Meeting(c));
            if seat.floor {
                if big_button(ui, tr(lang, "chair-take-floor")).clicked() {
                    *command = pick(MeetingCommand::TakeFloor);
                }
            } else if big_button_enabled(ui, seat.present, tr(lang, "chair-give-floor")).clicked() {
                *command = pick(MeetingCommand::GiveFloor(room.clone()));
            }
            if seat.mic == Mic::Open {
                if big_button(ui, tr(lang, "chair-mute")).clicked() {
                    *command = pick(MeetingCommand::MuteRoom(room.clone()));
                }
            } else if big_button_enabled(ui, seat.present, tr(lang, "chair-unmute")).clicked() {
                *command = pick(MeetingCommand::UnmuteRoom(room.clone()));
            }
            if seat.hand.is_some() && big_button(ui, tr(lang, "chair-lower-hand")).clicked() {
                *command = pick(MeetingCommand::LowerHandOf(room.clone()));
            }
            if big_button(ui, tr(lang, "meeting-close")).clicked() {
                *command = pick(MeetingCommand::Unselect);
            }
        });
    });
}

/// The newest chat lines: who wrote, and what.
fn chat_lines_ui(ui: &mut Ui, state: &MeetingScreenState) {
    if state.chat.is_empty() {
        return;
    }
    ui.add_space(8.0);
    ui.label(body(tr(state.lang, "chat-title")).strong());
    let first = state.chat.len().saturating_sub(CHAT_LINES_SHOWN);
    for line in &state.chat[first..] {
        ui.label(
            RichText::new(format!("{}: {}", state.room_name(&line.room), line.text))
                .size(MIN_TEXT_PT),
        );
    }
}

/// The chat keyboard: the line being typed (at most [`CHAT_MAX_CHARS`] characters, counted
/// as it is typed), Send and Close, over the on-screen keyboard.
pub fn meeting_chat_ui(ui: &mut Ui, shell: &mut Shell) -> Option<Command> {
    let lang = shell.lang;
    let mut command = None;
    let available = ui.available_size();
    let keyboard_pt = keyboard_panel_height(available, MIN_TARGET * 2.5)
        .unwrap_or_else(|| super::keyboard::TextRows::Five.min_size_pt().y + KEYBOARD_PANEL_PAD);
    keyboard_panel("chat-keyboard", keyboard_pt).show(ui, |ui| {
        let labels = keyboard_labels(lang);
        if let Some(KeyboardEvent::Done) = super::keyboard::keyboard_ui(
            ui,
            &mut shell.meeting_keyboard,
            super::keyboard::Layout::Text,
            &mut shell.meeting.chat_draft,
            &labels,
        ) {
            command = Some(Command::Meeting(MeetingCommand::SendChat));
        }
    });
    // The hub refuses longer lines; the kiosk never lets one be typed.
    let draft = &mut shell.meeting.chat_draft;
    if draft.chars().count() > CHAT_MAX_CHARS {
        *draft = draft.chars().take(CHAT_MAX_CHARS).collect();
    }
    egui::CentralPanel::default().show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.label(body(tr(lang, "chat-title")).strong());
            ui.label(body(tr_args(
                lang,
                "chat-count",
                &[
                    ("count", Arg::Number(draft.chars().count() as i64)),
                    ("max", Arg::Number(CHAT_MAX_CHARS as i64)),
                ],
            )));
            let ready = !draft.trim().is_empty();
            if big_button_enabled(ui, ready, tr(lang, "chat-send")).clicked() {
                command = Some(Command::Meeting(MeetingCommand::SendChat));
            }
            if big_button(ui, tr(lang, "meeting-close")).clicked() {
                command = Some(Command::Meeting(MeetingCommand::CloseChat));
            }
        });
        let id = egui::Id::unique("chat-text");
        super::widgets::keep_cursor_at_end(ui.ctx(), id, draft);
        let response = ui.add(
            egui::TextEdit::singleline(draft)
                .id(id)
                .font(egui::FontId::proportional(BODY_PT))
                .hint_text(tr(lang, "chat-hint"))
                .char_limit(CHAT_MAX_CHARS)
                .desired_width(f32::INFINITY)
                .lock_focus(true),
        );
        if !response.has_focus() {
            response.request_focus();
        }
    });
    command
}

/// The frame of a panel inside the screen's own, with no background: the window's clear
/// colour is the background (`style::BACKGROUND`), and on the software renderer every
/// panel's fill would cost a pass over its pixels.
fn inner_panel(ui: &Ui) -> egui::Frame {
    egui::Frame::side_top_panel(ui.style()).fill(Color32::TRANSPARENT)
}

/// The dark bars of a box `rect` around the picture `shown` letterboxed in it, with the
/// box's rounded corners; each reaches 1 pt under the picture, so no seam shows between.
fn letterbox_bars(rect: Rect, shown: Rect) -> Vec<(Rect, egui::CornerRadius)> {
    let round = |nw, ne, sw, se| egui::CornerRadius {
        nw: if nw { 8 } else { 0 },
        ne: if ne { 8 } else { 0 },
        sw: if sw { 8 } else { 0 },
        se: if se { 8 } else { 0 },
    };
    let mut bars = Vec::new();
    if shown.left() - rect.left() >= 0.5 {
        let left = Rect::from_min_max(rect.min, egui::pos2(shown.left() + 1.0, rect.bottom()));
        let right = Rect::from_min_max(egui::pos2(shown.right() - 1.0, rect.top()), rect.max);
        bars.push((left, round(true, false, true, false)));
        bars.push((right, round(false, true, false, true)));
    } else if shown.top() - rect.top() >= 0.5 {
        let top = Rect::from_min_max(rect.min, egui::pos2(rect.right(), shown.top() + 1.0));
        let bottom = Rect::from_min_max(egui::pos2(rect.left(), shown.bottom() - 1.0), rect.max);
        bars.push((top, round(true, true, false, false)));
        bars.push((bottom, round(false, false, true, true)));
    }
    bars
}

/// Where the screen keeps how many pixels wide it drew slot `index`'s picture, for
/// [`VideoTextures::update`] to pass on to the slot before the next frame.
fn shown_width_id(index: usize) -> egui::Id {
    egui::Id::unique(("meeting-picture-shown-px", index))
}

/// Notes how wide slot `index`'s picture was drawn in `rect` (letterboxed, in pixels), so
/// the receive path can send pictures of that size rather than of the size they were sent.
fn remember_shown_width(ui: &Ui, index: usize, rect: Rect, picture: Option<Picture>) {
    let Some(picture) = picture else { return };
    let width_px = letterbox(rect, picture.size).width() * ui.ctx().pixels_per_point();
    let width_px = width_px.ceil().max(1.0) as u32;
    ui.ctx()
        .data_mut(|d| d.insert_temp(shown_width_id(index), width_px));
}

/// A black box with the picture letterboxed in it and the name in a band at the bottom.
fn picture_ui(ui: &Ui, rect: Rect, picture: Option<Picture>, name: Option<&str>, empty: &str) {
    let painter = ui.painter_at(rect);
    let dark = Color32::from_gray(20);
    match picture {
        Some(picture) => {
            let shown = letterbox(rect, picture.size);
            // Only the bars beside the picture are painted dark: under it the box would be
            // drawn only to be covered, and on a software renderer every pixel costs CPU.
            for (bar, corners) in letterbox_bars(rect, shown) {
                painter.rect_filled(bar, corners, dark);
            }
            let uv = Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
            painter.image(picture.texture, shown, uv, Color32::WHITE);
        }
        None => {
            painter.rect_filled(rect, 8.0, dark);
            painter.text(
                rect.center(),
                Align2::CENTER_CENTER,
                empty,
                FontId::proportional(MIN_TEXT_PT),
                Color32::from_gray(220),
            );
        }
    }
    if let Some(name) = name.filter(|n| !n.is_empty()) {
        let font = FontId::proportional(if rect.height() > 300.0 {
            BODY_PT
        } else {
            MIN_TEXT_PT
        });
        let galley = painter.layout_no_wrap(name.to_owned(), font, Color32::WHITE);
        let pad = vec2(10.0, 4.0);
        let band = Rect::from_min_size(
            rect.left_bottom() - vec2(0.0, galley.size().y + pad.y * 2.0),
            vec2(
                (galley.size().x + pad.x * 2.0).min(rect.width()),
                galley.size().y + pad.y * 2.0,
            ),
        );
        painter.rect_filled(band, 0.0, Color32::from_black_alpha(170));
        painter.galley(band.min + pad, galley, Color32::WHITE);
    }
}

// ----- preview -----

/// A call in progress with test pictures, for `--screenshot --screen meeting` (no room).
pub fn preview_call() -> CallView {
    use crate::wire::{ParticipantInfo, SlotSource};
    let view = CallView::new();
    let people = [
        ("host", "UBMTTQ tỉnh (chủ trì)", "browser", true),
        ("lao-chai", "Phòng họp số xã Lao Chải", "room", false),
        ("ta-van", "Phòng họp số xã Tả Van", "room", false),
    ];
    view.update(|s| {
        s.phase = CallPhase::Live;
        s.meeting_id = Some("preview".into());
        s.slots = vec![
            Some(SlotSource {
                participant_id: "host".into(),
                name: people[0].1.into(),
            }),
            Some(SlotSource {
                participant_id: "ta-van".into(),
                name: people[2].1.into(),
            }),
        ];
        s.participants = people
            .iter()
            .map(|(id, name, kind, host)| ParticipantInfo {
                participant_id: (*id).into(),
                name: (*name).into(),
                kind: (*kind).into(),
                host: *host,
                connected: true,
            })
            .collect();
        s.test_sources = Some(TestSources::Both);
        s.sending_layer = Some(crate::meeting::Layer::P720);
        s.roster = Some(preview_roster());
        s.push_chat(crate::meeting::floor::ChatLine {
            at_ms: 0,
            room: "ta-van".into(),
            text: "Xã Tả Van xin phát biểu ý kiến về đường liên thôn.".into(),
        });
    });
    for (i, slot) in view.tiles().iter().enumerate() {
        slot.publish_rgba(640, 360, test_bars(640, 360, i as u8));
    }
    let own = FrameSlot::new();
    own.publish_rgba(320, 180, test_bars(320, 180, 7));
    view.set_self_view(own);
    view
}

/// The preview's chair: the province hosts, this kiosk's room ("demo", as in
/// `demo::sample_room_status`) and Tả Van take part, Tả Van's hand is up.
fn preview_roster() -> Roster {
    let seat = |id: &str, name: &str, host: bool, hand: Option<u32>| {
        let mic = if host {
            Mic::Open
        } else {
            Mic::Muted(MutedBy::Rule)
        };
        RosterSeat {
            hand,
            // The host speaks: the preview shows every room's indicator.
            speaking: host,
            ..RosterSeat::present(id, name, host, mic)
        }
    };
    Roster {
        v: crate::wire::CHAIR_VERSION,
        host: "host".into(),
        floor: None,
        hands: vec!["ta-van".into()],
        seats: vec![
            seat("host", "UBMTTQ tỉnh (chủ trì)", true, None),
            seat("demo", "Phòng họp số xã Lao Chải", false, None),
            seat("ta-van", "Phòng họp số xã Tả Van", false, Some(1)),
        ],
    }
}

/// Colour bars, shifted by `seed`, as tightly packed RGBA.
pub fn test_bars(width: u32, height: u32, seed: u8) -> Vec<u8> {
    const BARS: [[u8; 3]; 7] = [
        [192, 192, 192],
        [192, 192, 0],
        [0, 192, 192],
        [0, 192, 0],
        [192, 0, 192],
        [192, 0, 0],
        [0, 0, 192],
    ];
    let mut rgba = Vec::with_capacity((width * height * 4) as usize);
    for _y in 0..height {
        for x in 0..width {
            let bar = (x * 7 / width.max(1)) as usize;
            let [r, g, b] = BARS[(bar + seed as usize) % BARS.len()];
            rgba.extend_from_slice(&[r, g, b, 255]);
        }
    }
    rgba
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letterboxing_keeps_the_aspect_ratio_and_centres() {
        let area = Rect::from_min_size(egui::pos2(0.0, 0.0), vec2(800.0, 800.0));
        let fitted = letterbox(area, [1280, 720]);
        assert_eq!(fitted.width(), 800.0);
        assert_eq!(fitted.height(), 450.0);
        assert_eq!(fitted.center(), area.center());
        let tall = letterbox(area, [360, 640]);
        assert_eq!(tall.height(), 800.0);
        assert_eq!(tall.width(), 450.0);
    }

    #[test]
    fn a_painter_that_took_the_pixels_gives_the_buffer_back_for_the_next_frame() {
        let ctx = egui::Context::default();
        let view = CallView::new();
        let mut textures = VideoTextures::new();
        for n in 0..10u8 {
            view.tiles()[0].publish_rgba(64, 36, test_bars(64, 36, n));
            let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
                textures.update(ui.ctx(), &view);
            });
            // What the glow painter does at the end of every frame.
            output.textures_delta.clear();
        }
        assert_eq!(textures.allocations(), 1);
        assert_eq!(
            textures.buffer_allocations(),
            0,
            "the buffer made with the slot is reused"
        );
        assert_eq!(textures.tile(0).map(|p| p.size), Some([64, 36]));
    }
}
