//! Each commune's A4 poster (`/staff/units/<unit>/poster.pdf`, linked from the dashboard's
//! home) carries a QR that decodes, rasterised from the PDF itself (`pdftoppm`, rqrr), to
//! the commune's phone page `/g/<unit>`, and its name in Vietnamese text. A province admin
//! prints any unit's; a commune officer sees and prints only her own.

use crate::common::*;
use crate::staff_common::{SignedIn, session_cookie};
use phonghop::store::StaffRole;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poster_qr_opens_the_communes_phone_page_for_its_own_staff_only() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let admin = SignedIn::new(&hub, "tinh", StaffRole::ProvinceAdmin, None).await;
    let home = admin.get("/staff/").await;
    for unit in ["lao-chai", "ban-ho", "sa-pa"] {
        assert!(
            home.body
                .contains(&format!("/staff/units/{unit}/poster.pdf")),
            "the admin's home links {unit}'s poster"
        );
    }
    let officer = SignedIn::new(&hub, "xa", StaffRole::CommuneStaff, Some("lao-chai")).await;
    let home = officer.get("/staff/").await;
    assert!(home.body.contains("/staff/units/lao-chai/poster.pdf"));
    assert!(!home.body.contains("/staff/units/ban-ho/poster.pdf"));
    assert_eq!(
        officer.get("/staff/units/ban-ho/poster.pdf").await.status,
        403
    );
    assert_eq!(
        admin.get("/staff/units/khong-co/poster.pdf").await.status,
        404
    );

    let cookie = session_cookie(
        &hub,
        "xa2",
        "Lò Thị Hoa",
        StaffRole::CommuneStaff,
        Some("lao-chai"),
    )
    .await;
    let response = http()
        .get(
            hub.url
                .join("staff/units/lao-chai/poster.pdf")
                .expect("url"),
        )
        .header("cookie", cookie)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().expect("type"),
        "application/pdf"
    );
    let pdf_bytes = response.bytes().await.expect("pdf");
    assert!(pdf_bytes.starts_with(b"%PDF-"));
    let pdf = dir.path().join("poster.pdf");
    std::fs::write(&pdf, &pdf_bytes).expect("write");

    let text = pdf_text(&pdf);
    assert!(text.contains("Ủy ban MTTQ xã Lao Chải"), "{text}");
    assert!(text.contains("QUÉT MÃ QR"), "{text}");

    let expected = format!("{}g/lao-chai", hub.url);
    assert_eq!(pdf_qr_codes(&pdf), vec![expected.clone()]);
    // And that address is the form.
    let form = http().get(&expected).send().await.expect("page");
    assert_eq!(form.status().as_u16(), 200);
    assert!(form.text().await.expect("html").contains("Lao Chải"));
    hub.stop().await;
}
