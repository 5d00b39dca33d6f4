//! A kiosk pledge's code is found wherever the bank put it in the memo, in any case, as a
//! whole word: the transfer of the pledged amount confirms the pledge and credits the
//! campaign.

use crate::contrib_common;
use contrib_common::*;
use phonghop::contrib::{EntryKind, PledgeStatus, TransferOutcome};

#[tokio::test]
async fn the_pledge_code_among_the_banks_words_confirms_the_pledge() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let store = store(&hub);
    let campaign = campaign(&store);
    let pledged = pledge(&store, &campaign, "UH7K3P9", 100_000, Some("Cô Hoa"));
    pledge(&store, &campaign, "ZZ7K3P9", 100_000, None);

    let (status, answer) = post_generic(
        &hub,
        &generic_body(
            "gw-77",
            100_000,
            "MBVCB.3278907687.uh7k3p9 QUY VI NGUOI NGHEO",
            "FT26327D4",
        ),
    )
    .await;
    assert_eq!(status, 200, "{answer}");

    let confirmed = store.pledge("UH7K3P9").expect("db").expect("pledge");
    assert_eq!(confirmed.status, PledgeStatus::Confirmed);
    let other = store.pledge("ZZ7K3P9").expect("db").expect("pledge");
    assert_eq!(other.status, PledgeStatus::Pending);
    let ledger = store.ledger_of(&campaign.id).expect("ledger");
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].kind, EntryKind::Gift);
    assert_eq!(ledger[0].pledge_id.as_deref(), Some(pledged.id.as_str()));
    assert_eq!(ledger[0].amount_vnd, 100_000);
    // What a room downloads to thank the donor.
    let confirmations = store.confirmations_since(0).expect("confirmations");
    assert_eq!(confirmations.len(), 1);
    assert!(store.unallocated_transfers().expect("queue").is_empty());
    hub.stop().await;
}

#[test]
fn a_code_glued_inside_a_longer_word_is_not_a_match() {
    let store = phonghop::store::Store::open_in_memory().expect("store");
    let campaign = campaign(&store);
    pledge(&store, &campaign, "UH7K3P9", 100_000, None);
    let transfer = phonghop::contrib::IncomingTransfer {
        provider: "generic".into(),
        provider_txn_id: "1".into(),
        bank_reference: None,
        amount_vnd: 100_000,
        transfer_text: "XUH7K3P9 ung ho".into(),
        match_text: "XUH7K3P9 ung ho".into(),
        sender_name: None,
        account: ACCOUNT.into(),
        occurred_at_ms: 0,
        raw_json: "{}".into(),
    };
    let outcome = store.record_transfer(&transfer, 1).expect("record");
    assert!(
        matches!(&outcome, TransferOutcome::Unallocated { reason, .. } if reason == "no reference code"),
        "{outcome:?}"
    );
}

#[test]
fn a_room_uploading_the_same_pledge_again_changes_nothing() {
    let store = phonghop::store::Store::open_in_memory().expect("store");
    let campaign = campaign(&store);
    let first = pledge(&store, &campaign, "UH7K3P9", 100_000, None);
    let (again, new) = store.record_pledge(&first).expect("second upload");
    assert!(!new);
    assert_eq!(again, first);
    let mut other = first.clone();
    other.id = uuid::Uuid::now_v7().to_string();
    assert!(
        store.record_pledge(&other).is_err(),
        "a taken code is refused"
    );
}
