//! What the `phonghop hub ...` commands do to a hub's database. They work whether or not
//! the hub is running: a running hub notices the change within a fraction of a second.

use crate::app::OpenError;
use crate::config::HubConfig;
use crate::store::{RoomRecord, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("unit {unit:?} is not in {config}; known units: {known}")]
    UnknownUnit {
        unit: String,
        config: String,
        known: String,
    },
    #[error("no room with id {0:?}; `phonghop hub list-rooms` shows the ids")]
    UnknownRoom(String),
    #[error("a room name cannot be empty")]
    EmptyName,
    #[error("no free ticket prefix found for a new room; too many rooms in this province")]
    NoTicketPrefixLeft,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    DataDir(#[from] crate::datadir::DataDirError),
}

impl From<OpenError> for AdminError {
    fn from(e: OpenError) -> Self {
        match e {
            OpenError::DataDir(e) => AdminError::DataDir(e),
            OpenError::Store(e) => AdminError::Store(e),
        }
    }
}

/// A new room for `unit` and its one-time enrollment code (valid 24 hours).
pub fn add_room(
    config: &HubConfig,
    config_name: &str,
    unit: &str,
    name: &str,
) -> Result<(RoomRecord, String), AdminError> {
    if config.unit(unit).is_none() {
        return Err(AdminError::UnknownUnit {
            unit: unit.to_owned(),
            config: config_name.to_owned(),
            known: config
                .units
                .iter()
                .map(|u| u.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let name = crate::text::nfc(name.trim());
    if name.is_empty() {
        return Err(AdminError::EmptyName);
    }
    let store = crate::app::open_store(&config.data_dir)?;
    let code = crate::auth::new_enrollment_code(&mut rand::rng());
    let normalized = crate::auth::normalize_enrollment_code(&code).unwrap_or_default();
    let now = crate::clock::now_ms();
    let province = crate::feedback::ticket::province_prefix(&config.province().id);
    let mut rng = rand::rng();
    for _ in 0..64 {
        let prefix = crate::feedback::ticket::room_prefix(&province, &mut rng);
        if let Some(room) = store.create_room(
            unit,
            &name,
            &prefix,
            &crate::auth::secret_hash(&normalized),
            now + crate::auth::ENROLLMENT_CODE_TTL_MS,
            now,
        )? {
            return Ok((room, code));
        }
    }
    Err(AdminError::NoTicketPrefixLeft)
}

/// Revokes a room: its credential stops working and a running hub closes its session.
pub fn revoke_room(config: &HubConfig, room_id: &str) -> Result<RoomRecord, AdminError> {
    let store = crate::app::open_store(&config.data_dir)?;
    if !store.revoke_room(room_id, crate::clock::now_ms())? {
        return Err(AdminError::UnknownRoom(room_id.to_owned()));
    }
    store
        .room(room_id)?
        .ok_or_else(|| AdminError::UnknownRoom(room_id.to_owned()))
}

pub fn list_rooms(config: &HubConfig) -> Result<Vec<RoomRecord>, AdminError> {
    Ok(crate::app::open_store(&config.data_dir)?.rooms()?)
}
