//! A resident's Zalo user id is personal data: the hub reads it only to address messages to
//! that resident. It is in no staff page, staff API answer or CSV export (not even a
//! province admin's), no public ticket page or Open311 answer, and no log line; neither are
//! the OA's tokens or the Zalo keys. The logs are read at debug level, over a scenario with
//! messages, a token refresh, a refused delivery, a message to an OA not listed, staff
//! reading and replying.
//!
//! The scenario runs in a child (this binary again, selected by an environment variable)
//! whose one global logger writes every event to stderr, as `logs_hold_no_secrets.rs` does.
//! Zalo's servers are not reachable from here: a local server stands in (`zalo_common.rs`).

use std::time::Duration;

use crate::common;
use crate::log_scan_common::{
    SCENARIO_DONE, declare_secret, run_scenario_child, scenario_child_runtime,
};
use crate::staff_common::session_cookie;
use crate::zalo_common::{
    self, APP_SECRET, AUDIO, IMAGE, OA_ID, OA_SECRET, TEXT, USER_ID, ZaloServer, deliver,
    deliver_signed, in_ms, text_from,
};
use phonghop::store::StaffRole;

const CHILD_ENV: &str = "PHONGHOP_TEST_ZALO_LOG_SCENARIO";
const OTHER_USER: &str = "777888999000111222";
const ACCESS: &str = "zalo-access-token-7Q2M9X";
const REFRESH: &str = "zalo-refresh-token-4K8V1T";

async fn page(hub: &common::TestHub, cookie: &str, path: &str) -> String {
    let answer = common::http_no_redirects()
        .get(hub.url.join(path).expect("url"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("page");
    assert_eq!(answer.status(), 200, "{path}");
    answer.text().await.expect("body")
}

#[test]
fn zalo_scenario_child() {
    let Some(rt) = scenario_child_runtime(CHILD_ENV) else {
        return; // Only does something when started by the test below.
    };
    let dir = common::tempdir();
    rt.block_on(async {
        let zalo = ZaloServer::start(ACCESS, REFRESH).await;
        let hub = zalo_common::start_hub(&dir.path().join("hub"), &zalo).await;
        // Expired: the hub refreshes it first.
        zalo_common::connect(&hub, ACCESS, REFRESH, in_ms(-1000));
        for body in [TEXT, IMAGE, AUDIO] {
            assert_eq!(deliver(&hub, body).await.0, 200);
        }
        let forged = text_from(OTHER_USER, "forged-1", "giả mạo");
        assert_eq!(deliver_signed(&hub, &forged, "mac=00").await.0, 401);
        let elsewhere =
            text_from(OTHER_USER, "other-oa-1", "Xin chào").replace(OA_ID, "1111111111111111111");
        assert_eq!(deliver(&hub, &elsewhere).await.0, 200);
        // The OA not listed has no tokens at this hub: only the first resident hears back.
        common::eventually("the ticket message", Duration::from_secs(20), async || {
            zalo.messages().len() == 1
        })
        .await;

        let cookie = session_cookie(
            &hub,
            "chi-mai",
            "Lò Thị Mai",
            StaffRole::ProvinceAdmin,
            None,
        )
        .await;
        let admin = common::admin_client(&hub);
        let listed = common::send_text(
            admin.get(hub.url.join("api/v1/feedback").expect("url")),
            "api",
        )
        .await;
        let items: Vec<serde_json::Value> = serde_json::from_str(&listed).expect("json");
        assert_eq!(items.len(), 2, "{listed}");
        let code = items
            .iter()
            .find(|i| i["unit_id"] == zalo_common::UNIT)
            .and_then(|i| i["ticket_code"].as_str())
            .expect("the commune's item")
            .to_owned();
        let mut seen = vec![("api list", listed)];
        for path in [
            "staff/feedback".to_owned(),
            format!("staff/feedback/{code}"),
            "staff/feedback.csv".to_owned(),
        ] {
            let body = page(&hub, &cookie, &path).await;
            seen.push(("staff page", body));
        }
        assert!(seen[3].1.contains(&code), "the export lists the item");
        seen.push((
            "public ticket",
            common::get_text(hub.url.join(&format!("t/{code}")).expect("url")).await,
        ));
        seen.push((
            "open311",
            common::get_text(hub.url.join("open311/v2/requests.json").expect("url")).await,
        ));
        for (what, body) in &seen {
            for id in [USER_ID, OTHER_USER] {
                assert!(!body.contains(id), "{what} shows a Zalo user id:\n{body}");
            }
        }

        let reply = admin
            .post(
                hub.url
                    .join(&format!("api/v1/feedback/{code}"))
                    .expect("url"),
            )
            .json(&serde_json::json!({ "reply": "Đã tiếp nhận, cán bộ xã sẽ đến xem." }))
            .send()
            .await
            .expect("reply");
        assert_eq!(reply.status(), 200);
        common::eventually("the reply sent", Duration::from_secs(20), async || {
            zalo.messages().len() == 2
        })
        .await;
        let tokens: Vec<String> = zalo
            .requests()
            .iter()
            .flat_map(|r| r.headers.get("access_token").cloned())
            .collect();
        assert!(
            tokens.iter().all(|t| t != ACCESS),
            "the expired token was not used"
        );
        hub.stop().await;
        for t in tokens {
            declare_secret("access-token", &t);
        }
    });
    for (kind, value) in [
        ("zalo-user-id", USER_ID),
        ("zalo-user-id", OTHER_USER),
        ("access-token", ACCESS),
        ("refresh-token", REFRESH),
        ("refresh-token", "refresh-1"),
        ("oa-secret-key", OA_SECRET),
        ("app-secret-key", APP_SECRET),
    ] {
        declare_secret(kind, value);
    }
    println!("{SCENARIO_DONE}");
}

#[test]
fn zalo_user_ids_tokens_and_keys_stay_out_of_logs_pages_and_exports() {
    let out = run_scenario_child(module_path!(), "zalo_scenario_child", CHILD_ENV);
    // The logger saw the Zalo work at debug level (else finding nothing proves nothing).
    out.assert_logged(&[
        "DEBUG",
        "a Zalo message opened a ticket",
        "a Zalo delivery was refused",
        "Zalo access token refreshed",
        "message sent to the resident through Zalo",
    ]);
    assert!(out.secrets().len() >= 8, "{}", out.stdout);
    let leaks = out.leaks();
    assert!(
        leaks.is_empty(),
        "secrets in the logs:\n{}",
        leaks.join("\n")
    );
}
