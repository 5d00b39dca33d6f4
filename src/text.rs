//! Text as residents and staff type it. Everything stored or shown is NFC: Vietnamese
//! typed as base letter + combining marks (NFD) would otherwise compare unequal and lose
//! its marks in some fonts.

use unicode_normalization::UnicodeNormalization;

pub fn nfc(text: &str) -> String {
    text.nfc().collect()
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
}
