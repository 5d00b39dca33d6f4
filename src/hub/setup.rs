//! `phonghop hub setup`: the province server's first configuration, from answers and a CSV
//! of communes, with a self-signed certificate for the rooms to check by fingerprint.
//!
//! Everything is checked before anything is written: the CSV (every bad line named at
//! once), the config that results (through the same loader the hub starts with), and an
//! existing config or certificate is not replaced without `force` (the old config is kept
//! as `.bak`).

use std::path::{Path, PathBuf};

use crate::config;

/// The shipped example a new hub config is made from, so its comments come along.
const HUB_TEMPLATE: &str = include_str!("../../config/hub.toml");

/// What the technician answered.
#[derive(Debug, Clone)]
pub struct HubSetup {
    /// Where the config goes (`/etc/phonghop/hub.toml` on the server).
    pub config_path: PathBuf,
    /// How rooms and browsers reach the hub (`https://host:port`).
    pub public_url: url::Url,
    pub listen: std::net::SocketAddr,
    pub data_dir: PathBuf,
    /// The unit tree as CSV text: `id,name,level,parent` with a header line.
    pub units_csv: String,
    /// Replace an existing config and certificate.
    pub force: bool,
}

/// What setup wrote.
#[derive(Debug, Clone)]
pub struct HubSetupDone {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// SHA-256 of the new certificate, for `room setup --fingerprint`.
    pub fingerprint: String,
    pub units: usize,
    pub previous_config: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum HubSetupError {
    #[error(
        "{path} exists: this hub is set up already. Pass --force to replace it (the old config is kept as .bak, the old certificate is replaced and every room must be set up again)"
    )]
    Exists { path: String },
    #[error("the units CSV: {}", .0.join("; "))]
    Units(Vec<String>),
    #[error("--public-url {0} must be https:// (the hub serves HTTPS with its own certificate)")]
    NotHttps(String),
    #[error("the config setup would write is not valid")]
    Config(#[from] config::ConfigError),
    #[error("the config template (a bug, please report it): {0}")]
    Template(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Tls(#[from] super::tls::TlsError),
    #[error(transparent)]
    Write(#[from] crate::datadir::DataDirError),
}

/// Writes the hub's config and certificate.
pub fn setup_hub(answers: &HubSetup) -> Result<HubSetupDone, HubSetupError> {
    if answers.public_url.scheme() != "https" {
        return Err(HubSetupError::NotHttps(answers.public_url.to_string()));
    }
    let dir = answers.config_path.parent().unwrap_or(Path::new("."));
    let cert = dir.join("tls").join("hub.crt");
    let key = dir.join("tls").join("hub.key");
    if !answers.force {
        for path in [&answers.config_path, &cert, &key] {
            if path.exists() {
                return Err(HubSetupError::Exists {
                    path: path.display().to_string(),
                });
            }
        }
    }
    let units = parse_units(&answers.units_csv)?;
    let text = hub_config_text(answers, &cert, &key, &units)?;
    let shown = answers.config_path.display().to_string();
    config::parse_hub_str(&shown, &text)?;

    let names = super::tls::certificate_names(&answers.public_url, []);
    let (cert_pem, key_pem) = super::tls::self_signed(&names)?;
    super::tls::write_pair(
        &config::TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        },
        &cert_pem,
        &key_pem,
    )?;
    let previous_config = if answers.config_path.exists() {
        let bak = PathBuf::from(format!("{shown}.bak"));
        std::fs::rename(&answers.config_path, &bak).map_err(|source| HubSetupError::Io {
            path: shown.clone(),
            source,
        })?;
        Some(bak)
    } else {
        None
    };
    crate::datadir::write_durably(&answers.config_path, text.as_bytes(), 0o644)?;
    Ok(HubSetupDone {
        fingerprint: super::tls::certificate_fingerprint(&cert)?,
        cert,
        key,
        units: units.len(),
        previous_config,
    })
}

/// One line of the units CSV.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
struct UnitRow {
    id: String,
    name: String,
    level: String,
    #[serde(default)]
    parent: Option<String>,
}

/// Reads the unit tree; names every line that cannot be read. Ids, levels and parents are
/// checked by the config loader afterwards, which names the unit.
fn parse_units(csv_text: &str) -> Result<Vec<UnitRow>, HubSetupError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let mut units = Vec::new();
    let mut problems = Vec::new();
    for (index, row) in reader.deserialize::<UnitRow>().enumerate() {
        match row {
            Ok(mut unit) => {
                unit.parent = unit.parent.filter(|p| !p.is_empty());
                units.push(unit);
            }
            // Line 1 is the header.
            Err(e) => problems.push(format!(
                "line {}: {e} (expected columns id,name,level,parent)",
                index + 2
            )),
        }
    }
    if units.is_empty() && problems.is_empty() {
        problems.push(
            "no units: give a header line id,name,level,parent, then the province and its communes"
                .into(),
        );
    }
    if problems.is_empty() {
        Ok(units)
    } else {
        Err(HubSetupError::Units(problems))
    }
}

/// The hub config: the shipped example with the answers and units, comments kept.
fn hub_config_text(
    answers: &HubSetup,
    cert: &Path,
    key: &Path,
    units: &[UnitRow],
) -> Result<String, HubSetupError> {
    let mut doc: toml_edit::DocumentMut = HUB_TEMPLATE
        .parse()
        .map_err(|e: toml_edit::TomlError| HubSetupError::Template(e.to_string()))?;
    doc["hub"]["listen"] = toml_edit::value(answers.listen.to_string());
    doc["hub"]["public_url"] = toml_edit::value(answers.public_url.as_str().trim_end_matches('/'));
    doc["hub"]["data_dir"] = toml_edit::value(answers.data_dir.display().to_string());
    doc["tls"]["cert"] = toml_edit::value(cert.display().to_string());
    doc["tls"]["key"] = toml_edit::value(key.display().to_string());
    let mut tables = toml_edit::ArrayOfTables::new();
    for unit in units {
        let mut table = toml_edit::Table::new();
        table["id"] = toml_edit::value(unit.id.as_str());
        table["name"] = toml_edit::value(unit.name.as_str());
        table["level"] = toml_edit::value(unit.level.as_str());
        if let Some(parent) = &unit.parent {
            table["parent"] = toml_edit::value(parent.as_str());
        }
        tables.push(table);
    }
    doc["unit"] = toml_edit::Item::ArrayOfTables(tables);
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNITS: &str = "id,name,level,parent\n\
        lao-cai,Ủy ban MTTQ tỉnh Lào Cai,province,\n\
        ban-ho,Ủy ban MTTQ xã Bản Hồ,commune,lao-cai\n";

    fn answers(dir: &Path, units_csv: &str) -> HubSetup {
        HubSetup {
            config_path: dir.join("hub.toml"),
            public_url: "https://hub.example.vn:8443".parse().expect("url"),
            listen: "0.0.0.0:8443".parse().expect("addr"),
            data_dir: dir.join("data"),
            units_csv: units_csv.to_owned(),
            force: false,
        }
    }

    #[test]
    fn a_hub_is_set_up_from_answers_and_a_units_csv() {
        let dir = tempfile::tempdir().expect("dir");
        let done = setup_hub(&answers(dir.path(), UNITS)).expect("setup");
        assert_eq!(done.units, 2);
        let config = config::load_hub(&dir.path().join("hub.toml")).expect("valid");
        assert_eq!(config.units.len(), 2);
        assert_eq!(config.units[1].name, "Ủy ban MTTQ xã Bản Hồ");
        assert_eq!(
            config.tls.as_ref().map(|t| t.cert.clone()),
            Some(done.cert.clone())
        );
        assert_eq!(
            done.fingerprint,
            super::super::tls::certificate_fingerprint(&done.cert).expect("fingerprint")
        );

        let again = setup_hub(&answers(dir.path(), UNITS)).expect_err("set up already");
        assert!(again.to_string().contains("--force"), "{again}");
        let mut forced = answers(dir.path(), UNITS);
        forced.force = true;
        let done = setup_hub(&forced).expect("forced");
        assert!(done.previous_config.expect("kept").exists());
    }

    #[test]
    fn bad_units_are_named_and_nothing_is_written() {
        let dir = tempfile::tempdir().expect("dir");
        let error = setup_hub(&answers(dir.path(), "id,name\nlao-cai\n")).expect_err("bad csv");
        assert!(error.to_string().contains("line 2"), "{error}");
        // A commune whose parent is not the province: the loader names it.
        let error = setup_hub(&answers(
            dir.path(),
            "id,name,level,parent\nlao-cai,Tỉnh,province,\nban-ho,Xã,commune,nowhere\n",
        ))
        .expect_err("bad parent");
        let chain = crate::room::enroll::error_chain(&error);
        assert!(chain.contains("nowhere"), "{chain}");
        assert!(!dir.path().join("hub.toml").exists());
        assert!(!dir.path().join("tls").exists());
    }
}
