//! `phonghop room setup`: a box's first boot, as a technician does it with what the hub's
//! `hub add-room` printed (hub address, unit, one-time code, certificate fingerprint).
//!
//! The order keeps a failed setup from leaving half a box behind: the hub's certificate is
//! fetched and checked against the fingerprint *before* anything is written, the config is
//! validated in memory, the code is exchanged, and only then is the config file written. A
//! box that is set up already is refused unless `force`, and the old file is kept as `.bak`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{self, RoomConfig};
use crate::hub::tls;

use super::enroll::{self, EnrollError};

/// The shipped example a new room config is made from, so its comments come along.
const ROOM_TEMPLATE: &str = include_str!("../../config/room-commune.toml");

/// Where a box keeps its database and credential unless told otherwise (`room setup
/// --data-dir`); the touchscreen's setup always uses it.
pub const BOX_DATA_DIR: &str = "/var/lib/phonghop/room";

/// How long to wait for the hub when fetching its certificate.
const CONNECT_TIMEOUT_SECS: u64 = 15;

/// What the technician answered.
#[derive(Debug, Clone)]
pub struct RoomSetup {
    /// Where the config goes (`/etc/phonghop/room.toml` on a box).
    pub config_path: PathBuf,
    pub hub_url: url::Url,
    /// The unit the enrollment code was issued for.
    pub unit: String,
    pub code: String,
    /// SHA-256 of the hub's certificate as `hub add-room` printed it; `None` for a hub whose
    /// certificate comes from a public authority.
    pub fingerprint: Option<String>,
    pub data_dir: PathBuf,
    /// The staff PIN in clear; only its argon2 hash is written.
    pub staff_pin: String,
    /// Replace an existing config (kept as `<file>.bak`).
    pub force: bool,
}

/// What setup did.
#[derive(Debug, Clone)]
pub struct SetupDone {
    pub room_id: String,
    pub room_name: String,
    pub unit_name: String,
    /// The hub certificate saved for `[hub] ca_cert`, when one was needed.
    pub ca_cert: Option<PathBuf>,
    /// The previous config, moved aside by `force`.
    pub previous_config: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(
        "{path} exists: this box is set up already. Pass --force to replace it (the old file is kept as {path}.bak)"
    )]
    ConfigExists { path: String },
    #[error(
        "--fingerprint {given:?} is not a SHA-256 fingerprint: give the 64 hex digits `hub add-room` printed (colons allowed)"
    )]
    BadFingerprint { given: String },
    #[error(
        "the certificate at {url} has fingerprint {found}, not {expected}: this is not the hub that printed the code (or the hub has a new certificate: ask for a new code)"
    )]
    FingerprintMismatch {
        url: String,
        expected: String,
        found: String,
    },
    #[error(
        "the hub at {url} has a certificate no public authority vouches for ({detail}); pass --fingerprint as `phonghop hub add-room` printed it"
    )]
    NeedFingerprint { url: String, detail: String },
    #[error("cannot reach the hub at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("the staff PIN: {0}")]
    Pin(#[from] crate::auth::PinError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("writing {0}")]
    Write(#[from] crate::datadir::DataDirError),
    #[error("the config setup would write is not valid (a bug, please report it): {0}")]
    Template(String),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Enroll(#[from] EnrollError),
}

impl SetupError {
    /// Every key [`SetupError::text_key`] names, for the translation tests.
    pub const TEXT_KEYS: [&'static str; 11] = [
        "setup-error-exists",
        "setup-error-bad-fingerprint",
        "setup-error-fingerprint-mismatch",
        "setup-error-need-fingerprint",
        "setup-error-unreachable",
        "setup-pin-rule",
        "setup-error-write",
        "setup-error-config",
        "setup-error-code-refused",
        "setup-error-already-enrolled",
        "setup-error-enroll",
    ];

    /// The kiosk text (Fluent key) that tells the technician on the touchscreen what went
    /// wrong; the error's own words go with it as the detail.
    pub fn text_key(&self) -> &'static str {
        match self {
            SetupError::ConfigExists { .. } => Self::TEXT_KEYS[0],
            SetupError::BadFingerprint { .. } => Self::TEXT_KEYS[1],
            SetupError::FingerprintMismatch { .. } => Self::TEXT_KEYS[2],
            SetupError::NeedFingerprint { .. } => Self::TEXT_KEYS[3],
            SetupError::Unreachable { .. }
            | SetupError::Enroll(EnrollError::Unreachable { .. }) => Self::TEXT_KEYS[4],
            SetupError::Pin(crate::auth::PinError::NotDigits) => Self::TEXT_KEYS[5],
            SetupError::Pin(_)
            | SetupError::Io { .. }
            | SetupError::Write(_)
            | SetupError::Template(_) => Self::TEXT_KEYS[6],
            SetupError::Config(_) => Self::TEXT_KEYS[7],
            SetupError::Enroll(EnrollError::Refused(_)) => Self::TEXT_KEYS[8],
            SetupError::Enroll(EnrollError::AlreadyEnrolled { .. }) => Self::TEXT_KEYS[9],
            SetupError::Enroll(_) => Self::TEXT_KEYS[10],
        }
    }
}

/// Sets the box up: checks the hub, enrolls, writes the config. Starting the service is
/// the caller's (the CLI's) job.
pub async fn setup_room(answers: &RoomSetup) -> Result<SetupDone, SetupError> {
    let path = &answers.config_path;
    if path.exists() && !answers.force {
        return Err(SetupError::ConfigExists {
            path: path.display().to_string(),
        });
    }
    let expected = answers
        .fingerprint
        .as_deref()
        .map(|given| {
            normalise_fingerprint(given).ok_or_else(|| SetupError::BadFingerprint {
                given: given.to_owned(),
            })
        })
        .transpose()?;
    let ca_cert = match (answers.hub_url.scheme(), expected) {
        ("https", Some(expected)) => {
            let der = fetch_certificate(&answers.hub_url).await?;
            let found = sha256_fingerprint(&der);
            if found != expected {
                return Err(SetupError::FingerprintMismatch {
                    url: answers.hub_url.to_string(),
                    expected,
                    found,
                });
            }
            Some((ca_cert_path(path), pem_certificate(&der)))
        }
        ("https", None) => {
            check_public_certificate(&answers.hub_url).await?;
            None
        }
        // Plain HTTP: the room's config loader decides whether that is allowed.
        _ => None,
    };
    let pin_hash = crate::auth::hash_pin(&answers.staff_pin)?;
    let text = room_config_text(
        answers,
        ca_cert.as_ref().map(|(p, _)| p.as_path()),
        &pin_hash,
    )?;
    let config = config::parse_room_str(&path.display().to_string(), &text)?;

    // Checked: now write the certificate (enrollment needs it on disk), enroll, write the config.
    let new_cert = match &ca_cert {
        Some((cert_path, pem)) => {
            let existed = cert_path.exists();
            crate::datadir::write_durably(cert_path, pem.as_bytes(), 0o644)?;
            (!existed).then(|| cert_path.clone())
        }
        None => None,
    };
    let credential = match enroll::enroll(&config, None, &answers.code).await {
        Ok(credential) => credential,
        Err(e) => {
            // Leave the box as it was: a certificate this attempt added goes again.
            if let Some(cert) = new_cert {
                let _ = std::fs::remove_file(cert);
            }
            return Err(e.into());
        }
    };
    let previous_config = if path.exists() {
        let bak = PathBuf::from(format!("{}.bak", path.display()));
        std::fs::rename(path, &bak).map_err(|source| SetupError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Some(bak)
    } else {
        None
    };
    crate::datadir::write_durably(path, text.as_bytes(), 0o644)?;
    Ok(SetupDone {
        room_id: credential.room_id,
        room_name: credential.room_name,
        unit_name: credential.unit_name,
        ca_cert: ca_cert.map(|(p, _)| p),
        previous_config,
    })
}

/// The room config: the shipped example with the answers filled in, comments kept.
fn room_config_text(
    answers: &RoomSetup,
    ca_cert: Option<&Path>,
    pin_hash: &str,
) -> Result<String, SetupError> {
    let mut doc: toml_edit::DocumentMut = ROOM_TEMPLATE
        .parse()
        .map_err(|e: toml_edit::TomlError| SetupError::Template(e.to_string()))?;
    doc["room"]["unit"] = toml_edit::value(answers.unit.as_str());
    doc["room"]["data_dir"] = toml_edit::value(answers.data_dir.display().to_string());
    doc["hub"]["url"] = toml_edit::value(answers.hub_url.as_str());
    match ca_cert {
        Some(p) => doc["hub"]["ca_cert"] = toml_edit::value(p.display().to_string()),
        None => {
            if let Some(hub) = doc["hub"].as_table_mut() {
                hub.remove("ca_cert");
            }
        }
    }
    doc["staff"]["pin_hash"] = toml_edit::value(pin_hash);
    let text = doc.to_string();
    // The example's note about its own PIN is not true of this file.
    Ok(text.replace(
        "# (this example's PIN is 2468: change it on every box).\n",
        "# (set by `phonghop room setup`).\n",
    ))
}

/// Where the hub's certificate is kept: `tls/hub.crt` beside the config.
fn ca_cert_path(config_path: &Path) -> PathBuf {
    config_path
        .parent()
        .unwrap_or(Path::new("."))
        .join("tls")
        .join("hub.crt")
}

/// SHA-256 of a DER certificate as `openssl x509 -fingerprint -sha256` prints it
/// (upper-case hex pairs joined by colons), so a technician can compare either way.
pub fn sha256_fingerprint(der: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(der);
    digest
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A fingerprint as typed (any case, with or without colons or spaces) in the form
/// [`sha256_fingerprint`] gives; `None` when it is not 32 bytes of hex.
pub fn normalise_fingerprint(given: &str) -> Option<String> {
    let hex_digits: String = given
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect();
    let bytes = hex::decode(&hex_digits).ok()?;
    (bytes.len() == 32).then(|| {
        bytes
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":")
    })
}

fn pem_certificate(der: &[u8]) -> String {
    use base64::Engine;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// The hub's certificate as it presents it, trusted by nobody yet: the caller compares its
/// fingerprint with the one the hub printed before believing anything it says.
async fn fetch_certificate(url: &url::Url) -> Result<Vec<u8>, SetupError> {
    let unreachable = |detail: String| SetupError::Unreachable {
        url: url.to_string(),
        detail,
    };
    let host = url
        .host_str()
        .ok_or_else(|| unreachable("the URL has no host".into()))?
        .trim_matches(['[', ']'])
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let server_name = rustls_pki_types::ServerName::try_from(host.clone())
        .map_err(|e| unreachable(e.to_string()))?;
    let provider = tls::provider();
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| unreachable(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    tokio::task::spawn_blocking(move || {
        use std::net::ToSocketAddrs;
        let timeout = std::time::Duration::from_secs(CONNECT_TIMEOUT_SECS);
        let address = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| e.to_string())?
            .next()
            .ok_or("the host name has no address")?;
        let mut socket =
            std::net::TcpStream::connect_timeout(&address, timeout).map_err(|e| e.to_string())?;
        socket
            .set_read_timeout(Some(timeout))
            .map_err(|e| e.to_string())?;
        let mut connection = rustls::ClientConnection::new(Arc::new(config), server_name)
            .map_err(|e| e.to_string())?;
        while connection.is_handshaking() {
            connection
                .complete_io(&mut socket)
                .map_err(|e| e.to_string())?;
        }
        connection
            .peer_certificates()
            .and_then(|chain| chain.first())
            .map(|cert| cert.as_ref().to_vec())
            .ok_or_else(|| "the hub sent no certificate".to_owned())
    })
    .await
    .map_err(|e| unreachable(e.to_string()))?
    .map_err(unreachable)
}

/// Without a fingerprint the hub must prove itself the ordinary way: a public authority.
async fn check_public_certificate(url: &url::Url) -> Result<(), SetupError> {
    let client = enroll::http_client(&RoomConfig::local(
        "setup",
        PathBuf::new(),
        url.clone(),
        String::new(),
    ))?;
    let health = url.join("healthz").map_err(|e| SetupError::Unreachable {
        url: url.to_string(),
        detail: e.to_string(),
    })?;
    match client.get(health).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let detail = enroll::error_chain(&e);
            if detail.contains("certificate") || detail.contains("UnknownIssuer") {
                Err(SetupError::NeedFingerprint {
                    url: url.to_string(),
                    detail,
                })
            } else {
                Err(SetupError::Unreachable {
                    url: url.to_string(),
                    detail,
                })
            }
        }
    }
}

/// Accepts any certificate, checking only that the handshake is signed by its key; used
/// only to read the certificate, whose fingerprint is then compared.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls_pki_types::CertificateDer<'_>,
        _intermediates: &[rustls_pki_types::CertificateDer<'_>],
        _server_name: &rustls_pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_compared_however_they_were_typed() {
        let printed = sha256_fingerprint(b"certificate");
        assert_eq!(printed.len(), 32 * 3 - 1);
        let typed = printed.replace(':', "").to_lowercase();
        assert_eq!(normalise_fingerprint(&typed).as_deref(), Some(&*printed));
        assert_eq!(normalise_fingerprint(&printed).as_deref(), Some(&*printed));
        assert_eq!(normalise_fingerprint("AB:CD"), None, "too short");
        assert_eq!(normalise_fingerprint(&"zz".repeat(32)), None, "not hex");
    }

    #[test]
    fn the_written_config_is_the_example_with_the_answers() {
        let answers = RoomSetup {
            config_path: PathBuf::from("/etc/phonghop/room.toml"),
            hub_url: "https://hub.example.vn:8443".parse().expect("url"),
            unit: "ban-ho".into(),
            code: "unused".into(),
            fingerprint: None,
            data_dir: PathBuf::from("/var/lib/phonghop/room"),
            staff_pin: "1357".into(),
            force: false,
        };
        let hash = crate::auth::hash_pin("1357").expect("hash");
        let with_cert = room_config_text(
            &answers,
            Some(Path::new("/etc/phonghop/tls/hub.crt")),
            &hash,
        )
        .expect("text");
        let config = config::parse_room_str("room.toml", &with_cert).expect("valid");
        assert_eq!(config.unit, "ban-ho");
        assert_eq!(config.hub_url.as_str(), "https://hub.example.vn:8443/");
        assert_eq!(
            config.hub_ca_cert.as_deref(),
            Some(Path::new("/etc/phonghop/tls/hub.crt"))
        );
        assert!(crate::auth::verify_pin("1357", &config.staff_pin_hash));
        assert!(
            with_cert.contains("# The province hub."),
            "comments are kept"
        );
        assert!(
            !with_cert.contains("this example's PIN"),
            "the example's PIN note is gone"
        );

        let without = room_config_text(&answers, None, &hash).expect("text");
        let config = config::parse_room_str("room.toml", &without).expect("valid");
        assert_eq!(config.hub_ca_cert, None);
    }
}
