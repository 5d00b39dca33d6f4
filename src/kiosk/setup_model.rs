//! The first-boot setup on the touchscreen, as state: what the technician typed, which field
//! the keyboard types into, and where the setup is (typing, running, refused, done). The
//! screen (`setup_screen`) draws it and returns [`SetupCommand`]s; [`SetupForm::apply`]
//! turns them into state and, for "Set up", into the [`SetupRequest`] the app runs
//! (`room::setup::setup_room`); the app hands the answer back to [`SetupForm::finished`].
//! Nothing typed is ever cleared by a refusal: the technician fixes one field and retries.

use super::keyboard::{KeyboardState, Layout};
use crate::config::Language;
use crate::room::setup::SetupError;

/// How long the "set up" screen shows the room and unit before the room starts by itself
/// (a technician may walk away; "Start now" is there for one who waits).
pub const START_AFTER_MS: i64 = 20_000;

/// One field of the setup screen, in the order `hub add-room` prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetupField {
    #[default]
    Hub,
    Unit,
    Code,
    Fingerprint,
    Pin,
    PinAgain,
}

impl SetupField {
    pub const ALL: [SetupField; 6] = [
        SetupField::Hub,
        SetupField::Unit,
        SetupField::Code,
        SetupField::Fingerprint,
        SetupField::Pin,
        SetupField::PinAgain,
    ];

    /// The field's label (also its accessible name, which tests tap).
    pub fn label_key(self) -> &'static str {
        match self {
            SetupField::Hub => "setup-field-hub",
            SetupField::Unit => "setup-field-unit",
            SetupField::Code => "setup-field-code",
            SetupField::Fingerprint => "setup-field-fingerprint",
            SetupField::Pin => "setup-field-pin",
            SetupField::PinAgain => "setup-field-pin-again",
        }
    }

    /// The keys the field needs: the PIN is digits on the big pad, the rest typed as is.
    pub fn layout(self) -> Layout {
        if self.secret() {
            Layout::Numeric
        } else {
            Layout::Plain
        }
    }

    /// The PIN fields show dots, not digits.
    pub fn secret(self) -> bool {
        matches!(self, SetupField::Pin | SetupField::PinAgain)
    }

    /// The field Done moves to; `None` after the last (Done there means "Set up").
    pub fn next(self) -> Option<SetupField> {
        let at = Self::ALL.iter().position(|f| *f == self)?;
        Self::ALL.get(at + 1).copied()
    }
}

/// What the technician typed, field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetupAnswers {
    pub hub: String,
    pub unit: String,
    pub code: String,
    pub fingerprint: String,
    pub pin: String,
    pub pin_again: String,
}

impl SetupAnswers {
    pub fn get(&self, field: SetupField) -> &str {
        match field {
            SetupField::Hub => &self.hub,
            SetupField::Unit => &self.unit,
            SetupField::Code => &self.code,
            SetupField::Fingerprint => &self.fingerprint,
            SetupField::Pin => &self.pin,
            SetupField::PinAgain => &self.pin_again,
        }
    }

    pub fn get_mut(&mut self, field: SetupField) -> &mut String {
        match field {
            SetupField::Hub => &mut self.hub,
            SetupField::Unit => &mut self.unit,
            SetupField::Code => &mut self.code,
            SetupField::Fingerprint => &mut self.fingerprint,
            SetupField::Pin => &mut self.pin,
            SetupField::PinAgain => &mut self.pin_again,
        }
    }
}

/// Why the setup did not happen, as the technician is told: a kiosk text, the error's own
/// words as its detail when it came from the setup, and the field to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupRefusal {
    pub text_key: &'static str,
    pub detail: Option<String>,
    pub field: Option<SetupField>,
}

/// Where the setup is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SetupPhase {
    #[default]
    Typing,
    /// `setup_room` runs (fetching the certificate, enrolling, writing).
    Running,
    Refused(SetupRefusal),
    /// Set up: the room's and the unit's names as the hub knows them.
    Done {
        room_name: String,
        unit_name: String,
        done_ms: i64,
    },
}

/// What the setup screen asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupCommand {
    /// Type into this field.
    Select(SetupField),
    /// The keyboard's Done: the next field, or "Set up" after the last.
    Next,
    /// Check the answers and set the box up.
    SetUp,
    /// Close the refusal and go to the field it names.
    Dismiss,
    SetLanguage(Language),
    /// "Start now" on the done screen.
    Start,
}

/// The answers, checked: what the app passes to `setup_room`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupRequest {
    pub hub_url: url::Url,
    pub unit: String,
    pub code: String,
    /// `None` when left empty (a hub with a publicly trusted certificate).
    pub fingerprint: Option<String>,
    pub staff_pin: String,
}

/// The setup screen's state.
#[derive(Debug)]
pub struct SetupForm {
    pub lang: Language,
    pub answers: SetupAnswers,
    pub field: SetupField,
    pub keyboard: KeyboardState,
    pub phase: SetupPhase,
    /// "Start now" was tapped.
    start_now: bool,
}

/// A local refusal: a text and the field to fix, no detail.
fn refuse(text_key: &'static str, field: SetupField) -> SetupPhase {
    SetupPhase::Refused(SetupRefusal {
        text_key,
        detail: None,
        field: Some(field),
    })
}

impl SetupForm {
    pub fn new(lang: Language) -> Self {
        Self {
            lang,
            answers: SetupAnswers::default(),
            field: SetupField::default(),
            keyboard: KeyboardState::default(),
            phase: SetupPhase::default(),
            start_now: false,
        }
    }

    /// Applies one command; returns the request to run when the answers are ready.
    pub fn apply(&mut self, command: SetupCommand) -> Option<SetupRequest> {
        match command {
            SetupCommand::Select(field) => {
                if self.phase == SetupPhase::Typing {
                    self.field = field;
                }
                None
            }
            SetupCommand::Next => match self.field.next() {
                Some(next) => {
                    self.field = next;
                    None
                }
                None => self.apply(SetupCommand::SetUp),
            },
            SetupCommand::SetUp => {
                if self.phase != SetupPhase::Typing {
                    return None;
                }
                match self.checked() {
                    Ok(request) => {
                        self.phase = SetupPhase::Running;
                        Some(request)
                    }
                    Err(refusal) => {
                        self.phase = refusal;
                        None
                    }
                }
            }
            SetupCommand::Dismiss => {
                if let SetupPhase::Refused(refusal) = &self.phase {
                    if let Some(field) = refusal.field {
                        self.field = field;
                    }
                    self.phase = SetupPhase::Typing;
                }
                None
            }
            SetupCommand::SetLanguage(lang) => {
                self.lang = lang;
                None
            }
            SetupCommand::Start => {
                self.start_now = true;
                None
            }
        }
    }

    /// The answers as a request, or why not (the first field to fix, in screen order).
    fn checked(&self) -> Result<SetupRequest, SetupPhase> {
        let a = &self.answers;
        let hub = a.hub.trim();
        if hub.is_empty() {
            return Err(refuse("setup-need-hub", SetupField::Hub));
        }
        // `hub add-room` prints https://…; a technician may leave the scheme out.
        let with_scheme = if hub.contains("://") {
            hub.to_owned()
        } else {
            format!("https://{hub}")
        };
        let hub_url = match url::Url::parse(&with_scheme) {
            Ok(url) if matches!(url.scheme(), "https" | "http") && url.host().is_some() => url,
            _ => return Err(refuse("setup-bad-hub", SetupField::Hub)),
        };
        if a.unit.trim().is_empty() {
            return Err(refuse("setup-need-unit", SetupField::Unit));
        }
        if a.code.trim().is_empty() {
            return Err(refuse("setup-need-code", SetupField::Code));
        }
        if a.pin.len() < 4 || !a.pin.chars().all(|c| c.is_ascii_digit()) {
            return Err(refuse("setup-pin-rule", SetupField::Pin));
        }
        if a.pin != a.pin_again {
            return Err(refuse("setup-pin-mismatch", SetupField::PinAgain));
        }
        let fingerprint = a.fingerprint.trim();
        Ok(SetupRequest {
            hub_url,
            unit: a.unit.trim().to_owned(),
            code: a.code.trim().to_owned(),
            fingerprint: (!fingerprint.is_empty()).then(|| fingerprint.to_owned()),
            staff_pin: a.pin.clone(),
        })
    }

    /// The setup's answer: the done screen, or the refusal with what to fix.
    pub fn finished(&mut self, result: Result<(String, String), SetupError>, now_ms: i64) {
        self.phase = match result {
            Ok((room_name, unit_name)) => SetupPhase::Done {
                room_name,
                unit_name,
                done_ms: now_ms,
            },
            Err(error) => SetupPhase::Refused(SetupRefusal {
                text_key: error.text_key(),
                detail: Some(error.to_string()),
                field: field_to_fix(&error),
            }),
        };
    }

    /// Seconds until the room starts by itself, on the done screen.
    pub fn start_in_secs(&self, now_ms: i64) -> Option<u64> {
        match &self.phase {
            SetupPhase::Done { done_ms, .. } => {
                Some(((done_ms + START_AFTER_MS - now_ms).max(0) as u64).div_ceil(1000))
            }
            _ => None,
        }
    }

    /// The box is set up and the room should start now (tapped, or the wait is over).
    pub fn should_start(&self, now_ms: i64) -> bool {
        self.start_in_secs(now_ms)
            .is_some_and(|secs| secs == 0 || self.start_now)
    }
}

/// The field a setup error is about, so "OK" takes the technician there.
fn field_to_fix(error: &SetupError) -> Option<SetupField> {
    use crate::room::enroll::EnrollError;
    match error {
        SetupError::BadFingerprint { .. }
        | SetupError::FingerprintMismatch { .. }
        | SetupError::NeedFingerprint { .. } => Some(SetupField::Fingerprint),
        SetupError::Unreachable { .. } | SetupError::Enroll(EnrollError::Unreachable { .. }) => {
            Some(SetupField::Hub)
        }
        SetupError::Pin(_) => Some(SetupField::Pin),
        SetupError::Enroll(EnrollError::Refused(_)) => Some(SetupField::Code),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> SetupForm {
        let mut form = SetupForm::new(Language::Vietnamese);
        form.answers = SetupAnswers {
            hub: "hub.example.vn:8443".into(),
            unit: "lao-chai".into(),
            code: "ABCD2345".into(),
            fingerprint: String::new(),
            pin: "1357".into(),
            pin_again: "1357".into(),
        };
        form
    }

    #[test]
    fn done_walks_the_fields_in_order_then_sets_up() {
        let mut form = filled();
        let mut seen = vec![form.field];
        while form.phase == SetupPhase::Typing {
            assert_eq!(
                form.apply(SetupCommand::Next).is_some(),
                form.phase == SetupPhase::Running
            );
            seen.push(form.field);
        }
        assert_eq!(&seen[..6], SetupField::ALL);
        assert_eq!(form.phase, SetupPhase::Running);
    }

    #[test]
    fn a_mismatched_pin_is_refused_and_nothing_typed_is_lost() {
        let mut form = filled();
        form.answers.pin_again = "1358".into();
        let before = form.answers.clone();
        assert_eq!(form.apply(SetupCommand::SetUp), None);
        assert_eq!(
            form.phase,
            SetupPhase::Refused(SetupRefusal {
                text_key: "setup-pin-mismatch",
                detail: None,
                field: Some(SetupField::PinAgain),
            })
        );
        form.apply(SetupCommand::Dismiss);
        assert_eq!(form.phase, SetupPhase::Typing);
        assert_eq!(form.field, SetupField::PinAgain);
        assert_eq!(form.answers, before);
    }

    #[test]
    fn the_request_carries_the_answers_tidied() {
        let mut form = filled();
        form.answers.fingerprint = " AB:CD ".into();
        let request = form.apply(SetupCommand::SetUp).expect("ready");
        assert_eq!(request.hub_url.as_str(), "https://hub.example.vn:8443/");
        assert_eq!(request.fingerprint.as_deref(), Some("AB:CD"));
        assert_eq!(request.staff_pin, "1357");
        // Set up once at a time.
        assert_eq!(form.apply(SetupCommand::SetUp), None);
    }

    #[test]
    fn each_missing_answer_names_its_field() {
        for (field, key) in [
            (SetupField::Hub, "setup-need-hub"),
            (SetupField::Unit, "setup-need-unit"),
            (SetupField::Code, "setup-need-code"),
            (SetupField::Pin, "setup-pin-rule"),
        ] {
            let mut form = filled();
            form.answers.get_mut(field).clear();
            form.apply(SetupCommand::SetUp);
            match &form.phase {
                SetupPhase::Refused(r) => {
                    assert_eq!((r.text_key, r.field), (key, Some(field)));
                }
                other => panic!("{field:?}: {other:?}"),
            }
        }
        let mut form = filled();
        form.answers.hub = "ftp://hub".into();
        form.apply(SetupCommand::SetUp);
        assert!(matches!(&form.phase, SetupPhase::Refused(r) if r.text_key == "setup-bad-hub"));
    }

    #[test]
    fn a_hub_error_goes_back_to_its_field_and_done_starts_by_itself() {
        let mut form = filled();
        form.apply(SetupCommand::SetUp).expect("ready");
        form.finished(
            Err(SetupError::Enroll(
                crate::room::enroll::EnrollError::Refused("unknown code".into()),
            )),
            0,
        );
        match &form.phase {
            SetupPhase::Refused(r) => {
                assert_eq!(r.text_key, "setup-error-code-refused");
                assert!(
                    r.detail
                        .as_deref()
                        .is_some_and(|d| d.contains("unknown code"))
                );
            }
            other => panic!("{other:?}"),
        }
        form.apply(SetupCommand::Dismiss);
        assert_eq!(form.field, SetupField::Code);
        form.apply(SetupCommand::SetUp).expect("ready again");
        form.finished(Ok(("Lao Chải".into(), "Xã Lao Chải".into())), 1_000);
        assert_eq!(form.start_in_secs(1_000), Some(20));
        assert!(!form.should_start(1_000 + START_AFTER_MS - 1));
        assert!(form.should_start(1_000 + START_AFTER_MS));
        form.apply(SetupCommand::Start);
        assert!(form.should_start(1_001));
    }

    #[test]
    fn every_text_the_setup_may_show_is_translated() {
        let local = [
            "setup-need-hub",
            "setup-bad-hub",
            "setup-need-unit",
            "setup-need-code",
            "setup-pin-rule",
            "setup-pin-mismatch",
        ];
        let labels = SetupField::ALL.map(SetupField::label_key);
        for key in SetupError::TEXT_KEYS.iter().chain(&local).chain(&labels) {
            let vi = crate::kiosk::i18n::tr(Language::Vietnamese, key);
            assert_ne!(vi, *key, "no Vietnamese text for {key}");
        }
        // English has every Vietnamese key (checked in `i18n`), so these too.
        assert!(crate::kiosk::i18n::missing_keys(Language::English).is_empty());
    }
}
