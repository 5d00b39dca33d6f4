//! Time-limited TURN credentials, as coturn checks them with `use-auth-secret`.
//!
//! coturn's "TURN REST API" (its README.turnserver and turnserver.conf, after
//! draft-uberti-behave-turn-rest-00, section 2.2): the hub and coturn share one secret
//! (`static-auth-secret`); a credential is
//!
//! ```text
//! usercombo -> "timestamp:userid"
//! turn user -> usercombo
//! turn password -> base64(hmac(input_buffer = usercombo, key = shared-secret))
//! ```
//!
//! where the timestamp is the Unix time (seconds) the credential expires at and the HMAC is
//! HMAC-SHA1 (coturn's default `sha1` for long-term credentials). coturn refuses a username
//! whose timestamp has passed, and a password that is not this HMAC, with 401. Nothing is
//! stored: any coturn with the secret checks any credential the hub made.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// A username and password for a TURN server (`RTCIceServer.username`, `.credential`).
#[derive(Clone, PartialEq, Eq)]
pub struct TurnCredential {
    pub username: String,
    pub credential: String,
}

impl std::fmt::Debug for TurnCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnCredential")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// The credential for `user` (a participant or room id) that expires at `expires_at_secs`
/// (Unix seconds), signed with coturn's `static-auth-secret`.
pub fn rest_credential(secret: &str, user: &str, expires_at_secs: u64) -> TurnCredential {
    let username = format!("{expires_at_secs}:{user}");
    // HMAC takes a key of any length; this cannot fail.
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(username.as_bytes());
    let credential = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    TurnCredential {
        username,
        credential,
    }
}

/// When a credential made at `now_ms` (Unix milliseconds) for `ttl_secs` expires, in Unix
/// seconds.
pub fn expiry_secs(now_ms: i64, ttl_secs: u64) -> u64 {
    u64::try_from(now_ms / 1000)
        .unwrap_or(0)
        .saturating_add(ttl_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Computed independently with OpenSSL:
    //   printf '%s' '1700000000:lao-chai' | openssl dgst -sha1 -hmac north -binary | base64
    // ("north" is the example secret in coturn's turnserver.conf.)
    #[test]
    fn credential_is_base64_hmac_sha1_of_the_username() {
        let c = rest_credential("north", "lao-chai", 1_700_000_000);
        assert_eq!(c.username, "1700000000:lao-chai");
        assert_eq!(c.credential, "r8dOeDC/krtj8FhdAWQzCgFgEeo=");
        let c = rest_credential(
            "testsecret-0123456789abcdef",
            "web-3f2a9c01de",
            1_765_000_000,
        );
        assert_eq!(c.username, "1765000000:web-3f2a9c01de");
        assert_eq!(c.credential, "c+/CIjWnhtVPdCpbMRdKatvQfzU=");
    }

    #[test]
    fn another_secret_user_or_expiry_gives_another_credential() {
        let base = rest_credential("north", "lao-chai", 1_700_000_000);
        for other in [
            rest_credential("south", "lao-chai", 1_700_000_000),
            rest_credential("north", "sa-pa", 1_700_000_000),
            rest_credential("north", "lao-chai", 1_700_000_001),
        ] {
            assert_ne!(other.credential, base.credential);
        }
    }

    #[test]
    fn expiry_is_now_plus_the_lifetime_in_seconds() {
        assert_eq!(expiry_secs(1_700_000_000_999, 86_400), 1_700_086_400);
        assert_eq!(expiry_secs(-5, 60), 60);
    }

    #[test]
    fn debug_hides_the_password() {
        let shown = format!("{:?}", rest_credential("north", "lao-chai", 1));
        assert!(shown.contains("1:lao-chai"), "{shown}");
        assert!(!shown.contains(&rest_credential("north", "lao-chai", 1).credential));
    }
}
