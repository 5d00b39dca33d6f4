//! From the dashboard a province admin schedules a meeting in province time, sees it listed
//! with its agenda, reads its attendance report (every invited room, none joined yet) as a
//! page and as CSV, and cancels it; a meeting ending before it starts is refused with a
//! message, and commune staff cannot schedule.

use crate::common::{enrolled_room, start_hub, tempdir};
use crate::staff_common::SignedIn;

use phonghop::store::StaffRole;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_province_admin_schedules_reads_the_report_and_cancels() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (_, lao_chai_id) = enrolled_room(&hub, "lao-chai", dir.path().join("r1")).await;
    let (_, ban_ho_id) = enrolled_room(&hub, "ban-ho", dir.path().join("r2")).await;
    let admin = SignedIn::new(&hub, "tinh", StaffRole::ProvinceAdmin, None).await;
    let officer = SignedIn::new(&hub, "banho", StaffRole::CommuneStaff, Some("ban-ho")).await;
    let plan = |start: &'static str, end: &'static str| {
        vec![
            ("title", "Giao ban tháng 12"),
            ("start", start),
            ("end", end),
            ("host", lao_chai_id.as_str()),
            ("rooms", ban_ho_id.as_str()),
            ("agenda", "Báo cáo quỹ\nÝ kiến cử tri"),
        ]
    };

    let refused = officer
        .post(
            "/staff/meetings/schedule",
            &plan("2099-12-10T08:00", "2099-12-10T09:30"),
        )
        .await;
    assert_eq!(refused.status, 403);

    let backwards = admin
        .post(
            "/staff/meetings/schedule",
            &plan("2099-12-10T09:30", "2099-12-10T08:00"),
        )
        .await;
    assert!(
        (400..500).contains(&backwards.status),
        "an end before the start is refused: {}",
        backwards.status
    );
    let store = phonghop::app::open_store(&hub.config.data_dir).expect("hub store");
    assert!(store.scheduled_meetings(None).expect("list").is_empty());

    let made = admin
        .post(
            "/staff/meetings/schedule",
            &plan("2099-12-10T08:00", "2099-12-10T09:30"),
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let scheduled = store.scheduled_meetings(None).expect("list");
    assert_eq!(scheduled.len(), 1);
    let id = scheduled[0].id.clone();
    assert_eq!(scheduled[0].plan.rooms.len(), 2, "the host is invited too");
    let page = admin
        .get("/staff/meetings?done=flash-meeting-scheduled")
        .await;
    assert!(page.body.contains("Giao ban tháng 12"), "{}", page.body);
    assert!(page.body.contains("2099-12-10 08:00"), "{}", page.body);
    assert!(page.body.contains("Ý kiến cử tri"), "{}", page.body);

    let report = admin.get(&format!("/staff/meetings/{id}/report")).await;
    assert_eq!(report.status, 200);
    assert_eq!(
        report.body.matches("never joined").count(),
        2,
        "{}",
        report.body
    );
    let csv = admin.get(&format!("/staff/meetings/{id}/report.csv")).await;
    assert_eq!(csv.status, 200);
    let header = csv.body.lines().next().expect("a header line");
    assert!(
        header.contains("join") && header.contains("minutes_present"),
        "{header}"
    );
    assert_eq!(
        csv.body.lines().count(),
        3,
        "one line per invited room: {}",
        csv.body
    );

    let cancelled = admin
        .post(&format!("/staff/meetings/{id}/cancel"), &[])
        .await;
    assert_eq!(cancelled.status, 303);
    let after = store.scheduled_meeting(&id).expect("read").expect("kept");
    assert_eq!(after.status.as_str(), "cancelled");
    hub.stop().await;
}
