//! Vietnamese text to the plain ASCII that every banking app accepts in a VietQR text field.
//!
//! Why ASCII at all: some public generators count UTF-8 bytes instead of characters in length fields, and some
//! banking apps mangle marks, so a purpose with tones is a gamble. Folding to `[A-Za-z0-9 ]` makes the length
//! unambiguous and the transfer memo readable everywhere.

/// Longest purpose of transaction (62.08), in characters. Some banks show only 19, so put the important part
/// (the pledge reference) first.
pub const PURPOSE_MAX_CHARS: usize = 25;

/// Letters with Vietnamese tone and vowel marks (plus common Latin-1 accented letters), by the ASCII letter they
/// fold to. Precomposed forms only; combining marks are dropped separately.
const FOLDS: &[(&str, char)] = &[
    ("àáảãạăằắẳẵặâầấẩẫậäåā", 'a'),
    ("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÄÅĀ", 'A'),
    ("èéẻẽẹêềếểễệëē", 'e'),
    ("ÈÉẺẼẸÊỀẾỂỄỆËĒ", 'E'),
    ("ìíỉĩịîïī", 'i'),
    ("ÌÍỈĨỊÎÏĪ", 'I'),
    ("òóỏõọôồốổỗộơờớởỡợöøō", 'o'),
    ("ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÖØŌ", 'O'),
    ("ùúủũụưừứửữựûüū", 'u'),
    ("ÙÚỦŨỤƯỪỨỬỮỰÛÜŪ", 'U'),
    ("ỳýỷỹỵÿ", 'y'),
    ("ỲÝỶỸỴŸ", 'Y'),
    ("đ", 'd'),
    ("ĐÐ", 'D'),
    ("ç", 'c'),
    ("Ç", 'C'),
    ("ñ", 'n'),
    ("Ñ", 'N'),
];

/// Folds one character: ASCII letters and digits stay, marked letters lose their marks, combining marks vanish
/// (`None`), anything else becomes a space (so `don-hang` reads `don hang`, not `donhang`).
fn fold_char(c: char) -> Option<char> {
    if c.is_ascii_alphanumeric() {
        return Some(c);
    }
    // Combining diacritical marks (text typed in decomposed form, e.g. from macOS): drop, keep the base letter.
    if ('\u{0300}'..='\u{036F}').contains(&c) {
        return None;
    }
    Some(
        FOLDS
            .iter()
            .find(|(marked, _)| marked.contains(c))
            .map_or(' ', |&(_, plain)| plain),
    )
}

/// Folds `text` to `[A-Za-z0-9 ]`, with single spaces and no leading or trailing space, but no length cap.
pub fn ascii_fold(text: &str) -> String {
    let folded: String = text.chars().filter_map(fold_char).collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Folds `text` and cuts it to at most `max_chars`, never ending in a space.
pub fn ascii_fold_capped(text: &str, max_chars: usize) -> String {
    let mut folded = ascii_fold(text);
    // Every character is ASCII now, so a byte index is a character index.
    folded.truncate(max_chars);
    folded.trim_end().to_string()
}

/// The purpose of transaction as it goes into 62.08: `"Ủng hộ Quỹ Vì người nghèo"` → `"Ung ho Quy Vi nguoi ngheo"`,
/// at most [`PURPOSE_MAX_CHARS`] characters. May be empty if `text` has no letters or digits; the builder refuses that.
pub fn purpose_ascii(text: &str) -> String {
    ascii_fold_capped(text, PURPOSE_MAX_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_marks_are_removed_and_d_bar_becomes_d() {
        assert_eq!(ascii_fold("Đóng góp Quỹ đoàn kết"), "Dong gop Quy doan ket");
        assert_eq!(
            ascii_fold("ỨNG HỘ ĐỒNG BÀO LŨ LỤT"),
            "UNG HO DONG BAO LU LUT"
        );
        assert_eq!(ascii_fold("ăâđêôơư ĂÂĐÊÔƠƯ"), "aadeoou AADEOOU");
    }

    #[test]
    fn decomposed_marks_are_dropped_not_spaced() {
        // "Việt" written as V i e U+0323 U+0302 t
        assert_eq!(ascii_fold("Vie\u{323}\u{302}t"), "Viet");
    }

    #[test]
    fn punctuation_becomes_single_spaces() {
        assert_eq!(ascii_fold("  Ủng-hộ:  #12,  tổ 5!  "), "Ung ho 12 to 5");
        assert_eq!(ascii_fold("a\t\nb"), "a b");
    }

    #[test]
    fn nothing_usable_folds_to_empty() {
        assert_eq!(purpose_ascii("!!! ... ???"), "");
        assert_eq!(purpose_ascii("🙏"), "");
    }

    #[test]
    fn purpose_is_capped_at_25_without_trailing_space() {
        let purpose = purpose_ascii("Ủng hộ quỹ vì người nghèo phường Bến Nghé");
        assert_eq!(purpose, "Ung ho quy vi nguoi ngheo");
        assert_eq!(purpose.len(), 25);
        // A cut that lands right after a word must not leave the space behind.
        assert_eq!(ascii_fold_capped("abcd efgh", 5), "abcd");
    }
}
