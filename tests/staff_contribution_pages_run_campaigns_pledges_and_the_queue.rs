//! A province admin runs contributions from the dashboard, as a browser posts its forms:
//! creates a campaign, records a pledge and sees its reference code and QR, marks the cash
//! received, assigns an unallocated bank transfer to the campaign, and refunds it — a
//! refund without a reason is refused with a message and the ledger is unchanged. The
//! poster downloads; commune staff are refused; a form without its token changes nothing.

use crate::common::tempdir;
use crate::contrib_common::{ACCOUNT, generic_body, post_generic, start_hub, store};
use crate::staff_common::SignedIn;

use phonghop::contrib::PledgeStatus;
use phonghop::store::StaffRole;

const SLUG: &str = "ao-am-2026";

fn raised(html: &str) -> &str {
    let at = html.find("Raised (VND)</dt><dd>").expect("a raised figure") + 21;
    html[at..].split(' ').next().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_create_a_campaign_take_a_pledge_and_clear_the_unallocated_queue() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let admin = SignedIn::new(&hub, "tinh", StaffRole::ProvinceAdmin, None).await;
    let officer = SignedIn::new(&hub, "xa", StaffRole::CommuneStaff, Some("lao-chai")).await;

    // A campaign, from the form; a bad slug is refused with what to fix.
    let fields = [
        ("title", "Áo ấm cho em"),
        ("story", "Áo ấm cho học sinh bán trú."),
        ("bank", "BIDV"),
        ("account", ACCOUNT),
        ("account_name", "UY BAN MTTQ TINH LAO CAI"),
        ("goal", "50.000.000"),
        ("ends", "2099-12-31"),
    ];
    let with_slug = |slug| {
        let mut all = fields.to_vec();
        all.push(("slug", slug));
        all
    };
    let bad = admin
        .post("/staff/contributions", &with_slug("Áo Ấm"))
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("slug"), "{}", bad.body);
    let refused = officer.post("/staff/contributions", &with_slug(SLUG)).await;
    assert_eq!(refused.status, 403, "campaigns are the province's");
    let no_token = admin
        .post_raw("/staff/contributions", &with_slug(SLUG))
        .await;
    assert_eq!(no_token.status, 403, "a form without its token");
    assert!(store(&hub).campaigns().expect("campaigns").is_empty());

    let page = admin.submit("/staff/contributions", &with_slug(SLUG)).await;
    assert!(page.body.contains("Campaign created."), "{}", page.body);
    assert!(page.body.contains(&format!("/c/{SLUG}")));
    assert_eq!(raised(&page.body), "0");
    let list = admin.get("/staff/contributions").await;
    assert!(list.body.contains("Áo ấm cho em") && list.body.contains("50.000.000"));
    assert_eq!(officer.get("/staff/contributions").await.status, 403);

    // A pledge taken in cash: its code and QR are shown to print or show.
    let pledges = format!("/staff/campaigns/{SLUG}/pledges");
    let no_consent = admin
        .post(
            &pledges,
            &[
                ("amount", "200000"),
                ("name", "Lò Thị Mai"),
                ("method", "cash"),
            ],
        )
        .await;
    assert_eq!(no_consent.status, 422);
    assert!(no_consent.body.contains("consent"), "{}", no_consent.body);
    let posted = admin
        .post(&pledges, &[("amount", "200.000"), ("method", "cash")])
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let location = posted.location.expect("location");
    let reference = location
        .split("pledge=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .expect("the pledge's code in the address")
        .to_owned();
    let shown = admin.get(&location).await;
    assert!(shown.body.contains("Pledge recorded."));
    assert!(
        shown
            .body
            .contains(&format!(r#"id="pledge-code">{reference}<"#)),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("<svg"), "the QR is drawn in the page");
    let pledge = store(&hub)
        .pledge(&reference)
        .expect("read")
        .expect("stored");
    assert_eq!(
        (pledge.amount_vnd, pledge.status),
        (200_000, PledgeStatus::Pending)
    );

    // The cash is handed over: the ledger names who took it.
    let received = admin
        .submit(
            &format!("/staff/campaigns/{SLUG}/pledges/{reference}/received"),
            &[("by", "Lò Văn Minh")],
        )
        .await;
    assert!(received.body.contains("Cash received"));
    assert!(received.body.contains("Lò Văn Minh"));
    assert_eq!(raised(&received.body), "200.000");
    let pledge = store(&hub)
        .pledge(&reference)
        .expect("read")
        .expect("stored");
    assert_eq!(pledge.status, PledgeStatus::Confirmed);

    // A transfer without a code waits in the queue; staff assign it.
    let (status, _) = post_generic(
        &hub,
        &generic_body("txn-ung-ho-1", 300_000, "UNG HO AO AM", "FT26327000111"),
    )
    .await;
    assert_eq!(status, 200);
    let queue = admin.get("/staff/contributions/transfers").await;
    assert!(queue.body.contains("300.000") && queue.body.contains("UNG HO AO AM"));
    let transfer = store(&hub).unallocated_transfers().expect("queue")[0]
        .id
        .clone();
    let no_reason = admin
        .post(
            &format!("/staff/contributions/transfers/{transfer}/assign"),
            &[("campaign", SLUG), ("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, 422);
    let assigned = admin
        .submit(
            &format!("/staff/contributions/transfers/{transfer}/assign"),
            &[
                ("campaign", SLUG),
                ("pledge", ""),
                ("reason", "Chuyển khoản thiếu mã"),
            ],
        )
        .await;
    assert!(assigned.body.contains("Transfer assigned."));
    assert!(assigned.body.contains("Nothing is waiting."));
    assert!(
        store(&hub)
            .unallocated_transfers()
            .expect("queue")
            .is_empty()
    );
    let campaign = admin.get(&format!("/staff/campaigns/{SLUG}")).await;
    assert_eq!(raised(&campaign.body), "500.000");

    // A refund needs a reason; the ledger only grows.
    let id = store(&hub)
        .campaign(SLUG)
        .expect("read")
        .expect("campaign")
        .id;
    let entries = store(&hub).ledger_of(&id).expect("ledger").len();
    let refund = format!("/staff/contributions/transfers/{transfer}/refund");
    let without = admin.post(&refund, &[("reason", ""), ("back", SLUG)]).await;
    assert_eq!(without.status, 422);
    assert!(without.body.contains("Give a reason"), "{}", without.body);
    assert_eq!(store(&hub).ledger_of(&id).expect("ledger").len(), entries);
    let refunded = admin
        .submit(
            &refund,
            &[("reason", "Người gửi chuyển nhầm"), ("back", SLUG)],
        )
        .await;
    assert!(refunded.body.contains("Refund recorded."));
    assert_eq!(raised(&refunded.body), "200.000");
    assert_eq!(
        store(&hub).ledger_of(&id).expect("ledger").len(),
        entries + 1
    );

    // The poster, as `phonghop hub poster` writes it; closing stops new pledges.
    let poster = admin
        .get(&format!("/staff/campaigns/{SLUG}/poster.pdf"))
        .await;
    assert_eq!(poster.status, 200);
    assert!(poster.body.starts_with("%PDF"));
    let closed = admin
        .submit(&format!("/staff/campaigns/{SLUG}/close"), &[])
        .await;
    assert!(closed.body.contains("Campaign closed"));
    assert!(
        !closed.body.contains(r#"name="method""#),
        "no pledge form on a closed campaign"
    );
    hub.stop().await;
}
