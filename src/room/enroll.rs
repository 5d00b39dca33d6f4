//! `phonghop room enroll`: exchange a one-time code for a device credential.

use crate::config::RoomConfig;
use crate::datadir::DataDir;
use crate::wire::{ApiError, EnrollRequest, EnrollResponse};

use super::answer::{SMALL_MAX_BYTES, read_json};
use super::credential::{self, Credential};

#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    #[error("--hub {given} differs from [hub] url {configured} in the config; fix one of them")]
    HubMismatch { given: String, configured: String },
    #[error(
        "this box is already enrolled as room {room_id} ({room_name}); to enroll again, move {path} aside first"
    )]
    AlreadyEnrolled {
        room_id: String,
        room_name: String,
        path: String,
    },
    #[error("cannot reach the hub at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("the hub refused the code: {0}")]
    Refused(String),
    #[error("TLS: {0}")]
    Tls(#[from] crate::hub::tls::TlsError),
    #[error("the HTTP client for the hub: {0}")]
    HttpClient(#[from] reqwest::Error),
    #[error(transparent)]
    Credential(#[from] credential::CredentialError),
    #[error(transparent)]
    Answer(#[from] super::answer::AnswerError),
}

/// An HTTP client that trusts the hub's certificate as the room config says.
pub fn http_client(config: &RoomConfig) -> Result<reqwest::Client, EnrollError> {
    let tls = crate::hub::tls::client_config(config.hub_ca_cert.as_deref())?;
    reqwest::Client::builder()
        .tls_backend_preconfigured((*tls).clone())
        .timeout(std::time::Duration::from_secs(20))
        // Below the hub's idle timeout (`header_timeout_secs`, 20 s by default), so a request
        // never goes out on a kept-alive connection the hub has just closed.
        .pool_idle_timeout(std::time::Duration::from_secs(15))
        .build()
        .map_err(EnrollError::HttpClient)
}

/// Enrolls this box with the hub and stores the credential. `hub` defaults to the config's.
pub async fn enroll(
    config: &RoomConfig,
    hub: Option<&url::Url>,
    code: &str,
) -> Result<Credential, EnrollError> {
    if let Some(given) = hub
        && given != &config.hub_url
    {
        return Err(EnrollError::HubMismatch {
            given: given.to_string(),
            configured: config.hub_url.to_string(),
        });
    }
    let data = DataDir::new(&config.data_dir);
    if let Some(existing) = credential::load(&data)? {
        return Err(EnrollError::AlreadyEnrolled {
            room_id: existing.room_id,
            room_name: existing.room_name,
            path: data.credential_path().display().to_string(),
        });
    }
    let url = config
        .hub_url
        .join("api/v1/enroll")
        .map_err(|e| EnrollError::Unreachable {
            url: config.hub_url.to_string(),
            detail: e.to_string(),
        })?;
    let client = http_client(config)?;
    let unreachable = |e: reqwest::Error| EnrollError::Unreachable {
        url: config.hub_url.to_string(),
        detail: error_chain(&e),
    };
    let response = client
        .post(url)
        .json(&EnrollRequest {
            code: code.to_owned(),
            unit: Some(config.unit.clone()),
        })
        .send()
        .await
        .map_err(unreachable)?;
    if !response.status().is_success() {
        let status = response.status();
        let what = "an enrollment";
        let message = match read_json::<ApiError>(response, what, SMALL_MAX_BYTES).await {
            Ok(body) => body.message,
            Err(_) => format!("HTTP {status}"),
        };
        return Err(EnrollError::Refused(message));
    }
    let answer: EnrollResponse = read_json(response, "an enrollment", SMALL_MAX_BYTES).await?;
    let credential = Credential {
        room_id: answer.room_id,
        unit_id: answer.unit_id,
        unit_name: answer.unit_name,
        room_name: answer.room_name,
        hub_url: config.hub_url.to_string(),
        enrolled_at_ms: crate::clock::now_ms(),
        ticket_prefix: answer.ticket_prefix,
        credential: answer.credential,
    };
    credential::save(&data, &credential)?;
    Ok(credential)
}

/// reqwest hides the useful part (connection refused, certificate unknown) in sources.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
