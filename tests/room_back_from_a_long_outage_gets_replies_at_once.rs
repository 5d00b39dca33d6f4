//! A box that was cut off from the province for a long time comes back with more ticket
//! updates waiting than one download carries. It downloads page after page at once, so a
//! staff reply made after the catch-up reaches the box in seconds, not at the next 30 s
//! poll (the hub's hint asks for one download; the pages before the reply must not eat it).

use crate::common;

use std::time::Duration;

use common::*;

/// More than three pages of ticket updates (500 each, `TICKET_UPDATES_MAX`): the routine
/// download after the catch-up, the one after the link comes back and the one the reply's
/// hint asks for together do not reach the reply without paging on.
const OFFLINE_TICKETS: usize = 1_600;
const REPLY_REACHES_THE_BOX: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_after_a_long_outage_reaches_the_box_in_seconds() {
    assert!(OFFLINE_TICKETS as i64 > 3 * phonghop::store::TICKET_UPDATES_MAX);
    let dir = tempdir();
    let hub_dir = dir.path().join("hub");
    let hub = start_hub(&hub_dir).await;
    let port = hub.url.port().expect("port");
    let (config, _) = enrolled_room(&hub, "lao-chai", dir.path().join("room")).await;
    let (room, kiosk) = start_room_with_kiosk(config).await;
    hub.stop().await;

    let mut last_code = String::new();
    for n in 0..OFFLINE_TICKETS {
        last_code = submit_feedback(&kiosk, typed(&format!("Góp ý khi mất mạng số {n}")))
            .await
            .ticket_code;
    }

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("same port");
    let hub = start_hub_on(listener, hub_config(&hub_dir)).await;
    let store = phonghop::store::Store::open(&hub_dir.join("phonghop.db")).expect("hub db");
    eventually("the catch-up", Duration::from_secs(180), async || {
        store
            .feedback_list(&Default::default())
            .map_or(0, |rows| rows.len())
            >= OFFLINE_TICKETS
    })
    .await;
    // The routine downloads after the catch-up and the reconnection are over: no sync step
    // for 2 s (a fixed 4 s was too short on a loaded CI machine, where paging through the
    // 1,600 updates was still going when the reply was made).
    let mut last_step_ms = None;
    let mut quiet_since = std::time::Instant::now();
    eventually(
        "the room's sync to settle",
        Duration::from_secs(120),
        async || {
            let step_ms = lookup(&kiosk, &last_code)
                .await
                .and_then(|v| v.last_sync_ms);
            if step_ms != last_step_ms {
                last_step_ms = step_ms;
                quiet_since = std::time::Instant::now();
            }
            last_step_ms.is_some() && quiet_since.elapsed() >= Duration::from_secs(2)
        },
    )
    .await;

    // Staff answer from the hub's shell (`phonghop hub feedback reply`): the running hub
    // sees the change to its database and hints the room.
    let text = "Xã đã nhận, sẽ trả lời trong tuần.";
    phonghop::hub::tickets::update(
        &store,
        &last_code,
        Some("in_progress"),
        Some(text),
        "Nguyễn Văn An",
        phonghop::clock::now_ms(),
    )
    .expect("reply stored");
    let took = eventually("the reply at the box", REPLY_REACHES_THE_BOX, async || {
        lookup(&kiosk, &last_code)
            .await
            .is_some_and(|v| v.ticket.reply.as_deref() == Some(text))
    })
    .await;
    eprintln!("the reply reached the box {took:?} after staff sent it");
    room.stop().await;
    hub.stop().await;
}
