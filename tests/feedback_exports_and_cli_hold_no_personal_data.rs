//! Staff handle feedback from the hub's command line (list, show, status, reply, export);
//! the CSV export never carries the names or phone numbers residents gave.

use crate::common;

use std::time::Duration;

use common::*;

fn hub_cli(config: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .args(["hub", "feedback"])
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .expect("run phonghop")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_reply_from_the_command_line_and_exports_hold_no_personal_data() {
    let dir = tempdir();
    let hub_dir = dir.path().join("hub");
    let hub = start_hub(&hub_dir).await;
    let (config, _) = enrolled_room(&hub, "ban-ho", dir.path().join("room")).await;
    let (room, kiosk) = start_room_with_kiosk(config).await;
    let mut draft = typed("Cầu treo Bản Hồ bị gãy tay vịn");
    draft.name = Some("Sùng Thị Dung".into());
    draft.phone = Some("0977123456".into());
    draft.village = Some("Thôn Hang Đá".into());
    let code = submit_feedback(&kiosk, draft).await.ticket_code;
    let store = phonghop::store::Store::open(&hub_dir.join("phonghop.db")).expect("hub db");
    eventually("the ticket at the hub", Duration::from_secs(15), || {
        let store = store.clone();
        let code = code.clone();
        async move { store.feedback_by_ticket(&code).ok().flatten().is_some() }
    })
    .await;

    let config_path = dir.path().join("hub.toml");
    std::fs::write(
        &config_path,
        HUB_TOML.replace(
            "data_dir = \"/tmp/phonghop-demo\"",
            &format!("data_dir = {:?}", hub_dir),
        ),
    )
    .expect("config");

    let list = hub_cli(
        &config_path,
        &["list", "--unit", "ban-ho", "--status", "new"],
    );
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.status.success() && listed.contains(&code),
        "{listed}{}",
        String::from_utf8_lossy(&list.stderr)
    );

    let reply = hub_cli(
        &config_path,
        &[
            "reply",
            &code.to_lowercase(),
            "Đã báo Ban quản lý dự án sửa.",
            "--status",
            "in_progress",
            "--by",
            "Lò Văn Thắng",
        ],
    );
    assert!(
        reply.status.success(),
        "{}",
        String::from_utf8_lossy(&reply.stderr)
    );
    let backwards = hub_cli(
        &config_path,
        &["status", &code, "new", "--by", "Lò Văn Thắng"],
    );
    assert_eq!(backwards.status.code(), Some(2), "a status never goes back");
    assert!(String::from_utf8_lossy(&backwards.stderr).contains("cannot become new"));

    let show = hub_cli(&config_path, &["show", &code]);
    let shown = String::from_utf8_lossy(&show.stdout);
    assert!(
        shown.contains("0977123456"),
        "staff see the consented phone: {shown}"
    );

    let export = hub_cli(
        &config_path,
        &["export", "--format", "csv", "--since", "2020-01-01"],
    );
    let csv = String::from_utf8_lossy(&export.stdout);
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    assert!(
        csv.contains(&code) && csv.contains("Đã báo Ban quản lý dự án sửa."),
        "{csv}"
    );
    for secret in ["Sùng Thị Dung", "0977123456", "Thôn Hang Đá"] {
        assert!(!csv.contains(secret), "the export carries {secret}:\n{csv}");
    }
    let bad = hub_cli(&config_path, &["export", "--format", "xlsx"]);
    assert_eq!(bad.status.code(), Some(2));
    room.stop().await;
    hub.stop().await;
}
