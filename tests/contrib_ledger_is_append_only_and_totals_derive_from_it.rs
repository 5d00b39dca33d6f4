//! The ledger only grows: SQLite itself refuses UPDATE and DELETE of its rows; corrections
//! and refunds are new entries, and the campaign's totals are sums over the entries.

use crate::contrib_common;
use crate::contrib_fixtures::staff_command;
use contrib_common::*;

#[tokio::test]
async fn ledger_rows_cannot_change_and_totals_follow_new_entries() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let store = store(&hub);
    let campaign = campaign(&store);
    for (id, amount) in [("a", 200_000), ("b", 300_000)] {
        let (status, _) = post_generic(
            &hub,
            &generic_body(
                id,
                amount,
                &format!("{POSTER_CODE} ung ho"),
                &format!("FT-{id}"),
            ),
        )
        .await;
        assert_eq!(status, 200);
    }

    let conn =
        rusqlite::Connection::open(phonghop::datadir::DataDir::new(&hub.config.data_dir).db_path())
            .expect("sqlite");
    let update = conn.execute("UPDATE ledger_entries SET amount_vnd = 1", []);
    assert!(
        update
            .as_ref()
            .is_err_and(|e| e.to_string().contains("append-only")),
        "{update:?}"
    );
    let delete = conn.execute("DELETE FROM ledger_entries", []);
    assert!(delete.is_err(), "{delete:?}");

    let config = write_hub_toml(dir.path(), &hub.config.data_dir);
    let (code, _, stderr) = staff_command(
        &config,
        &[
            "ledger",
            "correct",
            "--campaign",
            SLUG,
            "--amount",
            "-50000",
        ],
        "Anh Tuấn",
        "phí ngân hàng",
    );
    assert_eq!(code, 0, "{stderr}");
    let transfer_b: String = conn
        .query_row(
            "SELECT id FROM transfers WHERE provider_txn_id = 'b'",
            [],
            |r| r.get(0),
        )
        .expect("transfer b");
    let (code, _, stderr) = staff_command(
        &config,
        &["ledger", "refund", "--transfer", &transfer_b],
        "Anh Tuấn",
        "chuyển nhầm, đã hoàn",
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = staff_command(
        &config,
        &["ledger", "correct", "--campaign", SLUG, "--amount", "abc"],
        "A",
        "x",
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--amount"), "{stderr}");

    let entries = store.ledger_of(&campaign.id).expect("ledger");
    let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, vec!["gift", "gift", "correction", "refund"]);
    let sum: i64 = entries.iter().map(|e| e.amount_vnd).sum();
    let totals = store.campaign_totals(&campaign.id).expect("totals");
    assert_eq!(totals.raised_vnd, sum);
    assert_eq!(totals.raised_vnd, 200_000 + 300_000 - 50_000 - 300_000);
    assert_eq!(totals.gifts, 1, "the refunded gift no longer counts");
    assert_eq!(
        totals.last_update_ms,
        entries.iter().map(|e| e.created_at_ms).max()
    );
    // The gift rows are as they were first written.
    assert_eq!(entries[1].amount_vnd, 300_000);
    hub.stop().await;
}
