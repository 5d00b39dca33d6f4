//! A staff member signed in to the dashboard as a browser is: a password account, the
//! login form with its CSRF cookie, the session cookie, and the session's form token for
//! every POST. Redirects are handed back, to see where a form sends the browser.
#![allow(dead_code)]

use crate::common::{TestHub, http_no_redirects};

use phonghop::hub::accounts::{NewAccount, add_user};
use phonghop::store::StaffRole;

const PASSWORD: &str = "một mật khẩu đủ dài";

/// The value of the first hidden `csrf` input of a page.
pub fn csrf_in(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let at = html.find(marker).expect("a page with a csrf input") + marker.len();
    html[at..].split('"').next().unwrap_or_default().to_owned()
}

/// `name=value` of the `Set-Cookie` header setting `name`, and the whole header.
pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| (v.split(';').next().unwrap_or("").to_owned(), v.to_owned()))
}

/// `name=value` of the response's `Set-Cookie` for `name`.
fn cookie_of(response: &reqwest::Response, name: &str) -> String {
    set_cookie(response, name)
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .0
}

pub const FORM: &str = "application/x-www-form-urlencoded";

/// Fields as a browser encodes a form (a name may repeat, as checkboxes do).
pub fn encoded<K: AsRef<str>, V: AsRef<str>>(fields: &[(K, V)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        out.append_pair(k.as_ref(), v.as_ref());
    }
    out.finish()
}

/// A staff account `login` of `role` (commune staff need `unit`) that signs in with
/// `password`, made as `phonghop hub user add --password-stdin` makes it.
pub fn password_account(
    hub: &TestHub,
    login: &str,
    name: &str,
    role: StaffRole,
    unit: Option<&str>,
    password: &str,
) {
    add_user(
        &hub.config,
        &NewAccount {
            login,
            name,
            role,
            unit,
            password: Some(password),
        },
    )
    .expect("staff account");
}

/// A new password account `login` of `role` (commune staff need `unit`), signed in through
/// the login form as a browser is (the form's CSRF cookie and field); returns the session's
/// `phonghop_staff=...` cookie.
pub async fn session_cookie(
    hub: &TestHub,
    login: &str,
    name: &str,
    role: StaffRole,
    unit: Option<&str>,
) -> String {
    password_account(hub, login, name, role, unit, PASSWORD);
    let client = http_no_redirects();
    let url = hub.url.join("staff/login").expect("url");
    let form = client.get(url.clone()).send().await.expect("login page");
    let form_cookie = cookie_of(&form, "phonghop_form_csrf");
    let csrf = csrf_in(&form.text().await.expect("html"));
    let signed = client
        .post(url)
        .header("cookie", &form_cookie)
        .header("content-type", FORM)
        .body(encoded(&[
            ("login", login),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ]))
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed.status(), 303, "signed in");
    cookie_of(&signed, "phonghop_staff")
}

pub struct SignedIn {
    url: url::Url,
    client: reqwest::Client,
    cookie: String,
    pub csrf: String,
}

/// A page's answer: status, `Location` and body.
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl SignedIn {
    /// A new account of `role` (commune staff need `unit`), signed in with English pages.
    pub async fn new(hub: &TestHub, login: &str, role: StaffRole, unit: Option<&str>) -> SignedIn {
        let session = session_cookie(hub, login, "Vàng Thị Dung", role, unit).await;
        let mut me = SignedIn {
            url: hub.url.clone(),
            client: http_no_redirects(),
            cookie: format!("{session}; phonghop_lang=en"),
            csrf: String::new(),
        };
        let home = me.get("/staff/").await;
        assert_eq!(home.status, 200);
        me.csrf = csrf_in(&home.body);
        me
    }

    async fn answer(response: reqwest::Response) -> Answer {
        Answer {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: response.text().await.unwrap_or_default(),
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        let response = self
            .client
            .get(self.url.join(path).expect("url"))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("get");
        Self::answer(response).await
    }

    /// Posts `fields` and the session's CSRF token, as the page's form does.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut all = fields.to_vec();
        all.push(("csrf", &self.csrf));
        self.post_raw(path, &all).await
    }

    /// Posts exactly `fields` (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let response = self
            .client
            .post(self.url.join(path).expect("url"))
            .header("cookie", &self.cookie)
            .header("content-type", FORM)
            .body(encoded(fields))
            .send()
            .await
            .expect("post");
        Self::answer(response).await
    }

    /// Posts a form and follows its `303` to the page it names.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let posted = self.post(path, fields).await;
        assert_eq!(posted.status, 303, "POST {path}: {}", posted.body);
        self.get(posted.location.as_deref().expect("a Location"))
            .await
    }
}
