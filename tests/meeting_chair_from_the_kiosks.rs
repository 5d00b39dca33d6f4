//! With a real hub and rooms, chairing from the kiosks' side: a commune raises its hand,
//! the host room's roster shows it, the host gives it the floor and every room's roster
//! says so (and the commune's microphone opens); a commune giving itself the floor is
//! refused with a reason its kiosk can say; chat reaches everyone; staff take a room out of
//! the meeting and bring it back.

use crate::common;
use crate::meeting_common;

use std::time::Duration;

use common::{Lazy, eventually};
use meeting_common::*;
use phonghop::meeting::floor::{FloorAction, Mic, Refusal};
use phonghop::room::call_view::{CallPhase, CallRequest, CallSnapshot, CallView};
use phonghop::wire::ChairRefusal;

const WAIT: Duration = Duration::from_secs(15);

async fn until(view: &CallView, what: &str, check: impl Fn(&CallSnapshot) -> bool) {
    let seen = Lazy(|| format!("{what}; call: {:?}", view.snapshot()));
    eventually(seen, WAIT, async || check(&view.snapshot())).await;
}

fn present(s: &CallSnapshot, room: &str) -> bool {
    s.roster
        .as_ref()
        .and_then(|r| r.seats.iter().find(|seat| seat.room_id == room))
        .is_some_and(|seat| seat.present)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_raised_hand_reaches_the_host_and_the_floor_it_gives_reaches_every_roster() {
    let dir = common::tempdir();
    let hub = common::start_hub(&dir.path().join("hub")).await;
    let rooms = connected_rooms(&hub, dir.path(), &["lao-cai", "lao-chai", "sa-pa"]).await;
    let [host, b, c] = [0, 1, 2].map(|i| rooms[i].id.clone());
    let meeting = start_meeting(&hub, &host, &[&b, &c]).await;
    for r in &rooms {
        wait_phase(&r.view, CallPhase::Live, WAIT).await;
        until(&r.view, "everyone present in the roster", |s| {
            [&host, &b, &c].iter().all(|id| present(s, id))
        })
        .await;
    }
    let (host_view, b_view, c_view) = (&rooms[0].view, &rooms[1].view, &rooms[2].view);

    // A commune cannot give itself the floor: refused, with a reason, not done.
    c_view.request(CallRequest::Chair(FloorAction::GiveFloor {
        room: c.clone(),
    }));
    until(c_view, "the refusal", |s| {
        s.refused
            .as_ref()
            .is_some_and(|r| r.reason == ChairRefusal::Chair(Refusal::NotHost))
    })
    .await;
    assert_eq!(host_view.snapshot().roster.expect("roster").floor, None);

    b_view.request(CallRequest::Chair(FloorAction::RaiseHand));
    until(host_view, "B's hand on the host's roster", |s| {
        s.roster
            .as_ref()
            .is_some_and(|r| r.hands == vec![b.clone()])
    })
    .await;

    host_view.request(CallRequest::Chair(FloorAction::GiveFloor {
        room: b.clone(),
    }));
    for r in &rooms {
        until(
            &r.view,
            "B has the floor, hand lowered, microphone open",
            |s| {
                s.roster.as_ref().is_some_and(|roster| {
                    roster.floor.as_deref() == Some(b.as_str())
                        && roster.hands.is_empty()
                        && roster
                            .seats
                            .iter()
                            .any(|seat| seat.room_id == b && seat.floor && seat.mic == Mic::Open)
                })
            },
        )
        .await;
    }
    assert!(
        b_view.microphone_on(),
        "the room given the floor opens its own microphone too"
    );

    b_view.request(CallRequest::Chair(FloorAction::Chat {
        text: "Xã Lao Chải xin báo cáo".into(),
    }));
    for r in &rooms {
        until(&r.view, "the chat line", |s| {
            s.chat
                .iter()
                .any(|l| l.room == b && l.text == "Xã Lao Chải xin báo cáo")
        })
        .await;
    }

    // Staff take Sa Pa out from its kiosk: it leaves, the others see it gone, and it stays
    // out until staff bring it back.
    c_view.request(CallRequest::Leave);
    wait_phase(c_view, CallPhase::Idle, WAIT).await;
    assert_eq!(
        c_view.snapshot().left_meeting.as_deref(),
        Some(meeting.as_str())
    );
    until(host_view, "Sa Pa gone from the host's roster", |s| {
        !present(s, &c)
    })
    .await;
    c_view.request(CallRequest::Join);
    wait_phase(c_view, CallPhase::Live, WAIT).await;
    until(host_view, "Sa Pa back on the host's roster", |s| {
        present(s, &c)
    })
    .await;
    assert_eq!(c_view.snapshot().left_meeting, None);

    for r in rooms {
        r.room.stop().await;
    }
    hub.stop().await;
}
