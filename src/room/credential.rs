//! The device credential a room got at enrollment, kept in its data directory (mode 0600).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::datadir::{DataDir, DataDirError};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub room_id: String,
    pub unit_id: String,
    pub unit_name: String,
    pub room_name: String,
    pub hub_url: String,
    pub enrolled_at_ms: i64,
    /// Start of this room's ticket codes (`LC-7K`), given by the hub at enrollment.
    #[serde(default)]
    pub ticket_prefix: String,
    /// The secret; never logged (see the Debug impl).
    pub credential: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("room_id", &self.room_id)
            .field("unit_id", &self.unit_id)
            .field("hub_url", &self.hub_url)
            .field("credential", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("{path}: cannot read the credential: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: the credential file is damaged ({detail}); enroll this box again")]
    Damaged { path: String, detail: String },
    #[error(transparent)]
    Write(#[from] DataDirError),
}

/// The stored credential, or `None` if this box was never enrolled.
pub fn load(data: &DataDir) -> Result<Option<Credential>, CredentialError> {
    let path = data.credential_path();
    let shown = || path.display().to_string();
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(CredentialError::Read {
                path: shown(),
                source,
            });
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| CredentialError::Damaged {
            path: shown(),
            detail: e.to_string(),
        })
}

pub fn save(data: &DataDir, credential: &Credential) -> Result<(), CredentialError> {
    let json = serde_json::to_vec_pretty(credential).map_err(|e| CredentialError::Damaged {
        path: data.credential_path().display().to_string(),
        detail: e.to_string(),
    })?;
    data.write_secret(&data.credential_path(), &json)?;
    Ok(())
}

pub fn exists(data_dir: &Path) -> bool {
    DataDir::new(data_dir).credential_path().exists()
}
