//! The EMVCo ID-length-value layer, knowing nothing about VietQR's meaning.
//!
//! A payload is a sequence of data objects `ID` (2 digits) + `LEN` (2 digits, counting characters, not bytes) +
//! `VALUE`. Some objects are templates whose value is itself a sequence of objects. Parsing keeps every object,
//! known or not, in its original order, so that a parsed payload re-serialises byte for byte.

use std::fmt;

/// Largest value an object can carry: its length field has two decimal digits.
pub const MAX_VALUE_CHARS: usize = 99;

/// A data object identifier, `00` to `99`.
///
/// Kept as a number so that an identifier outside the two-digit range cannot exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(u8);

impl Id {
    /// Builds an identifier from its number; `None` above 99.
    pub const fn new(number: u8) -> Option<Id> {
        if number <= 99 { Some(Id(number)) } else { None }
    }

    /// The identifier as a number, `0..=99`.
    pub const fn number(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

/// What a data object holds: plain text, or nested objects (a template).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Template(Vec<DataObject>),
}

/// One data object. Built only through [`DataObject::text`], [`DataObject::template`] or `parse_objects`, each
/// of which checks the value fits the two-digit length field, so [`DataObject::encode`] cannot fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataObject {
    id: Id,
    value: Value,
    /// Characters of the encoded value, cached because a template's length is only known once its children are.
    value_chars: usize,
}

/// A value too long for the two-digit length field (more than 99 characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "data object {id} would be {value_chars} characters long; at most {MAX_VALUE_CHARS} fit its length field"
)]
pub struct ValueTooLong {
    pub id: Id,
    pub value_chars: usize,
}

impl DataObject {
    /// A primitive object holding `value`.
    pub fn text(id: Id, value: impl Into<String>) -> Result<DataObject, ValueTooLong> {
        let value = value.into();
        let value_chars = value.chars().count();
        if value_chars > MAX_VALUE_CHARS {
            return Err(ValueTooLong { id, value_chars });
        }
        Ok(DataObject {
            id,
            value: Value::Text(value),
            value_chars,
        })
    }

    /// A template object; its length is computed from the final children, never before.
    pub fn template(id: Id, children: Vec<DataObject>) -> Result<DataObject, ValueTooLong> {
        let value_chars = children.iter().map(DataObject::encoded_chars).sum();
        if value_chars > MAX_VALUE_CHARS {
            return Err(ValueTooLong { id, value_chars });
        }
        Ok(DataObject {
            id,
            value: Value::Template(children),
            value_chars,
        })
    }

    pub fn id(&self) -> Id {
        self.id
    }

    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Characters of the value, which is what the length field states.
    pub fn value_chars(&self) -> usize {
        self.value_chars
    }

    /// Characters of the whole encoded object: 2 for the ID, 2 for the length, then the value.
    pub fn encoded_chars(&self) -> usize {
        4 + self.value_chars
    }

    /// The text of a primitive object; `None` for a template.
    pub fn as_text(&self) -> Option<&str> {
        match &self.value {
            Value::Text(text) => Some(text),
            Value::Template(_) => None,
        }
    }

    /// The children of a template; `None` for a primitive object.
    pub fn children(&self) -> Option<&[DataObject]> {
        match &self.value {
            Value::Text(_) => None,
            Value::Template(children) => Some(children),
        }
    }

    /// Appends `ID LEN VALUE` to `out`.
    pub fn encode(&self, out: &mut String) {
        use std::fmt::Write as _;
        // Writing to a String cannot fail.
        let _ = write!(out, "{}{:02}", self.id, self.value_chars);
        match &self.value {
            Value::Text(text) => out.push_str(text),
            Value::Template(children) => children.iter().for_each(|child| child.encode(out)),
        }
    }
}

/// Encodes a sequence of objects back to back.
pub fn encode_objects(objects: &[DataObject]) -> String {
    let mut out = String::new();
    objects.iter().for_each(|object| object.encode(&mut out));
    out
}

/// Where an object sits in the tree, written `38.01.00`; used in error messages so a person can find it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Path(Vec<Id>);

impl Path {
    pub fn root() -> Path {
        Path(Vec::new())
    }

    pub fn child(&self, id: Id) -> Path {
        let mut ids = self.0.clone();
        ids.push(id);
        Path(ids)
    }

    pub fn ids(&self) -> &[Id] {
        &self.0
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top level)");
        }
        for (i, id) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{id}")?;
        }
        Ok(())
    }
}

/// What is wrong with the ID-length-value structure. `at` is a character offset into the whole payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    #[error(
        "the payload ends inside data object {path} at character {at}: the object needs {needed_chars} more \
         characters than are left; the payload was probably cut off when copied"
    )]
    TruncatedObject {
        path: String,
        at: usize,
        needed_chars: usize,
    },
    #[error("at character {at} a data object ID should be two digits but is {found:?}")]
    BadId { at: usize, found: String },
    #[error(
        "data object {path} at character {at} has length field {found:?}; a length is two digits from 01 to 99 \
         counting characters"
    )]
    BadLength {
        path: String,
        at: usize,
        found: String,
    },
    #[error(
        "data object {path} appears twice (second time at character {at}); each ID may appear once per level"
    )]
    DuplicateObject { path: String, at: usize },
}

/// Decides whether the object at `path` is a template whose value must be parsed into children.
pub type IsTemplate = fn(&[Id]) -> bool;

/// Parses `chars` (all of it) into objects; `is_template` says which objects nest further.
pub fn parse_objects(chars: &[char], is_template: IsTemplate) -> Result<Vec<DataObject>, TlvError> {
    parse_level(chars, 0, &Path::root(), is_template)
}

fn parse_level(
    chars: &[char],
    offset: usize,
    parent: &Path,
    is_template: IsTemplate,
) -> Result<Vec<DataObject>, TlvError> {
    let mut objects: Vec<DataObject> = Vec::new();
    let mut pos = 0;
    while pos < chars.len() {
        let at = offset + pos;
        let rest = &chars[pos..];
        if rest.len() < 2 {
            return Err(TlvError::TruncatedObject {
                path: parent.to_string(),
                at,
                needed_chars: 4 - rest.len(),
            });
        }
        let id = two_digits(&rest[..2])
            .and_then(Id::new)
            .ok_or_else(|| TlvError::BadId {
                at,
                found: rest[..2].iter().collect(),
            })?;
        let path = parent.child(id);
        if rest.len() < 4 {
            return Err(TlvError::TruncatedObject {
                path: path.to_string(),
                at,
                needed_chars: 4 - rest.len(),
            });
        }
        let value_chars = match two_digits(&rest[2..4]) {
            Some(n) if n >= 1 => usize::from(n),
            _ => {
                return Err(TlvError::BadLength {
                    path: path.to_string(),
                    at: at + 2,
                    found: rest[2..4].iter().collect(),
                });
            }
        };
        let available = rest.len() - 4;
        if value_chars > available {
            return Err(TlvError::TruncatedObject {
                path: path.to_string(),
                at,
                needed_chars: value_chars - available,
            });
        }
        if objects.iter().any(|o| o.id == id) {
            return Err(TlvError::DuplicateObject {
                path: path.to_string(),
                at,
            });
        }
        let value_slice = &rest[4..4 + value_chars];
        let value = if is_template(path.ids()) {
            Value::Template(parse_level(value_slice, at + 4, &path, is_template)?)
        } else {
            Value::Text(value_slice.iter().collect())
        };
        objects.push(DataObject {
            id,
            value,
            value_chars,
        });
        pos += 4 + value_chars;
    }
    Ok(objects)
}

/// Two ASCII digits as a number; `None` for anything else.
fn two_digits(pair: &[char]) -> Option<u8> {
    match pair {
        [a, b] => {
            let tens = a.to_digit(10)?;
            let ones = b.to_digit(10)?;
            u8::try_from(tens * 10 + ones).ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(_: &[Id]) -> bool {
        false
    }

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let id = Id::new(8).expect("8 is a valid id");
        let object = DataObject::text(id, "Đồng").expect("short value");
        let mut out = String::new();
        object.encode(&mut out);
        assert_eq!(out, "0804Đồng");
        let parsed = parse_objects(&chars(&out), flat).expect("valid");
        assert_eq!(parsed, vec![object]);
    }

    #[test]
    fn template_length_is_computed_from_final_children() {
        let child = DataObject::text(Id(8), "abc").expect("short");
        let template = DataObject::template(Id(62), vec![child]).expect("short");
        let mut out = String::new();
        template.encode(&mut out);
        assert_eq!(out, "62070803abc");
    }

    #[test]
    fn value_over_99_characters_is_refused() {
        let err = DataObject::text(Id(59), "x".repeat(100)).expect_err("too long");
        assert_eq!(err.value_chars, 100);
    }

    #[test]
    fn truncated_value_reports_the_object_and_offset() {
        let whole = parse_objects(&chars("000201010212"), flat).expect("valid");
        assert_eq!(whole.len(), 2);
        let err = parse_objects(&chars("0002010102"), flat).expect_err("cut off");
        assert_eq!(
            err,
            TlvError::TruncatedObject {
                path: "01".into(),
                at: 6,
                needed_chars: 2
            }
        );
    }

    #[test]
    fn non_digit_length_and_zero_length_are_bad_lengths() {
        let err = parse_objects(&chars("00A201"), flat).expect_err("bad length");
        assert!(matches!(err, TlvError::BadLength { at: 2, .. }), "{err:?}");
        let err = parse_objects(&chars("0000"), flat).expect_err("zero length");
        assert!(matches!(err, TlvError::BadLength { .. }), "{err:?}");
    }

    #[test]
    fn non_digit_id_is_reported() {
        let err = parse_objects(&chars("000201X10211"), flat).expect_err("bad id");
        assert_eq!(
            err,
            TlvError::BadId {
                at: 6,
                found: "X1".into()
            }
        );
    }

    #[test]
    fn duplicate_id_is_reported() {
        let err = parse_objects(&chars("000201000201"), flat).expect_err("duplicate");
        assert!(
            matches!(err, TlvError::DuplicateObject { at: 6, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn path_displays_dotted() {
        let path = Path::root().child(Id(38)).child(Id(1)).child(Id(0));
        assert_eq!(path.to_string(), "38.01.00");
    }
}
