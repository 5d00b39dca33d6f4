//! The hub is down while a commune box takes 500 submissions (10 with voice) and restarts;
//! when the hub is back every item arrives exactly once, in the order of submission, and
//! every voice file matches its checksum.

use crate::common;

use std::time::Duration;

use common::*;
use sha2::{Digest, Sha256};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_room_catches_up_exactly_once_and_in_order() {
    let dir = tempdir();
    let hub_dir = dir.path().join("hub");
    let hub = start_hub(&hub_dir).await;
    let port = hub.url.port().expect("port");
    let (config, room_id) = enrolled_room(&hub, "muong-hum", dir.path().join("room")).await;
    hub.stop().await; // the province link goes down

    let (mut room, mut kiosk) = start_room_with_kiosk(config.clone()).await;
    let mut codes = Vec::new();
    let mut voices = Vec::new();
    for n in 0..500 {
        let mut draft = typed(&format!("Góp ý số {n}"));
        if n % 50 == 7 {
            // A recording as the kiosk leaves it: any bytes; the hub checks the hash.
            let path = dir.path().join(format!("rec-{n}.ogg"));
            let bytes: Vec<u8> = (0..20_000u32).map(|i| (i * 7 + n) as u8).collect();
            std::fs::write(&path, &bytes).expect("recording");
            let sha256_hex = hex::encode(Sha256::digest(&bytes));
            voices.push(sha256_hex.clone());
            draft.voice = Some(phonghop::room::service::Voice { path, sha256_hex });
        }
        if n == 250 {
            // The box restarts half way: what it stored so far is kept.
            room.stop().await;
            (room, kiosk) = start_room_with_kiosk(config.clone()).await;
        }
        codes.push(submit_feedback(&kiosk, draft).await.ticket_code);
    }
    room.stop().await;
    let (room, _kiosk) = start_room_with_kiosk(config).await;

    // The province comes back on the same address.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("same port");
    let hub = start_hub_on(listener, hub_config(&hub_dir)).await;
    let store = phonghop::store::Store::open(&hub_dir.join("phonghop.db")).expect("open hub db");
    eventually("all 500 at the hub", Duration::from_secs(120), || {
        let store = store.clone();
        async move {
            store
                .feedback_list(&Default::default())
                .map(|l| l.len())
                .unwrap_or(0)
                >= 500
        }
    })
    .await;
    // Give retries a chance to double anything before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let rows = store.feedback_list(&Default::default()).expect("list");
    assert_eq!(rows.len(), 500, "exactly once");
    let mut by_seq = rows.clone();
    by_seq.sort_by_key(|r| r.room_seq);
    let received_codes: Vec<&str> = by_seq.iter().map(|r| r.ticket_code.as_str()).collect();
    let sent_codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    assert_eq!(
        received_codes, sent_codes,
        "the order of submission is kept"
    );
    for (n, row) in by_seq.iter().enumerate() {
        assert_eq!(row.text, format!("Góp ý số {n}"));
        assert_eq!(row.room_id.as_deref(), Some(room_id.as_str()));
    }
    let mut stored_voices: Vec<String> =
        rows.iter().filter_map(|r| r.voice_sha256.clone()).collect();
    stored_voices.sort();
    let mut expected = voices.clone();
    expected.sort();
    assert_eq!(stored_voices, expected, "10 voices, each once");
    for sha in &voices {
        let bytes = std::fs::read(hub_dir.join("voice").join(format!("{sha}.ogg")))
            .expect("voice file at the hub");
        assert_eq!(
            &hex::encode(Sha256::digest(&bytes)),
            sha,
            "checksum matches"
        );
    }
    // Delivered recordings leave the box: the province has them, checked.
    let room_voice = dir.path().join("room/voice");
    eventually(
        "the box to drop delivered recordings",
        Duration::from_secs(10),
        || {
            let room_voice = room_voice.clone();
            async move {
                std::fs::read_dir(&room_voice)
                    .map(|d| d.count() == 0)
                    .unwrap_or(true)
            }
        },
    )
    .await;
    room.stop().await;
    hub.stop().await;
}
