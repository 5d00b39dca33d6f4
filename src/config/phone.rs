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
