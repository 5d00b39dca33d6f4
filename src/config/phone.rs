//! `[phone]`: how much the public phone page `/g/<unit>` accepts, so a flood from one
//! address or at one commune is refused with a clear message and never fills the disk.
//!
//! ```toml
//! [phone]
//! per_address = 5                # submissions one address may send ...
//! per_address_window_secs = 600  # ... in this many seconds
//! per_unit_per_day = 300         # items one unit's page takes in 24 hours
//! mib_per_unit_per_day = 50      # voice and photo bytes one unit's page takes in 24 hours
//! ```

use toml::Table;

use super::reader::{Problems, Section, to};

/// `[phone]` of the hub; every key has a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhoneLimits {
    /// Submissions one client address (an IPv6 client: its /64) may send per window: a
    /// resident sends one or two; a few more leave room for a family sharing a phone.
    pub per_address: u32,
    pub per_address_window_secs: u64,
    /// Items one unit's page stores in 24 hours: far above what a commune receives by
    /// kiosk in a day, far below what fills the inbox with noise.
    pub per_unit_per_day: u64,
    /// Voice and photo bytes one unit's page stores in 24 hours (MiB).
    pub mib_per_unit_per_day: u64,
}

impl Default for PhoneLimits {
    fn default() -> Self {
        Self {
            per_address: 5,
            per_address_window_secs: 600,
            per_unit_per_day: 300,
            mib_per_unit_per_day: 50,
        }
    }
}

impl PhoneLimits {
    pub fn bytes_per_unit_per_day(&self) -> u64 {
        self.mib_per_unit_per_day * 1024 * 1024
    }
}

pub(super) fn parse_phone(table: Option<&Table>, problems: &Problems) -> PhoneLimits {
    let s = Section::new("[phone]".into(), table, problems);
    let d = PhoneLimits::default();
    let limits = PhoneLimits {
        per_address: s
            .optional("per_address", to::integer_in(1, 10_000))
            .map_or(d.per_address, |n| n as u32),
        per_address_window_secs: s
            .optional("per_address_window_secs", to::integer_in(1, 7 * 24 * 3600))
            .unwrap_or(d.per_address_window_secs),
        per_unit_per_day: s
            .optional("per_unit_per_day", to::integer_in(1, 1_000_000))
            .unwrap_or(d.per_unit_per_day),
        mib_per_unit_per_day: s
            .optional("mib_per_unit_per_day", to::integer_in(1, 1_000_000))
            .unwrap_or(d.mib_per_unit_per_day),
    };
    s.finish();
    limits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (PhoneLimits, Vec<String>) {
        let table: Table = text.parse().expect("toml");
        let problems = Problems::default();
        let limits = parse_phone(table.get("phone").and_then(|v| v.as_table()), &problems);
        let list = problems
            .into_vec()
            .iter()
            .map(ToString::to_string)
            .collect();
        (limits, list)
    }

    #[test]
    fn phone_limits_default_and_are_read_and_checked() {
        assert_eq!(parsed(""), (PhoneLimits::default(), vec![]));
        let (limits, problems) = parsed("[phone]\nper_address = 3\nmib_per_unit_per_day = 2\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(limits.per_address, 3);
        assert_eq!(limits.bytes_per_unit_per_day(), 2 * 1024 * 1024);
        assert_eq!(limits.per_unit_per_day, 300);
        let (_, problems) = parsed("[phone]\nper_address = 0\nper_adress = 4\n");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].contains("[phone] per_address: 0 is out of range"),
            "{problems:?}"
        );
        assert!(
            problems[1].contains("per_adress: unknown key"),
            "{problems:?}"
        );
    }
}
