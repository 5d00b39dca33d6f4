//! What the Zalo tests share: a hub with `[zalo]`, deliveries signed as Zalo signs them, and
//! a local stand-in for Zalo's servers.
//!
//! Zalo's servers (openapi.zalo.me, oauth.zaloapp.com) are not reachable from the machines
//! these tests run on. [`ZaloServer`] listens on 127.0.0.1, records every request the hub
//! makes, and answers in the shapes Zalo documents (see `src/zalo/mod.rs` for the sources):
//! the customer-service message API `POST /v3.0/oa/message/cs` (header `access_token`; answer
//! `{"data":{"message_id":…},"error":0,"message":"Success"}`, or `{"error":-216,…}` for an
//! access token it does not know) and the token endpoint `POST /v4/oa/access_token` (header
//! `secret_key`, form `refresh_token`, `app_id`, `grant_type=refresh_token`; answer
//! `{"access_token","refresh_token","expires_in"}`). Like Zalo, it voids the old access token
//! and the used refresh token when it issues new ones.
#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use phonghop::config::ZaloConfig;

use crate::common::{self, TestHub};

/// The ids of Zalo's published example event (`tests/fixtures/zalo/user_send_text.json`).
pub const APP_ID: &str = "360846524940903967";
pub const OA_ID: &str = "388613280878808645";
pub const USER_ID: &str = "246845883529197922";
/// The unit `[zalo.units]` sends [`OA_ID`]'s residents to.
pub const UNIT: &str = "lao-chai";
pub const OA_SECRET: &str = "zalo-oa-secret-key-tests";
pub const APP_SECRET: &str = "zalo-app-secret-key-tests";

pub const TEXT: &str = include_str!("fixtures/zalo/user_send_text.json");
pub const IMAGE: &str = include_str!("fixtures/zalo/user_send_image.json");
pub const AUDIO: &str = include_str!("fixtures/zalo/user_send_audio.json");

/// One request the hub made to "Zalo".
#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Recorded {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    pub fn form(&self) -> BTreeMap<String, String> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }
}

#[derive(Debug, Default)]
struct Zalo {
    requests: Vec<Recorded>,
    /// The one access token it accepts.
    access: String,
    /// The one refresh token it accepts (each is usable once).
    refresh: String,
    issued: u32,
    /// Error codes to answer the next message requests with, before sending them.
    refuse_next: VecDeque<i64>,
    sent: u32,
}

/// A local stand-in for Zalo's OA API and token endpoint that records requests.
pub struct ZaloServer {
    pub url: url::Url,
    state: Arc<Mutex<Zalo>>,
    task: tokio::task::JoinHandle<()>,
}

fn record(state: &Mutex<Zalo>, path: &str, headers: &HeaderMap, body: &str) {
    let headers = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                v.to_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    state.lock().expect("state").requests.push(Recorded {
        path: path.to_owned(),
        headers,
        body: body.to_owned(),
    });
}

async fn cs_message(
    State(state): State<Arc<Mutex<Zalo>>>,
    headers: HeaderMap,
    body: String,
) -> axum::Json<serde_json::Value> {
    record(&state, "/v3.0/oa/message/cs", &headers, &body);
    let mut zalo = state.lock().expect("state");
    let token = headers
        .get("access_token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if token != zalo.access {
        return axum::Json(
            serde_json::json!({ "error": -216, "message": "Access token is invalid" }),
        );
    }
    if let Some(code) = zalo.refuse_next.pop_front() {
        return axum::Json(serde_json::json!({ "error": code, "message": "refused by the test" }));
    }
    let request: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let user = request["recipient"]["user_id"].as_str().unwrap_or("");
    if user.is_empty() || request["message"]["text"].as_str().is_none() {
        return axum::Json(
            serde_json::json!({ "error": -201, "message": "Parameters are invalid" }),
        );
    }
    zalo.sent += 1;
    axum::Json(serde_json::json!({
        "data": { "message_id": format!("zmsg-{}", zalo.sent), "user_id": user },
        "error": 0,
        "message": "Success"
    }))
}

async fn token(
    State(state): State<Arc<Mutex<Zalo>>>,
    headers: HeaderMap,
    body: String,
) -> axum::Json<serde_json::Value> {
    record(&state, "/v4/oa/access_token", &headers, &body);
    let mut zalo = state.lock().expect("state");
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let secret = headers.get("secret_key").and_then(|v| v.to_str().ok());
    let good = secret == Some(APP_SECRET)
        && form.get("app_id").map(String::as_str) == Some(APP_ID)
        && form.get("grant_type").map(String::as_str) == Some("refresh_token")
        && form.get("refresh_token") == Some(&zalo.refresh);
    if !good {
        return axum::Json(
            serde_json::json!({ "error": -14014, "error_name": "Invalid refresh token" }),
        );
    }
    zalo.issued += 1;
    zalo.access = format!("access-{}", zalo.issued);
    zalo.refresh = format!("refresh-{}", zalo.issued);
    axum::Json(serde_json::json!({
        "access_token": zalo.access,
        "refresh_token": zalo.refresh,
        "expires_in": "90000"
    }))
}

impl ZaloServer {
    /// Accepts `access` and `refresh` as the OA's current tokens.
    pub async fn start(access: &str, refresh: &str) -> ZaloServer {
        let state = Arc::new(Mutex::new(Zalo {
            access: access.to_owned(),
            refresh: refresh.to_owned(),
            ..Zalo::default()
        }));
        let app = axum::Router::new()
            .route("/v3.0/oa/message/cs", post(cs_message))
            .route("/v4/oa/access_token", post(token))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("addr"))
            .parse()
            .expect("url");
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        ZaloServer { url, state, task }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().expect("state").requests.clone()
    }

    /// The message requests (`/v3.0/oa/message/cs`), in order.
    pub fn messages(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == "/v3.0/oa/message/cs")
            .collect()
    }

    /// Answer the next message requests with these Zalo error codes.
    pub fn refuse_next(&self, codes: &[i64]) {
        self.state
            .lock()
            .expect("state")
            .refuse_next
            .extend(codes.iter().copied());
    }

    /// Voids the current access token (as a token Zalo revoked).
    pub fn void_access_token(&self) {
        self.state.lock().expect("state").access = "voided".into();
    }
}

impl Drop for ZaloServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The demo hub's config with a `[zalo]` that sends [`OA_ID`]'s residents to [`UNIT`] and
/// talks to `zalo`.
pub fn hub_config(data_dir: &std::path::Path, zalo: &ZaloServer) -> phonghop::config::HubConfig {
    let mut config = common::hub_config(data_dir);
    let mut z = ZaloConfig::new(APP_ID, OA_SECRET, APP_SECRET);
    z.api_url = zalo.url.clone();
    z.oauth_url = zalo.url.clone();
    z.units.insert(OA_ID.into(), UNIT.into());
    config.zalo = Some(z);
    config
}

/// A hub with [`hub_config`].
pub async fn start_hub(data_dir: &std::path::Path, zalo: &ZaloServer) -> TestHub {
    common::start_configured_hub(hub_config(data_dir, zalo)).await
}

/// Connects [`OA_ID`] with these tokens (the access token expiring at `expires_at_ms`).
pub fn connect(hub: &TestHub, access: &str, refresh: &str, expires_at_ms: i64) {
    phonghop::hub::zalo::store_tokens(&hub.config, OA_ID, refresh, Some((access, expires_at_ms)))
        .expect("tokens stored");
}

/// Milliseconds from now.
pub fn in_ms(ms: i64) -> i64 {
    phonghop::clock::now_ms() + ms
}

/// The `X-ZEvent-Signature` Zalo sends with `body`.
pub fn signature(body: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(body).expect("json");
    let timestamp = value["timestamp"].as_str().expect("timestamp");
    format!(
        "mac={}",
        phonghop::zalo::signature(APP_ID, body.as_bytes(), timestamp, OA_SECRET)
    )
}

/// Posts `body` to `/webhooks/zalo` with the signature Zalo would send.
pub async fn deliver(hub: &TestHub, body: &str) -> (u16, serde_json::Value) {
    deliver_signed(hub, body, &signature(body)).await
}

pub async fn deliver_signed(
    hub: &TestHub,
    body: &str,
    signature: &str,
) -> (u16, serde_json::Value) {
    crate::contrib_common::post(
        hub,
        "webhooks/zalo",
        body,
        &[("X-ZEvent-Signature", signature)],
    )
    .await
}

/// Zalo's text example from another resident (`sender.id`) with another message id.
pub fn text_from(user: &str, msg_id: &str, text: &str) -> String {
    TEXT.replace(USER_ID, user)
        .replace("96d3cdf3af150460909", msg_id)
        .replace("\"text\": \"message\"", &format!("\"text\": {text:?}"))
}

/// The inbox of [`UNIT`] as its commune officer sees it through the staff API.
pub async fn unit_inbox(hub: &TestHub) -> Vec<serde_json::Value> {
    let token = common::staff_token(hub, phonghop::store::StaffRole::CommuneStaff, Some(UNIT));
    let answer = common::send_json(
        common::staff_client(&token).get(hub.url.join("api/v1/feedback").expect("url")),
        "inbox",
    )
    .await;
    answer
        .as_array()
        .or_else(|| answer["items"].as_array())
        .cloned()
        .unwrap_or_else(|| panic!("an inbox list: {answer}"))
}
