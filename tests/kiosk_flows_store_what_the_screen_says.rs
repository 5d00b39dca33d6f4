//! The kiosk's flows against a real room and hub: typed and spoken feedback get a ticket
//! that matches what was stored; a rating is stored (a repeated tap counted as filtered);
//! "Check my ticket" shows the reply with the hub down; an idle reset deletes a recording.

use crate::common;

use std::time::{Duration, Instant};

use crate::kiosk_common::{tap, type_road_feedback, world};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use phonghop::kiosk::RoomKiosk;
use phonghop::kiosk::shell::{Recording, Screen};

/// Runs frames (real time passes) until `done` holds.
fn frames_until(
    h: &mut Harness<'static, RoomKiosk>,
    what: &str,
    timeout: Duration,
    done: impl Fn(&RoomKiosk) -> bool,
) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < timeout,
            "timed out waiting for {what}; screen {:?}",
            h.state().shell().screen
        );
        h.run_steps(1);
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// From the home screen: feedback in `category`, spoken for at least `ms`, then stopped.
fn speak(h: &mut Harness<'static, RoomKiosk>, category: &str, ms: u64) {
    h.run_steps(2);
    tap(h, "Góp ý");
    tap(h, category);
    tap(h, "🗣 Nói thay vì gõ");
    tap(h, "● Ghi âm");
    frames_until(
        h,
        "speech",
        Duration::from_secs(10),
        |k| matches!(k.shell().recording, Recording::Live { elapsed_ms, .. } if elapsed_ms >= ms),
    );
    tap(h, "■ Dừng");
}

fn send_anonymously(h: &mut Harness<'static, RoomKiosk>) -> String {
    tap(h, "Tiếp ➜");
    assert_eq!(h.state().shell().screen, Screen::FeedbackContact);
    tap(h, "Bỏ qua, gửi ẩn danh ➜");
    assert_eq!(h.state().shell().screen, Screen::FeedbackReview);
    tap(h, "Gửi ➜");
    frames_until(h, "the receipt", Duration::from_secs(10), |k| {
        k.shell().screen == Screen::FeedbackReceipt
    });
    let code = h
        .state()
        .shell()
        .receipt
        .as_ref()
        .expect("receipt")
        .ticket_code
        .clone();
    h.get_by_label(&code);
    code
}

#[test]
fn typed_feedback_gets_a_ticket_and_the_reply_is_readable_with_the_hub_down() {
    let mut w = world();
    let mut h = w.harness();
    type_road_feedback(&mut h);
    assert_eq!(h.state().shell().draft, "đường");
    let code = send_anonymously(&mut h);

    // What the screen showed is what the box stored, and what reached the province.
    let ticket = w
        .room_store()
        .room_ticket(&code)
        .expect("db")
        .expect("stored at the box");
    assert_eq!(ticket.category, "roads");
    let hub = w.hub_store();
    common::wait_until("the ticket at the hub", Duration::from_secs(15), || {
        hub.feedback_by_ticket(&code).ok().flatten().is_some()
    });
    assert_eq!(
        hub.feedback_by_ticket(&code)
            .expect("db")
            .expect("row")
            .text,
        "đường"
    );

    // Staff reply from the hub's command line (another process would do the same).
    hub.update_feedback(
        &code,
        Some(phonghop::feedback::Status::Resolved),
        Some("Đã sửa xong."),
        "Cán bộ xã",
        phonghop::clock::now_ms(),
    )
    .expect("db")
    .expect("allowed");
    let room = w.room_store();
    common::wait_until("the reply at the box", Duration::from_secs(15), || {
        room.room_ticket(&code)
            .ok()
            .flatten()
            .and_then(|t| t.reply)
            .is_some()
    });

    // The province goes offline; the box still answers from its own copy.
    let hub_handle = w.hub.take().expect("hub");
    w.rt.block_on(hub_handle.stop());
    tap(&mut h, "Xong");
    tap(&mut h, "Tra cứu phiếu");
    for c in code.chars() {
        tap(&mut h, &c.to_string());
    }
    tap(&mut h, "Tra cứu ➜");
    frames_until(&mut h, "the ticket", Duration::from_secs(10), |k| {
        matches!(
            k.shell().ticket,
            Some(phonghop::kiosk::shell::TicketLookup::Found(_))
        )
    });
    h.run_steps(2);
    h.get_by_label("Đã sửa xong.");
    h.get_by_label("Trạng thái: Đã giải quyết");
    h.get_by_label_contains("Cập nhật từ tỉnh lúc");
    drop(h);
    w.stop();
}

#[test]
fn spoken_feedback_reaches_the_hub_with_a_matching_checksum() {
    let w = world();
    let mut h = w.harness();
    speak(&mut h, "♥ An sinh xã hội", 1_000);
    let Recording::Done { duration_ms, .. } = h.state().shell().recording.clone() else {
        panic!("not recorded: {:?}", h.state().shell().recording)
    };
    assert!(duration_ms >= 900, "{duration_ms} ms");
    let code = send_anonymously(&mut h);
    let hub = w.hub_store();
    common::wait_until(
        "the voice feedback at the hub",
        Duration::from_secs(15),
        || hub.feedback_by_ticket(&code).ok().flatten().is_some(),
    );
    let row = hub.feedback_by_ticket(&code).expect("db").expect("row");
    let sha = row.record.voice_sha256.expect("voice");
    let bytes =
        std::fs::read(w.dir.path().join(format!("hub/voice/{sha}.ogg"))).expect("voice file");
    use sha2::Digest;
    assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), sha);
    phonghop::media::probe_ogg_opus(&w.dir.path().join(format!("hub/voice/{sha}.ogg")))
        .expect("a valid Ogg/Opus file");
    drop(h);
    w.stop();
}

#[test]
fn a_rating_is_stored_once_and_a_repeated_tap_is_counted_as_filtered() {
    let w = world();
    let mut h = w.harness();
    h.run_steps(2);
    tap(&mut h, "Đánh giá dịch vụ");
    tap(&mut h, "★★★★★\nRất hài lòng");
    h.get_by_label("Cảm ơn bạn đã đánh giá!");
    tap(&mut h, "⬅ Quay lại");
    tap(&mut h, "★★★★★\nRất hài lòng");
    let hub = w.hub_store();
    common::wait_until("both taps at the hub", Duration::from_secs(15), || {
        hub.rating_counts()
            .map(|(scored, filtered)| scored.iter().map(|(_, n)| n).sum::<u64>() + filtered == 2)
            .unwrap_or(false)
    });
    assert_eq!(hub.rating_counts().expect("db"), (vec![(5, 1)], 1));
    drop(h);
    w.stop();
}

#[test]
fn an_idle_reset_deletes_an_unsent_recording() {
    let w = world();
    let mut h = w.harness();
    speak(&mut h, "✎ Khác", 300);
    let recording_dir = w.dir.path().join("room/recording");
    assert_eq!(
        std::fs::read_dir(&recording_dir).expect("dir").count(),
        1,
        "one recording kept for review"
    );
    assert!(
        matches!(h.state().shell().recording, Recording::Done { .. }),
        "{:?} on {:?}",
        h.state().shell().recording,
        h.state().shell().screen
    );
    // The resident walks away: 90 s without a touch.
    let later = phonghop::clock::now_ms() + 91_000;
    let effects = h.state_mut().shell_mut().tick(later);
    assert!(
        effects.contains(&phonghop::kiosk::shell::Effect::DiscardRecording),
        "{effects:?} {:?} {:?}",
        h.state().shell().screen,
        h.state().shell().recording
    );
    h.state_mut().shell_mut().touched(later);
    // Carry the effects out as the window would.
    for effect in effects {
        h.state_mut().apply_effect(effect);
    }
    assert_eq!(h.state().shell().screen, Screen::Home);
    assert_eq!(
        std::fs::read_dir(&recording_dir).expect("dir").count(),
        0,
        "the recording is gone"
    );
    drop(h);
    w.stop();
}
