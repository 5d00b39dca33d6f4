//! Providers retry in parallel and out of order: 20 concurrent deliveries of 5 distinct
//! transactions (each 4 times, shuffled) leave exactly 5 transfers and 5 ledger entries.

use crate::contrib_common;
use contrib_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_deliveries_of_five_transactions_make_five_entries() {
    let dir = tempdir();
    let hub = std::sync::Arc::new(start_hub(dir.path()).await);
    let store = store(&hub);
    let campaign = campaign(&store);

    let bodies: Vec<String> = (0..5)
        .map(|i| {
            generic_body(
                &format!("gw-{i}"),
                10_000 * (i + 1),
                &format!("MBVCB.{i}.{POSTER_CODE}.ung ho"),
                &format!("FT2632{i}"),
            )
        })
        .collect();
    // A fixed shuffle: later transactions first, repeats interleaved.
    let order = [4, 2, 0, 3, 1, 1, 4, 0, 2, 3, 3, 0, 4, 1, 2, 2, 1, 3, 0, 4];
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(order.len()));
    let mut tasks = Vec::new();
    for i in order {
        let (hub, body, barrier) = (hub.clone(), bodies[i].clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            post_generic(&hub, &body).await
        }));
    }
    for task in tasks {
        let (status, answer) = task.await.expect("task");
        assert_eq!(status, 200, "{answer}");
    }
    assert_eq!(count(&hub, "SELECT count(*) FROM transfers"), 5);
    assert_eq!(count(&hub, "SELECT count(*) FROM ledger_entries"), 5);
    let totals = store.campaign_totals(&campaign.id).expect("totals");
    assert_eq!((totals.raised_vnd, totals.gifts), (150_000, 5));
    match std::sync::Arc::try_unwrap(hub) {
        Ok(hub) => hub.stop().await,
        Err(_) => panic!("every task ended"),
    }
}
