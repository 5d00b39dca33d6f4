//! `POST /webhooks/zalo` from anyone: a body and an `X-ZEvent-Signature` header, checked by
//! `zalo::verify`, and what passes stored the way the hub stores it (`hub::zalo::inbound`,
//! then `Store::zalo_receive` in a fresh store) under the shipped example config
//! (`config/hub.toml`) with its `[zalo]` section filled in.
//!
//! What must hold: checking never panics; a header that is not the body's own signature is
//! never accepted; a correctly signed resident's message is stored once (the store never
//! fails on it, a repeat delivery changes nothing), in a unit the config names, with its
//! line whole up to the store's limit.
//!
//! The input is the header's line, a newline, then the body (the seeds are Zalo's own
//! examples from `tests/fixtures/zalo`); the body is tried with the header as given and
//! with its correct signature.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use phonghop::config::HubConfig;
use phonghop::store::{Store, ZaloReceived};
use phonghop::zalo::{self, Event, Refusal};

const APP_ID: &str = "360846524940903967";
const OA_SECRET: &str = "fuzz-oa-secret-key-0123456789";
const OA_LISTED: &str = "388613280878808645";
const NOW_MS: i64 = 1_795_000_000_000;

fn config() -> &'static HubConfig {
    static CONFIG: OnceLock<HubConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let text = format!(
            "{}\n[zalo]\napp_id = \"{APP_ID}\"\noa_secret_key = \"{OA_SECRET}\"\n\
             app_secret_key = \"fuzz-app-secret-key-0123456789\"\n\
             [zalo.units]\n\"{OA_LISTED}\" = \"lao-chai\"\n",
            include_str!("../../config/hub.toml")
        );
        phonghop::config::parse_hub_str("hub.toml", &text).expect("the example config with Zalo")
    })
}

/// The body's `timestamp` as `verify` reads it, when it has one.
fn timestamp(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<serde_json::Value>(body)
        .ok()?
        .get("timestamp")?
    {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn store_message(message: zalo::UserMessage) {
    let config = config();
    let inbound = phonghop::hub::zalo::inbound(config, message.clone(), NOW_MS);
    assert!(
        inbound.line.chars().count() <= phonghop::store::ZALO_ITEM_TEXT_MAX_CHARS,
        "a line over the store's limit"
    );
    let units: Vec<&str> = config.units.iter().map(|u| u.id.as_str()).collect();
    assert!(
        units.contains(&inbound.unit_id.as_str()),
        "{}",
        inbound.unit_id
    );
    if message.oa_id == OA_LISTED {
        assert_eq!(inbound.unit_id, "lao-chai");
    }
    let full = message.item_line();
    assert!(
        full.starts_with(&inbound.line),
        "the line was changed, not cut"
    );

    let store = Store::open_in_memory().expect("a store");
    let first = store
        .zalo_receive(&inbound, "LCZ-7K3P9", NOW_MS)
        .unwrap_or_else(|e| panic!("the store failed on a Zalo message (a 500 for ever): {e}"));
    let ZaloReceived::Opened { ticket_code } = first else {
        panic!("a first message to an empty store: {first:?}");
    };
    assert_eq!(ticket_code, "LCZ-7K3P9");
    let row = store
        .feedback_by_ticket(&ticket_code)
        .expect("a lookup")
        .expect("the item it opened");
    assert_eq!(row.text, inbound.line, "stored other than received");
    assert_eq!(row.unit_id, inbound.unit_id);
    let again = store
        .zalo_receive(&inbound, "LCZ-ABCDE", NOW_MS + 1000)
        .expect("a repeated delivery");
    assert_eq!(
        again,
        ZaloReceived::Already { ticket_code },
        "a repeat was applied again"
    );
}

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let header = std::str::from_utf8(&data[..split]).ok();
    let body = data.get(split + 1..).unwrap_or_default();

    // As sent: only the body's own signature (bare or `mac=`, any case) passes.
    let expected = timestamp(body).map(|t| zalo::signature(APP_ID, body, &t, OA_SECRET));
    match zalo::verify(body, header, APP_ID, OA_SECRET) {
        Ok(_) => {
            let given = header
                .expect("accepted without a header")
                .trim()
                .to_ascii_lowercase();
            let given = given.strip_prefix("mac=").unwrap_or(&given).trim();
            assert_eq!(
                Some(given),
                expected.as_deref(),
                "accepted a forged header {header:?}"
            );
        }
        Err(Refusal::NoSignature) => {
            assert!(header.is_none_or(|h| h.trim().is_empty()), "{header:?}");
        }
        Err(Refusal::BadSignature | Refusal::Malformed(_)) => {}
    }

    // Correctly signed, as Zalo sends it: the event is read and a message stored.
    let Some(signature) = expected else {
        assert!(matches!(
            zalo::verify(body, Some("0"), APP_ID, OA_SECRET),
            Err(Refusal::Malformed(_))
        ));
        return;
    };
    let event = zalo::verify(body, Some(&signature), APP_ID, OA_SECRET);
    let upper = format!("mac={}", signature.to_ascii_uppercase());
    assert_eq!(
        zalo::verify(body, Some(&upper), APP_ID, OA_SECRET),
        event,
        "the signature's case or prefix changed the outcome"
    );
    match event {
        Ok(Event::Message(message)) => store_message(message),
        Ok(Event::ConsoleSample(sample)) => {
            assert_eq!(sample.msg_id, zalo::CONSOLE_SAMPLE_MSG_ID)
        }
        Ok(Event::Other(_)) => {}
        Err(Refusal::Malformed(_)) => {}
        Err(refusal) => panic!("the body's own signature was refused: {refusal}"),
    }
});
