//! The Zalo Official Account channel at the hub: `POST /webhooks/zalo` (a resident's message
//! becomes a feedback item, its ticket code is sent back), the sender that carries ticket
//! codes and staff replies to residents through the OA's customer-service message API, and
//! the OA tokens it refreshes before they expire. What Zalo sends and expects, and where that
//! is documented, is in `crate::zalo`.
//!
//! **Which unit.** Zalo calls one webhook URL per app for every OA linked to it; the OA a
//! message was written to (`recipient.id`) picks the unit through `[zalo.units]`. An OA not
//! listed (the province Front's own OA, say) goes to the province's inbox, where a province
//! admin hands an item to its commune with the dashboard's "assign". (The other way the issue
//! allows, a menu the OA sends back, is not built.)
//!
//! **Media.** A picture or voice message is kept as the link to Zalo's copy (a line of the
//! item's text); the hub does not fetch it. Zalo's voice messages are AMR, which browsers do
//! not play, and fetching would need the hub to reach Zalo's CDN.
//!
//! **Exactly once.** A delivery Zalo repeats is applied once (its message id is kept). A
//! message to a resident is claimed (`sending`) before its one request; it is retried only
//! when it is known not to have been sent (no connection, Zalo's error answer), and a message
//! whose outcome is unknown (the answer was lost) is marked `unconfirmed`, not resent: Zalo's
//! API takes no idempotency key, so a resend could reach the resident twice.
//!
//! Zalo's servers are not reachable from the machines this is built and tested on: the tests
//! point `[zalo] api_url` and `oauth_url` at a local server that records the requests.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::SeedableRng;

use super::Hub;
use super::error::ApiFailure;
use crate::config::{HubConfig, ZaloConfig};
use crate::feedback::Channel;
use crate::store::{SealedTokens, StoreError, ZaloDelivery, ZaloInbound, ZaloReceived};
use crate::zalo::sealed::{SealError, TokenKey};
use crate::zalo::{self, ApiError, DeliveryState, Event, Purpose, Refusal};

/// A message to a resident is tried at most this many times (with backoff of up to an hour)
/// before it is marked failed.
pub const MAX_ATTEMPTS: i64 = 12;

/// The first retry waits about this long, doubling (with jitter) up to [`RETRY_MAX`].
const RETRY_BASE: Duration = Duration::from_secs(10);
const RETRY_MAX: Duration = Duration::from_secs(60 * 60);

/// The sender looks again at least this often (token expiry, replies from the command line).
const TICK: Duration = Duration::from_secs(30);

/// An access token this close to expiry is refreshed before a message is sent with it.
const SEND_MARGIN_MS: i64 = 60 * 1000;

/// Zalo's answers are small JSON objects.
const ANSWER_MAX_BYTES: usize = 64 * 1024;

/// How many messages one round sends at most (then it looks again at once).
const ROUND_MAX: i64 = 20;

/// Why a Zalo operation of the command line (or a test) failed; each says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ZaloError {
    #[error(
        "there is no [zalo] section in the hub's config: add app_id, oa_secret_key and app_secret_key"
    )]
    NotConfigured,
    #[error("{0:?} is not a Zalo OA id: write its digits, like 388613280878808645")]
    BadOa(String),
    #[error("the refresh token is empty: paste the OA's refresh token on standard input")]
    NoToken,
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error(transparent)]
    Open(#[from] crate::app::OpenError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn label(oa_id: &str, which: &str) -> String {
    format!("{oa_id}/{which}")
}

/// Connects an OA: stores its refresh token, sealed (the hub exchanges it for an access token
/// at once, and keeps both fresh). `phonghop hub zalo connect` and the tests use this.
pub fn connect_oa(config: &HubConfig, oa_id: &str, refresh_token: &str) -> Result<(), ZaloError> {
    store_tokens(config, oa_id, refresh_token, None)
}

/// Stores an OA's tokens as given: the refresh token and, when known, an access token and
/// when it expires.
pub fn store_tokens(
    config: &HubConfig,
    oa_id: &str,
    refresh_token: &str,
    access: Option<(&str, i64)>,
) -> Result<(), ZaloError> {
    let zalo = config.zalo.as_ref().ok_or(ZaloError::NotConfigured)?;
    let oa_id = oa_id.trim();
    if oa_id.is_empty() || !oa_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(ZaloError::BadOa(oa_id.to_owned()));
    }
    let refresh_token = refresh_token.trim();
    if refresh_token.is_empty() {
        return Err(ZaloError::NoToken);
    }
    let key = TokenKey::load_or_create(&zalo.key_file(&config.data_dir))?;
    let (access_token, access_expires_at_ms) = access.unwrap_or(("", 0));
    let now = crate::clock::now_ms();
    let tokens = SealedTokens {
        sealed_access: key.seal(access_token, &label(oa_id, "access"))?,
        sealed_refresh: key.seal(refresh_token, &label(oa_id, "refresh"))?,
        access_expires_at_ms,
        refreshed_at_ms: now,
    };
    let store = crate::app::open_store(&config.data_dir)?;
    store.zalo_put_tokens(oa_id, &tokens, now)?;
    Ok(())
}

/// A verified resident's message as the hub stores it: the unit its OA is listed for (the
/// province's inbox for an OA not in `[zalo.units]`), the category `other` (else the last
/// one), its line capped at the store's limit, and its sending time when it has a plausible
/// one (else `now_ms`). The webhook and the `zalo_webhook` fuzz target share this.
pub fn inbound(config: &HubConfig, message: zalo::UserMessage, now_ms: i64) -> ZaloInbound {
    let unit_id = match config
        .zalo
        .as_ref()
        .and_then(|z| z.unit_for(&message.oa_id))
    {
        Some(unit) => unit.to_owned(),
        None => {
            tracing::warn!(
                oa = %message.oa_id,
                "a message to an OA not in [zalo.units] goes to the province's inbox"
            );
            config.province().id.clone()
        }
    };
    let categories = &config.feedback.categories;
    let category = categories
        .iter()
        .find(|c| c.id == "other")
        .or(categories.last())
        .map_or_else(|| "other".to_owned(), |c| c.id.clone());
    let line: String = message
        .item_line()
        .chars()
        .take(crate::store::ZALO_ITEM_TEXT_MAX_CHARS)
        .collect();
    ZaloInbound {
        oa_id: message.oa_id.clone(),
        line,
        user_id: message.user_id,
        msg_id: message.msg_id,
        kind: message.kind.as_str(),
        media_url: message.media_url,
        unit_id,
        category,
        submitted_at_ms: message.sent_at_ms.unwrap_or(now_ms),
    }
}

/// `POST /webhooks/zalo`: verifies the delivery, then applies a resident's message once.
/// Answers 200 to every authentic delivery (Zalo asks for it within 2 seconds), 401 or 400
/// with nothing stored otherwise.
pub(super) async fn webhook(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return ApiFailure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                &format!(
                    "the body is larger than {} bytes; Zalo's events are far smaller",
                    zalo::MAX_BODY_BYTES
                ),
            )
            .into_response();
        }
        Err(e) => {
            return ApiFailure::new(e.status(), "bad_request", &e.body_text()).into_response();
        }
    };
    let Some(config) = hub.config.zalo.clone() else {
        return ApiFailure::new(
            StatusCode::NOT_FOUND,
            "not_configured",
            "Zalo is off at this hub: add a [zalo] section to its config",
        )
        .into_response();
    };
    let signature = headers
        .get(zalo::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Parsing and hashing are CPU work: off the async workers, as the bank webhooks do.
    let verified = tokio::task::spawn_blocking(move || {
        zalo::verify(
            &body,
            signature.as_deref(),
            &config.app_id,
            config.oa_secret_key.expose(),
        )
    })
    .await;
    let message = match verified {
        Ok(Ok(Event::Message(message))) => message,
        Ok(Ok(Event::ConsoleSample(sample))) => {
            // Nobody wrote it: no ticket, and no message to its made-up user.
            tracing::info!(
                kind = sample.kind.as_str(),
                "Zalo's developer console tested the webhook: signature good; nothing stored"
            );
            return Json(serde_json::json!({ "received": true, "console_sample": true }))
                .into_response();
        }
        Ok(Ok(Event::Other(name))) => {
            tracing::debug!(event = %name, "Zalo event acknowledged; nothing for the inbox");
            return received();
        }
        Ok(Err(refusal)) => {
            tracing::info!(reason = %refusal, "a Zalo delivery was refused; nothing stored");
            let status = match refusal {
                Refusal::NoSignature | Refusal::BadSignature => StatusCode::UNAUTHORIZED,
                Refusal::Malformed(_) => StatusCode::BAD_REQUEST,
            };
            return ApiFailure::new(status, "refused", &refusal.to_string()).into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "Zalo delivery check failed");
            return ApiFailure::internal().into_response();
        }
    };
    let now = crate::clock::now_ms();
    let inbound = inbound(&hub.config, message, now);
    let prefix = crate::feedback::ticket::province_prefix(&hub.config.province().id);
    let mut rng = rand::rngs::StdRng::from_os_rng();
    // A proposed code another item holds is replaced; five in a row is not chance.
    for _ in 0..5 {
        let code = crate::feedback::ticket::channel_code(&prefix, Channel::Zalo, &mut rng)
            .expect("Zalo items have channel codes");
        let attempt = inbound.clone();
        let outcome = hub
            .store
            .call(move |s| s.zalo_receive(&attempt, &code, now))
            .await;
        match outcome {
            Ok(ZaloReceived::CodeTaken) => continue,
            Ok(ZaloReceived::Opened { ticket_code }) => {
                tracing::info!(ticket = %ticket_code, oa = %inbound.oa_id, kind = inbound.kind, "a Zalo message opened a ticket");
                hub.zalo_wake.notify_one();
                return received();
            }
            Ok(ZaloReceived::Joined { ticket_code }) => {
                tracing::info!(ticket = %ticket_code, kind = inbound.kind, "a Zalo message joined its ticket");
                return received();
            }
            Ok(ZaloReceived::Already { ticket_code }) => {
                tracing::info!(ticket = %ticket_code, "a Zalo message delivered again; applied once");
                return received();
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot store a Zalo message");
                return ApiFailure::internal().into_response();
            }
        }
    }
    tracing::error!("no free ticket code for a Zalo message after five tries");
    ApiFailure::internal().into_response()
}

/// `GET /zalo_verifier<code>.html`: Zalo's domain check, when `[zalo] site_verification`
/// names the code; any other file name is not served (404), and neither is this one with
/// Zalo off or no code configured.
pub(super) async fn domain_verifier(
    State(hub): State<Arc<Hub>>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    let code = hub
        .config
        .zalo
        .as_ref()
        .and_then(|z| z.site_verification.as_deref());
    match code {
        Some(code) if file.strip_suffix(".html") == Some(code) => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            zalo::domain_verifier_page(code),
        )
            .into_response(),
        _ => ApiFailure::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no Zalo domain verification file of that name here: [zalo] site_verification names \
             the one the hub serves",
        )
        .into_response(),
    }
}

fn received() -> Response {
    Json(serde_json::json!({ "received": true })).into_response()
}

/// How one message's request ended.
enum Outcome {
    Sent(String),
    /// Known not to have been sent: try again later.
    NotSent(String),
    /// Zalo refused it for good.
    Refused(String),
    /// The request went out but its answer was lost: whether it was sent is unknown.
    Unknown(String),
}

/// What one request to Zalo came back with.
enum Answer {
    Body(Vec<u8>),
    /// It did not reach Zalo (no connection): nothing was done there.
    NotSent(String),
    /// Zalo said no before doing anything (a 4xx).
    Refused(String),
    Unknown(String),
}

/// The sender: one task, so messages and token refreshes never race each other.
struct Sender {
    hub: Arc<Hub>,
    config: ZaloConfig,
    key: TokenKey,
    http: reqwest::Client,
    rng: rand::rngs::StdRng,
    /// When a failed token refresh of an OA may be tried again.
    refresh_after: HashMap<String, (crate::backoff::Backoff, i64)>,
}

/// Runs the sender until the hub stops: queues staff replies to Zalo items, keeps every
/// connected OA's access token fresh, and sends what is due.
pub(super) async fn run(hub: Arc<Hub>) {
    let Some(config) = hub.config.zalo.clone() else {
        return;
    };
    let key = match TokenKey::load_or_create(&config.key_file(&hub.config.data_dir)) {
        Ok(key) => key,
        Err(e) => {
            tracing::error!(error = %e, "no message can be sent to Zalo residents");
            return;
        }
    };
    let http = match crate::hub::tls::client_config(None) {
        Ok(tls) => reqwest::Client::builder()
            .tls_backend_preconfigured((*tls).clone())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build(),
        Err(e) => {
            tracing::error!(error = %e, "no TLS settings for Zalo");
            return;
        }
    };
    let http = match http {
        Ok(http) => http,
        Err(e) => {
            tracing::error!(error = %e, "no HTTP client for Zalo");
            return;
        }
    };
    match hub
        .store
        .call(|s| s.zalo_unconfirm_interrupted(crate::clock::now_ms()))
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            messages = n,
            "Zalo messages were being sent when the hub stopped; marked unconfirmed, not resent"
        ),
        Err(e) => tracing::error!(error = %e, "cannot read the Zalo outbox"),
    }
    let mut hints = hub.sync_hints.subscribe();
    let mut sender = Sender {
        hub: hub.clone(),
        config,
        key,
        http,
        rng: rand::rngs::StdRng::from_os_rng(),
        refresh_after: HashMap::new(),
    };
    loop {
        let wait = match sender.round().await {
            Ok(wait) => wait,
            Err(e) => {
                tracing::error!(error = %e, "the Zalo sender cannot read the database");
                TICK
            }
        };
        tokio::select! {
            _ = hub.shutdown.cancelled() => break,
            _ = hub.zalo_wake.notified() => {}
            hint = hints.recv() => {
                if matches!(hint, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                    break;
                }
            }
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

impl Sender {
    /// Queues new replies, refreshes tokens near expiry, sends what is due; returns how long
    /// to wait for the next due message.
    async fn round(&mut self) -> Result<Duration, StoreError> {
        let now = crate::clock::now_ms();
        let queued = self
            .hub
            .store
            .call(move |s| s.zalo_queue_replies(now))
            .await?;
        if queued > 0 {
            tracing::info!(replies = queued, "staff replies queued for Zalo");
        }
        let soon = now + zalo::REFRESH_BEFORE_EXPIRY_MS;
        let expiring = self
            .hub
            .store
            .call(move |s| s.zalo_tokens_expiring(soon))
            .await?;
        for oa in expiring {
            if self
                .refresh_after
                .get(&oa)
                .is_some_and(|(_, at)| *at > crate::clock::now_ms())
            {
                continue;
            }
            // A failure is logged and retried with backoff inside.
            let _ = self.refresh(&oa).await;
        }
        let due = self
            .hub
            .store
            .call(move |s| s.zalo_due(now, ROUND_MAX))
            .await?;
        let full = due.len() as i64 == ROUND_MAX;
        for delivery in due {
            let id = delivery.id;
            if !self
                .hub
                .store
                .call(move |s| s.zalo_mark_sending(id))
                .await?
            {
                continue;
            }
            let outcome = self.deliver(&delivery).await;
            self.record(&delivery, outcome).await?;
        }
        if full {
            return Ok(Duration::ZERO);
        }
        let next = self.hub.store.call(|s| s.zalo_next_due_ms()).await?;
        let now = crate::clock::now_ms();
        Ok(match next {
            Some(at) => Duration::from_millis((at - now).clamp(0, TICK.as_millis() as i64) as u64),
            None => TICK,
        })
    }

    async fn record(&mut self, d: &ZaloDelivery, outcome: Outcome) -> Result<(), StoreError> {
        let (id, code, purpose) = (d.id, d.ticket_code.clone(), d.purpose);
        let now = crate::clock::now_ms();
        match outcome {
            Outcome::Sent(message_id) => {
                tracing::info!(ticket = %code, %purpose, "message sent to the resident through Zalo");
                self.hub
                    .store
                    .call(move |s| s.zalo_mark_sent(id, &message_id, now))
                    .await
            }
            Outcome::NotSent(why) if d.attempts < MAX_ATTEMPTS => {
                let mut backoff = crate::backoff::Backoff::new(RETRY_BASE, RETRY_MAX);
                let mut delay = backoff.next_delay(&mut self.rng);
                for _ in 1..d.attempts {
                    delay = backoff.next_delay(&mut self.rng);
                }
                let next = now + delay.as_millis() as i64;
                tracing::warn!(ticket = %code, %purpose, attempt = d.attempts + 1, retry_in_secs = delay.as_secs(), error = %why, "Zalo message not sent; will retry");
                self.hub
                    .store
                    .call(move |s| s.zalo_mark_retry(id, next, &why))
                    .await
            }
            Outcome::NotSent(why) | Outcome::Refused(why) => {
                tracing::warn!(ticket = %code, %purpose, error = %why, "Zalo message failed; not retried");
                self.hub
                    .store
                    .call(move |s| s.zalo_mark_done(id, DeliveryState::Failed, &why, now))
                    .await
            }
            Outcome::Unknown(why) => {
                tracing::warn!(ticket = %code, %purpose, error = %why, "Zalo's answer was lost; the message is unconfirmed and not resent");
                self.hub
                    .store
                    .call(move |s| s.zalo_mark_done(id, DeliveryState::Unconfirmed, &why, now))
                    .await
            }
        }
    }

    fn ticket_url(&self, code: &str) -> String {
        let config = &self.hub.config;
        config.public_url.join(&format!("t/{code}")).map_or_else(
            |_| format!("{}t/{code}", config.public_url),
            |u| u.to_string(),
        )
    }

    /// One message: its one request (a second only when Zalo refused the access token,
    /// which it does before sending anything).
    async fn deliver(&mut self, d: &ZaloDelivery) -> Outcome {
        let url = self.ticket_url(&d.ticket_code);
        let text = match d.purpose {
            Purpose::Ticket => zalo::ticket_message(&d.ticket_code, &url),
            Purpose::Reply => zalo::reply_message(&d.ticket_code, &d.text, &url),
        };
        let body = zalo::cs_text_body(&d.user_id, &text);
        let mut refreshed = false;
        loop {
            let token = match self.access_token(&d.oa_id).await {
                Ok(token) => token,
                Err(why) => return Outcome::NotSent(why),
            };
            let answer = self.post_cs(&token, &body).await;
            let body = match answer {
                Answer::Body(body) => body,
                Answer::NotSent(why) => return Outcome::NotSent(why),
                Answer::Refused(why) => return Outcome::Refused(why),
                Answer::Unknown(why) => return Outcome::Unknown(why),
            };
            match zalo::read_send_answer(&body) {
                Ok(message_id) => return Outcome::Sent(message_id),
                Err(e) if e.is_token() && !refreshed => {
                    refreshed = true;
                    tracing::info!(oa = %d.oa_id, error = %e, "Zalo refused the access token; refreshing");
                    if let Err(why) = self.refresh(&d.oa_id).await {
                        return Outcome::NotSent(why);
                    }
                }
                Err(e) if e.is_token() || e.is_transient() => {
                    return Outcome::NotSent(e.to_string());
                }
                Err(e @ ApiError::Unexpected(_)) => return Outcome::Unknown(e.to_string()),
                Err(e) => return Outcome::Refused(e.to_string()),
            }
        }
    }

    async fn post_cs(&self, token: &str, body: &str) -> Answer {
        let url = match self.config.api_url.join(zalo::CS_MESSAGE_PATH) {
            Ok(url) => url,
            Err(e) => return Answer::Refused(format!("[zalo] api_url: {e}")),
        };
        let request = self
            .http
            .post(url)
            .header("access_token", token)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_owned());
        send(request).await
    }

    /// The OA's sealed tokens as stored, if it is connected.
    async fn stored_tokens(
        &self,
        oa_id: &str,
    ) -> Result<Option<crate::store::SealedTokens>, String> {
        let oa = oa_id.to_owned();
        self.hub
            .store
            .call(move |s| s.zalo_tokens(&oa))
            .await
            .map_err(|e| e.to_string())
    }

    /// The OA's access token, refreshed first when it expires within a minute.
    async fn access_token(&mut self, oa_id: &str) -> Result<String, String> {
        let Some(stored) = self.stored_tokens(oa_id).await? else {
            return Err(format!(
                "OA {oa_id} is not connected: run `phonghop hub zalo connect --oa {oa_id}` with its refresh token"
            ));
        };
        if stored.access_expires_at_ms > crate::clock::now_ms() + SEND_MARGIN_MS {
            return self
                .key
                .open(&stored.sealed_access, &label(oa_id, "access"))
                .map_err(|e| e.to_string());
        }
        self.refresh(oa_id).await
    }

    /// Exchanges the OA's refresh token for new tokens and stores both (the refresh token
    /// is usable once); returns the new access token.
    async fn refresh(&mut self, oa_id: &str) -> Result<String, String> {
        let result = self.try_refresh(oa_id).await;
        let now = crate::clock::now_ms();
        match &result {
            Ok(_) => {
                self.refresh_after.remove(oa_id);
                tracing::info!(oa = %oa_id, "Zalo access token refreshed");
            }
            Err(why) => {
                let entry = self
                    .refresh_after
                    .entry(oa_id.to_owned())
                    .or_insert_with(|| (crate::backoff::Backoff::new(RETRY_BASE, RETRY_MAX), now));
                let delay = entry.0.next_delay(&mut self.rng);
                entry.1 = now + delay.as_millis() as i64;
                tracing::warn!(oa = %oa_id, error = %why, retry_in_secs = delay.as_secs(), "cannot refresh the Zalo access token");
                let (oa, why) = (oa_id.to_owned(), why.clone());
                let _ = self
                    .hub
                    .store
                    .call(move |s| s.zalo_token_error(&oa, &why, now))
                    .await;
            }
        }
        result
    }

    async fn try_refresh(&mut self, oa_id: &str) -> Result<String, String> {
        let stored = self
            .stored_tokens(oa_id)
            .await?
            .ok_or_else(|| format!("OA {oa_id} is not connected"))?;
        let refresh_token = self
            .key
            .open(&stored.sealed_refresh, &label(oa_id, "refresh"))
            .map_err(|e| e.to_string())?;
        let url = self
            .config
            .oauth_url
            .join(zalo::TOKEN_PATH)
            .map_err(|e| format!("[zalo] oauth_url: {e}"))?;
        let request = self
            .http
            .post(url)
            .header("secret_key", self.config.app_secret_key.expose())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(zalo::refresh_form(&self.config.app_id, &refresh_token));
        let body = match send(request).await {
            Answer::Body(body) => body,
            Answer::NotSent(why) | Answer::Refused(why) | Answer::Unknown(why) => return Err(why),
        };
        let grant = zalo::read_token_answer(&body).map_err(|e| e.to_string())?;
        let now = crate::clock::now_ms();
        let tokens = SealedTokens {
            sealed_access: self
                .key
                .seal(&grant.access_token, &label(oa_id, "access"))
                .map_err(|e| e.to_string())?,
            sealed_refresh: self
                .key
                .seal(&grant.refresh_token, &label(oa_id, "refresh"))
                .map_err(|e| e.to_string())?,
            access_expires_at_ms: now + grant.expires_in_secs.saturating_mul(1000),
            refreshed_at_ms: now,
        };
        let oa = oa_id.to_owned();
        self.hub
            .store
            .call(move |s| s.zalo_put_tokens(&oa, &tokens, now))
            .await
            .map_err(|e| format!("the new tokens could not be stored: {e}"))?;
        Ok(grant.access_token)
    }
}

/// Sends a request and reads its answer (capped), saying whether anything happened at Zalo.
async fn send(request: reqwest::RequestBuilder) -> Answer {
    let mut response = match request.send().await {
        Ok(response) => response,
        Err(e) if e.is_connect() || e.is_builder() => {
            return Answer::NotSent(format!("cannot reach Zalo: {e}"));
        }
        Err(e) => return Answer::Unknown(format!("no answer from Zalo: {e}")),
    };
    let status = response.status();
    if status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::BAD_GATEWAY
        || status == StatusCode::SERVICE_UNAVAILABLE
    {
        return Answer::NotSent(format!("Zalo answered HTTP {status}"));
    }
    if status.is_client_error() {
        return Answer::Refused(format!("Zalo answered HTTP {status}"));
    }
    if !status.is_success() {
        return Answer::Unknown(format!("Zalo answered HTTP {status}"));
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if body.len() + chunk.len() <= ANSWER_MAX_BYTES => {
                body.extend_from_slice(&chunk)
            }
            Ok(Some(_)) => {
                return Answer::Unknown(format!(
                    "Zalo's answer is over {ANSWER_MAX_BYTES} bytes; not read"
                ));
            }
            Ok(None) => return Answer::Body(body),
            Err(e) => return Answer::Unknown(format!("Zalo's answer broke off: {e}")),
        }
    }
}
