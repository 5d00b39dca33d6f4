//! Staff accounts: who may use the hub's dashboard and staff API, and what each may see;
//! and what the `phonghop hub user ...` commands, the demo and the tests do to them.
//!
//! A province admin sees the whole province; a commune officer sees the feedback of the
//! rooms enrolled under her unit and nothing else ([`Scope`]). Passwords are argon2id
//! hashes; session ids, API tokens and set-password links are 256 random bits, so the hub
//! stores their SHA-256 (a lookup by hash compares in the database, never byte by byte in
//! Rust) and a stolen database opens no session.
//!
//! Like the room commands these work on the database whether or not the hub runs; a
//! running hub reads accounts, sessions and tokens on every request, so a disabled account
//! or a revoked token stops working at once.

use crate::app::OpenError;
use crate::config::HubConfig;
use crate::store::{ApiToken, NewStaffUser, StaffAccount, StaffRole, Store, StoreError};

/// How long an idle dashboard session stays signed in.
pub const SESSION_IDLE_MS: i64 = 12 * 60 * 60 * 1000;
/// How long any session lasts, however busy: a forgotten phone is signed out within a week.
pub const SESSION_MAX_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// How long a set-password link printed by `phonghop hub user add|reset` works.
pub const PASSWORD_LINK_TTL_MS: i64 = 24 * 60 * 60 * 1000;
/// Wrong passwords in a row before a login is locked.
pub const LOCKOUT_AFTER_FAILURES: u32 = 5;
/// How long a locked login waits.
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;
/// Shorter passwords are refused: staff passwords guard residents' names and phones.
pub const PASSWORD_MIN_CHARS: usize = 10;

/// Prefix that makes a leaked API token easy to recognise in a secret scanner.
const TOKEN_PREFIX: &str = "phst1_";

/// Which feedback a staff member may see and change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Unit(String),
}

impl Scope {
    /// The unit a query must be limited to, or `None` for the whole province.
    pub fn unit(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Unit(unit) => Some(unit),
        }
    }

    pub fn allows_unit(&self, unit: &str) -> bool {
        self.unit().is_none_or(|mine| mine == unit)
    }
}

/// 256 random bits in hex: session ids, CSRF tokens, set-password links.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// A new bearer token for `Authorization: Bearer ...`.
pub fn new_api_token() -> String {
    format!("{TOKEN_PREFIX}{}", new_secret())
}

/// What the hub stores for a session id, token or link.
pub fn secret_hash(secret: &str) -> String {
    crate::auth::secret_hash(secret)
}

/// Why a password was not accepted or could not be hashed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("a staff password has at least {PASSWORD_MIN_CHARS} characters")]
    TooShort,
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// Hashes a new password (argon2id, default parameters, random salt).
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(PasswordError::TooShort);
    }
    let salt_bytes: [u8; 16] = rand::random();
    let salt =
        SaltString::encode_b64(&salt_bytes).map_err(|e| PasswordError::Hash(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Checks a password against its stored hash (argon2 compares in constant time).
pub fn verify_password(password: &str, hash: &str) -> bool {
    crate::auth::verify_pin(password, hash)
}

/// A hash no password matches, checked when a login does not exist so that an unknown
/// login takes as long to refuse as a wrong password.
pub fn dummy_verify(password: &str) {
    static DUMMY: std::sync::LazyLock<Option<String>> =
        std::sync::LazyLock::new(|| hash_password("not-a-password-of-anyone").ok());
    if let Some(hash) = DUMMY.as_deref() {
        let _ = verify_password(password, hash);
    }
}

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
    let password_hash = new.password.map(hash_password).transpose()?;
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
        let secret = new_secret();
        store.add_staff_password_link(
            account.id,
            &secret_hash(&secret),
            now + PASSWORD_LINK_TTL_MS,
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
    let secret = new_secret();
    let now = crate::clock::now_ms();
    if open(config)?.reset_staff_password(
        login,
        &secret_hash(&secret),
        now + PASSWORD_LINK_TTL_MS,
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
    let token = new_api_token();
    let id = store.create_staff_token(
        account.id,
        &secret_hash(&token),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commune_officer_sees_her_unit_only() {
        let scope = Scope::Unit("ban-ho".into());
        assert!(scope.allows_unit("ban-ho"));
        assert!(!scope.allows_unit("lao-chai"));
        assert!(Scope::All.allows_unit("lao-chai"));
    }

    #[test]
    fn a_password_is_checked_against_its_hash_and_short_ones_are_refused() {
        assert_eq!(hash_password("short"), Err(PasswordError::TooShort));
        let hash = hash_password("mật khẩu dài đủ").expect("hash");
        assert!(verify_password("mật khẩu dài đủ", &hash));
        assert!(!verify_password("mật khẩu sai rồi", &hash));
    }
}
