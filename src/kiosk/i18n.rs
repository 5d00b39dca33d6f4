//! Kiosk texts from Fluent files in `kiosk/locales/{vi,en,hmn}/kiosk.ftl`, embedded in the
//! binary so a box never shows a missing file. Vietnamese is the reference: English must
//! have every key (a test checks); H'Mong falls back to Vietnamese key by key, and
//! `phonghop room --i18n-report` lists what is missing for translators.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::config::Language;

const VI: &str = include_str!("../../kiosk/locales/vi/kiosk.ftl");
const EN: &str = include_str!("../../kiosk/locales/en/kiosk.ftl");
const HMN: &str = include_str!("../../kiosk/locales/hmn/kiosk.ftl");

struct Catalog {
    bundle: FluentBundle<FluentResource>,
    keys: BTreeSet<String>,
}

fn catalog(tag: &str, source: &'static str) -> Catalog {
    // The .ftl files are part of the build; a syntax error is caught by the tests below,
    // and whatever parsed is still used.
    let resource =
        FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, errors)| {
            tracing::error!(?errors, tag, "kiosk translations have syntax errors");
            partial
        });
    let keys = resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect();
    let lang = tag.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    // Isolation marks (U+2068/U+2069) would draw as boxes in egui.
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(?errors, tag, "duplicate kiosk translation keys");
    }
    Catalog { bundle, keys }
}

static CATALOGS: LazyLock<[Catalog; 3]> =
    LazyLock::new(|| [catalog("vi", VI), catalog("en", EN), catalog("hmn", HMN)]);

fn of(lang: Language) -> &'static Catalog {
    &CATALOGS[match lang {
        Language::Vietnamese => 0,
        Language::English => 1,
        Language::Hmong => 2,
    }]
}

/// A text argument for `tr_args`.
#[derive(Debug)]
pub enum Arg<'a> {
    Text(&'a str),
    Number(i64),
}

/// The text for `key` in `lang`, falling back to Vietnamese, then to the key itself.
pub fn tr(lang: Language, key: &str) -> String {
    tr_args(lang, key, &[])
}

pub fn tr_args(lang: Language, key: &str, args: &[(&str, Arg<'_>)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        match value {
            Arg::Text(t) => fluent_args.set(*name, FluentValue::from(*t)),
            Arg::Number(n) => fluent_args.set(*name, FluentValue::from(*n)),
        }
    }
    for catalog in [of(lang), of(Language::Vietnamese)] {
        let Some(pattern) = catalog.bundle.get_message(key).and_then(|m| m.value()) else {
            continue;
        };
        let mut errors = Vec::new();
        let text = catalog
            .bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            tracing::warn!(key, ?errors, "kiosk text formatted with errors");
        }
        return crate::text::nfc(&text);
    }
    tracing::warn!(key, "no kiosk text for this key");
    key.to_owned()
}

/// Keys a language lacks compared with Vietnamese.
pub fn missing_keys(lang: Language) -> Vec<String> {
    let reference = &of(Language::Vietnamese).keys;
    let have = &of(lang).keys;
    reference.difference(have).cloned().collect()
}

/// What `phonghop room --i18n-report` prints.
pub fn report() -> String {
    let total = of(Language::Vietnamese).keys.len();
    let mut out = format!("kiosk texts: {total} keys in Vietnamese (vi), the reference\n");
    for (lang, code) in [(Language::English, "en"), (Language::Hmong, "hmn")] {
        let missing = missing_keys(lang);
        out.push_str(&format!(
            "{code}: {} of {total} translated; {} shown in Vietnamese instead\n",
            total - missing.len(),
            missing.len()
        ));
        for key in missing {
            out.push_str(&format!(
                "  {code} missing {key} = {}\n",
                tr(Language::Vietnamese, &key)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_without_errors() {
        for (tag, source) in [("vi", VI), ("en", EN), ("hmn", HMN)] {
            assert!(
                FluentResource::try_new(source.to_owned()).is_ok(),
                "kiosk/locales/{tag}/kiosk.ftl has syntax errors"
            );
        }
    }

    #[test]
    fn english_has_every_vietnamese_key() {
        assert_eq!(missing_keys(Language::English), Vec::<String>::new());
    }

    #[test]
    fn every_error_the_resident_may_see_has_its_text_in_vietnamese_and_english() {
        let keys = crate::room::service::ServiceError::TEXT_KEYS
            .iter()
            .chain(&crate::room::contrib_service::ContribError::TEXT_KEYS)
            .chain(&crate::kiosk::shell::RecordingFailed::TEXT_KEYS);
        let mut checked = 0;
        for key in keys {
            for lang in [Language::Vietnamese, Language::English] {
                assert!(of(lang).keys.contains(*key), "{lang:?} lacks {key}");
            }
            checked += 1;
        }
        assert_eq!(checked, 13);
        // And each variant names one of its enum's keys.
        use crate::room::service::ServiceError as E;
        for e in [
            E::NotEnrolled,
            E::Credential(String::new()),
            E::Voice(String::new()),
            E::Store(String::new()),
            E::NoFreeCode,
            E::Stopped,
            E::Preview,
        ] {
            assert!(E::TEXT_KEYS.contains(&e.text_key()), "{e:?}");
        }
    }

    #[test]
    fn no_language_has_keys_vietnamese_lacks() {
        let vi = &of(Language::Vietnamese).keys;
        for lang in [Language::English, Language::Hmong] {
            let extra: Vec<_> = of(lang).keys.difference(vi).collect();
            assert!(extra.is_empty(), "{lang:?} has keys not in vi: {extra:?}");
        }
    }

    #[test]
    fn hmong_falls_back_to_vietnamese_key_by_key_and_the_report_says_so() {
        assert_eq!(tr(Language::Hmong, "home-greeting"), "Nyob zoo!");
        assert_eq!(
            tr(Language::Hmong, "nav-home"),
            tr(Language::Vietnamese, "nav-home")
        );
        let report = report();
        assert!(
            report.contains("hmn missing nav-home = Trang chủ"),
            "{report}"
        );
        assert!(!report.contains("hmn missing home-greeting"), "{report}");
    }

    #[test]
    fn arguments_are_filled_in_without_isolation_marks() {
        let text = tr_args(
            Language::English,
            "idle-countdown",
            &[("seconds", Arg::Number(10))],
        );
        assert_eq!(text, "The screen returns to Home in 10 seconds.");
        assert!(!text.contains('\u{2068}'));
    }
}
