//! The dated snapshot of Vietnamese bank BINs shipped in `banks.tsv`, and lookups by BIN, short name or alias.
//!
//! Shipped, never fetched at run time: the appliance must make a correct code offline, and a list that changes
//! under us would change which bank a poster pays.

use std::sync::LazyLock;

use super::transliterate::ascii_fold;

/// The snapshot file: `#` comment lines (the first says the date and sources), then
/// `BIN<TAB>short_name<TAB>name<TAB>aliases` with aliases comma-separated.
const BANKS_TSV: &str = include_str!("banks.tsv");

/// One bank (or e-wallet) that can receive NAPAS 247 transfers through VietQR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bank {
    /// Acquirer BIN, 6 digits, written into 38.01.00. Not always `9704xx`.
    pub bin: String,
    /// The name people say and banking apps show, e.g. `Vietcombank`.
    pub short_name: String,
    /// Full legal name in Vietnamese, for display.
    pub name: String,
    /// Other names people type: VietQR codes (`VCB`, `ICB`), stock tickers, former names of renamed banks.
    pub aliases: Vec<String>,
}

static BANKS: LazyLock<Vec<Bank>> = LazyLock::new(|| {
    // Invariant: banks.tsv is part of the source tree and `embedded_list_is_well_formed` checks it, so a
    // malformed line is a build-time mistake, never user input.
    parse_tsv(BANKS_TSV).unwrap_or_else(|e| panic!("src/vietqr/banks.tsv is malformed: {e}"))
});

/// Every bank in the snapshot, in file order.
pub fn all() -> &'static [Bank] {
    &BANKS
}

/// The first comment line of the snapshot: its date and sources, for `--help` texts and error messages.
pub fn snapshot_note() -> &'static str {
    BANKS_TSV
        .lines()
        .next()
        .and_then(|line| line.strip_prefix('#'))
        .map_or("", str::trim)
}

/// The bank with this BIN, if it is in the snapshot.
pub fn by_bin(bin: &str) -> Option<&'static Bank> {
    all().iter().find(|bank| bank.bin == bin.trim())
}

/// Finds a bank by BIN, short name or alias, ignoring case, spaces, punctuation and Vietnamese marks, so
/// `vcb`, `Vietcombank`, `MB Bank` and `970436` all work.
pub fn find(query: &str) -> Option<&'static Bank> {
    if let Some(bank) = by_bin(query) {
        return Some(bank);
    }
    let key = lookup_key(query);
    if key.is_empty() {
        return None;
    }
    all().iter().find(|bank| bank.keys().any(|k| k == key))
}

/// Up to `max` banks whose names are closest to `query`, best first, for "did you mean" messages.
pub fn suggest(query: &str, max: usize) -> Vec<&'static Bank> {
    let key = lookup_key(query);
    let mut scored: Vec<(usize, &'static Bank)> = all()
        .iter()
        .map(|bank| {
            let best = bank
                .keys()
                .map(|k| {
                    // A name that starts with (or contains) what was typed is a better hint than edit distance
                    // suggests: "vietin" → VietinBank.
                    if !key.is_empty() && (k.starts_with(&key) || key.starts_with(&k)) {
                        0
                    } else if !key.is_empty() && k.contains(&key) {
                        1
                    } else {
                        1 + edit_distance(&key, &k)
                    }
                })
                .min()
                .unwrap_or(usize::MAX);
            (best, bank)
        })
        .collect();
    scored.sort_by_key(|&(score, bank)| (score, bank.short_name.len()));
    scored.into_iter().take(max).map(|(_, bank)| bank).collect()
}

impl Bank {
    /// Normalised names this bank answers to.
    fn keys(&self) -> impl Iterator<Item = String> + '_ {
        std::iter::once(&self.short_name)
            .chain(self.aliases.iter())
            .map(|name| lookup_key(name))
    }
}

/// Lower-case ASCII letters and digits only: `"MB Bank"` and `"mbbank"` compare equal.
fn lookup_key(name: &str) -> String {
    ascii_fold(name)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Levenshtein distance over characters; the names are short, so the quadratic cost is nothing.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// A line of the embedded bank list that is not `BIN<tab>short name<tab>name[<tab>aliases]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line_number}: {problem}")]
struct BankLineError {
    line_number: usize,
    problem: String,
}

fn parse_tsv(text: &str) -> Result<Vec<Bank>, BankLineError> {
    let mut banks = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let columns: Vec<&str> = line.split('\t').collect();
        let [bin, short_name, name, rest @ ..] = columns.as_slice() else {
            return Err(BankLineError {
                line_number,
                problem: "expected BIN, short name and name separated by tabs".to_owned(),
            });
        };
        if bin.len() != 6 || !bin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BankLineError {
                line_number,
                problem: format!("BIN {bin:?} is not 6 digits"),
            });
        }
        if short_name.trim().is_empty() || name.trim().is_empty() {
            return Err(BankLineError {
                line_number,
                problem: "empty short name or name".to_owned(),
            });
        }
        let aliases = rest
            .first()
            .map(|aliases| {
                aliases
                    .split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        banks.push(Bank {
            bin: (*bin).to_string(),
            short_name: short_name.trim().to_string(),
            name: name.trim().to_string(),
            aliases,
        });
    }
    Ok(banks)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn embedded_list_is_well_formed() {
        let banks = parse_tsv(BANKS_TSV).expect("banks.tsv parses");
        assert!(
            banks.len() >= 50,
            "only {} banks in the snapshot",
            banks.len()
        );
        assert!(
            snapshot_note().contains("20"),
            "first line must carry the snapshot date: {}",
            snapshot_note()
        );
    }

    #[test]
    fn every_bin_and_name_points_to_exactly_one_bank() {
        let mut bins = HashMap::new();
        let mut keys: HashMap<String, &str> = HashMap::new();
        for bank in all() {
            assert!(
                bins.insert(bank.bin.as_str(), ()).is_none(),
                "BIN {} listed twice",
                bank.bin
            );
            for key in bank.keys() {
                if let Some(other) = keys.insert(key.clone(), bank.bin.as_str()) {
                    assert_eq!(
                        other, bank.bin,
                        "name {key:?} is ambiguous: {other} and {}",
                        bank.bin
                    );
                }
            }
        }
    }

    #[test]
    fn common_names_and_aliases_resolve_to_the_right_bin() {
        let expected = [
            ("VCB", "970436"),
            ("Vietcombank", "970436"),
            ("vietcombank", "970436"),
            ("BIDV", "970418"),
            ("VietinBank", "970415"),
            ("ICB", "970415"),
            ("Agribank", "970405"),
            ("VBA", "970405"),
            ("Techcombank", "970407"),
            ("TCB", "970407"),
            ("MB", "970422"),
            ("MBBank", "970422"),
            ("MB Bank", "970422"),
            ("ACB", "970416"),
            ("VPBank", "970432"),
            ("TPBank", "970423"),
            ("Sacombank", "970403"),
            ("STB", "970403"),
            ("LienVietPostBank", "970449"),
            ("970436", "970436"),
            (" 970418 ", "970418"),
        ];
        for (query, bin) in expected {
            let bank = find(query).unwrap_or_else(|| panic!("{query:?} not found"));
            assert_eq!(bank.bin, bin, "{query:?}");
        }
    }

    #[test]
    fn unknown_names_are_not_found_but_get_suggestions() {
        assert!(find("Vietcombnk").is_none());
        assert!(find("").is_none());
        assert!(find("123456").is_none());
        let suggestions = suggest("Vietcombnk", 3);
        assert_eq!(suggestions.first().map(|b| b.bin.as_str()), Some("970436"));
        let suggestions = suggest("vietin", 3);
        assert_eq!(suggestions.first().map(|b| b.bin.as_str()), Some("970415"));
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
    }
}
