//! The kiosk's state and what each command does to it: a plain state machine with the time
//! as an input, so a test can walk every screen and an hour of idling in milliseconds.

use super::contribute_model::{
    ContributeCommand, ContributeEvent, ContributeFlow, ContributeRequest, OTHER_MAX_VND,
    OTHER_MIN_VND, Step,
};
use crate::config::Language;
use crate::room::RoomStatus;
use crate::store::PledgeState;
use crate::vietqr::render::{QrUse, module_matrix};

/// The five tiles of the home screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tile {
    Feedback,
    Rating,
    Ticket,
    Contribute,
    News,
}

impl Tile {
    pub const ALL: [Tile; 5] = [
        Tile::Feedback,
        Tile::Rating,
        Tile::Ticket,
        Tile::Contribute,
        Tile::News,
    ];

    pub fn title_key(self) -> &'static str {
        match self {
            Tile::Feedback => "tile-feedback",
            Tile::Rating => "tile-rating",
            Tile::Ticket => "tile-ticket",
            Tile::Contribute => "tile-contribute",
            Tile::News => "tile-news",
        }
    }

    pub fn hint_key(self) -> &'static str {
        match self {
            Tile::Feedback => "tile-feedback-hint",
            Tile::Rating => "tile-rating-hint",
            Tile::Ticket => "tile-ticket-hint",
            Tile::Contribute => "tile-contribute-hint",
            Tile::News => "tile-news-hint",
        }
    }

    /// What the tile's screen says it will do, until its issue builds it.
    pub fn coming_key(self) -> &'static str {
        match self {
            // These three have their own screens; the generic text is never shown for them.
            Tile::Feedback | Tile::Rating | Tile::Ticket => "instructions-coming",
            Tile::Contribute => "coming-contribute",
            Tile::News => "coming-news",
        }
    }

    pub fn icon(self) -> &'static str {
        // All in the bundled Noto Sans Symbols 2 (tests fail on a missing glyph).
        match self {
            Tile::Feedback => "🗣",
            Tile::Rating => "★",
            Tile::Ticket => "🔍",
            Tile::Contribute => "♥",
            Tile::News => "☰",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Home,
    /// Give feedback, step 1: what it is about.
    FeedbackCategory,
    /// Step 2a: typing the comment.
    Feedback,
    /// Step 2b: speaking it instead (up to 3 minutes).
    FeedbackSpeak,
    /// Step 3: name, phone, village, only with consent (optional).
    FeedbackContact,
    /// Step 4: check and send.
    FeedbackReview,
    /// Waiting until the box has stored it durably.
    FeedbackSending,
    /// The ticket code and a QR to its public status page.
    FeedbackReceipt,
    Rating,
    RatingThanks,
    /// Check my ticket: typing the code.
    Ticket,
    TicketResult,
    /// A tile whose screen a later issue builds: it says what it will do.
    Coming(Tile),
    /// Contribute: campaign, amount, name or anonymous, VietQR, thanks (`kiosk::contribute`).
    Contribute(super::contribute_model::Step),
    /// The hub's announcements for this unit (`kiosk::news`).
    News,
    StaffPin,
    StaffPanel,
    /// Something failed; a friendly message and a way Home.
    Fault,
    /// The room is in a call: the pictures, the microphone and the camera
    /// (`kiosk::meeting_screen`). Opened and closed by `Shell::call_phase_changed`.
    Meeting,
}

impl Screen {
    /// The Fluent key of the text the speaker button reads on this screen.
    pub fn instructions_key(&self) -> &'static str {
        match self {
            Screen::Home => "instructions-home",
            Screen::FeedbackCategory => "instructions-category",
            Screen::Feedback => "instructions-feedback",
            Screen::FeedbackSpeak => "instructions-speak",
            Screen::FeedbackContact => "instructions-contact",
            Screen::FeedbackReview | Screen::FeedbackSending => "instructions-review",
            Screen::FeedbackReceipt => "instructions-receipt",
            Screen::Rating | Screen::RatingThanks => "instructions-rating",
            Screen::Ticket | Screen::TicketResult => "instructions-ticket",
            Screen::Coming(_) => "instructions-coming",
            Screen::Contribute(_) => "instructions-contribute",
            Screen::News => "instructions-news",
            Screen::StaffPin | Screen::StaffPanel => "instructions-staff",
            Screen::Fault => "instructions-fault",
            Screen::Meeting => "instructions-meeting",
        }
    }

    /// Name used by `--screenshot --screen NAME`.
    pub fn from_name(name: &str) -> Option<Screen> {
        Some(match name {
            "home" => Screen::Home,
            "category" => Screen::FeedbackCategory,
            "feedback" => Screen::Feedback,
            "speak" => Screen::FeedbackSpeak,
            "contact" => Screen::FeedbackContact,
            "review" => Screen::FeedbackReview,
            "sending" => Screen::FeedbackSending,
            "receipt" => Screen::FeedbackReceipt,
            "rating" => Screen::Rating,
            "rating-thanks" => Screen::RatingThanks,
            "ticket" => Screen::Ticket,
            "ticket-result" => Screen::TicketResult,
            "news" => Screen::News,
            "staff" => Screen::StaffPin,
            "staff-panel" => Screen::StaffPanel,
            "fault" => Screen::Fault,
            "meeting" => Screen::Meeting,
            other => {
                return super::contribute_model::Step::from_name(other).map(Screen::Contribute);
            }
        })
    }

    pub const NAMES: &'static [&'static str] = &[
        "home",
        "category",
        "feedback",
        "speak",
        "contact",
        "review",
        "sending",
        "receipt",
        "rating",
        "rating-thanks",
        "ticket",
        "ticket-result",
        "contribute",
        "contribute-amount",
        "contribute-name",
        "contribute-qr",
        "contribute-thanks",
        "news",
        "staff",
        "staff-panel",
        "fault",
        "meeting",
    ];
}

/// What a screen asks the app to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    OpenTile(Tile),
    Back,
    Home,
    SetLanguage(Language),
    /// Read this screen's instructions aloud.
    Speak,
    OpenStaff,
    SubmitPin,
    SetDefaultLanguage(Language),
    ExitStaff,
    /// "I am still here" on the idle warning.
    StayHere,
    PickCategory(String),
    SpeakInstead,
    TypeInstead,
    StartRecording,
    StopRecording,
    PlayRecording,
    /// Throw the recording away (re-record).
    DiscardRecording,
    ToContact,
    SelectField(ContactField),
    ToggleConsent,
    ToReview,
    SendFeedback,
    /// One tap on a smiley: 1 (very unhappy) to 5 (very happy).
    Rate(u8),
    LookUpTicket,
    Contribute(super::contribute_model::ContributeCommand),
    News(super::news_model::NewsCommand),
    /// A screen failed (panicked); show the fault screen.
    ScreenFailed,
    /// The meeting screen's microphone button (off when on, on when off).
    ToggleMicrophone,
    /// The meeting screen's camera button.
    ToggleCamera,
    /// Hands, chat and (on the host room) the chair's actions (`kiosk::meeting_screen`).
    Meeting(super::meeting_model::MeetingCommand),
    /// Staff panel: take the room out of the meeting it is in.
    StaffLeaveMeeting,
    /// Staff panel: join again the running meeting staff took the room out of.
    StaffJoinMeeting,
}

/// What the app must do outside the state (I/O), after applying a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Speak {
        text: String,
        lang: Language,
    },
    StopSpeaking,
    /// Store the feedback durably; answer with `Shell::feedback_stored`.
    SubmitFeedback(crate::room::service::FeedbackDraft),
    SubmitRating {
        score: u8,
        filtered: bool,
    },
    /// Answer with `Shell::ticket_found`.
    LookupTicket(String),
    StartRecording,
    /// Finish the recording; answer with `Shell::recording_finished`.
    StopRecording,
    PlayRecording(std::path::PathBuf),
    /// Stop any recording or playback and delete the recording.
    DiscardRecording,
    /// Ask the room; answers come back through `Shell::contribute_event`.
    Contribute(super::contribute_model::ContributeRequest),
    /// Ask the room; the answer goes to `NewsBoard::loaded`.
    News(super::news_model::NewsRequest),
    /// Switch the call's microphone on or off (`CallView::set_microphone`).
    SetMicrophone(bool),
    /// Switch the call's camera on or off (`CallView::set_camera`).
    SetCamera(bool),
    /// Ask the room's call task: a chair request, or staff's leave / join (`CallView::request`).
    Call(crate::room::call_view::CallRequest),
}

/// Contact fields a resident may fill in after consenting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactField {
    Name,
    Phone,
    Village,
}

/// Name, phone and village: kept only if `consent` is given when sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub consent: bool,
    pub name: String,
    pub phone: String,
    pub village: String,
    pub field: ContactField,
}

impl Default for Contact {
    fn default() -> Self {
        Self {
            consent: false,
            name: String::new(),
            phone: String::new(),
            village: String::new(),
            field: ContactField::Name,
        }
    }
}

/// The microphone's state on the speak screen (the app updates it from the recorder).
#[derive(Debug, Clone, PartialEq)]
pub enum Recording {
    Idle,
    Live {
        level: f32,
        elapsed_ms: u64,
    },
    Done {
        voice: crate::room::service::Voice,
        duration_ms: u64,
    },
    Failed(RecordingFailed),
}

/// Why a recording could not be made, as the resident is told in their language (media's
/// English explanation, meant for staff, goes to the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingFailed {
    /// The box has no microphone it can use.
    NoMicrophone,
    /// The box lacks the recording software (GStreamer or one of its plugins).
    NoRecorder,
    /// Anything else: trying again may work.
    Failed,
}

impl RecordingFailed {
    pub const TEXT_KEYS: [&'static str; 3] = [
        "record-failed-no-mic",
        "record-failed-no-recorder",
        "record-failed-retry",
    ];

    /// What the resident is told for media's typed error.
    pub fn from_record_error(error: &crate::media::RecordError) -> RecordingFailed {
        use crate::media::RecordError as E;
        match error {
            E::NoMicrophone(_) => RecordingFailed::NoMicrophone,
            E::NoGStreamer(_) => RecordingFailed::NoRecorder,
            E::NoAudioOutput(_)
            | E::File { .. }
            | E::Invalid { .. }
            | E::Timeout(_)
            | E::Empty
            | E::Pipeline(_) => RecordingFailed::Failed,
        }
    }

    /// The key of the kiosk text that explains this to a resident.
    pub fn text_key(self) -> &'static str {
        match self {
            RecordingFailed::NoMicrophone => Self::TEXT_KEYS[0],
            RecordingFailed::NoRecorder => Self::TEXT_KEYS[1],
            RecordingFailed::Failed => Self::TEXT_KEYS[2],
        }
    }

    /// Trying again will not help until staff fix the box: the Speak screen says so
    /// instead of offering the record button.
    pub fn lasts(self) -> bool {
        matches!(
            self,
            RecordingFailed::NoMicrophone | RecordingFailed::NoRecorder
        )
    }
}

/// What "Check my ticket" found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketLookup {
    Waiting,
    Found(crate::room::service::TicketView),
    NotFound,
    Failed(crate::room::service::ServiceError),
}

/// How long the payment QR stays up without a touch (banking apps take a while).
pub const QR_WAIT_MS: i64 = 5 * 60 * 1000;

/// Longest recording a resident can make.
pub const MAX_RECORDING_SECS: u32 = 180;
/// A second tap on the smileys within this time is counted as filtered, not as a rating.
pub const RATING_REPEAT_MS: i64 = 5_000;

/// Seconds of warning before an idle reset.
pub const IDLE_WARNING_SECS: u64 = 10;
/// A scheduled meeting is announced on every screen but Home this long before it takes
/// the screen over, so nobody is cut off mid-sentence without warning.
pub const MEETING_WARNING_SECS: i64 = 60;
/// Home counts down to the next meeting in its last ten minutes.
pub const HOME_COUNTDOWN_SECS: i64 = 10 * 60;
/// Wrong staff PINs before a lockout, and how long it lasts.
pub const PIN_TRIES: u32 = 5;
pub const PIN_LOCKOUT_MS: i64 = 5 * 60 * 1000;

/// Staff PIN attempts and lockout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffGate {
    failures: u32,
    locked_until_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinOutcome {
    Accepted,
    Wrong { tries_left: u32 },
    Locked { until_ms: i64 },
}

impl StaffGate {
    pub fn locked_until(&self, now_ms: i64) -> Option<i64> {
        self.locked_until_ms.filter(|until| now_ms < *until)
    }

    pub fn try_pin(&mut self, correct: bool, now_ms: i64) -> PinOutcome {
        if let Some(until_ms) = self.locked_until(now_ms) {
            return PinOutcome::Locked { until_ms };
        }
        if correct {
            self.failures = 0;
            self.locked_until_ms = None;
            return PinOutcome::Accepted;
        }
        self.failures += 1;
        if self.failures >= PIN_TRIES {
            self.failures = 0;
            let until_ms = now_ms + PIN_LOCKOUT_MS;
            self.locked_until_ms = Some(until_ms);
            PinOutcome::Locked { until_ms }
        } else {
            PinOutcome::Wrong {
                tries_left: PIN_TRIES - self.failures,
            }
        }
    }
}

/// Everything the kiosk screens show and edit.
#[derive(Debug)]
pub struct Shell {
    pub screen: Screen,
    history: Vec<Screen>,
    pub lang: Language,
    /// The language the kiosk returns to after an idle reset (staff can change it).
    pub default_lang: Language,
    /// The comment being typed: personal data, cleared on idle reset and on Home.
    pub draft: String,
    pub pin_entry: String,
    pub last_pin_outcome: Option<PinOutcome>,
    pub staff: StaffGate,
    pub keyboard: super::keyboard::KeyboardState,
    pub pin_keyboard: super::keyboard::KeyboardState,
    /// Why the speaker button is disabled, if it is.
    pub speech_unavailable: Option<String>,
    pub room: RoomStatus,
    /// Feedback categories (synced from the hub; defaults until then).
    pub categories: Vec<crate::wire::Category>,
    /// The rating question set at the hub (Vietnamese); the kiosk's own text until synced.
    pub rating_question: Option<String>,
    pub category: Option<String>,
    pub recording: Recording,
    /// Why the box cannot record at all, once a recording failed for a lasting reason.
    pub mic_unavailable: Option<RecordingFailed>,
    pub contact: Contact,
    pub contact_keyboard: super::keyboard::KeyboardState,
    pub receipt: Option<crate::room::service::Receipt>,
    pub send_error: Option<crate::room::service::ServiceError>,
    pub ticket_entry: String,
    pub ticket: Option<TicketLookup>,
    /// The contribution flow (choices and the pledge shown): cleared on Home and idle reset.
    pub contribute: super::contribute_model::ContributeFlow,
    /// The News screen: what the room answered, pictures ready to draw.
    pub news: super::news_model::NewsBoard,
    /// What the meeting screen shows; `meeting.phase` is the call's phase as last given to
    /// `call_phase_changed`.
    pub meeting: super::meeting_model::MeetingScreenState,
    /// The chat keyboard on the meeting screen.
    pub meeting_keyboard: super::keyboard::KeyboardState,
    /// The next meeting this room is invited to, as the hub last said (Home shows it).
    pub next_meeting: Option<crate::wire::NextMeeting>,
    /// A running meeting staff took the room out of (the staff panel offers to join again).
    pub left_meeting: Option<String>,
    /// Staff entered the PIN: staff-only actions (join now, leave the meeting) show on Home
    /// and the meeting screen until staff exit or the idle reset.
    pub staff_mode: bool,
    /// Why the hub refused staff's last "join now" (Home's meeting card shows it).
    pub join_refused: Option<crate::wire::JoinRefusal>,
    /// The screen a call took over (the resident's work on it is kept, not shown).
    interrupted: Option<Screen>,
    last_rating_ms: Option<i64>,
    pub idle_reset_ms: i64,
    last_touch_ms: i64,
    pub now_ms: i64,
}

impl Shell {
    pub fn new(room: RoomStatus, lang: Language, idle_reset_secs: u64, now_ms: i64) -> Self {
        Self {
            screen: Screen::Home,
            history: Vec::new(),
            lang,
            default_lang: lang,
            draft: String::new(),
            pin_entry: String::new(),
            last_pin_outcome: None,
            staff: StaffGate::default(),
            keyboard: Default::default(),
            pin_keyboard: Default::default(),
            speech_unavailable: None,
            room,
            categories: crate::feedback::default_categories(),
            rating_question: None,
            category: None,
            recording: Recording::Idle,
            mic_unavailable: None,
            contact: Contact::default(),
            contact_keyboard: Default::default(),
            receipt: None,
            send_error: None,
            ticket_entry: String::new(),
            ticket: None,
            contribute: Default::default(),
            news: Default::default(),
            meeting: Default::default(),
            meeting_keyboard: Default::default(),
            next_meeting: None,
            left_meeting: None,
            staff_mode: false,
            join_refused: None,
            interrupted: None,
            last_rating_ms: None,
            idle_reset_ms: idle_reset_secs as i64 * 1000,
            last_touch_ms: now_ms,
            now_ms,
        }
    }

    pub(super) fn go(&mut self, screen: Screen) {
        if self.screen != screen {
            let previous = std::mem::replace(&mut self.screen, screen);
            self.history.push(previous);
        }
    }

    /// Home, or the meeting screen while the room is in a call; clears personal data.
    fn go_home(&mut self) -> Vec<Effect> {
        self.screen = if self.in_call() {
            Screen::Meeting
        } else {
            Screen::Home
        };
        self.history.clear();
        self.clear_personal_data()
    }

    /// Staff mode on or off; the meeting screen's model follows it.
    fn set_staff_mode(&mut self, on: bool) {
        self.staff_mode = on;
        self.meeting.staff_mode = on;
    }

    /// True while the room is joining, in, or reconnecting to a call.
    pub fn in_call(&self) -> bool {
        self.meeting.phase != crate::room::call_view::CallPhase::Idle
    }

    /// The room's call moved to `phase` (the app calls this when it sees a change; calling
    /// it again with the same phase does nothing).
    ///
    /// When a call starts, the meeting screen takes over whatever screen was open. What a
    /// resident had entered there (a typed draft, a finished recording, contact details)
    /// stays in the shell, hidden and untouched, while the meeting runs: the idle reset is
    /// held off on the meeting screen. A recording still running is stopped (the call needs
    /// the microphone) and kept as finished; read-aloud stops. When the call ends the kiosk
    /// goes Home without clearing anything, and the idle countdown starts from then, so the
    /// kept draft is forgotten by the usual idle reset unless someone touches the screen.
    pub fn call_phase_changed(
        &mut self,
        phase: crate::room::call_view::CallPhase,
        now_ms: i64,
    ) -> Vec<Effect> {
        self.now_ms = now_ms;
        let was_in_call = self.in_call();
        self.meeting.phase = phase;
        let mut effects = Vec::new();
        match (was_in_call, self.in_call()) {
            (false, true) => {
                if self.screen != Screen::Meeting {
                    self.interrupted = Some(std::mem::replace(&mut self.screen, Screen::Meeting));
                }
                self.history.clear();
                self.close_meeting_screen();
                effects.push(Effect::StopSpeaking);
                if matches!(self.recording, Recording::Live { .. }) {
                    effects.push(Effect::StopRecording);
                }
            }
            (true, false) => {
                self.close_meeting_screen();
                // An answer still on its way for feedback being stored is awaited.
                if self.interrupted != Some(Screen::FeedbackSending) {
                    self.interrupted = None;
                }
                if self.screen == Screen::Meeting {
                    self.screen = Screen::Home;
                    self.history.clear();
                }
                self.last_touch_ms = now_ms;
            }
            _ => {}
        }
        effects
    }

    /// What the room's call task published besides the phase: the schedule and a meeting
    /// staff left (the app calls this every frame; the meeting screen's part is
    /// `MeetingScreenState::refresh`).
    pub fn call_seen(&mut self, snapshot: &crate::room::call_view::CallSnapshot) {
        if self.next_meeting != snapshot.next_meeting {
            self.next_meeting = snapshot.next_meeting.clone();
        }
        if self.left_meeting != snapshot.left_meeting {
            self.left_meeting = snapshot.left_meeting.clone();
        }
        self.join_refused = snapshot.join_refused.as_ref().map(|r| r.reason);
    }

    /// The chat keyboard, a chosen room and "end the meeting?" belong to one call only.
    fn close_meeting_screen(&mut self) {
        let m = &mut self.meeting;
        m.chat_open = false;
        m.chat_draft.clear();
        m.selected = None;
        m.confirm_end = false;
        m.dismissed = None;
        self.meeting_keyboard = Default::default();
    }

    /// Seconds until the next meeting starts, while it is less than `within_secs` away.
    fn meeting_starts_in(&self, within_secs: i64) -> Option<u64> {
        let next = self.next_meeting.as_ref()?;
        let left_ms = next.start_ms - self.now_ms;
        (left_ms > 0 && left_ms <= within_secs * 1000).then(|| (left_ms as u64).div_ceil(1000))
    }

    /// The warning shown on every screen but Home and the meeting before a scheduled
    /// meeting takes over: seconds left, and whether something the resident entered is on
    /// the kiosk (it is kept through the meeting, as [`Shell::call_phase_changed`] says).
    pub fn meeting_warning(&self) -> Option<(u64, bool)> {
        if self.in_call() || matches!(self.screen, Screen::Home | Screen::Meeting) {
            return None;
        }
        let seconds = self.meeting_starts_in(MEETING_WARNING_SECS)?;
        Some((seconds, self.has_personal_data()))
    }

    /// Home's countdown: seconds until the next meeting, in its last ten minutes.
    pub fn home_countdown(&self) -> Option<u64> {
        if self.in_call() {
            return None;
        }
        self.meeting_starts_in(HOME_COUNTDOWN_SECS)
    }

    /// A tap on the meeting screen, as requests to the chair.
    fn meeting_command(&mut self, command: super::meeting_model::MeetingCommand) -> Vec<Effect> {
        use super::meeting_model::MeetingCommand as M;
        use crate::meeting::floor::FloorAction as F;
        use crate::room::call_view::CallRequest;
        let chair = |action| vec![Effect::Call(CallRequest::Chair(action))];
        let m = &mut self.meeting;
        let host = m.is_host();
        match command {
            M::RaiseHand => return chair(F::RaiseHand),
            M::LowerHand => return chair(F::LowerHand),
            M::OpenChat => {
                m.chat_open = true;
                m.selected = None;
            }
            M::CloseChat => m.chat_open = false,
            M::SendChat => {
                let text = crate::text::nfc(m.chat_draft.trim());
                if text.is_empty() {
                    return Vec::new();
                }
                let text: String = text
                    .chars()
                    .take(crate::meeting::floor::CHAT_MAX_CHARS)
                    .collect();
                m.chat_draft.clear();
                m.chat_open = false;
                self.meeting_keyboard = Default::default();
                return chair(F::Chat { text });
            }
            M::SelectRoom(room) => {
                if host {
                    m.selected = Some(room);
                }
            }
            M::Unselect => m.selected = None,
            M::AskEnd => m.confirm_end = host,
            M::CancelEnd => m.confirm_end = false,
            M::DismissRefusal => m.dismissed = m.refused.clone(),
            // The hub decides who may: a commune's kiosk never shows these, and a request
            // it sent anyway is refused there.
            M::GiveFloor(room) => {
                m.selected = None;
                return chair(F::GiveFloor { room });
            }
            M::TakeFloor => {
                m.selected = None;
                return chair(F::TakeFloor);
            }
            M::MuteRoom(room) => {
                m.selected = None;
                return chair(F::MuteRoom { room });
            }
            M::UnmuteRoom(room) => {
                m.selected = None;
                return chair(F::UnmuteRoom { room });
            }
            M::MuteAll => return chair(F::MuteAll),
            M::LowerHandOf(room) => {
                m.selected = None;
                return chair(F::LowerHandOf { room });
            }
            M::ConfirmEnd => {
                m.confirm_end = false;
                return chair(F::End);
            }
        }
        Vec::new()
    }

    /// Forgets everything a resident entered; a recording is deleted.
    fn clear_personal_data(&mut self) -> Vec<Effect> {
        let had_recording = !matches!(self.recording, Recording::Idle);
        self.draft.clear();
        self.pin_entry.clear();
        self.last_pin_outcome = None;
        self.keyboard = Default::default();
        self.pin_keyboard = Default::default();
        self.category = None;
        self.recording = Recording::Idle;
        self.contact = Contact::default();
        self.contact_keyboard = Default::default();
        self.receipt = None;
        self.send_error = None;
        self.ticket_entry.clear();
        self.ticket = None;
        self.contribute = Default::default();
        let mut effects = vec![Effect::StopSpeaking];
        if had_recording {
            effects.push(Effect::DiscardRecording);
        }
        effects
    }

    /// True while anything a resident entered is on the kiosk.
    fn has_personal_data(&self) -> bool {
        !self.draft.is_empty()
            || !matches!(self.recording, Recording::Idle)
            || self.contact != Contact::default()
            || !self.ticket_entry.is_empty()
            || self.receipt.is_some()
    }

    /// The composed feedback as the room stores it.
    pub fn feedback_draft(&self) -> crate::room::service::FeedbackDraft {
        let keep =
            |consent: bool, s: &str| (consent && !s.trim().is_empty()).then(|| s.trim().to_owned());
        crate::room::service::FeedbackDraft {
            category: self.category.clone().unwrap_or_else(|| "other".into()),
            text: self.draft.trim().to_owned(),
            voice: match &self.recording {
                Recording::Done { voice, .. } => Some(voice.clone()),
                _ => None,
            },
            name: keep(self.contact.consent, &self.contact.name),
            phone: keep(self.contact.consent, &self.contact.phone),
            village: keep(self.contact.consent, &self.contact.village),
            language: match self.lang {
                Language::Vietnamese => "vi",
                Language::English => "en",
                Language::Hmong => "hmn",
            }
            .to_owned(),
        }
    }

    /// There is something to send: text or a finished recording.
    pub fn feedback_ready(&self) -> bool {
        !self.draft.trim().is_empty() || matches!(self.recording, Recording::Done { .. })
    }

    /// The room stored the feedback (or could not).
    pub fn feedback_stored(
        &mut self,
        result: Result<crate::room::service::Receipt, crate::room::service::ServiceError>,
    ) {
        if self.interrupted == Some(Screen::FeedbackSending) {
            // A call took over while the box was storing it: stored is stored, so it is not
            // kept as a draft to be sent twice; a failure leaves the draft for later.
            self.interrupted = None;
            if result.is_ok() {
                self.draft.clear();
                self.recording = Recording::Idle;
                self.contact = Contact::default();
            }
            return;
        }
        if self.screen != Screen::FeedbackSending {
            return; // reset while waiting; the item is stored all the same
        }
        match result {
            Ok(receipt) => {
                self.draft.clear();
                self.recording = Recording::Idle; // the file now belongs to the room's outbox
                self.contact = Contact::default();
                self.receipt = Some(receipt);
                self.history.clear();
                self.screen = Screen::FeedbackReceipt;
            }
            Err(why) => {
                self.send_error = Some(why);
                self.screen = Screen::FeedbackReview;
            }
        }
    }

    pub fn ticket_found(
        &mut self,
        result: Result<
            Option<crate::room::service::TicketView>,
            crate::room::service::ServiceError,
        >,
    ) {
        self.ticket = Some(match result {
            Ok(Some(view)) => TicketLookup::Found(view),
            Ok(None) => TicketLookup::NotFound,
            Err(why) => TicketLookup::Failed(why),
        });
    }

    /// A recording ended: kept with its hash, or failed (the reason is logged; the speak
    /// screen shows why in the resident's language).
    pub fn recording_finished(
        &mut self,
        result: Result<(crate::room::service::Voice, u64), RecordingFailed>,
    ) {
        self.recording = match result {
            Ok((voice, duration_ms)) => Recording::Done { voice, duration_ms },
            Err(why) => {
                if why.lasts() {
                    self.mic_unavailable = Some(why);
                }
                Recording::Failed(why)
            }
        };
    }

    /// Any touch: postpones the idle reset.
    pub fn touched(&mut self, now_ms: i64) {
        self.now_ms = now_ms;
        self.last_touch_ms = now_ms;
    }

    /// A donor paying by phone looks at the phone, not the kiosk: the QR waits longer.
    fn idle_limit_ms(&self) -> i64 {
        if self.screen == Screen::Contribute(super::contribute_model::Step::Qr) {
            self.idle_reset_ms.max(QR_WAIT_MS)
        } else {
            self.idle_reset_ms
        }
    }

    /// Seconds left before the idle reset, while the warning shows.
    pub fn idle_warning(&self) -> Option<u64> {
        if self.screen == Screen::Meeting && self.in_call() {
            return None; // a meeting is not idling
        }
        if self.screen == Screen::Home
            && !self.has_personal_data()
            && self.lang == self.default_lang
        {
            return None; // nothing to reset
        }
        let left_ms = self.last_touch_ms + self.idle_limit_ms() - self.now_ms;
        (left_ms <= IDLE_WARNING_SECS as i64 * 1000).then(|| (left_ms.max(0) as u64).div_ceil(1000))
    }

    /// Advances the clock; after `idle_reset_secs` without a touch any screen returns
    /// Home and drafts and personal data are cleared.
    pub fn tick(&mut self, now_ms: i64) -> Vec<Effect> {
        self.now_ms = now_ms;
        // Someone speaking does not touch the screen: a live recording holds the reset off
        // (the recorder stops itself after three minutes, then the countdown runs).
        let live_recording = matches!(self.recording, Recording::Live { .. });
        // The meeting screen stays for the whole call, however long nobody touches it.
        let meeting = self.screen == Screen::Meeting && self.in_call();
        if now_ms - self.last_touch_ms >= self.idle_limit_ms()
            && !live_recording
            && !meeting
            && (self.screen != Screen::Home
                || self.has_personal_data()
                || self.staff_mode
                || self.lang != self.default_lang)
        {
            self.set_staff_mode(false);
            let effects = self.go_home();
            self.lang = self.default_lang;
            self.last_touch_ms = now_ms;
            return effects;
        }
        Vec::new()
    }

    /// Applies a command from a screen. `pin_ok` checks a PIN against the configured hash
    /// (passed in so this state machine stays free of configuration and crypto).
    pub fn apply(&mut self, command: Command, pin_ok: &dyn Fn(&str) -> bool) -> Vec<Effect> {
        self.last_touch_ms = self.now_ms;
        if self.screen == Screen::Meeting
            && self.in_call()
            && matches!(command, Command::Back | Command::Home)
        {
            // The call holds the screen; the meeting screen has no way Home or back.
            return Vec::new();
        }
        match command {
            Command::ToggleMicrophone => {
                use crate::meeting::floor::FloorAction;
                use crate::room::call_view::CallRequest;
                if self.meeting.muted_by_host() {
                    return Vec::new(); // only the host opens it again; the button says so
                }
                let on = !self.meeting.microphone_shown_on();
                self.meeting.microphone_on = on;
                let mut effects = Vec::new();
                // With a chair, the hub forwards only open microphones: it must know.
                if self.meeting.own_seat().is_some() {
                    let action = if on {
                        FloorAction::UnmuteSelf
                    } else {
                        FloorAction::MuteSelf
                    };
                    effects.push(Effect::Call(CallRequest::Chair(action)));
                }
                effects.push(Effect::SetMicrophone(on));
                return effects;
            }
            Command::ToggleCamera => {
                use crate::meeting::floor::FloorAction;
                use crate::room::call_view::CallRequest;
                self.meeting.camera_on = !self.meeting.camera_on;
                let mut effects = Vec::new();
                if self.meeting.own_seat().is_some() {
                    let action = if self.meeting.camera_on {
                        FloorAction::CameraOn
                    } else {
                        FloorAction::CameraOff
                    };
                    effects.push(Effect::Call(CallRequest::Chair(action)));
                }
                effects.push(Effect::SetCamera(self.meeting.camera_on));
                return effects;
            }
            Command::Meeting(c) => return self.meeting_command(c),
            Command::StaffLeaveMeeting => {
                if (self.screen == Screen::StaffPanel || self.staff_mode) && self.in_call() {
                    return vec![Effect::Call(crate::room::call_view::CallRequest::Leave)];
                }
            }
            Command::StaffJoinMeeting => {
                // The meeting staff left, else the next one (the hub decides if it is soon).
                if (self.screen == Screen::StaffPanel || self.staff_mode)
                    && !self.in_call()
                    && (self.left_meeting.is_some() || self.next_meeting.is_some())
                {
                    return vec![Effect::Call(crate::room::call_view::CallRequest::Join)];
                }
            }
            Command::OpenTile(Tile::Feedback) => self.go(Screen::FeedbackCategory),
            Command::OpenTile(Tile::Rating) => self.go(Screen::Rating),
            Command::OpenTile(Tile::Ticket) => {
                self.ticket = None;
                self.go(Screen::Ticket);
            }
            Command::OpenTile(Tile::Contribute) => return self.open_contribute(),
            Command::OpenTile(Tile::News) => {
                self.news = Default::default();
                self.go(Screen::News);
                return vec![Effect::News(super::news_model::NewsRequest::Load)];
            }
            Command::Back => match self.history.pop() {
                Some(Screen::StaffPanel | Screen::StaffPin) | None => return self.go_home(),
                Some(Screen::FeedbackSending) => self.screen = Screen::FeedbackReview,
                Some(previous) => {
                    if self.screen == Screen::TicketResult {
                        self.ticket = None;
                    }
                    self.screen = previous;
                }
            },
            Command::Home => return self.go_home(),
            Command::ExitStaff => {
                self.set_staff_mode(false);
                return self.go_home();
            }
            Command::SetLanguage(lang) => self.lang = lang,
            Command::Speak => {
                if self.speech_unavailable.is_none() {
                    let text = super::i18n::tr(self.lang, self.screen.instructions_key());
                    return vec![Effect::Speak {
                        text,
                        lang: self.lang,
                    }];
                }
            }
            Command::OpenStaff => {
                self.pin_entry.clear();
                self.last_pin_outcome = None;
                self.go(Screen::StaffPin);
            }
            Command::SubmitPin => {
                let pin = std::mem::take(&mut self.pin_entry);
                // While locked out the PIN is not even checked.
                let correct = self.staff.locked_until(self.now_ms).is_none() && pin_ok(&pin);
                let outcome = self.staff.try_pin(correct, self.now_ms);
                if outcome == PinOutcome::Accepted {
                    self.set_staff_mode(true);
                    self.screen = Screen::StaffPanel;
                    self.last_pin_outcome = None;
                } else {
                    self.last_pin_outcome = Some(outcome);
                }
            }
            Command::SetDefaultLanguage(lang) => {
                self.default_lang = lang;
                self.lang = lang;
            }
            Command::StayHere => {}
            Command::ScreenFailed => return self.fault(),
            Command::PickCategory(id) => {
                self.category = Some(id);
                self.go(Screen::Feedback);
            }
            Command::SpeakInstead => self.screen = Screen::FeedbackSpeak,
            Command::TypeInstead => self.screen = Screen::Feedback,
            Command::StartRecording => {
                if self.mic_unavailable.is_none() {
                    let discard = !matches!(self.recording, Recording::Idle);
                    self.recording = Recording::Live {
                        level: 0.0,
                        elapsed_ms: 0,
                    };
                    let mut effects = vec![Effect::StopSpeaking];
                    if discard {
                        effects.push(Effect::DiscardRecording);
                    }
                    effects.push(Effect::StartRecording);
                    return effects;
                }
            }
            Command::StopRecording => {
                if matches!(self.recording, Recording::Live { .. }) {
                    return vec![Effect::StopRecording];
                }
            }
            Command::PlayRecording => {
                if let Recording::Done { voice, .. } = &self.recording {
                    let path = &voice.path;
                    return vec![Effect::PlayRecording(path.clone())];
                }
            }
            Command::DiscardRecording => {
                self.recording = Recording::Idle;
                return vec![Effect::DiscardRecording];
            }
            Command::ToContact => {
                if self.feedback_ready() {
                    self.go(Screen::FeedbackContact);
                }
            }
            Command::SelectField(field) => self.contact.field = field,
            Command::ToggleConsent => self.contact.consent = !self.contact.consent,
            Command::ToReview => {
                self.send_error = None;
                self.go(Screen::FeedbackReview);
            }
            Command::SendFeedback => {
                if self.feedback_ready() && self.screen == Screen::FeedbackReview {
                    self.send_error = None;
                    self.screen = Screen::FeedbackSending;
                    return vec![Effect::SubmitFeedback(self.feedback_draft())];
                }
            }
            Command::Rate(score) => {
                let score = score.clamp(1, 5);
                let filtered = self
                    .last_rating_ms
                    .is_some_and(|last| self.now_ms - last < RATING_REPEAT_MS);
                self.last_rating_ms = Some(self.now_ms);
                self.go(Screen::RatingThanks);
                return vec![Effect::SubmitRating { score, filtered }];
            }
            Command::LookUpTicket => {
                let code = self.ticket_entry.trim().to_owned();
                if !code.is_empty() {
                    self.ticket = Some(TicketLookup::Waiting);
                    self.go(Screen::TicketResult);
                    return vec![Effect::LookupTicket(code)];
                }
            }
            Command::Contribute(c) => return self.contribute_command(c),
            Command::News(super::news_model::NewsCommand::ReadAloud(id)) => {
                if let (None, Some((text, lang))) = (
                    &self.speech_unavailable,
                    self.news.read_aloud(&id, self.now_ms),
                ) {
                    return vec![Effect::StopSpeaking, Effect::Speak { text, lang }];
                }
            }
        }
        Vec::new()
    }

    /// Shows the fault screen (a screen panicked or an operation failed).
    pub fn fault(&mut self) -> Vec<Effect> {
        self.history.clear();
        let effects = self.clear_personal_data();
        self.screen = Screen::Fault;
        effects
    }

    pub fn can_go_back(&self) -> bool {
        self.screen != Screen::Home && self.can_go_home()
    }

    /// The Home button works everywhere but on the meeting screen during a call.
    pub fn can_go_home(&self) -> bool {
        !(self.screen == Screen::Meeting && self.in_call())
    }
}

// ----- the Contribute flow -----

impl Shell {
    /// The Contribute tile: a fresh flow and the campaigns from the room.
    pub(super) fn open_contribute(&mut self) -> Vec<Effect> {
        self.contribute = ContributeFlow::default();
        self.go(Screen::Contribute(Step::Campaigns));
        vec![Effect::Contribute(ContributeRequest::LoadCampaigns)]
    }

    pub(super) fn contribute_command(&mut self, command: ContributeCommand) -> Vec<Effect> {
        let flow = &mut self.contribute;
        match command {
            ContributeCommand::PickCampaign(id) => {
                let picked = flow
                    .campaigns
                    .as_ref()
                    .and_then(|c| c.as_ref().ok())
                    .and_then(|list| list.iter().find(|c| c.id == id && c.is_open()))
                    .cloned();
                if picked.is_some() {
                    flow.campaign = picked;
                    flow.amount_vnd = None;
                    flow.other_open = false;
                    self.go(Screen::Contribute(Step::Amount));
                }
            }
            ContributeCommand::PickAmount(amount_vnd) => {
                flow.amount_vnd = Some(amount_vnd);
                flow.other_open = false;
                self.go(Screen::Contribute(Step::Name));
            }
            ContributeCommand::OtherAmount => {
                flow.other_open = true;
                flow.other_entry.clear();
                flow.other_invalid = false;
            }
            ContributeCommand::ConfirmOther => match flow.other_entry.trim().parse::<i64>() {
                Ok(v) if (OTHER_MIN_VND..=OTHER_MAX_VND).contains(&v) => {
                    flow.amount_vnd = Some(v);
                    flow.other_open = false;
                    self.go(Screen::Contribute(Step::Name));
                }
                _ => flow.other_invalid = true,
            },
            ContributeCommand::Anonymous => {
                flow.consent = false;
                flow.name.clear();
                return self.make_pledge();
            }
            ContributeCommand::GiveName => flow.consent = true,
            ContributeCommand::ConfirmName | ContributeCommand::Retry => return self.make_pledge(),
        }
        Vec::new()
    }

    fn make_pledge(&mut self) -> Vec<Effect> {
        let flow = &mut self.contribute;
        let Some(draft) = flow.draft(flow.donor_name()) else {
            return Vec::new();
        };
        flow.pledge = None;
        flow.qr = None;
        flow.confirmed = false;
        if self.screen != Screen::Contribute(Step::Qr) {
            self.go(Screen::Contribute(Step::Qr));
        }
        vec![Effect::Contribute(ContributeRequest::CreatePledge(draft))]
    }

    /// An answer from the room. A confirmation shows the thank-you only while the donor is
    /// still looking at that pledge's QR.
    pub fn contribute_event(&mut self, event: ContributeEvent) {
        let flow = &mut self.contribute;
        match event {
            ContributeEvent::Campaigns(result) => flow.campaigns = Some(result),
            ContributeEvent::Wall(result) => flow.wall = result.unwrap_or_default(),
            ContributeEvent::PledgeCreated(result) => {
                if self.screen == Screen::Contribute(Step::Qr) && flow.pledge.is_none() {
                    flow.qr = result
                        .as_ref()
                        .ok()
                        .and_then(|t| module_matrix(&t.payload, QrUse::Screen).ok());
                    flow.pledge = Some(result);
                }
            }
            ContributeEvent::PledgeStatus {
                reference_code,
                state,
            } => {
                if Some(reference_code.as_str()) == self.watched_pledge()
                    && matches!(state, Ok(Some(PledgeState::Confirmed { .. })))
                {
                    self.contribute.confirmed = true;
                    self.go(Screen::Contribute(Step::Thanks));
                }
            }
        }
    }

    /// The reference code whose confirmation the QR screen is waiting for.
    pub fn watched_pledge(&self) -> Option<&str> {
        if self.screen != Screen::Contribute(Step::Qr) || self.contribute.confirmed {
            return None;
        }
        match &self.contribute.pledge {
            Some(Ok(ticket)) => Some(&ticket.reference_code),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_voice() -> crate::room::service::Voice {
        crate::room::service::Voice {
            path: "/tmp/x.ogg".into(),
            sha256_hex: "ab".repeat(32),
        }
    }

    fn shell() -> Shell {
        Shell::new(RoomStatus::new("lao-chai"), Language::Vietnamese, 90, 0)
    }

    fn never(_: &str) -> bool {
        false
    }

    #[test]
    fn back_retraces_the_path_and_home_clears_the_draft() {
        let mut s = shell();
        s.apply(Command::OpenTile(Tile::Feedback), &never);
        s.apply(Command::PickCategory("roads".into()), &never);
        s.draft.push_str("Đường bị hỏng");
        s.apply(Command::Back, &never);
        assert_eq!(s.screen, Screen::FeedbackCategory);
        s.apply(Command::Back, &never);
        assert_eq!(s.screen, Screen::Home);
        s.apply(Command::OpenTile(Tile::Rating), &never);
        s.apply(Command::OpenTile(Tile::News), &never);
        s.apply(Command::Back, &never);
        assert_eq!(s.screen, Screen::Rating);
        s.apply(Command::Home, &never);
        assert_eq!(s.screen, Screen::Home);
        assert!(s.draft.is_empty());
    }

    #[test]
    fn an_hour_of_idling_resets_once_after_the_warning_and_restores_the_default_language() {
        let mut s = shell();
        s.apply(Command::SetLanguage(Language::English), &never);
        s.apply(Command::OpenTile(Tile::Feedback), &never);
        s.apply(Command::PickCategory("roads".into()), &never);
        s.draft.push_str("số điện thoại 0912345678");
        let mut resets = 0;
        let mut warned_at = None;
        for second in 1..=3600 {
            let now = second * 1000;
            if !s.tick(now).is_empty() {
                resets += 1;
            }
            if warned_at.is_none() && s.idle_warning().is_some() {
                warned_at = Some(second);
            }
        }
        assert_eq!(resets, 1);
        assert_eq!(
            warned_at,
            Some(80),
            "the warning shows 10 s before the reset"
        );
        assert_eq!(s.screen, Screen::Home);
        assert!(s.draft.is_empty(), "personal data cleared");
        assert_eq!(s.lang, Language::Vietnamese);
    }

    #[test]
    fn a_touch_postpones_the_reset() {
        let mut s = shell();
        s.apply(Command::OpenTile(Tile::Feedback), &never);
        s.apply(Command::PickCategory("roads".into()), &never);
        s.tick(85_000);
        assert_eq!(s.idle_warning(), Some(5));
        s.touched(85_000);
        assert_eq!(s.idle_warning(), None);
        assert!(s.tick(170_000).is_empty());
        assert_eq!(s.screen, Screen::Feedback);
        assert!(!s.tick(175_000).is_empty());
    }

    #[test]
    fn five_wrong_pins_lock_staff_mode_for_five_minutes_even_for_the_right_pin() {
        let mut s = shell();
        let right = |pin: &str| pin == "2468";
        s.apply(Command::OpenStaff, &right);
        for tries_left in (1..PIN_TRIES).rev() {
            s.pin_entry = "1111".into();
            s.apply(Command::SubmitPin, &right);
            assert_eq!(s.last_pin_outcome, Some(PinOutcome::Wrong { tries_left }));
        }
        s.pin_entry = "1111".into();
        s.apply(Command::SubmitPin, &right);
        assert_eq!(
            s.last_pin_outcome,
            Some(PinOutcome::Locked {
                until_ms: PIN_LOCKOUT_MS
            })
        );
        s.now_ms = PIN_LOCKOUT_MS - 1;
        s.pin_entry = "2468".into();
        s.apply(Command::SubmitPin, &right);
        assert_eq!(
            s.screen,
            Screen::StaffPin,
            "locked: even the right PIN is refused"
        );
        s.now_ms = PIN_LOCKOUT_MS;
        s.pin_entry = "2468".into();
        s.apply(Command::SubmitPin, &right);
        assert_eq!(s.screen, Screen::StaffPanel);
        s.apply(Command::ExitStaff, &right);
        assert_eq!(s.screen, Screen::Home);
    }

    #[test]
    fn speaking_reads_the_current_screen_in_the_current_language_unless_unavailable() {
        let mut s = shell();
        s.apply(Command::SetLanguage(Language::English), &never);
        let effects = s.apply(Command::Speak, &never);
        assert!(
            matches!(&effects[..], [Effect::Speak { lang: Language::English, text }] if text.starts_with("Hello"))
        );
        s.speech_unavailable = Some("no audio output".into());
        assert!(s.apply(Command::Speak, &never).is_empty());
    }

    #[test]
    fn a_repeated_tap_on_the_smileys_is_counted_as_filtered() {
        let mut s = shell();
        s.apply(Command::OpenTile(Tile::Rating), &never);
        assert_eq!(
            s.apply(Command::Rate(5), &never),
            vec![Effect::SubmitRating {
                score: 5,
                filtered: false
            }]
        );
        s.now_ms += 1_000;
        s.apply(Command::Back, &never);
        assert_eq!(
            s.apply(Command::Rate(5), &never),
            vec![Effect::SubmitRating {
                score: 5,
                filtered: true
            }]
        );
        s.now_ms += RATING_REPEAT_MS;
        s.apply(Command::Back, &never);
        assert_eq!(
            s.apply(Command::Rate(2), &never),
            vec![Effect::SubmitRating {
                score: 2,
                filtered: false
            }]
        );
    }

    #[test]
    fn contact_details_are_sent_only_with_consent() {
        let mut s = shell();
        s.draft = "Cần sửa cầu".into();
        s.contact.name = "Giàng A Páo".into();
        s.contact.phone = "0987654321".into();
        assert_eq!(s.feedback_draft().name, None);
        s.apply(Command::ToggleConsent, &never);
        assert_eq!(s.feedback_draft().name.as_deref(), Some("Giàng A Páo"));
        assert_eq!(s.feedback_draft().phone.as_deref(), Some("0987654321"));
    }

    #[test]
    fn an_idle_reset_discards_a_recording() {
        let mut s = shell();
        s.apply(Command::OpenTile(Tile::Feedback), &never);
        s.apply(Command::PickCategory("roads".into()), &never);
        s.apply(Command::SpeakInstead, &never);
        s.recording_finished(Ok((test_voice(), 4_000)));
        let effects = s.tick(90_000);
        assert!(effects.contains(&Effect::DiscardRecording), "{effects:?}");
        assert_eq!(s.recording, Recording::Idle);
        assert_eq!(s.screen, Screen::Home);
    }

    #[test]
    fn the_payment_qr_waits_five_minutes_before_the_idle_reset() {
        let mut s = shell();
        s.screen = Screen::Contribute(crate::kiosk::contribute_model::Step::Qr);
        assert!(s.tick(120_000).is_empty(), "still paying after two minutes");
        assert_eq!(
            s.screen,
            Screen::Contribute(crate::kiosk::contribute_model::Step::Qr)
        );
        assert!(!s.tick(QR_WAIT_MS).is_empty());
        assert_eq!(s.screen, Screen::Home);
    }

    #[test]
    fn a_call_takes_over_any_screen_holds_it_while_idle_and_ends_at_home_with_the_draft() {
        use crate::room::call_view::CallPhase;
        let mut s = shell();
        s.apply(Command::OpenTile(Tile::Feedback), &never);
        s.apply(Command::PickCategory("roads".into()), &never);
        s.apply(Command::SpeakInstead, &never);
        s.apply(Command::StartRecording, &never);
        s.draft.push_str("Cầu bị gãy");
        let effects = s.call_phase_changed(CallPhase::Joining, 1_000);
        assert_eq!(effects, vec![Effect::StopSpeaking, Effect::StopRecording]);
        assert_eq!(s.screen, Screen::Meeting);
        s.recording_finished(Ok((test_voice(), 4_000))); // the app stopped it
        assert!(s.call_phase_changed(CallPhase::Live, 2_000).is_empty());
        // No way out while the call runs, and no idle reset however long it lasts.
        assert!(s.apply(Command::Home, &never).is_empty());
        assert!(s.apply(Command::Back, &never).is_empty());
        assert!(!s.can_go_home() && !s.can_go_back());
        for minute in 1..=180 {
            assert!(s.tick(minute * 60_000).is_empty());
            assert_eq!(s.idle_warning(), None);
        }
        assert_eq!(s.screen, Screen::Meeting);
        assert_eq!(
            s.apply(Command::ToggleMicrophone, &never),
            vec![Effect::SetMicrophone(false)]
        );
        assert_eq!(
            s.apply(Command::ToggleMicrophone, &never),
            vec![Effect::SetMicrophone(true)]
        );
        assert_eq!(
            s.apply(Command::ToggleCamera, &never),
            vec![Effect::SetCamera(false)]
        );
        let end = 3 * 3_600_000;
        assert!(s.call_phase_changed(CallPhase::Idle, end).is_empty());
        assert_eq!(s.screen, Screen::Home);
        assert_eq!(s.draft, "Cầu bị gãy", "kept through the meeting");
        // The usual idle reset then forgets it, counted from the end of the call.
        assert!(s.tick(end + 89_000).is_empty());
        assert!(!s.tick(end + 90_000).is_empty());
        assert!(s.draft.is_empty());
    }

    #[test]
    fn feedback_stored_during_a_call_is_not_kept_as_a_draft_to_send_again() {
        use crate::room::call_view::CallPhase;
        let mut s = shell();
        s.draft = "Cần sửa cầu".into();
        s.screen = Screen::FeedbackReview;
        assert!(matches!(
            s.apply(Command::SendFeedback, &never)[..],
            [Effect::SubmitFeedback(_)]
        ));
        s.call_phase_changed(CallPhase::Live, 1_000);
        s.feedback_stored(Ok(crate::room::service::Receipt {
            ticket_code: "LC-7K3P9".into(),
            status_url: "https://example.invalid/t/LC-7K3P9".into(),
        }));
        assert_eq!(s.screen, Screen::Meeting);
        assert!(s.draft.is_empty());
    }

    #[test]
    fn staff_can_open_the_panel_during_a_call_and_come_back_to_the_meeting() {
        use crate::room::call_view::CallPhase;
        let mut s = shell();
        s.call_phase_changed(CallPhase::Live, 0);
        s.apply(Command::OpenStaff, &never);
        assert_eq!(s.screen, Screen::StaffPin);
        s.apply(Command::Back, &never);
        assert_eq!(s.screen, Screen::Meeting);
        s.apply(Command::OpenStaff, &never);
        s.tick(200_000);
        assert_eq!(
            s.screen,
            Screen::Meeting,
            "idle on another screen: back to the call"
        );
    }

    fn in_a_chaired_call(own_mic: crate::meeting::floor::Mic) -> Shell {
        use crate::meeting::floor::Mic;
        use crate::room::call_view::CallPhase;
        use crate::wire::{Roster, RosterSeat};
        let mut s = shell();
        s.call_phase_changed(CallPhase::Live, 0);
        let seat = |id: &str, host: bool, mic: Mic| RosterSeat::present(id, "", host, mic);
        s.meeting.own_room = Some("a".into());
        s.meeting.roster = Some(Roster {
            v: crate::wire::CHAIR_VERSION,
            host: "p".into(),
            floor: None,
            hands: Vec::new(),
            seats: vec![seat("p", true, Mic::Open), seat("a", false, own_mic)],
        });
        s
    }

    #[test]
    fn the_microphone_button_asks_the_chair_and_cannot_undo_the_host() {
        use crate::meeting::floor::{FloorAction, Mic, MutedBy};
        use crate::room::call_view::CallRequest;
        let mut s = in_a_chaired_call(Mic::Muted(MutedBy::Rule));
        assert!(!s.meeting.microphone_shown_on(), "rooms enter muted");
        assert_eq!(
            s.apply(Command::ToggleMicrophone, &never),
            vec![
                Effect::Call(CallRequest::Chair(FloorAction::UnmuteSelf)),
                Effect::SetMicrophone(true)
            ]
        );
        let mut s = in_a_chaired_call(Mic::Open);
        assert_eq!(
            s.apply(Command::ToggleMicrophone, &never),
            vec![
                Effect::Call(CallRequest::Chair(FloorAction::MuteSelf)),
                Effect::SetMicrophone(false)
            ]
        );
        let mut s = in_a_chaired_call(Mic::Muted(MutedBy::Host));
        assert!(s.apply(Command::ToggleMicrophone, &never).is_empty());
        assert!(s.meeting.muted_by_host());
    }

    #[test]
    fn a_chat_line_is_sent_normalised_and_an_empty_one_is_not_sent() {
        use crate::kiosk::meeting_model::MeetingCommand;
        use crate::meeting::floor::{FloorAction, Mic};
        use crate::room::call_view::CallRequest;
        let mut s = in_a_chaired_call(Mic::Open);
        s.apply(Command::Meeting(MeetingCommand::OpenChat), &never);
        s.meeting.chat_draft = "   ".into();
        assert!(
            s.apply(Command::Meeting(MeetingCommand::SendChat), &never)
                .is_empty()
        );
        s.meeting.chat_draft = " Đe\u{302}\u{300} nghi\u{323} ".into();
        assert_eq!(
            s.apply(Command::Meeting(MeetingCommand::SendChat), &never),
            vec![Effect::Call(CallRequest::Chair(FloorAction::Chat {
                text: "Đề nghị".into()
            }))]
        );
        assert!(!s.meeting.chat_open && s.meeting.chat_draft.is_empty());
        // A commune's kiosk does not open the host's actions.
        s.apply(
            Command::Meeting(MeetingCommand::SelectRoom("p".into())),
            &never,
        );
        assert_eq!(s.meeting.selected, None);
    }

    #[test]
    fn staff_take_the_room_out_of_a_meeting_and_back_from_the_panel() {
        use crate::room::call_view::{CallPhase, CallRequest, CallSnapshot};
        let mut s = shell();
        let right = |pin: &str| pin == "2468";
        s.call_phase_changed(CallPhase::Live, 0);
        s.apply(Command::StaffLeaveMeeting, &right);
        s.apply(Command::OpenStaff, &right);
        assert_eq!(
            s.apply(Command::StaffLeaveMeeting, &right),
            Vec::new(),
            "not before the PIN"
        );
        s.pin_entry = "2468".into();
        s.apply(Command::SubmitPin, &right);
        assert_eq!(
            s.apply(Command::StaffLeaveMeeting, &right),
            vec![Effect::Call(CallRequest::Leave)]
        );
        s.call_phase_changed(CallPhase::Idle, 1_000);
        assert_eq!(s.screen, Screen::StaffPanel);
        assert!(s.apply(Command::StaffJoinMeeting, &right).is_empty());
        s.call_seen(&CallSnapshot {
            left_meeting: Some("m1".into()),
            ..Default::default()
        });
        assert_eq!(
            s.apply(Command::StaffJoinMeeting, &right),
            vec![Effect::Call(CallRequest::Join)]
        );
    }

    #[test]
    fn every_screen_name_maps_to_a_screen() {
        for name in Screen::NAMES {
            assert!(Screen::from_name(name).is_some(), "{name}");
        }
    }
}
