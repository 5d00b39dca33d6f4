//! Validated values that go into a VietQR payload, so a [`super::VietQr`] can only hold what banks accept.

use std::fmt;
use std::str::FromStr;

use super::transliterate::{ascii_fold, ascii_fold_capped};

/// Longest account or card number NAPAS carries in 38.01.01.
pub const ACCOUNT_MAX_CHARS: usize = 19;

/// An account number (virtual accounts may contain letters) or card number: 1 to 19 ASCII letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountId(String);

/// Why an account number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error(
        "the account number is empty; give the number printed on the bank statement (letters and digits)"
    )]
    Empty,
    #[error(
        "the account number has {chars} characters; NAPAS allows at most {ACCOUNT_MAX_CHARS}: check for a pasted \
         extra (a name, a bank code)"
    )]
    TooLong { chars: usize },
    #[error(
        "the account number contains {found:?} at position {position}; write letters and digits only, without \
         spaces, dots or dashes"
    )]
    BadCharacter { found: char, position: usize },
}

impl AccountId {
    pub fn new(text: &str) -> Result<AccountId, AccountError> {
        if text.is_empty() {
            return Err(AccountError::Empty);
        }
        if let Some((index, found)) = text
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_alphanumeric())
        {
            return Err(AccountError::BadCharacter {
                found,
                position: index + 1,
            });
        }
        if text.len() > ACCOUNT_MAX_CHARS {
            return Err(AccountError::TooLong { chars: text.len() });
        }
        Ok(AccountId(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A transfer amount in whole dong: VND has no subunit, so it is an integer, at least 1, at most 13 digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AmountVnd(u64);

impl AmountVnd {
    /// The largest amount the 13-character field 54 can hold.
    pub const MAX: u64 = 9_999_999_999_999;

    pub fn new(amount_vnd: u64) -> Result<AmountVnd, AmountError> {
        match amount_vnd {
            0 => Err(AmountError::Zero),
            n if n > Self::MAX => Err(AmountError::TooManyDigits {
                input: n.to_string(),
                digits: n.to_string().len(),
            }),
            n => Ok(AmountVnd(n)),
        }
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for AmountVnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why an amount was refused; each says what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error(
        "the amount is empty; write a whole number of dong such as 50000, or leave the amount out"
    )]
    Empty,
    #[error(
        "the amount is 0; write at least 1 dong, or leave the amount out for a static code where the payer types it"
    )]
    Zero,
    #[error(
        "the amount {input:?} is negative; write a positive whole number of dong such as 50000"
    )]
    Negative { input: String },
    #[error("the amount {input:?} has a decimal part; dong have no subunit, write a whole number{}",
        .suggestion.as_ref().map(|s| format!(" such as {s}")).unwrap_or_default())]
    Fractional {
        input: String,
        suggestion: Option<String>,
    },
    #[error("the amount {input:?} has thousands separators; write digits only: {digits}")]
    Separators { input: String, digits: String },
    #[error(
        "the amount {input:?} has {digits} digits; VietQR allows at most 13 (up to 9999999999999 dong)"
    )]
    TooManyDigits { input: String, digits: usize },
    #[error(
        "the amount {input:?} is not a number; write digits only, such as 50000 (no currency sign or letters)"
    )]
    NotANumber { input: String },
}

impl FromStr for AmountVnd {
    type Err = AmountError;

    /// Reads an amount typed by a person, refusing anything a bank might read differently from what was meant.
    fn from_str(input: &str) -> Result<AmountVnd, AmountError> {
        let text = input.trim();
        let owned = || input.to_string();
        if text.is_empty() {
            return Err(AmountError::Empty);
        }
        if text.starts_with('-') {
            return Err(AmountError::Negative { input: owned() });
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            let significant = text.trim_start_matches('0');
            if significant.is_empty() {
                return Err(AmountError::Zero);
            }
            if significant.len() > 13 {
                return Err(AmountError::TooManyDigits {
                    input: owned(),
                    digits: significant.len(),
                });
            }
            // At most 13 digits, so it fits in u64.
            return significant
                .parse()
                .map(AmountVnd)
                .map_err(|_| AmountError::NotANumber { input: owned() });
        }
        if let Some(digits) = thousands_grouped(text) {
            return Err(AmountError::Separators {
                input: owned(),
                digits,
            });
        }
        if let Some((whole, fraction)) = text.split_once(['.', ',']) {
            let is_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
            if is_digits(whole) && is_digits(fraction) && !(whole.is_empty() && fraction.is_empty())
            {
                let suggestion = (fraction.bytes().all(|b| b == b'0')
                    && !whole.trim_start_matches('0').is_empty())
                .then(|| whole.trim_start_matches('0').to_string());
                return Err(AmountError::Fractional {
                    input: owned(),
                    suggestion,
                });
            }
        }
        Err(AmountError::NotANumber { input: owned() })
    }
}

/// `100,000`, `1.500.000`, `100 000`: digits in groups of three after the first, one kind of separator.
/// Returns the digits alone. In Vietnam `.` is the usual thousands separator, so `1.500` means 1500 here.
fn thousands_grouped(text: &str) -> Option<String> {
    let separator = text.chars().find(|c| !c.is_ascii_digit())?;
    if ![',', '.', ' ', '\''].contains(&separator) {
        return None;
    }
    let groups: Vec<&str> = text.split(separator).collect();
    let (first, rest) = groups.split_first()?;
    let is_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let grouped = is_digits(first)
        && first.len() <= 3
        && !rest.is_empty()
        && rest.iter().all(|g| g.len() == 3 && is_digits(g));
    grouped.then(|| groups.concat())
}

/// ASCII text of `[A-Za-z0-9 ]`, non-empty, at most `MAX_CHARS` characters: what VietQR text fields (62.08
/// purpose, 59 name, 60 city, 62.01 bill number, 62.05 reference) carry when we write them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AsciiText<const MAX_CHARS: usize>(String);

/// Why text could not become an [`AsciiText`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    /// No letters or digits were left once folded to ASCII.
    NothingLeft,
    /// Longer than the field allows after folding; returned where cutting would lose meaning (a reference).
    TooLong { chars: usize },
}

impl<const MAX_CHARS: usize> AsciiText<MAX_CHARS> {
    /// Folds to ASCII and cuts to `MAX_CHARS`: right for free text such as the purpose or a name.
    pub fn folded_capped(text: &str) -> Result<Self, TextError> {
        let folded = ascii_fold_capped(text, MAX_CHARS);
        if folded.is_empty() {
            Err(TextError::NothingLeft)
        } else {
            Ok(AsciiText(folded))
        }
    }

    /// Folds to ASCII and refuses, rather than cuts, text that is too long: right for codes that are matched later.
    pub fn folded_exact(text: &str) -> Result<Self, TextError> {
        let folded = ascii_fold(text);
        if folded.is_empty() {
            Err(TextError::NothingLeft)
        } else if folded.len() > MAX_CHARS {
            Err(TextError::TooLong {
                chars: folded.len(),
            })
        } else {
            Ok(AsciiText(folded))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_amounts_parse() {
        assert_eq!("50000".parse::<AmountVnd>().map(AmountVnd::get), Ok(50_000));
        assert_eq!(" 1 ".parse::<AmountVnd>().map(AmountVnd::get), Ok(1));
        assert_eq!(
            "9999999999999".parse::<AmountVnd>().map(AmountVnd::get),
            Ok(AmountVnd::MAX)
        );
    }

    #[test]
    fn each_bad_amount_gets_its_own_reason() {
        let err = |s: &str| s.parse::<AmountVnd>().expect_err(s);
        assert_eq!(err(""), AmountError::Empty);
        assert_eq!(err("0"), AmountError::Zero);
        assert_eq!(err("000"), AmountError::Zero);
        assert_eq!(err("-5"), AmountError::Negative { input: "-5".into() });
        assert_eq!(
            err("100000.0"),
            AmountError::Fractional {
                input: "100000.0".into(),
                suggestion: Some("100000".into())
            }
        );
        assert_eq!(
            err("12.5"),
            AmountError::Fractional {
                input: "12.5".into(),
                suggestion: None
            }
        );
        assert_eq!(
            err("100,000"),
            AmountError::Separators {
                input: "100,000".into(),
                digits: "100000".into()
            }
        );
        assert_eq!(
            err("1.500.000"),
            AmountError::Separators {
                input: "1.500.000".into(),
                digits: "1500000".into()
            }
        );
        assert_eq!(
            err("10000000000000"),
            AmountError::TooManyDigits {
                input: "10000000000000".into(),
                digits: 14
            }
        );
        assert_eq!(
            err("50k"),
            AmountError::NotANumber {
                input: "50k".into()
            }
        );
        assert_eq!(
            err("1e5"),
            AmountError::NotANumber {
                input: "1e5".into()
            }
        );
    }

    #[test]
    fn amount_messages_say_what_to_type() {
        let message = "100,000"
            .parse::<AmountVnd>()
            .expect_err("separators")
            .to_string();
        assert!(message.contains("digits only: 100000"), "{message}");
        let message = "100000.0"
            .parse::<AmountVnd>()
            .expect_err("fraction")
            .to_string();
        assert!(message.contains("such as 100000"), "{message}");
    }

    #[test]
    fn amount_from_number_refuses_zero_and_fourteen_digits() {
        assert_eq!(AmountVnd::new(0), Err(AmountError::Zero));
        assert!(AmountVnd::new(AmountVnd::MAX + 1).is_err());
    }

    #[test]
    fn account_rules() {
        assert_eq!(
            AccountId::new("0011001234567").map(|a| a.as_str().to_string()),
            Ok("0011001234567".into())
        );
        assert_eq!(
            AccountId::new("VQRQ00ABC123").map(|a| a.as_str().len()),
            Ok(12)
        );
        assert_eq!(AccountId::new(""), Err(AccountError::Empty));
        assert_eq!(
            AccountId::new(&"1".repeat(20)),
            Err(AccountError::TooLong { chars: 20 })
        );
        assert_eq!(
            AccountId::new("0011 0012"),
            Err(AccountError::BadCharacter {
                found: ' ',
                position: 5
            })
        );
        assert_eq!(
            AccountId::new("123-45"),
            Err(AccountError::BadCharacter {
                found: '-',
                position: 4
            })
        );
    }

    #[test]
    fn ascii_text_caps_or_refuses() {
        let purpose = AsciiText::<25>::folded_capped("Đóng góp quỹ khuyến học phường 7")
            .expect("has letters");
        assert_eq!(purpose.as_str(), "Dong gop quy khuyen hoc p");
        assert_eq!(
            AsciiText::<25>::folded_capped("?!"),
            Err(TextError::NothingLeft)
        );
        assert_eq!(
            AsciiText::<5>::folded_exact("ABCDEF"),
            Err(TextError::TooLong { chars: 6 })
        );
    }
}
