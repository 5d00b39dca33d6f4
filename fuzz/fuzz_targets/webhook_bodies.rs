//! Every sender's body, correctly signed (so parsing is reached): reading it never panics,
//! whatever the JSON says.
#![no_main]

use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use phonghop::contrib::webhooks::{self, SepayAuth, SepayHeaders};
use sha2::{Sha256, Sha512};

const SECRET: &str = "fuzz-secret-0123456789abcdef";
const ACCOUNT: &str = "0011001234567";
const NOW_MS: i64 = 1_795_000_000_000;

fn hmac256(message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

fuzz_target!(|body: &[u8]| {
    let t_secs = NOW_MS / 1000;
    let mut signed = format!("{t_secs}.").into_bytes();
    signed.extend_from_slice(body);
    let generic = format!("t={t_secs},v1={}", hmac256(&signed));
    let _ = webhooks::generic(Some(&generic), body, SECRET, ACCOUNT, NOW_MS);

    let timestamp = t_secs.to_string();
    let sepay_signature = format!("sha256={}", hmac256(&signed));
    let headers = SepayHeaders {
        authorization: Some("Apikey fuzz-secret-0123456789abcdef"),
        signature: Some(&sepay_signature),
        timestamp: Some(&timestamp),
    };
    let _ = webhooks::sepay(&headers, body, SepayAuth::Hmac(SECRET), ACCOUNT, NOW_MS);
    let _ = webhooks::sepay(&headers, body, SepayAuth::ApiKey(SECRET), ACCOUNT, NOW_MS);

    // Casso signs the body re-written with sorted keys; payOS the `data` object's fields.
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Ok(sorted) = webhooks::sorted_js_json(&value) {
            let mut mac = Hmac::<Sha512>::new_from_slice(SECRET.as_bytes()).expect("key");
            mac.update(format!("{NOW_MS}.{sorted}").as_bytes());
            let casso = format!("t={NOW_MS},v1={}", hex::encode(mac.finalize().into_bytes()));
            let _ = webhooks::casso(Some(&casso), body, SECRET, ACCOUNT, NOW_MS);
        }
        if let Some(data) = value.get("data").and_then(|d| d.as_object())
            && let Ok(text) = webhooks::payos_signed_text(data)
        {
            let mut with_signature = value.clone();
            with_signature["signature"] = serde_json::Value::String(hmac256(text.as_bytes()));
            let body = serde_json::to_vec(&with_signature).expect("json");
            let _ = webhooks::payos(&body, SECRET, ACCOUNT, NOW_MS);
        }
    }
    let _ = webhooks::payos(body, SECRET, ACCOUNT, NOW_MS);
});
