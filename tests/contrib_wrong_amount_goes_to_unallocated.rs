//! A transfer whose amount is not the pledge's, or that carries no known code, waits in the
//! unallocated queue with its reason; staff assign it from the command line with their
//! name and a reason, and it leaves the queue.

use crate::contrib_common;
use crate::contrib_fixtures::staff_command;
use contrib_common::*;
use phonghop::contrib::{EntryKind, PledgeStatus};

#[tokio::test]
async fn wrong_amounts_and_unknown_memos_wait_for_staff_with_their_reason() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let store = store(&hub);
    let campaign = campaign(&store);
    pledge(&store, &campaign, "UH7K3P9", 100_000, None);

    for (id, amount, memo) in [
        ("gw-1", 150_000, "UH7K3P9 ung ho"),
        ("gw-2", 30_000, "chuyen tien ung ho"),
    ] {
        let (status, answer) =
            post_generic(&hub, &generic_body(id, amount, memo, &format!("FT-{id}"))).await;
        assert_eq!(status, 200, "{answer}");
    }
    let queue = store.unallocated_transfers().expect("queue");
    let reasons: Vec<&str> = queue
        .iter()
        .map(|t| t.unmatched_reason.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(
        reasons,
        vec![
            "amount 150000 ≠ pledge 100000 (UH7K3P9)",
            "no reference code"
        ]
    );
    assert_eq!(
        store
            .campaign_totals(&campaign.id)
            .expect("totals")
            .raised_vnd,
        0
    );
    assert_eq!(
        store.pledge("UH7K3P9").expect("db").expect("pledge").status,
        PledgeStatus::Pending
    );

    let config = write_hub_toml(dir.path(), &hub.config.data_dir);
    let (code, stdout, stderr) = phonghop_hub(&config, &["transfers", "unallocated"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("amount 150000 ≠ pledge 100000"), "{stdout}");

    // Without a name or reason, staff are told what to add.
    let (code, _, stderr) = staff_command(
        &config,
        &["transfers", "assign", &queue[1].id, "--campaign", SLUG],
        " ",
        "x",
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--by"), "{stderr}");

    let (code, stdout, stderr) = staff_command(
        &config,
        &["transfers", "assign", &queue[1].id, "--campaign", SLUG],
        "Chị Lan",
        "người ủng hộ gọi điện xác nhận",
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("30.000"), "{stdout}");
    let (code, _, stderr) = staff_command(
        &config,
        &[
            "transfers",
            "assign",
            &queue[0].id,
            "--campaign",
            SLUG,
            "--pledge",
            "uh7k3p9",
        ],
        "Chị Lan",
        "chuyển dư 50.000, người gửi đồng ý ủng hộ cả",
    );
    assert_eq!(code, 0, "{stderr}");
    // Assigning twice is refused with what to do instead.
    let (code, _, stderr) = staff_command(
        &config,
        &["transfers", "assign", &queue[0].id, "--campaign", SLUG],
        "Lan",
        "again",
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("already has a ledger entry"), "{stderr}");

    assert!(store.unallocated_transfers().expect("queue").is_empty());
    assert_eq!(
        store.pledge("UH7K3P9").expect("db").expect("pledge").status,
        PledgeStatus::Confirmed
    );
    let totals = store.campaign_totals(&campaign.id).expect("totals");
    assert_eq!((totals.raised_vnd, totals.gifts), (180_000, 2));
    let ledger = store.ledger_of(&campaign.id).expect("ledger");
    assert!(
        ledger.iter().all(
            |e| e.kind == EntryKind::Allocation && e.staff_member.as_deref() == Some("Chị Lan")
        )
    );
    hub.stop().await;
}
