//! Zalo Official Account (OA): what an OA's webhook delivers, how a delivery is signed, what
//! the customer-service ("tin tư vấn") message API and the OA token endpoint take and answer.
//! No I/O: the hub's `hub::zalo` receives and sends; this module checks and shapes.
//!
//! # Where each rule comes from
//!
//! Zalo's documentation site (developers.zalo.me) is rendered by JavaScript and Zalo's servers
//! are not reachable from our build machines, so its pages could not be read here directly.
//! Every rule below names its source; where only a third party's quotation of Zalo's page was
//! available, it says so.
//!
//! - **Signature of a webhook delivery.** Header `X-ZEvent-Signature`; the value is
//!   `sha256(appId + data + timeStamp + OAsecretKey)`: `data` the body as sent, `timeStamp` the
//!   body's `timestamp` field, `OAsecretKey` the "OA Secret Key" shown on the app's Webhook page
//!   (not the app secret). Zalo's own code: the official Java SDK,
//!   `zaloplatform/zalo-java-sdk`, `src/main/java/com/vng/zalo/sdk/utils/MacUtils.java`
//!   (commit c8676095a916d740cc4ca3cb6a8fd73a4c1d7644, "update mac util", 2023-12-25),
//!   `buildMac(appId, data, timeStamp, secretKey)`: the four strings concatenated in that order,
//!   plain SHA-256 (`MessageDigest.getInstance("SHA-256")`, not an HMAC), lowercase hex. That
//!   file does not itself say it is for webhooks; the header name and the formula
//!   `mac = sha256(appId + data + timeStamp + OAsecretKey)` are on Zalo's page "Giới thiệu về
//!   Webhook" (<https://developers.zalo.me/docs/official-account/webhook/tong-quan>), which we know
//!   only as quoted, e.g. <https://hainh.me/zalo-api-php-webhook-callback-official-account.html>
//!   ("so sánh giá trị trong header X-ZEvent-Signature với mã hash SHA256 của chuỗi kết hợp …
//!   ID của ứng dụng, chuỗi JSON trả về trong body, Timestamp được lấy từ chuỗi JSON trên, mã bí
//!   mật của Official Account"). **Not settled by any source we could read:** whether the
//!   header value carries a literal `mac=` prefix (the page writes `mac = sha256(...)`), so both
//!   `mac=<hex>` and a bare `<hex>` are accepted, in either case. **No timestamp window is
//!   documented** (the page documents retries 30 s, 5 min, 15 min, 30 min and 1 h after a
//!   failed connection, each with a `num_retry` header), so none is enforced: a replayed
//!   delivery is caught by its message id, which the hub remembers (`zalo_messages`).
//! - **Events of a resident's message.** `event_name` `user_send_text`, `user_send_image`,
//!   `user_send_audio`, … with `sender.id` (the user), `recipient.id` (the OA), `message.msg_id`,
//!   `message.text` and, for media, `message.attachments[]` of `{type, payload}` (`image`:
//!   `{thumbnail, url}`; `audio`: `{url}`, an `.amr` file): Zalo's page "Sự kiện người dùng gửi
//!   tin nhắn" (<https://developers.zalo.me/docs/official-account/webhook/tin-nhan/su-kien-nguoi-dung-gui-tin-nhan>),
//!   whose text example is `tests/fixtures/zalo/user_send_text.json` (see the README there for
//!   what is and is not verbatim).
//! - **The console's test events.** Pressing the test button on the app's Webhook page in
//!   Zalo's developer console delivers sample events, signed like real ones, whose
//!   `message.msg_id` is the literal `"This is message id"` and whose `text` is `"This is
//!   testing message"`, from and to made-up ids. Zalo does not document them; two independent
//!   integrations recorded them: `NguyenMinhDuc217/crm_fresher`
//!   `include/Webhooks/SocialTestData.php` (commit 48b581d217154e8b3a6376ddb8212766371095a7:
//!   the text, image and audio samples, kept verbatim in `tests/fixtures/zalo/console_*.json`)
//!   and a TypeScript integration that acknowledges "Zalo's console check signs a
//!   sample user_send_text with this OA secret" by the same two strings. Such a delivery is
//!   authentic but no resident wrote it: [`Event::ConsoleSample`], acknowledged, not stored,
//!   and no ticket message goes to its made-up user.
//! - **Customer-service message.** `POST https://openapi.zalo.me/v3.0/oa/message/cs`, header
//!   `access_token`, JSON `{"recipient":{"user_id":…},"message":{"text":…}}`: the official
//!   SDKs, `zaloplatform/zalo-java-sdk` `src/test/java/v3/SendTextCSMessage.java`;
//!   `zaloplatform/zalo-php-sdk` `src/ZaloEndPoint.php` (`API_OA_SEND_CONSULTATION_MESSAGE_V3`),
//!   `src/ZaloClient.php` (the `access_token` header), `src/Builder/MessageBuilder.php`
//!   (`recipient.user_id`, `message.text`). An answer whose `error` is below 0 is a failure:
//!   `src/ZaloResponse.php` (`isError`). The codes -216 (access token invalid) and -220 (access
//!   token expired), -32 (rate limit) and the 2000-character limit of a text message are from
//!   Zalo's pages "Mã lỗi" and "Gửi tin Tư vấn dạng văn bản", known to us only as quoted.
//! - **Tokens.** `POST https://oauth.zaloapp.com/v4/oa/access_token`, header `secret_key` (the
//!   app secret), form `refresh_token`, `app_id`, `grant_type=refresh_token`; the answer has
//!   `access_token`, `refresh_token`, `expires_in` (seconds): `zaloplatform/zalo-java-sdk`
//!   `src/test/java/GetAccessTokenByRefreshToken.java`, `zaloplatform/zalo-php-sdk`
//!   `src/Authentication/OAuth2Client.php`. Lifetimes (access token 25 hours, refresh token 3
//!   months and usable once, the old access token void once a new one is issued) are on Zalo's
//!   page "Xác thực và ủy quyền cho ứng dụng"
//!   (<https://developers.zalo.me/docs/official-account/bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new>),
//!   known to us only as quoted: the hub trusts each answer's `expires_in` and refreshes
//!   [`REFRESH_BEFORE_EXPIRY_MS`] ahead.

pub mod sealed;

use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The header carrying a delivery's signature (HTTP header names are case-insensitive).
pub const SIGNATURE_HEADER: &str = "x-zevent-signature";

/// The `message.msg_id` of every sample event Zalo's developer console sends (see the
/// module documentation); a real message id is a hexadecimal string.
pub const CONSOLE_SAMPLE_MSG_ID: &str = "This is message id";

/// Largest webhook body read. A resident's message event is one short JSON object (under
/// 1 KiB; a long text of a few thousand characters stays under 16 KiB); larger is refused
/// (413) before it is parsed.
pub const MAX_BODY_BYTES: usize = 32 * 1024;

/// Where Zalo's OA API lives; `[zalo] api_url` overrides it (tests point it at a local server).
pub const DEFAULT_API_URL: &str = "https://openapi.zalo.me/";

/// Where Zalo's OAuth (token) endpoint lives; `[zalo] oauth_url` overrides it.
pub const DEFAULT_OAUTH_URL: &str = "https://oauth.zaloapp.com/";

/// The customer-service message endpoint, under the API URL.
pub const CS_MESSAGE_PATH: &str = "v3.0/oa/message/cs";

/// The OA access-token endpoint, under the OAuth URL.
pub const TOKEN_PATH: &str = "v4/oa/access_token";

/// The longest text one customer-service message carries (Zalo's limit, as quoted above).
pub const CS_TEXT_MAX_CHARS: usize = 2000;

/// A token is refreshed this long before it expires (it lives 25 hours), so no message waits
/// for a refresh and a refresh that fails has time to be retried.
pub const REFRESH_BEFORE_EXPIRY_MS: i64 = 60 * 60 * 1000;

/// Zalo's error codes of an access token that is not (or no longer) valid: refresh, then send.
pub const TOKEN_ERRORS: [i64; 2] = [-216, -220];

/// Zalo's error code of "too many requests": try again later.
pub const RATE_LIMITED: i64 = -32;

crate::names::text_enum! {
    /// Why the hub writes to a resident through the OA.
    pub enum Purpose as "Zalo message purpose" {
        /// The ticket code, when the resident's first message opened an item.
        Ticket = "ticket",
        /// A staff reply to the item.
        Reply = "reply",
    }
}

crate::names::text_enum! {
    /// Where a message to a resident is. `Sending` is held while its one request is out; a
    /// message found `Sending` after a restart becomes `Unconfirmed` and is not sent again
    /// (Zalo's API takes no idempotency key, so a resend could deliver it twice).
    pub enum DeliveryState as "Zalo delivery state" {
        Pending = "pending",
        Sending = "sending",
        Sent = "sent",
        /// Zalo refused it for good (the resident blocked the OA, wrote over 7 days ago, ...).
        Failed = "failed",
        Unconfirmed = "unconfirmed",
    }
}

/// A Zalo user's id as an OA sees it (`sender.id`). It is personal data: its `Debug` hides it
/// and it has no `Display`, so it cannot reach a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct UserId(String);

impl UserId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// For the one request that needs it (the message to the resident) and the store.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserId(***)")
    }
}

/// Why a delivery was refused; nothing from it is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "no X-ZEvent-Signature header: Zalo signs every webhook delivery, so this did not come \
         from Zalo"
    )]
    NoSignature,
    #[error(
        "the X-ZEvent-Signature header does not match the body: check [zalo] app_id and \
         oa_secret_key (the OA Secret Key on the app's Webhook page, not the app secret)"
    )]
    BadSignature,
    #[error("the body is not a Zalo event: {0}")]
    Malformed(String),
}

/// What kind of message a resident sent (`user_send_<kind>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Text,
    Image,
    Gif,
    Audio,
    Video,
    File,
    Sticker,
    Link,
    Location,
    BusinessCard,
}

impl MessageKind {
    pub const ALL: [MessageKind; 10] = [
        Self::Text,
        Self::Image,
        Self::Gif,
        Self::Audio,
        Self::Video,
        Self::File,
        Self::Sticker,
        Self::Link,
        Self::Location,
        Self::BusinessCard,
    ];

    /// The `<kind>` of the event name `user_send_<kind>`, and the text the store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Image => "image",
            Self::Gif => "gif",
            Self::Audio => "audio",
            Self::Video => "video",
            Self::File => "file",
            Self::Sticker => "sticker",
            Self::Link => "link",
            Self::Location => "location",
            Self::BusinessCard => "business_card",
        }
    }

    fn from_event(name: &str) -> Option<Self> {
        let kind = name.strip_prefix("user_send_")?;
        Self::ALL.into_iter().find(|k| k.as_str() == kind)
    }

    /// A sign staff read in any language, put before a media message's link in the item.
    fn mark(self) -> &'static str {
        match self {
            Self::Text => "",
            Self::Image | Self::Gif => "📷",
            Self::Audio => "🎤",
            Self::Video => "🎬",
            Self::File => "📎",
            Self::Sticker => "🙂",
            Self::Link | Self::BusinessCard => "🔗",
            Self::Location => "📍",
        }
    }
}

/// A resident's message to an OA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserMessage {
    /// `recipient.id`: the OA it was written to (which says the unit).
    pub oa_id: String,
    /// `sender.id`.
    pub user_id: UserId,
    /// `message.msg_id`: Zalo's id of the message, the same in every repeated delivery.
    pub msg_id: String,
    pub kind: MessageKind,
    /// `message.text`, trimmed; empty for most media.
    pub text: String,
    /// The first attachment's `payload.url` (the picture, the `.amr` voice message, ...):
    /// a reference to Zalo's copy, which the hub keeps as a link and does not fetch.
    pub media_url: Option<String>,
    /// A location's coordinates as Zalo sends them (`latitude, longitude`).
    pub place: Option<String>,
    /// `timestamp`, when it reads as a time in milliseconds after 2015.
    pub sent_at_ms: Option<i64>,
}

impl UserMessage {
    /// The line this message adds to its feedback item: the text, and for media a sign and
    /// the link to Zalo's copy.
    pub fn item_line(&self) -> String {
        let media = match (&self.media_url, &self.place) {
            (Some(url), _) => format!("{} {url}", self.kind.mark()),
            (None, Some(place)) => format!("{} {place}", self.kind.mark()),
            (None, None) if self.kind != MessageKind::Text => self.kind.mark().to_owned(),
            (None, None) => String::new(),
        };
        match (self.text.is_empty(), media.is_empty()) {
            (false, false) => format!("{}\n{media}", self.text),
            (false, true) => self.text.clone(),
            (true, _) => media,
        }
    }
}

/// A verified delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A resident wrote to an OA.
    Message(UserMessage),
    /// A sample Zalo's developer console sent to test the webhook: authentic and read like a
    /// message (so a test shows the hub reads Zalo's own bodies), but no resident wrote it.
    ConsoleSample(UserMessage),
    /// Authentic, but nothing for the inbox (a follow, the OA's own messages, "seen", ...):
    /// its `event_name`.
    Other(String),
}

/// `sha256(app_id + body + timestamp + oa_secret_key)` in lowercase hex: the value Zalo puts
/// in [`SIGNATURE_HEADER`] (see the module documentation for the source).
pub fn signature(app_id: &str, body: &[u8], timestamp: &str, oa_secret_key: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(app_id.as_bytes());
    hash.update(body);
    hash.update(timestamp.as_bytes());
    hash.update(oa_secret_key.as_bytes());
    hex::encode(hash.finalize())
}

/// Checks a delivery's signature, then reads the event. The signature covers the raw body
/// and the body's own `timestamp`, so the body is parsed first (it is capped at
/// [`MAX_BODY_BYTES`]) only to find that field; nothing else in it is trusted before the
/// signature matches, compared in constant time.
pub fn verify(
    body: &[u8],
    header: Option<&str>,
    app_id: &str,
    oa_secret_key: &str,
) -> Result<Event, Refusal> {
    let given = header.map(str::trim).filter(|h| !h.is_empty());
    let Some(given) = given else {
        return Err(Refusal::NoSignature);
    };
    let value: Value =
        serde_json::from_slice(body).map_err(|e| Refusal::Malformed(format!("not JSON ({e})")))?;
    let timestamp = match value.get("timestamp") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(Refusal::Malformed("no \"timestamp\" field".into())),
    };
    let given = given
        .strip_prefix("mac=")
        .or_else(|| given.strip_prefix("MAC="))
        .unwrap_or(given)
        .trim()
        .to_ascii_lowercase();
    let expected = signature(app_id, body, &timestamp, oa_secret_key);
    if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(Refusal::BadSignature);
    }
    read_event(&value, &timestamp)
}

fn string_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut at = value;
    for key in path {
        at = at.get(key)?;
    }
    at.as_str()
}

/// Zalo's ids are numbers written as strings; a number (if a sender ever writes one) reads
/// the same.
fn id_at(value: &Value, path: &[&str]) -> Option<String> {
    let mut at = value;
    for key in path {
        at = at.get(key)?;
    }
    match at {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Milliseconds after 2015-01-01: anything earlier (Zalo's own example has a 12-digit
/// `154390853474`) is not trusted as the sending time.
const PLAUSIBLE_SINCE_MS: i64 = 1_420_070_400_000;

fn read_event(value: &Value, timestamp: &str) -> Result<Event, Refusal> {
    let name = string_at(value, &["event_name"])
        .ok_or_else(|| Refusal::Malformed("no \"event_name\" field".into()))?;
    let Some(kind) = MessageKind::from_event(name) else {
        return Ok(Event::Other(name.to_owned()));
    };
    let missing = |what: &str| Refusal::Malformed(format!("a {name} event without {what}"));
    let oa_id = id_at(value, &["recipient", "id"]).ok_or_else(|| missing("recipient.id"))?;
    let user_id = id_at(value, &["sender", "id"]).ok_or_else(|| missing("sender.id"))?;
    let msg_id = id_at(value, &["message", "msg_id"]).ok_or_else(|| missing("message.msg_id"))?;
    let text = string_at(value, &["message", "text"])
        .map(|t| crate::text::nfc(t.trim()))
        .unwrap_or_default();
    let payload = value
        .get("message")
        .and_then(|m| m.get("attachments"))
        .and_then(|a| a.as_array())
        .and_then(|a| a.first())
        .and_then(|a| a.get("payload"));
    let media_url = payload
        .and_then(|p| p.get("url"))
        .and_then(|u| u.as_str())
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned);
    let place = payload.and_then(|p| p.get("coordinates")).and_then(|c| {
        let part = |k: &str| match c.get(k) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        Some(format!("{}, {}", part("latitude")?, part("longitude")?))
    });
    let sent_at_ms = timestamp
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|ms| *ms >= PLAUSIBLE_SINCE_MS);
    let message = UserMessage {
        oa_id,
        user_id: UserId::new(user_id),
        msg_id,
        kind,
        text,
        media_url,
        place,
        sent_at_ms,
    };
    Ok(if message.msg_id == CONSOLE_SAMPLE_MSG_ID {
        Event::ConsoleSample(message)
    } else {
        Event::Message(message)
    })
}

/// The page Zalo's domain check fetches at `/zalo_verifier<code>.html`: the file Zalo offers
/// for download, which puts the code in a `zalo-platform-site-verification` meta tag. Zalo's
/// instructions for it are on its JavaScript-rendered developer site, which we could not
/// read. This is the file as independent integrations serve it (a FastAPI app, Express apps, a
/// Cloudflare worker, a plain Node server, found by a code search for its sentence): the same
/// doctype, `html lang="en"`, meta tag (`property=`, the code as `content`) and sentence in
/// every one, differing only in blank lines and indentation; the blank lines here are those of
/// the one that writes the file out whole.
pub fn domain_verifier_page(code: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n\n<head>\n    <meta property=\"zalo-platform-site-verification\" \
         content=\"{code}\" />\n</head>\n\n<body>\nThere Is No Limit To What You Can Accomplish Using \
         Zalo!\n</body>\n\n</html>"
    )
}

/// The body of a customer-service text message to `user` (see the module documentation).
pub fn cs_text_body(user: &UserId, text: &str) -> String {
    serde_json::json!({
        "recipient": { "user_id": user.expose() },
        "message": { "text": text },
    })
    .to_string()
}

/// The form of a token refresh (`application/x-www-form-urlencoded`).
pub fn refresh_form(app_id: &str, refresh_token: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("refresh_token", refresh_token)
        .append_pair("app_id", app_id)
        .append_pair("grant_type", "refresh_token")
        .finish()
}

/// What Zalo answered a request with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("Zalo answered error {code}: {message}")]
    Zalo { code: i64, message: String },
    #[error("Zalo's answer is not what its API documents: {0}")]
    Unexpected(String),
}

impl ApiError {
    /// The access token was refused: a new one may succeed.
    pub fn is_token(&self) -> bool {
        matches!(self, ApiError::Zalo { code, .. } if TOKEN_ERRORS.contains(code))
    }

    /// Worth trying again later with nothing changed.
    pub fn is_transient(&self) -> bool {
        matches!(self, ApiError::Zalo { code, .. } if *code == RATE_LIMITED)
    }
}

fn zalo_error(value: &Value) -> Option<ApiError> {
    let code = value.get("error")?.as_i64()?;
    (code < 0).then(|| ApiError::Zalo {
        code,
        message: value
            .get("message")
            .and_then(|m| m.as_str())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect(),
    })
}

/// A sent message's id (`data.message_id`), or why it was not sent.
pub fn read_send_answer(body: &[u8]) -> Result<String, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::Unexpected(format!("not JSON ({e})")))?;
    if let Some(error) = zalo_error(&value) {
        return Err(error);
    }
    match value.get("error").and_then(|e| e.as_i64()) {
        Some(0) => Ok(id_at(&value, &["data", "message_id"]).unwrap_or_default()),
        _ => Err(ApiError::Unexpected("no \"error\": 0 in the answer".into())),
    }
}

/// Tokens as the token endpoint grants them. `Debug` hides them.
#[derive(Clone, PartialEq, Eq)]
pub struct Grant {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in_secs: i64,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grant")
            .field("expires_in_secs", &self.expires_in_secs)
            .finish_non_exhaustive()
    }
}

/// The tokens a refresh granted. `expires_in` is a number or a string of digits (seconds).
pub fn read_token_answer(body: &[u8]) -> Result<Grant, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::Unexpected(format!("not JSON ({e})")))?;
    let token = |key: &str| {
        value
            .get(key)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (Some(access_token), Some(refresh_token)) = (token("access_token"), token("refresh_token"))
    else {
        if let Some(error) = zalo_error(&value) {
            return Err(error);
        }
        // The OAuth endpoint's error shape is not in the SDKs; say what it sent, no tokens.
        let said = ["error_name", "error_description", "message", "error"]
            .iter()
            .filter_map(|k| value.get(*k).map(|v| format!("{k}={v}")))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ApiError::Unexpected(format!(
            "no access_token and refresh_token in the token answer ({said})"
        )));
    };
    let expires_in_secs = match value.get("expires_in") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|s| *s > 0)
    .ok_or_else(|| ApiError::Unexpected("no positive expires_in in the token answer".into()))?;
    Ok(Grant {
        access_token,
        refresh_token,
        expires_in_secs,
    })
}

/// The message a resident gets when their first message became a ticket.
pub fn ticket_message(code: &str, ticket_url: &str) -> String {
    format!(
        "Ủy ban MTTQ đã nhận ý kiến của bạn. Mã phiếu: {code}. Theo dõi phiếu tại {ticket_url} . \
         Cán bộ sẽ trả lời bạn trong cuộc trò chuyện này."
    )
}

/// The message carrying a staff reply: the ticket code, then the reply; one message of at
/// most [`CS_TEXT_MAX_CHARS`], a longer reply cut with a link to the whole on the ticket page.
pub fn reply_message(code: &str, reply: &str, ticket_url: &str) -> String {
    let whole = format!("Trả lời phiếu {code}:\n{reply}");
    if whole.chars().count() <= CS_TEXT_MAX_CHARS {
        return whole;
    }
    let tail = format!("…\nXem toàn bộ câu trả lời: {ticket_url}");
    let keep = CS_TEXT_MAX_CHARS - tail.chars().count();
    let mut cut: String = whole.chars().take(keep).collect();
    cut.push_str(&tail);
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = "360846524940903967";
    const SECRET: &str = "oa-secret-key-for-tests";
    const TEXT: &str = include_str!("../../tests/fixtures/zalo/user_send_text.json");
    const IMAGE: &str = include_str!("../../tests/fixtures/zalo/user_send_image.json");
    const AUDIO: &str = include_str!("../../tests/fixtures/zalo/user_send_audio.json");

    fn signed(body: &str) -> String {
        let value: Value = serde_json::from_str(body).expect("json");
        let ts = value["timestamp"].as_str().expect("timestamp");
        format!("mac={}", signature(APP, body.as_bytes(), ts, SECRET))
    }

    fn message(event: Event) -> UserMessage {
        match event {
            Event::Message(m) => m,
            other => panic!("not a message: {other:?}"),
        }
    }

    #[test]
    fn the_signature_is_sha256_of_app_body_timestamp_and_oa_secret_as_zalo_builds_it() {
        // The Java SDK's MacUtils.buildMac: concatenate, SHA-256, lowercase hex. Computed
        // independently: printf '%s' 'app{"a":1}1700secret' | sha256sum
        assert_eq!(
            signature("app", br#"{"a":1}"#, "1700", "secret"),
            hex::encode(Sha256::digest(br#"app{"a":1}1700secret"#))
        );
        assert_eq!(
            signature("a", b"b", "c", "d"),
            signature("ab", b"", "c", "d")
        );
    }

    #[test]
    fn zalos_published_text_example_reads_as_a_message_to_its_oa() {
        let m = message(verify(TEXT.as_bytes(), Some(&signed(TEXT)), APP, SECRET).expect("ok"));
        assert_eq!(m.oa_id, "388613280878808645");
        assert_eq!(m.user_id.expose(), "246845883529197922");
        assert_eq!(m.msg_id, "96d3cdf3af150460909");
        assert_eq!(m.kind, MessageKind::Text);
        assert_eq!(m.item_line(), "message");
        // 154390853474 ms is 1974: not trusted as the sending time.
        assert_eq!(m.sent_at_ms, None);
        assert_eq!(format!("{:?}", m.user_id), "UserId(***)");
        assert!(!format!("{m:?}").contains("246845883529197922"));
    }

    #[test]
    fn image_and_audio_messages_keep_the_link_to_zalos_copy() {
        let image =
            message(verify(IMAGE.as_bytes(), Some(&signed(IMAGE)), APP, SECRET).expect("ok"));
        assert_eq!(image.kind, MessageKind::Image);
        assert_eq!(
            image.item_line(),
            "message\n📷 https://photo-stal-1.zdn.vn/photo.jpg"
        );
        let audio =
            message(verify(AUDIO.as_bytes(), Some(&signed(AUDIO)), APP, SECRET).expect("ok"));
        assert_eq!(audio.kind, MessageKind::Audio);
        assert_eq!(
            audio.item_line(),
            "🎤 https://voice-aac-dl.zdn.vn/voice.amr"
        );
    }

    #[test]
    fn the_consoles_test_events_read_as_samples_of_each_kind_not_as_messages() {
        let samples = [
            (
                include_str!("../../tests/fixtures/zalo/console_user_send_text.json"),
                MessageKind::Text,
                "This is testing message",
                1_609_984_527_175,
            ),
            (
                include_str!("../../tests/fixtures/zalo/console_user_send_image.json"),
                MessageKind::Image,
                "This is testing message\n📷 url_to_thumbnail",
                1_609_984_527_174,
            ),
            (
                include_str!("../../tests/fixtures/zalo/console_user_send_audio.json"),
                MessageKind::Audio,
                "This is testing message\n🎤 url_to_audio_file",
                1_609_984_527_178,
            ),
        ];
        for (body, kind, line, sent_at_ms) in samples {
            let event = verify(body.as_bytes(), Some(&signed(body)), APP, SECRET).expect(body);
            let Event::ConsoleSample(sample) = event else {
                panic!("not read as the console's sample: {event:?}");
            };
            assert_eq!(sample.kind, kind);
            assert_eq!(sample.msg_id, CONSOLE_SAMPLE_MSG_ID);
            assert_eq!(sample.oa_id, "2197174064623873199");
            assert_eq!(sample.item_line(), line);
            assert_eq!(sample.sent_at_ms, Some(sent_at_ms));
        }
    }

    #[test]
    fn the_header_is_accepted_with_or_without_mac_and_in_either_case() {
        let bare = signed(TEXT).trim_start_matches("mac=").to_owned();
        for header in [
            signed(TEXT),
            bare.clone(),
            bare.to_uppercase(),
            format!("MAC={bare}"),
            format!(" mac={bare} "),
        ] {
            verify(TEXT.as_bytes(), Some(&header), APP, SECRET).expect(&header);
        }
    }

    #[test]
    fn a_wrong_key_app_body_or_missing_header_is_refused() {
        let header = signed(TEXT);
        assert_eq!(
            verify(TEXT.as_bytes(), Some(&header), APP, "another-secret"),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            verify(TEXT.as_bytes(), Some(&header), "1", SECRET),
            Err(Refusal::BadSignature)
        );
        let tampered = TEXT.replace("\"message\",", "\"other\",");
        assert_eq!(
            verify(tampered.as_bytes(), Some(&header), APP, SECRET),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            verify(TEXT.as_bytes(), None, APP, SECRET),
            Err(Refusal::NoSignature)
        );
        assert_eq!(
            verify(TEXT.as_bytes(), Some("  "), APP, SECRET),
            Err(Refusal::NoSignature)
        );
        assert!(matches!(
            verify(b"not json", Some(&header), APP, SECRET),
            Err(Refusal::Malformed(_))
        ));
    }

    #[test]
    fn other_events_are_authentic_but_not_messages() {
        let follow = r#"{"app_id":"1","oa_id":"2","follower":{"id":"3"},"event_name":"follow","timestamp":"1700000000000"}"#;
        let event = verify(
            follow.as_bytes(),
            Some(&{ signature(APP, follow.as_bytes(), "1700000000000", SECRET) }),
            APP,
            SECRET,
        )
        .expect("authentic");
        assert_eq!(event, Event::Other("follow".into()));
        let no_sender = r#"{"event_name":"user_send_text","recipient":{"id":"2"},"message":{"msg_id":"m","text":"x"},"timestamp":"1"}"#;
        let refused = verify(
            no_sender.as_bytes(),
            Some(&signature(APP, no_sender.as_bytes(), "1", SECRET)),
            APP,
            SECRET,
        );
        assert!(matches!(refused, Err(Refusal::Malformed(m)) if m.contains("sender.id")));
    }

    #[test]
    fn a_plausible_timestamp_is_the_sending_time() {
        let body = TEXT.replace("154390853474", "1764950400000");
        let m = message(verify(body.as_bytes(), Some(&signed(&body)), APP, SECRET).expect("ok"));
        assert_eq!(m.sent_at_ms, Some(1_764_950_400_000));
    }

    #[test]
    fn the_cs_body_has_zalos_documented_shape() {
        let body: Value = serde_json::from_str(&cs_text_body(
            &UserId::new("2468458835296197922"),
            "Chào bạn",
        ))
        .expect("json");
        assert_eq!(
            body,
            serde_json::json!({"recipient":{"user_id":"2468458835296197922"},"message":{"text":"Chào bạn"}})
        );
        assert_eq!(
            refresh_form("123", "r/+t"),
            "refresh_token=r%2F%2Bt&app_id=123&grant_type=refresh_token"
        );
    }

    #[test]
    fn answers_are_read_by_their_error_field() {
        assert_eq!(
            read_send_answer(
                br#"{"data":{"message_id":"abc","user_id":"1"},"error":0,"message":"Success"}"#
            ),
            Ok("abc".into())
        );
        let expired = read_send_answer(br#"{"error":-220,"message":"Access token has expired"}"#)
            .expect_err("refused");
        assert!(expired.is_token() && !expired.is_transient());
        let busy = read_send_answer(br#"{"error":-32,"message":"limit"}"#).expect_err("busy");
        assert!(busy.is_transient());
        assert!(matches!(
            read_send_answer(b"<html>"),
            Err(ApiError::Unexpected(_))
        ));
        let grant = read_token_answer(
            br#"{"access_token":"a1","refresh_token":"r1","expires_in":"90000"}"#,
        )
        .expect("grant");
        assert_eq!(grant.expires_in_secs, 90_000);
        assert!(!format!("{grant:?}").contains("a1"));
        let numeric =
            read_token_answer(br#"{"access_token":"a","refresh_token":"r","expires_in":3600}"#)
                .expect("grant");
        assert_eq!(numeric.expires_in_secs, 3600);
        let refused =
            read_token_answer(br#"{"error":-14014,"error_name":"Invalid refresh token"}"#)
                .expect_err("refused");
        assert!(refused.to_string().contains("-14014"), "{refused}");
    }

    #[test]
    fn a_long_reply_is_cut_to_one_message_with_a_link_to_the_whole() {
        let short = reply_message("LCZ-ABCDEFG", "Đã sửa.", "https://hub/t/LCZ-ABCDEFG");
        assert_eq!(short, "Trả lời phiếu LCZ-ABCDEFG:\nĐã sửa.");
        let long = reply_message(
            "LCZ-ABCDEFG",
            &"ừ".repeat(5000),
            "https://hub/t/LCZ-ABCDEFG",
        );
        assert_eq!(long.chars().count(), CS_TEXT_MAX_CHARS);
        assert!(long.ends_with("https://hub/t/LCZ-ABCDEFG"));
    }
}
