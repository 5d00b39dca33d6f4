//! Contribution routes of the hub: bank webhooks, the public transparency page and its CSV,
//! and the staff campaign API. Who may call which is in `routes.rs`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::Hub;
use super::error::{ApiFailure, JsonBody};
use crate::config::{SepayMode, WebhookSender};
use crate::contrib::webhooks::{self, Notification, Rejection};
use crate::store::TransferOutcome;

/// The body, or the refusal to answer when it is too large or unreadable.
type WebhookBody = Result<Bytes, BytesRejection>;

pub(super) async fn sepay(
    state: State<Arc<Hub>>,
    headers: HeaderMap,
    body: WebhookBody,
) -> Response {
    webhook(state, WebhookSender::Sepay, headers, body).await
}

pub(super) async fn casso(
    state: State<Arc<Hub>>,
    headers: HeaderMap,
    body: WebhookBody,
) -> Response {
    webhook(state, WebhookSender::Casso, headers, body).await
}

pub(super) async fn payos(
    state: State<Arc<Hub>>,
    headers: HeaderMap,
    body: WebhookBody,
) -> Response {
    webhook(state, WebhookSender::Payos, headers, body).await
}

pub(super) async fn generic(
    state: State<Arc<Hub>>,
    headers: HeaderMap,
    body: WebhookBody,
) -> Response {
    webhook(state, WebhookSender::Generic, headers, body).await
}

fn header_str(headers: &HeaderMap, name: impl axum::http::header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Authenticates, parses and records one notification. Answers 200 `{"success":true}` when
/// it is recorded (or was already, or is authentic but not money in), a 4xx JSON error with
/// nothing recorded otherwise.
async fn webhook(
    State(hub): State<Arc<Hub>>,
    sender: WebhookSender,
    headers: HeaderMap,
    body: WebhookBody,
) -> Response {
    let name = sender.name();
    let body = match body {
        Ok(body) => body,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refuse(
                sender,
                Rejection::TooLarge {
                    limit_bytes: webhooks::MAX_BODY_BYTES,
                },
            );
        }
        Err(e) => {
            return ApiFailure::new(e.status(), "bad_request", &e.body_text()).into_response();
        }
    };
    let not_configured = |what: &str| {
        ApiFailure::new(
            StatusCode::NOT_FOUND,
            "not_configured",
            &format!("{name} webhooks are off at this hub: {what} in its [bank] section"),
        )
        .into_response()
    };
    let Some(bank) = hub.config.bank.as_ref() else {
        return not_configured("set account and the service's secret");
    };
    if !bank.accepts(sender) {
        return not_configured(&format!("add \"{name}\" to senders and set its secret"));
    }
    // `accepts` guarantees the enabled sender's secret is set (checked with the config).
    let missing = || not_configured("set its secret");
    let now = crate::clock::now_ms();
    // The MAC over the body is CPU work: it runs off the async workers, so a flood of
    // signed-looking requests cannot stall other requests (`/healthz`, rooms, staff).
    let bank = bank.clone();
    let verified = tokio::task::spawn_blocking(move || {
        let parsed = match sender {
            WebhookSender::Sepay => {
                let auth = match bank.sepay_mode {
                    SepayMode::ApiKey => match &bank.sepay_api_key {
                        Some(key) => webhooks::SepayAuth::ApiKey(key.expose()),
                        None => return None,
                    },
                    SepayMode::Hmac => match &bank.sepay_secret {
                        Some(secret) => webhooks::SepayAuth::Hmac(secret.expose()),
                        None => return None,
                    },
                };
                let sepay_headers = webhooks::SepayHeaders {
                    authorization: header_str(&headers, header::AUTHORIZATION),
                    signature: header_str(&headers, webhooks::SEPAY_SIGNATURE_HEADER),
                    timestamp: header_str(&headers, webhooks::SEPAY_TIMESTAMP_HEADER),
                };
                webhooks::sepay(&sepay_headers, &body, auth, &bank.account, now)
            }
            WebhookSender::Casso => {
                let Some(secret) = &bank.casso_secret else {
                    return None;
                };
                webhooks::casso(
                    header_str(&headers, webhooks::CASSO_SIGNATURE_HEADER),
                    &body,
                    secret.expose(),
                    &bank.account,
                    now,
                )
            }
            WebhookSender::Payos => {
                let Some(key) = &bank.payos_checksum_key else {
                    return None;
                };
                webhooks::payos(&body, key.expose(), &bank.account, now)
            }
            WebhookSender::Generic => {
                let Some(secret) = &bank.generic_secret else {
                    return None;
                };
                webhooks::generic(
                    header_str(&headers, webhooks::GENERIC_SIGNATURE_HEADER),
                    &body,
                    secret.expose(),
                    &bank.account,
                    now,
                )
            }
        };
        Some(parsed)
    })
    .await;
    let parsed = match verified {
        Ok(Some(parsed)) => parsed,
        Ok(None) => return missing(),
        Err(e) => {
            tracing::error!(sender = name, error = %e, "webhook verification failed");
            return ApiFailure::internal().into_response();
        }
    };
    let transfer = match parsed {
        Ok(Notification::Transfer(t)) => t,
        Ok(Notification::Ignored(why)) => {
            tracing::info!(
                sender = name,
                why,
                "bank notification acknowledged, nothing recorded"
            );
            return success();
        }
        Err(rejection) => return refuse(sender, rejection),
    };
    let outcome = hub
        .store
        .call(move |s| s.record_transfer(&transfer, now))
        .await;
    match outcome {
        Ok(outcome) => {
            match &outcome {
                TransferOutcome::Duplicate { transfer_id } => {
                    tracing::info!(sender = name, %transfer_id, "transfer delivered again; counted once")
                }
                TransferOutcome::Credited {
                    transfer_id,
                    campaign_id,
                    ..
                } => {
                    tracing::info!(sender = name, %transfer_id, %campaign_id, "transfer credited")
                }
                TransferOutcome::Unallocated {
                    transfer_id,
                    reason,
                } => {
                    tracing::info!(sender = name, %transfer_id, %reason, "transfer unallocated")
                }
            }
            success()
        }
        Err(e) => {
            tracing::error!(sender = name, error = %e, "cannot record a transfer");
            ApiFailure::internal().into_response()
        }
    }
}

fn success() -> Response {
    Json(serde_json::json!({"success": true})).into_response()
}

fn refuse(sender: WebhookSender, rejection: Rejection) -> Response {
    // The reason is logged, never the key, signature or body (they may hold names).
    tracing::warn!(sender = sender.name(), reason = %rejection, "bank notification refused");
    let status = StatusCode::from_u16(rejection.status()).unwrap_or(StatusCode::BAD_REQUEST);
    ApiFailure::new(status, rejection.code(), &rejection.to_string()).into_response()
}

/// `/c/<slug>` (HTML) and `/c/<slug>.csv`.
pub(super) async fn public_page(State(hub): State<Arc<Hub>>, Path(page): Path<String>) -> Response {
    let (slug, csv) = match page.strip_suffix(".csv") {
        Some(slug) => (slug.to_owned(), true),
        None => (page, false),
    };
    let lookup = slug.clone();
    let report = match hub.store.call(move |s| s.campaign_report(&lookup)).await {
        Ok(Some(report)) => report,
        Ok(None) => {
            return ApiFailure::not_found(&format!(
                "no campaign {slug:?}; check the address on the poster"
            ))
            .into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read a campaign page");
            return ApiFailure::internal().into_response();
        }
    };
    if csv {
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{slug}.csv\""),
                ),
            ],
            crate::contrib::public::render_csv(&report),
        )
            .into_response()
    } else {
        Html(crate::contrib::public::render_html(&report)).into_response()
    }
}

#[derive(Debug, serde::Serialize)]
struct CampaignView {
    #[serde(flatten)]
    summary: super::campaigns::CampaignSummary,
    page_url: String,
}

pub(super) async fn list_campaigns(State(hub): State<Arc<Hub>>) -> Result<Response, ApiFailure> {
    let list = hub.store.call(super::campaigns::list).await?;
    let views: Vec<CampaignView> = list
        .into_iter()
        .map(|summary| CampaignView {
            page_url: hub.config.campaign_page_url(&summary.campaign.slug),
            summary,
        })
        .collect();
    Ok(Json(views).into_response())
}

pub(super) async fn create_campaign(
    State(hub): State<Arc<Hub>>,
    JsonBody(input): JsonBody<crate::contrib::campaign::CampaignInput>,
) -> Result<Response, ApiFailure> {
    use super::campaigns::CampaignError;
    let now = crate::clock::now_ms();
    let campaign = hub
        .store
        .call(move |s| super::campaigns::create(s, &input, now, &mut rand::rng()))
        .await
        .map_err(|e| match e {
            CampaignError::Invalid(problems) => ApiFailure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_campaign",
                &problems.joined("; "),
            ),
            CampaignError::Store(e) => ApiFailure::from(e),
            CampaignError::NoCampaign(key) => ApiFailure::not_found(&key),
        })?;
    tracing::info!(campaign = %campaign.slug, "campaign created through the staff API");
    let view = CampaignView {
        page_url: hub.config.campaign_page_url(&campaign.slug),
        summary: super::campaigns::CampaignSummary {
            campaign,
            totals: Default::default(),
        },
    };
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

pub(super) async fn close_campaign(
    State(hub): State<Arc<Hub>>,
    Path(campaign): Path<String>,
) -> Result<Response, ApiFailure> {
    let now = crate::clock::now_ms();
    let closed = hub
        .store
        .call(move |s| s.close_campaign(&campaign, now))
        .await
        .map_err(|e| match e {
            crate::store::StoreError::Refused(m) => ApiFailure::not_found(&m),
            other => ApiFailure::from(other),
        })?;
    Ok(Json(closed).into_response())
}
