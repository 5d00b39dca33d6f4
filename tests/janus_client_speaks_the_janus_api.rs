//! The hub's Janus client against Debian's real Janus, over both its transports
//! (WebSockets and HTTP): a session, the VideoRoom handle, `create`, `exists`, `list`,
//! `listparticipants` and `destroy`; Janus's refusals come back as typed errors with its
//! codes and words an installer can act on; many requests at once on one WebSocket each get
//! their own reply; nothing listening is "cannot reach Janus".

use phonghop::config::Secret;
use phonghop::janus::{ApiErrorKind, JanusClient, JanusError, RoomSpec, VideoRoomErrorKind};

use crate::common::tempdir;
use crate::janus_common::{ADMIN_KEY, JanusPorts, TestJanus};

fn tls() -> std::sync::Arc<rustls::ClientConfig> {
    phonghop::hub::tls::client_config(None).expect("tls")
}

async fn rooms_round_trip(janus: &TestJanus, url: url::Url, room: u64) {
    let client = JanusClient::connect(&janus.ports.config(url.clone()), tls())
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}\n{}", janus.log()));
    assert!(client.is_alive());
    let secret = Secret::new("room-secret-0123456789");
    let spec = RoomSpec {
        room,
        description: format!("test room {room}"),
        secret: secret.clone(),
        publishers: 7,
    };
    assert!(!client.room_exists(room).await.expect("exists"));
    client.create_room(&spec).await.expect("create");
    assert!(client.room_exists(room).await.expect("exists"));
    // Janus's own view, asked without the hub's client.
    let listed = janus.listed_room(room).await.expect("listed");
    assert_eq!(listed["max_publishers"], 7, "{listed}");
    assert_eq!(listed["videocodec"], "vp8", "{listed}");
    assert_eq!(listed["audiocodec"], "opus", "{listed}");
    assert_eq!(listed["is_private"], true, "{listed}");
    let rooms = client.list_rooms().await.expect("list");
    let ours = rooms.iter().find(|r| r.room == room).expect("in the list");
    assert_eq!(
        (
            ours.max_publishers,
            ours.videocodec.as_str(),
            ours.description.as_str()
        ),
        (7, "vp8", format!("test room {room}").as_str())
    );
    assert_eq!(
        client.list_participants(room).await.expect("participants"),
        vec![]
    );

    let again = client.create_room(&spec).await.expect_err("exists already");
    assert!(
        matches!(
            &again,
            JanusError::VideoRoom {
                code: 427,
                kind: VideoRoomErrorKind::RoomExists,
                ..
            }
        ),
        "{again:?}"
    );
    let wrong = client
        .destroy_room(room, &Secret::new("not-the-room-secret"))
        .await
        .expect_err("wrong secret");
    assert!(
        matches!(
            &wrong,
            JanusError::VideoRoom {
                code: 433,
                kind: VideoRoomErrorKind::Unauthorized,
                ..
            }
        ),
        "{wrong:?}"
    );
    assert!(
        janus.room_exists(room).await,
        "a wrong secret destroys nothing"
    );
    client.destroy_room(room, &secret).await.expect("destroy");
    assert!(!janus.room_exists(room).await);
    let gone = client.destroy_room(room, &secret).await.expect_err("gone");
    assert!(
        matches!(
            &gone,
            JanusError::VideoRoom {
                code: 426,
                kind: VideoRoomErrorKind::NoSuchRoom,
                ..
            }
        ),
        "{gone:?}"
    );
    let missing = client.list_participants(room).await.expect_err("no room");
    assert!(missing.to_string().contains("no such room"), "{missing}");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_manages_rooms_over_websockets_and_http() {
    let dir = tempdir();
    let janus = TestJanus::start(dir.path(), JanusPorts::free()).await;
    rooms_round_trip(&janus, janus.ports.ws_url(), 4_242_001).await;
    rooms_round_trip(&janus, janus.ports.http_url(), 4_242_002).await;

    // Many requests at once on one WebSocket: each reply reaches its own request.
    let client = JanusClient::connect(&janus.ports.config(janus.ports.ws_url()), tls())
        .await
        .expect("connect");
    let secret = Secret::new("room-secret-0123456789");
    for room in [4_242_010, 4_242_012, 4_242_014] {
        client
            .create_room(&RoomSpec {
                room,
                description: String::new(),
                secret: secret.clone(),
                publishers: 3,
            })
            .await
            .expect("create");
    }
    let asked: Vec<u64> = (4_242_010..4_242_016).collect();
    let answers =
        futures_util::future::join_all(asked.iter().map(|room| client.room_exists(*room))).await;
    let answers: Vec<bool> = answers.into_iter().map(|a| a.expect("exists")).collect();
    assert_eq!(answers, vec![true, false, true, false, true, false]);
    for room in [4_242_010, 4_242_012, 4_242_014] {
        client.destroy_room(room, &secret).await.expect("destroy");
    }
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_and_absence_are_typed_errors_an_installer_can_act_on() {
    let dir = tempdir();
    let janus = TestJanus::start(dir.path(), JanusPorts::free()).await;

    // A wrong API secret: Janus's 403, named after the setting to fix.
    let mut config = janus.ports.config(janus.ports.ws_url());
    config.api_secret = Some(Secret::new("not-the-api-secret-0123"));
    let err = JanusClient::connect(&config, tls()).await.expect_err("403");
    assert!(
        matches!(
            &err,
            JanusError::Api {
                code: 403,
                kind: ApiErrorKind::Unauthorized,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("janus_api_secret"), "{err}");

    // A wrong admin key: the VideoRoom refuses to create (and says which key).
    let mut config = janus.ports.config(janus.ports.http_url());
    config.admin_secret = Secret::new("not-the-admin-key-0123");
    let client = JanusClient::connect(&config, tls()).await.expect("connect");
    let err = client
        .create_room(&RoomSpec {
            room: 4_242_100,
            description: String::new(),
            secret: Secret::new("room-secret-0123456789"),
            publishers: 2,
        })
        .await
        .expect_err("wrong admin key");
    assert!(
        matches!(&err, JanusError::VideoRoom { code: 433, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("janus_admin_secret"), "{err}");
    assert!(!janus.room_exists(4_242_100).await);
    assert_ne!(ADMIN_KEY, config.admin_secret.expose());
    client.close().await;

    // Nobody listening: "cannot reach Janus", which the hub retries.
    let nowhere = JanusPorts::free();
    for url in [nowhere.ws_url(), nowhere.http_url()] {
        let result = async {
            let client = JanusClient::connect(&nowhere.config(url.clone()), tls()).await?;
            client.room_exists(1).await
        }
        .await;
        let err = result.expect_err("nothing there");
        assert!(err.is_transient(), "{url}: {err:?}");
        assert!(
            err.to_string().contains("cannot reach Janus"),
            "{url}: {err}"
        );
    }
}
