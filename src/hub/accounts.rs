//! What the `phonghop hub user ...` commands, the demo and the tests do to staff accounts.
//! Like the room commands they work on the database whether or not the hub runs; a running
//! hub reads accounts, sessions and tokens on every request, so a disabled account or a
//! revoked token stops working at once.

use crate::app::OpenError;
use crate::config::HubConfig;
use crate::staff::{ApiToken, PasswordError, StaffAccount, StaffRole};
use crate::store::{NewStaffUser, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("a login is 2 to 64 characters of a-z, 0-9, '.', '-' or '_'; {0:?} is not")]
    BadLogin(String),
    #[error("a staff member's name cannot be empty")]
    EmptyName,
    #[error("a commune-staff account needs --unit; known units: {known}")]
    NeedsUnit { known: String },
    #[error("unit {unit:?} is not a unit of this hub; known units: {known}")]
    UnknownUnit { unit: String, known: String },
    #[error("a province-admin account sees every unit; drop --unit {0:?}")]
    AdminWithUnit(String),
    #[error("login {0:?} is taken; choose another or `phonghop hub user reset` it")]
    LoginTaken(String),
    #[error("no staff account with login {0:?}; `phonghop hub user list` shows them")]
    UnknownLogin(String),
    #[error("login {0:?} has no token with id {1}; `phonghop hub user list` shows them")]
    UnknownToken(String, i64),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    DataDir(#[from] crate::datadir::DataDirError),
}

impl From<OpenError> for AccountError {
    fn from(e: OpenError) -> Self {
        match e {
            OpenError::DataDir(e) => AccountError::DataDir(e),
            OpenError::Store(e) => AccountError::Store(e),
        }
    }
}

/// A new account as asked for on the command line.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub login: &'a str,
    pub name: &'a str,
    pub role: StaffRole,
    pub unit: Option<&'a str>,
    /// `None`: the account gets a set-password link instead.
    pub password: Option<&'a str>,
}

fn valid_login(login: &str) -> bool {
    (2..=64).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

fn known_units(config: &HubConfig) -> String {
    config
        .units
        .iter()
        .map(|u| u.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn open(config: &HubConfig) -> Result<Store, AccountError> {
    Ok(crate::app::open_store(&config.data_dir)?)
}

/// The link at which a new or reset account chooses its password.
pub fn password_link(config: &HubConfig, secret: &str) -> String {
    let base = config.public_url.as_str().trim_end_matches('/');
    format!("{base}/staff/set-password/{secret}")
}

/// Creates an account. Returns it and, when no password was given, the one-time
/// set-password link (valid 24 hours).
pub fn add_user(
    config: &HubConfig,
    new: &NewAccount<'_>,
) -> Result<(StaffAccount, Option<String>), AccountError> {
    let login = new.login.trim();
    if !valid_login(login) {
        return Err(AccountError::BadLogin(login.to_owned()));
    }
    let name = crate::text::nfc(new.name.trim());
    if name.is_empty() {
        return Err(AccountError::EmptyName);
    }
    let unit = new.unit.map(str::trim).filter(|u| !u.is_empty());
    match (new.role, unit) {
        (StaffRole::CommuneStaff, None) => {
            return Err(AccountError::NeedsUnit {
                known: known_units(config),
            });
        }
        (StaffRole::CommuneStaff, Some(unit)) if config.unit(unit).is_none() => {
            return Err(AccountError::UnknownUnit {
                unit: unit.to_owned(),
                known: known_units(config),
            });
        }
        (StaffRole::ProvinceAdmin, Some(unit)) => {
            return Err(AccountError::AdminWithUnit(unit.to_owned()));
        }
        _ => {}
    }
    let password_hash = new.password.map(crate::staff::hash_password).transpose()?;
    let store = open(config)?;
    let now = crate::clock::now_ms();
    let account = store
        .create_staff_user(
            &NewStaffUser {
                login,
                name: &name,
                role: new.role,
                unit,
                password_hash: password_hash.as_deref(),
            },
            now,
        )?
        .ok_or_else(|| AccountError::LoginTaken(login.to_owned()))?;
    let link = if password_hash.is_none() {
        let secret = crate::staff::new_secret();
        store.add_staff_password_link(
            account.id,
            &crate::staff::secret_hash(&secret),
            now + crate::staff::PASSWORD_LINK_TTL_MS,
            now,
        )?;
        Some(password_link(config, &secret))
    } else {
        None
    };
    Ok((account, link))
}

/// Every account with its tokens (never their secrets).
pub fn list_users(config: &HubConfig) -> Result<Vec<(StaffAccount, Vec<ApiToken>)>, AccountError> {
    let store = open(config)?;
    let mut out = Vec::new();
    for account in store.staff_users()? {
        let tokens = store.staff_tokens(account.id)?;
        out.push((account, tokens));
    }
    Ok(out)
}

/// Disables an account: its sessions end and its tokens are revoked.
pub fn disable_user(config: &HubConfig, login: &str) -> Result<(), AccountError> {
    if open(config)?.disable_staff_user(login, crate::clock::now_ms())? {
        Ok(())
    } else {
        Err(AccountError::UnknownLogin(login.to_owned()))
    }
}

/// Clears an account's password and ends its sessions; returns a new set-password link.
pub fn reset_user(config: &HubConfig, login: &str) -> Result<String, AccountError> {
    let secret = crate::staff::new_secret();
    let now = crate::clock::now_ms();
    if open(config)?.reset_staff_password(
        login,
        &crate::staff::secret_hash(&secret),
        now + crate::staff::PASSWORD_LINK_TTL_MS,
        now,
    )? {
        Ok(password_link(config, &secret))
    } else {
        Err(AccountError::UnknownLogin(login.to_owned()))
    }
}

/// A new bearer token for scripts acting as `login`: its id and the token, shown once.
pub fn issue_token(
    config: &HubConfig,
    login: &str,
    label: &str,
) -> Result<(i64, String), AccountError> {
    let store = open(config)?;
    let account = store
        .staff_user(login)?
        .ok_or_else(|| AccountError::UnknownLogin(login.to_owned()))?;
    let token = crate::staff::new_api_token();
    let id = store.create_staff_token(
        account.id,
        &crate::staff::secret_hash(&token),
        label,
        crate::clock::now_ms(),
    )?;
    Ok((id, token))
}

pub fn revoke_token(config: &HubConfig, login: &str, token_id: i64) -> Result<(), AccountError> {
    let store = open(config)?;
    let account = store
        .staff_user(login)?
        .ok_or_else(|| AccountError::UnknownLogin(login.to_owned()))?;
    if store.revoke_staff_token(account.id, token_id, crate::clock::now_ms())? {
        Ok(())
    } else {
        Err(AccountError::UnknownToken(login.to_owned(), token_id))
    }
}

/// A province-admin account `login` (made if missing) and a fresh token for it: what the
/// benchmarks and the demo use to call the staff API of a hub they started.
pub fn service_token(config: &HubConfig, login: &str, name: &str) -> Result<String, AccountError> {
    let store = open(config)?;
    if store.staff_user(login)?.is_none() {
        add_user(
            config,
            &NewAccount {
                login,
                name,
                role: StaffRole::ProvinceAdmin,
                unit: None,
                password: None,
            },
        )?;
    }
    Ok(issue_token(config, login, name)?.1)
}
