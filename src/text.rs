//! Text as residents and staff type it. Everything stored or shown is NFC: Vietnamese
//! typed as base letter + combining marks (NFD) would otherwise compare unequal and lose
//! its marks in some fonts.

use unicode_normalization::UnicodeNormalization;

pub fn nfc(text: &str) -> String {
    text.nfc().collect()
}

/// Text for an HTML page, as element content or inside a quoted attribute (either quote):
/// residents' and staff's words must never become markup on a public page.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `0011 0012-34567` → `0011001234567`: accounts compare without spaces, dashes or dots and
/// without regard to case (the hub config's `[bank] account`, transfers, campaigns).
pub fn normalize_account(account: &str) -> String {
    account
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn decomposed_vietnamese_is_composed() {
        let nfd = "Lao Cha\u{0309}i";
        assert_eq!(super::nfc(nfd), "Lao Chải");
    }

    #[test]
    fn markup_in_text_is_shown_not_run() {
        assert_eq!(
            super::html_escape(r#"<b a='1' c="2">Tôi & bạn</b>"#),
            "&lt;b a=&#39;1&#39; c=&quot;2&quot;&gt;Tôi &amp; bạn&lt;/b&gt;"
        );
    }
}
