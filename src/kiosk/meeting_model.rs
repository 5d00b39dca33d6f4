//! What the meeting screen draws, kept in the shell (`Shell::meeting`): the shell sets the
//! phase and the microphone and camera flags, `RoomKiosk` the pictures each frame
//! (`MeetingScreenState::refresh`, next to the drawing), the screen only reads it.

use crate::config::Language;
use crate::room::call_view::{CallPhase, TestSources};

/// A picture uploaded into a texture, ready to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Picture {
    pub texture: egui::TextureId,
    /// Width and height in pixels (for the aspect ratio).
    pub size: [usize; 2],
}

/// One receiving slot as the screen shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlotView {
    /// Who the slot shows (`None`: nobody yet).
    pub name: Option<String>,
    /// The latest picture, if one arrived.
    pub picture: Option<Picture>,
}

/// Everything the meeting screen draws. Kept in the shell (`Shell::meeting`); the phase is
/// set by `Shell::call_phase_changed`, the rest by `RoomKiosk` each frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingScreenState {
    pub lang: Language,
    pub phase: CallPhase,
    /// Receiving slots in order; `slots[0]` is the large picture.
    pub slots: Vec<SlotView>,
    /// The room's own camera.
    pub self_view: Option<Picture>,
    /// How many take part (rooms and browsers), when known.
    pub participants: usize,
    /// Devices replaced by a test picture or tone, said in the kiosk's language.
    pub test_sources: Option<TestSources>,
    pub microphone_on: bool,
    pub camera_on: bool,
}

impl Default for MeetingScreenState {
    fn default() -> Self {
        Self {
            lang: Language::Vietnamese,
            phase: CallPhase::Idle,
            slots: Vec::new(),
            self_view: None,
            participants: 0,
            test_sources: None,
            microphone_on: true,
            camera_on: true,
        }
    }
}
