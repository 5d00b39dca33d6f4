//! Bank-transfer notifications: SePay, Casso (v2) and our own signed generic format.
//!
//! Each function authenticates the request first (API key or HMAC signature, compared in
//! constant time; a signed timestamp more than [`MAX_CLOCK_SKEW_MS`] off is refused, so a
//! captured request cannot be replayed later), then parses the body, then checks that the
//! money arrived on the account the hub collects for. A refusal says what to fix and is
//! answered with a 4xx; the caller records nothing. No I/O: the time comes in as `now_ms`.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

use super::{IncomingTransfer, normalize_account, parse_bank_time};

/// How far a signed timestamp may be from the hub's clock, either way.
pub const MAX_CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// Header carrying the generic format's signature.
pub const GENERIC_SIGNATURE_HEADER: &str = "x-phonghop-signature";

/// Header carrying Casso's signature.
pub const CASSO_SIGNATURE_HEADER: &str = "x-casso-signature";

/// What a valid notification asks the hub to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    /// Record this incoming transfer (once).
    Transfer(Box<IncomingTransfer>),
    /// Authentic, but nothing to record (an outgoing transfer); answered 200 so the provider
    /// stops retrying.
    Ignored(String),
}

/// Why a notification was refused; nothing is recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("{0}")]
    Unauthorized(String),
    #[error(
        "the signed timestamp is {skew_secs} s away from the hub's clock (at most 300 s allowed); \
         check the sender's and the hub's clocks (NTP), and never replay old requests"
    )]
    Stale { skew_secs: i64 },
    #[error("{0}")]
    Malformed(String),
    #[error(
        "this transfer arrived on account {found}, but this hub collects only for account \
         {expected} ([bank] account in the hub config)"
    )]
    UnknownAccount { found: String, expected: String },
}

impl Rejection {
    /// HTTP status for the answer.
    pub fn status(&self) -> u16 {
        match self {
            Rejection::Unauthorized(_) | Rejection::Stale { .. } => 401,
            Rejection::Malformed(_) => 400,
            Rejection::UnknownAccount { .. } => 422,
        }
    }

    /// The `error` code of the JSON answer.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Unauthorized(_) => "unauthorized",
            Rejection::Stale { .. } => "stale_timestamp",
            Rejection::Malformed(_) => "bad_request",
            Rejection::UnknownAccount { .. } => "unknown_account",
        }
    }
}

fn malformed(message: impl Into<String>) -> Rejection {
    Rejection::Malformed(message.into())
}

/// Compares two secrets in constant time (hashing first hides their lengths too).
fn same_secret(given: &str, expected: &str) -> bool {
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    bool::from(a.ct_eq(&b))
}

/// `t=<timestamp>,v1=<hex>` (spaces allowed, any order; several `v1` accepted).
fn parse_signature_header(header: &str) -> Option<(i64, Vec<Vec<u8>>)> {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        let (key, value) = part.trim().split_once('=')?;
        match key.trim() {
            "t" => t = value.trim().parse::<i64>().ok(),
            "v1" => v1.push(hex::decode(value.trim()).ok()?),
            _ => {}
        }
    }
    Some((t?, v1)).filter(|(_, v1)| !v1.is_empty())
}

fn check_skew(signed_ms: i64, now_ms: i64) -> Result<(), Rejection> {
    let skew = now_ms.saturating_sub(signed_ms);
    if skew.abs() > MAX_CLOCK_SKEW_MS {
        return Err(Rejection::Stale {
            skew_secs: skew / 1000,
        });
    }
    Ok(())
}

fn check_account(found: &[Option<&str>], expected: &str) -> Result<String, Rejection> {
    let want = normalize_account(expected);
    let given: Vec<&str> = found
        .iter()
        .flatten()
        .copied()
        .filter(|a| !a.trim().is_empty())
        .collect();
    if given.iter().any(|a| normalize_account(a) == want) {
        return Ok(expected.trim().to_owned());
    }
    Err(Rejection::UnknownAccount {
        found: given.first().map_or("(none)", |a| a.trim()).to_owned(),
        expected: expected.trim().to_owned(),
    })
}

fn json(body: &[u8]) -> Result<Value, Rejection> {
    serde_json::from_slice(body).map_err(|e| malformed(format!("the body is not valid JSON: {e}")))
}

/// A string or number field as text (providers send ids as either).
fn text_field(obj: &Value, key: &str) -> Option<String> {
    match obj.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn amount_field(obj: &Value, key: &str) -> Result<i64, Rejection> {
    let value = obj.get(key).ok_or_else(|| {
        malformed(format!(
            "`{key}` is missing; expected an integer amount in VND"
        ))
    })?;
    let amount = match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    amount.ok_or_else(|| {
        malformed(format!(
            "`{key}` is {value}; expected a whole number of VND such as 100000"
        ))
    })
}

fn time_field(obj: &Value, key: &str) -> Result<i64, Rejection> {
    let text = text_field(obj, key).ok_or_else(|| {
        malformed(format!(
            "`{key}` is missing; expected a time such as \"2026-11-23 10:15:00\""
        ))
    })?;
    parse_bank_time(&text).ok_or_else(|| {
        malformed(format!(
            "`{key}` is {text:?}; expected \"YYYY-MM-DD HH:MM:SS\" (Vietnam time) or RFC 3339"
        ))
    })
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// SePay: `Authorization: Apikey <key>`; only `transferType == "in"` counts.
pub fn sepay(
    authorization: Option<&str>,
    body: &[u8],
    api_key: &str,
    account: &str,
    _now_ms: i64,
) -> Result<Notification, Rejection> {
    let given = authorization
        .and_then(|h| {
            let (scheme, key) = h.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("apikey").then_some(key.trim())
        })
        .ok_or_else(|| {
            Rejection::Unauthorized(
                "missing `Authorization: Apikey <key>` header; set the API key in SePay's webhook \
                 settings to [bank] sepay_api_key"
                    .into(),
            )
        })?;
    if !same_secret(given, api_key) {
        return Err(Rejection::Unauthorized(
            "wrong API key; it must equal [bank] sepay_api_key of the hub config".into(),
        ));
    }
    let v = json(body)?;
    if !v.is_object() {
        return Err(malformed("expected a JSON object"));
    }
    let id = non_empty(text_field(&v, "id"))
        .ok_or_else(|| malformed("`id` (SePay's transaction id) is missing"))?;
    match v.get("transferType").and_then(Value::as_str) {
        Some("in") => {}
        Some("out") => return Ok(Notification::Ignored("outgoing transfer".into())),
        other => {
            return Err(malformed(format!(
                "`transferType` is {other:?}; expected \"in\" or \"out\""
            )));
        }
    }
    let amount_vnd = amount_field(&v, "transferAmount")?;
    if amount_vnd <= 0 {
        return Err(malformed(
            "`transferAmount` must be positive for an incoming transfer",
        ));
    }
    let occurred_at_ms = time_field(&v, "transactionDate")?;
    let account_number = text_field(&v, "accountNumber");
    let sub_account = text_field(&v, "subAccount");
    let account = check_account(
        &[account_number.as_deref(), sub_account.as_deref()],
        account,
    )?;
    let content = text_field(&v, "content").unwrap_or_default();
    let description = text_field(&v, "description").unwrap_or_default();
    let code = text_field(&v, "code").unwrap_or_default();
    let transfer_text = if content.trim().is_empty() {
        description.clone()
    } else {
        content.clone()
    };
    Ok(Notification::Transfer(Box::new(IncomingTransfer {
        provider: "sepay".into(),
        provider_txn_id: id,
        bank_reference: non_empty(text_field(&v, "referenceCode")),
        amount_vnd,
        transfer_text,
        match_text: format!("{content} {description} {code}"),
        sender_name: None,
        account,
        occurred_at_ms,
        raw_json: String::from_utf8_lossy(body).into_owned(),
    })))
}

/// How a serialiser writes strings: JavaScript's `JSON.stringify` (and serde_json) keep `/`
/// and non-ASCII as they are; PHP's `json_encode` escapes both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonEscaping {
    Js,
    Php,
}

/// `value` as JSON with object keys sorted recursively and no spaces: what Casso signs.
pub fn sorted_json(value: &Value, escaping: JsonEscaping) -> String {
    let mut out = String::new();
    write_sorted(value, escaping, &mut out);
    out
}

fn write_sorted(value: &Value, escaping: JsonEscaping, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, escaping, out);
                out.push(':');
                write_sorted(&map[key], escaping, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted(item, escaping, out);
            }
            out.push(']');
        }
        Value::String(s) => write_string(s, escaping, out),
        other => out.push_str(&other.to_string()),
    }
}

fn write_string(s: &str, escaping: JsonEscaping, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '/' if escaping == JsonEscaping::Php => out.push_str("\\/"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if !c.is_ascii() && escaping == JsonEscaping::Php => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether one of `signatures` is HMAC-SHA512(secret, message) for one of `messages`; each
/// comparison is constant-time.
fn hmac_sha512_matches(secret: &str, messages: &[String], signatures: &[Vec<u8>]) -> bool {
    let mut ok = false;
    for message in messages {
        for signature in signatures {
            let Ok(mut mac) = Hmac::<Sha512>::new_from_slice(secret.as_bytes()) else {
                return false;
            };
            mac.update(message.as_bytes());
            ok |= mac.verify_slice(signature).is_ok();
        }
    }
    ok
}

/// Casso v2: `X-Casso-Signature: t=<unix ms>,v1=<hex HMAC-SHA512(secret, t + "." +
/// JSON(data) with keys sorted recursively, no spaces)>`.
pub fn casso(
    signature: Option<&str>,
    body: &[u8],
    secret: &str,
    account: &str,
    now_ms: i64,
) -> Result<Notification, Rejection> {
    let (t_ms, signatures) = signature.and_then(parse_signature_header).ok_or_else(|| {
        Rejection::Unauthorized(
            "missing or unreadable `X-Casso-Signature: t=<ms>,v1=<hex>` header; enable the \
             signature in Casso's webhook settings"
                .into(),
        )
    })?;
    // The signature covers a re-serialisation of `data`, so the body must be parsed before
    // it can be checked; nothing from it is used until the check passes.
    let v = json(body).map_err(|_| {
        Rejection::Unauthorized("the body is not JSON, so its signature cannot be checked".into())
    })?;
    let data = v.get("data").cloned().unwrap_or(Value::Null);
    let messages: Vec<String> = [JsonEscaping::Js, JsonEscaping::Php]
        .into_iter()
        .map(|e| format!("{t_ms}.{}", sorted_json(&data, e)))
        .collect();
    if !hmac_sha512_matches(secret, &messages, &signatures) {
        return Err(Rejection::Unauthorized(
            "wrong signature; the secret must equal [bank] casso_secret of the hub config".into(),
        ));
    }
    check_skew(t_ms, now_ms)?;
    if data.is_array() {
        return Err(malformed(
            "`data` is a list: that is Casso's webhook v1; switch the webhook to v2",
        ));
    }
    if !data.is_object() {
        return Err(malformed(
            "`data` is missing; expected Casso's v2 body {\"error\":0,\"data\":{...}}",
        ));
    }
    let id = non_empty(text_field(&data, "id"))
        .ok_or_else(|| malformed("`data.id` (Casso's transaction id) is missing"))?;
    let amount_vnd = amount_field(&data, "amount")?;
    if amount_vnd < 0 {
        return Ok(Notification::Ignored("outgoing transfer".into()));
    }
    if amount_vnd == 0 {
        return Err(malformed("`data.amount` is 0"));
    }
    let occurred_at_ms = time_field(&data, "transactionDateTime")?;
    let account_number = text_field(&data, "accountNumber");
    let virtual_account = text_field(&data, "virtualAccountNumber");
    let account = check_account(
        &[account_number.as_deref(), virtual_account.as_deref()],
        account,
    )?;
    let description = text_field(&data, "description").unwrap_or_default();
    Ok(Notification::Transfer(Box::new(IncomingTransfer {
        provider: "casso".into(),
        provider_txn_id: id,
        bank_reference: non_empty(text_field(&data, "reference")),
        amount_vnd,
        transfer_text: description.clone(),
        match_text: description,
        sender_name: non_empty(text_field(&data, "counterAccountName")),
        account,
        occurred_at_ms,
        raw_json: String::from_utf8_lossy(body).into_owned(),
    })))
}

/// Our own format, for banks and gateways with neither SePay nor Casso: a JSON body
/// `{"id", "amount_vnd", "account", "description", "bank_reference"?, "occurred_at"}` and
/// `X-Phonghop-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`.
pub fn generic(
    signature: Option<&str>,
    body: &[u8],
    secret: &str,
    account: &str,
    now_ms: i64,
) -> Result<Notification, Rejection> {
    let (t_secs, signatures) = signature.and_then(parse_signature_header).ok_or_else(|| {
        Rejection::Unauthorized(
            "missing or unreadable `X-Phonghop-Signature: t=<unix seconds>,v1=<hex>` header (see \
             README, \"Bank webhooks\")"
                .into(),
        )
    })?;
    let mut message = format!("{t_secs}.").into_bytes();
    message.extend_from_slice(body);
    let ok = signatures.iter().fold(false, |ok, signature| {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        mac.update(&message);
        ok | mac.verify_slice(signature).is_ok()
    });
    if !ok {
        return Err(Rejection::Unauthorized(
            "wrong signature; sign `t + \".\" + body` with HMAC-SHA256 and [bank] generic_secret"
                .into(),
        ));
    }
    check_skew(t_secs.saturating_mul(1000), now_ms)?;
    let v = json(body)?;
    if !v.is_object() {
        return Err(malformed("expected a JSON object"));
    }
    let id = non_empty(text_field(&v, "id"))
        .ok_or_else(|| malformed("`id` (your transaction id, unique per transfer) is missing"))?;
    let amount_vnd = amount_field(&v, "amount_vnd")?;
    if amount_vnd <= 0 {
        return Err(malformed(
            "`amount_vnd` must be positive; send only incoming transfers",
        ));
    }
    let occurred_at_ms = time_field(&v, "occurred_at")?;
    let given_account = text_field(&v, "account");
    let account = check_account(&[given_account.as_deref()], account)?;
    let description = text_field(&v, "description").unwrap_or_default();
    Ok(Notification::Transfer(Box::new(IncomingTransfer {
        provider: "generic".into(),
        provider_txn_id: id,
        bank_reference: non_empty(text_field(&v, "bank_reference")),
        amount_vnd,
        transfer_text: description.clone(),
        match_text: description,
        sender_name: non_empty(text_field(&v, "sender_name")),
        account,
        occurred_at_ms,
        raw_json: String::from_utf8_lossy(body).into_owned(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_MS: i64 = 1_795_000_000_000;

    #[test]
    fn sorted_json_sorts_nested_keys_and_escapes_like_the_sender() {
        let v: Value =
            serde_json::from_str(r#"{"b":{"z":1,"a":"Ủng hộ/QR"},"a":[{"y":2,"x":null}]}"#)
                .expect("json");
        assert_eq!(
            sorted_json(&v, JsonEscaping::Js),
            r#"{"a":[{"x":null,"y":2}],"b":{"a":"Ủng hộ/QR","z":1}}"#
        );
        assert_eq!(
            sorted_json(&v, JsonEscaping::Php),
            r#"{"a":[{"x":null,"y":2}],"b":{"a":"\u1ee6ng h\u1ed9\/QR","z":1}}"#
        );
    }

    #[test]
    fn sepay_needs_its_key_and_counts_only_incoming_transfers() {
        let body = br#"{"id":92704,"gateway":"Vietcombank","transactionDate":"2026-11-23 10:15:00","accountNumber":"0011001234567","content":"UH7K3P9 ung ho","transferType":"out","transferAmount":100000,"referenceCode":"FT1"}"#;
        assert!(matches!(
            sepay(Some("Apikey nope"), body, "k", "0011001234567", NOW_MS),
            Err(Rejection::Unauthorized(_))
        ));
        assert!(matches!(
            sepay(Some("Apikey k"), body, "k", "0011001234567", NOW_MS),
            Ok(Notification::Ignored(_))
        ));
    }

    #[test]
    fn a_stale_generic_signature_is_refused() {
        let body = b"{}";
        let t = NOW_MS / 1000 - 301;
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s").expect("any key length");
        mac.update(format!("{t}.{{}}").as_bytes());
        let header = format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()));
        assert!(matches!(
            generic(Some(&header), body, "s", "1", NOW_MS),
            Err(Rejection::Stale { .. })
        ));
    }
}
