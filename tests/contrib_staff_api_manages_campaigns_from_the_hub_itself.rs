//! The staff campaign API (`/api/v1/campaigns`) lists, creates and closes campaigns for a
//! province admin's token; bad input is answered with every problem named.

use crate::contrib_common;
use contrib_common::*;

#[tokio::test]
async fn a_province_admin_creates_lists_and_closes_a_campaign() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let url = hub.url.join("api/v1/campaigns").expect("url");
    let admin = crate::common::admin_client(&hub);
    let created = admin
        .post(url.clone())
        .json(&serde_json::json!({
            "slug": "lu-lut-2026",
            "title": "Ủng hộ đồng bào bị lũ lụt",
            "bank": "BIDV",
            "account": "21510001234567",
            "account_name": "UY BAN MTTQ TINH LAO CAI",
            "goal_vnd": 100_000_000,
            "ends_on": "2026-12-31",
        }))
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.expect("json");
    assert_eq!(created["bank_bin"], "970418");
    assert_eq!(created["status"], "open");
    assert!(
        created["page_url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/c/lu-lut-2026"))
    );

    let bad = admin
        .post(url.clone())
        .json(&serde_json::json!({
            "slug": "Lũ", "title": "", "bank": "nobank", "account": "1",
            "account_name": "X", "goal_vnd": 0, "ends_on": "soon",
        }))
        .send()
        .await
        .expect("create");
    assert_eq!(bad.status(), 422);
    let bad: serde_json::Value = bad.json().await.expect("json");
    let message = bad["message"].as_str().expect("message");
    for field in ["slug", "title", "bank", "goal", "ends"] {
        assert!(message.contains(field), "{field} named in {message}");
    }

    let list: serde_json::Value = crate::common::send_json(admin.get(url.clone()), "list").await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["totals"]["raised_vnd"], 0);

    let closed = admin
        .post(
            hub.url
                .join("api/v1/campaigns/lu-lut-2026/close")
                .expect("url"),
        )
        .send()
        .await
        .expect("close");
    assert_eq!(closed.status(), 200);
    let closed: serde_json::Value = closed.json().await.expect("json");
    assert_eq!(closed["status"], "closed");
    let missing = admin
        .post(hub.url.join("api/v1/campaigns/nope/close").expect("url"))
        .send()
        .await
        .expect("close");
    assert_eq!(missing.status(), 404);
    hub.stop().await;
}
