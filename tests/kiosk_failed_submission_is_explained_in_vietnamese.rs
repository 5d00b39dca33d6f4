//! When the room cannot store a submission, the resident reads why in Vietnamese, never
//! the service's English: here the room really stops (its outbox and service close) while
//! the resident sends their feedback. Likewise a microphone that cannot open is explained
//! in the resident's language, never with media's English meant for staff.

use std::time::{Duration, Instant};

use crate::common::tempdir;
use crate::kiosk_common::{drawn_text, kiosk_room, room_harness, tap, type_road_feedback, world};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use phonghop::config::Language;
use phonghop::kiosk::RoomKiosk;
use phonghop::kiosk::shell::{RecordingFailed, Screen};

#[test]
fn a_submission_the_stopped_room_cannot_store_is_explained_in_vietnamese() {
    let mut w = world();
    let mut h = w.harness();
    type_road_feedback(&mut h);
    tap(&mut h, "Tiếp ➜");
    tap(&mut h, "Bỏ qua, gửi ẩn danh ➜");
    assert_eq!(h.state().shell().screen, Screen::FeedbackReview);

    // The room stops: its service, and the outbox behind it, are gone.
    let room = w.room.take().expect("room");
    w.rt.block_on(room.stop());
    tap(&mut h, "Gửi ➜");
    let start = Instant::now();
    while h.state().shell().send_error.is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no answer; screen {:?}",
            h.state().shell().screen
        );
        h.run_steps(1);
        std::thread::sleep(Duration::from_millis(20));
    }
    h.run_steps(2);
    assert_eq!(h.state().shell().screen, Screen::FeedbackReview);
    let vietnamese = "Chưa gửi được: Máy đang khởi động lại. Xin thử lại sau ít phút.";
    h.get_by_label(vietnamese);
    let text = drawn_text(h.output());
    assert!(text.contains(vietnamese), "{text}");
    for english in ["room", "service", "stopped", "database", "preview", "error"] {
        assert!(
            !text.to_lowercase().contains(english),
            "English {english:?} on the Vietnamese screen:\n{text}"
        );
    }
    drop(h);
    w.stop();
}

/// The kiosk on the Speak screen with a microphone that cannot open: a GStreamer source
/// that does not exist (or no GStreamer at all: either way the box cannot record).
fn kiosk_with_a_broken_microphone(
    language: Language,
    dir: &std::path::Path,
) -> Harness<'static, RoomKiosk> {
    let (_status_tx, status) = tokio::sync::watch::channel(phonghop::demo::sample_room_status());
    let mut room = kiosk_room(status, None, Screen::FeedbackSpeak, dir.join("recording"));
    room.language = language;
    room.microphone = phonghop::media::MicSource::Named("phonghop-no-such-microphone".into());
    room_harness(room)
}

type TextFor = fn(RecordingFailed) -> &'static str;

fn vietnamese(why: RecordingFailed) -> &'static str {
    match why {
        RecordingFailed::NoMicrophone => "Máy chưa có micrô nên chưa ghi âm được.",
        _ => "Máy chưa cài phần mềm ghi âm nên chưa ghi âm được. Xin báo cán bộ xã.",
    }
}

fn english(why: RecordingFailed) -> &'static str {
    match why {
        RecordingFailed::NoMicrophone => "This box has no microphone, so it cannot record.",
        _ => "This box cannot record yet: its recording software is missing.",
    }
}

#[test]
fn a_microphone_that_cannot_open_is_explained_in_the_residents_language() {
    let dir = tempdir();
    // Hmong has no text of its own for this yet: it falls back to Vietnamese.
    let cases: [(Language, &str, TextFor); 3] = [
        (Language::Vietnamese, "● Ghi âm", vietnamese),
        (Language::Hmong, "● Ghi âm", vietnamese),
        (Language::English, "● Record", english),
    ];
    for (language, record, text_for) in cases {
        let mut h = kiosk_with_a_broken_microphone(language, dir.path());
        h.run_steps(2);
        h.get_by_label(record).click();
        h.run_steps(3);
        let why = h
            .state()
            .shell()
            .mic_unavailable
            .expect("a lasting failure is kept");
        assert!(
            matches!(
                why,
                RecordingFailed::NoMicrophone | RecordingFailed::NoRecorder
            ),
            "{why:?}"
        );
        let expected = text_for(why);
        let text = drawn_text(h.output());
        assert!(text.contains(expected), "{language:?}:\n{text}");
        // Media's explanation is for staff (the log), never on the resident's screen.
        for staff_words in ["GStreamer", "audio source", "arecord", "phonghop-no-such"] {
            assert!(
                !text.contains(staff_words),
                "{language:?}: {staff_words:?} on the screen:\n{text}"
            );
        }
        assert!(
            h.query_by_label(record).is_none(),
            "{language:?}: the record button is offered although the box cannot record"
        );
    }
}
