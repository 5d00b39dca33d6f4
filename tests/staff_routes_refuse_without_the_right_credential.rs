//! Every staff route of the hub's route table (so a new route is covered the day it is
//! added) refuses a caller without the right credential — none, a wrong token, a room's
//! credential, a disabled account's token, a revoked token — and gives no data in the
//! refusal; province routes refuse commune staff; a commune officer cannot read, answer
//! or hear another commune's feedback, nor see it in a list. The tests run over loopback,
//! which grants nothing.

use crate::common;

use common::*;
use phonghop::hub::routes::{Access, ROUTES, Route};
use phonghop::store::StaffRole;

/// What the seeded hub holds that no refusal may show.
const LAO_CHAI_TEXT: &str = "Cầu treo ở thôn Sín Chải bị gãy";
const BAN_HO_TEXT: &str = "Nước sinh hoạt ở Bản Hồ bị đục";
const CAMPAIGN_TITLE: &str = "Ủng hộ đồng bào bị lũ";
const BAN_HO_NEWS: &str = "Lịch cắt nước ở Bản Hồ";

struct Seeded {
    /// A ticket of a Lao Chải room and one of a Bản Hồ room.
    lao_chai_code: String,
    ban_ho_code: String,
    campaign: String,
    /// A pledge's reference code and a (cash) transfer's id of that campaign.
    reference: String,
    transfer: String,
    meeting: String,
    /// A meeting scheduled for next year (the `/schedule/{id}` routes).
    scheduled: String,
    /// A news item (with a picture) for Lao Chải and one for Bản Hồ.
    lao_chai_news: String,
    ban_ho_news: String,
    participant: String,
    admin: String,
    /// A Lao Chải commune officer.
    officer: String,
    disabled: String,
    revoked: String,
    room_credential: String,
}

/// A path of the table with each `{param}` filled with a real id of the seeded hub: a Lao
/// Chải item's, or a Bản Hồ one's for `other_commune`.
fn concrete(route: &Route, seeded: &Seeded, other_commune: bool) -> String {
    let (code, news) = if other_commune {
        (&seeded.ban_ho_code, &seeded.ban_ho_news)
    } else {
        (&seeded.lao_chai_code, &seeded.lao_chai_news)
    };
    let mut out = String::new();
    let mut rest = route.path;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').expect("closed {param}") + open;
        out.push_str(&rest[..open]);
        out.push_str(match &rest[open + 1..close] {
            "code" => code,
            "campaign" => &seeded.campaign,
            "id" if route.path.contains("/news/") => news,
            "id" if route.path.contains("/schedule/") || route.path.contains("/report") => {
                &seeded.scheduled
            }
            "reference" => &seeded.reference,
            "transfer" => &seeded.transfer,
            "id" => &seeded.meeting,
            "participant" => &seeded.participant,
            "table" => "categories.csv",
            "unit" if other_commune => "ban-ho",
            "unit" => "lao-chai",
            other => panic!(
                "no seeded value for {{{other}}} in {}: add one here",
                route.path
            ),
        });
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A body each route would accept from someone allowed.
fn body_for(route: &Route) -> serde_json::Value {
    match route.path {
        "/api/v1/feedback/{code}" => serde_json::json!({ "status": "acknowledged" }),
        "/api/v1/campaigns" => serde_json::json!({ "slug": "x" }),
        "/api/v1/meetings" => serde_json::json!({ "host": "x", "rooms": [] }),
        "/api/v1/meetings/{id}/links" => serde_json::json!({ "name": "x" }),
        "/api/v1/news" | "/api/v1/news/{id}" => {
            serde_json::json!({ "title": "t", "body": "b", "units": ["lao-chai"] })
        }
        _ => serde_json::json!({}),
    }
}

fn staff_routes() -> Vec<&'static Route> {
    let routes: Vec<_> = ROUTES
        .iter()
        .filter(|r| {
            matches!(
                r.access,
                Access::Staff | Access::Province | Access::StaffPage
            )
        })
        .collect();
    assert!(routes.len() >= 18, "the route table lost its staff routes");
    routes
}

async fn seed(hub: &TestHub, dir: &std::path::Path) -> Seeded {
    let (lao_chai_room, lao_chai_id) = enrolled_room(hub, "lao-chai", dir.join("r1")).await;
    let (_, ban_ho_id) = enrolled_room(hub, "ban-ho", dir.join("r2")).await;
    let room_credential = crate::common::room_credential(&lao_chai_room).credential;
    let lao_chai_code = seed_feedback(hub, &lao_chai_id, LAO_CHAI_TEXT);
    let ban_ho_code = seed_feedback(hub, &ban_ho_id, BAN_HO_TEXT);
    let admin = staff_token(hub, StaffRole::ProvinceAdmin, None);
    let officer = staff_token(hub, StaffRole::CommuneStaff, Some("lao-chai"));
    let (disabled_login, disabled) = staff_account(hub, StaffRole::ProvinceAdmin, None);
    phonghop::hub::accounts::disable_user(&hub.config, &disabled_login).expect("disable");
    let (revoked_login, revoked) = staff_account(hub, StaffRole::ProvinceAdmin, None);
    let revoked_id = phonghop::hub::accounts::list_users(&hub.config)
        .expect("list")
        .into_iter()
        .find(|(a, _)| a.login == revoked_login)
        .and_then(|(_, tokens)| tokens.first().map(|t| t.id))
        .expect("the token's id");
    phonghop::hub::accounts::revoke_token(&hub.config, &revoked_login, revoked_id).expect("revoke");

    let client = staff_client(&admin);
    let campaign = client
        .post(hub.url.join("api/v1/campaigns").expect("url"))
        .json(&serde_json::json!({
            "slug": "lu-2026",
            "title": CAMPAIGN_TITLE,
            "bank": "BIDV",
            "account": "21510001234567",
            "account_name": "UY BAN MTTQ TINH LAO CAI",
            "goal_vnd": 50_000_000,
            "ends_on": "2099-12-31",
        }))
        .send()
        .await
        .expect("campaign");
    assert_eq!(
        campaign.status(),
        201,
        "{}",
        campaign.text().await.unwrap_or_default()
    );
    let news = |units: &[&str], title: &str| {
        let (client, url) = (client.clone(), hub.url.join("api/v1/news").expect("url"));
        let body = serde_json::json!({ "title": title, "body": "b", "units": units });
        async move {
            let row: serde_json::Value =
                crate::common::send_json(client.post(url).json(&body), "news").await;
            row["id"].as_str().expect("news id").to_owned()
        }
    };
    let lao_chai_news = news(&["lao-chai"], "Họp dân Lao Chải").await;
    let ban_ho_news = news(&["ban-ho"], BAN_HO_NEWS).await;
    let mut png = Vec::new();
    image::RgbaImage::from_pixel(2, 2, image::Rgba([1, 2, 3, 255]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    for id in [&lao_chai_news, &ban_ho_news] {
        let picture = client
            .put(
                hub.url
                    .join(&format!("api/v1/news/{id}/image"))
                    .expect("url"),
            )
            .body(png.clone())
            .send()
            .await
            .expect("picture");
        assert_eq!(picture.status(), 200);
    }
    let meeting: serde_json::Value = crate::common::send_json(
        client
            .post(hub.url.join("api/v1/meetings").expect("url"))
            .json(&serde_json::json!({ "host": lao_chai_id, "rooms": [ban_ho_id] })),
        "meeting",
    )
    .await;
    let scheduled: serde_json::Value = crate::common::send_json(
        client
            .post(hub.url.join("api/v1/schedule").expect("url"))
            .json(&serde_json::json!({
                "title": "Giao ban", "start": "2099-12-10 08:00", "end": "2099-12-10 09:00",
                "host": lao_chai_id, "rooms": [lao_chai_id, ban_ho_id],
            })),
        "schedule",
    )
    .await;
    let (reference, transfer) = {
        use phonghop::hub::pledges::{PledgeMethod, StaffPledgeRequest, add, receive_cash};
        let store = phonghop::app::open_store(&hub.config.data_dir).expect("hub store");
        let pledge = |method| StaffPledgeRequest {
            campaign: "lu-2026".into(),
            amount_vnd: 100_000,
            donor_name: None,
            consent_public: false,
            method,
        };
        let now = phonghop::clock::now_ms();
        let waiting = add(
            &store,
            &pledge(PledgeMethod::Transfer),
            now,
            &mut rand::rng(),
        )
        .expect("a pledge");
        let paid =
            add(&store, &pledge(PledgeMethod::Cash), now, &mut rand::rng()).expect("a pledge");
        let receipt = receive_cash(&store, &paid.reference, "Test", now).expect("cash");
        (waiting.reference, receipt.transfer_id)
    };
    Seeded {
        lao_chai_code,
        ban_ho_code,
        campaign: "lu-2026".into(),
        reference,
        transfer,
        meeting: meeting["id"].as_str().expect("meeting id").to_owned(),
        scheduled: scheduled["id"]
            .as_str()
            .unwrap_or_else(|| panic!("a scheduled meeting: {scheduled}"))
            .to_owned(),
        lao_chai_news,
        ban_ho_news,
        participant: lao_chai_id,
        admin,
        officer,
        disabled,
        revoked,
        room_credential,
    }
}

async fn send(
    hub: &TestHub,
    route: &Route,
    path: &str,
    authorization: Option<&str>,
) -> (u16, Option<String>, String) {
    let client = http_no_redirects();
    let method = reqwest::Method::from_bytes(route.method.as_bytes()).expect("method");
    let mut request = client.request(method, hub.url.join(path).expect("url"));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    if route.method != "GET" {
        request = request.json(&body_for(route));
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, location, response.text().await.unwrap_or_default())
}

fn assert_no_data(body: &str, what: &str) {
    for secret in [
        LAO_CHAI_TEXT,
        BAN_HO_TEXT,
        CAMPAIGN_TITLE,
        BAN_HO_NEWS,
        "0912000111",
        "Giàng",
    ] {
        assert!(
            !body.contains(secret),
            "{what}: the refusal shows {secret:?}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_staff_route_refuses_callers_without_a_valid_credential() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let seeded = seed(&hub, dir.path()).await;
    let bearer = |t: &str| format!("Bearer {t}");
    let wrong = [
        ("no credential (from loopback)", None),
        (
            "a wrong token",
            Some(bearer("phst1_0000000000000000000000000000")),
        ),
        ("an empty bearer", Some("Bearer ".to_owned())),
        ("a room's credential", Some(bearer(&seeded.room_credential))),
        ("a disabled account's token", Some(bearer(&seeded.disabled))),
        ("a revoked token", Some(bearer(&seeded.revoked))),
    ];
    for route in staff_routes() {
        let path = concrete(route, &seeded, false);
        for (who, authorization) in &wrong {
            let what = format!("{} {path} with {who}", route.method);
            let (status, location, body) = send(&hub, route, &path, authorization.as_deref()).await;
            if route.access == Access::StaffPage {
                assert_eq!(
                    status, 303,
                    "{what}: a page sends strangers to the login form"
                );
                assert_eq!(location.as_deref(), Some("/staff/login"), "{what}");
            } else {
                assert_eq!(status, 401, "{what}: {body}");
                let json: serde_json::Value = serde_json::from_str(&body).expect("a JSON refusal");
                assert_eq!(json["error"], "unauthorized", "{what}");
            }
            assert_no_data(&body, &what);
        }
    }
    // The refusals above mean something: the same routes answer a province admin.
    for route in staff_routes().into_iter().filter(|r| r.method == "GET") {
        let path = concrete(route, &seeded, false);
        let (status, _, body) = send(&hub, route, &path, Some(&bearer(&seeded.admin))).await;
        assert!(
            (200..300).contains(&status)
                || (status == 404
                    && (route.path.ends_with("/voice") || route.path.ends_with("/photo"))),
            "GET {path} as a province admin: {status} {body}"
        );
    }
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commune_staff_are_refused_province_routes_and_other_communes_items() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let seeded = seed(&hub, dir.path()).await;
    let officer = format!("Bearer {}", seeded.officer);
    for route in staff_routes() {
        match route.access {
            Access::Province => {
                let path = concrete(route, &seeded, false);
                let what = format!("{} {path} as commune staff", route.method);
                let (status, _, body) = send(&hub, route, &path, Some(&officer)).await;
                assert_eq!(status, 403, "{what}: {body}");
                let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
                assert_eq!(json["error"], "forbidden", "{what}");
                assert_no_data(&body, &what);
            }
            Access::Staff
                if route.path.contains("{code}") || route.path.starts_with("/api/v1/news/") =>
            {
                let path = concrete(route, &seeded, true);
                let what = format!("{} {path}: Bản Hồ's item as Lao Chải staff", route.method);
                let (status, _, body) = send(&hub, route, &path, Some(&officer)).await;
                assert_eq!(status, 403, "{what}: {body}");
                let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
                assert_eq!(json["error"], "forbidden", "{what}");
                assert_no_data(&body, &what);
            }
            _ => {}
        }
    }
    let client = staff_client(&seeded.officer);
    for query in ["", "?unit=ban-ho", "?unit=lao-chai"] {
        let list: serde_json::Value = crate::common::send_json(
            client.get(
                hub.url
                    .join(&format!("api/v1/feedback{query}"))
                    .expect("url"),
            ),
            "list",
        )
        .await;
        let codes: Vec<&str> = list
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|row| row["ticket_code"].as_str())
            .collect();
        assert!(
            !codes.contains(&seeded.ban_ho_code.as_str()),
            "{query}: {codes:?}"
        );
        if query != "?unit=ban-ho" {
            assert_eq!(codes, [seeded.lao_chai_code.as_str()], "{query}");
        }
    }
    // Her own unit's item she reads and answers; the history names her login.
    let own = hub
        .url
        .join(&format!("api/v1/feedback/{}", seeded.lao_chai_code))
        .expect("url");
    let answered = client
        .post(own.clone())
        .json(&serde_json::json!({ "status": "acknowledged", "reply": "Xã đã nhận." }))
        .send()
        .await
        .expect("answer");
    assert_eq!(
        answered.status(),
        200,
        "{}",
        answered.text().await.unwrap_or_default()
    );
    let admin_list: serde_json::Value = crate::common::send_json(
        staff_client(&seeded.admin).get(hub.url.join("api/v1/feedback").expect("url")),
        "list",
    )
    .await;
    assert_eq!(
        admin_list.as_array().map(Vec::len),
        Some(2),
        "a province admin sees both"
    );
    hub.stop().await;
}
