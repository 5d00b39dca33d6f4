//! `/staff/news` as a commune officer uses it in her browser: she signs in, posts a notice
//! for her commune with the form (which needs its CSRF token), adds a picture as the
//! page's script does (which needs the token in `X-CSRF-Token`), sees it listed, and
//! withdraws it; a refused post keeps what she typed and says what to fix in Vietnamese.
//! A province admin's form offers every unit.

use crate::common;

use common::*;
use phonghop::store::StaffRole;

use crate::staff_common::{FORM, csrf_in as csrf_of, encoded};

/// Signs in through the login form as a browser does; returns the session cookie.
async fn sign_in(hub: &TestHub, login: &str, role: StaffRole, unit: Option<&str>) -> String {
    crate::staff_common::session_cookie(hub, login, "Lò Thị Hoa", role, unit).await
}

struct Browser<'a> {
    hub: &'a TestHub,
    cookie: String,
    client: reqwest::Client,
}

impl Browser<'_> {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.hub.url.join(path).expect("url"))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("get")
    }

    async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        response.text().await.expect("html")
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.hub.url.join(path).expect("url"))
            .header("cookie", &self.cookie)
            .header("content-type", FORM)
            .body(encoded(fields))
            .send()
            .await
            .expect("post")
    }
}

fn png() -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbaImage::from_pixel(30, 20, image::Rgba([0, 120, 60, 255]))
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encode");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commune_officer_posts_adds_a_picture_and_withdraws_from_the_dashboard() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let cookie = sign_in(&hub, "hoa", StaffRole::CommuneStaff, Some("lao-chai")).await;
    let browser = Browser {
        hub: &hub,
        cookie,
        client: http_no_redirects(),
    };
    let page = browser.page("staff/news").await;
    assert!(page.contains("Đăng thông báo mới"), "{page}");
    assert!(
        page.contains("Gửi tới: Ủy ban MTTQ xã Lao Chải"),
        "her unit, no choice"
    );
    assert!(
        !page.contains(r#"name="unit""#),
        "no unit boxes for a commune officer"
    );
    assert!(
        page.contains("/staff/static/news.js?v="),
        "the picture script"
    );
    assert!(
        !page.contains("<script>") && !page.contains("style="),
        "nothing inline"
    );
    let csrf = csrf_of(&page);

    let fields = [
        ("title", "Lịch tiêm chủng tháng 12"),
        (
            "body",
            "Trạm y tế xã tiêm chủng cho trẻ dưới 5 tuổi vào sáng thứ Hai.",
        ),
        ("from", ""),
        ("until", "2099-12-31T17:00"),
        ("language", "vi"),
    ];
    let without = browser.post("staff/news", &fields).await;
    assert_eq!(without.status(), 403, "a form without its CSRF token");
    let mut with_csrf = fields.to_vec();
    with_csrf.push(("csrf", &csrf));
    let mut too_long = with_csrf.clone();
    let long_title = "x".repeat(121);
    too_long[0] = ("title", &long_title);
    let refused = browser.post("staff/news", &too_long).await;
    assert_eq!(refused.status(), 400);
    let refused = refused.text().await.expect("html");
    assert!(
        refused.contains("Tiêu đề dài quá; tối đa 120 ký tự."),
        "{refused}"
    );
    assert!(
        refused.contains("Trạm y tế xã tiêm chủng"),
        "what she typed is kept"
    );

    let posted = browser.post("staff/news", &with_csrf).await;
    assert_eq!(posted.status(), 303);
    assert_eq!(posted.headers()["location"], "/staff/news?done=posted");
    let page = browser.page("staff/news?done=posted").await;
    assert!(page.contains("Đã đăng."), "{page}");
    assert!(page.contains("Lịch tiêm chủng tháng 12") && page.contains("Đang hiện"));
    assert!(page.contains("2099-12-31 17:00"), "until, in Vietnam time");
    let list: Vec<serde_json::Value> = {
        let store = phonghop::app::open_store(&hub.config.data_dir).expect("store");
        store
            .news_list(None, true)
            .expect("list")
            .into_iter()
            .map(|row| serde_json::to_value(row).expect("json"))
            .collect()
    };
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["units"], serde_json::json!(["lao-chai"]));
    assert_eq!(list[0]["created_by"], "hoa");
    let id = list[0]["id"].as_str().expect("id").to_owned();

    // The page's script: the file with the token in the header.
    let picture_url = hub
        .url
        .join(&format!("staff/news/{id}/image"))
        .expect("url");
    let put = |token: &str| {
        browser
            .client
            .put(picture_url.clone())
            .header("cookie", &browser.cookie)
            .header("x-csrf-token", token)
            .body(png())
            .send()
    };
    assert_eq!(put("not-the-token").await.expect("put").status(), 403);
    assert_eq!(put(&csrf).await.expect("put").status(), 200);
    let gif = browser
        .client
        .put(picture_url.clone())
        .header("cookie", &browser.cookie)
        .header("x-csrf-token", &csrf)
        .body(&b"GIF89a\x01\x00"[..])
        .send()
        .await
        .expect("put");
    assert_eq!(gif.status(), 400);
    let answer: serde_json::Value = gif.json().await.expect("json");
    assert_eq!(answer["message"], "Ảnh phải là tệp JPEG hoặc PNG.");
    let shown = browser.get(&format!("staff/news/{id}/image")).await;
    assert_eq!(shown.status(), 200);
    assert_eq!(shown.headers()["content-type"], "image/png");
    assert_eq!(
        shown.bytes().await.expect("bytes").as_ref(),
        png().as_slice()
    );

    let page = browser.page("staff/news").await;
    assert!(page.contains(&format!(r#"src="/staff/news/{id}/image""#)));
    let withdraw = format!("staff/news/{id}/withdraw");
    assert_eq!(browser.post(&withdraw, &[]).await.status(), 403, "no token");
    let withdrawn = browser.post(&withdraw, &[("csrf", &csrf)]).await;
    assert_eq!(withdrawn.status(), 303);
    let page = browser.page("staff/news?done=withdrawn").await;
    assert!(
        page.contains("Đã gỡ thông báo.") && page.contains("Đã gỡ"),
        "{page}"
    );
    assert!(
        !page.contains(&withdraw),
        "no withdraw button on a withdrawn notice"
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_province_admin_picks_the_units_and_none_means_every_unit() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let cookie = sign_in(&hub, "an", StaffRole::ProvinceAdmin, None).await;
    let browser = Browser {
        hub: &hub,
        cookie,
        client: http_no_redirects(),
    };
    let page = browser.page("staff/news?lang=en").await;
    for unit in ["lao-chai", "sa-pa", "ban-ho", "bat-xat", "muong-hum"] {
        assert!(
            page.contains(&format!(r#"name="unit" value="{unit}""#)),
            "{unit}"
        );
    }
    assert!(page.contains("No unit ticked: every unit gets it."));
    let csrf = csrf_of(&page);
    let two = browser
        .post(
            "staff/news",
            &[
                ("csrf", &csrf),
                ("title", "Two communes"),
                ("body", "b"),
                ("unit", "sa-pa"),
                ("unit", "ban-ho"),
            ],
        )
        .await;
    assert_eq!(two.status(), 303);
    let all = browser
        .post(
            "staff/news",
            &[("csrf", &csrf), ("title", "Everyone"), ("body", "b")],
        )
        .await;
    assert_eq!(all.status(), 303);
    let page = browser.page("staff/news").await;
    assert!(
        page.contains("Ủy ban MTTQ xã Bản Hồ, Ủy ban MTTQ phường Sa Pa"),
        "{page}"
    );
    assert!(page.contains("mọi đơn vị"), "{page}");
    hub.stop().await;
}
