//! Reference codes: the short code a donor's banking app carries in the transfer memo, by
//! which the hub finds what a transfer was for.
//!
//! A kiosk makes a pledge code offline, so codes are random rather than numbered; the hub
//! refuses an upload whose code is taken. The alphabet has no `0 O 1 I L`, so a code read
//! aloud or copied by hand survives. Pledge codes have 7 characters, poster codes 6, so a
//! token in a bank memo is one or the other by its length alone; both hold at least one
//! letter and one digit, so neither an ordinary word nor a run of digits (an account or
//! phone number) is ever taken for a code.

use rand::Rng;

/// Letters and digits that cannot be mistaken for each other.
pub const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Characters in a pledge's (dynamic QR) code, e.g. `UH7K3P9`.
pub const PLEDGE_CODE_CHARS: usize = 7;

/// Characters in a campaign's poster (static QR) code, e.g. `QV7N2B`.
pub const POSTER_CODE_CHARS: usize = 6;

/// What a code identifies, by its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    Pledge,
    Poster,
}

fn new_code(rng: &mut impl Rng, chars: usize) -> String {
    loop {
        let code = crate::typed_code::random_chars(rng, ALPHABET, chars);
        if well_formed(&code) {
            return code;
        }
    }
}

/// A new random pledge code (31^7 ≈ 2.7 × 10^10 possibilities).
pub fn new_pledge_code(rng: &mut impl Rng) -> String {
    new_code(rng, PLEDGE_CODE_CHARS)
}

/// A new random poster code for a campaign.
pub fn new_poster_code(rng: &mut impl Rng) -> String {
    new_code(rng, POSTER_CODE_CHARS)
}

fn well_formed(code: &str) -> bool {
    code.bytes().all(|b| ALPHABET.contains(&b))
        && code.bytes().any(|b| b.is_ascii_digit())
        && code.bytes().any(|b| b.is_ascii_alphabetic())
}

/// The kind of `token` if it is a well-formed code (upper case expected), else `None`.
pub fn classify(token: &str) -> Option<CodeKind> {
    if !well_formed(token) {
        return None;
    }
    match token.len() {
        PLEDGE_CODE_CHARS => Some(CodeKind::Pledge),
        POSTER_CODE_CHARS => Some(CodeKind::Poster),
        _ => None,
    }
}

/// A code as typed (any case, surrounding spaces) in upper case, if it is one of `kind`.
pub fn normalize(code: &str, kind: CodeKind) -> Option<String> {
    let code = code.trim().to_ascii_uppercase();
    (classify(&code) == Some(kind)).then_some(code)
}

/// The purpose (62.08) of a pledge's QR: the reference code first (some banking apps show
/// only the first 19 characters of a memo), then the campaign title without marks.
pub fn pledge_purpose(reference_code: &str, campaign_title: &str) -> String {
    format!("{reference_code} {campaign_title}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn generated_codes_are_well_formed_and_of_their_kind() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..1000 {
            assert_eq!(classify(&new_pledge_code(&mut rng)), Some(CodeKind::Pledge));
            assert_eq!(classify(&new_poster_code(&mut rng)), Some(CodeKind::Poster));
        }
    }

    #[test]
    fn words_digit_runs_and_ambiguous_letters_are_not_codes() {
        assert_eq!(classify("UH7K3P9"), Some(CodeKind::Pledge));
        assert_eq!(classify("NGHEO"), None);
        assert_eq!(classify("3278907"), None);
        assert_eq!(classify("UH7K3PO"), None);
        assert_eq!(classify("UH1K3P9"), None);
        assert_eq!(
            normalize(" uh7k3p9 ", CodeKind::Pledge).as_deref(),
            Some("UH7K3P9")
        );
        assert_eq!(normalize("uh7k3p9", CodeKind::Poster), None);
    }
}
