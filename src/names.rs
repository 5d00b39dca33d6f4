//! Closed sets of names that travel and are stored as text: statuses and kinds.
//!
//! One declaration gives the enum, the text each value has on the wire and in the
//! database, parsing with an error that lists the valid values, `Display` and serde. The
//! text is written once, so the JSON, the SQLite column and the CLI cannot drift apart
//! (the store's `FromSql`/`ToSql` go through `text_enum!`'s `as_str` and `FromStr` too).

/// A text outside a closed set of names; says which names are valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {given:?} is not one of: {valid}")]
pub struct UnknownName {
    /// What the name is of, e.g. `feedback status`.
    pub what: &'static str,
    pub given: String,
    /// The valid names, comma-separated, in declaration order.
    pub valid: String,
}

impl UnknownName {
    pub fn new(what: &'static str, given: &str, valid: &[&str]) -> UnknownName {
        UnknownName {
            what,
            given: given.to_owned(),
            valid: valid.join(", "),
        }
    }
}

/// Declares a `Copy` enum whose values have fixed texts:
///
/// ```ignore
/// text_enum! {
///     /// Whether a campaign takes money.
///     pub enum CampaignStatus as "campaign status" {
///         Open = "open",
///         Closed = "closed",
///     }
/// }
/// ```
///
/// gives `CampaignStatus::ALL`, `as_str`, `parse` (an `Option`), `FromStr` (an
/// [`UnknownName`] error), `Display`, and serde with the same texts. Extra derives (such as
/// `PartialOrd, Ord` for an order of the values) go in the attributes.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident as $what:literal {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $( $(#[$variant_meta])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The text on the wire and in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value named by `text` exactly, if any.
            pub fn parse(text: &str) -> Option<$name> {
                text.parse().ok()
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::names::UnknownName;

            fn from_str(text: &str) -> Result<$name, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::names::UnknownName::new($what, text, &[$($text),+])),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    text_enum! {
        /// A set for the tests.
        enum Colour as "colour" {
            Red = "red",
            DarkBlue = "dark_blue",
        }
    }

    #[test]
    fn texts_agree_between_display_parsing_and_json() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(*c));
            assert_eq!(c.to_string(), c.as_str());
            let json = serde_json::to_string(c).expect("serialise");
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<Colour>(&json).expect("parse"), *c);
        }
    }

    #[test]
    fn an_unknown_text_names_the_valid_ones() {
        let e = "blue".parse::<Colour>().expect_err("unknown");
        assert_eq!(
            e.to_string(),
            "colour \"blue\" is not one of: red, dark_blue"
        );
        assert!(serde_json::from_str::<Colour>("\"Red\"").is_err());
    }
}
