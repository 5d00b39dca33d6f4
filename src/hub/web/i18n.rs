//! Dashboard texts from `web/i18n/{vi,en}.ftl`, embedded in the binary. Vietnamese is the
//! reference and the default; English must have every Vietnamese key (a test checks), and
//! a key missing in English shows its Vietnamese text rather than nothing.

use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

const VI: &str = include_str!("../../../web/i18n/vi.ftl");
const EN: &str = include_str!("../../../web/i18n/en.ftl");

/// The cookie that keeps a chosen language (`?lang=en` sets it).
pub(crate) const LANG_COOKIE: &str = "phonghop_lang";

/// A language of the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language, for the switch in the page header.
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// `?lang=xx` in a query string, if it names a language.
    pub fn from_query(query: Option<&str>) -> Option<Lang> {
        query?
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| Lang::parse(v))
    }
}

/// The request's language: `?lang=` first, then the cookie, then Vietnamese.
impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_query(parts.uri.query())
            .or_else(|| crate::hub::auth::cookie(&parts.headers, LANG_COOKIE).and_then(Lang::parse))
            .unwrap_or_default())
    }
}

struct Catalog {
    bundle: FluentBundle<FluentResource>,
}

fn catalog(tag: &str, source: &'static str) -> Catalog {
    // The .ftl files are part of the build; a syntax error is caught by the tests below,
    // and whatever parsed is still used.
    let resource =
        FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, errors)| {
            tracing::error!(?errors, tag, "dashboard translations have syntax errors");
            partial
        });
    let mut bundle = FluentBundle::new_concurrent(vec![tag.parse().unwrap_or_default()]);
    // Isolation marks would end up inside HTML attributes and copied text.
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(?errors, tag, "duplicate dashboard translation keys");
    }
    Catalog { bundle }
}

static CATALOGS: LazyLock<[Catalog; 2]> = LazyLock::new(|| [catalog("vi", VI), catalog("en", EN)]);

fn of(lang: Lang) -> &'static Catalog {
    &CATALOGS[match lang {
        Lang::Vi => 0,
        Lang::En => 1,
    }]
}

fn format(lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
    let catalog = of(lang);
    let message = catalog.bundle.get_message(key)?;
    let pattern = message.value()?;
    let mut errors = Vec::new();
    let text = catalog.bundle.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::warn!(?errors, key, "dashboard text formatted with errors");
    }
    Some(text.into_owned())
}

/// The text `key` in `lang` (Vietnamese when English lacks it; the key itself when both
/// do, so a missing text is visible rather than blank).
pub(crate) fn t(lang: Lang, key: &str) -> String {
    t_args(lang, key, &[])
}

/// `t` with Fluent arguments, e.g. `t_args(lang, "home-welcome", &[("name", &staff.name)])`.
pub(crate) fn t_args(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let fluent_args = (!args.is_empty()).then(|| {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, FluentValue::from(v.to_string()));
        }
        fa
    });
    format(lang, key, fluent_args.as_ref())
        .or_else(|| format(Lang::Vi, key, fluent_args.as_ref()))
        .unwrap_or_else(|| {
            tracing::warn!(key, "no dashboard text for this key");
            key.to_owned()
        })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn keys(source: &str) -> BTreeSet<String> {
        FluentResource::try_new(source.to_owned())
            .expect("parses")
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn both_languages_parse_and_english_has_every_vietnamese_key() {
        for source in [VI, EN] {
            assert!(FluentResource::try_new(source.to_owned()).is_ok());
        }
        let (vi, en) = (keys(VI), keys(EN));
        let missing: Vec<_> = vi.difference(&en).collect();
        assert!(missing.is_empty(), "en.ftl lacks {missing:?}");
        let extra: Vec<_> = en.difference(&vi).collect();
        assert!(extra.is_empty(), "en.ftl has keys vi.ftl lacks: {extra:?}");
    }

    #[test]
    fn texts_take_their_arguments_and_the_language_follows_the_query() {
        let text = t_args(Lang::En, "login-locked", &[("time", "14:05")]);
        assert_eq!(text, "Too many failed attempts; try again after 14:05.");
        assert_eq!(Lang::from_query(Some("a=1&lang=en")), Some(Lang::En));
        assert_eq!(Lang::from_query(Some("lang=fr")), None);
    }
}
