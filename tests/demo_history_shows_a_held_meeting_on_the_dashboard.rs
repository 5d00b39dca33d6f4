//! The demo's sample history holds a meeting of last week: the dashboard's Meetings page
//! lists it under the meetings held, and its attendance page and CSV give each invited
//! room's minutes, the commune's dropped link as one gap, its raised hand and its floor.

use crate::common::{enrolled_room, start_hub, tempdir};
use crate::staff_common::SignedIn;

use phonghop::store::StaffRole;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_meeting_of_last_week_is_listed_with_its_attendance() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (_, province) = enrolled_room(&hub, "lao-cai", dir.path().join("r1")).await;
    let (_, commune) = enrolled_room(&hub, "lao-chai", dir.path().join("r2")).await;
    let store = phonghop::app::open_store(&hub.config.data_dir).expect("hub store");
    let now = phonghop::clock::now_ms();
    phonghop::demo::seed_sample_history(&store, &[province.clone(), commune.clone()], now)
        .expect("sample history");
    let [meeting] = store
        .scheduled_meetings(None)
        .expect("schedule")
        .try_into()
        .expect("one sample meeting");

    let admin = SignedIn::new(&hub, "tinh", StaffRole::ProvinceAdmin, None).await;
    let page = admin.get("/staff/meetings").await;
    assert_eq!(page.status, 200);
    let held_at = page
        .body
        .find("Held in the last 31 days")
        .expect("a section of meetings held");
    let listed = page.body[held_at..]
        .find(phonghop::demo::SAMPLE_MEETING_TITLE)
        .expect("the sample meeting is listed as held");
    assert!(
        page.body[held_at + listed..].contains(&format!("/staff/meetings/{}/report", meeting.id)),
        "with a link to its attendance report"
    );

    let report = admin
        .get(&format!("/staff/meetings/{}/report", meeting.id))
        .await;
    assert_eq!(report.status, 200);
    assert!(report.body.contains("Room of lao-chai"), "{}", report.body);
    let csv = admin
        .get(&format!("/staff/meetings/{}/report.csv", meeting.id))
        .await;
    assert_eq!(csv.status, 200);
    let at = |minutes: i64| {
        phonghop::meeting::schedule::format_local(meeting.plan.start_ms + minutes * 60_000)
    };
    let expected = format!(
        "{}\n\
         {province},Room of lao-cai,{},{},75,0,0,0,joined\n\
         {commune},Room of lao-chai,{},{},71,1,1,1,joined\n",
        phonghop::meeting::attendance::CSV_HEADER,
        at(0),
        at(75),
        at(2),
        at(75),
    );
    assert_eq!(csv.body, expected);
    hub.stop().await;
}
