//! The meeting screen's chairing, in Vietnamese and English: the roster (present, host,
//! floor, hands, microphones, cameras), the raise-hand, microphone and chat buttons, and on
//! the host room a tap on a room that gives it the floor or mutes it. Every tap reaches the
//! room's call as the chair request the hub expects; a refusal is said in the kiosk's
//! language, never in the hub's English.

use crate::kiosk_common;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use kiosk_common::smallest_text_pt;
use phonghop::config::Language;
use phonghop::kiosk::RoomKiosk;
use phonghop::kiosk::shell::Screen;
use phonghop::kiosk::style::MIN_TEXT_PT;
use phonghop::meeting::floor::{ChatLine, FloorAction, Mic, MutedBy, Refusal};
use phonghop::room::call_view::{CallPhase, CallRequest, CallView};
use phonghop::wire::{CHAIR_VERSION, ChairRefusal, ChairRefused, Roster, RosterSeat, SlotSource};

/// The demo status's room is "demo"; `own` makes it another room of the roster.
fn kiosk(call: CallView, own: &str, lang: Language, size: [f32; 2]) -> Harness<'static, RoomKiosk> {
    kiosk_common::meeting_kiosk(call, Some(own), lang, size[0], size[1])
}

fn seat(id: &str, name: &str, host: bool, mic: Mic, hand: Option<u32>) -> RosterSeat {
    RosterSeat {
        hand,
        ..RosterSeat::present(id, name, host, mic)
    }
}

/// The province chairs; Lao Chải ("demo") and Tả Van are communes, Tả Van's hand is up,
/// Sa Pa has not joined.
fn roster() -> Roster {
    let mut absent = seat("sa-pa", "Xã Sa Pa", false, Mic::Muted(MutedBy::Rule), None);
    absent.present = false;
    Roster {
        v: CHAIR_VERSION,
        host: "province".into(),
        floor: None,
        hands: vec!["ta-van".into()],
        seats: vec![
            seat("province", "UBMTTQ tỉnh", true, Mic::Open, None),
            seat(
                "demo",
                "Xã Lao Chải",
                false,
                Mic::Muted(MutedBy::Rule),
                None,
            ),
            seat(
                "ta-van",
                "Xã Tả Van",
                false,
                Mic::Muted(MutedBy::Rule),
                Some(1),
            ),
            absent,
        ],
    }
}

fn live_call_with_roster() -> CallView {
    let call = CallView::new();
    call.update(|s| {
        s.phase = CallPhase::Live;
        s.slots = vec![
            Some(SlotSource {
                participant_id: "province".into(),
                name: "UBMTTQ tỉnh".into(),
            }),
            None,
        ];
        s.roster = Some(roster());
    });
    call
}

fn chair(action: FloorAction) -> Vec<CallRequest> {
    vec![CallRequest::Chair(action)]
}

/// Scrolls the roster to the button if needed (a finger drags it), then taps it.
fn tap(h: &mut Harness<'static, RoomKiosk>, label: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run();
    h.get_by_label(label).click();
    h.run();
}

fn tap_row(h: &mut Harness<'static, RoomKiosk>, name: &str) {
    h.get_by_label_contains(name).scroll_to_me();
    h.run();
    h.get_by_label_contains(name).click();
    h.run();
}

#[test]
fn a_commune_sees_the_roster_raises_its_hand_opens_its_microphone_and_chats() {
    let call = live_call_with_roster();
    let mut h = kiosk(call.clone(), "demo", Language::Vietnamese, [1280.0, 800.0]);
    h.run();
    assert_eq!(h.state().shell().screen, Screen::Meeting);
    h.get_by_label("Các điểm cầu");
    h.get_by_label_contains("Xã Tả Van\ngiơ tay (thứ 1) · tắt micro");
    h.get_by_label_contains("Xã Sa Pa\nchưa vào");
    h.get_by_label_contains("UBMTTQ tỉnh\nchủ trì");
    // A commune has no chair's buttons, and its roster rows do nothing.
    assert!(h.query_by_label("Mời phát biểu").is_none());
    assert!(h.query_by_label("Tắt micro tất cả").is_none());
    assert!(
        h.get_by_label_contains("Xã Tả Van")
            .accesskit_node()
            .is_disabled()
    );

    tap(&mut h, "Giơ tay phát biểu");
    assert_eq!(call.take_requests(), chair(FloorAction::RaiseHand));
    // The hub's roster puts the hand up; the button now lowers it.
    call.update(|s| {
        let r = s.roster.as_mut().expect("roster");
        r.hands.push("demo".into());
        r.seats[1].hand = Some(2);
    });
    h.run();
    h.get_by_label_contains("Xã Lao Chải\ngiơ tay (thứ 2)");
    tap(&mut h, "Hạ tay");
    assert_eq!(call.take_requests(), chair(FloorAction::LowerHand));

    // Rooms enter muted by the meeting's rule: the button opens the microphone, and the
    // chair is asked, since the hub forwards only open microphones.
    tap(&mut h, "Bật micro");
    assert_eq!(call.take_requests(), chair(FloorAction::UnmuteSelf));
    assert!(call.microphone_on());
    tap(&mut h, "Tắt camera");
    assert_eq!(call.take_requests(), chair(FloorAction::CameraOff));
    assert!(!call.camera_on());

    // A short message typed on the on-screen keyboard goes out NFC-normalised.
    tap(&mut h, "Nhắn tin");
    h.get_by_label("Gửi");
    let typed = "Xin cha\u{300}o ca\u{301}c đồng chí ";
    h.state_mut().shell_mut().meeting.chat_draft = typed.into();
    h.run();
    h.get_by_label(&format!("{}/200 ký tự", typed.chars().count()));
    tap(&mut h, "Gửi");
    assert_eq!(
        call.take_requests(),
        chair(FloorAction::Chat {
            text: "Xin chào các đồng chí".into()
        })
    );
    assert!(h.query_by_label("Gửi").is_none(), "back to the pictures");
    // The keyboard never lets a line longer than the hub accepts be typed.
    tap(&mut h, "Nhắn tin");
    h.state_mut().shell_mut().meeting.chat_draft = "ô".repeat(250);
    h.run();
    h.get_by_label("200/200 ký tự");
    tap(&mut h, "Gửi");
    assert_eq!(
        call.take_requests(),
        chair(FloorAction::Chat {
            text: "ô".repeat(200)
        })
    );

    call.update(|s| {
        s.push_chat(ChatLine {
            at_ms: 1,
            room: "ta-van".into(),
            text: "Xã Tả Van xin phát biểu".into(),
        })
    });
    h.run();
    h.get_by_label("Xã Tả Van: Xã Tả Van xin phát biểu");
}

#[test]
fn a_refusal_is_said_in_the_kiosk_language_not_in_the_hub_english() {
    for (lang, said, ok) in [
        (
            Language::Vietnamese,
            "Chủ trì đã tắt micro của phòng. Hãy giơ tay để xin phát biểu.",
            "Đã hiểu",
        ),
        (
            Language::English,
            "The host turned this room's microphone off. Raise your hand to ask to speak.",
            "OK",
        ),
    ] {
        let call = live_call_with_roster();
        call.update(|s| {
            s.refused = Some(ChairRefused {
                v: CHAIR_VERSION,
                action: FloorAction::UnmuteSelf,
                reason: ChairRefusal::Chair(Refusal::MutedByHost),
            })
        });
        let mut h = kiosk(call.clone(), "demo", lang, [1280.0, 800.0]);
        h.run();
        h.get_by_label(said);
        let english = Refusal::MutedByHost.to_string();
        assert!(
            h.query_by_label_contains(&english).is_none(),
            "the hub's words are for the log"
        );
        tap(&mut h, ok);
        assert!(h.query_by_label(said).is_none(), "dismissed");
        // The same refusal again, after another request, shows again.
        call.update(|s| s.refused = None);
        h.run();
        call.update(|s| {
            s.refused = Some(ChairRefused {
                v: CHAIR_VERSION,
                action: FloorAction::UnmuteSelf,
                reason: ChairRefusal::Chair(Refusal::MutedByHost),
            })
        });
        h.run();
        h.get_by_label(said);
    }
}

#[test]
fn a_room_the_host_muted_cannot_open_its_microphone_itself() {
    let call = live_call_with_roster();
    call.update(|s| s.roster.as_mut().expect("roster").seats[1].mic = Mic::Muted(MutedBy::Host));
    let mut h = kiosk(call.clone(), "demo", Language::English, [1280.0, 800.0]);
    h.run();
    let button = h.get_by_label("The host turned the microphone off");
    assert!(button.accesskit_node().is_disabled());
    h.get_by_label_contains("Lao Chải\nmuted by the host");
    assert!(call.take_requests().is_empty());
}

#[test]
fn the_host_room_gives_the_floor_mutes_lowers_hands_and_ends_from_the_roster() {
    for (lang, words) in [
        (
            Language::Vietnamese,
            [
                "Mời phát biểu",
                "Bật micro phòng này",
                "Hạ tay phòng này",
                "Tắt micro tất cả",
                "Kết thúc họp",
                "Kết thúc cuộc họp",
                "Thu lại quyền phát biểu",
                "Tắt micro phòng này",
            ],
        ),
        (
            Language::English,
            [
                "Give the floor",
                "Unmute this room",
                "Lower this room's hand",
                "Mute everyone",
                "End meeting",
                "End the meeting",
                "Take the floor back",
                "Mute this room",
            ],
        ),
    ] {
        let [
            give,
            unmute,
            lower,
            mute_all,
            end,
            confirm_end,
            take_back,
            mute,
        ] = words;
        let call = live_call_with_roster();
        let mut h = kiosk(call.clone(), "province", lang, [1280.0, 800.0]);
        h.run();
        // The host does not raise a hand.
        assert!(h.query_by_label("Giơ tay phát biểu").is_none());
        assert!(h.query_by_label("Raise hand to speak").is_none());

        tap_row(&mut h, "Xã Tả Van");
        tap(&mut h, give);
        assert_eq!(
            call.take_requests(),
            chair(FloorAction::GiveFloor {
                room: "ta-van".into()
            })
        );
        assert!(h.query_by_label(give).is_none(), "the actions close");
        tap_row(&mut h, "Xã Tả Van");
        assert_eq!(
            h.state().shell().meeting.selected.as_deref(),
            Some("ta-van")
        );
        tap(&mut h, unmute);
        assert_eq!(
            call.take_requests(),
            chair(FloorAction::UnmuteRoom {
                room: "ta-van".into()
            })
        );
        tap_row(&mut h, "Xã Tả Van");
        tap(&mut h, lower);
        assert_eq!(
            call.take_requests(),
            chair(FloorAction::LowerHandOf {
                room: "ta-van".into()
            })
        );
        // A room not present cannot be given the floor.
        tap_row(&mut h, "Xã Sa Pa");
        assert!(h.get_by_label(give).accesskit_node().is_disabled());
        tap(
            &mut h,
            if lang == Language::English {
                "Close"
            } else {
                "Đóng"
            },
        );
        assert_eq!(h.state().shell().meeting.selected, None);

        // The hub gave Tả Van the floor: its row offers to take it back and to mute it.
        call.update(|s| {
            let r = s.roster.as_mut().expect("roster");
            r.floor = Some("ta-van".into());
            r.hands.clear();
            r.seats[2].floor = true;
            r.seats[2].hand = None;
            r.seats[2].mic = Mic::Open;
        });
        h.run();
        tap_row(&mut h, "Xã Tả Van");
        tap(&mut h, mute);
        assert_eq!(
            call.take_requests(),
            chair(FloorAction::MuteRoom {
                room: "ta-van".into()
            })
        );
        // "Take the floor back" under the roster, with "mute everyone" and "end".
        tap(&mut h, take_back);
        assert_eq!(call.take_requests(), chair(FloorAction::TakeFloor));
        tap(&mut h, mute_all);
        assert_eq!(call.take_requests(), chair(FloorAction::MuteAll));
        tap(&mut h, end);
        assert!(call.take_requests().is_empty(), "ending asks first");
        tap(&mut h, confirm_end);
        assert_eq!(call.take_requests(), chair(FloorAction::End));
    }
}

#[test]
fn the_chair_controls_keep_64_px_targets_and_22_pt_text_in_landscape_and_portrait() {
    for size in [[1280.0, 800.0], [800.0, 1280.0]] {
        for (own, lang) in [
            ("demo", Language::Vietnamese),
            ("province", Language::English),
        ] {
            let call = live_call_with_roster();
            let mut h = kiosk(call, own, lang, size);
            h.run();
            if own == "province" {
                tap_row(&mut h, "Xã Tả Van");
            }
            let mut checked = 0;
            checked +=
                kiosk_common::assert_targets_large_enough(&h, &format!("{own} {lang:?} {size:?}"));
            assert!(checked >= 8, "found the buttons ({checked})");
            let smallest = smallest_text_pt(h.output());
            assert!(
                smallest >= MIN_TEXT_PT,
                "{own} {lang:?} {size:?}: text drawn at {smallest} pt"
            );
        }
    }
}
