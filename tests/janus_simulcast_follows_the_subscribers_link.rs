//! Simulcast on Debian's real Janus: the province publishes its layers (360p and 180p: its
//! `max_layer` is 360p, to spare this 2-core machine a 720p encoder of noise) as streams of
//! their own, and the commune, whose downlink is limited to 400 kbit/s, is sent the 180p layer
//! by Janus, chosen by the hub from the commune's receive reports; when the limit is lifted it
//! gets 360p again. The layer is read where it matters: the width of the picture the commune
//! decodes. The province's camera is GStreamer's noise picture (`videotestsrc pattern=snow`):
//! the usual test picture (a ball on black) costs VP8 so little at any size that every
//! layer fits any link worth the name.
//!
//! The limit: an `iptables` `hashlimit` rule drops what Janus sends (packets from its RTP
//! ports, a range of this test's own: [`LIMITED_ROOM_JANUS_RTP_PORTS`]) beyond 50 kB/s to
//! each receiving socket, as an overloaded
//! downlink drops what its buffer cannot hold: both rooms' downlinks are limited, the rooms'
//! uplinks to Janus are not, and nothing else on the machine is touched (the rule matches
//! only a test Janus's ports). Needs root (`iptables`). The hub runs with
//! `janus_simulcast = true`. Two VP8 encoders of moving bars make it one of the heavier
//! tests on a 2-core machine.

use std::process::Command;
use std::time::Duration;

use phonghop::room::stamp_tag_for;

use phonghop::config::{DeviceChoice, MediaEngineConfig};
use phonghop::meeting::Layer;

use crate::common::{self, eventually, tempdir};
use crate::janus_common::{JanusPorts, LIMITED_ROOM_JANUS_RTP_PORTS, janus_and_hub_on};
use crate::janus_meeting_carries_media::{janus_rooms, network_ip};
use crate::meeting_common::{CallRoom, start_call_room, start_meeting};

/// What each room's downlink carries while limited: 50 kB/s, 400 kbit/s. The 180p layer
/// (150–250 kbit/s) and the voices fit; 360p (at least 400 kbit/s) does not.
const LIMIT: &str = "50kb/s";

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// The rule that drops what a Janus on the UDP ports `janus_rtp` sends to each receiving
/// socket beyond [`LIMIT`].
fn limit_rule(janus_rtp: (u16, u16)) -> Vec<String> {
    let ports = format!("{}:{}", janus_rtp.0, janus_rtp.1);
    [
        "OUTPUT",
        "-p",
        "udp",
        "--sport",
        &ports,
        "-m",
        "hashlimit",
        "--hashlimit-name",
        &format!("phonghop-{}", janus_rtp.0),
        "--hashlimit-above",
        LIMIT,
        "--hashlimit-burst",
        "64kb",
        "--hashlimit-mode",
        "dstip,dstport",
        "-j",
        "DROP",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The limit on what a Janus sends, while it is on; lifted when dropped.
pub struct LimitedLink {
    janus_rtp: (u16, u16),
    limited: bool,
}

impl LimitedLink {
    /// For the Janus on UDP ports `janus_rtp`; not limited yet.
    pub fn new(janus_rtp: (u16, u16)) -> LimitedLink {
        LimitedLink {
            janus_rtp,
            limited: false,
        }
    }

    pub fn limit(&mut self) {
        let mut args = vec!["-I".to_owned()];
        args.extend(limit_rule(self.janus_rtp));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run("iptables", &args).expect("iptables hashlimit (this test needs root)");
        self.limited = true;
    }

    pub fn lift(&mut self) {
        if self.limited {
            let mut args = vec!["-D".to_owned()];
            args.extend(limit_rule(self.janus_rtp));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let _ = run("iptables", &args);
            self.limited = false;
        }
    }
}

impl Drop for LimitedLink {
    fn drop(&mut self) {
        self.lift();
    }
}

/// The width of the latest picture the room decodes in slot 0 (the only other room's).
fn decoded_width(room: &CallRoom) -> Option<u32> {
    Some(room.view.tile(0)?.latest()?.width)
}

/// Waits until the room has decoded thirty new pictures in a row at a width `ok` takes.
async fn wait_for_width(room: &CallRoom, ok: impl Fn(u32) -> bool, timeout: Duration, what: &str) {
    let tile = room.view.tile(0).expect("slot").clone();
    let mut steady_from: Option<u64> = None;
    let started = std::time::Instant::now();
    loop {
        let width = decoded_width(room);
        let frames = tile.frames_published();
        match width {
            Some(w) if ok(w) => {
                let from = *steady_from.get_or_insert(frames);
                // Thirty pictures in a row at that size: a second at 30 fps, not a stray frame.
                if frames >= from + 30 {
                    eprintln!("{what}: width {w} after {:?}", started.elapsed());
                    return;
                }
            }
            _ => steady_from = None,
        }
        assert!(
            started.elapsed() < timeout,
            "{what}: last decoded width {width:?}, frames {frames}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The province of these tests: a room hosting with a busy picture (moving colour bars, which
/// at 360p need more than [`LIMIT`] carries) published as simulcast up to 360p.
pub async fn busy_province(hub: &common::TestHub, dir: &std::path::Path) -> CallRoom {
    let (mut config, province_id) =
        common::enrolled_room(hub, "lao-cai", dir.join("lao-cai")).await;
    config.media.ice_bind = network_ip();
    config.media.camera =
        DeviceChoice::Named("videotestsrc is-live=true pattern=smpte horizontal-speed=8".into());
    config.media.max_layer = Layer::P360;
    let (mut room, view) = start_call_room(config.clone()).await;
    common::wait_for(
        &mut room.status,
        "connected",
        Duration::from_secs(10),
        |s| s.connected(),
    )
    .await;
    CallRoom {
        room,
        view,
        id: province_id,
        config,
    }
}

/// A hub on a Janus of its own RTP ports (`janus_rtp`), with simulcast.
pub async fn simulcast_janus_and_hub(
    dir: &std::path::Path,
    janus_rtp: (u16, u16),
) -> (crate::janus_common::TestJanus, common::TestHub) {
    janus_and_hub_on(dir, JanusPorts::free_with_rtp(janus_rtp), |config| {
        if let MediaEngineConfig::Janus(janus) = &mut config.media.engine {
            janus.simulcast = true;
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_subscriber_on_a_limited_link_gets_the_low_layer_and_the_high_one_when_lifted() {
    let mut link = LimitedLink::new(LIMITED_ROOM_JANUS_RTP_PORTS);
    let dir = tempdir();
    let (_janus, hub) = simulcast_janus_and_hub(dir.path(), LIMITED_ROOM_JANUS_RTP_PORTS).await;
    let province = busy_province(&hub, dir.path()).await;
    let commune = janus_rooms(&hub, dir.path(), &["lao-chai"])
        .await
        .pop()
        .expect("commune");
    let _meeting = start_meeting(&hub, &province.id, &[&commune.id]).await;
    // Unlimited, the commune gets the best layer.
    wait_for_width(
        &commune,
        |w| w == 640,
        Duration::from_secs(40),
        "unlimited: 360p",
    )
    .await;

    link.limit();
    wait_for_width(
        &commune,
        |w| w == 320,
        Duration::from_secs(40),
        "limited to 400 kbit/s: the 180p layer",
    )
    .await;
    // And it stays there while the limit holds (a step up is tried now and then and
    // undone within seconds: most pictures are the small ones).
    let tile = commune.view.tile(0).expect("slot").clone();
    let mut small = 0u32;
    let mut large = 0u32;
    let mut last = tile.frames_published();
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let frames = tile.frames_published();
        if frames > last {
            match decoded_width(&commune) {
                Some(320) => small += 1,
                Some(_) => large += 1,
                None => {}
            }
        }
        last = frames;
    }
    assert!(
        small > 3 * large,
        "limited, the commune mostly decodes 180p: {small} looks at 180p, {large} larger"
    );

    link.lift();
    wait_for_width(
        &commune,
        |w| w == 640,
        Duration::from_secs(90),
        "the limit lifted: 360p again",
    )
    .await;
    eventually(
        "the province still sees the commune",
        Duration::from_secs(20),
        async || {
            province
                .view
                .tile(0)
                .and_then(|t| t.latest())
                .and_then(|f| f.stamp)
                .is_some_and(|s| s.tag == stamp_tag_for(&commune.id))
        },
    )
    .await;
    commune.room.stop().await;
    province.room.stop().await;
    hub.stop().await;
    drop(link);
}
