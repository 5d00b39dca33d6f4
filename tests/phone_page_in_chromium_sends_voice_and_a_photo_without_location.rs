//! A resident on a small phone: Debian's headless Chromium (playwright-core) at 360 × 740
//! with a fake microphone opens `/g/lao-chai`, picks a topic, types, records a few seconds
//! of voice (Chromium's `MediaRecorder`: WebM/Opus), attaches a JPEG carrying a GPS position,
//! sends, and opens the ticket page through the link it gets. At the hub the item is in
//! Lao Chải's inbox with the channel `phone`; its voice is an Ogg Opus file whose SHA-256 is
//! its name and which GStreamer decodes to the few seconds recorded; its photo is scaled
//! and carries no EXIF and no position.
//!
//! Needs Node.js, /usr/bin/chromium and playwright-core in `$PHONGHOP_NPM_DIR/node_modules`
//! (`make test` installs them).

use crate::browser_common::{assert_png, run_fixture, screenshot_path};
use crate::common::*;
use crate::phone_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_records_voice_attaches_a_photo_and_reads_its_ticket() {
    crate::browser_common::npm_dir();
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let photo = dir.path().join("photo.jpg");
    std::fs::write(&photo, jpeg_with_gps(2400, 1800)).expect("photo");
    let shot = screenshot_path("phone-page.png", dir.path());

    let url = hub.url.join("g/lao-chai").expect("url");
    let seen = run_fixture(
        "phone-page.mjs",
        [
            url.as_str(),
            photo.to_str().expect("utf-8"),
            shot.to_str().expect("utf-8"),
        ],
    )
    .await;
    assert_png(&shot);

    let page_bytes = seen["pageBytes"].as_u64().expect("bytes");
    eprintln!("the phone page with its CSS and script: {page_bytes} bytes");
    assert!(page_bytes < 100 * 1024, "the page costs {page_bytes} bytes");
    assert!(
        seen["scrollWidth"].as_u64().expect("width") <= 360,
        "nothing sticks out of a 360 px screen: {seen}"
    );
    assert_eq!(seen["recorderMime"], "audio/webm;codecs=opus", "{seen}");
    let code = seen["code"].as_str().expect("code").to_owned();
    assert!(code.starts_with("LCP-"), "{code}");
    assert!(seen["ticketTitle"].as_str().expect("title").contains(&code));
    assert!(
        seen["ticketText"]
            .as_str()
            .expect("text")
            .contains("Mới nhận"),
        "{seen}"
    );

    let store = store(&hub);
    let row = store
        .feedback_by_ticket(&code)
        .expect("read")
        .expect("the item is at the hub");
    assert_eq!(row.channel, phonghop::store::Channel::Phone);
    assert_eq!(row.unit_id, "lao-chai");
    assert_eq!(row.room_id, None);
    assert_eq!(row.category, "roads");
    assert!(row.text.contains("sạt lở"), "{}", row.text);
    assert_eq!((row.name.as_deref(), row.phone.as_deref()), (None, None));

    let sha = row.voice_sha256.clone().expect("the voice came");
    let voice_path = phonghop::datadir::DataDir::new(&hub.config.data_dir).voice_path(&sha);
    let voice = std::fs::read(&voice_path).expect("voice file");
    assert_eq!(sha256_hex(&voice), sha, "the file is what its name says");
    assert!(voice.starts_with(b"OggS"), "kept as Ogg like the kiosk's");
    let decoded_ms = phonghop::media::probe_ogg_opus(&voice_path).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        (1_500..=6_000).contains(&decoded_ms),
        "about the 3 s recorded: {decoded_ms} ms"
    );

    let stored = store
        .feedback_photo(row.photo_sha256.as_deref().expect("the photo came"))
        .expect("read")
        .expect("stored");
    assert_eq!((stored.width, stored.height), (1600, 1200));
    assert_eq!(exif_of(&stored.bytes), None, "no EXIF left");
    assert!(!has_gps(&stored.bytes), "no position left");
    assert_eq!(sha256_hex(&stored.bytes), stored.sha256);
    hub.stop().await;
}
