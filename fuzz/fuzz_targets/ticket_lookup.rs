//! A ticket code as a resident types it on the kiosk, as staff type it (`phonghop hub
//! feedback show`, the staff API) or as requested at `/t/<code>`: looked up the way each of
//! those does, in a hub store holding two tickets (stored through a room's upload, as the
//! sync route stores them) and a room store holding the same two (submitted at the kiosk).
//!
//! What must hold: tidying never panics and a tidied code tidies to itself, in the
//! `LC-7K3P9` shape; a text that tidies to a stored code finds that ticket and nothing else,
//! at the hub and at the room; any other text finds nothing, and no lookup fails.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use phonghop::feedback::ticket::{ALPHABET, normalize};
use phonghop::hub::tickets::{self, TicketError};
use phonghop::store::Store;
use phonghop::wire::{FeedbackRecord, Record, UploadItem};
use uuid::Uuid;

const NOW_MS: i64 = 1_795_000_000_000;
const KNOWN: [&str; 2] = ["LC-7K3P9", "LC-7KABC"];

struct Fixture {
    hub: Store,
    room: Store,
}

fn record(ticket: &str) -> Record {
    Record::Feedback(FeedbackRecord {
        ticket_code: ticket.into(),
        category: "roads".into(),
        text: format!("Đường hỏng ({ticket})"),
        voice_sha256: None,
        name: None,
        phone: None,
        village: None,
        language: "vi".into(),
        submitted_at_ms: NOW_MS - 1000,
    })
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let hub = Store::open_in_memory().expect("a hub store");
        let room = hub
            .create_room("xa-a", "Xã A", "LC-7K", "hash", NOW_MS + 1, NOW_MS)
            .expect("a room")
            .expect("a free prefix");
        let items: Vec<UploadItem> = KNOWN
            .iter()
            .enumerate()
            .map(|(i, code)| UploadItem {
                id: Uuid::from_u128(i as u128 + 1),
                seq: i as i64 + 1,
                record: record(code),
            })
            .collect();
        let ack = hub
            .store_upload_checked(
                &room.id,
                &items,
                |i| phonghop::hub::upload_refusal(i, Some("LC-7K")),
                NOW_MS,
            )
            .expect("an upload");
        assert!(ack.rejected.is_empty() && ack.stored.len() == KNOWN.len());
        let room_store = Store::open_in_memory().expect("a room store");
        for item in &items {
            room_store
                .submit(item.id, &item.record, NOW_MS)
                .expect("a kiosk submission");
        }
        Fixture {
            hub,
            room: room_store,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(typed) = std::str::from_utf8(data) else {
        return;
    };
    let f = fixture();
    let tidied = normalize(typed);
    if let Some(code) = &tidied {
        assert_eq!(normalize(code).as_deref(), Some(code.as_str()), "{typed:?}");
        let (province, tail) = code.split_once('-').expect("a dash");
        assert!(
            !province.is_empty() && province.bytes().all(|b| b.is_ascii_uppercase()),
            "{code:?}"
        );
        assert!(
            tail.len() == 5 && tail.bytes().all(|b| ALPHABET.contains(&b)),
            "{code:?}"
        );
    }
    let known = tidied.as_deref().filter(|c| KNOWN.contains(c));

    // Staff: `phonghop hub feedback show` and the staff API (`tickets::find`).
    match (tickets::find(&f.hub, typed), &tidied, known) {
        (Ok(row), _, Some(code)) => assert_eq!(row.ticket_code, code, "{typed:?}"),
        (Err(TicketError::BadTicket(_)), None, _) => {}
        (Err(TicketError::NoTicket(_)), Some(_), None) => {}
        (other, _, _) => panic!("{typed:?} (tidied {tidied:?}): {other:?}"),
    }

    // The kiosk: a room looks the tidied code up in its own store.
    if let Some(code) = &tidied {
        let ticket = f.room.room_ticket(code).expect("a room lookup");
        assert_eq!(ticket.map(|t| t.ticket_code).as_deref(), known, "{typed:?}");
    }

    // The raw text, as a request path may carry it, finds only an exact stored code.
    let raw = f.hub.feedback_by_ticket(typed).expect("a raw lookup");
    assert_eq!(
        raw.is_some(),
        KNOWN.contains(&typed),
        "{typed:?} found as typed"
    );
});
