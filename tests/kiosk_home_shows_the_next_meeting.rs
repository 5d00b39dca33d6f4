//! Home shows the next meeting the hub announced (title, time in Vietnam time, host) and
//! counts down in its last ten minutes; a resident typing when a meeting is about to start
//! is warned first, and what they typed is kept through the meeting, not silently lost.

use crate::kiosk_common;

use egui_kittest::kittest::Queryable;
use kiosk_common::{harness, shell};
use phonghop::config::Language;
use phonghop::kiosk::shell::{Effect, Screen};
use phonghop::room::call_view::CallPhase;
use phonghop::wire::NextMeeting;

/// 2026-12-10 08:00 in Vietnam (UTC+7) is 01:00 UTC.
const START_MS: i64 = 1_796_864_400_000;

fn next_meeting() -> NextMeeting {
    NextMeeting {
        meeting_id: "m-1".into(),
        title: "Họp giao ban tháng 12".into(),
        start_ms: START_MS,
        end_ms: START_MS + 3_600_000,
        host: "province".into(),
        host_name: "UBMTTQ tỉnh".into(),
        agenda: Vec::new(),
    }
}

#[test]
fn home_names_the_next_meeting_in_vietnam_time_and_counts_down_its_last_ten_minutes() {
    assert_eq!(
        phonghop::meeting::schedule::format_local(START_MS),
        "2026-12-10 08:00"
    );
    let mut s = shell(Language::Vietnamese);
    s.now_ms = START_MS - 3 * 3_600_000;
    let mut h = harness(s);
    h.run();
    h.get_by_label("Chưa có cuộc họp nào được lên lịch");

    h.state_mut().next_meeting = Some(next_meeting());
    h.run();
    assert!(
        h.query_by_label("Chưa có cuộc họp nào được lên lịch")
            .is_none()
    );
    h.get_by_label("Cuộc họp sắp tới: Họp giao ban tháng 12, lúc 2026-12-10 08:00");
    h.get_by_label("Chủ trì: UBMTTQ tỉnh");
    assert!(
        h.query_by_label_contains("Bắt đầu sau").is_none(),
        "hours away"
    );

    // Ten minutes and one second before: no countdown yet; then it counts.
    h.state_mut().tick(START_MS - 601_000);
    h.run();
    assert!(h.query_by_label_contains("Bắt đầu sau").is_none());
    h.state_mut().tick(START_MS - 600_000);
    h.run();
    h.get_by_label("Bắt đầu sau 10:00");
    h.state_mut().tick(START_MS - 65_500);
    h.run();
    h.get_by_label("Bắt đầu sau 1:06");
    h.state_mut().tick(START_MS - 1);
    h.run();
    h.get_by_label("Bắt đầu sau 0:01");

    h.state_mut().lang = Language::English;
    h.run();
    h.get_by_label("Next meeting: Họp giao ban tháng 12, at 2026-12-10 08:00");
    h.get_by_label("Host: UBMTTQ tỉnh");
    h.get_by_label("Starts in 0:01");
}

#[test]
fn a_resident_typing_is_warned_before_the_meeting_takes_over_and_the_draft_is_kept() {
    let mut s = shell(Language::Vietnamese);
    s.next_meeting = Some(next_meeting());
    s.now_ms = START_MS - 5 * 60_000;
    s.touched(s.now_ms);
    let mut h = harness(s);
    h.run();
    kiosk_common::click(&mut h, "Góp ý");
    let category = h.state().categories[0].id.clone();
    h.state_mut().apply(
        phonghop::kiosk::shell::Command::PickCategory(category),
        &|_| false,
    );
    h.state_mut().draft = "Cầu treo bản Tả Van bị hỏng".into();
    h.run();
    assert_eq!(h.state().screen, Screen::Feedback);
    assert_eq!(
        h.state().meeting_warning(),
        None,
        "five minutes away: no warning yet"
    );

    // A minute before, the typing screen says so, and that the text is kept.
    h.state_mut().touched(START_MS - 45_000);
    h.state_mut().tick(START_MS - 45_000);
    h.run();
    assert_eq!(h.state().meeting_warning(), Some((45, true)));
    h.get_by_label(
        "Cuộc họp bắt đầu sau 45 giây. Nội dung bạn đang nhập được giữ lại đến khi họp xong.",
    );
    assert_eq!(
        h.state().screen,
        Screen::Feedback,
        "the resident keeps typing"
    );

    // The meeting starts: it takes the screen; the draft waits, hidden.
    let effects = h
        .state_mut()
        .call_phase_changed(CallPhase::Joining, START_MS);
    assert_eq!(effects, vec![Effect::StopSpeaking]);
    h.run();
    assert_eq!(h.state().screen, Screen::Meeting);
    assert_eq!(h.state().meeting_warning(), None);
    assert_eq!(h.state().draft, "Cầu treo bản Tả Van bị hỏng");

    // It ends: Home, with the draft still there until the usual idle reset.
    let end = START_MS + 3_600_000;
    h.state_mut().call_phase_changed(CallPhase::Idle, end);
    h.run();
    assert_eq!(h.state().screen, Screen::Home);
    assert_eq!(h.state().draft, "Cầu treo bản Tả Van bị hỏng");
    assert!(h.state_mut().tick(end + 89_000).is_empty());
    assert!(!h.state_mut().tick(end + 90_000).is_empty());
    assert!(
        h.state().draft.is_empty(),
        "cleared by the idle rules after the meeting"
    );
}

#[test]
fn the_warning_on_a_screen_without_a_draft_only_says_when_the_meeting_starts() {
    let mut s = shell(Language::English);
    s.next_meeting = Some(next_meeting());
    s.now_ms = START_MS - 20_000;
    s.touched(s.now_ms);
    let mut h = harness(s);
    h.run();
    assert_eq!(h.state().meeting_warning(), None, "Home needs no warning");
    kiosk_common::click(&mut h, "Rate our service");
    assert_eq!(h.state().meeting_warning(), Some((20, false)));
    h.get_by_label("A meeting starts in 20 seconds and will take over this screen.");
}
