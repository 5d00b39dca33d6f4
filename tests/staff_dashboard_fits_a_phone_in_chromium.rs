//! A commune officer signs in to the dashboard in a real browser (Debian's headless
//! Chromium) through the login form, at a phone's width (360 px) and a desktop's: nothing
//! scrolls sideways, the stylesheet loads under the CSP (no console errors), her menu is
//! her role's, and the menu's logout button ends the session.
//!
//! Needs Node.js, /usr/bin/chromium and playwright-core in `$PHONGHOP_NPM_DIR/node_modules`
//! (`make test` installs them).

use crate::common;

use common::*;
use phonghop::hub::accounts::{NewAccount, add_user};
use phonghop::store::StaffRole;

const HINT: &str =
    "run `make test` (it installs chromium and playwright-core) or set PHONGHOP_NPM_DIR";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commune_officer_signs_in_on_a_phone_and_nothing_scrolls_sideways() {
    let npm_dir = std::env::var_os("PHONGHOP_NPM_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| panic!("PHONGHOP_NPM_DIR is not set: {HINT}"));
    assert!(
        npm_dir
            .join("node_modules/playwright-core/package.json")
            .exists(),
        "{} has no node_modules/playwright-core: {HINT}",
        npm_dir.display()
    );
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "no /usr/bin/chromium: {HINT}"
    );
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let password = "mật khẩu đủ dài 2026";
    add_user(
        &hub.config,
        &NewAccount {
            login: "laochai",
            name: "Lò Thị Hoa, cán bộ Mặt trận xã Lao Chải",
            role: StaffRole::CommuneStaff,
            unit: Some("lao-chai"),
            password: Some(password),
        },
    )
    .expect("account");

    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/staff-login-check.mjs");
    let output = tokio::process::Command::new("node")
        .arg(&script)
        .arg(hub.url.as_str())
        .arg("laochai")
        .arg(password)
        .env("PHONGHOP_NPM_DIR", &npm_dir)
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}): {HINT}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser check failed: {stderr}"
    );
    let seen: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });

    assert_eq!(
        seen["consoleErrors"],
        serde_json::json!([]),
        "no CSP or load errors"
    );
    let views = seen["views"].as_array().expect("views");
    assert_eq!(views.len(), 2, "{seen}");
    for view in views {
        let width = &view["width"];
        assert_eq!(
            view["loginOverflow"], 0,
            "the login page at {width} px: {view}"
        );
        assert_eq!(
            view["homeOverflow"], 0,
            "the home page at {width} px: {view}"
        );
        assert_eq!(
            view["headerColour"], "rgb(179, 38, 30)",
            "the stylesheet applies: {view}"
        );
        assert_eq!(
            view["heading"], "Trang chủ",
            "Vietnamese by default: {view}"
        );
        let menu: Vec<&str> = view["menu"]
            .as_array()
            .expect("menu")
            .iter()
            .filter_map(|m| m.as_str())
            .collect();
        assert!(menu.contains(&"Ý kiến người dân"), "{menu:?}");
        assert!(
            !menu.contains(&"Đóng góp"),
            "no province menus for commune staff: {menu:?}"
        );
        assert_eq!(view["afterLogout"], "/staff/login", "logged out: {view}");
    }
    hub.stop().await;
}
