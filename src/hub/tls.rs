//! HTTPS for the hub: loading the configured certificate, and a self-signed pair for a
//! first install (`phonghop hub gen-cert`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::TlsFiles;

/// What went wrong setting up TLS; each names the file to fix where there is one.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{}: cannot read certificate: {source}", path.display())]
    ReadCertificate {
        path: PathBuf,
        source: rustls_pki_types::pem::Error,
    },
    #[error("{}: no certificate in this file", path.display())]
    NoCertificate { path: PathBuf },
    #[error("{}: cannot read private key: {source}", path.display())]
    ReadKey {
        path: PathBuf,
        source: rustls_pki_types::pem::Error,
    },
    #[error("{}: key does not fit the certificate: {source}", path.display())]
    KeyMismatch {
        path: PathBuf,
        source: rustls::Error,
    },
    #[error("{}: not a usable certificate: {source}", path.display())]
    UnusableCertificate {
        path: PathBuf,
        source: rustls::Error,
    },
    #[error("TLS protocol versions: {0}")]
    Versions(rustls::Error),
    #[error("cannot make a self-signed certificate: {0}")]
    SelfSigned(#[from] rcgen::Error),
}

/// The one crypto provider everything uses (ring: no cmake, and what webrtc-rs uses).
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Every certificate in a PEM file.
fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect())
        .map_err(|source| TlsError::ReadCertificate {
            path: path.to_owned(),
            source,
        })
}

pub fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let certs = certificates(&files.cert)?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: files.cert.clone(),
        });
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|source| TlsError::ReadKey {
        path: files.key.clone(),
        source,
    })?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Versions)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|source| TlsError::KeyMismatch {
            path: files.key.clone(),
            source,
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A TLS client config trusting the public web roots plus, when given, the hub's own
/// (self-signed) certificate.
pub fn client_config(extra_ca: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = extra_ca {
        for cert in certificates(path)? {
            roots
                .add(cert)
                .map_err(|source| TlsError::UnusableCertificate {
                    path: path.to_owned(),
                    source,
                })?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Versions)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A self-signed certificate and key (PEM) for `names` (DNS names or IP addresses).
pub fn self_signed(names: &[String]) -> Result<(String, String), TlsError> {
    let key = rcgen::KeyPair::generate()?;
    let mut params = rcgen::CertificateParams::new(names.to_vec())?;
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        names.first().cloned().unwrap_or_default(),
    );
    params.not_after = rcgen::date_time_ymd(2036, 1, 1);
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// The SHA-256 fingerprint of the hub's certificate (the first in `path`), as
/// `phonghop room setup --fingerprint` checks it.
pub fn certificate_fingerprint(path: &Path) -> Result<String, TlsError> {
    let certs = certificates(path)?;
    let first = certs.first().ok_or_else(|| TlsError::NoCertificate {
        path: path.to_owned(),
    })?;
    Ok(crate::room::setup::sha256_fingerprint(first.as_ref()))
}
