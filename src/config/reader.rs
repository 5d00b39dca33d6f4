//! A TOML reader that collects *every* problem in a file instead of stopping at the first.
//!
//! serde's `deny_unknown_fields` reports one error and gives up; an installer fixing a box
//! over a poor link wants the whole list at once, each naming the key, what was found and
//! what is expected.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use toml::{Table, Value};

/// One thing wrong with a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// `[section]` (or `[[unit]] #2`) the key lives in; empty for file-level problems.
    pub section: String,
    /// The key, empty when the whole section is at fault.
    pub key: String,
    /// What was found and what is expected.
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.section.is_empty(), self.key.is_empty()) {
            (true, _) => write!(f, "{}", self.message),
            (false, true) => write!(f, "{}: {}", self.section, self.message),
            (false, false) => write!(f, "{} {}: {}", self.section, self.key, self.message),
        }
    }
}

/// What is wrong with one value: what was found and what is expected. The reader files it
/// under its section and key as a [`ConfigProblem`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadValue(pub String);

/// Collects problems while the typed configuration is read section by section.
#[derive(Debug, Default)]
pub struct Problems {
    list: RefCell<Vec<ConfigProblem>>,
    /// `(section, key)` pairs whose value came from an environment variable, so the
    /// message can say where a bad value came from.
    from_env: BTreeMap<(String, String), String>,
}

impl Problems {
    pub fn new(from_env: BTreeMap<(String, String), String>) -> Self {
        Self {
            list: RefCell::new(Vec::new()),
            from_env,
        }
    }

    pub fn push(&self, section: &str, key: &str, message: impl Into<String>) {
        let mut message = message.into();
        if let Some(var) = self
            .from_env
            .get(&(section_name(section).to_owned(), key.to_owned()))
        {
            message.push_str(&format!(" (set by environment variable {var})"));
        }
        self.list.borrow_mut().push(ConfigProblem {
            section: section.to_owned(),
            key: key.to_owned(),
            message,
        });
    }

    pub fn into_vec(self) -> Vec<ConfigProblem> {
        self.list.into_inner()
    }

    pub fn is_empty(&self) -> bool {
        self.list.borrow().is_empty()
    }
}

/// `[hub]` → `hub`; `[[unit]] #2` → `unit`.
fn section_name(label: &str) -> &str {
    label
        .trim_start_matches('[')
        .split(']')
        .next()
        .unwrap_or(label)
        .trim_start_matches('[')
}

/// Reads one table; every key read is remembered so the leftovers can be reported as unknown.
#[derive(Debug)]
pub struct Section<'a> {
    label: String,
    table: Option<&'a Table>,
    used: RefCell<BTreeSet<String>>,
    problems: &'a Problems,
}

impl<'a> Section<'a> {
    pub fn new(label: String, table: Option<&'a Table>, problems: &'a Problems) -> Self {
        Self {
            label,
            table,
            used: RefCell::new(BTreeSet::new()),
            problems,
        }
    }

    pub fn problem(&self, key: &str, message: impl Into<String>) {
        self.problems.push(&self.label, key, message);
    }

    fn raw(&self, key: &str) -> Option<&'a Value> {
        self.used.borrow_mut().insert(key.to_owned());
        self.table.and_then(|t| t.get(key))
    }

    /// A key that must be present; `expected` describes a good value for the message.
    pub fn required<T>(
        &self,
        key: &str,
        expected: &str,
        convert: impl Fn(&Value) -> Result<T, BadValue>,
    ) -> Option<T> {
        match self.raw(key) {
            None => {
                self.problem(key, format!("missing; expected {expected}"));
                None
            }
            Some(value) => self.convert(key, value, convert),
        }
    }

    /// A key that may be absent; a present but bad value is still a problem.
    pub fn optional<T>(
        &self,
        key: &str,
        convert: impl Fn(&Value) -> Result<T, BadValue>,
    ) -> Option<T> {
        self.raw(key)
            .and_then(|value| self.convert(key, value, convert))
    }

    fn convert<T>(
        &self,
        key: &str,
        value: &Value,
        convert: impl Fn(&Value) -> Result<T, BadValue>,
    ) -> Option<T> {
        match convert(value) {
            Ok(v) => Some(v),
            Err(BadValue(why)) => {
                self.problem(key, why);
                None
            }
        }
    }

    /// Whether `key` is in the table at all (a bad value of it is reported where it is read).
    pub fn has(&self, key: &str) -> bool {
        self.table.is_some_and(|t| t.contains_key(key))
    }

    /// Reports every key that no reader asked for: a typo must never be silently ignored.
    pub fn finish(self) {
        let Some(table) = self.table else { return };
        let used = self.used.into_inner();
        let known: Vec<&str> = used.iter().map(String::as_str).collect();
        for key in table.keys().filter(|k| !used.contains(*k)) {
            self.problems.push(
                &self.label,
                key,
                format!("unknown key (known keys here: {})", known.join(", ")),
            );
        }
    }
}

/// Describes a TOML value for an error message: `"htp://x"`, `42`, `a table`.
pub fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Table(_) => "a table".to_owned(),
        Value::Array(_) => "an array".to_owned(),
        other => other.to_string(),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number with a fraction",
        Value::Boolean(_) => "true/false",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

/// Converters: each turns a TOML value into a typed one or says, in words an installer can
/// act on, what is wrong.
pub mod to {
    use std::net::SocketAddr;
    use std::path::PathBuf;

    use super::{BadValue, Value, shown, type_name};

    pub fn string(value: &Value) -> Result<String, BadValue> {
        match value {
            Value::String(s) => Ok(s.clone()),
            other => Err(BadValue(format!(
                "{} is {}, expected a quoted string",
                shown(other),
                type_name(other)
            ))),
        }
    }

    pub fn non_empty_string(value: &Value) -> Result<String, BadValue> {
        let s = string(value)?;
        if s.trim().is_empty() {
            return Err(BadValue("is empty, expected some text".to_owned()));
        }
        Ok(s)
    }

    pub fn path(value: &Value) -> Result<PathBuf, BadValue> {
        let s = non_empty_string(value)?;
        let p = PathBuf::from(&s);
        if !p.is_absolute() {
            return Err(BadValue(format!(
                "{s:?} is a relative path, expected an absolute path such as \"/var/lib/phonghop\""
            )));
        }
        Ok(p)
    }

    pub fn socket_addr(value: &Value) -> Result<SocketAddr, BadValue> {
        let s = string(value)?;
        s.parse().map_err(|_| {
            BadValue(format!(
                "{s:?} is not an address with a port, expected e.g. \"0.0.0.0:8443\""
            ))
        })
    }

    pub fn ip_addr(value: &Value) -> Result<std::net::IpAddr, BadValue> {
        let s = string(value)?;
        s.parse().map_err(|_| {
            BadValue(format!(
                "{s:?} is not an IP address, expected e.g. \"0.0.0.0\" or \"10.0.0.5\""
            ))
        })
    }

    /// A list of STUN/TURN URLs such as `["stun:stun.example.vn:3478"]`.
    pub fn ice_urls(value: &Value) -> Result<Vec<String>, BadValue> {
        let Value::Array(items) = value else {
            return Err(BadValue(format!(
                "{} is not a list, expected e.g. [\"stun:stun.example.vn:3478\"]",
                shown(value)
            )));
        };
        items
            .iter()
            .map(|item| {
                let s = string(item)?;
                if ["stun:", "stuns:", "turn:", "turns:"].iter().any(|p| s.starts_with(p)) && s.len() > 6 {
                    Ok(s)
                } else {
                    Err(BadValue(format!("{s:?} is not a STUN/TURN URL; expected \"stun:host:port\" or \"turn:host:port\"")))
                }
            })
            .collect()
    }

    pub fn http_url(value: &Value) -> Result<url::Url, BadValue> {
        let s = string(value)?;
        match url::Url::parse(&s) {
            Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host().is_some() => Ok(u),
            _ => Err(BadValue(format!("{s:?} is not an http(s) URL"))),
        }
    }

    pub fn integer_in(min: i64, max: i64) -> impl Fn(&Value) -> Result<u64, BadValue> {
        move |value| match value {
            Value::Integer(i) if (min..=max).contains(i) => Ok(*i as u64),
            Value::Integer(i) => Err(BadValue(format!(
                "{i} is out of range, expected {min} to {max}"
            ))),
            other => Err(BadValue(format!(
                "{} is {}, expected a whole number from {min} to {max}",
                shown(other),
                type_name(other)
            ))),
        }
    }

    pub fn one_of(choices: &'static [&'static str]) -> impl Fn(&Value) -> Result<String, BadValue> {
        move |value| {
            let s = string(value)?;
            if choices.contains(&s.as_str()) {
                Ok(s)
            } else {
                Err(BadValue(format!(
                    "{s:?} is not one of: {}",
                    choices.join(", ")
                )))
            }
        }
    }

    /// Unit ids appear in URLs, ticket prefixes and file names: keep them plain.
    pub fn identifier(value: &Value) -> Result<String, BadValue> {
        let s = string(value)?;
        let ok = !s.is_empty()
            && s.len() <= 40
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-');
        if ok {
            Ok(s)
        } else {
            Err(BadValue(format!(
                "{s:?} is not a valid id, expected lowercase letters, digits and '-', like \"lao-chai\""
            )))
        }
    }
}
