//! A commune officer posts news at the hub for her commune: that commune's box has it
//! within seconds (the hub's hint wakes its download), picture and all, and another
//! commune's box never does; an item for every unit reaches both; an item outside its
//! window is kept but not shown; a withdrawal (here from the hub's shell, as `phonghop hub
//! news withdraw` does) takes it off the kiosk just as fast; with the link down the kiosk
//! still shows what the room last synced. Bad input is refused with what to fix, and an
//! officer cannot post for another commune.

use crate::common;

use std::time::Duration;

use common::*;
use phonghop::room::news::KioskNews;
use phonghop::room::service::{KioskClient, KioskRequest};

/// The hub hints the rooms over their WebSockets and they download at once: well under a
/// second on loopback; this leaves room for a loaded machine, and is far below the 30 s
/// poll that would bring it without the hint.
const NEWS_REACHES_THE_BOX: Duration = Duration::from_secs(5);

async fn shown(kiosk: &KioskClient) -> Vec<KioskNews> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    kiosk.send(KioskRequest::News { reply });
    answer.await.expect("room answered").expect("news read")
}

/// The titles the room's store holds for the kiosk's News tile.
pub async fn titles(kiosk: &KioskClient) -> Vec<String> {
    shown(kiosk)
        .await
        .into_iter()
        .map(|n| n.item.title)
        .collect()
}

fn png() -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbaImage::from_pixel(1200, 600, image::Rgba([0, 120, 60, 255]))
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encode");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn news_posted_at_the_hub_reaches_the_kiosk_of_its_commune_only() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (lao_chai_config, _) = enrolled_room(&hub, "lao-chai", dir.path().join("lc")).await;
    let (sa_pa_config, _) = enrolled_room(&hub, "sa-pa", dir.path().join("sp")).await;
    let (mut lao_chai, lc_kiosk) = start_room_with_kiosk(lao_chai_config).await;
    let (mut sa_pa, sp_kiosk) = start_room_with_kiosk(sa_pa_config).await;
    for room in [&mut lao_chai, &mut sa_pa] {
        wait_for(
            &mut room.status,
            "connected",
            Duration::from_secs(15),
            |s| s.connected(),
        )
        .await;
    }
    // Past the rooms' first download: from now on only the hint brings news in seconds.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(shown(&lc_kiosk).await.is_empty(), "no news yet");

    let (hoa, token) = staff_account(
        &hub,
        phonghop::store::StaffRole::CommuneStaff,
        Some("lao-chai"),
    );
    let client = staff_client(&token);
    let admin = admin_client(&hub);
    let api = |path: &str| hub.url.join(path).expect("url");
    let post_as = |client: &reqwest::Client, body: serde_json::Value| {
        let (client, url) = (client.clone(), api("api/v1/news"));
        async move { client.post(url).json(&body).send().await.expect("post") }
    };
    let post = |body: serde_json::Value| post_as(&client, body);
    let anonymous = post_as(&http(), serde_json::json!({"title": "t", "body": "b"})).await;
    assert_eq!(anonymous.status(), 401, "loopback grants nothing");

    // Bad input: 400, and the message says what to fix; another unit's news: 403.
    for (body, status, says) in [
        (
            serde_json::json!({"title": "x".repeat(121), "body": "b"}),
            400,
            "shorten it to at most 120",
        ),
        (
            serde_json::json!({"title": "t", "body": "b", "units": ["ha-noi"]}),
            400,
            "\"ha-noi\" is not one of this hub's units",
        ),
        (
            serde_json::json!({"title": "t"}),
            400,
            "missing field `body`",
        ),
        (
            serde_json::json!({"title": "t", "body": "b", "units": ["sa-pa"]}),
            403,
            "you post for lao-chai only; set units to [\"lao-chai\"]",
        ),
    ] {
        let response = post(body).await;
        assert_eq!(response.status(), status);
        let answer: serde_json::Value = response.json().await.expect("json");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{answer}");
    }

    let posted = std::time::Instant::now();
    let response = post(serde_json::json!({
        "title": "Lịch tiêm chủng tháng 12",
        "body": "Trạm y tế xã tiêm chủng cho trẻ dưới 5 tuổi vào sáng thứ Hai.",
        "units": ["lao-chai"],
    }))
    .await;
    assert_eq!(response.status(), 201);
    let item: serde_json::Value = response.json().await.expect("json");
    let id = item["id"].as_str().expect("id").to_owned();
    eventually(
        "the news at the Lao Chải box",
        NEWS_REACHES_THE_BOX,
        || {
            let kiosk = lc_kiosk.clone();
            async move { titles(&kiosk).await == ["Lịch tiêm chủng tháng 12"] }
        },
    )
    .await;
    assert!(
        posted.elapsed() < NEWS_REACHES_THE_BOX,
        "took {:?}",
        posted.elapsed()
    );

    // A picture added afterwards is an edit: it follows, checked and shrunk for the screen.
    let picture = client
        .put(api(&format!("api/v1/news/{id}/image")))
        .body(png())
        .send()
        .await
        .expect("put");
    assert_eq!(
        picture.status(),
        200,
        "{}",
        picture.text().await.unwrap_or_default()
    );
    let gif = client
        .put(api(&format!("api/v1/news/{id}/image")))
        .body(&b"GIF89a\x01\x00\x01\x00"[..])
        .send()
        .await
        .expect("put");
    assert_eq!(gif.status(), 400);
    assert!(
        gif.text()
            .await
            .expect("body")
            .contains("neither a JPEG nor a PNG")
    );
    eventually("the picture at the box", NEWS_REACHES_THE_BOX, || {
        let kiosk = lc_kiosk.clone();
        async move {
            shown(&kiosk).await.first().is_some_and(|n| {
                n.picture
                    .as_ref()
                    .is_some_and(|p| (p.width, p.height) == (960, 480))
            })
        }
    })
    .await;

    // Outside its window: one that starts tomorrow, one that ends in four seconds. Then one
    // for every unit; when Sa Pa shows it, Sa Pa has downloaded everything posted before.
    let now = phonghop::clock::now_ms();
    for body in [
        serde_json::json!({"title": "Ngày mai", "body": "b", "units": ["lao-chai"],
                           "shown_from_ms": now + 86_400_000}),
        serde_json::json!({"title": "Sắp hết hạn", "body": "b", "units": ["lao-chai"],
                           "shown_until_ms": now + 4_000}),
    ] {
        assert_eq!(post(body).await.status(), 201);
    }
    let for_all = serde_json::json!({"title": "Cho mọi xã", "body": "b"});
    assert_eq!(
        post(for_all.clone()).await.status(),
        403,
        "only the province posts for all"
    );
    assert_eq!(post_as(&admin, for_all).await.status(), 201);
    eventually("the all-units news at Sa Pa", NEWS_REACHES_THE_BOX, || {
        let kiosk = sp_kiosk.clone();
        async move { titles(&kiosk).await.contains(&"Cho mọi xã".to_owned()) }
    })
    .await;
    assert_eq!(
        titles(&sp_kiosk).await,
        ["Cho mọi xã"],
        "Lao Chải's news never shows at Sa Pa"
    );
    eventually(
        "Lao Chải's three items shown",
        NEWS_REACHES_THE_BOX,
        || {
            let kiosk = lc_kiosk.clone();
            async move { titles(&kiosk).await.len() == 3 }
        },
    )
    .await;
    let mut at_lao_chai = titles(&lc_kiosk).await;
    at_lao_chai.sort();
    assert_eq!(
        at_lao_chai,
        ["Cho mọi xã", "Lịch tiêm chủng tháng 12", "Sắp hết hạn"],
        "tomorrow's item is not shown yet"
    );
    tokio::time::sleep(Duration::from_millis(
        (now + 4_100 - phonghop::clock::now_ms()).max(0) as u64,
    ))
    .await;
    assert!(
        !titles(&lc_kiosk).await.contains(&"Sắp hết hạn".to_owned()),
        "an item past its end is not shown"
    );

    // Withdrawn from the hub's shell on the same database: the running hub notices the
    // commit and hints the rooms.
    let mut out = Vec::new();
    phonghop::cli::news::run(
        &hub.config,
        phonghop::cli::news::NewsCommand::Withdraw {
            id: id.clone(),
            by: Some("Lò Thị Hoa".into()),
        },
        &mut out,
    )
    .expect("withdrawn");
    let withdrawn = std::time::Instant::now();
    eventually("the withdrawal at the box", NEWS_REACHES_THE_BOX, || {
        let kiosk = lc_kiosk.clone();
        async move { titles(&kiosk).await == ["Cho mọi xã"] }
    })
    .await;
    assert!(withdrawn.elapsed() < NEWS_REACHES_THE_BOX);
    let listed: Vec<serde_json::Value> = admin
        .get(api("api/v1/news?withdrawn=true&unit=lao-chai"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let row = listed
        .iter()
        .find(|r| r["id"] == id.as_str())
        .expect("listed");
    assert_eq!(row["withdrawn_by"], "Lò Thị Hoa");
    assert_eq!(row["created_by"], hoa.as_str(), "the signed-in login");

    // The link goes down: the kiosk shows what the room last synced.
    hub.stop().await;
    wait_for(
        &mut lao_chai.status,
        "the link down",
        Duration::from_secs(15),
        |s| !s.connected(),
    )
    .await;
    assert_eq!(
        titles(&lc_kiosk).await,
        ["Cho mọi xã"],
        "offline, still shown"
    );
    lao_chai.stop().await;
    sa_pa.stop().await;
}
