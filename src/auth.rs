//! Secrets that rooms present to the hub: one-time enrollment codes and device credentials.
//!
//! Only SHA-256 hashes are stored at the hub. Credentials are 256 random bits, so a fast
//! hash is enough (no dictionary to attack); enrollment codes are short for typing but live
//! 24 hours, are single-use, and failed attempts are rate-limited.

use rand::Rng;
use sha2::{Digest, Sha256};

use crate::typed_code::{READABLE_ALPHABET, compact, random_chars};

const CODE_LEN: usize = 10;

/// How long an enrollment code is valid.
pub const ENROLLMENT_CODE_TTL_MS: i64 = 24 * 60 * 60 * 1000;

/// Prefix that makes a leaked credential easy to recognise in a secret scanner.
const CREDENTIAL_PREFIX: &str = "phr1_";

/// A fresh enrollment code, grouped for reading: `7K3P9-XW2QM`.
pub fn new_enrollment_code(rng: &mut impl Rng) -> String {
    let chars = random_chars(rng, READABLE_ALPHABET, CODE_LEN);
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// Canonical form of a typed code: upper case, without spaces or dashes. `None` when it
/// cannot be a code at all.
pub fn normalize_enrollment_code(typed: &str) -> Option<String> {
    let code = compact(typed);
    let valid = code.len() == CODE_LEN && code.bytes().all(|b| READABLE_ALPHABET.contains(&b));
    valid.then_some(code)
}

/// A new device credential (256 random bits).
pub fn new_credential(rng: &mut impl Rng) -> String {
    let bytes: [u8; 32] = rng.random();
    format!("{CREDENTIAL_PREFIX}{}", hex::encode(bytes))
}

/// What the hub stores for a code or a credential.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Why a staff PIN could not be hashed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// What the staff member typed; they can fix it.
    #[error("a staff PIN is at least 4 digits (0-9), typed on the kiosk keypad")]
    NotDigits,
    #[error("cannot make a salt: {0}")]
    Salt(String),
    #[error("cannot hash the PIN: {0}")]
    Hash(String),
}

/// Hashes a staff PIN for `[staff] pin_hash` (argon2id with a random salt).
pub fn hash_pin(pin: &str) -> Result<String, PinError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    if pin.len() < 4 || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(PinError::NotDigits);
    }
    let salt_bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| PinError::Salt(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PinError::Hash(e.to_string()))
}

/// Checks a PIN against a stored `[staff] pin_hash`.
pub fn verify_pin(pin: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash)
        .map(|h| {
            argon2::Argon2::default()
                .verify_password(pin.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn a_code_survives_being_typed_in_lower_case_with_spaces() {
        let mut rng = StdRng::seed_from_u64(3);
        let code = new_enrollment_code(&mut rng);
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(
            normalize_enrollment_code(&typed),
            normalize_enrollment_code(&code)
        );
        assert!(normalize_enrollment_code(&code).is_some());
    }

    #[test]
    fn codes_with_confusable_characters_are_not_codes() {
        assert_eq!(normalize_enrollment_code("O0IL1-UVAAA"), None);
        assert_eq!(normalize_enrollment_code("ABCDE"), None);
    }

    #[test]
    fn credentials_are_distinct_and_hash_to_hex() {
        let mut rng = StdRng::seed_from_u64(4);
        let a = new_credential(&mut rng);
        let b = new_credential(&mut rng);
        assert_ne!(a, b);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), secret_hash(&b));
    }

    #[test]
    fn a_pin_hash_verifies_only_its_pin() {
        let hash = hash_pin("2468").expect("hash");
        assert!(verify_pin("2468", &hash));
        assert!(!verify_pin("2469", &hash));
        assert_eq!(hash_pin("12a4"), Err(PinError::NotDigits));
    }
}
