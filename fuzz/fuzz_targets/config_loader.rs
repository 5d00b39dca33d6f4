//! A config file as anyone may write it: reading never panics, and every refusal names at
//! least one problem to fix.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = phonghop::config::parse_hub_str("fuzz-hub.toml", text);
    let _ = phonghop::config::parse_room_str("fuzz-room.toml", text);
});
