//! NACKed video comes back on its own RTX stream (RFC 4588) both ways: the room offers VP8 with
//! RTX and an SSRC group for its camera, and the hub's answer does the same for the pictures it
//! forwards. (That retransmissions really flow under loss is shown by `make fault`, which drops
//! packets at random in a network namespace.)

use std::sync::Arc;

use phonghop::meeting::engine::MediaEngine;
use phonghop::transport::client::{ClientPeer, MediaKind, RemoteMedia};
use phonghop::transport::peer::PeerOptions;
use phonghop::transport::sfu::Forwarder;

struct Discard;

impl RemoteMedia for Discard {
    fn on_rtp(&self, _slot: usize, _kind: MediaKind, _packet: &[u8]) {}
}

fn options(congestion_control: bool) -> PeerOptions {
    PeerOptions {
        bind_ip: "127.0.0.1".parse().expect("ip"),
        ice_servers: vec![],
        congestion_control,
    }
}

/// The SSRC groups `FID <primary> <rtx>` of the first video section that sends.
fn sending_video_section(sdp: &str) -> String {
    sdp.split("\r\nm=")
        .find(|section| section.starts_with("video") && section.contains("a=ssrc:"))
        .unwrap_or_else(|| panic!("no sending video section in:\n{sdp}"))
        .to_owned()
}

fn assert_rtx(sdp: &str, who: &str) {
    let video = sending_video_section(sdp);
    assert!(
        video.contains("a=rtpmap:97 rtx/90000") && video.contains("a=fmtp:97 apt=96"),
        "{who}: RTX for VP8 (pt 97, apt=96) in\n{video}"
    );
    let group = video
        .lines()
        .find_map(|line| line.strip_prefix("a=ssrc-group:FID "))
        .unwrap_or_else(|| {
            panic!("{who}: an FID group pairs the video SSRC with its RTX SSRC in\n{video}")
        });
    let ssrcs: Vec<&str> = group.split_whitespace().collect();
    assert_eq!(ssrcs.len(), 2, "{who}: FID {group}");
    assert_ne!(ssrcs[0], ssrcs[1], "{who}: FID {group}");
}

#[tokio::test]
async fn room_offer_and_hub_answer_carry_rtx_for_video() {
    let (room, _events) = ClientPeer::new(&options(true), Arc::new(Discard))
        .await
        .expect("room peer");
    let offer = room.create_offer(false).await.expect("offer");
    assert_rtx(&offer, "room offer");

    let hub = Forwarder::new(options(false));
    let (events, _rx) = tokio::sync::mpsc::unbounded_channel();
    let answer = hub
        .negotiate("m1", "room-a", offer, events)
        .await
        .expect("answer");
    assert_rtx(&answer, "hub answer");
    assert!(
        !answer.contains("rtx/48000"),
        "no RTX for audio: Opus has in-band FEC"
    );
    room.set_answer(answer).await.expect("answer accepted");
    hub.close("m1", "room-a").await;
    room.close().await;
}
