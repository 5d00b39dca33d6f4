//! Text as residents and staff type it. Everything stored or shown is NFC: Vietnamese
//! typed as base letter + combining marks (NFD) would otherwise compare unequal and lose
//! its marks in some fonts.

use unicode_normalization::UnicodeNormalization;

pub fn nfc(text: &str) -> String {
    text.nfc().collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn decomposed_vietnamese_is_composed() {
        let nfd = "Lao Cha\u{0309}i";
        assert_eq!(super::nfc(nfd), "Lao Chải");
    }
}
