//! A room's upload as the hub receives it (`POST /api/v1/sync/up`), applied to a real hub
//! store the way the route applies it: each item through `hub::upload_refusal`, then
//! `Store::store_upload_checked`. The store is fresh for every input (an enrolled room with
//! its ticket prefix, another room's ticket, a campaign, one voice file), so a crash
//! replays alone.
//!
//! What must hold, whatever a faulty or hostile box sends:
//! - the store never fails (a failure is a 500, and the room resends the batch for ever);
//! - the answer follows the batch's order: `stored` is its first items, processing stops
//!   only at a feedback whose voice file the hub lacks, and `rejected` is within `stored`;
//! - every item answered as stored (and not rejected) is in the store as sent; nothing
//!   else is, and the other room's ticket is untouched;
//! - the same batch again gets the same answer.
//!
//! The input is either the batch's JSON (as the route reads it; the seeds) or, when it
//! does not start with `{`, bytes that build a batch from the fixture's codes and ids plus
//! arbitrary text, so the fuzzer reaches the store without first having to learn JSON.
#![no_main]

use libfuzzer_sys::arbitrary::{Arbitrary, Result as ArbResult, Unstructured};
use libfuzzer_sys::fuzz_target;
use phonghop::contrib::NewCampaign;
use phonghop::store::Store;
use phonghop::wire::{
    FeedbackRecord, PledgeRecord, RatingRecord, Record, UploadAck, UploadBatch, UploadItem,
};
use uuid::Uuid;

const NOW_MS: i64 = 1_795_000_000_000;
const PREFIX: &str = "LC-7K";
const OTHER_TICKET: &str = "LC-9MABC";
const OTHER_TEXT: &str = "Cầu treo hỏng";
const HAVE_VOICE: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const LACK_VOICE: &str = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

struct Fixture {
    store: Store,
    room_id: String,
    campaign_id: String,
}

fn fixture() -> Fixture {
    let store = Store::open_in_memory().expect("an in-memory store");
    let room = store
        .create_room("xa-a", "Xã A", PREFIX, "hash-a", NOW_MS + 1, NOW_MS)
        .expect("a room")
        .expect("a free prefix");
    let other = store
        .create_room("xa-b", "Xã B", "LC-9M", "hash-b", NOW_MS + 1, NOW_MS)
        .expect("a room")
        .expect("a free prefix");
    let campaign = store
        .create_campaign(
            &NewCampaign {
                slug: "vi-nguoi-ngheo".into(),
                title: "Quỹ Vì người nghèo".into(),
                story: String::new(),
                bank_bin: "970436".into(),
                account: "0011001234567".into(),
                account_name: "UY BAN MTTQ".into(),
                goal_vnd: 50_000_000,
                starts_on: "2026-11-01".into(),
                ends_on: "2026-12-31".into(),
            },
            "P7K3P9A",
            NOW_MS,
        )
        .expect("a campaign");
    store.add_voice(HAVE_VOICE, 1234, NOW_MS).expect("a voice");
    let other_item = UploadItem {
        id: Uuid::from_u128(0xB0),
        seq: 1,
        record: Record::Feedback(feedback(OTHER_TICKET, OTHER_TEXT, None)),
    };
    let ack = store
        .store_upload_checked(
            &other.id,
            std::slice::from_ref(&other_item),
            |i| phonghop::hub::upload_refusal(i, Some("LC-9M")),
            NOW_MS,
        )
        .expect("the other room's upload");
    assert!(ack.rejected.is_empty(), "{ack:?}");
    Fixture {
        store,
        room_id: room.id,
        campaign_id: campaign.id,
    }
}

fn feedback(ticket: &str, text: &str, voice: Option<&str>) -> FeedbackRecord {
    FeedbackRecord {
        ticket_code: ticket.into(),
        category: "roads".into(),
        text: text.into(),
        voice_sha256: voice.map(str::to_owned),
        name: None,
        phone: None,
        village: None,
        language: "vi".into(),
        submitted_at_ms: NOW_MS - 1000,
    }
}

/// A string that is often one the fixture knows, else arbitrary.
fn pick(u: &mut Unstructured<'_>, known: &[&str]) -> ArbResult<String> {
    let i = u.choose_index(known.len() + 1)?;
    match known.get(i) {
        Some(s) => Ok((*s).to_owned()),
        None => String::arbitrary(u),
    }
}

fn optional(u: &mut Unstructured<'_>, known: &[&str]) -> ArbResult<Option<String>> {
    if bool::arbitrary(u)? {
        Ok(Some(pick(u, known)?))
    } else {
        Ok(None)
    }
}

fn built_batch(u: &mut Unstructured<'_>, campaign_id: &str) -> ArbResult<Vec<UploadItem>> {
    let tickets = [
        "LC-7K3P9",
        "LC-7KABC",
        "LC-7K3P9",
        OTHER_TICKET,
        "LC-7KXYZ",
        "lc-7k3p9",
    ];
    let ids: Vec<Uuid> = (1..=4u128)
        .map(Uuid::from_u128)
        .chain([Uuid::from_u128(0xB0)])
        .collect();
    let n = u.int_in_range(0..=8)?;
    let mut items = Vec::with_capacity(n);
    for _ in 0..n {
        let id = if bool::arbitrary(u)? {
            *u.choose(&ids)?
        } else {
            Uuid::from_u128(u128::arbitrary(u)?)
        };
        let record = match u.int_in_range(0..=2)? {
            0 => Record::Feedback(FeedbackRecord {
                ticket_code: pick(u, &tickets)?,
                category: pick(u, &["roads", "welfare", "other"])?,
                text: pick(u, &["Đường sạt lở", " ", ""])?,
                voice_sha256: optional(u, &[HAVE_VOICE, LACK_VOICE])?,
                name: optional(u, &["Giàng A Lử"])?,
                phone: optional(u, &["0912345678", "+84 912 345 678", " "])?,
                village: optional(u, &["Séo Mý Tỷ"])?,
                language: pick(u, &["vi", "hmn"])?,
                submitted_at_ms: i64::arbitrary(u)?,
            }),
            1 => Record::Rating(RatingRecord {
                question: pick(u, &["Hài lòng?"])?,
                score: u8::arbitrary(u)?,
                filtered: bool::arbitrary(u)?,
                submitted_at_ms: i64::arbitrary(u)?,
            }),
            _ => Record::Pledge(PledgeRecord {
                campaign_id: pick(u, &[campaign_id, "vi-nguoi-ngheo", "no-such-campaign"])?,
                reference_code: pick(u, &["UH7K3P9", "UHABCDE", "P7K3P9A", "uh7k3p9"])?,
                amount_vnd: if bool::arbitrary(u)? {
                    *u.choose(&[1, 50_000, 1_000_000_000, 0, -1, i64::MAX])?
                } else {
                    i64::arbitrary(u)?
                },
                donor_name: optional(u, &["Nguyễn Văn A", " "])?,
                created_at_ms: i64::arbitrary(u)?,
            }),
        };
        let seq = if bool::arbitrary(u)? {
            items.len() as i64 + 1
        } else {
            i64::arbitrary(u)?
        };
        items.push(UploadItem { id, seq, record });
    }
    Ok(items)
}

fn apply(f: &Fixture, items: &[UploadItem]) -> UploadAck {
    f.store
        .store_upload_checked(
            &f.room_id,
            items,
            |i| phonghop::hub::upload_refusal(i, Some(PREFIX)),
            NOW_MS,
        )
        .unwrap_or_else(|e| panic!("the store failed on an upload (a 500 for ever): {e}"))
}

fn check(f: &Fixture, items: &[UploadItem], ack: &UploadAck) {
    let done = ack.stored.len();
    assert!(done <= items.len(), "{ack:?}");
    for (item, id) in items.iter().zip(&ack.stored) {
        assert_eq!(item.id, *id, "stored out of order: {ack:?}");
    }
    match ack.need_voice.as_slice() {
        [] => assert_eq!(done, items.len(), "stopped without a reason: {ack:?}"),
        [sha] => {
            let Record::Feedback(next) = &items[done].record else {
                panic!("stopped at a non-feedback item: {ack:?}");
            };
            assert_eq!(next.voice_sha256.as_deref(), Some(sha.as_str()));
            assert!(!f.store.has_voice(sha).expect("a lookup"));
        }
        more => panic!("asked for several voice files at once: {more:?}"),
    }
    for rejected in &ack.rejected {
        assert!(ack.stored.contains(&rejected.id), "{ack:?}");
        assert!(!rejected.reason.is_empty());
    }
    // An item whose id is once in the batch, answered stored and not rejected, is in the
    // store as sent (an id twice: which copy counts is the store's first-wins rule).
    for item in &items[..done] {
        let once = items.iter().filter(|x| x.id == item.id).count() == 1;
        // 0xB0 is the other room's item: its id is known, so the hub has it already.
        if !once || item.id == Uuid::from_u128(0xB0) || ack.rejected.iter().any(|r| r.id == item.id)
        {
            continue;
        }
        match &item.record {
            Record::Feedback(sent) => {
                let row = f
                    .store
                    .feedback_by_ticket(&sent.ticket_code)
                    .expect("a lookup")
                    .unwrap_or_else(|| panic!("answered stored, not in the store: {item:?}"));
                assert_eq!(row.id, item.id.to_string(), "{item:?}");
                assert_eq!(&row.record, sent, "stored other than sent");
                assert_eq!(row.room_id.as_deref(), Some(f.room_id.as_str()));
            }
            Record::Pledge(sent) => {
                let pledge = f
                    .store
                    .pledge(&item.id.to_string())
                    .expect("a lookup")
                    .unwrap_or_else(|| panic!("answered stored, not in the store: {item:?}"));
                assert_eq!(pledge.amount_vnd, sent.amount_vnd);
                assert_eq!(pledge.reference, sent.reference_code);
            }
            Record::Rating(_) => {}
        }
    }
    let other = f
        .store
        .feedback_by_ticket(OTHER_TICKET)
        .expect("a lookup")
        .expect("the other room's ticket");
    assert_eq!(other.text, OTHER_TEXT, "another room's ticket was changed");
    assert_ne!(other.room_id.as_deref(), Some(f.room_id.as_str()));
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let items = if data.first() == Some(&b'{') {
        match serde_json::from_slice::<UploadBatch>(data) {
            Ok(batch) => batch.items,
            Err(_) => return,
        }
    } else {
        match built_batch(&mut Unstructured::new(data), &f.campaign_id) {
            Ok(items) => items,
            Err(_) => return,
        }
    };
    let first = apply(&f, &items);
    check(&f, &items, &first);
    let again = apply(&f, &items);
    assert_eq!(again, first, "the same batch again: a different answer");
    check(&f, &items, &again);
});
