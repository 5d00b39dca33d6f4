//! Open311 GeoReport v2 shows residents' feedback to anyone as service requests: the
//! category, the status as open or closed, the committee's reply, the dates and the commune,
//! and nothing a resident gave about themselves or wrote.

use crate::common;

use std::time::Duration;

use common::*;
use phonghop::feedback::Status;
use serde_json::Value;

/// Every field a GeoReport v2 service request may carry (the spec's GET requests answer).
const SPEC_REQUEST_FIELDS: &[&str] = &[
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
];

/// And of a service (the spec's GET services answer).
const SPEC_SERVICE_FIELDS: &[&str] = &[
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
];

const NAME: &str = "Sùng Thị Dung";
const PHONE: &str = "0977123456";
const VILLAGE: &str = "Thôn Hang Đá";
const TEXT: &str = "Cầu treo Bản Hồ bị gãy tay vịn, nhà bà Dung ở ngay đầu cầu";
const REPLY: &str = "Đã báo Ban quản lý dự án sửa trong tuần này.";

async fn get(hub: &TestHub, path: &str) -> (u16, Value) {
    let response = http()
        .get(hub.url.join(path).expect("url"))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let body = response.text().await.expect("body");
    let json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
    (status, json)
}

fn assert_spec_fields(what: &str, item: &Value, allowed: &[&str]) {
    let object = item.as_object().unwrap_or_else(|| panic!("{what}: {item}"));
    for key in object.keys() {
        assert!(
            allowed.contains(&key.as_str()),
            "{what} has {key:?}, which GeoReport v2 does not define: {item}"
        );
    }
}

/// ISO 8601 with Vietnam's offset, as the spec asks (an offset or Z must be given).
fn assert_vietnam_time(what: &str, value: &Value) {
    let text = value.as_str().unwrap_or_else(|| panic!("{what}: {value}"));
    assert!(text.ends_with("+07:00"), "{what}: {text}");
    text.parse::<jiff::Timestamp>()
        .unwrap_or_else(|e| panic!("{what}: {text}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open311_lists_requests_without_personal_data() {
    let dir = tempdir();
    let hub_dir = dir.path().join("hub");
    let hub = start_hub(&hub_dir).await;
    let (config, _) = enrolled_room(&hub, "ban-ho", dir.path().join("room")).await;
    let (room, kiosk) = start_room_with_kiosk(config).await;

    // Two residents at the Bản Hồ kiosk, one leaving her name, phone and village.
    let mut draft = typed(TEXT);
    draft.name = Some(NAME.into());
    draft.phone = Some(PHONE.into());
    draft.village = Some(VILLAGE.into());
    let answered = submit_feedback(&kiosk, draft).await.ticket_code;
    let mut other = typed("Đèn đường thôn Ý Linh Hồ không sáng");
    other.category = "services".into();
    let open = submit_feedback(&kiosk, other).await.ticket_code;

    let store = phonghop::store::Store::open(&hub_dir.join("phonghop.db")).expect("hub db");
    for code in [&answered, &open] {
        eventually("the ticket at the hub", Duration::from_secs(15), || {
            let store = store.clone();
            let code = code.clone();
            async move { store.feedback_by_ticket(&code).ok().flatten().is_some() }
        })
        .await;
    }
    store
        .update_feedback(
            &answered,
            Some(Status::Resolved),
            Some(REPLY),
            "Lò Văn Thắng",
            phonghop::clock::now_ms(),
        )
        .expect("store")
        .expect("reply");

    // Services: the kiosk's categories.
    let (status, services) = get(&hub, "/open311/v2/services.json").await;
    assert_eq!(status, 200);
    let services = services.as_array().expect("an array of services");
    assert_eq!(services.len(), hub.config.feedback.categories.len());
    for service in services {
        assert_spec_fields("a service", service, SPEC_SERVICE_FIELDS);
        assert_eq!(service["metadata"], false);
        assert_eq!(service["type"], "realtime");
        for field in SPEC_SERVICE_FIELDS {
            assert!(
                !service[field].is_null(),
                "service lacks {field}: {service}"
            );
        }
    }
    let roads = services
        .iter()
        .find(|s| s["service_code"] == "roads")
        .expect("roads is a service");
    assert_eq!(roads["service_name"], "Đường sá, hạ tầng");

    // Requests: both, newest first, with the spec's fields and none of the resident's data.
    let (status, list) = get(&hub, "/open311/v2/requests.json").await;
    assert_eq!(status, 200, "{list}");
    let body = list.to_string();
    for private in [NAME, PHONE, VILLAGE, TEXT, "Dung", "0977"] {
        assert!(!body.contains(private), "{private:?} is public: {body}");
    }
    let list = list.as_array().expect("an array of requests");
    let ids: Vec<&str> = list
        .iter()
        .map(|r| r["service_request_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, [open.as_str(), answered.as_str()]);
    for request in list {
        assert_spec_fields("a request", request, SPEC_REQUEST_FIELDS);
        for field in [
            "service_request_id",
            "status",
            "service_code",
            "service_name",
            "requested_datetime",
            "updated_datetime",
        ] {
            assert!(
                !request[field].is_null(),
                "request lacks {field}: {request}"
            );
        }
        assert_vietnam_time("requested_datetime", &request["requested_datetime"]);
        assert_vietnam_time("updated_datetime", &request["updated_datetime"]);
        assert_eq!(request["address"], "Ủy ban MTTQ xã Bản Hồ");
        assert!(
            request.get("description").is_none(),
            "the text stays private"
        );
        assert!(request.get("lat").is_none() && request.get("long").is_none());
    }
    let resolved = &list[1];
    assert_eq!(resolved["status"], "closed", "resolved maps to closed");
    assert_eq!(resolved["status_notes"], REPLY);
    assert_eq!(resolved["service_code"], "roads");
    assert_eq!(list[0]["status"], "open", "new maps to open");
    assert_eq!(list[0]["service_name"], "Dịch vụ công");

    // Filters as the spec names them.
    let (_, open_only) = get(&hub, "/open311/v2/requests.json?status=open").await;
    assert_eq!(open_only.as_array().expect("array").len(), 1);
    assert_eq!(open_only[0]["service_request_id"], open.as_str());
    let (_, closed) = get(
        &hub,
        "/open311/v2/requests.json?status=closed&service_code=roads",
    )
    .await;
    assert_eq!(closed.as_array().expect("array").len(), 1);
    let (_, none) = get(&hub, "/open311/v2/requests.json?service_code=land").await;
    assert_eq!(none, serde_json::json!([]));
    let (_, by_id) = get(
        &hub,
        &format!("/open311/v2/requests.json?service_request_id={answered},LC-NOPE1"),
    )
    .await;
    assert_eq!(by_id.as_array().expect("array").len(), 1);

    // One request: an array of one; typed in lower case it is the same ticket.
    let path = format!("/open311/v2/requests/{}.json", answered.to_lowercase());
    let (status, one) = get(&hub, &path).await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one.as_array().expect("array of one").len(), 1);
    assert_eq!(one[0], *resolved);

    // Errors in the spec's shape.
    let (status, missing) = get(&hub, "/open311/v2/requests/LC-ZZZZZ.json").await;
    assert_eq!(status, 404);
    let errors = missing.as_array().expect("an array of errors");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["code"], 404);
    assert!(
        errors[0]["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    let (status, bad) = get(&hub, "/open311/v2/requests.json?status=pending").await;
    assert_eq!(status, 400);
    assert_eq!(bad[0]["code"], 400);
    let (status, xml) = get(&hub, &format!("/open311/v2/requests/{answered}.xml")).await;
    assert_eq!((status, xml[0]["code"].clone()), (404, Value::from(404)));

    room.stop().await;
    hub.stop().await;
}
