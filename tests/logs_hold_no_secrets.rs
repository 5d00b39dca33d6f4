//! A whole day at the hub and a room, logged at debug level, leaves no resident's name,
//! phone or village and no password, PIN, token, credential, enrollment code or webhook
//! secret in the logs: not on success and not on the failed attempts either.
//!
//! The scenario runs in a child (this binary again, selected by an environment variable)
//! whose one global logger writes every event of every thread to stderr; the test reads
//! that stderr and the secrets the child printed on stdout, and looks for each.

use std::time::Duration;

use crate::common::{self, tempdir};
use crate::contrib_common::{self, GENERIC_SECRET, generic_body, post, post_generic};
use crate::kiosk_common::{kiosk_room, room_harness, tap};
use crate::log_scan_common::{
    SCENARIO_DONE, declare_secret, run_scenario_child, scenario_child_runtime,
};
use egui_kittest::kittest::Queryable;
use phonghop::store::StaffRole;

const CHILD_ENV: &str = "PHONGHOP_TEST_LOG_SCENARIO";

const NAME: &str = "Giàng Thị Mỷ";
const PHONE: &str = "0987654321";
const VILLAGE: &str = "Thôn Séo Mý Tỷ";
const STAFF_PIN: &str = "73915824";
const WRONG_PIN: &str = "86420135";
const PASSWORD: &str = "Mật-khẩu-rất-dài-2026";
const WRONG_PASSWORD: &str = "Sai-mật-khẩu-8642";
const WRONG_TOKEN: &str = "phs_wrongtokenAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// The login form's CSRF field and cookie, then a sign-in with `password`: the status.
async fn sign_in(hub: &common::TestHub, login: &str, password: &str) -> u16 {
    let client = common::http_no_redirects();
    let form = client
        .get(hub.url.join("staff/login").expect("url"))
        .send()
        .await
        .expect("login page");
    let cookie = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("phonghop_form_csrf="))
        .and_then(|v| v.split(';').next())
        .expect("form cookie")
        .to_owned();
    let csrf = crate::staff_common::csrf_in(&form.text().await.expect("html"));
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("login", login)
        .append_pair("password", password)
        .append_pair("csrf", &csrf)
        .finish();
    client
        .post(hub.url.join("staff/login").expect("url"))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("sign in")
        .status()
        .as_u16()
}

/// The scenario: enrollment, feedback with name, phone and village through the kiosk
/// service, its way to the hub, staff reading it with a token and the dashboard after a
/// password sign-in (a wrong password and a wrong token first), a signed bank webhook (and
/// a wrongly signed one), and the kiosk's staff PIN typed wrong, then right.
#[test]
fn scenario_child() {
    let Some(rt) = scenario_child_runtime(CHILD_ENV) else {
        return; // Only does something when started by the test below.
    };
    let dir = tempdir();
    let (hub, room) = rt.block_on(async {
        let hub = contrib_common::start_hub(&dir.path().join("hub")).await;
        let (_, code) =
            phonghop::hub::admin::add_room(&hub.config, "demo.toml", "lao-chai", "Lao Chải")
                .expect("add room");
        declare_secret("enrollment-code", &code);
        let pin_hash = phonghop::auth::hash_pin(STAFF_PIN).expect("pin hash");
        let config = phonghop::config::RoomConfig::local(
            "lao-chai",
            dir.path().join("room"),
            hub.url.clone(),
            pin_hash,
        );
        let credential = phonghop::room::enroll::enroll(&config, None, &code)
            .await
            .expect("enroll");
        declare_secret("room-credential", &credential.credential);
        let room = common::start_room(config).await;

        let mut draft = common::typed("Đường vào thôn bị sạt lở");
        draft.name = Some(NAME.into());
        draft.phone = Some(PHONE.into());
        draft.village = Some(VILLAGE.into());
        let receipt = common::submit_feedback(&room.kiosk, draft).await;
        let store = contrib_common::store(&hub);
        common::eventually(
            "the feedback reaches the hub",
            Duration::from_secs(30),
            async || {
                store
                    .feedback_by_ticket(&receipt.ticket_code)
                    .expect("db")
                    .is_some()
            },
        )
        .await;

        let login = "chi-dung";
        phonghop::hub::accounts::add_user(
            &hub.config,
            &phonghop::hub::accounts::NewAccount {
                login,
                name: "Vàng Thị Dung",
                role: StaffRole::ProvinceAdmin,
                unit: None,
                password: Some(PASSWORD),
            },
        )
        .expect("account");
        let (_, token) =
            phonghop::hub::accounts::issue_token(&hub.config, login, "logs").expect("token");
        declare_secret("bearer-token", &token);
        let wrong = common::staff_client(WRONG_TOKEN)
            .get(hub.url.join("api/v1/feedback").expect("url"))
            .send()
            .await
            .expect("api");
        assert_eq!(wrong.status(), 401);
        let listed = common::send_text(
            common::staff_client(&token).get(hub.url.join("api/v1/feedback").expect("url")),
            "api",
        )
        .await;
        assert!(listed.contains(PHONE), "staff see the phone: {listed}");

        assert_eq!(sign_in(&hub, login, WRONG_PASSWORD).await, 401, "refused");
        assert_eq!(sign_in(&hub, login, PASSWORD).await, 303, "signed in");

        contrib_common::campaign(&store);
        let body = generic_body("txn-logs-1", 150_000, "UNG HO", "FT26LOGS0001");
        let (status, answer) = post_generic(&hub, &body).await;
        assert_eq!(status, 200, "{answer}");
        let forged =
            contrib_common::generic_signature("not-the-secret", contrib_common::now_secs(), &body);
        let (status, _) = post(
            &hub,
            "webhooks/generic",
            &body,
            &[("X-Phonghop-Signature", &forged)],
        )
        .await;
        assert_eq!(status, 401);
        (hub, room)
    });

    // The kiosk of the running room, its staff PIN checked with argon2 as on the box.
    let mut kiosk = kiosk_room(
        room.status.clone(),
        Some(room.kiosk.clone()),
        phonghop::kiosk::shell::Screen::Home,
        dir.path().join("room/recording"),
    );
    kiosk.staff_pin_hash = phonghop::auth::hash_pin(STAFF_PIN).expect("pin hash");
    let mut h = room_harness(kiosk);
    h.run_steps(2);
    tap(&mut h, "🔒 Cán bộ");
    for pin in [WRONG_PIN, STAFF_PIN] {
        for digit in pin.chars() {
            tap(&mut h, &digit.to_string());
        }
        tap(&mut h, "Xong");
    }
    assert!(
        h.query_by_label("Bảng điều khiển cán bộ").is_some(),
        "the right PIN opened staff mode"
    );
    drop(h);

    rt.block_on(async {
        room.stop().await;
        hub.stop().await;
    });
    for (kind, value) in [
        ("name", NAME),
        ("phone", PHONE),
        ("village", VILLAGE),
        ("staff-pin", STAFF_PIN),
        ("wrong-pin", WRONG_PIN),
        ("password", PASSWORD),
        ("wrong-password", WRONG_PASSWORD),
        ("wrong-token", WRONG_TOKEN),
        ("webhook-secret", GENERIC_SECRET),
    ] {
        declare_secret(kind, value);
    }
    println!("{SCENARIO_DONE}");
}

#[test]
fn logs_hold_no_name_phone_pin_password_token_or_secret() {
    let out = run_scenario_child(module_path!(), "scenario_child", CHILD_ENV);
    // The logger saw the scenario at debug level (else finding nothing proves nothing).
    out.assert_logged(&["room enrolled", "DEBUG", "room connected"]);
    assert_eq!(out.secrets().len(), 12, "{}", out.stdout);
    let leaks = out.leaks();
    assert!(
        leaks.is_empty(),
        "secrets in the logs:\n{}",
        leaks.join("\n")
    );
}
