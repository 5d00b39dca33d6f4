//! The signature headers of every sender, as an attacker writes them, with any body:
//! checking never panics and never accepts a header that was not made with the secret.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phonghop::contrib::webhooks::{self, SepayAuth, SepayHeaders};

const SECRET: &str = "fuzz-secret-0123456789abcdef";
const ACCOUNT: &str = "0011001234567";
const NOW_MS: i64 = 1_795_000_000_000;

fuzz_target!(|data: &[u8]| {
    // The first line is the header, the rest the body.
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let Ok(header) = std::str::from_utf8(&data[..split]) else {
        return;
    };
    let body = data.get(split + 1..).unwrap_or_default();
    let accepted = [
        webhooks::generic(Some(header), body, SECRET, ACCOUNT, NOW_MS).is_ok(),
        webhooks::casso(Some(header), body, SECRET, ACCOUNT, NOW_MS).is_ok(),
        webhooks::sepay(
            &SepayHeaders {
                authorization: Some(header),
                signature: Some(header),
                timestamp: Some(header),
            },
            body,
            SepayAuth::Hmac(SECRET),
            ACCOUNT,
            NOW_MS,
        )
        .is_ok(),
        webhooks::sepay(
            &SepayHeaders {
                authorization: Some(header),
                signature: None,
                timestamp: None,
            },
            body,
            SepayAuth::ApiKey(SECRET),
            ACCOUNT,
            NOW_MS,
        )
        .is_ok(),
    ];
    // Only a header holding the API key itself can pass without knowing the secret.
    if accepted.iter().any(|&a| a) {
        assert!(
            header.contains(SECRET),
            "accepted a forged header: {header:?}"
        );
    }
});
