//! When the room's call goes live the kiosk shows the meeting screen: pictures from the
//! call's slots, a status line, and big microphone and camera buttons that flip the call's
//! switches and say what the next tap does. When the call ends the kiosk goes Home. The
//! pictures' textures are made once and updated in place.

use crate::kiosk_common;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use kiosk_common::smallest_text_pt;
use phonghop::config::Language;
use phonghop::kiosk::RoomKiosk;
use phonghop::kiosk::meeting_screen::test_bars;
use phonghop::kiosk::shell::Screen;
use phonghop::kiosk::style::{MIN_TARGET, MIN_TEXT_PT};
use phonghop::media::FrameSlot;
use phonghop::room::call_view::{CallPhase, CallView, TestSources};
use phonghop::wire::SlotSource;

fn kiosk(call: CallView, lang: Language, width: f32, height: f32) -> Harness<'static, RoomKiosk> {
    kiosk_common::meeting_kiosk(call, None, lang, width, height)
}

/// A call with two people in its slots and pictures in both and in the self-view.
fn live_call() -> CallView {
    let call = CallView::new();
    call.update(|s| {
        s.phase = CallPhase::Live;
        s.slots = vec![
            Some(SlotSource {
                participant_id: "host".into(),
                name: "UBMTTQ tỉnh".into(),
            }),
            Some(SlotSource {
                participant_id: "ta-van".into(),
                name: "Xã Tả Van".into(),
            }),
        ];
        s.test_sources = Some(TestSources::Both);
        s.sending_layer = Some(phonghop::meeting::Layer::P720);
    });
    publish_all(&call, 0);
    call.set_self_view(FrameSlot::new());
    call.self_view()
        .publish_rgba(320, 180, test_bars(320, 180, 3));
    call
}

fn publish_all(call: &CallView, seed: u8) {
    for (i, slot) in call.tiles().iter().enumerate() {
        slot.publish_rgba(640, 360, test_bars(640, 360, seed + i as u8));
    }
    call.self_view()
        .publish_rgba(320, 180, test_bars(320, 180, seed));
}

#[test]
fn a_live_call_opens_the_meeting_screen_and_the_buttons_flip_the_switches() {
    let call = live_call();
    let mut h = kiosk(call.clone(), Language::Vietnamese, 1280.0, 800.0);
    h.run();
    assert_eq!(h.state().shell().screen, Screen::Meeting);
    h.get_by_label("Đang họp");
    // The stand-in devices are said in the kiosk's language, not in the log's English.
    h.get_by_label("Không có camera và micro: các điểm cầu khác thấy hình thử và nghe tiếng thử.");
    assert!(h.query_by_label_contains("test picture").is_none());

    assert!(call.microphone_on());
    h.get_by_label("Tắt micro").click();
    h.run();
    assert!(
        !call.microphone_on(),
        "the button turned the microphone off"
    );
    assert!(h.query_by_label("Tắt micro").is_none());
    h.get_by_label("Bật micro").click();
    h.run();
    assert!(call.microphone_on());
    h.get_by_label("Tắt micro");

    assert!(call.camera_on());
    h.get_by_label("Tắt camera").click();
    h.run();
    assert!(!call.camera_on(), "the button turned the camera off");
    h.get_by_label("Bật camera");
    assert!(h.query_by_label("Tắt camera").is_none());
    assert!(
        call.microphone_on(),
        "the camera button left the microphone alone"
    );

    // During the call there is no way Home or back: the call holds the screen.
    assert!(
        h.get_by_label("🏠 Trang chủ")
            .accesskit_node()
            .is_disabled()
    );
    assert!(!h.state().shell().can_go_back());
}

#[test]
fn the_status_line_follows_the_phase_and_idle_goes_home_keeping_a_draft() {
    let call = CallView::new();
    let mut h = kiosk(call.clone(), Language::Vietnamese, 1280.0, 800.0);
    h.run();
    assert_eq!(h.state().shell().screen, Screen::Home);
    // A resident is typing feedback when the meeting starts.
    h.state_mut().shell_mut().screen = Screen::Feedback;
    h.state_mut().shell_mut().draft = "Đường bị hỏng".into();

    call.update(|s| s.phase = CallPhase::Joining);
    h.run();
    assert_eq!(h.state().shell().screen, Screen::Meeting);
    h.get_by_label("Đang vào cuộc họp…");

    call.update(|s| s.phase = CallPhase::Live);
    h.run();
    h.get_by_label("Đang họp");

    // Hours without a touch do not send the room Home during the call.
    let now = h.state().shell().now_ms;
    assert!(
        h.state_mut()
            .shell_mut()
            .tick(now + 3 * 3600 * 1000)
            .is_empty()
    );
    assert_eq!(h.state().shell().idle_warning(), None);
    assert_eq!(h.state().shell().screen, Screen::Meeting);

    call.update(|s| s.phase = CallPhase::Reconnecting);
    h.run();
    assert_eq!(h.state().shell().screen, Screen::Meeting);
    h.get_by_label("Mất kết nối – đang nối lại…");

    call.update(|s| s.phase = CallPhase::Idle);
    h.run();
    assert_eq!(h.state().shell().screen, Screen::Home);
    assert_eq!(
        h.state().shell().draft,
        "Đường bị hỏng",
        "the draft outlives the meeting (the idle reset clears it later)"
    );
}

#[test]
fn each_slot_gets_one_texture_updated_in_place_frame_after_frame() {
    let call = live_call();
    let mut h = kiosk(call.clone(), Language::Vietnamese, 1280.0, 800.0);
    h.run();
    let textures = |h: &Harness<'static, RoomKiosk>| {
        let v = h.state().video_textures();
        (v.tile(0), v.tile(1), v.self_view())
    };
    let (first, second, own) = textures(&h);
    let (first, second, own) = (
        first.expect("slot 0"),
        second.expect("slot 1"),
        own.expect("self-view"),
    );
    assert_eq!(first.size, [640, 360]);
    assert_eq!(own.size, [320, 180]);
    assert_eq!(h.state().video_textures().allocations(), 3);
    assert_eq!(h.state().video_textures().uploads(), 3);
    assert!(
        draws_texture(h.output(), first.texture),
        "the large picture is drawn"
    );
    assert!(
        draws_texture(h.output(), own.texture),
        "the self-view is drawn"
    );

    let published = call.tiles()[0].frames_published();
    for n in 1..=10 {
        publish_all(&call, n);
        h.run();
        let (a, b, c) = textures(&h);
        assert_eq!(a.map(|p| p.texture), Some(first.texture), "frame {n}");
        assert_eq!(b.map(|p| p.texture), Some(second.texture), "frame {n}");
        assert_eq!(c.map(|p| p.texture), Some(own.texture), "frame {n}");
    }
    assert_eq!(call.tiles()[0].frames_published(), published + 10);
    assert_eq!(
        h.state().video_textures().allocations(),
        3,
        "no texture was made again for 10 new frames"
    );
    assert_eq!(
        h.state().video_textures().uploads(),
        3 + 30,
        "each new frame once"
    );

    // Frames without a new generation are not uploaded again (and nothing is made).
    h.run();
    h.run();
    assert_eq!(h.state().video_textures().allocations(), 3);
    assert_eq!(h.state().video_textures().uploads(), 33);
}

#[test]
fn each_slot_is_told_how_wide_its_picture_is_drawn_so_no_larger_one_is_sent() {
    for (width, height) in [(1280.0, 800.0), (800.0, 1280.0)] {
        let call = live_call();
        let mut h = kiosk(call.clone(), Language::Vietnamese, width, height);
        h.run();
        h.run();
        let ppp = h.ctx.pixels_per_point();
        for (i, slot) in call.tiles().iter().enumerate() {
            let picture = h.state().video_textures().tile(i).expect("a picture");
            let drawn = drawn_width(h.output(), picture.texture).expect("drawn");
            let told = slot.shown_width_px().expect("the slot was told") as f32;
            assert!(
                (told - drawn * ppp).abs() <= 1.0,
                "slot {i} at {width}x{height}: told {told} px, drawn {drawn} pt"
            );
        }
        let [large, small] = [0, 1].map(|i| call.tiles()[i].shown_width_px().unwrap_or(0));
        assert!(
            small < large && (large as f32) < width * ppp,
            "the large picture is wider than the other, both narrower than the screen: {large}, {small}"
        );
    }
}

/// How wide `texture` is drawn (its mesh's bounds), if it is.
fn drawn_width(output: &egui::FullOutput, texture: egui::TextureId) -> Option<f32> {
    fn visit(shape: &egui::Shape, texture: egui::TextureId) -> Option<f32> {
        match shape {
            egui::Shape::Mesh(mesh) if mesh.texture_id == texture => {
                Some(mesh.calc_bounds().width())
            }
            egui::Shape::Vec(shapes) => shapes.iter().find_map(|s| visit(s, texture)),
            _ => None,
        }
    }
    output.shapes.iter().find_map(|c| visit(&c.shape, texture))
}

fn draws_texture(output: &egui::FullOutput, texture: egui::TextureId) -> bool {
    fn visit(shape: &egui::Shape, texture: egui::TextureId) -> bool {
        match shape {
            egui::Shape::Mesh(mesh) => mesh.texture_id == texture,
            egui::Shape::Vec(shapes) => shapes.iter().any(|s| visit(s, texture)),
            _ => false,
        }
    }
    output.shapes.iter().any(|c| visit(&c.shape, texture))
}

#[test]
fn the_meeting_screen_has_64_px_targets_and_22_pt_text_in_landscape_and_portrait() {
    for (width, height) in [(1280.0, 800.0), (800.0, 1280.0)] {
        for (lang, mic, camera) in [
            (Language::Vietnamese, "Tắt micro", "Tắt camera"),
            (Language::English, "Turn microphone off", "Turn camera off"),
        ] {
            let call = live_call();
            let mut h = kiosk(call, lang, width, height);
            h.run();
            assert_eq!(h.state().shell().screen, Screen::Meeting);
            let checked = kiosk_common::assert_targets_large_enough(
                &h,
                &format!("meeting ({lang:?}, {width}x{height})"),
            );
            assert!(checked >= 4, "found the buttons ({checked})");
            for label in [mic, camera] {
                let rect = h.get_by_label(label).rect();
                assert!(
                    rect.width() >= MIN_TARGET && rect.height() >= MIN_TARGET,
                    "{label} ({width}x{height}) is {:.0}x{:.0}",
                    rect.width(),
                    rect.height()
                );
                assert!(
                    rect.max.x <= width && rect.max.y <= height,
                    "{label} is on the screen ({width}x{height}): {rect:?}"
                );
            }
            let smallest = smallest_text_pt(h.output());
            assert!(
                smallest >= MIN_TEXT_PT,
                "meeting ({lang:?}, {width}x{height}): text drawn at {smallest} pt"
            );
        }
    }
}
