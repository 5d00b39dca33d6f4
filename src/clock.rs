//! Wall-clock time at the edges. Core logic takes the time as an argument instead of
//! calling this, so tests can run an hour of meeting in milliseconds.

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// `2026-11-23T10:15:00Z` for messages and JSON.
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| format!("{ms} ms"))
}
