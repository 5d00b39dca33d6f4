//! A ticket code typed by a resident or requested at `/t/<code>`: tidying it never panics,
//! a tidied code tidies to itself, and looking it up reads the store without error.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use phonghop::store::Store;

fn store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| Store::open_in_memory().expect("an in-memory store"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(typed) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(code) = phonghop::feedback::ticket::normalize(typed) {
        assert_eq!(
            phonghop::feedback::ticket::normalize(&code).as_deref(),
            Some(code.as_str())
        );
        store().feedback_by_ticket(&code).expect("a lookup");
        store().room_ticket(&code).expect("a lookup");
    }
    store().feedback_by_ticket(typed).expect("a raw lookup");
});
