//! Ticket codes such as `LC-7K3P9`: the province's letters, the room's two-character code
//! (unique in the province, given at enrollment), and three random characters. Codes are
//! made offline and never clash between rooms; a room checks its own for repeats.

use rand::Rng;

use crate::typed_code::{compact, random_chars};

/// A code is read off a receipt and typed on a keypad by residents.
pub const ALPHABET: &[u8] = crate::typed_code::READABLE_ALPHABET;
const ROOM_CODE_LEN: usize = 2;
const RANDOM_LEN: usize = 3;

/// `lao-cai` → `LC`: the initials of the province id.
pub fn province_prefix(province_id: &str) -> String {
    let initials: String = province_id
        .split('-')
        .filter_map(|part| part.chars().next())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if initials.is_empty() {
        "PH".to_owned()
    } else {
        initials
    }
}

/// A candidate room prefix, `LC-7K`; the caller makes sure no other room has it.
pub fn room_prefix(province: &str, rng: &mut impl Rng) -> String {
    format!("{province}-{}", random_chars(rng, ALPHABET, ROOM_CODE_LEN))
}

/// A candidate ticket code under a room prefix.
pub fn new_code(room_prefix: &str, rng: &mut impl Rng) -> String {
    format!("{room_prefix}{}", random_chars(rng, ALPHABET, RANDOM_LEN))
}

/// A candidate ticket code for an item that came by `channel` without a room (phone page,
/// Zalo): the province's letters and the channel's letter (`LCP-7K3P9`), so it can never
/// be a code a room makes under its `LC-..` prefix, then five random characters; the hub
/// checks it is unused before storing it. `None` for the kiosk, whose codes rooms make.
pub fn channel_code(province: &str, channel: super::Channel, rng: &mut impl Rng) -> Option<String> {
    let letter = match channel {
        super::Channel::Kiosk => return None,
        super::Channel::Phone => 'P',
        super::Channel::Zalo => 'Z',
    };
    Some(format!(
        "{province}{letter}-{}",
        random_chars(rng, ALPHABET, ROOM_CODE_LEN + RANDOM_LEN)
    ))
}

/// Canonical form of a typed code: upper case, no spaces, the dash put back. `None` when it
/// cannot be a ticket code.
pub fn normalize(typed: &str) -> Option<String> {
    let compact = compact(typed);
    let tail_len = ROOM_CODE_LEN + RANDOM_LEN;
    if !compact.is_ascii() || compact.len() <= tail_len {
        return None;
    }
    let (province, tail) = compact.split_at(compact.len() - tail_len);
    let ok = province.chars().all(|c| c.is_ascii_uppercase())
        && tail.bytes().all(|b| ALPHABET.contains(&b));
    ok.then(|| format!("{province}-{tail}"))
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn a_code_has_the_province_the_room_and_three_characters() {
        let mut rng = StdRng::seed_from_u64(1);
        let prefix = room_prefix(&province_prefix("lao-cai"), &mut rng);
        assert!(prefix.starts_with("LC-") && prefix.len() == 5, "{prefix}");
        let code = new_code(&prefix, &mut rng);
        assert_eq!(code.len(), 8);
        assert_eq!(normalize(&code), Some(code.clone()));
    }

    #[test]
    fn a_channel_code_never_falls_under_a_room_prefix_and_reads_back() {
        let mut rng = StdRng::seed_from_u64(2);
        let province = province_prefix("lao-cai");
        let phone = channel_code(&province, super::super::Channel::Phone, &mut rng).expect("phone");
        assert!(phone.starts_with("LCP-") && phone.len() == 9, "{phone}");
        assert_eq!(normalize(&phone.to_lowercase()), Some(phone.clone()));
        let zalo = channel_code(&province, super::super::Channel::Zalo, &mut rng).expect("zalo");
        assert!(zalo.starts_with("LCZ-"), "{zalo}");
        let room = room_prefix(&province, &mut rng);
        assert!(!phone.starts_with(&room) && !zalo.starts_with(&room));
        assert_eq!(
            channel_code(&province, super::super::Channel::Kiosk, &mut rng),
            None
        );
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(normalize("lc 7k3p9").as_deref(), Some("LC-7K3P9"));
        assert_eq!(normalize("LC7K3P9").as_deref(), Some("LC-7K3P9"));
        assert_eq!(normalize(" LC-7K3P9 ").as_deref(), Some("LC-7K3P9"));
        assert_eq!(normalize("LC-ABCDE").as_deref(), Some("LC-ABCDE"));
        assert_eq!(normalize("LC-7K3P0"), None, "0 is not in the alphabet");
        assert_eq!(normalize("7K3P9"), None, "no province");
        assert_eq!(normalize(""), None);
    }
}
