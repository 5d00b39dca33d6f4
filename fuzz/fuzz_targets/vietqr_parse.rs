//! A scanned VietQR payload is untrusted text: parsing never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = phonghop::vietqr::parse(text);
    }
});
