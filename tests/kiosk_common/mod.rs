//! Kittest harnesses with the kiosk's style and fonts: around the kiosk shell alone, and
//! around the whole kiosk of a running room ([`World`], [`room_harness`]).
#![allow(dead_code)]

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use phonghop::config::Language;
use phonghop::kiosk::RoomKiosk;
use phonghop::kiosk::screens::shell_ui;
use phonghop::kiosk::shell::Shell;

/// The staff PIN the harness accepts (the real argon2 check is tested in `auth`).
pub const PIN: &str = "2468";

pub fn shell(lang: Language) -> Shell {
    Shell::new(phonghop::demo::sample_room_status(), lang, 90, 0)
}

pub fn harness(shell: Shell) -> Harness<'static, Shell> {
    harness_sized(shell, 1280.0, 800.0)
}

pub fn harness_sized(shell: Shell, width: f32, height: f32) -> Harness<'static, Shell> {
    Harness::builder()
        .with_size(egui::vec2(width, height))
        .with_context_setup(phonghop::kiosk::style::apply)
        .build_ui_state(
            |ui, shell: &mut Shell| {
                if let Some(command) = shell_ui(ui, shell) {
                    shell.apply(command, &|pin| pin == PIN);
                }
            },
            shell,
        )
}

/// Clicks the widget with exactly this accessible label and lets the UI settle.
pub fn click(h: &mut Harness<'static, Shell>, label: &str) {
    h.get_by_label(label).click();
    h.run();
}

/// Roles a finger can tap: each must be at least `MIN_TARGET` in both directions.
pub const TAPPABLE: &[egui::accesskit::Role] = &[
    egui::accesskit::Role::Button,
    egui::accesskit::Role::CheckBox,
    egui::accesskit::Role::RadioButton,
    egui::accesskit::Role::Link,
    egui::accesskit::Role::ComboBox,
    egui::accesskit::Role::TextInput,
    egui::accesskit::Role::MultilineTextInput,
];

/// Checks that every node a finger can tap ([`TAPPABLE`]) in `h`'s last frame is at least
/// `MIN_TARGET` both ways, naming `what` and the node when one is not, and returns how many
/// were checked (so a caller can tell the buttons were found at all).
pub fn assert_targets_large_enough<S>(h: &Harness<'_, S>, what: &str) -> usize {
    use egui_kittest::kittest::NodeT as _;
    let min = phonghop::kiosk::style::MIN_TARGET - 0.5;
    let mut checked = 0;
    for role in TAPPABLE {
        for node in h.query_all(egui_kittest::kittest::By::new().role(*role)) {
            let rect = node.rect();
            assert!(
                rect.width() >= min && rect.height() >= min,
                "{what}: {role:?} {:?} is {:.0}x{:.0}",
                node.accesskit_node().label(),
                rect.width(),
                rect.height()
            );
            checked += 1;
        }
    }
    checked
}

/// The smallest text size (pt) among the shapes a frame drew.
pub fn smallest_text_pt(output: &egui::FullOutput) -> f32 {
    let mut smallest = f32::INFINITY;
    for clipped in &output.shapes {
        visit_text_sizes(&clipped.shape, &mut |size| smallest = smallest.min(size));
    }
    smallest
}

fn visit_text_sizes(shape: &egui::Shape, sizes: &mut dyn FnMut(f32)) {
    match shape {
        egui::Shape::Text(text) => {
            for section in &text.galley.job.sections {
                // An empty section (an empty text field) draws nothing.
                if !section.byte_range.is_empty() {
                    sizes(section.format.font_id.size);
                }
            }
        }
        egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| visit_text_sizes(s, sizes)),
        _ => {}
    }
}

// ----- the whole kiosk of a running room (RoomKiosk, with its service and media) -----

/// A room's kiosk as the tests start it: Vietnamese, on `start_screen`, a test tone for the
/// microphone and no call.
pub fn kiosk_room(
    status: tokio::sync::watch::Receiver<phonghop::room::RoomStatus>,
    service: Option<phonghop::room::service::KioskClient>,
    start_screen: phonghop::kiosk::shell::Screen,
    recording_dir: std::path::PathBuf,
) -> phonghop::kiosk::KioskRoom {
    phonghop::kiosk::KioskRoom {
        status,
        language: Language::Vietnamese,
        idle_reset_secs: 90,
        staff_pin_hash: String::new(),
        start_screen,
        service,
        microphone: phonghop::media::MicSource::Test { freq_hz: 440.0 },
        recording_dir,
        call: None,
    }
}

/// `room` in a kittest harness at 1280×800 with the kiosk's style.
pub fn room_harness(room: phonghop::kiosk::KioskRoom) -> Harness<'static, RoomKiosk> {
    room_harness_of(RoomKiosk::new(room, None))
}

/// A kiosk already made (e.g. with the speaker marked unavailable) in the same harness.
pub fn room_harness_of(kiosk: RoomKiosk) -> Harness<'static, RoomKiosk> {
    room_harness_sized(kiosk, 1280.0, 800.0)
}

/// A kiosk already made in a harness of `width`×`height` with the kiosk's style.
pub fn room_harness_sized(
    kiosk: RoomKiosk,
    width: f32,
    height: f32,
) -> Harness<'static, RoomKiosk> {
    Harness::builder()
        .with_size(egui::vec2(width, height))
        .with_context_setup(phonghop::kiosk::style::apply)
        .build_ui_state(|ui, k: &mut RoomKiosk| k.frame_ui(ui), kiosk)
}

/// The kiosk of a room in `call` (the demo room's status, as room `own` when given), in
/// `lang`, at `width`×`height`, with no service and no speaker.
pub fn meeting_kiosk(
    call: phonghop::room::call_view::CallView,
    own: Option<&str>,
    lang: Language,
    width: f32,
    height: f32,
) -> Harness<'static, RoomKiosk> {
    room_harness_sized(
        RoomKiosk::new(
            meeting_kiosk_room(call, own, lang),
            Some("no audio in tests".into()),
        ),
        width,
        height,
    )
}

/// The room [`meeting_kiosk`] shows, to change (e.g. its staff PIN) before the harness.
pub fn meeting_kiosk_room(
    call: phonghop::room::call_view::CallView,
    own: Option<&str>,
    lang: Language,
) -> phonghop::kiosk::KioskRoom {
    let mut status = phonghop::demo::sample_room_status();
    if let Some(own) = own {
        status.room_id = Some(own.into());
    }
    let (_tx, status) = tokio::sync::watch::channel(status);
    let mut room = kiosk_room(
        status,
        None,
        phonghop::kiosk::shell::Screen::Home,
        std::env::temp_dir().join("phonghop-test-meeting-recording"),
    );
    room.language = lang;
    room.call = Some(call);
    room
}

/// Taps the widget with exactly this label and lets a few frames pass.
pub fn tap(h: &mut Harness<'static, RoomKiosk>, label: &str) {
    h.get_by_label(label).click();
    h.run_steps(3);
}

/// From the home screen: feedback about roads, "đường" typed on the keyboard (Telex).
pub fn type_road_feedback(h: &mut Harness<'static, RoomKiosk>) {
    h.run_steps(2);
    tap(h, "Góp ý");
    tap(h, "🛣 Đường sá, hạ tầng");
    for key in ["d", "d", "u", "w", "o", "w", "n", "g", "f"] {
        tap(h, key);
    }
}

/// All the words drawn in a frame.
pub fn drawn_text(output: &egui::FullOutput) -> String {
    fn walk(shape: &egui::Shape, out: &mut String) {
        match shape {
            egui::Shape::Text(t) => {
                out.push_str(&t.galley.job.text);
                out.push('\n');
            }
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| walk(s, out)),
            _ => {}
        }
    }
    let mut out = String::new();
    for c in &output.shapes {
        walk(&c.shape, &mut out);
    }
    out
}

/// A hub and an enrolled room with its kiosk service, on a runtime of their own (the
/// harness runs on the test's thread).
pub struct World {
    pub rt: tokio::runtime::Runtime,
    pub dir: tempfile::TempDir,
    pub hub: Option<crate::common::TestHub>,
    pub room: Option<crate::common::TestRoom>,
    pub kiosk: phonghop::room::service::KioskClient,
}

pub fn world() -> World {
    use crate::common::{enrolled_room, start_hub, start_room_with_kiosk, tempdir};
    let rt = crate::common::two_worker_runtime();
    let dir = tempdir();
    let (hub, room, kiosk) = rt.block_on(async {
        let hub = start_hub(&dir.path().join("hub")).await;
        let (config, _) = enrolled_room(&hub, "lao-chai", dir.path().join("room")).await;
        let (room, kiosk) = start_room_with_kiosk(config).await;
        (hub, room, kiosk)
    });
    World {
        rt,
        dir,
        hub: Some(hub),
        room: Some(room),
        kiosk,
    }
}

impl World {
    /// The room's kiosk on the home screen.
    pub fn harness(&self) -> Harness<'static, RoomKiosk> {
        let room = self.room.as_ref().expect("room");
        room_harness(kiosk_room(
            room.status.clone(),
            Some(self.kiosk.clone()),
            phonghop::kiosk::shell::Screen::Home,
            self.dir.path().join("room/recording"),
        ))
    }

    pub fn hub_store(&self) -> phonghop::store::Store {
        phonghop::store::Store::open(&self.dir.path().join("hub/phonghop.db")).expect("hub db")
    }

    pub fn room_store(&self) -> phonghop::store::Store {
        phonghop::store::Store::open(&self.dir.path().join("room/phonghop.db")).expect("room db")
    }

    pub fn stop(mut self) {
        let (room, hub) = (self.room.take(), self.hub.take());
        self.rt.block_on(async {
            if let Some(r) = room {
                r.stop().await;
            }
            if let Some(h) = hub {
                h.stop().await;
            }
        });
    }
}
