//! `[zalo]`: the Zalo app whose Official Accounts (OA) residents write to, and which unit's
//! inbox each OA's messages go to.
//!
//! ```toml
//! [zalo]
//! app_id = "360846524940903967"
//! oa_secret_key = "..."     # the app's Webhook page: "OA Secret Key" (signs deliveries)
//! app_secret_key = "..."    # the app's secret (Thông tin ứng dụng): refreshes OA tokens
//! site_verification = "GeQV9QEF2WrRYhi2lVWtLKsEX5wX-548EJCs"   # optional: Zalo's domain check
//! [zalo.units]              # OA id = unit id; an OA not listed goes to the province
//! "388613280878808645" = "lao-chai"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::reader::{BadValue, Problems, Section, to};
use super::{Secret, Unit};

/// `[zalo]` of the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZaloConfig {
    /// The Zalo app's id: part of every delivery's signature.
    pub app_id: String,
    /// The "OA Secret Key" of the app's Webhook page: the key of the deliveries' signature.
    pub oa_secret_key: Secret,
    /// The app's secret key (`secret_key` header of the token endpoint).
    pub app_secret_key: Secret,
    /// Zalo's OA API (`https://openapi.zalo.me/`); tests point it at a local server.
    pub api_url: url::Url,
    /// Zalo's OAuth endpoint (`https://oauth.zaloapp.com/`).
    pub oauth_url: url::Url,
    /// The key file tokens are sealed with; `<data_dir>/zalo-token.key` by default (made on
    /// first use).
    pub token_key_file: Option<PathBuf>,
    /// `[zalo.units]`: OA id → the unit whose inbox its residents' messages go to.
    pub units: BTreeMap<String, String>,
    /// The code of Zalo's domain check (`zalo_verifier<code>.html`): the hub serves that
    /// file itself, so the webhook's domain can be verified with no web server in front.
    pub site_verification: Option<String>,
}

impl ZaloConfig {
    /// The app and keys only, Zalo's own URLs, no OA listed. For tests and tools.
    pub fn new(app_id: &str, oa_secret_key: &str, app_secret_key: &str) -> Self {
        Self {
            app_id: app_id.to_owned(),
            oa_secret_key: Secret::new(oa_secret_key),
            app_secret_key: Secret::new(app_secret_key),
            api_url: crate::zalo::DEFAULT_API_URL
                .parse()
                .expect("a constant URL parses"),
            oauth_url: crate::zalo::DEFAULT_OAUTH_URL
                .parse()
                .expect("a constant URL parses"),
            token_key_file: None,
            units: BTreeMap::new(),
            site_verification: None,
        }
    }

    /// The unit an OA's messages go to; `None` for an OA not listed.
    pub fn unit_for(&self, oa_id: &str) -> Option<&str> {
        self.units.get(oa_id).map(String::as_str)
    }

    /// Where the token key lives for a hub keeping its data in `data_dir`.
    pub fn key_file(&self, data_dir: &Path) -> PathBuf {
        self.token_key_file
            .clone()
            .unwrap_or_else(|| data_dir.join("zalo-token.key"))
    }
}

/// Zalo's ids are long runs of digits.
fn zalo_id(value: &Value) -> Result<String, BadValue> {
    let s = to::string(value)?;
    let s = s.trim();
    if !s.is_empty() && s.len() <= 32 && s.chars().all(|c| c.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err(BadValue(format!(
            "{s:?} is not a Zalo id; write the digits in quotes, like \"388613280878808645\""
        )))
    }
}

fn key(value: &Value) -> Result<Secret, BadValue> {
    let s = to::non_empty_string(value)?;
    if s.trim().chars().count() < 8 {
        return Err(BadValue(
            "is too short to be a Zalo key; copy it whole from the app's page on developers.zalo.me"
                .to_owned(),
        ));
    }
    Ok(Secret::new(s.trim()))
}

/// The code of Zalo's domain verification file, given alone or as the whole file name Zalo
/// offers (`zalo_verifier<code>.html`).
fn site_verification_code(value: &Value) -> Result<String, BadValue> {
    let s = to::non_empty_string(value)?;
    let s = s.trim();
    let code = s
        .strip_prefix("zalo_verifier")
        .map_or(s, |rest| rest.strip_suffix(".html").unwrap_or(rest));
    let valid = (8..=64).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if valid {
        Ok(code.to_owned())
    } else {
        Err(BadValue(format!(
            "{s:?} is not the code of Zalo's domain verification: copy the name of the file Zalo \
             offers for it (zalo_verifier<code>.html), or just the code in it (letters, digits, \
             _ and -)"
        )))
    }
}

/// `https://...` with a trailing slash, so `join("v3.0/...")` keeps its path.
fn base_url(value: &Value) -> Result<url::Url, BadValue> {
    let mut url = to::http_url(value)?;
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

pub(super) fn parse_zalo(t: &Table, units: &[Unit], problems: &Problems) -> Option<ZaloConfig> {
    let s = Section::new("[zalo]".into(), Some(t), problems);
    let app_id = s.required(
        "app_id",
        "the Zalo app's id, in quotes (developers.zalo.me → your app)",
        zalo_id,
    );
    let oa_secret_key = s.required(
        "oa_secret_key",
        "the \"OA Secret Key\" on the app's Webhook page (it signs every delivery)",
        key,
    );
    let app_secret_key = s.required(
        "app_secret_key",
        "the app's secret key (it refreshes the OA's tokens)",
        key,
    );
    let api_url = s.optional("api_url", base_url);
    let oauth_url = s.optional("oauth_url", base_url);
    let token_key_file = s.optional("token_key_file", to::path);
    let site_verification = s.optional("site_verification", site_verification_code);
    let listed = s.optional("units", |v| {
        let Value::Table(map) = v else {
            return Err(BadValue(
                "expected a table of OA id = unit id, like [zalo.units] \"388613280878808645\" = \"lao-chai\""
                    .into(),
            ));
        };
        let mut out = BTreeMap::new();
        for (oa, unit) in map {
            let oa = zalo_id(&Value::String(oa.clone()))?;
            let unit = to::string(unit)?;
            if !units.iter().any(|u| u.id == unit) {
                return Err(BadValue(format!(
                    "OA {oa} goes to unit {unit:?}, which is not a [[unit]] of this hub"
                )));
            }
            out.insert(oa, unit);
        }
        Ok(out)
    });
    s.finish();
    let mut config = ZaloConfig::new(&app_id?, oa_secret_key?.expose(), app_secret_key?.expose());
    if let Some(url) = api_url {
        config.api_url = url;
    }
    if let Some(url) = oauth_url {
        config.oauth_url = url;
    }
    config.token_key_file = token_key_file;
    config.units = listed.unwrap_or_default();
    config.site_verification = site_verification;
    Some(config)
}

#[cfg(test)]
mod tests {
    use super::super::parse_hub_str;

    const HUB: &str = r#"
[hub]
listen = "127.0.0.1:8443"
public_url = "https://hub.example.vn:8443"
data_dir = "/var/lib/phonghop"

[[unit]]
id = "lao-cai"
name = "Tỉnh Lào Cai"
level = "province"

[[unit]]
id = "lao-chai"
name = "Xã Lao Chải"
level = "commune"
parent = "lao-cai"
"#;

    #[test]
    fn a_zalo_section_maps_each_oa_to_a_unit() {
        let text = format!(
            "{HUB}\n[zalo]\napp_id = \"360846524940903967\"\noa_secret_key = \"oa-secret-key-1\"\n\
             app_secret_key = \"app-secret-key-1\"\napi_url = \"http://127.0.0.1:9/zalo\"\n\
             [zalo.units]\n\"388613280878808645\" = \"lao-chai\"\n"
        );
        let config = parse_hub_str("hub.toml", &text).expect("valid");
        let zalo = config.zalo.expect("zalo");
        assert_eq!(zalo.unit_for("388613280878808645"), Some("lao-chai"));
        assert_eq!(zalo.unit_for("1"), None);
        assert_eq!(zalo.api_url.as_str(), "http://127.0.0.1:9/zalo/");
        assert_eq!(zalo.oauth_url.as_str(), "https://oauth.zaloapp.com/");
        assert!(!format!("{zalo:?}").contains("oa-secret-key-1"));
        assert_eq!(
            zalo.key_file(std::path::Path::new("/d")),
            std::path::Path::new("/d/zalo-token.key")
        );
    }

    #[test]
    fn the_domain_check_code_is_taken_alone_or_as_zalos_file_name() {
        let with = |value: &str| {
            parse_hub_str(
                "hub.toml",
                &format!(
                    "{HUB}\n[zalo]\napp_id = \"360846524940903967\"\noa_secret_key = \"oa-secret-key-1\"\n\
                     app_secret_key = \"app-secret-key-1\"\nsite_verification = {value:?}\n"
                ),
            )
        };
        for given in [
            "GeQV9QEF2WrRYhi2lVWtLKsEX5wX-548EJCs",
            " zalo_verifierGeQV9QEF2WrRYhi2lVWtLKsEX5wX-548EJCs.html ",
        ] {
            let zalo = with(given).expect(given).zalo.expect("zalo");
            assert_eq!(
                zalo.site_verification.as_deref(),
                Some("GeQV9QEF2WrRYhi2lVWtLKsEX5wX-548EJCs")
            );
        }
        for wrong in ["short", "../../etc/passwd", "zalo_verifier<b>.html"] {
            let error = with(wrong).expect_err(wrong).to_string();
            assert!(
                error.contains("[zalo] site_verification")
                    && error.contains("zalo_verifier<code>.html"),
                "{wrong}: {error}"
            );
        }
    }

    #[test]
    fn every_zalo_mistake_is_named_with_its_key() {
        let text = format!(
            "{HUB}\n[zalo]\napp_id = \"app\"\napp_secret_key = \"short\"\ncolour = 1\n\
             [zalo.units]\n\"388613280878808645\" = \"sa-pa\"\n"
        );
        let error = parse_hub_str("hub.toml", &text)
            .expect_err("invalid")
            .to_string();
        for expected in [
            "[zalo] app_id",
            "[zalo] oa_secret_key: missing",
            "[zalo] app_secret_key",
            "[zalo] colour: unknown key",
            "not a [[unit]] of this hub",
        ] {
            assert!(error.contains(expected), "{expected:?} in:\n{error}");
        }
    }
}
