//! A room's upload as the hub receives it: decoding and applying it to a hub's store never
//! panics, and applying the same batch twice stores nothing new.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use phonghop::store::Store;
use phonghop::wire::UploadBatch;

fn store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| Store::open_in_memory().expect("an in-memory store"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(batch) = serde_json::from_slice::<UploadBatch>(data) else {
        return;
    };
    let Ok(first) = store().store_upload("fuzz-room", &batch.items, 1) else {
        return;
    };
    let again = store()
        .store_upload("fuzz-room", &batch.items, 2)
        .expect("a batch stored once applies again");
    assert_eq!(again, first, "the same batch again: the same answer");
});
