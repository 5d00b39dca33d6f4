//! The reports page draws the period's charts inline and offers each table as a CSV file;
//! a province admin sees every commune, a commune officer only her own, in the page and in
//! the files alike.

use crate::common;

use common::*;
use phonghop::store::StaffRole;

const LAO_CHAI: &str = "Ủy ban MTTQ xã Lao Chải";
const BAN_HO: &str = "Ủy ban MTTQ xã Bản Hồ";

async fn get(client: &reqwest::Client, hub: &TestHub, path: &str) -> (u16, String, String) {
    let response = client
        .get(hub.url.join(path).expect("url"))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.text().await.expect("body"))
}

/// The CSV's rows, header first, without the byte-order mark.
fn rows(body: &str) -> Vec<Vec<String>> {
    let body = body
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 byte-order mark");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_page_shows_each_member_only_their_scope() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (_, lao_chai) = enrolled_room(&hub, "lao-chai", dir.path().join("r1")).await;
    let (_, ban_ho) = enrolled_room(&hub, "ban-ho", dir.path().join("r2")).await;
    for _ in 0..3 {
        seed_feedback(&hub, &lao_chai, "Cầu treo ở thôn Sín Chải bị gãy");
    }
    seed_feedback(&hub, &ban_ho, "Nước sinh hoạt ở Bản Hồ bị đục");
    let admin = staff_client(&staff_token(&hub, StaffRole::ProvinceAdmin, None));
    let officer = staff_client(&staff_token(
        &hub,
        StaffRole::CommuneStaff,
        Some("lao-chai"),
    ));

    // The province's page: seven charts drawn inline (categories and channels per week, communes,
    // reply times, ratings, campaigns, meetings), both communes, a CSV link per table.
    let (status, content_type, page) = get(&admin, &hub, "/staff/reports").await;
    assert_eq!(status, 200, "{page}");
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert_eq!(page.matches("<svg").count(), 7, "seven charts inline");
    assert!(page.contains(LAO_CHAI) && page.contains(BAN_HO));
    for table in [
        "categories",
        "channels",
        "communes",
        "reply_times",
        "ratings",
        "campaigns",
        "meetings",
    ] {
        assert!(
            page.contains(&format!("/staff/reports/{table}.csv?from=")),
            "no CSV link for {table}"
        );
    }
    assert!(
        page.contains("reports.css"),
        "the print stylesheet is linked"
    );

    // The officer's page: her commune only.
    let (status, _, page) = get(&officer, &hub, "/staff/reports").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(LAO_CHAI));
    assert!(
        !page.contains(BAN_HO),
        "another commune shows in her report"
    );

    // The same rows in the CSV files, with a header line.
    let (status, content_type, csv) = get(&admin, &hub, "/staff/reports/communes.csv").await;
    assert_eq!(status, 200, "{csv}");
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert_eq!(
        rows(&csv),
        vec![
            vec!["unit", "unit_name", "count"],
            vec!["lao-chai", LAO_CHAI, "3"],
            vec!["ban-ho", BAN_HO, "1"],
        ]
    );
    let (_, _, csv) = get(&officer, &hub, "/staff/reports/communes.csv").await;
    assert_eq!(
        rows(&csv),
        vec![
            vec!["unit", "unit_name", "count"],
            vec!["lao-chai", LAO_CHAI, "3"],
        ]
    );
    let (_, _, csv) = get(&officer, &hub, "/staff/reports/categories.csv").await;
    let categories = rows(&csv);
    assert_eq!(
        categories[0],
        ["week_start", "category", "category_name", "count"]
    );
    let total: u32 = categories[1..]
        .iter()
        .map(|r| r[3].parse::<u32>().expect("a count"))
        .sum();
    assert_eq!(total, 3);

    // Mistakes get a page that says so.
    let (status, _, _) = get(&admin, &hub, "/staff/reports?from=2026-12-01&to=2026-11-01").await;
    assert_eq!(status, 400);
    let (status, _, _) = get(&admin, &hub, "/staff/reports/passwords.csv").await;
    assert_eq!(status, 404);

    hub.stop().await;
}
