//! The OA's tokens at rest: sealed with ChaCha20-Poly1305 (ring's AEAD, the crypto the
//! appliance already uses for TLS) under a 256-bit key that lives in a file of its own, not in
//! the database, so a copy of the database (a backup) does not carry usable tokens.
//!
//! A sealed value is the 12-byte random nonce followed by the ciphertext and its tag; the
//! associated data names the OA and which token it is, so a sealed value moved to another row
//! does not open.

use std::path::{Path, PathBuf};

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

/// Bytes of the key.
pub const KEY_LEN: usize = 32;

/// Why the key could not be had, or a token not opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("{path}: cannot read the Zalo token key: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}: not a Zalo token key; it holds 64 hexadecimal digits (make one with \
         `openssl rand -hex 32`), or remove it and the hub makes a new one (the OA must then \
         be connected again)"
    )]
    BadKey { path: PathBuf },
    #[error("{path}: cannot write a new Zalo token key: {source}")]
    Write {
        path: PathBuf,
        source: crate::datadir::DataDirError,
    },
    #[error("the system's random source failed")]
    Random,
    #[error(
        "a stored Zalo token does not open with the token key (the key file was replaced?): \
         connect the OA again with `phonghop hub zalo connect`"
    )]
    Open,
}

/// The key tokens are sealed with. Its `Debug` shows nothing of it.
pub struct TokenKey(LessSafeKey);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(***)")
    }
}

impl TokenKey {
    pub fn from_bytes(bytes: &[u8; KEY_LEN]) -> Self {
        // A 32-byte key is what CHACHA20_POLY1305 takes, so this cannot fail.
        let key = UnboundKey::new(&CHACHA20_POLY1305, bytes).expect("a 256-bit key");
        Self(LessSafeKey::new(key))
    }

    /// The key in `path` (64 hex digits), made (randomly, mode 0600) when the file does not
    /// exist yet.
    pub fn load_or_create(path: &Path) -> Result<Self, SealError> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim())
                    .ok()
                    .and_then(|b| <[u8; KEY_LEN]>::try_from(b).ok())
                    .ok_or_else(|| SealError::BadKey {
                        path: path.to_owned(),
                    })?;
                Ok(Self::from_bytes(&bytes))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; KEY_LEN];
                SystemRandom::new()
                    .fill(&mut bytes)
                    .map_err(|_| SealError::Random)?;
                let text = format!("{}\n", hex::encode(bytes));
                crate::datadir::write_durably(path, text.as_bytes(), 0o600).map_err(|source| {
                    SealError::Write {
                        path: path.to_owned(),
                        source,
                    }
                })?;
                Ok(Self::from_bytes(&bytes))
            }
            Err(source) => Err(SealError::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// `plain` sealed, bound to `label` (e.g. `<oa id>/refresh`).
    pub fn seal(&self, plain: &str, label: &str) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SealError::Random)?;
        let mut data = plain.as_bytes().to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(label.as_bytes()),
                &mut data,
            )
            .map_err(|_| SealError::Random)?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&data);
        Ok(sealed)
    }

    /// The text sealed under `label`; refused if it was sealed with another key or label, or
    /// changed.
    pub fn open(&self, sealed: &[u8], label: &str) -> Result<String, SealError> {
        if sealed.len() < NONCE_LEN {
            return Err(SealError::Open);
        }
        let (nonce, data) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Open)?;
        let mut data = data.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(label.as_bytes()), &mut data)
            .map_err(|_| SealError::Open)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SealError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_only_with_its_key_and_label() {
        let key = TokenKey::from_bytes(&[7; KEY_LEN]);
        let sealed = key.seal("access-token-123", "oa1/access").expect("seal");
        assert!(
            !sealed
                .windows(b"access-token-123".len())
                .any(|w| w == b"access-token-123"),
            "the token is not in the sealed bytes"
        );
        assert_eq!(
            key.open(&sealed, "oa1/access").expect("open"),
            "access-token-123"
        );
        assert!(matches!(
            key.open(&sealed, "oa2/access"),
            Err(SealError::Open)
        ));
        let other = TokenKey::from_bytes(&[8; KEY_LEN]);
        assert!(matches!(
            other.open(&sealed, "oa1/access"),
            Err(SealError::Open)
        ));
        let mut changed = sealed.clone();
        *changed.last_mut().expect("tag") ^= 1;
        assert!(matches!(
            key.open(&changed, "oa1/access"),
            Err(SealError::Open)
        ));
        // Two seals of one token differ (a fresh nonce each time).
        assert_ne!(
            sealed,
            key.seal("access-token-123", "oa1/access").expect("seal")
        );
        assert_eq!(format!("{key:?}"), "TokenKey(***)");
    }

    #[test]
    fn the_key_file_is_made_once_private_and_then_read_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("secrets/zalo-token.key");
        let made = TokenKey::load_or_create(&path).expect("made");
        let sealed = made.seal("t", "l").expect("seal");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let read = TokenKey::load_or_create(&path).expect("read");
        assert_eq!(read.open(&sealed, "l").expect("open"), "t");
        std::fs::write(&path, "not hex").expect("spoil");
        let refused = TokenKey::load_or_create(&path).expect_err("bad key");
        assert!(
            refused.to_string().contains("openssl rand -hex 32"),
            "{refused}"
        );
    }
}
