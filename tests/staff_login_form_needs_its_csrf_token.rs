//! Staff sign in at `/staff/login` with a form that must carry its CSRF token; the session
//! cookie is `HttpOnly`, `SameSite=Strict` and limited to `/staff`; repeated wrong
//! passwords lock the login with a message saying until when; a cookie-signed JSON change
//! needs `X-CSRF-Token`; logging out ends the session; a set-password link works once.

use crate::common;

use crate::staff_common::{FORM, csrf_in, encoded, set_cookie};
use common::*;
use phonghop::hub::accounts::{NewAccount, add_user};
use phonghop::store::StaffRole;

const PASSWORD: &str = "mật khẩu đủ dài 2026";

struct Form {
    cookie: String,
    csrf: String,
}

async fn login_form(hub: &TestHub) -> Form {
    let page = http_no_redirects()
        .get(hub.url.join("staff/login").expect("url"))
        .send()
        .await
        .expect("login page");
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    let csp = headers["content-security-policy"].to_str().expect("csp");
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    let (cookie, _) = set_cookie(&page, "phonghop_form_csrf").expect("the form's CSRF cookie");
    let html = page.text().await.expect("html");
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "nothing inline"
    );
    for input in [r#"name="login""#, r#"name="password""#, r#"name="csrf""#] {
        assert!(html.contains(input), "{input}");
    }
    Form {
        csrf: csrf_in(&html),
        cookie,
    }
}

async fn post_login(hub: &TestHub, cookie: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    http_no_redirects()
        .post(hub.url.join("staff/login").expect("url"))
        .header("cookie", cookie)
        .header("content-type", FORM)
        .body(encoded(fields))
        .send()
        .await
        .expect("post login")
}

fn make_account(hub: &TestHub, login: &str) {
    add_user(
        &hub.config,
        &NewAccount {
            login,
            name: "Lò Thị Hoa",
            role: StaffRole::CommuneStaff,
            unit: Some("lao-chai"),
            password: Some(PASSWORD),
        },
    )
    .expect("account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_without_its_csrf_token_is_refused_and_with_it_opens_a_strict_cookie_session() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    make_account(&hub, "hoa");
    let form = login_form(&hub).await;

    let without = post_login(
        &hub,
        &form.cookie,
        &[("login", "hoa"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(without.status(), 403, "no csrf field");
    assert!(set_cookie(&without, "phonghop_staff").is_none());
    let wrong_cookie = post_login(
        &hub,
        "phonghop_form_csrf=someone-elses",
        &[
            ("login", "hoa"),
            ("password", PASSWORD),
            ("csrf", &form.csrf),
        ],
    )
    .await;
    assert_eq!(
        wrong_cookie.status(),
        403,
        "the field must match the cookie"
    );
    assert!(set_cookie(&wrong_cookie, "phonghop_staff").is_none());

    let signed_in = post_login(
        &hub,
        &form.cookie,
        &[
            ("login", "hoa"),
            ("password", PASSWORD),
            ("csrf", &form.csrf),
        ],
    )
    .await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/staff/");
    let (session, header) = set_cookie(&signed_in, "phonghop_staff").expect("session cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/staff"] {
        assert!(header.contains(flag), "{flag} in {header}");
    }
    assert!(
        !header.contains("Secure"),
        "plain HTTP hub: no Secure flag to lose the cookie"
    );

    // The landing page knows her, and its logout form carries the session's token.
    let client = http_no_redirects();
    let home = client
        .get(hub.url.join("staff/").expect("url"))
        .header("cookie", &session)
        .send()
        .await
        .expect("home");
    assert_eq!(home.status(), 200);
    assert_eq!(home.headers()["cache-control"], "no-store");
    let html = home.text().await.expect("html");
    assert!(html.contains("Lò Thị Hoa"), "{html}");
    assert!(
        !html.contains("/staff/contributions"),
        "commune staff see no province menus"
    );
    let csrf = csrf_in(&html);

    // A JSON change signed by the cookie alone is refused; with the page's token it passes.
    let (_, room) = enrolled_room(&hub, "lao-chai", dir.path().join("room")).await;
    let code = seed_feedback(&hub, &room, "Đèn đường thôn Sín Chải hỏng");
    let api = hub
        .url
        .join(&format!("api/v1/feedback/{code}"))
        .expect("url");
    let change = serde_json::json!({ "status": "acknowledged" });
    let forged = client
        .post(api.clone())
        .header("cookie", &session)
        .json(&change)
        .send()
        .await
        .expect("forged");
    assert_eq!(
        forged.status(),
        403,
        "{}",
        forged.text().await.unwrap_or_default()
    );
    let from_page = client
        .post(api.clone())
        .header("cookie", &session)
        .header("x-csrf-token", &csrf)
        .json(&change)
        .send()
        .await
        .expect("from the page");
    assert_eq!(
        from_page.status(),
        200,
        "{}",
        from_page.text().await.unwrap_or_default()
    );

    // Logging out needs the token too, and ends the session for good.
    let logout = |fields: Vec<(&'static str, String)>| {
        client
            .post(hub.url.join("staff/logout").expect("url"))
            .header("cookie", &session)
            .header("content-type", FORM)
            .body(encoded(&fields))
            .send()
    };
    assert_eq!(logout(vec![]).await.expect("logout").status(), 403);
    let out = logout(vec![("csrf", csrf.clone())]).await.expect("logout");
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()["location"], "/staff/login");
    let after = client
        .get(hub.url.join("staff/").expect("url"))
        .header("cookie", &session)
        .send()
        .await
        .expect("home after logout");
    assert_eq!(after.status(), 303, "the old cookie opens nothing");
    let api_after = client
        .get(api)
        .header("cookie", &session)
        .send()
        .await
        .expect("api after logout");
    assert_eq!(api_after.status(), 401);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_wrong_passwords_lock_the_login_with_a_message_saying_until_when() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    make_account(&hub, "hoa");
    // Vietnamese by default; `?lang=en` switches and a cookie keeps the choice.
    let english = http_no_redirects()
        .get(hub.url.join("staff/login?lang=en").expect("url"))
        .send()
        .await
        .expect("english page");
    let (lang, _) = set_cookie(&english, "phonghop_lang").expect("the language cookie");
    assert_eq!(lang, "phonghop_lang=en");
    assert!(
        english
            .text()
            .await
            .expect("html")
            .contains("<html lang=\"en\">")
    );
    let form = login_form(&hub).await;
    let cookie = format!("{}; {lang}", form.cookie);
    let attempt = |password: &'static str| {
        let (hub, cookie, csrf) = (&hub, cookie.clone(), form.csrf.clone());
        async move {
            let response = post_login(
                hub,
                &cookie,
                &[("login", "hoa"), ("password", password), ("csrf", &csrf)],
            )
            .await;
            (
                response.status().as_u16(),
                response.text().await.expect("page"),
            )
        }
    };
    for n in 1..phonghop::hub::accounts::LOCKOUT_AFTER_FAILURES {
        let (status, page) = attempt("sai mật khẩu rồi").await;
        assert_eq!(status, 401, "attempt {n}");
        assert!(
            page.contains("Wrong login or password."),
            "attempt {n}: {page}"
        );
    }
    let (status, page) = attempt("sai mật khẩu rồi").await;
    assert_eq!(status, 429);
    assert!(
        page.contains("Too many failed attempts; try again after "),
        "{page}"
    );
    // Even the right password waits now.
    let (status, page) = attempt(PASSWORD).await;
    assert_eq!(status, 429);
    let at = page.find("try again after ").expect("the time") + 16;
    let time = &page[at..at + 5];
    assert!(
        time.as_bytes()[2] == b':' && time.chars().filter(char::is_ascii_digit).count() == 4,
        "HH:MM, got {time:?}"
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_password_link_works_once_and_then_the_password_signs_in() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (_, link) = add_user(
        &hub.config,
        &NewAccount {
            login: "tinh",
            name: "Vàng A Sử",
            role: StaffRole::ProvinceAdmin,
            unit: None,
            password: None,
        },
    )
    .expect("account");
    let link = link.expect("a link when no password was given");
    assert!(
        link.starts_with(&format!("{}staff/set-password/", hub.url)),
        "{link}"
    );
    let client = http_no_redirects();
    let page = client.get(&link).send().await.expect("link page");
    assert_eq!(page.status(), 200);
    let (cookie, _) = set_cookie(&page, "phonghop_form_csrf").expect("csrf cookie");
    let csrf = csrf_in(&page.text().await.expect("html"));
    let choose = |fields: Vec<(&'static str, String)>| {
        client
            .post(&link)
            .header("cookie", &cookie)
            .header("content-type", FORM)
            .body(encoded(&fields))
            .send()
    };
    let mismatch = choose(vec![
        ("new", PASSWORD.into()),
        ("repeat", "khác hẳn mật khẩu kia".into()),
        ("csrf", csrf.clone()),
    ])
    .await
    .expect("post");
    assert_eq!(mismatch.status(), 422);
    let saved = choose(vec![
        ("new", PASSWORD.into()),
        ("repeat", PASSWORD.into()),
        ("csrf", csrf.clone()),
    ])
    .await
    .expect("post");
    assert_eq!(saved.status(), 200);
    let again = client.get(&link).send().await.expect("link again");
    assert_eq!(again.status(), 404, "a link works once");

    let form = login_form(&hub).await;
    let signed_in = post_login(
        &hub,
        &form.cookie,
        &[
            ("login", "tinh"),
            ("password", PASSWORD),
            ("csrf", &form.csrf),
        ],
    )
    .await;
    assert_eq!(signed_in.status(), 303);
    assert!(set_cookie(&signed_in, "phonghop_staff").is_some());
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_accounts_sign_in_with_the_passwords_the_demo_prints() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    phonghop::demo::add_demo_staff(&hub.config).expect("demo staff");
    for (login, role, unit, name, password) in phonghop::demo::DEMO_STAFF {
        let form = login_form(&hub).await;
        let signed_in = post_login(
            &hub,
            &form.cookie,
            &[
                ("login", login),
                ("password", password),
                ("csrf", &form.csrf),
            ],
        )
        .await;
        assert_eq!(signed_in.status(), 303, "{login}");
        let (session, _) = set_cookie(&signed_in, "phonghop_staff").expect("session");
        let home = http_no_redirects()
            .get(hub.url.join("staff/").expect("url"))
            .header("cookie", &session)
            .send()
            .await
            .expect("home")
            .text()
            .await
            .expect("html");
        assert!(home.contains(name), "{login}: {home}");
        assert_eq!(
            home.contains("/staff/contributions"),
            *role == StaffRole::ProvinceAdmin,
            "{login} sees the menus of a {role} ({unit:?})"
        );
    }
    hub.stop().await;
}
