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
    #[error("cannot write: {0}")]
    Write(crate::datadir::DataDirError),
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

/// The names the hub's own certificate covers: the public URL's host (rooms and browsers
/// check it), `localhost` and `127.0.0.1` (a proxy or a test on the box itself), then `extra`;
/// each once, in that order (the first is the certificate's common name).
pub fn certificate_names(
    public_url: &url::Url,
    extra: impl IntoIterator<Item = String>,
) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let host = public_url
        .host_str()
        .map(|h| h.trim_matches(['[', ']']).to_owned());
    for name in host
        .into_iter()
        .chain(["localhost".to_owned(), "127.0.0.1".to_owned()])
        .chain(extra)
    {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
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

/// Writes a certificate (mode 0644) and its key (mode 0600) where `files` says, each
/// replacing any old file whole (`gen-cert --force`). The mode is set on the new file
/// itself, so neither an old key file's mode, a temporary file left by a crash nor the
/// umask can leave the new key readable by others.
pub fn write_pair(files: &TlsFiles, cert_pem: &str, key_pem: &str) -> Result<(), TlsError> {
    write_replacing(&files.cert, cert_pem.as_bytes(), 0o644)?;
    write_replacing(&files.key, key_pem.as_bytes(), 0o600)
}

fn write_replacing(path: &Path, contents: &[u8], mode: u32) -> Result<(), TlsError> {
    crate::datadir::write_durably(path, contents, mode).map_err(TlsError::Write)
}

#[cfg(test)]
mod tests {

    #[test]
    fn certificate_names_list_each_name_once_public_host_first() {
        let url: url::Url = "https://mttq.laocai.gov.vn/".parse().expect("url");
        assert_eq!(
            certificate_names(&url, ["10.0.0.5".to_owned(), "localhost".to_owned()]),
            ["mttq.laocai.gov.vn", "localhost", "127.0.0.1", "10.0.0.5"]
        );
        let v6: url::Url = "https://[fd00::1]:8443/".parse().expect("url");
        assert_eq!(
            certificate_names(&v6, []),
            ["fd00::1", "localhost", "127.0.0.1"]
        );
    }

    use super::*;

    #[test]
    fn a_replaced_key_is_readable_by_its_owner_only_whatever_was_there() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let files = TlsFiles {
            cert: dir.path().join("cert.pem"),
            key: dir.path().join("key.pem"),
        };
        // An old pair readable by everyone, and what a crash mid-write once left behind.
        let crashed = ["cert.partial", "key.partial"].map(|n| dir.path().join(n));
        for stale in [&files.cert, &files.key].into_iter().chain(&crashed) {
            std::fs::write(stale, b"old").expect("old file");
            std::fs::set_permissions(stale, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        }
        let (cert, key) = self_signed(&["localhost".to_owned()]).expect("pair");
        write_pair(&files, &cert, &key).expect("written");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&files.key), 0o600);
        assert_eq!(mode(&files.cert), 0o644);
        assert_eq!(std::fs::read_to_string(&files.key).expect("key"), key);
        assert_eq!(std::fs::read_to_string(&files.cert).expect("cert"), cert);
    }
}
