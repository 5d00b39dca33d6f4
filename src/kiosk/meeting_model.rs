//! What the meeting screen draws, kept in the shell (`Shell::meeting`): the shell sets the
//! phase and the microphone and camera flags, `RoomKiosk` the pictures and the chair each
//! frame (`MeetingScreenState::refresh`, next to the drawing), the screen only reads it.

use crate::config::Language;
use crate::meeting::floor::{ChatLine, Mic, MutedBy, Refusal};
use crate::room::call_view::{CallPhase, TestSources};
use crate::wire::{ChairRefusal, ChairRefused, Roster, RosterSeat};

/// Chat lines the meeting screen shows (the newest).
pub const CHAT_LINES_SHOWN: usize = 4;

/// What a tap on the meeting screen asks for. The shell turns each into a request to the
/// chair (`Effect::Call`); whether it is allowed is the hub's decision, and a refusal comes
/// back to be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingCommand {
    RaiseHand,
    LowerHand,
    /// Open the chat keyboard.
    OpenChat,
    CloseChat,
    /// Send the typed chat line.
    SendChat,
    /// Host: a tap on a room in the roster opens its actions.
    SelectRoom(String),
    /// Host: close the room's actions.
    Unselect,
    GiveFloor(String),
    TakeFloor,
    MuteRoom(String),
    UnmuteRoom(String),
    MuteAll,
    LowerHandOf(String),
    /// Host: "end the meeting" asks first...
    AskEnd,
    /// ...and this ends it.
    ConfirmEnd,
    CancelEnd,
    /// Hide the refusal shown.
    DismissRefusal,
}

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
    /// This room's id at the hub (to find its own seat in the roster).
    pub own_room: Option<String>,
    /// The chair as the hub last sent it; `None` before the first roster.
    pub roster: Option<Roster>,
    /// The newest chat lines, oldest first.
    pub chat: Vec<ChatLine>,
    /// This room's last refused request, until dismissed.
    pub refused: Option<ChairRefused>,
    /// A refusal the user dismissed (not shown again until another comes).
    pub dismissed: Option<ChairRefused>,
    /// True while this room's microphone carries speech.
    pub speaking: bool,
    /// Host: the room whose actions are open.
    pub selected: Option<String>,
    /// The chat keyboard is open (drawn by `meeting_chat_ui`).
    pub chat_open: bool,
    /// The chat line being typed (not personal data kept after the meeting: cleared when
    /// sent and when the call ends).
    pub chat_draft: String,
    /// Host: "end the meeting?" is being asked.
    pub confirm_end: bool,
    /// Staff entered the PIN (the shell's staff mode): the screen offers "leave the meeting";
    /// otherwise it offers the way to the PIN.
    pub staff_mode: bool,
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
            own_room: None,
            roster: None,
            chat: Vec::new(),
            refused: None,
            dismissed: None,
            speaking: false,
            selected: None,
            chat_open: false,
            chat_draft: String::new(),
            confirm_end: false,
            staff_mode: false,
        }
    }
}

impl MeetingScreenState {
    /// This room's seat in the roster, once the hub sent one.
    pub fn own_seat(&self) -> Option<&RosterSeat> {
        let own = self.own_room.as_deref()?;
        self.roster
            .as_ref()?
            .seats
            .iter()
            .find(|s| s.room_id == own)
    }

    /// True when this room chairs the meeting (it may give the floor, mute, end).
    pub fn is_host(&self) -> bool {
        match (&self.roster, &self.own_room) {
            (Some(r), Some(own)) => &r.host == own,
            _ => false,
        }
    }

    /// Whether the microphone button shows "on": the chair's word once the room has a seat
    /// (the hub forwards only open microphones), the room's own switch before.
    pub fn microphone_shown_on(&self) -> bool {
        match self.own_seat() {
            Some(seat) => seat.mic == Mic::Open && self.microphone_on,
            None => self.microphone_on,
        }
    }

    /// The host closed this room's microphone: only the host can open it again.
    pub fn muted_by_host(&self) -> bool {
        self.own_seat()
            .is_some_and(|s| s.mic == Mic::Muted(MutedBy::Host))
    }

    pub fn hand_raised(&self) -> bool {
        self.own_seat().is_some_and(|s| s.hand.is_some())
    }

    /// The refusal to show now, if any.
    pub fn refusal_shown(&self) -> Option<&ChairRefused> {
        self.refused
            .as_ref()
            .filter(|r| self.dismissed.as_ref() != Some(*r))
    }

    /// The roster seat of `room`.
    pub fn seat(&self, room: &str) -> Option<&RosterSeat> {
        self.roster
            .as_ref()?
            .seats
            .iter()
            .find(|s| s.room_id == room)
    }

    /// The name to show for `room`: its name at the hub, else its id.
    pub fn room_name<'a>(&'a self, room: &'a str) -> &'a str {
        self.seat(room)
            .map(|s| s.name.as_str())
            .filter(|n| !n.is_empty())
            .unwrap_or(room)
    }
}

/// The Fluent key that tells a resident why the chair refused, in the kiosk's language
/// (the hub's English explanation is for the log).
pub fn refusal_key(reason: &ChairRefusal) -> &'static str {
    match reason {
        ChairRefusal::Chair(r) => match r {
            Refusal::NotInvited => "chair-refused-not-invited",
            Refusal::NotHost | Refusal::NotARoom => "chair-refused-not-host",
            Refusal::NotPresent => "chair-refused-not-present",
            Refusal::TargetNotPresent(_) | Refusal::TargetNotInvited(_) => {
                "chair-refused-target-absent"
            }
            Refusal::MutedByHost => "chair-refused-muted-by-host",
            Refusal::EmptyChat => "chair-refused-empty-chat",
            Refusal::ChatTooLong => "chair-refused-chat-too-long",
            Refusal::Ended => "chair-refused-ended",
        },
        ChairRefusal::UnsupportedVersion(_) => "chair-refused-version",
        ChairRefusal::JoinByMedia | ChairRefusal::UnknownMeeting => "chair-refused-ended",
    }
}

/// Every key [`refusal_key`] can give (the translations test checks each exists).
pub const REFUSAL_KEYS: [&str; 9] = [
    "chair-refused-not-invited",
    "chair-refused-not-host",
    "chair-refused-not-present",
    "chair-refused-target-absent",
    "chair-refused-muted-by-host",
    "chair-refused-empty-chat",
    "chair-refused-chat-too-long",
    "chair-refused-ended",
    "chair-refused-version",
];
