//! A kittest harness around the whole kiosk shell, with the kiosk's style and fonts.
#![allow(dead_code)]

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use phonghop::config::Language;
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
