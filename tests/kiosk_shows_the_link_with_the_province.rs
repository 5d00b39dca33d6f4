//! Every kiosk screen shows whether the box is linked with the province and who is online,
//! and never shows stale presence while the link is down.

use crate::kiosk_common;

use egui_kittest::kittest::Queryable;
use kiosk_common::*;
use phonghop::config::Language;
use phonghop::room::HubLink;

#[test]
fn a_connected_room_shows_its_name_the_link_and_how_many_are_online() {
    let mut h = harness(shell(Language::Vietnamese));
    h.run();
    h.get_by_label("Phòng họp số xã Lao Chải");
    h.get_by_label("Đã kết nối với tỉnh");
    h.get_by_label("Đang trực tuyến: 2");
}

#[test]
fn a_room_that_lost_its_link_says_when_it_retries_and_hides_presence() {
    let mut s = shell(Language::English);
    s.room.link = HubLink::Retrying {
        retry_in_ms: 4_200,
        last_error: "connection refused".into(),
    };
    let mut h = harness(s);
    h.run();
    h.get_by_label("Connection lost, retrying in 5 s");
    assert!(h.query_by_label_contains("Online now").is_none());
}

#[test]
fn an_unenrolled_box_says_so() {
    let mut s = shell(Language::Vietnamese);
    s.room.link = HubLink::NotEnrolled;
    let mut h = harness(s);
    h.run();
    h.get_by_label("Thiết bị chưa được đăng ký");
}
