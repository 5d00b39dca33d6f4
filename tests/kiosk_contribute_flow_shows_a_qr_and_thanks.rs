//! At a room's kiosk a donor picks a campaign, an amount and "anonymous"; the kiosk shows
//! the dynamic VietQR the room stored the pledge for (it decodes to a payload with the
//! amount and the reference code first), and when a confirmation reaches the room's state
//! while the QR is still shown, the kiosk says thank you.

use crate::common;

use std::time::Duration;

use crate::kiosk_common::{kiosk_room, room_harness_of};
use common::*;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use phonghop::kiosk::RoomKiosk;
use phonghop::kiosk::contribute::Step;
use phonghop::kiosk::shell::Screen;
use phonghop::store::{PledgeState, Store};
use phonghop::vietqr::render::{QrUse, module_matrix, png_bytes};
use phonghop::wire::{CampaignInfo, PledgeConfirmation};

fn campaign() -> CampaignInfo {
    CampaignInfo {
        id: "0190f2a0-0000-7000-8000-000000000001".into(),
        slug: "vi-nguoi-ngheo-2026".into(),
        title: "Quỹ Vì người nghèo xã Lao Chải".into(),
        story: "Sửa nhà cho 12 hộ nghèo.".into(),
        bank_bin: "970436".into(),
        account: "0011001234567".into(),
        account_name: "UY BAN MTTQ XA LAO CHAI".into(),
        goal_vnd: 50_000_000,
        raised_vnd: 12_500_000,
        gifts: 34,
        last_update_ms: Some(phonghop::clock::now_ms()),
        status: phonghop::contrib::CampaignStatus::Open,
    }
}

/// Steps the UI until `done` holds; fails after a generous deadline (the room answers
/// through its database on another thread).
fn settle(
    h: &mut Harness<'static, RoomKiosk>,
    what: &str,
    done: impl Fn(&Harness<'static, RoomKiosk>) -> bool,
) {
    crate::common::wait_until(what, Duration::from_secs(20), || {
        h.run();
        done(h)
    });
}

fn decode(png: &[u8]) -> String {
    let mut codes = crate::common::decode_qr_codes(png);
    assert_eq!(codes.len(), 1, "one QR code: {codes:?}");
    codes.remove(0)
}

#[test]
fn a_donor_gets_a_qr_with_the_amount_and_code_and_then_thanks() {
    let dir = tempdir();
    let data_dir = dir.path().join("room");
    std::fs::create_dir_all(&data_dir).expect("data dir");
    // The room's copy of the campaigns, as a download from the hub leaves it.
    let db = phonghop::datadir::DataDir::new(&data_dir).db_path();
    let store = Store::open(&db).expect("room db");
    store
        .apply_contrib_down(Some(&[campaign()]), &[], phonghop::clock::now_ms())
        .expect("campaigns");

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    // No hub is listening there: the kiosk works from the room's own copy.
    let hub_url: url::Url = "https://127.0.0.1:9/".parse().expect("url");
    let (room, service) = rt.block_on(start_room_with_kiosk(room_config(
        "lao-chai",
        data_dir.clone(),
        &hub_url,
    )));

    let kiosk = RoomKiosk::new(
        kiosk_room(
            room.status.clone(),
            Some(service),
            Screen::Home,
            dir.path().join("recording"),
        ),
        Some("no audio in tests".into()),
    );
    let mut h = room_harness_of(kiosk);
    h.run();

    h.get_by_label("Ủng hộ").click();
    settle(&mut h, "the campaign list", |h| {
        h.query_by_label("Quỹ Vì người nghèo xã Lao Chải").is_some()
    });
    h.get_by_label_contains("34 lượt ủng hộ");
    h.get_by_label("Quỹ Vì người nghèo xã Lao Chải").click();
    h.run();
    assert_eq!(h.state().shell().screen, Screen::Contribute(Step::Amount));
    h.get_by_label("100.000 ₫").click();
    h.run();
    assert_eq!(h.state().shell().screen, Screen::Contribute(Step::Name));
    h.get_by_label("Ủng hộ giấu tên").click();
    settle(&mut h, "the QR", |h| {
        h.query_by_label("Mã VietQR để chuyển khoản").is_some()
    });

    let ticket = match &h.state().shell().contribute.pledge {
        Some(Ok(ticket)) => ticket.clone(),
        other => panic!("no pledge: {other:?}"),
    };
    let code = ticket.reference_code.clone();
    h.get_by_label(&format!("Mã ủng hộ: {code}"));
    h.get_by_label("Số tiền: 100.000 ₫");
    h.get_by_label("Đang chờ bạn chuyển khoản…");
    // What is drawn is the payload's own module matrix (quiet zone included)…
    assert_eq!(
        h.state().shell().contribute.qr.as_ref(),
        Some(&module_matrix(&ticket.payload, QrUse::Screen).expect("matrix"))
    );
    // …and that payload, rendered the same way, decodes to a VietQR with the amount and
    // the reference code first in the purpose.
    let decoded = decode(&png_bytes(&ticket.payload, QrUse::Screen, 600).expect("png"));
    assert_eq!(decoded, ticket.payload);
    let parsed = phonghop::vietqr::parse(&decoded).expect("a VietQR");
    assert_eq!(parsed.amount_vnd, Some(100_000));
    assert_eq!(parsed.account, "0011001234567");
    let purpose = parsed.purpose.expect("purpose");
    assert!(purpose.starts_with(&format!("{code} ")), "{purpose}");
    // The pledge is durable at the room, anonymous, and waiting for the hub.
    assert_eq!(
        store.room_pledge_state(&code).expect("state"),
        Some(PledgeState::Pending)
    );
    let outbox = store.pending(10).expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert!(outbox[0].body.contains(&code) && outbox[0].body.contains("\"donor_name\":null"));

    // The hub's confirmation arrives in the room's state while the donor still looks.
    store
        .apply_contrib_down(
            None,
            &[PledgeConfirmation {
                reference_code: code.clone(),
                amount_vnd: 100_000,
                confirmed_at_ms: phonghop::clock::now_ms(),
            }],
            phonghop::clock::now_ms(),
        )
        .expect("confirmation");
    settle(&mut h, "the thank-you", |h| {
        h.state().shell().screen == Screen::Contribute(Step::Thanks)
    });
    h.get_by_label("Cảm ơn bạn!");
    h.get_by_label_contains("100.000 ₫ cho Quỹ Vì người nghèo xã Lao Chải");

    // Home clears the flow (personal data).
    h.get_by_label("Xong").click();
    h.run();
    assert_eq!(h.state().shell().screen, Screen::Home);
    assert!(h.state().shell().contribute.pledge.is_none());
    rt.block_on(room.stop());
}
