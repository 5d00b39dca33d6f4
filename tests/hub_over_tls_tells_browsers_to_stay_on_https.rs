//! A hub serving TLS itself sends `Strict-Transport-Security` on its pages, so a browser
//! that saw it never falls back to plain http (a plain-http hub sends none: see
//! `public_pages_send_security_headers_and_metrics_stay_private`).

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_over_tls_carry_hsts() {
    let dir = tempdir();
    let cert = dir.path().join("tls/hub.crt");
    let config_path = tls_hub_config_with_certificate(dir.path());
    let config = phonghop::config::load_hub(&config_path).expect("config");
    let hub = start_configured_hub(config).await;
    let tls = phonghop::hub::tls::client_config(Some(&cert)).expect("tls");
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured((*tls).clone())
        .build()
        .expect("client");
    for path in ["healthz", "t/LC-7KAAA", "staff/login"] {
        let response = client
            .get(hub.url.join(path).expect("url"))
            .send()
            .await
            .expect("answered");
        let hsts = response
            .headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(hsts.starts_with("max-age="), "{path}: {hsts:?}");
    }
    hub.stop().await;
}
