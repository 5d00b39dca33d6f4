//! "Join now" and "leave the meeting" on the kiosk, in Vietnamese and English: neither is
//! there for residents; after the staff PIN, Home's meeting card offers "join now" (and
//! says in the kiosk's language why the hub refused it) and the meeting screen offers
//! "leave". Each tap reaches the room's call as the request the call task sends the hub.

use crate::common::PIN_HASH;
use crate::kiosk_common::{self, PIN};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use phonghop::config::Language;
use phonghop::kiosk::RoomKiosk;
use phonghop::kiosk::shell::Screen;
use phonghop::room::call_view::{CallPhase, CallRequest, CallView};
use phonghop::wire::{CHAIR_VERSION, JoinRefusal, NextMeeting, StaffCallRefused};

fn kiosk(call: CallView, lang: Language) -> Harness<'static, RoomKiosk> {
    let mut room = kiosk_common::meeting_kiosk_room(call, None, lang);
    room.staff_pin_hash = PIN_HASH.into();
    kiosk_common::room_harness_sized(
        RoomKiosk::new(room, Some("no audio in tests".into())),
        1280.0,
        800.0,
    )
}

fn tap(h: &mut Harness<'static, RoomKiosk>, label: &str) {
    h.get_by_label(label).click();
    h.run();
}

/// The words each language shows.
struct Words {
    lang: Language,
    staff: &'static str,
    done: &'static str,
    home: &'static str,
    join_now: &'static str,
    leave: &'static str,
    not_invited: &'static str,
}

const VI: Words = Words {
    lang: Language::Vietnamese,
    staff: "🔒 Cán bộ",
    done: "Xong",
    home: "Trang chủ",
    join_now: "Vào họp ngay",
    leave: "Rời cuộc họp",
    not_invited: "Phòng này không được mời vào cuộc họp này.",
};

const EN: Words = Words {
    lang: Language::English,
    staff: "🔒 Staff",
    done: "Done",
    home: "Home",
    join_now: "Join now",
    leave: "Leave the meeting",
    not_invited: "This room is not invited to this meeting.",
};

fn enter_pin(h: &mut Harness<'static, RoomKiosk>, w: &Words) {
    for digit in PIN.chars() {
        tap(h, &digit.to_string());
    }
    tap(h, w.done);
    assert_eq!(h.state().shell().screen, Screen::StaffPanel);
}

fn next_meeting() -> NextMeeting {
    NextMeeting {
        meeting_id: "m-1".into(),
        title: "Giao ban".into(),
        start_ms: phonghop::clock::now_ms() + 10 * 60_000,
        end_ms: phonghop::clock::now_ms() + 70 * 60_000,
        host: "province".into(),
        host_name: "UBMTTQ tỉnh".into(),
        agenda: Vec::new(),
    }
}

fn staff_join_now_then_leave(w: &Words) {
    let call = CallView::new();
    call.update(|s| s.next_meeting = Some(next_meeting()));
    let mut h = kiosk(call.clone(), w.lang);
    h.run();
    // A resident sees the meeting card but no staff button on it.
    assert!(h.query_by_label(w.join_now).is_none(), "{:?}", w.lang);

    tap(&mut h, w.staff);
    enter_pin(&mut h, w);
    h.get_by_label_contains(w.home).click();
    h.run();
    assert_eq!(h.state().shell().screen, Screen::Home);
    tap(&mut h, w.join_now);
    assert_eq!(call.take_requests(), vec![CallRequest::Join]);

    // The hub refuses: the card says why, in the kiosk's language.
    call.update(|s| {
        s.join_refused = Some(StaffCallRefused {
            v: CHAIR_VERSION,
            meeting_id: "m-1".into(),
            reason: JoinRefusal::NotInvited,
        })
    });
    h.run();
    h.get_by_label(w.not_invited);

    // In the meeting, staff mode offers "leave".
    call.update(|s| {
        s.join_refused = None;
        s.phase = CallPhase::Live;
        s.meeting_id = Some("m-1".into());
    });
    h.run();
    h.run();
    assert_eq!(h.state().shell().screen, Screen::Meeting);
    tap(&mut h, w.leave);
    assert_eq!(call.take_requests(), vec![CallRequest::Leave]);
}

/// Without the PIN the meeting screen has no "leave", only the way to the PIN; after it,
/// the meeting screen offers "leave".
fn leave_needs_the_pin(w: &Words) {
    let call = CallView::new();
    call.update(|s| {
        s.phase = CallPhase::Live;
        s.meeting_id = Some("m-1".into());
    });
    let mut h = kiosk(call.clone(), w.lang);
    h.run();
    h.run();
    assert_eq!(h.state().shell().screen, Screen::Meeting);
    assert!(h.query_by_label(w.leave).is_none());
    tap(&mut h, w.staff.trim_start_matches("🔒 "));
    enter_pin(&mut h, w);
    h.get_by_label_contains(w.home).click();
    h.run();
    assert_eq!(h.state().shell().screen, Screen::Meeting);
    tap(&mut h, w.leave);
    assert_eq!(call.take_requests(), vec![CallRequest::Leave]);
}

#[test]
fn staff_join_now_from_home_and_leave_from_the_meeting_in_vietnamese() {
    staff_join_now_then_leave(&VI);
    leave_needs_the_pin(&VI);
}

#[test]
fn staff_join_now_from_home_and_leave_from_the_meeting_in_english() {
    staff_join_now_then_leave(&EN);
    leave_needs_the_pin(&EN);
}
