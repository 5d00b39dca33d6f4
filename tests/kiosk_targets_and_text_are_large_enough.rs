//! On every screen, in every language, at both panel sizes: everything a finger can tap is
//! at least 64×64 logical px, and no text is drawn smaller than 22 pt. The checks walk the
//! accessibility tree and the drawn shapes, so new screens are covered automatically.

use crate::kiosk_common;

use kiosk_common::*;
use phonghop::config::Language;
use phonghop::kiosk::shell::Screen;
use phonghop::kiosk::style::MIN_TEXT_PT;

#[test]
fn every_target_is_at_least_64_px_and_every_text_at_least_22_pt_on_every_screen() {
    let mut checked_targets = 0;
    for (width, height) in [(1280.0, 800.0), (1920.0, 1080.0)] {
        for lang in [Language::Vietnamese, Language::English, Language::Hmong] {
            for name in Screen::NAMES {
                let mut s = shell(lang);
                s.screen = Screen::from_name(name).expect("screen");
                let mut h = harness_sized(s, width, height);
                // Some screens animate (the "saving" spinner): a fixed number of frames.
                h.run_steps(4);
                checked_targets += kiosk_common::assert_targets_large_enough(
                    &h,
                    &format!("{name} ({lang:?}, {width}x{height})"),
                );
                let smallest = smallest_text_pt(h.output());
                assert!(
                    smallest >= MIN_TEXT_PT,
                    "{name} ({lang:?}): text drawn at {smallest} pt"
                );
            }
        }
    }
    assert!(
        checked_targets > 100,
        "the walk found the buttons ({checked_targets})"
    );
}
