//! A sync batch holding an item the hub can never store (a ticket code another item already
//! has, as a room restored from an old backup makes; a malformed code; an over-long field)
//! is answered item by item: the bad ones rejected with a reason and counted as done, so the
//! room moves past them, and the good ones stored, instead of a 500 the room retries for ever.

use crate::common::*;
use phonghop::wire::{FeedbackRecord, Record, UploadAck, UploadBatch, UploadItem};

fn feedback(code: &str, category: &str, text: &str) -> UploadItem {
    UploadItem {
        id: uuid::Uuid::now_v7(),
        seq: 1,
        record: Record::Feedback(FeedbackRecord {
            ticket_code: code.into(),
            category: category.into(),
            text: text.into(),
            voice_sha256: None,
            name: None,
            phone: None,
            village: None,
            language: "vi".into(),
            submitted_at_ms: phonghop::clock::now_ms(),
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_items_are_rejected_alone_and_the_rest_is_stored() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (config, _) = enrolled_room(&hub, "lao-chai", dir.path().join("room")).await;
    let credential = crate::common::room_credential(&config);
    let store = phonghop::app::open_store(&hub.config.data_dir).expect("hub store");
    let prefix = store
        .rooms()
        .expect("rooms")
        .into_iter()
        .find_map(|r| r.ticket_prefix.filter(|_| r.unit_id == "lao-chai"))
        .expect("the room's ticket prefix");
    let code = |tail: &str| format!("{prefix}{tail}");

    let first = feedback(&code("AAA"), "roads", "Đường hỏng");
    let same_code = feedback(&code("AAA"), "roads", "Một góp ý khác, cùng mã");
    let bad_code = feedback("not-a-code", "roads", "x");
    let huge_category = feedback(&code("CCC"), &"c".repeat(100_000), "x");
    let good = feedback(&code("DDD"), "welfare", "Cảm ơn");
    let batch = UploadBatch {
        items: vec![
            first.clone(),
            same_code.clone(),
            bad_code.clone(),
            huge_category.clone(),
            good.clone(),
        ],
    };
    let post = || {
        http()
            .post(hub.url.join("api/v1/sync/up").expect("url"))
            .bearer_auth(&credential.credential)
            .json(&batch)
            .send()
    };
    let response = post().await.expect("answered");
    assert_eq!(response.status(), 200, "answered item by item, never a 500");
    let ack: UploadAck = response.json().await.expect("ack");
    let all: Vec<_> = batch.items.iter().map(|i| i.id).collect();
    assert_eq!(
        ack.stored, all,
        "every item is done: the room moves past all five"
    );
    let rejected: Vec<_> = ack.rejected.iter().map(|r| r.id).collect();
    assert_eq!(rejected, vec![same_code.id, bad_code.id, huge_category.id]);
    assert!(
        ack.rejected[0].reason.contains("already belongs"),
        "{:?}",
        ack.rejected[0]
    );
    assert!(
        ack.rejected[1].reason.contains("not a ticket code"),
        "{:?}",
        ack.rejected[1]
    );
    assert!(
        ack.rejected[2].reason.contains("category is 100000"),
        "{:?}",
        ack.rejected[2]
    );

    // The good items are stored once; the refused ones are not.
    let stored = |id: uuid::Uuid| {
        store
            .feedback_list(&phonghop::store::FeedbackFilter::default())
            .expect("list")
            .into_iter()
            .filter(|row| row.id == id.to_string())
            .count()
    };
    assert_eq!(stored(first.id), 1);
    assert_eq!(stored(good.id), 1);
    assert_eq!(stored(same_code.id), 0);
    assert_eq!(stored(huge_category.id), 0);

    // Sending the same batch again (a lost answer) changes nothing and answers the same.
    let again: UploadAck = post().await.expect("answered").json().await.expect("ack");
    assert_eq!(again.stored, all);
    assert_eq!(again.rejected.len(), 3);
    // Staff's monitoring counts them (and the hub's log names room, item and reason).
    let metrics = get_text(hub.url.join("metrics").expect("url")).await;
    assert!(
        metrics.contains("phonghop_hub_sync_items_rejected_total 6"),
        "{metrics}"
    );
    hub.stop().await;
}

/// A room restored from an old backup makes a ticket code the hub already has under
/// another item: the room records the rejection, moves past it, and what follows arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_moves_past_a_ticket_code_the_hub_already_has() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (config, room_id) = enrolled_room(&hub, "lao-chai", dir.path().join("room")).await;
    let hub_store = phonghop::app::open_store(&hub.config.data_dir).expect("hub store");
    let prefix = hub_store
        .room(&room_id)
        .expect("room")
        .and_then(|r| r.ticket_prefix)
        .expect("the room's ticket prefix");
    // The hub has code AAA from before the backup was restored.
    let earlier = feedback(&format!("{prefix}AAA"), "roads", "Trước khi khôi phục");
    hub_store
        .store_upload(
            &room_id,
            std::slice::from_ref(&earlier),
            phonghop::clock::now_ms(),
        )
        .expect("earlier upload");
    // The restored room makes AAA again for a new submission, then one more.
    let room_store = phonghop::app::open_store(&config.data_dir).expect("room store");
    let again = feedback(&format!("{prefix}AAA"), "roads", "Sau khi khôi phục");
    let next = feedback(&format!("{prefix}BBB"), "welfare", "Góp ý tiếp theo");
    for item in [&again, &next] {
        assert!(
            room_store
                .submit(item.id, &item.record, phonghop::clock::now_ms())
                .expect("submit")
        );
    }
    drop(room_store);
    let room = start_room(config.clone()).await;
    let room_store = phonghop::app::open_store(&config.data_dir).expect("room store");
    eventually(
        "the room's outbox empties and the next item reaches the hub",
        std::time::Duration::from_secs(20),
        async || {
            let pending = room_store.outbox_pending_len().expect("outbox");
            let arrived = hub_store
                .feedback_list(&phonghop::store::FeedbackFilter::default())
                .expect("list")
                .iter()
                .any(|row| row.id == next.id.to_string());
            pending == 0 && arrived
        },
    )
    .await;
    let rows = hub_store
        .feedback_list(&phonghop::store::FeedbackFilter::default())
        .expect("list");
    assert!(
        rows.iter().all(|row| row.id != again.id.to_string()),
        "the clashing item is not stored"
    );
    room.stop().await;
    hub.stop().await;
}
