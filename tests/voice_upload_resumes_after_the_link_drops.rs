//! A 3-minute recording crosses a slow link that drops again and again (an in-test TCP
//! proxy between the room and the hub paces the room's bytes and cuts every connection
//! after so many of them): it arrives whole, and the room sends little more than the file
//! (bytes sent / file size ≤ 1.2), because each upload resumes where the hub's partial
//! ends. The hub refuses a wrong offset, an overlong body, another room's append and a
//! hash mismatch (which discards the partial), each with a clear 4xx.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;

/// Three minutes of Opus at 24 kb/s, as the kiosk's recorder leaves it.
const RECORDING_BYTES: usize = 180 * 24_000 / 8;

/// A link between the room and the hub: room → hub bytes paced at `rate_bytes_per_sec`,
/// every open connection dropped each time `cut_every_bytes` more have crossed it.
struct DroppingLink {
    url: url::Url,
    /// Bytes that crossed towards the hub (what the link carried).
    carried: Arc<AtomicU64>,
    cuts: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl DroppingLink {
    async fn start(
        hub: std::net::SocketAddr,
        rate_bytes_per_sec: u64,
        cut_every_bytes: u64,
    ) -> Self {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        // A small window, as a slow link has: the room cannot park a whole file in the
        // proxy's buffers, so what a cut loses is what was really in flight.
        socket.set_recv_buffer_size(16 * 1024).expect("rcvbuf");
        socket
            .bind("127.0.0.1:0".parse().expect("addr"))
            .expect("bind");
        let listener = socket.listen(64).expect("listen");
        let url = url::Url::parse(&format!("http://{}/", listener.local_addr().expect("addr")))
            .expect("url");
        let carried = Arc::new(AtomicU64::new(0));
        let cuts = Arc::new(AtomicU64::new(0));
        let (cut_tx, _) = tokio::sync::watch::channel(0u64);
        let cut_tx = Arc::new(cut_tx);
        // The link's one clock: when its next byte may leave.
        let pacer = Arc::new(tokio::sync::Mutex::new(Instant::now()));
        let since_cut = Arc::new(AtomicU64::new(0));
        let task = {
            let (carried, cuts) = (carried.clone(), cuts.clone());
            tokio::spawn(async move {
                loop {
                    let Ok((room_side, _)) = listener.accept().await else {
                        return;
                    };
                    let Ok(hub_side) = tokio::net::TcpStream::connect(hub).await else {
                        continue;
                    };
                    let mut cut_rx = cut_tx.subscribe();
                    let (cut_tx, pacer, since_cut) =
                        (cut_tx.clone(), pacer.clone(), since_cut.clone());
                    let (carried, cuts) = (carried.clone(), cuts.clone());
                    tokio::spawn(async move {
                        let (mut room_read, mut room_write) = room_side.into_split();
                        let (mut hub_read, mut hub_write) = hub_side.into_split();
                        let up = async {
                            let mut buf = vec![0u8; 2048];
                            loop {
                                let n = match room_read.read(&mut buf).await {
                                    Ok(0) | Err(_) => return,
                                    Ok(n) => n,
                                };
                                let leave_at = {
                                    let mut next = pacer.lock().await;
                                    let start = (*next).max(Instant::now());
                                    *next = start
                                        + Duration::from_secs_f64(
                                            n as f64 / rate_bytes_per_sec as f64,
                                        );
                                    *next
                                };
                                tokio::time::sleep_until(leave_at.into()).await;
                                if hub_write.write_all(&buf[..n]).await.is_err() {
                                    return;
                                }
                                carried.fetch_add(n as u64, Ordering::SeqCst);
                                if since_cut.fetch_add(n as u64, Ordering::SeqCst) + n as u64
                                    >= cut_every_bytes
                                {
                                    since_cut.store(0, Ordering::SeqCst);
                                    cuts.fetch_add(1, Ordering::SeqCst);
                                    cut_tx.send_modify(|g| *g += 1);
                                }
                            }
                        };
                        let down = async {
                            let _ = tokio::io::copy(&mut hub_read, &mut room_write).await;
                        };
                        // Whichever ends first ends the connection: a cut drops both sides.
                        tokio::select! {
                            _ = cut_rx.changed() => {}
                            () = up => {}
                            () = down => {}
                        }
                    });
                }
            })
        };
        Self {
            url,
            carried,
            cuts,
            task,
        }
    }
}

impl Drop for DroppingLink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn metric(text: &str, name: &str) -> f64 {
    phonghop::health::parse_metrics(text)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("{name} in the room's metrics"))
}

/// Submits a 3-minute recording at a room that reaches the hub only through `link`, and
/// returns (bytes the room sent / file size, bytes the link carried / file size, cuts).
async fn send_a_recording_over(
    rate_bytes_per_sec: u64,
    cut_every_bytes: u64,
    deadline: Duration,
) -> (f64, f64, u64) {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (mut config, _) = enrolled_room(&hub, "lao-chai", dir.path().join("room")).await;
    let link = DroppingLink::start(hub.addr, rate_bytes_per_sec, cut_every_bytes).await;
    config.hub_url = link.url.clone();
    let (room, kiosk) = start_room_with_kiosk(config).await;
    // Incompressible, like Opus.
    let bytes: Vec<u8> = {
        use rand::{RngCore, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(14);
        let mut b = vec![0u8; RECORDING_BYTES];
        rng.fill_bytes(&mut b);
        b
    };
    let sha256_hex = hex::encode(Sha256::digest(&bytes));
    // The room learns from the welcome (over the same dropping link) that the hub resumes.
    eventually("the room to meet the hub", Duration::from_secs(20), || {
        let status = room.status.clone();
        async move { status.borrow().connected() }
    })
    .await;
    let path = dir.path().join("recording.ogg");
    std::fs::write(&path, &bytes).expect("recording");
    let mut draft = typed("Đường vào thôn bị sạt lở");
    draft.voice = Some(phonghop::room::service::Voice {
        path,
        sha256_hex: sha256_hex.clone(),
    });
    submit_feedback(&kiosk, draft).await;
    let metrics_url = room.health_url.join("metrics").expect("url");
    eventually("the recording to reach the hub", deadline, || {
        let url = metrics_url.clone();
        async move {
            metric(
                &get_text(url).await,
                "phonghop_room_voice_delivered_bytes_total",
            ) > 0.0
        }
    })
    .await;
    let blob = phonghop::datadir::DataDir::new(&hub.config.data_dir).voice_path(&sha256_hex);
    let stored = std::fs::read(&blob).expect("the recording at the hub");
    assert_eq!(stored.len(), bytes.len(), "whole");
    assert!(stored == bytes, "intact");
    let text = get_text(metrics_url).await;
    let sent = metric(&text, "phonghop_room_voice_sent_bytes_total");
    let delivered = metric(&text, "phonghop_room_voice_delivered_bytes_total");
    assert_eq!(delivered as usize, bytes.len());
    let carried = link.carried.load(Ordering::SeqCst) as f64 / bytes.len() as f64;
    let cuts = link.cuts.load(Ordering::SeqCst);
    room.stop().await;
    hub.stop().await;
    (sent / delivered, carried, cuts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_cut_again_and_again_arrives_whole_for_little_more_than_its_size() {
    // 512 KB/s, cut every 192 KiB: the upload is cut at least twice and takes seconds.
    let (sent, carried, cuts) =
        send_a_recording_over(512 * 1024, 192 * 1024, Duration::from_secs(60)).await;
    println!("bytes sent / file size: room {sent:.3}, link {carried:.3}, {cuts} cuts");
    assert!(
        cuts >= 2,
        "the link dropped during the upload ({cuts} cuts)"
    );
    assert!(
        (1.0..=1.2).contains(&sent),
        "room sent {sent:.3} × the file"
    );
    assert!(carried <= 1.2, "the link carried {carried:.3} × the file");
}

/// The figure README quotes: 128 kb/s, the link dropping after every 30 s of sending.
/// About 40 s, so not in the default run:
/// `cargo test --locked --test behaviours voice_upload_resumes_after_the_link_drops:: -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "paced at 128 kb/s: about 40 s"]
async fn at_128_kbps_with_a_drop_every_30_s_the_recording_costs_under_1_2_times_its_size() {
    let rate = 128_000 / 8;
    let (sent, carried, cuts) =
        send_a_recording_over(rate, 30 * rate, Duration::from_secs(180)).await;
    println!(
        "3-minute recording ({RECORDING_BYTES} B) at 128 kb/s, cut every 30 s: \
         bytes sent / file size = {sent:.3} (room), {carried:.3} (link, all traffic), {cuts} cuts"
    );
    assert!(cuts >= 1, "the link dropped during the upload");
    assert!(
        (1.0..=1.2).contains(&sent),
        "room sent {sent:.3} × the file"
    );
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn credential(config: &phonghop::config::RoomConfig) -> String {
    phonghop::room::credential::load(&phonghop::datadir::DataDir::new(&config.data_dir))
        .expect("read")
        .expect("enrolled")
        .credential
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_appends_only_at_its_offset_only_for_the_same_room_and_only_whole_files_it_can_check()
 {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (a, _) = enrolled_room(&hub, "lao-chai", dir.path().join("a")).await;
    let (b, _) = enrolled_room(&hub, "sa-pa", dir.path().join("b")).await;
    let (a, b) = (credential(&a).await, credential(&b).await);
    let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 13 % 251) as u8).collect();
    let hash = sha(&bytes);
    let client = http();
    let upload_url = hub
        .url
        .join(&format!("api/v1/voice/{hash}/upload"))
        .expect("url");
    let state = async |who: &str| -> serde_json::Value {
        let r = client
            .get(upload_url.clone())
            .bearer_auth(who)
            .send()
            .await
            .expect("state");
        assert_eq!(r.status(), 200);
        r.json().await.expect("json")
    };
    let patch = async |who: &str, offset: usize, total: usize, body: &[u8]| {
        let mut url = upload_url.clone();
        url.query_pairs_mut()
            .append_pair("offset", &offset.to_string())
            .append_pair("total", &total.to_string());
        let r = client
            .patch(url)
            .bearer_auth(who)
            .body(body.to_vec())
            .send()
            .await
            .expect("patch");
        let status = r.status().as_u16();
        (status, r.json::<serde_json::Value>().await.expect("json"))
    };

    let (status, body) = patch(&a, 0, 1000, &bytes[..400]).await;
    assert_eq!(
        (status, &body["received_bytes"]),
        (200, &serde_json::json!(400))
    );
    assert_eq!(state(&a).await["received_bytes"], 400);

    // A gap or an overlap would corrupt the file: refused, and it says where to go on.
    for wrong in [100, 500] {
        let (status, body) = patch(&a, wrong, 1000, &bytes[wrong..wrong + 100]).await;
        assert_eq!(status, 409, "{body}");
        assert_eq!(body["error"], "wrong_offset");
        assert!(
            body["message"]
                .as_str()
                .expect("message")
                .contains("send from 400"),
            "{body}"
        );
    }
    assert_eq!(state(&a).await["received_bytes"], 400, "nothing written");

    // Another room has no share in this partial: its own is empty, and it cannot append.
    assert_eq!(state(&b).await["received_bytes"], 0);
    let (status, body) = patch(&b, 400, 1000, &bytes[400..]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("wrong_offset"))
    );
    assert_eq!(
        state(&a).await["received_bytes"],
        400,
        "room A's bytes untouched"
    );

    // A body running past its total is taken back whole; a total over the cap is refused.
    let (status, body) = patch(&a, 400, 1000, &[7u8; 700]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("too_large")),
        "{body}"
    );
    assert_eq!(state(&a).await["received_bytes"], 400);
    let (status, _) = patch(&a, 400, 3 * 1024 * 1024, &bytes[400..]).await;
    assert_eq!(status, 413);
    let (status, _) = patch(&a, 400, 1000, &[]).await;
    assert_eq!(status, 200, "an empty piece changes nothing");

    // The last byte arrives but the file is not the one named: the partial goes.
    let mut damaged = bytes[400..].to_vec();
    damaged[300] ^= 0xFF;
    let (status, body) = patch(&a, 400, 1000, &damaged).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("hash_mismatch")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("from offset 0")
    );
    let after = state(&a).await;
    assert_eq!(
        (&after["received_bytes"], &after["stored"]),
        (&serde_json::json!(0), &serde_json::json!(false))
    );
    let blob = phonghop::datadir::DataDir::new(&hub.config.data_dir).voice_path(&hash);
    assert!(!blob.exists(), "nothing damaged became the blob");

    // Sent again in two pieces, it is kept, and a later piece learns it is whole.
    assert_eq!(patch(&a, 0, 1000, &bytes[..600]).await.0, 200);
    let (status, body) = patch(&a, 600, 1000, &bytes[600..]).await;
    assert_eq!((status, &body["stored"]), (201, &serde_json::json!(true)));
    assert_eq!(std::fs::read(&blob).expect("blob"), bytes);
    let whole = state(&b).await;
    assert_eq!(
        (&whole["received_bytes"], &whole["stored"]),
        (&serde_json::json!(1000), &serde_json::json!(true))
    );
    let (status, body) = patch(&b, 0, 1000, &bytes).await;
    assert_eq!((status, &body["stored"]), (200, &serde_json::json!(true)));
    hub.stop().await;
}
