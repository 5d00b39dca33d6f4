//! Zalo delivers an event again when it could not reach the hub (and a stale copy may
//! arrive late): the same message, delivered twice in a row and three times at once, is one
//! item with one line, and its resident gets one ticket message.

use std::time::Duration;

use crate::common;
use crate::contrib_common::count;
use crate::zalo_common::{self, IMAGE, TEXT, ZaloServer, deliver, in_ms};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_event_delivered_again_is_applied_once() {
    let dir = common::tempdir();
    let zalo = ZaloServer::start("access-0", "refresh-0").await;
    let hub = zalo_common::start_hub(&dir.path().join("hub"), &zalo).await;
    zalo_common::connect(&hub, "access-0", "refresh-0", in_ms(20 * 3600 * 1000));

    for _ in 0..2 {
        let (status, answer) = deliver(&hub, TEXT).await;
        assert_eq!(status, 200, "{answer}");
    }
    let at_once = (0..3).map(|_| deliver(&hub, IMAGE));
    for (status, answer) in futures_util::future::join_all(at_once).await {
        assert_eq!(status, 200, "{answer}");
    }
    assert_eq!(count(&hub, "SELECT count(*) FROM feedback"), 1);
    assert_eq!(count(&hub, "SELECT count(*) FROM zalo_messages"), 2);
    let text: String =
        rusqlite::Connection::open(phonghop::datadir::DataDir::new(&hub.config.data_dir).db_path())
            .expect("db")
            .query_row("SELECT text FROM feedback", [], |r| r.get(0))
            .expect("text");
    assert_eq!(
        text,
        "message\nmessage\n📷 https://photo-stal-1.zdn.vn/photo.jpg"
    );

    common::eventually("the ticket message", Duration::from_secs(20), async || {
        !zalo.messages().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(zalo.messages().len(), 1, "one ticket message");
    hub.stop().await;
}
