//! Staff accounts: who may use the hub's dashboard and staff API, and what each may see.
//!
//! A province admin sees the whole province; a commune officer sees the feedback of the
//! rooms enrolled under her unit and nothing else. Passwords are argon2id hashes; session
//! ids, API tokens and set-password links are 256 random bits, so the hub stores their
//! SHA-256 (a lookup by hash compares in the database, never byte by byte in Rust) and a
//! stolen database opens no session.

use std::fmt;
use std::str::FromStr;

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

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StaffRole {
    /// Everything in the province: campaigns, meetings, every commune's feedback.
    ProvinceAdmin,
    /// The feedback of one unit's rooms.
    CommuneStaff,
}

impl StaffRole {
    pub const ALL: [StaffRole; 2] = [StaffRole::ProvinceAdmin, StaffRole::CommuneStaff];

    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::ProvinceAdmin => "province-admin",
            StaffRole::CommuneStaff => "commune-staff",
        }
    }
}

impl fmt::Display for StaffRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("role {0:?} is not one of: province-admin, commune-staff")]
pub struct UnknownRole(pub String);

impl FromStr for StaffRole {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, UnknownRole> {
        StaffRole::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

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

/// A staff account as the hub keeps it (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StaffAccount {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: StaffRole,
    pub unit: Option<String>,
    pub created_at_ms: i64,
    pub disabled_at_ms: Option<i64>,
    /// False until the set-password link was used.
    pub has_password: bool,
    pub failed_logins: u32,
    pub locked_until_ms: Option<i64>,
}

impl StaffAccount {
    pub fn scope(&self) -> Scope {
        match (self.role, &self.unit) {
            (StaffRole::ProvinceAdmin, _) => Scope::All,
            (StaffRole::CommuneStaff, Some(unit)) => Scope::Unit(unit.clone()),
            // The database refuses a commune officer without a unit; should one appear,
            // she sees nothing rather than everything.
            (StaffRole::CommuneStaff, None) => Scope::Unit(String::new()),
        }
    }
}

/// An API token for scripts, as listed (its secret is shown once, when made).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub label: String,
    pub created_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_back_from_their_text_and_unknown_ones_are_named() {
        for role in StaffRole::ALL {
            assert_eq!(role.as_str().parse::<StaffRole>(), Ok(role));
        }
        let err = "admin".parse::<StaffRole>().expect_err("unknown");
        assert!(err.to_string().contains("province-admin"), "{err}");
    }

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
