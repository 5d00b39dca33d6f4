//! The kiosk's state and what each command does to it: a plain state machine with the time
//! as an input, so a test can walk every screen and an hour of idling in milliseconds.

use crate::config::Language;
use crate::room::RoomStatus;

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
            Tile::Feedback => "feedback-not-sent-yet",
            Tile::Rating => "coming-rating",
            Tile::Ticket => "coming-ticket",
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
    /// Typing a comment (sending arrives with the feedback issue).
    Feedback,
    /// A tile whose screen a later issue builds: it says what it will do.
    Coming(Tile),
    StaffPin,
    StaffPanel,
    /// Something failed; a friendly message and a way Home.
    Fault,
}

impl Screen {
    /// The Fluent key of the text the speaker button reads on this screen.
    pub fn instructions_key(&self) -> &'static str {
        match self {
            Screen::Home => "instructions-home",
            Screen::Feedback => "instructions-feedback",
            Screen::Coming(_) => "instructions-coming",
            Screen::StaffPin | Screen::StaffPanel => "instructions-staff",
            Screen::Fault => "instructions-fault",
        }
    }

    /// Name used by `--screenshot --screen NAME`.
    pub fn from_name(name: &str) -> Option<Screen> {
        Some(match name {
            "home" => Screen::Home,
            "feedback" => Screen::Feedback,
            "rating" => Screen::Coming(Tile::Rating),
            "ticket" => Screen::Coming(Tile::Ticket),
            "contribute" => Screen::Coming(Tile::Contribute),
            "news" => Screen::Coming(Tile::News),
            "staff" => Screen::StaffPin,
            "staff-panel" => Screen::StaffPanel,
            "fault" => Screen::Fault,
            _ => return None,
        })
    }

    pub const NAMES: &'static [&'static str] = &[
        "home",
        "feedback",
        "rating",
        "ticket",
        "contribute",
        "news",
        "staff",
        "staff-panel",
        "fault",
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
    /// A screen failed (panicked); show the fault screen.
    ScreenFailed,
}

/// What the app must do outside the state (I/O), after applying a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Speak { text: String, lang: Language },
    StopSpeaking,
}

/// Seconds of warning before an idle reset.
pub const IDLE_WARNING_SECS: u64 = 10;
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
            idle_reset_ms: idle_reset_secs as i64 * 1000,
            last_touch_ms: now_ms,
            now_ms,
        }
    }

    fn go(&mut self, screen: Screen) {
        if self.screen != screen {
            let previous = std::mem::replace(&mut self.screen, screen);
            self.history.push(previous);
        }
    }

    fn go_home(&mut self) {
        self.screen = Screen::Home;
        self.history.clear();
        self.clear_personal_data();
    }

    fn clear_personal_data(&mut self) {
        self.draft.clear();
        self.pin_entry.clear();
        self.last_pin_outcome = None;
        self.keyboard = Default::default();
        self.pin_keyboard = Default::default();
    }

    /// Any touch: postpones the idle reset.
    pub fn touched(&mut self, now_ms: i64) {
        self.now_ms = now_ms;
        self.last_touch_ms = now_ms;
    }

    /// Seconds left before the idle reset, while the warning shows.
    pub fn idle_warning(&self) -> Option<u64> {
        if self.screen == Screen::Home && self.draft.is_empty() && self.lang == self.default_lang {
            return None; // nothing to reset
        }
        let left_ms = self.last_touch_ms + self.idle_reset_ms - self.now_ms;
        (left_ms <= IDLE_WARNING_SECS as i64 * 1000).then(|| (left_ms.max(0) as u64).div_ceil(1000))
    }

    /// Advances the clock; after `idle_reset_secs` without a touch any screen returns
    /// Home and drafts and personal data are cleared.
    pub fn tick(&mut self, now_ms: i64) -> Vec<Effect> {
        self.now_ms = now_ms;
        if now_ms - self.last_touch_ms >= self.idle_reset_ms
            && (self.screen != Screen::Home
                || !self.draft.is_empty()
                || self.lang != self.default_lang)
        {
            self.go_home();
            self.lang = self.default_lang;
            self.last_touch_ms = now_ms;
            return vec![Effect::StopSpeaking];
        }
        Vec::new()
    }

    /// Applies a command from a screen. `pin_ok` checks a PIN against the configured hash
    /// (passed in so this state machine stays free of configuration and crypto).
    pub fn apply(&mut self, command: Command, pin_ok: &dyn Fn(&str) -> bool) -> Vec<Effect> {
        self.last_touch_ms = self.now_ms;
        match command {
            Command::OpenTile(Tile::Feedback) => self.go(Screen::Feedback),
            Command::OpenTile(tile) => self.go(Screen::Coming(tile)),
            Command::Back => match self.history.pop() {
                Some(Screen::StaffPanel | Screen::StaffPin) | None => self.go_home(),
                Some(previous) => self.screen = previous,
            },
            Command::Home | Command::ExitStaff => {
                self.go_home();
                return vec![Effect::StopSpeaking];
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
            Command::ScreenFailed => {
                self.fault();
                return vec![Effect::StopSpeaking];
            }
        }
        Vec::new()
    }

    /// Shows the fault screen (a screen panicked or an operation failed).
    pub fn fault(&mut self) {
        self.history.clear();
        self.clear_personal_data();
        self.screen = Screen::Fault;
    }

    pub fn can_go_back(&self) -> bool {
        self.screen != Screen::Home
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        s.draft.push_str("Đường bị hỏng");
        s.apply(Command::Back, &never);
        assert_eq!(s.screen, Screen::Home);
        s.apply(Command::OpenTile(Tile::Rating), &never);
        s.apply(Command::OpenTile(Tile::News), &never);
        s.apply(Command::Back, &never);
        assert_eq!(s.screen, Screen::Coming(Tile::Rating));
        s.apply(Command::Home, &never);
        assert_eq!(s.screen, Screen::Home);
        assert!(s.draft.is_empty());
    }

    #[test]
    fn an_hour_of_idling_resets_once_after_the_warning_and_restores_the_default_language() {
        let mut s = shell();
        s.apply(Command::SetLanguage(Language::English), &never);
        s.apply(Command::OpenTile(Tile::Feedback), &never);
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
    fn every_screen_name_maps_to_a_screen() {
        for name in Screen::NAMES {
            assert!(Screen::from_name(name).is_some(), "{name}");
        }
    }
}
