//! A campaign set up at the hub reaches a room; a donor's pledge made at the room's kiosk
//! reaches the hub exactly once; the bank's signed webhook for the transfer credits it; and
//! the confirmation comes back down to the room, which then reports the pledge confirmed.

use crate::contrib_common;

use std::time::Duration;

use crate::common::{enrolled_room, eventually, start_room_with_kiosk};
use contrib_common::*;
use phonghop::room::contrib_service::{ContribRequest, PledgeDraft, PledgeTicket};
use phonghop::room::service::{KioskClient, KioskRequest};
use phonghop::store::PledgeState;
use phonghop::wire::CampaignInfo;

async fn campaigns_at_the_room(kiosk: &KioskClient) -> Vec<CampaignInfo> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    kiosk.send(KioskRequest::Contrib(ContribRequest::ListCampaigns {
        reply,
    }));
    answer.await.expect("room answered").expect("listed")
}

async fn state_at_the_room(kiosk: &KioskClient, code: &str) -> Option<PledgeState> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    kiosk.send(KioskRequest::Contrib(ContribRequest::PledgeStatus {
        reference_code: code.to_owned(),
        reply,
    }));
    answer.await.expect("room answered").expect("looked up")
}

async fn pledge_at_the_room(kiosk: &KioskClient, campaign_id: &str) -> PledgeTicket {
    let (reply, answer) = tokio::sync::oneshot::channel();
    kiosk.send(KioskRequest::Contrib(ContribRequest::CreatePledge {
        draft: PledgeDraft {
            campaign_id: campaign_id.to_owned(),
            amount_vnd: 100_000,
            donor_name: Some("Bà Lò Thị Mai".to_owned()),
        },
        reply,
    }));
    answer.await.expect("room answered").expect("pledge stored")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pledge_made_at_a_room_is_confirmed_by_the_bank_webhook_and_the_room_learns_it() {
    let dir = tempdir();
    let hub_dir = dir.path().join("hub");
    std::fs::create_dir_all(&hub_dir).expect("hub dir");
    let hub = start_hub(&hub_dir).await;
    let hub_store = store(&hub);
    let campaign = campaign(&hub_store);
    let (config, room_id) = enrolled_room(&hub, "muong-hum", dir.path().join("room")).await;
    let (room, kiosk) = start_room_with_kiosk(config).await;

    eventually("the campaign at the room", Duration::from_secs(60), || {
        let kiosk = kiosk.clone();
        let id = campaign.id.clone();
        async move {
            campaigns_at_the_room(&kiosk)
                .await
                .iter()
                .any(|c| c.id == id)
        }
    })
    .await;
    let at_room = campaigns_at_the_room(&kiosk).await;
    assert_eq!(at_room[0].account, ACCOUNT);
    assert_eq!(at_room[0].goal_vnd, 50_000_000);

    let ticket = pledge_at_the_room(&kiosk, &campaign.id).await;
    let code = ticket.reference_code.clone();
    let parsed = phonghop::vietqr::parse(&ticket.payload).expect("VietQR");
    assert_eq!(parsed.amount_vnd, Some(100_000));
    assert!(parsed.purpose.expect("purpose").starts_with(&code));
    assert_eq!(
        state_at_the_room(&kiosk, &code).await,
        Some(PledgeState::Pending)
    );

    eventually("the pledge at the hub", Duration::from_secs(60), || {
        let s = hub_store.clone();
        let code = code.clone();
        async move { s.pledge(&code).ok().flatten().is_some() }
    })
    .await;
    let pledge = hub_store.pledge(&code).expect("read").expect("pledge");
    assert_eq!(pledge.room_id.as_deref(), Some(room_id.as_str()));
    assert_eq!(pledge.amount_vnd, 100_000);
    assert_eq!(pledge.donor_name.as_deref(), Some("Bà Lò Thị Mai"));

    // The bank reports the transfer, memo as a banking app writes it, signed.
    let body = generic_body(
        "tx-kiosk-1",
        100_000,
        &format!("MBVCB.3278907.{code} Quy Vi nguoi ngheo"),
        "FT26327ABC",
    );
    let (status, answer) = post_generic(&hub, &body).await;
    assert_eq!(status, 200, "{answer}");
    let (status, _) = post_generic(&hub, &body).await;
    assert_eq!(status, 200, "a retried notification is answered the same");

    eventually(
        "the confirmation at the room",
        Duration::from_secs(60),
        || {
            let kiosk = kiosk.clone();
            let code = code.clone();
            async move {
                matches!(
                    state_at_the_room(&kiosk, &code).await,
                    Some(PledgeState::Confirmed {
                        amount_vnd: 100_000,
                        ..
                    })
                )
            }
        },
    )
    .await;
    let totals = campaigns_at_the_room(&kiosk).await;
    eventually("the totals at the room", Duration::from_secs(60), || {
        let kiosk = kiosk.clone();
        async move { campaigns_at_the_room(&kiosk).await[0].gifts == 1 }
    })
    .await;
    assert!(totals[0].raised_vnd <= 100_000);

    // Exactly once at the hub: one pledge, one credit for it.
    assert_eq!(
        count(
            &hub,
            &format!("SELECT count(*) FROM pledges WHERE reference = '{code}'")
        ),
        1
    );
    assert_eq!(
        count(
            &hub,
            &format!(
                "SELECT count(*) FROM ledger_entries WHERE pledge_id = '{}'",
                pledge.id
            )
        ),
        1
    );
    assert_eq!(
        hub_store
            .campaign_totals(&campaign.id)
            .expect("totals")
            .raised_vnd,
        100_000
    );
    room.stop().await;
    hub.stop().await;
}
