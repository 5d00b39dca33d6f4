//! Zalo checks that whoever registers a webhook owns its domain by fetching
//! `/zalo_verifier<code>.html` from it. With `[zalo] site_verification` set, the hub serves
//! exactly that file (the code in Zalo's meta tag), so a hub needs no other web server in
//! front to pass the check; any other verifier name, or the same name on a hub without the
//! setting, is 404.

use crate::common;
use crate::zalo_common::{self, ZaloServer};

const CODE: &str = "GeQV9QEF2WrRYhi2lVWtLKsEX5wX-548EJCs";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configured_verifier_file_is_served_and_no_other() {
    let dir = common::tempdir();
    let zalo = ZaloServer::start("access-0", "refresh-0").await;
    let mut config = zalo_common::hub_config(&dir.path().join("hub"), &zalo);
    if let Some(z) = config.zalo.as_mut() {
        z.site_verification = Some(CODE.into());
    }
    let hub = common::start_configured_hub(config).await;

    let answer = common::get(
        hub.url
            .join(&format!("zalo_verifier{CODE}.html"))
            .expect("url"),
    )
    .await;
    assert_eq!(answer.status(), 200);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/html")),
        "{:?}",
        answer.headers()
    );
    let page = answer.text().await.expect("text");
    assert!(
        page.contains(&format!(
            "<meta property=\"zalo-platform-site-verification\" content=\"{CODE}\" />"
        )),
        "{page}"
    );
    assert!(page.contains("There Is No Limit To What You Can Accomplish Using Zalo!"));

    for other in [
        "zalo_verifierSOMEONEELSE0123456789.html".to_owned(),
        format!("zalo_verifier{CODE}.htm"),
        format!("zalo_verifier{CODE}"),
    ] {
        let answer = common::get(hub.url.join(&other).expect("url")).await;
        assert_eq!(answer.status(), 404, "{other}");
        let said = answer.text().await.expect("text");
        assert!(said.contains("[zalo] site_verification"), "{other}: {said}");
    }
    hub.stop().await;

    let plain = common::tempdir();
    let hub = zalo_common::start_hub(&plain.path().join("hub"), &zalo).await;
    let answer = common::get(
        hub.url
            .join(&format!("zalo_verifier{CODE}.html"))
            .expect("url"),
    )
    .await;
    assert_eq!(answer.status(), 404, "not configured, not served");
    hub.stop().await;
}
