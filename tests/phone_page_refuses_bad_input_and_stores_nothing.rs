//! What the phone page refuses, each with a clear message in Vietnamese and nothing
//! stored: an unknown unit (a 404 page), an oversize photo, a file that is not a picture,
//! a voice over the 3-minute cap, a voice damaged on the way, a name without consent, a
//! form posted from another site. A good form with a photo is stored, and the photo kept
//! has lost its GPS position; the unit's staff see it on the item's page, another unit's
//! staff do not.

use crate::common::*;
use crate::phone_common::*;
use crate::staff_common::SignedIn;
use phonghop::store::StaffRole;

/// A WebM of `seconds` of 20 ms CELT packets, laid out as Chromium writes it.
fn long_webm(seconds: u32) -> Vec<u8> {
    // Three bytes a packet: a silent CELT frame, small enough that 4 minutes stay under the
    // byte cap, so the length itself must be what refuses it.
    chromium_webm((0..seconds * 50).map(|_| [31 << 3, 0xFF, 0xFE]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_a_clear_message_and_nothing_is_stored() {
    let dir = tempdir();
    let mut config = hub_config(dir.path());
    // Enough for every case below from one address.
    config.phone.per_address = 100;
    let hub = start_configured_hub(config).await;
    let client = http();

    // An unknown unit: a page that says so, in Vietnamese, for the form and the page.
    let page = client
        .get(hub.url.join("g/khong-co").expect("url"))
        .send()
        .await
        .expect("answered");
    assert_eq!(page.status().as_u16(), 404);
    assert!(
        page.text()
            .await
            .expect("text")
            .contains("Không có đơn vị “khong-co”")
    );
    let (status, answer) = post_form(
        &client,
        &hub,
        "khong-co",
        &[Part::Text("category", "roads"), Part::Text("text", "x")],
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (404, Some("unknown_unit")),
        "{answer}"
    );

    let good_text = [
        Part::Text("category", "roads"),
        Part::Text("text", "Đèn đường hỏng"),
    ];
    let oversize = vec![0xFFu8; 10 * 1024 * 1024 + 1];
    let long = long_webm(240);
    let long_sha = sha256_hex(&long);
    let cases: Vec<(&str, Vec<Part<'_>>, u16, &str)> = vec![
        (
            "an oversize photo",
            vec![
                good_text[0],
                good_text[1],
                Part::File("photo", "big.jpg", "image/jpeg", &oversize),
            ],
            413,
            "Ảnh quá lớn",
        ),
        (
            "a file that is not a picture",
            vec![
                good_text[0],
                good_text[1],
                Part::File("photo", "notes.pdf", "image/jpeg", b"%PDF-1.7 not a photo"),
            ],
            415,
            "không phải ảnh JPEG hoặc PNG",
        ),
        (
            "a voice over the cap",
            vec![
                good_text[0],
                Part::File("voice", "voice.webm", "audio/webm", &long),
                Part::Text("voice_sha256", &long_sha),
            ],
            413,
            "dài quá 3 phút",
        ),
        (
            "a voice damaged on the way",
            vec![
                good_text[0],
                Part::File("voice", "voice.webm", "audio/webm", CHROMIUM_WEBM),
                Part::Text("voice_sha256", &long_sha),
            ],
            400,
            "bị hỏng",
        ),
        (
            "a name without consent",
            vec![
                good_text[0],
                good_text[1],
                Part::Text("name", "Giàng A Páo"),
            ],
            400,
            "đánh dấu ô đồng ý",
        ),
        (
            "no text and no voice",
            vec![good_text[0], Part::Text("text", "   ")],
            400,
            "Hãy viết nội dung hoặc ghi âm",
        ),
        (
            "a category not offered",
            vec![Part::Text("category", "lottery"), good_text[1]],
            400,
            "chọn một lĩnh vực",
        ),
    ];
    let store = store(&hub);
    for (what, parts, status, words) in &cases {
        let (got, answer) = post_form(&client, &hub, "lao-chai", parts).await;
        assert_eq!(got, *status, "{what}: {answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{what}: {message}");
    }
    assert!(phone_items(&store).is_empty(), "nothing stored");
    let voice_dir = phonghop::datadir::DataDir::new(&hub.config.data_dir).voice_path("x");
    let voice_files = std::fs::read_dir(voice_dir.parent().expect("dir"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(voice_files, 0, "no voice file written");

    // Another site's page posting the form in a resident's name.
    let (content_type, body) = multipart(&good_text);
    let foreign = client
        .post(hub.url.join("g/lao-chai").expect("url"))
        .header("Content-Type", content_type)
        .header("Origin", "https://evil.example")
        .body(body)
        .send()
        .await
        .expect("answered");
    assert_eq!(foreign.status().as_u16(), 403);
    assert!(
        foreign
            .text()
            .await
            .expect("text")
            .contains("trang góp ý của Ủy ban")
    );
    assert!(phone_items(&store).is_empty(), "nothing stored");

    // A good form, with the hub's own origin, a photo and consented contact details.
    let photo = jpeg_with_gps(800, 600);
    let origin = hub.url.as_str().trim_end_matches('/').to_owned();
    let (content_type, body) = multipart(&[
        Part::Text("category", "roads"),
        Part::Text("text", "Đèn đường hỏng"),
        Part::Text("consent", "yes"),
        Part::Text("name", "Giàng A Páo"),
        Part::Text("phone", "0912 345 678"),
        Part::File("photo", "p.jpg", "image/jpeg", &photo),
    ]);
    let sent = client
        .post(hub.url.join("g/lao-chai").expect("url"))
        .header("Content-Type", content_type)
        .header("Origin", origin)
        .body(body)
        .send()
        .await
        .expect("answered");
    assert_eq!(sent.status().as_u16(), 201);
    let page = sent.text().await.expect("text");
    let items = phone_items(&store);
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert!(
        page.contains(&item.ticket_code),
        "the answer shows the code"
    );
    assert!(page.contains(&format!("/t/{}", item.ticket_code)));
    assert_eq!(item.name.as_deref(), Some("Giàng A Páo"));
    let stored = store
        .feedback_photo(item.photo_sha256.as_deref().expect("photo"))
        .expect("read")
        .expect("stored");
    assert!(!has_gps(&stored.bytes) && exif_of(&stored.bytes).is_none());
    assert_eq!(
        (stored.width, stored.height),
        (800, 600),
        "small photos keep their size"
    );

    // Lao Chải's staff see the item, its photo among it; Bản Hồ's do not.
    let officer = SignedIn::new(&hub, "xa", StaffRole::CommuneStaff, Some("lao-chai")).await;
    let page = officer
        .get(&format!("/staff/feedback/{}", item.ticket_code))
        .await;
    assert_eq!(page.status, 200);
    let photo_path = format!("/staff/feedback/{}/photo", item.ticket_code);
    assert!(
        page.body.contains(&photo_path),
        "the item page shows the photo"
    );
    assert_eq!(officer.get(&photo_path).await.status, 200);
    let other = SignedIn::new(&hub, "banho", StaffRole::CommuneStaff, Some("ban-ho")).await;
    assert_eq!(other.get(&photo_path).await.status, 403);
    hub.stop().await;
}
