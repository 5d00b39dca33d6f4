//! Every room↔hub and signalling message decoded from untrusted bytes: no panic, and what
//! decodes encodes back to something that decodes to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::{Serialize, de::DeserializeOwned};

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(message) = serde_json::from_slice::<T>(data) {
        let text = serde_json::to_string(&message).expect("a decoded message encodes");
        let again: T = serde_json::from_str(&text).expect("its own encoding decodes");
        assert_eq!(again, message);
    }
}

fuzz_target!(|data: &[u8]| {
    use phonghop::wire::*;
    round_trip::<RoomMessage>(data);
    round_trip::<HubMessage>(data);
    round_trip::<ClientSignal>(data);
    round_trip::<ServerSignal>(data);
    round_trip::<UploadBatch>(data);
    round_trip::<UploadAck>(data);
    round_trip::<DownSync>(data);
    round_trip::<EnrollRequest>(data);
    round_trip::<phonghop::meeting::chair::ChairRequest>(data);
});
