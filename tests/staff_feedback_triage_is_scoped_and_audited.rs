//! Feedback triage over HTTP, as scripts and the dashboard's forms send it: notes,
//! assignment and hiding are limited to the member's commune and written to the audit
//! trail, as are status changes and replies from the JSON API and the CLI; a hidden item
//! leaves the public ticket page, the JSON list and the CSV export but stays with staff;
//! an assigned item moves to the other commune's inbox.

use crate::common;

use common::*;
use phonghop::store::StaffRole;
use phonghop::store::{AuditAction, Scoped};

fn audit(hub: &TestHub, code: &str) -> Vec<(String, AuditAction, String)> {
    let store = phonghop::app::open_store(&hub.config.data_dir).expect("store");
    let Scoped::Found(row) = store.feedback_for_staff(code, None).expect("find") else {
        panic!("{code} is at the hub");
    };
    store
        .feedback_audit(&row.id)
        .expect("audit")
        .into_iter()
        .map(|e| (e.actor, e.action, e.detail))
        .collect()
}

const PASSWORD: &str = "mật khẩu đủ dài 2026";

/// A signed-in browser session: its cookie on every request, and its form token.
struct Session {
    client: reqwest::Client,
    csrf: String,
}

fn set_cookie(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_owned()
}

fn csrf_in(page: &str) -> String {
    let start = page.find(r#"name="csrf" value=""#).expect("a csrf input") + 19;
    page[start..].split('"').next().expect("value").to_owned()
}

/// Makes an account with a password and signs in through `/staff/login`, as a browser does.
async fn sign_in(hub: &TestHub, login: &str, role: StaffRole, unit: Option<&str>) -> Session {
    phonghop::hub::accounts::add_user(
        &hub.config,
        &phonghop::hub::accounts::NewAccount {
            login,
            name: login,
            role,
            unit,
            password: Some(PASSWORD),
        },
    )
    .expect("account");
    let anonymous = http_no_redirects();
    let url = hub.url.join("staff/login").expect("url");
    let form = anonymous.get(url.clone()).send().await.expect("login page");
    let form_cookie = set_cookie(&form, "phonghop_form_csrf");
    let form_csrf = csrf_in(&form.text().await.expect("body"));
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("login", login),
            ("password", PASSWORD),
            ("csrf", &form_csrf),
        ])
        .finish();
    let signed_in = anonymous
        .post(url)
        .header("cookie", format!("phonghop_form_csrf={form_cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed_in.status(), 303, "{login} signs in");
    let session = set_cookie(&signed_in, "phonghop_staff");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::COOKIE,
        format!("phonghop_staff={session}").parse().expect("header"),
    );
    let tls = phonghop::hub::tls::client_config(None).expect("tls");
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured((*tls).clone())
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let (status, home) = get_text(&client, hub, "staff/").await;
    assert_eq!(status, 200);
    Session {
        client,
        csrf: csrf_in(&home),
    }
}

async fn post_form(
    session: &Session,
    hub: &TestHub,
    code: &str,
    form: &[(&str, &str)],
) -> (u16, Option<String>, String) {
    let response = session
        .client
        .post(
            hub.url
                .join(&format!("staff/feedback/{code}"))
                .expect("url"),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .append_pair("csrf", &session.csrf)
                .finish(),
        )
        .send()
        .await
        .expect("post");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, location, response.text().await.unwrap_or_default())
}

async fn get_text(client: &reqwest::Client, hub: &TestHub, path: &str) -> (u16, String) {
    let response = client
        .get(hub.url.join(path).expect("url"))
        .send()
        .await
        .expect("get");
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triage_changes_stay_in_scope_and_every_one_is_audited() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (_, lao_chai) = enrolled_room(&hub, "lao-chai", dir.path().join("r1")).await;
    enrolled_room(&hub, "ban-ho", dir.path().join("r2")).await;
    let code = seed_feedback(&hub, &lao_chai, "Lời lẽ xúc phạm cán bộ thôn");
    let (admin_login, lao_chai_login) = ("tinh-admin", "laochai-canbo");
    let admin = sign_in(&hub, admin_login, StaffRole::ProvinceAdmin, None).await;
    let officer = sign_in(
        &hub,
        lao_chai_login,
        StaffRole::CommuneStaff,
        Some("lao-chai"),
    )
    .await;
    let other = sign_in(&hub, "banho-canbo", StaffRole::CommuneStaff, Some("ban-ho")).await;
    let (api_login, api_token) = staff_account(&hub, StaffRole::ProvinceAdmin, None);
    let api = staff_client(&api_token);

    // The JSON API and the CLI write the audit trail as the pages do.
    let answered = api
        .post(
            hub.url
                .join(&format!("api/v1/feedback/{code}"))
                .expect("url"),
        )
        .json(&serde_json::json!({ "status": "acknowledged" }))
        .send()
        .await
        .expect("api");
    assert_eq!(answered.status(), 200);
    phonghop::cli::feedback::run(
        &hub.config,
        phonghop::cli::feedback::FeedbackCommand::Reply {
            code: code.clone(),
            text: "Xã sẽ xem xét.".into(),
            by: "Chị Lan (CLI)".into(),
            status: None,
        },
        &mut Vec::new(),
    )
    .expect("cli reply");

    // Another commune's officer changes nothing, whatever she posts.
    for form in [
        vec![("action", "note"), ("note", "x")],
        vec![("action", "hide"), ("reason", "x")],
        vec![("action", "status"), ("status", "in_progress")],
        vec![("action", "reply"), ("reply", "x")],
    ] {
        let (status, _, body) = post_form(&other, &hub, &code, &form).await;
        assert_eq!(status, 403, "{form:?}");
        assert!(!body.contains("Lời lẽ"), "{body}");
    }
    // Commune staff may not assign, even their own unit's item.
    let (status, _, _) = post_form(
        &officer,
        &hub,
        &code,
        &[("action", "assign"), ("unit", "ban-ho")],
    )
    .await;
    assert_eq!(status, 403);

    // Her own unit's item: a note, then hiding it, each answered by a redirect.
    let (status, location, _) = post_form(
        &officer,
        &hub,
        &code,
        &[("action", "note"), ("note", "Đã gọi trưởng thôn")],
    )
    .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some(&*format!("/staff/feedback/{code}?ok=note")))
    );
    let (status, _, body) = post_form(
        &officer,
        &hub,
        &code,
        &[("action", "hide"), ("reason", "  ")],
    )
    .await;
    assert_eq!(status, 422, "a reason is needed: {body}");
    let (status, location, _) = post_form(
        &officer,
        &hub,
        &code,
        &[("action", "hide"), ("reason", "xúc phạm")],
    )
    .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some(&*format!("/staff/feedback/{code}?ok=hide")))
    );

    // Hidden: gone from the public page, the JSON list and the export; kept for staff.
    let (status, _) = get_text(&http(), &hub, &format!("t/{code}")).await;
    assert_eq!(status, 404, "the public page no longer shows it");
    let (_, list) = get_text(&admin.client, &hub, "api/v1/feedback").await;
    assert!(!list.contains(&code), "{list}");
    let (_, csv) = get_text(&admin.client, &hub, "staff/feedback.csv").await;
    assert!(!csv.contains(&code), "{csv}");
    let (_, inbox) = get_text(&admin.client, &hub, "staff/feedback?hidden=1").await;
    assert!(inbox.contains(&code), "staff can still find it");
    let (status, page) = get_text(
        &officer.client,
        &hub,
        &format!("staff/feedback/{code}?ok=hide"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Đã ẩn ý kiến.") && page.contains("xúc phạm"),
        "{page}"
    );

    // The province hands it to Bản Hồ: it leaves Lao Chải's inbox and enters Bản Hồ's.
    let (status, _, _) = post_form(
        &admin,
        &hub,
        &code,
        &[("action", "assign"), ("unit", "ban-ho")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, theirs) = get_text(&other.client, &hub, "staff/feedback?hidden=1").await;
    assert!(theirs.contains(&code), "Bản Hồ's inbox has it now");
    let (status, _) = get_text(&officer.client, &hub, &format!("staff/feedback/{code}")).await;
    assert_eq!(status, 403, "Lao Chải's officer no longer opens it");

    let expected = [
        (
            api_login.as_str(),
            AuditAction::Status,
            "new → acknowledged",
        ),
        ("Chị Lan (CLI)", AuditAction::Reply, "Xã sẽ xem xét."),
        (lao_chai_login, AuditAction::Note, "Đã gọi trưởng thôn"),
        (lao_chai_login, AuditAction::Hide, "xúc phạm"),
        (admin_login, AuditAction::Assign, "lao-chai → ban-ho"),
    ]
    .map(|(a, b, c)| (a.to_owned(), b, c.to_owned()));
    assert_eq!(audit(&hub, &code), expected);
    hub.stop().await;
}
