//! `phonghop hub gen-cert` makes a certificate the hub serves HTTPS with; a room that
//! trusts it ([hub] ca_cert) enrolls and connects, a room that does not is told why.

use crate::common;

use std::time::Duration;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_trusting_the_generated_certificate_connects_over_https() {
    let dir = tempdir();
    let cert = dir.path().join("tls/hub.crt");
    let key = dir.path().join("tls/hub.key");
    let config_path = tls_hub_config_with_certificate(dir.path());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).expect("key").permissions().mode() & 0o777,
        0o600
    );
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .args(["hub", "gen-cert", "--config"])
        .arg(&config_path)
        .output()
        .expect("gen-cert");
    assert_eq!(
        again.status.code(),
        Some(2),
        "an existing certificate is not replaced without --force"
    );

    let config = phonghop::config::load_hub(&config_path).expect("config");
    let hub = start_configured_hub(config).await;
    assert_eq!(hub.url.scheme(), "https");

    // Without the certificate, enrollment fails and says it is about the certificate.
    let (_, code) = phonghop::hub::admin::add_room(&hub.config, "hub.toml", "lao-chai", "Lao Chải")
        .expect("add");
    let untrusting = room_config("lao-chai", dir.path().join("untrusting"), &hub.url);
    let err = phonghop::room::enroll::enroll(&untrusting, None, &code)
        .await
        .expect_err("untrusted");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );

    let mut trusting = room_config("lao-chai", dir.path().join("room"), &hub.url);
    trusting.hub_ca_cert = Some(cert.clone());
    phonghop::room::enroll::enroll(&trusting, None, &code)
        .await
        .expect("enroll over https");
    let mut room = start_room(trusting).await;
    wait_for(
        &mut room.status,
        "connected over wss",
        Duration::from_secs(15),
        |s| s.connected(),
    )
    .await;
    room.stop().await;
    hub.stop().await;
}
