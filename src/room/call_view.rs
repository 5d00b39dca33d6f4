//! What the kiosk may know about the room's call, and the two switches it may flip.
//!
//! The room's call task writes here; the kiosk's meeting screen reads a snapshot each frame
//! and the latest picture of each slot from a [`FrameSlot`]. Nothing here does I/O, so the
//! UI stays free of it: flipping the microphone only sets a flag the call task applies,
//! and a request to the chair is queued here for the call task to send.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::media::FrameSlot;
use crate::meeting::Layer;
use crate::meeting::floor::{ChatLine, FloorAction};
use crate::wire::{
    ChairRefused, MEDIA_SLOTS, MeetingNotice, NextMeeting, ParticipantInfo, Roster, SlotSource,
    StaffCallRefused,
};

/// Chat lines a kiosk keeps: a screen shows the last few, and a long meeting's chat must
/// not grow the kiosk's memory without end.
pub const CHAT_LINES_KEPT: usize = 50;

/// Where the room's call is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CallPhase {
    /// Not in a meeting: the kiosk shows its usual screens.
    #[default]
    Idle,
    /// Invited; media is being set up.
    Joining,
    /// Media flows.
    Live,
    /// Media was lost; the room is setting it up again by itself.
    Reconnecting,
}

/// Which of the room's devices are replaced by test sources, for the meeting screen to say in
/// the kiosk's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestSources {
    Camera,
    Microphone,
    Both,
}

impl TestSources {
    pub fn from_flags(camera_is_test: bool, microphone_is_test: bool) -> Option<TestSources> {
        match (camera_is_test, microphone_is_test) {
            (false, false) => None,
            (true, false) => Some(TestSources::Camera),
            (false, true) => Some(TestSources::Microphone),
            (true, true) => Some(TestSources::Both),
        }
    }

    /// The Fluent message that says it.
    pub fn message_id(self) -> &'static str {
        match self {
            TestSources::Camera => "meeting-test-camera",
            TestSources::Microphone => "meeting-test-microphone",
            TestSources::Both => "meeting-test-both",
        }
    }
}

/// A copy of the call's state for one repaint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallSnapshot {
    pub phase: CallPhase,
    pub meeting_id: Option<String>,
    /// Who each receiving slot shows (`slots[0]` is the large picture).
    pub slots: Vec<Option<SlotSource>>,
    pub participants: Vec<ParticipantInfo>,
    /// Which devices are stand-ins (test picture or tone); `None` when real devices are in
    /// use. Why (none found, chosen in the settings, failed) is in the log and `/metrics`.
    pub test_sources: Option<TestSources>,
    /// The layer being sent now; `None` outside a call.
    pub sending_layer: Option<Layer>,
    /// The chair as the hub last sent it: presence, floor, hands, microphones, cameras.
    pub roster: Option<Roster>,
    /// The meeting's chat, oldest first, at most [`CHAT_LINES_KEPT`] lines.
    pub chat: Vec<ChatLine>,
    /// The hub's answer to this room's last refused request (shown until the next one).
    pub refused: Option<ChairRefused>,
    /// True while this room's microphone carries speech (the call's speaking detection).
    pub speaking: bool,
    /// The next meeting the room is invited to (Home shows it); kept between calls.
    pub next_meeting: Option<NextMeeting>,
    /// The hub's last notice about a scheduled meeting, with the meeting's id.
    pub notice: Option<(String, MeetingNotice)>,
    /// Set when staff took the room out of a running meeting from the kiosk: the meeting
    /// it may join again ([`CallRequest::Join`]). The room does not rejoin it by itself.
    pub left_meeting: Option<String>,
    /// The hub's answer when it refused staff's last "join now" (Home shows why).
    pub join_refused: Option<StaffCallRefused>,
}

impl CallSnapshot {
    /// Keeps a chat line, dropping the oldest beyond [`CHAT_LINES_KEPT`].
    pub fn push_chat(&mut self, line: ChatLine) {
        self.chat.push(line);
        if self.chat.len() > CHAT_LINES_KEPT {
            let extra = self.chat.len() - CHAT_LINES_KEPT;
            self.chat.drain(..extra);
        }
    }

    /// What is left when a call ends: the schedule, the last notice and a meeting staff
    /// left (for "join again"); nothing of the call itself.
    pub fn after_call(&self) -> CallSnapshot {
        CallSnapshot {
            next_meeting: self.next_meeting.clone(),
            notice: self.notice.clone(),
            left_meeting: self.left_meeting.clone(),
            join_refused: self.join_refused.clone(),
            ..Default::default()
        }
    }
}

/// What the kiosk asks of the room's call task (the kiosk does no I/O itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallRequest {
    /// Send this request to the chair of the meeting the room is in.
    Chair(FloorAction),
    /// Staff: leave the meeting now (the room stays out until staff join again).
    Leave,
    /// Staff: join now the running meeting this room left ([`CallSnapshot::left_meeting`]),
    /// else the next one ([`CallSnapshot::next_meeting`]): the hub takes it in early when
    /// that starts within 15 minutes, or says why not ([`CallSnapshot::join_refused`]).
    Join,
}

/// Shared between the room's call task (writer) and the kiosk (reader).
#[derive(Debug, Clone)]
pub struct CallView {
    snapshot: Arc<Mutex<CallSnapshot>>,
    /// Decoded pictures of the receiving slots, in slot order.
    tiles: Arc<Vec<FrameSlot>>,
    self_view: Arc<Mutex<FrameSlot>>,
    microphone_on: Arc<AtomicBool>,
    camera_on: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<CallRequest>>>,
    requested: Arc<tokio::sync::Notify>,
}

impl Default for CallView {
    fn default() -> Self {
        CallView {
            snapshot: Arc::default(),
            tiles: Arc::new((0..MEDIA_SLOTS).map(|_| FrameSlot::new()).collect()),
            self_view: Arc::default(),
            microphone_on: Arc::new(AtomicBool::new(true)),
            camera_on: Arc::new(AtomicBool::new(true)),
            requests: Arc::default(),
            requested: Arc::default(),
        }
    }
}

impl CallView {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn snapshot(&self) -> CallSnapshot {
        self.snapshot
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Changes the snapshot in place (the call task's side).
    pub fn update(&self, change: impl FnOnce(&mut CallSnapshot)) {
        change(&mut self.snapshot.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// The picture mailbox of receiving slot `index` (0 = the large picture).
    pub fn tile(&self, index: usize) -> Option<&FrameSlot> {
        self.tiles.get(index)
    }

    pub fn tiles(&self) -> &[FrameSlot] {
        &self.tiles
    }

    /// The room's own camera, small.
    pub fn self_view(&self) -> FrameSlot {
        self.self_view
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The call task points the self-view at the capture it started.
    pub fn set_self_view(&self, slot: FrameSlot) {
        *self.self_view.lock().unwrap_or_else(|p| p.into_inner()) = slot;
    }

    pub fn microphone_on(&self) -> bool {
        self.microphone_on.load(Ordering::Relaxed)
    }

    pub fn camera_on(&self) -> bool {
        self.camera_on.load(Ordering::Relaxed)
    }

    /// The kiosk's microphone button; the call task applies it within a frame or two.
    pub fn set_microphone(&self, on: bool) {
        self.microphone_on.store(on, Ordering::Relaxed);
    }

    /// The kiosk's camera button.
    pub fn set_camera(&self, on: bool) {
        self.camera_on.store(on, Ordering::Relaxed);
    }

    /// Queues a request for the call task and wakes it (the kiosk's side).
    pub fn request(&self, request: CallRequest) {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(request);
        self.requested.notify_one();
    }

    /// The requests queued since the last call, oldest first (the call task's side).
    pub fn take_requests(&self) -> Vec<CallRequest> {
        std::mem::take(&mut *self.requests.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Resolves when the kiosk queued a request (at once if one came since the last wait).
    pub async fn requested(&self) {
        self.requested.notified().await;
    }
}
