//! After a form's POST the dashboard answers `303 See Other` to a page with `?done=<key>`,
//! and that page shows the key's text: a reload does not post again, and no state is kept
//! at the hub. Only the keys listed here are shown, so a crafted link cannot put words on
//! a page.

use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::{Lang, t};

/// The messages a redirect may ask for (Fluent keys).
const KEYS: &[&str] = &[
    "flash-campaign-created",
    "flash-campaign-closed",
    "flash-campaign-opened",
    "flash-pledge-recorded",
    "flash-cash-received",
    "flash-transfer-assigned",
    "flash-refund-recorded",
    "flash-correction-recorded",
    "flash-meeting-started",
    "flash-meeting-ended",
    "flash-meeting-scheduled",
    "flash-meeting-cancelled",
];

/// The `?done=` of a page after a form.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    pub done: Option<String>,
}

impl Done {
    /// The confirmation to show, if the query names one of [`KEYS`].
    pub fn notice(&self, lang: Lang) -> Option<Markup> {
        let key = KEYS.iter().find(|k| Some(**k) == self.done.as_deref())?;
        Some(html! { div class="notice ok" role="status" { (t(lang, key)) } })
    }
}

/// `303` to `path` with the confirmation `key` (one of [`KEYS`]).
pub(crate) fn see_other(path: &str, key: &str) -> Response {
    debug_assert!(KEYS.contains(&key), "{key} is not a flash key");
    let sep = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{sep}done={key}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_keys_are_shown_and_each_has_a_text() {
        for key in KEYS {
            assert_ne!(t(Lang::Vi, key), *key, "{key} has no Vietnamese text");
            assert_ne!(t(Lang::En, key), *key, "{key} has no English text");
        }
        let listed = Done {
            done: Some("flash-pledge-recorded".into()),
        };
        assert!(listed.notice(Lang::En).is_some());
        let crafted = Done {
            done: Some("login-wrong".into()),
        };
        assert!(crafted.notice(Lang::En).is_none());
    }
}
