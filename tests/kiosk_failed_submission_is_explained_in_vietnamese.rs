//! When the room cannot store a submission, the resident reads why in Vietnamese, never
//! the service's English: here the room really stops (its outbox and service close) while
//! the resident sends their feedback.

use crate::common;

use std::time::{Duration, Instant};

use common::*;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use phonghop::config::Language;
use phonghop::kiosk::shell::Screen;
use phonghop::kiosk::{KioskRoom, RoomKiosk};

/// All the words drawn in a frame.
fn drawn_text(output: &egui::FullOutput) -> String {
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

#[test]
fn a_submission_the_stopped_room_cannot_store_is_explained_in_vietnamese() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempdir();
    let (hub, room, client) = rt.block_on(async {
        let hub = start_hub(&dir.path().join("hub")).await;
        let (config, _) = enrolled_room(&hub, "lao-chai", dir.path().join("room")).await;
        let (room, client) = start_room_with_kiosk(config).await;
        (hub, room, client)
    });
    let kiosk = RoomKiosk::new(
        KioskRoom {
            status: room.status.clone(),
            language: Language::Vietnamese,
            idle_reset_secs: 90,
            staff_pin_hash: String::new(),
            start_screen: Screen::Home,
            service: Some(client),
            microphone: phonghop::media::MicSource::Test { freq_hz: 440.0 },
            recording_dir: dir.path().join("room/recording"),
            call: None,
        },
        None,
    );
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_context_setup(phonghop::kiosk::style::apply)
        .build_ui_state(|ui, k: &mut RoomKiosk| k.frame_ui(ui), kiosk);
    let tap = |h: &mut Harness<'static, RoomKiosk>, label: &str| {
        h.get_by_label(label).click();
        h.run_steps(3);
    };
    h.run_steps(2);
    tap(&mut h, "Góp ý");
    tap(&mut h, "🛣 Đường sá, hạ tầng");
    for key in ["d", "d", "u", "w", "o", "w", "n", "g", "f"] {
        tap(&mut h, key);
    }
    tap(&mut h, "Tiếp ➜");
    tap(&mut h, "Bỏ qua, gửi ẩn danh ➜");
    assert_eq!(h.state().shell().screen, Screen::FeedbackReview);

    // The room stops: its service, and the outbox behind it, are gone.
    rt.block_on(room.stop());
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
    rt.block_on(hub.stop());
}
