//! `phonghop hub user ...` through the real binary, beside a running hub: accounts are
//! added (with a password from stdin, or a one-time link), listed, given tokens that the
//! hub accepts at once, and revoked or disabled so that the hub refuses them at once. Bad
//! input is refused with a message that says what to fix.

use crate::common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;

fn user_cli(
    config: &std::path::Path,
    args: &[&str],
    stdin: Option<&str>,
) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .args(["hub", "user"])
        .args(args)
        .arg("--config")
        .arg(config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run phonghop");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("wait");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn feedback_status(hub: &TestHub, token: &str) -> u16 {
    staff_client(token)
        .get(hub.url.join("api/v1/feedback").expect("url"))
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_and_tokens_made_on_the_command_line_work_at_the_running_hub() {
    let dir = tempdir();
    let hub_dir = dir.path().join("hub");
    let hub = start_hub(&hub_dir).await;
    let config = dir.path().join("hub.toml");
    std::fs::write(
        &config,
        HUB_TOML.replace(
            "data_dir = \"/tmp/phonghop-demo\"",
            &format!("data_dir = {:?}", hub_dir),
        ),
    )
    .expect("config");

    let (ok, out, err) = user_cli(
        &config,
        &[
            "add",
            "--login",
            "tinh",
            "--role",
            "province-admin",
            "--name",
            "Vàng A Sử",
            "--password-stdin",
        ],
        Some("mật khẩu đủ dài 2026\n"),
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("Account tinh (province-admin"), "{out}");
    assert!(
        !out.contains("set-password"),
        "a password was given: no link"
    );

    let (ok, out, err) = user_cli(
        &config,
        &[
            "add",
            "--login",
            "laochai",
            "--role",
            "commune-staff",
            "--unit",
            "lao-chai",
            "--name",
            "Lò Thị Hoa",
        ],
        None,
    );
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("/staff/set-password/"),
        "no password: a one-time link: {out}"
    );

    for (args, expected) in [
        (
            vec![
                "add",
                "--login",
                "x1",
                "--role",
                "commune-staff",
                "--name",
                "X",
            ],
            "needs --unit; known units: lao-cai, lao-chai",
        ),
        (
            vec![
                "add",
                "--login",
                "x2",
                "--role",
                "commune-staff",
                "--unit",
                "ha-noi",
                "--name",
                "X",
            ],
            "unit \"ha-noi\" is not a unit of this hub; known units:",
        ),
        (
            vec![
                "add",
                "--login",
                "tinh",
                "--role",
                "province-admin",
                "--name",
                "X",
            ],
            "login \"tinh\" is taken",
        ),
        (
            vec![
                "add",
                "--login",
                "Bad Login",
                "--role",
                "province-admin",
                "--name",
                "X",
            ],
            "a login is 2 to 64 characters",
        ),
        (
            vec!["disable", "--login", "nobody"],
            "no staff account with login \"nobody\"",
        ),
    ] {
        let (ok, out, err) = user_cli(&config, &args, None);
        assert!(!ok, "{args:?} must fail: {out}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let (ok, _, err) = user_cli(
        &config,
        &["add", "--login", "x3", "--role", "admin", "--name", "X"],
        None,
    );
    assert!(
        !ok && err.contains("province-admin"),
        "clap names the roles: {err}"
    );

    let (ok, out, err) = user_cli(
        &config,
        &["token", "--login", "tinh", "--label", "báo cáo"],
        None,
    );
    assert!(ok, "{out}{err}");
    let token = out
        .lines()
        .next()
        .expect("the token first")
        .trim()
        .to_owned();
    assert!(token.starts_with("phst1_"), "{out}");
    assert_eq!(
        feedback_status(&hub, &token).await,
        200,
        "the running hub accepts it"
    );

    let (ok, out, _) = user_cli(&config, &["list"], None);
    assert!(ok);
    assert!(
        out.contains("tinh\tprovince-admin\t-\tVàng A Sử\tactive"),
        "{out}"
    );
    assert!(
        out.contains("laochai\tcommune-staff\tlao-chai\tLò Thị Hoa\tno password yet"),
        "{out}"
    );
    assert!(out.contains("token 1\tbáo cáo"), "{out}");
    assert!(!out.contains(&token), "list never shows a token");

    let (ok, out, err) = user_cli(
        &config,
        &["revoke-token", "--login", "tinh", "--token-id", "1"],
        None,
    );
    assert!(ok, "{out}{err}");
    assert_eq!(feedback_status(&hub, &token).await, 401, "revoked at once");

    let (_, out, _) = user_cli(&config, &["token", "--login", "tinh"], None);
    let second = out.lines().next().expect("token").trim().to_owned();
    assert_eq!(feedback_status(&hub, &second).await, 200);
    let (ok, out, err) = user_cli(&config, &["disable", "--login", "tinh"], None);
    assert!(ok, "{out}{err}");
    assert_eq!(
        feedback_status(&hub, &second).await,
        401,
        "a disabled account's token stops"
    );
    let (_, out, _) = user_cli(&config, &["list"], None);
    assert!(
        out.contains("tinh\tprovince-admin\t-\tVàng A Sử\tdisabled"),
        "{out}"
    );

    let (ok, out, err) = user_cli(&config, &["reset", "--login", "laochai"], None);
    assert!(ok && out.contains("/staff/set-password/"), "{out}{err}");
    hub.stop().await;
}
