//! A real room against a hostile hub (a small HTTP server here, playing the other side as
//! an attacker would): the room uploads no file its own items do not name, reads no answer
//! past its size limit, and takes no oversized WebSocket message.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use phonghop::datadir::DataDir;
use phonghop::room::HubLink;
use phonghop::room::credential::Credential;

/// What the hostile hub saw the room do.
#[derive(Default)]
struct Seen {
    uploads: AtomicU32,
    downloads: AtomicU32,
    /// Every other request the room made (voice uploads above all), as method and path.
    others: std::sync::Mutex<Vec<String>>,
    /// The most bytes the room pulled from one answer.
    most_bytes_read: AtomicU64,
}

/// Starts `app` on a loopback port; returns its base URL.
async fn serve(app: Router) -> url::Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    url::Url::parse(&format!("http://{addr}/")).expect("url")
}

/// A room enrolled (as far as its data directory says) with the hub at `hub_url`.
fn room_for(dir: &std::path::Path, hub_url: &url::Url) -> phonghop::config::RoomConfig {
    let config = common::room_config("lao-chai", dir.join("room"), hub_url);
    phonghop::room::credential::save(
        &DataDir::new(&config.data_dir),
        &Credential {
            room_id: "room-1".into(),
            unit_id: "lao-chai".into(),
            unit_name: "Lao Chải".into(),
            room_name: "Lao Chải".into(),
            hub_url: hub_url.to_string(),
            enrolled_at_ms: 1,
            ticket_prefix: "LC-7K".into(),
            credential: "phr1_hostile".into(),
        },
    )
    .expect("credential");
    config
}

/// A body of `total` bytes made on demand, counting what the room pulled into `seen`.
fn endless_body(seen: Arc<Seen>, total: u64) -> Body {
    const CHUNK: usize = 64 * 1024;
    let pulled = Arc::new(AtomicU64::new(0));
    let stream = futures_util::stream::unfold(0u64, move |sent| {
        let seen = seen.clone();
        let pulled = pulled.clone();
        async move {
            if sent >= total {
                return None;
            }
            let now = pulled.fetch_add(CHUNK as u64, Ordering::SeqCst) + CHUNK as u64;
            seen.most_bytes_read.fetch_max(now, Ordering::SeqCst);
            let chunk = if sent == 0 {
                let mut c = b"{\"cursor\":0,\"tickets\":[\"".to_vec();
                c.resize(CHUNK, b'a');
                c
            } else {
                vec![b'a'; CHUNK]
            };
            Some((
                Ok::<_, std::io::Error>(axum::body::Bytes::from(chunk)),
                sent + CHUNK as u64,
            ))
        }
    });
    Body::from_stream(stream)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_asking_for_files_no_item_names_gets_none_of_them() {
    let dir = common::tempdir();
    // A file outside the room's data directory, and a recording inside it that no pending
    // item names: neither may leave the box.
    std::fs::write(dir.path().join("secret.ogg"), b"not for the hub").expect("secret");
    let leftover = "0123456789abcdef".repeat(4);
    let seen = Arc::new(Seen::default());
    let app =
        Router::new()
            .route(
                "/api/v1/sync/up",
                post(|State(seen): State<Arc<Seen>>| async move {
                    let n = seen.uploads.fetch_add(1, Ordering::SeqCst);
                    let leftover = "0123456789abcdef".repeat(4);
                    let answer = match n % 3 {
                        0 => serde_json::json!({"stored": [], "need_voice": ["../../secret"]}),
                        1 => serde_json::json!({"stored": [], "need_voice": [leftover]}),
                        _ => {
                            serde_json::json!({"stored": [uuid::Uuid::now_v7()], "need_voice": []})
                        }
                    };
                    axum::Json(answer)
                }),
            )
            // The room's WebSocket and downloads are not what this test is about.
            .route("/api/v1/ws", any(|| async { StatusCode::NOT_FOUND }))
            .route(
                "/api/v1/sync/down",
                get(|| async { StatusCode::SERVICE_UNAVAILABLE }),
            )
            .fallback(
                |State(seen): State<Arc<Seen>>,
                 method: axum::http::Method,
                 uri: axum::http::Uri| async move {
                    seen.others
                        .lock()
                        .expect("lock")
                        .push(format!("{method} {uri}"));
                    StatusCode::CREATED
                },
            )
            .with_state(seen.clone());
    let hub_url = serve(app).await;
    let config = room_for(dir.path(), &hub_url);
    let voice_dir = DataDir::new(&config.data_dir).voice_path(&leftover);
    std::fs::create_dir_all(voice_dir.parent().expect("voice dir")).expect("mkdir");
    std::fs::write(&voice_dir, b"an old recording").expect("leftover");

    let (room, kiosk) = common::start_room_with_kiosk(config).await;
    common::submit_feedback(&kiosk, common::typed("Đường hỏng")).await;
    let others = || seen.others.lock().expect("lock").clone();
    common::eventually(
        "the room to upload and meet every hostile answer",
        Duration::from_secs(20),
        async || seen.uploads.load(Ordering::SeqCst) >= 4 || !others().is_empty(),
    )
    .await;
    assert!(
        others().is_empty(),
        "the room did what a hostile answer asked: {:?}",
        others()
    );
    // Refused answers count as failures: the room backs off instead of hammering.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let uploads = seen.uploads.load(Ordering::SeqCst);
    assert!(
        uploads < 12,
        "{uploads} uploads: the room retried without backing off"
    );
    let pending = phonghop::health::parse_metrics(
        &common::get_text(room.health_url.join("metrics").expect("url")).await,
    )
    .into_iter()
    .find(|(series, _)| series == "phonghop_room_outbox_pending")
    .map(|(_, v)| v);
    assert_eq!(
        pending,
        Some(1.0),
        "the item stays until the hub really stores it"
    );
    room.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_answer_is_refused_without_being_read() {
    const HUGE: u64 = 400 * 1024 * 1024;
    let dir = common::tempdir();
    let seen = Arc::new(Seen::default());
    let app = Router::new()
        .route(
            "/api/v1/sync/down",
            get(|State(seen): State<Arc<Seen>>| async move {
                let n = seen.downloads.fetch_add(1, Ordering::SeqCst);
                // A page of 400 MB, then an error whose message is 400 MB.
                let status = if n % 2 == 0 {
                    StatusCode::OK
                } else {
                    StatusCode::INTERNAL_SERVER_ERROR
                };
                Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .body(endless_body(seen, HUGE))
                    .expect("response")
                    .into_response()
            }),
        )
        .with_state(seen.clone());
    let hub_url = serve(app).await;
    let room = common::start_room(room_for(dir.path(), &hub_url)).await;
    common::eventually(
        "the room to ask three times (each answer refused)",
        Duration::from_secs(30),
        async || seen.downloads.load(Ordering::SeqCst) >= 3,
    )
    .await;
    let most = seen.most_bytes_read.load(Ordering::SeqCst);
    let limit = phonghop::room::answer::DOWN_MAX_BYTES as u64;
    eprintln!("the most the room pulled of one 400 MB answer: {most} bytes");
    // What the room read plus what the sockets' buffers held when it hung up.
    assert!(
        most < limit + 16 * 1024 * 1024,
        "the room pulled {most} bytes of one answer (limit {limit})"
    );
    room.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_websocket_message_ends_the_session_unread() {
    let dir = common::tempdir();
    let app = Router::new().route(
        "/api/v1/ws",
        any(|ws: WebSocketUpgrade| async move {
            ws.on_upgrade(|mut socket| async move {
                let _hello = socket.recv().await;
                let welcome = serde_json::json!({"type": "welcome", "protocol": 1,
                    "room_id": "room-1", "unit_id": "lao-chai", "room_name": "Lao Chải"});
                let _ = socket.send(Message::Text(welcome.to_string().into())).await;
                // 2 MiB of presence: 20,000 made-up rooms.
                let rooms: Vec<serde_json::Value> = (0..20_000)
                    .map(|i| {
                        serde_json::json!({"room_id": format!("r{i}"), "unit_id": "x",
                            "name": "n".repeat(60), "connected": true, "since_ms": 1})
                    })
                    .collect();
                let presence = serde_json::json!({"type": "presence", "rooms": rooms});
                let _ = socket
                    .send(Message::Text(presence.to_string().into()))
                    .await;
                while socket.recv().await.is_some() {}
            })
        }),
    );
    let hub_url = serve(app).await;
    let mut room = common::start_room(room_for(dir.path(), &hub_url)).await;
    let status = common::wait_for(
        &mut room.status,
        "the room to drop the session over the oversized message",
        Duration::from_secs(15),
        |s| matches!(&s.link, HubLink::Retrying { last_error, .. } if last_error.contains("too long")),
    )
    .await;
    assert!(status.presence.len() < 20_000, "the message was applied");
    room.stop().await;
}
