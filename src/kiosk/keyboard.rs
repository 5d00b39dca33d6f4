//! The kiosk's own on-screen keyboard. Under `cage` there is no system keyboard and no
//! input method, and residents (many elderly, many H'Mong or Dao who read little
//! Vietnamese) type feedback on a touchscreen, so the kiosk brings both.
//!
//! The Vietnamese typing engine is `bamboo-core` (the Rust port of BambooEngine, the engine
//! of ibus-bamboo). Only this module knows about it: the rest of the kiosk sees [`Key`],
//! [`KeyboardState`] and [`keyboard_ui`].
//!
//! Behaviour, in terms of that engine:
//! - **Telex and VNI** as the engine defines them (`Tieengs` → `Tiếng`, `Vie65t` → `Việt`).
//! - **Tone placement: the engine's default, which it calls modern**: on the first vowel of
//!   an open `oa`, `oe`, `uy` (`hòa`, `hỏa`, `khỏe`, `thủy`), on the second once a consonant
//!   follows (`hoàn`). See [`TONE_PLACEMENT`] for why not `hoà`.
//! - **Tone row**: a tone key sets that tone on the word being typed, placed by the engine.
//!   Tapping it again, or on a word without a vowel, changes nothing (never types a letter),
//!   so a double tap is harmless.
//! - **Backspace removes the last character on screen** (`tiếng` → `tiến`), keeping the
//!   marks and tone of the letters before it (the engine's `remove_last_output_char`); it
//!   does not undo the last keystroke. Past the start of the word it deletes the space and
//!   the previous word becomes editable again (a tone key then acts on it).
//! - **Shift is one-shot**: it capitalises the next letter, then turns itself off.
//! - The text is edited in place at its end and kept NFC. If the caller changes the text
//!   between key presses (clears the field, switches fields), the keyboard picks up the
//!   last word of the new text.
//!
//! Taps only: every action is a plain click on a key of at least [`KEY_MIN_SIDE_PT`].

use bamboo_core::{Config, Engine, Mode, OutputOptions, ToneStyle};
use egui::{Button, RichText, Role, Vec2, WidgetInfo};

use crate::text::nfc;

/// Smallest side of any key (logical points): a fingertip, with room for unsteady hands.
pub const KEY_MIN_SIDE_PT: f32 = 64.0;
/// Keys grow with the window up to this side.
pub const KEY_MAX_SIDE_PT: f32 = 88.0;
/// Side of the keys of the numeric pad.
pub const NUMERIC_KEY_SIDE_PT: f32 = 96.0;
/// Space between keys, so a tap near an edge does not hit the neighbour.
pub const KEY_GAP_PT: f32 = 8.0;
/// Size of a key's character.
pub const KEY_LABEL_PT: f32 = 28.0;
/// Size of the words on action keys (space, done, backspace, shift, tone names).
pub const ACTION_LABEL_PT: f32 = 22.0;
/// Size of the sample vowel on a tone key.
pub const TONE_SAMPLE_PT: f32 = 32.0;

/// Where the engine puts a tone on an open `oa`, `oe`, `uy`: bamboo-core's `Modern`
/// (its default), `hòa`, `khỏe`, `thủy`, as most people type. Its other rule
/// (`Traditional`: `hoà`, `thuỷ`) misplaces the tone while a word is half typed or half
/// deleted (`Việ` shows as `Vịê`, `Tiế` as `Tíê`), which would confuse residents who tap
/// the tone row before finishing a word.
pub const TONE_PLACEMENT: ToneStyle = ToneStyle::Modern;

// The promises above, checked when compiling.
const _: () = assert!(KEY_MIN_SIDE_PT >= 64.0 && NUMERIC_KEY_SIDE_PT >= KEY_MIN_SIDE_PT);
const _: () = assert!(KEY_LABEL_PT >= 22.0 && ACTION_LABEL_PT >= 22.0 && TONE_SAMPLE_PT >= 22.0);

/// The Vietnamese letters that get their own keys, for people who do not know Telex/VNI.
pub const VIETNAMESE_LETTERS: [char; 7] = ['ă', 'â', 'đ', 'ê', 'ô', 'ơ', 'ư'];

const QWERTY_ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];

/// How letter keys turn into Vietnamese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputMethod {
    /// `aa` → â, `dd` → đ, `s f r x j` → sắc huyền hỏi ngã nặng.
    #[default]
    Telex,
    /// `6` → â ê ô, `7` → ơ ư, `8` → ă, `9` → đ, `1`–`5` → the five tones.
    Vni,
}

/// Which keys the field needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Letters, digits, the tone row and the Vietnamese letters.
    Text,
    /// A big 0–9 pad for phone numbers, amounts and ticket codes: digits only.
    Numeric,
    /// Latin letters, digits and the punctuation of addresses and codes, typed as they are:
    /// Telex would turn the `ex` of `example.vn` into `ẽ`. The first-boot setup's hub
    /// address, unit, code and fingerprint.
    Plain,
}

/// The plain layout's rows: digits, letters and `:` `/` `.` `-` `_`; Backspace and Done
/// end the last row.
const PLAIN_ROWS: [&str; 4] = ["1234567890:", "qwertyuiop/", "asdfghjkl.-", "zxcvbnm_"];
/// Key units in the plain layout's widest row (as wide as the text layout's).
const PLAIN_ROW_UNITS: f32 = 11.0;

/// The narrowest keyboard whose tone keys show their names: "ạ Dấu nặng" at 22 pt needs
/// more than two units of a portrait panel.
const NAMED_TONES_MIN_PT: f32 = 1_000.0;
/// The numeric pad: 3 keys by 4 rows.
const NUMERIC_COLUMNS: f32 = 3.0;
const NUMERIC_ROWS: f32 = 4.0;

/// How the text keys are arranged. Every arrangement has the same keys at the same
/// minimum side; the shorter ones put groups side by side so that a short screen keeps
/// room above the keyboard for the resident to read back what they typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextRows {
    /// Each group on its own row: tones, Vietnamese letters, digits, three letter rows,
    /// then method, punctuation, space and Done.
    Seven,
    /// The tone row (their vowel only) beside the Vietnamese letters.
    Six,
    /// Tones (their vowel only) beside the Vietnamese letters, the method keys beside the
    /// digits, and the action keys at the ends of the letter rows (short screens).
    Five,
}

impl TextRows {
    /// From the most rows (the easiest to scan) to the fewest.
    pub const ALL: [TextRows; 3] = [TextRows::Seven, TextRows::Six, TextRows::Five];

    fn rows(self) -> f32 {
        match self {
            TextRows::Seven => 7.0,
            TextRows::Six => 6.0,
            TextRows::Five => 5.0,
        }
    }

    /// Key units in the widest row.
    fn row_units(self) -> f32 {
        match self {
            TextRows::Seven => 11.0,
            TextRows::Six => 11.0,
            TextRows::Five => 14.0,
        }
    }

    /// The room this arrangement needs with the smallest keys (logical points).
    pub fn min_size_pt(self) -> Vec2 {
        Vec2::new(
            span(self.row_units(), KEY_MIN_SIDE_PT),
            span(self.rows(), KEY_MIN_SIDE_PT),
        )
    }

    /// The arrangement with the most rows that fits in `size_pt` with keys of at least the
    /// minimum side, if any does.
    pub fn fitting(size_pt: Vec2) -> Option<TextRows> {
        Self::ALL.into_iter().find(|rows| {
            let need = rows.min_size_pt();
            need.x <= size_pt.x + 0.5 && need.y <= size_pt.y + 0.5
        })
    }
}

/// The length of `keys` keys of `side` with the gaps between them.
fn span(keys: f32, side: f32) -> f32 {
    keys * side + (keys - 1.0) * KEY_GAP_PT
}

impl Layout {
    /// The room the keyboard needs with the smallest keys and its tallest arrangement
    /// (logical points): screens reserve it (e.g. in a bottom panel) so no key falls off the
    /// screen. Short screens choose a [`TextRows`] of their own.
    pub fn min_size_pt(self) -> Vec2 {
        match self {
            Layout::Text => TextRows::Seven.min_size_pt(),
            Layout::Numeric => Vec2::new(
                span(NUMERIC_COLUMNS, NUMERIC_KEY_SIDE_PT),
                span(NUMERIC_ROWS, NUMERIC_KEY_SIDE_PT),
            ),
            Layout::Plain => Vec2::new(
                span(PLAIN_ROW_UNITS, KEY_MIN_SIDE_PT),
                span(PLAIN_ROWS.len() as f32, KEY_MIN_SIDE_PT),
            ),
        }
    }
}

/// The five marked tones (thanh ngang has no mark and no key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Sac,
    Huyen,
    Hoi,
    Nga,
    Nang,
}

impl Tone {
    /// In the order of the tone row and of [`KeyboardLabels::tone_names`].
    pub const ALL: [Tone; 5] = [Tone::Sac, Tone::Huyen, Tone::Hoi, Tone::Nga, Tone::Nang];

    /// The tone on `a`, shown on its key.
    pub fn sample(self) -> char {
        match self {
            Tone::Sac => 'á',
            Tone::Huyen => 'à',
            Tone::Hoi => 'ả',
            Tone::Nga => 'ã',
            Tone::Nang => 'ạ',
        }
    }

    fn index(self) -> usize {
        match self {
            Tone::Sac => 0,
            Tone::Huyen => 1,
            Tone::Hoi => 2,
            Tone::Nga => 3,
            Tone::Nang => 4,
        }
    }

    /// The VNI key for this tone; the tone row places tones through a VNI engine.
    fn vni_key(self) -> char {
        match self {
            Tone::Sac => '1',
            Tone::Huyen => '2',
            Tone::Hoi => '3',
            Tone::Nga => '4',
            Tone::Nang => '5',
        }
    }
}

/// One tap on the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A letter (including ă â đ ê ô ơ ư), digit or punctuation key. Lowercase letters are
    /// capitalised while Shift is on.
    Char(char),
    /// A key of the tone row.
    Tone(Tone),
    Space,
    Backspace,
    Shift,
    /// The Telex/VNI switch.
    Method(InputMethod),
    Done,
}

/// What the field's owner must act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyboardEvent {
    /// The Done key was tapped.
    Done,
}

/// Words on the keys, from the translations (Fluent), never hard-coded here.
#[derive(Debug, Clone)]
pub struct KeyboardLabels {
    pub space: String,
    pub done: String,
    pub backspace: String,
    pub shift: String,
    pub telex: String,
    pub vni: String,
    /// Names of sắc, huyền, hỏi, ngã, nặng (in [`Tone::ALL`] order): the accessible labels
    /// of the tone keys, shown beside the sample vowel.
    pub tone_names: [String; 5],
}

/// The keyboard between frames: the method, Shift, and the engine's composition of the
/// word being typed (the last word of the text).
#[derive(Debug)]
pub struct KeyboardState {
    /// Telex or VNI; changing it takes effect at the next key.
    pub method: InputMethod,
    /// One-shot capitals: on until the next letter.
    shift: bool,
    /// Composes the word being typed; everything since its last reset is
    /// `text[word_start..]`.
    engine: Engine,
    /// The method `engine` was built for, to notice a change of `method`.
    engine_method: InputMethod,
    /// Byte offset in the text where the engine's word starts.
    word_start: usize,
    /// The text as the last key left it, to notice edits made by someone else; `None`
    /// before the first key.
    last_text: Option<String>,
}

/// A copy has a fresh engine: at its first key it rebuilds the word being typed from the
/// text (keystroke history, such as Telex's double-key undo, is not copied).
impl Clone for KeyboardState {
    fn clone(&self) -> Self {
        Self {
            shift: self.shift,
            ..Self::new(self.method)
        }
    }
}

impl Default for KeyboardState {
    fn default() -> Self {
        Self::new(InputMethod::default())
    }
}

fn engine_config() -> Config {
    Config::builder().tone_style(TONE_PLACEMENT).build()
}

fn new_engine(method: InputMethod) -> Engine {
    let input_method = match method {
        InputMethod::Telex => bamboo_core::InputMethod::telex(),
        InputMethod::Vni => bamboo_core::InputMethod::vni(),
    };
    Engine::with_config(input_method, engine_config())
}

/// Everything the engine composed since its last reset, in NFC.
fn composed(engine: &Engine) -> String {
    nfc(&engine.get_processed_str(OutputOptions::FULL_TEXT))
}

/// Words are runs of letters; anything else ends one.
fn is_word_break(c: char) -> bool {
    !c.is_alphabetic()
}

impl KeyboardState {
    pub fn new(method: InputMethod) -> Self {
        Self {
            method,
            shift: false,
            engine: new_engine(method),
            engine_method: method,
            word_start: 0,
            last_text: None,
        }
    }

    /// Whether the next letter will be a capital.
    pub fn shift(&self) -> bool {
        self.shift
    }

    /// Applies one key to `text` (edited at its end, kept NFC). Returns the event the
    /// field's owner must act on, if any.
    pub fn press(&mut self, layout: Layout, key: Key, text: &mut String) -> Option<KeyboardEvent> {
        self.sync(text);
        let event = match layout {
            Layout::Text => self.press_text(key, text),
            Layout::Numeric => self.press_raw(key, text, char::is_ascii_digit),
            Layout::Plain => self.press_raw(key, text, char::is_ascii_graphic),
        };
        match &mut self.last_text {
            Some(last) => last.clone_from(text),
            None => self.last_text = Some(text.clone()),
        }
        event
    }

    /// Catches up with a new method, or with a text someone else changed.
    fn sync(&mut self, text: &mut String) {
        let method_changed = self.method != self.engine_method;
        if method_changed {
            self.engine = new_engine(self.method);
            self.engine_method = self.method;
        }
        let changed_elsewhere = self.last_text.as_deref() != Some(text.as_str())
            || !text.is_char_boundary(self.word_start);
        if method_changed || changed_elsewhere {
            let normal = nfc(text);
            if normal != *text {
                *text = normal;
            }
            self.resync(text);
        }
    }

    /// Makes the last word of `text` the engine's composition, so tones, marks and
    /// backspace act on it as if it had just been typed.
    fn resync(&mut self, text: &str) {
        let start = text
            .char_indices()
            .rev()
            .find(|&(_, c)| is_word_break(c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let word = &text[start..];
        self.engine.rebuild_from_text(word);
        if composed(&self.engine) == word {
            self.word_start = start;
        } else {
            // Not something the engine can hold as one word: leave it as it is.
            self.engine.reset();
            self.word_start = text.len();
        }
    }

    /// Writes the engine's composition over the word being typed.
    fn write_word(&self, text: &mut String) {
        text.truncate(self.word_start);
        text.push_str(&composed(&self.engine));
    }

    /// Ends the word being typed with `c` (a space or punctuation); the next letter starts
    /// a new word.
    fn end_word(&mut self, c: char, text: &mut String) {
        self.engine.reset();
        text.push(c);
        self.word_start = text.len();
    }

    fn press_text(&mut self, key: Key, text: &mut String) -> Option<KeyboardEvent> {
        match key {
            Key::Char(c) => self.type_char(c, text),
            Key::Tone(tone) => self.apply_tone(tone, text),
            Key::Space => self.end_word(' ', text),
            Key::Backspace => self.backspace(text),
            Key::Shift => self.shift = !self.shift,
            Key::Method(method) => {
                self.method = method;
                self.sync(text);
            }
            Key::Done => {
                self.shift = false;
                return Some(KeyboardEvent::Done);
            }
        }
        None
    }

    fn type_char(&mut self, c: char, text: &mut String) {
        if c.is_control() {
            return;
        }
        if c.is_whitespace() {
            self.end_word(' ', text);
            return;
        }
        let c = if self.shift { to_upper(c) } else { c };
        if c.is_alphabetic() {
            self.shift = false;
        }
        if c.is_alphanumeric() && self.engine.can_process_key(c) {
            self.engine.process_key(c, Mode::Vietnamese);
            self.write_word(text);
        } else {
            self.end_word(c, text);
        }
    }

    /// Sets `tone` on the word being typed where the engine places it. A tone the word
    /// already has, or a word with no vowel, is left as it is.
    fn apply_tone(&mut self, tone: Tone, text: &mut String) {
        let word = &text[self.word_start..];
        if word.is_empty() {
            return;
        }
        // A scratch VNI engine: its tone keys are digits, which never spell a letter, so a
        // tone that cannot apply shows up as a trailing digit rather than a changed word.
        let mut scratch = new_engine(InputMethod::Vni);
        scratch.rebuild_from_text(word);
        scratch.process_key(tone.vni_key(), Mode::Vietnamese);
        let toned = composed(&scratch);
        if toned.ends_with(tone.vni_key()) || toned == word {
            return;
        }
        text.truncate(self.word_start);
        text.push_str(&toned);
        self.engine.rebuild_from_text(&toned);
        if composed(&self.engine) != toned {
            self.engine.reset();
            self.word_start = text.len();
        }
    }

    fn backspace(&mut self, text: &mut String) {
        if self.engine.output_str().is_empty() {
            // Past the word being typed: delete one character, the word before becomes
            // the one being typed.
            text.pop();
            self.resync(text);
        } else {
            self.engine.remove_last_output_char();
            self.write_word(text);
        }
    }

    /// The numeric and plain layouts: a key the layout accepts is typed as it is, with no
    /// Vietnamese composition, so the word being typed always starts at the end.
    fn press_raw(
        &mut self,
        key: Key,
        text: &mut String,
        accepts: fn(&char) -> bool,
    ) -> Option<KeyboardEvent> {
        match key {
            Key::Char(c) if accepts(&c) => text.push(c),
            Key::Backspace => {
                text.pop();
            }
            Key::Done => return Some(KeyboardEvent::Done),
            _ => return None,
        }
        self.engine.reset();
        self.word_start = text.len();
        None
    }
}

/// The capital of `c` when it is one character (all Vietnamese letters are).
fn to_upper(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Types `keys` one by one, as taps on the keyboard: `' '` is Space, `'\u{8}'` is
/// Backspace, anything else a character key. For tests and for replaying input.
pub fn type_keys(text: &mut String, state: &mut KeyboardState, layout: Layout, keys: &str) {
    for c in keys.chars() {
        let key = match c {
            ' ' => Key::Space,
            '\u{8}' => Key::Backspace,
            c => Key::Char(c),
        };
        state.press(layout, key, text);
    }
}

/// Draws the keyboard for `layout`, applies the tapped key to `text`, and returns
/// [`KeyboardEvent::Done`] when Done is tapped.
pub fn keyboard_ui(
    ui: &mut egui::Ui,
    state: &mut KeyboardState,
    layout: Layout,
    text: &mut String,
    labels: &KeyboardLabels,
) -> Option<KeyboardEvent> {
    let mut tapped = None;
    ui.scope(|ui| {
        ui.spacing_mut().item_spacing = Vec2::splat(KEY_GAP_PT);
        match layout {
            Layout::Text => text_keys_ui(ui, state, labels, &mut tapped),
            Layout::Numeric => numeric_keys_ui(ui, labels, &mut tapped),
            Layout::Plain => plain_keys_ui(ui, labels, &mut tapped),
        }
    });
    tapped.and_then(|key| state.press(layout, key, text))
}

/// One key's look and accessible name.
struct KeySpec<'a> {
    key: Key,
    /// Width in key units (1 = a letter key).
    units: f32,
    face: RichText,
    /// Extra words shown after the face (the tone's name).
    caption: Option<RichText>,
    /// The accessible label when it differs from the face.
    name: Option<&'a str>,
    selected: Option<bool>,
}

impl<'a> KeySpec<'a> {
    fn char(c: char) -> Self {
        Self {
            key: Key::Char(c),
            units: 1.0,
            face: RichText::new(c.to_string()).size(KEY_LABEL_PT),
            caption: None,
            name: None,
            selected: None,
        }
    }

    fn action(key: Key, units: f32, words: &str) -> Self {
        Self {
            key,
            units,
            face: RichText::new(words).size(ACTION_LABEL_PT),
            caption: None,
            name: None,
            selected: None,
        }
    }
}

/// Draws a centred row of keys `unit_pt` wide per unit; records the tapped key.
fn key_row_ui(ui: &mut egui::Ui, keys: Vec<KeySpec<'_>>, unit_pt: f32, tapped: &mut Option<Key>) {
    let width = |units: f32| units * unit_pt + (units - 1.0).max(0.0) * KEY_GAP_PT;
    let row_width: f32 = keys.iter().map(|k| width(k.units)).sum::<f32>()
        + KEY_GAP_PT * keys.len().saturating_sub(1) as f32;
    ui.horizontal(|ui| {
        ui.add_space(((ui.available_width() - row_width) / 2.0).max(0.0));
        for spec in keys {
            let size = Vec2::new(width(spec.units), unit_pt);
            let mut button = match spec.caption {
                Some(caption) => Button::new((spec.face, caption)),
                None => Button::new(spec.face),
            }
            .min_size(size);
            if let Some(selected) = spec.selected {
                button = button.selected(selected);
            }
            let response = ui.add(button);
            if let Some(name) = spec.name {
                let enabled = ui.is_enabled();
                response.widget_info(|| match spec.selected {
                    Some(selected) => WidgetInfo::selected(Role::Button, enabled, selected, name),
                    None => WidgetInfo::labeled(Role::Button, enabled, name),
                });
            }
            if response.clicked() {
                *tapped = Some(spec.key);
            }
        }
    });
}

fn text_keys_ui(
    ui: &mut egui::Ui,
    state: &KeyboardState,
    labels: &KeyboardLabels,
    tapped: &mut Option<Key>,
) {
    // The most rows that fit; keys grow into the room there is, never below the minimum.
    let arrangement = TextRows::fitting(ui.available_size()).unwrap_or(TextRows::Seven);
    let units = arrangement.row_units();
    let rows = arrangement.rows();
    let fit_width = (ui.available_width() - (units - 1.0) * KEY_GAP_PT) / units;
    let fit_height = (ui.available_height() - (rows - 1.0) * KEY_GAP_PT) / rows;
    let unit_pt = fit_width
        .min(fit_height)
        .clamp(KEY_MIN_SIDE_PT, KEY_MAX_SIDE_PT);
    // A tone key shows its name beside its vowel where two units hold the words.
    let named_tones = arrangement == TextRows::Seven && ui.available_width() >= NAMED_TONES_MIN_PT;
    for row in text_rows(arrangement, named_tones, state, labels) {
        key_row_ui(ui, row, unit_pt, tapped);
    }
}

/// The rows of text keys in `arrangement`, top to bottom.
fn text_rows<'a>(
    arrangement: TextRows,
    with_names: bool,
    state: &KeyboardState,
    labels: &'a KeyboardLabels,
) -> Vec<Vec<KeySpec<'a>>> {
    let shown = |c: char| if state.shift { to_upper(c) } else { c };
    let chars =
        |s: &str| -> Vec<KeySpec<'a>> { s.chars().map(|c| KeySpec::char(shown(c))).collect() };
    // Without its name shown a tone key is one unit wide; its name stays its label.
    let tones: Vec<KeySpec<'a>> = Tone::ALL
        .iter()
        .map(|&tone| {
            let name = &labels.tone_names[tone.index()];
            KeySpec {
                key: Key::Tone(tone),
                units: if with_names { 2.0 } else { 1.0 },
                face: RichText::new(tone.sample().to_string()).size(TONE_SAMPLE_PT),
                caption: with_names.then(|| RichText::new(name).size(ACTION_LABEL_PT)),
                name: Some(name),
                selected: None,
            }
        })
        .collect();
    let letters: Vec<KeySpec<'a>> = VIETNAMESE_LETTERS
        .iter()
        .map(|&c| KeySpec::char(shown(c)))
        .collect();
    let digits: Vec<KeySpec<'a>> = "1234567890".chars().map(KeySpec::char).collect();
    let method = |m: InputMethod, units: f32, words: &'a str| {
        let mut spec = KeySpec::action(Key::Method(m), units, words);
        spec.selected = Some(state.method == m);
        spec
    };
    let shift = || {
        let mut spec = KeySpec::action(Key::Shift, 2.0, &labels.shift);
        spec.selected = Some(state.shift);
        spec
    };
    let backspace = || KeySpec::action(Key::Backspace, 2.0, &labels.backspace);
    let done = || KeySpec::action(Key::Done, 2.0, &labels.done);
    let joined = |mut a: Vec<KeySpec<'a>>, b: Vec<KeySpec<'a>>| {
        a.extend(b);
        a
    };
    let zxcv_row = || {
        joined(
            joined(vec![shift()], chars(QWERTY_ROWS[2])),
            vec![backspace()],
        )
    };
    let bottom_row = || {
        vec![
            method(InputMethod::Telex, 1.5, &labels.telex),
            method(InputMethod::Vni, 1.5, &labels.vni),
            KeySpec::char(','),
            KeySpec::action(Key::Space, 4.0, &labels.space),
            KeySpec::char('.'),
            done(),
        ]
    };
    match arrangement {
        TextRows::Seven => vec![
            tones,
            letters,
            digits,
            chars(QWERTY_ROWS[0]),
            chars(QWERTY_ROWS[1]),
            zxcv_row(),
            bottom_row(),
        ],
        TextRows::Six => vec![
            joined(tones, letters),
            digits,
            chars(QWERTY_ROWS[0]),
            chars(QWERTY_ROWS[1]),
            zxcv_row(),
            bottom_row(),
        ],
        TextRows::Five => vec![
            joined(tones, letters),
            joined(
                digits,
                vec![
                    method(InputMethod::Telex, 2.0, &labels.telex),
                    method(InputMethod::Vni, 2.0, &labels.vni),
                ],
            ),
            joined(chars(QWERTY_ROWS[0]), vec![backspace()]),
            joined(chars(QWERTY_ROWS[1]), vec![done()]),
            joined(
                joined(vec![shift()], chars(QWERTY_ROWS[2])),
                vec![
                    KeySpec::char(','),
                    KeySpec::char('.'),
                    KeySpec::action(Key::Space, 3.0, &labels.space),
                ],
            ),
        ],
    }
}

fn numeric_keys_ui(ui: &mut egui::Ui, labels: &KeyboardLabels, tapped: &mut Option<Key>) {
    for row in ["123", "456", "789"] {
        key_row_ui(
            ui,
            row.chars().map(KeySpec::char).collect(),
            NUMERIC_KEY_SIDE_PT,
            tapped,
        );
    }
    let last = vec![
        KeySpec::action(Key::Backspace, 1.0, &labels.backspace),
        KeySpec::char('0'),
        KeySpec::action(Key::Done, 1.0, &labels.done),
    ];
    key_row_ui(ui, last, NUMERIC_KEY_SIDE_PT, tapped);
}

fn plain_keys_ui(ui: &mut egui::Ui, labels: &KeyboardLabels, tapped: &mut Option<Key>) {
    let rows = PLAIN_ROWS.len() as f32;
    let fit_width = (ui.available_width() - (PLAIN_ROW_UNITS - 1.0) * KEY_GAP_PT) / PLAIN_ROW_UNITS;
    let fit_height = (ui.available_height() - (rows - 1.0) * KEY_GAP_PT) / rows;
    let unit_pt = fit_width
        .min(fit_height)
        .clamp(KEY_MIN_SIDE_PT, KEY_MAX_SIDE_PT);
    for (i, row) in PLAIN_ROWS.iter().enumerate() {
        let mut keys: Vec<KeySpec<'_>> = row.chars().map(KeySpec::char).collect();
        if i == PLAIN_ROWS.len() - 1 {
            keys.push(KeySpec::action(Key::Backspace, 1.5, &labels.backspace));
            keys.push(KeySpec::action(Key::Done, 1.5, &labels.done));
        }
        key_row_ui(ui, keys, unit_pt, tapped);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(method: InputMethod, keys: &str) -> String {
        let mut text = String::new();
        let mut state = KeyboardState::new(method);
        type_keys(&mut text, &mut state, Layout::Text, keys);
        text
    }

    fn then_tone(keys: &str, tone: Tone) -> String {
        let mut text = String::new();
        let mut state = KeyboardState::default();
        type_keys(&mut text, &mut state, Layout::Text, keys);
        state.press(Layout::Text, Key::Tone(tone), &mut text);
        text
    }

    #[test]
    fn telex_and_vni_compose_words() {
        assert_eq!(typed(InputMethod::Telex, "Tieengs Vieetj"), "Tiếng Việt");
        assert_eq!(typed(InputMethod::Vni, "Vie65t"), "Việt");
        assert_eq!(typed(InputMethod::Vni, "Tie61ng Vie65t"), "Tiếng Việt");
        assert_eq!(typed(InputMethod::Telex, "nguowif"), "người");
    }

    #[test]
    fn tones_are_placed_by_the_engine_in_the_modern_style() {
        assert_eq!(typed(InputMethod::Telex, "hoaf"), "hòa");
        assert_eq!(typed(InputMethod::Telex, "hoafn"), "hoàn");
        assert_eq!(typed(InputMethod::Telex, "thuyr"), "thủy");
        assert_eq!(typed(InputMethod::Telex, "giaf quas"), "già quá");
        assert_eq!(then_tone("hoa", Tone::Hoi), "hỏa");
        assert_eq!(then_tone("khoe", Tone::Hoi), "khỏe");
        // A half-typed word already shows its tone where it will stay.
        assert_eq!(then_tone("Viee", Tone::Nang), "Việ");
    }

    #[test]
    fn tone_row_sets_the_tone_and_never_types_a_letter() {
        assert_eq!(then_tone("a", Tone::Sac), "á");
        assert_eq!(then_tone("tieng", Tone::Sac), "tiéng");
        assert_eq!(then_tone("tieeng", Tone::Sac), "tiếng");
        // Nothing to put a tone on.
        assert_eq!(then_tone("", Tone::Sac), "");
        assert_eq!(then_tone("ng", Tone::Sac), "ng");
        assert_eq!(then_tone("a ", Tone::Sac), "a ");
        // A double tap keeps the tone; another tone replaces it.
        let mut text = String::new();
        let mut state = KeyboardState::default();
        type_keys(&mut text, &mut state, Layout::Text, "Vieet");
        for _ in 0..2 {
            state.press(Layout::Text, Key::Tone(Tone::Nang), &mut text);
            assert_eq!(text, "Việt");
        }
        state.press(Layout::Text, Key::Tone(Tone::Sac), &mut text);
        assert_eq!(text, "Viết");
        // Typing goes on after a tone key.
        type_keys(&mut text, &mut state, Layout::Text, " Nam");
        assert_eq!(text, "Viết Nam");
    }

    #[test]
    fn backspace_removes_the_last_character_on_screen() {
        let mut text = String::new();
        let mut state = KeyboardState::default();
        type_keys(&mut text, &mut state, Layout::Text, "Tieengs");
        let mut seen = vec![text.clone()];
        for _ in 0..6 {
            state.press(Layout::Text, Key::Backspace, &mut text);
            seen.push(text.clone());
        }
        assert_eq!(seen, ["Tiếng", "Tiến", "Tiế", "Ti", "T", "", ""]);
    }

    #[test]
    fn backspace_over_a_space_reopens_the_word_before() {
        let mut text = String::new();
        let mut state = KeyboardState::default();
        type_keys(&mut text, &mut state, Layout::Text, "hoa \u{8}");
        assert_eq!(text, "hoa");
        state.press(Layout::Text, Key::Tone(Tone::Hoi), &mut text);
        assert_eq!(text, "hỏa");
    }

    #[test]
    fn shift_capitalises_one_letter() {
        let mut text = String::new();
        let mut state = KeyboardState::default();
        for key in [Key::Shift, Key::Char('đ'), Key::Char('i')] {
            state.press(Layout::Text, key, &mut text);
        }
        assert_eq!(text, "Đi");
        assert!(!state.shift());
        state.press(Layout::Text, Key::Shift, &mut text);
        state.press(Layout::Text, Key::Shift, &mut text);
        state.press(Layout::Text, Key::Char('a'), &mut text);
        assert_eq!(text, "Đia");
    }

    #[test]
    fn text_changed_by_the_caller_is_picked_up_and_made_nfc() {
        let mut state = KeyboardState::default();
        let mut text = String::new();
        type_keys(&mut text, &mut state, Layout::Text, "xin");
        // The field is replaced (decomposed input from elsewhere).
        text = "Cha\u{0309}i".to_owned();
        state.press(Layout::Text, Key::Tone(Tone::Sac), &mut text);
        assert_eq!(text, "Chái");
        text.clear();
        type_keys(&mut text, &mut state, Layout::Text, "ddi");
        assert_eq!(text, "đi");
    }

    #[test]
    fn switching_method_keeps_the_word() {
        let mut text = String::new();
        let mut state = KeyboardState::default();
        type_keys(&mut text, &mut state, Layout::Text, "vieet");
        state.press(Layout::Text, Key::Method(InputMethod::Vni), &mut text);
        assert_eq!(state.method, InputMethod::Vni);
        type_keys(&mut text, &mut state, Layout::Text, "5 nam");
        assert_eq!(text, "việt nam");
    }

    #[test]
    fn numeric_layout_takes_digits_only() {
        let mut text = String::new();
        let mut state = KeyboardState::new(InputMethod::Vni);
        type_keys(&mut text, &mut state, Layout::Numeric, "09a1 2-3\u{8}4");
        state.press(Layout::Numeric, Key::Tone(Tone::Sac), &mut text);
        assert_eq!(text, "09124");
    }

    #[test]
    fn plain_layout_types_addresses_as_they_are() {
        let mut text = String::new();
        let mut state = KeyboardState::default();
        type_keys(
            &mut text,
            &mut state,
            Layout::Plain,
            "https://hub.example.vn:8443 ddx\u{8}",
        );
        state.press(Layout::Plain, Key::Tone(Tone::Sac), &mut text);
        assert_eq!(
            text, "https://hub.example.vn:8443dd",
            "no space, no composing"
        );
    }

    #[test]
    fn done_is_reported() {
        let mut text = String::new();
        let mut state = KeyboardState::default();
        for layout in [Layout::Text, Layout::Numeric, Layout::Plain] {
            assert_eq!(
                state.press(layout, Key::Done, &mut text),
                Some(KeyboardEvent::Done)
            );
            assert_eq!(state.press(layout, Key::Space, &mut text), None);
        }
    }
}
