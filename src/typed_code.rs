//! Codes people read off a screen or a receipt and type back: enrollment codes, ticket
//! codes, pledge and poster reference codes. Each kind has its own length and check; the
//! drawing of random characters and the tidying of what was typed are the same for all.

use rand::Rng;

/// Letters and digits a person cannot confuse when reading a code aloud or off a screen
/// (no 0/O, 1/I/L, U/V).
pub const READABLE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTWXYZ";

/// `len` characters drawn uniformly from `alphabet` (ASCII).
pub fn random_chars(rng: &mut impl Rng, alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

/// A code as typed, compacted: upper case, without spaces or dashes (`lc 7k-3p9` →
/// `LC7K3P9`). The caller checks the length and the alphabet of its kind.
pub fn compact(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn random_chars_come_from_the_alphabet() {
        let mut rng = StdRng::seed_from_u64(9);
        let code = random_chars(&mut rng, READABLE_ALPHABET, 40);
        assert_eq!(code.len(), 40);
        assert!(
            code.bytes().all(|b| READABLE_ALPHABET.contains(&b)),
            "{code}"
        );
    }

    #[test]
    fn typed_spaces_dashes_and_case_are_tidied() {
        assert_eq!(compact(" lc 7k-3p9\t"), "LC7K3P9");
        assert_eq!(
            compact("Ạ-b"),
            "ẠB",
            "non-ASCII is kept for the caller to refuse"
        );
    }
}
