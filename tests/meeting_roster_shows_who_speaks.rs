//! With real rooms and media (test tones for microphones): each room reports from its own
//! microphone level whether it speaks, and every other room's roster shows it; a room whose
//! microphone is closed (by the chair's rule or by its own button) is not shown speaking.

use std::time::Duration;

use phonghop::meeting::floor::FloorAction;
use phonghop::room::call_view::{CallRequest, CallView};

use crate::common;
use crate::meeting_common::*;

/// Whether `view`'s roster shows `room` speaking (`None` before a roster came).
fn shown_speaking(view: &CallView, room: &str) -> Option<bool> {
    let roster = view.snapshot().roster?;
    roster
        .seats
        .iter()
        .find(|s| s.room_id == room)
        .map(|s| s.speaking)
}

async fn until_shown(view: &CallView, room: &str, speaking: bool, what: &str) {
    common::eventually(
        common::Lazy(|| format!("{what}; roster: {:?}", view.snapshot().roster)),
        Duration::from_secs(20),
        async || shown_speaking(view, room) == Some(speaking),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_roster_shows_who_speaks_and_never_a_closed_microphone() {
    let dir = common::tempdir();
    let hub = common::start_hub(&dir.path().join("hub")).await;
    let (province, commune) = province_and_commune(&hub, dir.path()).await;
    let (p, c) = (province.id.clone(), commune.id.clone());
    start_meeting(&hub, &p, &[&c]).await;

    // The host's tone: the commune's roster shows the province speaking.
    until_shown(&commune.view, &p, true, "the commune sees the host speak").await;

    // The commune's tone plays too, but it entered with its microphone closed by the
    // meeting's rule: it says it speaks, and nobody is shown it.
    common::eventually(
        "the commune's own detector hears its tone",
        Duration::from_secs(20),
        async || commune.view.snapshot().speaking,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(shown_speaking(&province.view, &c), Some(false));

    // It opens its microphone: the host's roster shows it speaking.
    commune
        .view
        .request(CallRequest::Chair(FloorAction::UnmuteSelf));
    until_shown(&province.view, &c, true, "the host sees the commune speak").await;

    // The host closes its microphone on the kiosk: it stops being shown speaking at once.
    province.view.set_microphone(false);
    until_shown(
        &commune.view,
        &p,
        false,
        "the muted host is not shown speaking",
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        shown_speaking(&commune.view, &p),
        Some(false),
        "a closed microphone reports nothing more"
    );
    // And open again, it speaks again.
    province.view.set_microphone(true);
    until_shown(&commune.view, &p, true, "the host speaks again").await;

    province.room.stop().await;
    commune.room.stop().await;
    hub.stop().await;
}
