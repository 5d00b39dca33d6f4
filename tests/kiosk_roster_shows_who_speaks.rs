//! The meeting screen's roster shows every room that speaks, as the hub relays each room's
//! own report, in Vietnamese and English; a room that stops is no longer shown speaking.

use crate::kiosk_common;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use phonghop::config::Language;
use phonghop::kiosk::RoomKiosk;
use phonghop::kiosk::shell::Screen;
use phonghop::meeting::floor::{Mic, MutedBy};
use phonghop::room::call_view::{CallPhase, CallView};
use phonghop::wire::{CHAIR_VERSION, Roster, RosterSeat};

fn kiosk(call: CallView, lang: Language) -> Harness<'static, RoomKiosk> {
    kiosk_common::meeting_kiosk(call, None, lang, 1280.0, 800.0)
}

fn seat(id: &str, name: &str, host: bool, mic: Mic, speaking: bool) -> RosterSeat {
    RosterSeat {
        speaking,
        ..RosterSeat::present(id, name, host, mic)
    }
}

fn shows_who_speaks(lang: Language, host_tag: &str, speaking: &str) {
    let call = CallView::new();
    call.update(|s| {
        s.phase = CallPhase::Live;
        s.roster = Some(Roster {
            v: CHAIR_VERSION,
            host: "province".into(),
            floor: None,
            hands: Vec::new(),
            seats: vec![
                seat("province", "UBMTTQ tỉnh", true, Mic::Open, true),
                seat(
                    "demo",
                    "Xã Lao Chải",
                    false,
                    Mic::Muted(MutedBy::Rule),
                    false,
                ),
                seat("ta-van", "Xã Tả Van", false, Mic::Open, true),
            ],
        });
    });
    let mut h = kiosk(call.clone(), lang);
    h.run();
    h.run();
    assert_eq!(h.state().shell().screen, Screen::Meeting);
    h.get_by_label_contains(&format!("UBMTTQ tỉnh\n{host_tag} · {speaking}"));
    h.get_by_label_contains(&format!("Xã Tả Van\n{speaking}"));
    assert!(
        !h.get_by_label_contains("Xã Lao Chải")
            .accesskit_node()
            .label()
            .unwrap_or_default()
            .contains(speaking)
    );
    // Tả Van stops: the next roster says so.
    call.update(|s| {
        let roster = s.roster.as_mut().expect("roster");
        roster.seats[2].speaking = false;
    });
    h.run();
    let label = h
        .get_by_label_contains("Xã Tả Van")
        .accesskit_node()
        .label()
        .unwrap_or_default();
    assert!(!label.contains(speaking), "{label}");
}

#[test]
fn the_roster_shows_every_room_that_speaks_in_vietnamese() {
    shows_who_speaks(Language::Vietnamese, "chủ trì", "đang nói");
}

#[test]
fn the_roster_shows_every_room_that_speaks_in_english() {
    shows_who_speaks(Language::English, "host", "speaking");
}
