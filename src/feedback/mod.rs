//! The people's voice: ticket codes, statuses, categories. Plain logic, no I/O.

pub mod ticket;

use serde::{Deserialize, Serialize};

crate::names::text_enum! {
    /// Where a resident's feedback is in its handling. The order of the values is the order
    /// of handling ([`Status::can_become`]).
    #[derive(PartialOrd, Ord)]
    pub enum Status as "feedback status" {
        New = "new",
        Acknowledged = "acknowledged",
        InProgress = "in_progress",
        Resolved = "resolved",
        Rejected = "rejected",
        Duplicate = "duplicate",
        Closed = "closed",
    }
}

impl Status {
    /// Open311 GeoReport v2 knows only open and closed.
    pub fn open311(self) -> &'static str {
        match self {
            Status::New | Status::Acknowledged | Status::InProgress => "open",
            _ => "closed",
        }
    }

    /// new → acknowledged → in progress → resolved | rejected | duplicate → closed; a step
    /// may be skipped forward (a duplicate is spotted at once), never taken back, except
    /// that a resolved, rejected or duplicate item may be reopened to in progress.
    pub fn can_become(self, next: Status) -> bool {
        use Status::*;
        match (self, next) {
            (a, b) if a == b => false,
            (Closed, _) => false,
            (Resolved | Rejected | Duplicate, InProgress | Closed) => true,
            (Resolved | Rejected | Duplicate, _) => false,
            (a, b) => b > a,
        }
    }
}

crate::names::text_enum! {
    /// The way an item reached the committee; a reply goes back the same way (kiosk: synced
    /// to the room's box; phone: the public ticket page; Zalo: a message through the OA).
    pub enum Channel as "feedback channel" {
        Kiosk = "kiosk",
        Phone = "phone",
        Zalo = "zalo",
    }
}

impl Channel {
    /// Whether items of this channel come from an enrolled room (and sync back to it);
    /// the others name the unit they came to instead.
    pub fn from_room(self) -> bool {
        self == Channel::Kiosk
    }
}

/// A feedback category as the kiosk shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: String,
    pub icon: String,
    /// Names by language code (`vi`, `en`, `hmn`); `vi` is always present.
    pub names: std::collections::BTreeMap<String, String>,
}

/// A room's own copy of one of its tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoomTicket {
    pub ticket_code: String,
    pub category: String,
    pub submitted_at_ms: i64,
    pub status: Status,
    pub reply: Option<String>,
    pub updated_at_ms: Option<i64>,
    /// When the hub last confirmed or updated it; `None`: not yet at the hub.
    pub synced_at_ms: Option<i64>,
}

/// Feedback as staff see it at the hub (personal data included: staff only): the record
/// the room sent, as it sent it, and what the hub keeps about it. Its JSON is flat, and the
/// record's fields read through it (`row.text`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedbackRow {
    pub id: String,
    /// The room it came from; `None` for a channel without a room (phone, Zalo).
    pub room_id: Option<String>,
    pub unit_id: String,
    /// The room's submission order; 0 without a room.
    pub room_seq: i64,
    pub channel: Channel,
    #[serde(flatten)]
    pub record: crate::wire::FeedbackRecord,
    pub received_at_ms: i64,
    pub status: Status,
    pub reply: Option<String>,
    pub replied_at_ms: Option<i64>,
    pub updated_at_ms: i64,
    pub hidden: bool,
    /// A phone item's photo (re-encoded at the hub, no location data).
    pub photo_sha256: Option<String>,
}

impl std::ops::Deref for FeedbackRow {
    type Target = crate::wire::FeedbackRecord;

    fn deref(&self) -> &Self::Target {
        &self.record
    }
}

/// Which feedback to list.
#[derive(Debug, Clone, Default)]
pub struct FeedbackFilter {
    pub status: Option<Status>,
    pub channel: Option<Channel>,
    pub unit_id: Option<String>,
    pub since_ms: Option<i64>,
    pub include_hidden: bool,
}

/// Why a status change or reply was refused; said to staff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusRefusal {
    #[error("no feedback with ticket code {0}")]
    UnknownTicket(String),
    #[error(
        "a {from} item cannot become {to}; the order is new → acknowledged → in_progress → resolved | rejected | duplicate → closed"
    )]
    NotAllowed { from: Status, to: Status },
    #[error("a reply cannot be empty")]
    EmptyReply,
}

/// The categories a box offers until the hub sends its own list.
pub fn default_categories() -> Vec<Category> {
    let make = |id: &str, icon: &str, vi: &str, en: &str| Category {
        id: id.to_owned(),
        icon: icon.to_owned(),
        names: [
            ("vi".to_owned(), vi.to_owned()),
            ("en".to_owned(), en.to_owned()),
        ]
        .into(),
    };
    vec![
        make(
            "roads",
            "🛣",
            "Đường sá, hạ tầng",
            "Roads and infrastructure",
        ),
        make("welfare", "♥", "An sinh xã hội", "Social welfare"),
        make("environment", "☘", "Môi trường", "Environment"),
        make("services", "🏛", "Dịch vụ công", "Public services"),
        make("security", "🛡", "An ninh, trật tự", "Security and order"),
        make("land", "🗺", "Đất đai", "Land"),
        make("other", "✎", "Khác", "Other"),
    ]
}

/// The rating question until the hub sends its own.
pub fn default_rating_question() -> String {
    "Bạn có hài lòng với dịch vụ hôm nay không?".to_owned()
}

/// Whether a resident's contact number is plausible: 6 to 15 digits (E.164's limit), an
/// optional leading `+`, spaces, dots or dashes between; anything else is refused at the hub
/// with a message, whichever way the item came.
pub fn is_phone_number(phone: &str) -> bool {
    let digits = phone.bytes().filter(u8::is_ascii_digit).count();
    let rest = phone.strip_prefix('+').unwrap_or(phone);
    (6..=15).contains(&digits)
        && rest
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'.' | b'-'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn phone_numbers_are_digits_with_separators() {
        assert!(super::is_phone_number("0912 345 678"));
        assert!(super::is_phone_number("+84-912-345-678"));
        assert!(!super::is_phone_number("call me"));
        assert!(!super::is_phone_number("12"));
    }

    use super::*;

    #[test]
    fn statuses_move_forward_and_closed_is_final() {
        assert!(Status::New.can_become(Status::Acknowledged));
        assert!(Status::New.can_become(Status::Duplicate));
        assert!(Status::Acknowledged.can_become(Status::InProgress));
        assert!(!Status::InProgress.can_become(Status::New));
        assert!(Status::Resolved.can_become(Status::Closed));
        assert!(Status::Resolved.can_become(Status::InProgress), "reopen");
        assert!(!Status::Resolved.can_become(Status::Rejected));
        assert!(!Status::Closed.can_become(Status::InProgress));
        assert!(!Status::New.can_become(Status::New));
    }

    #[test]
    fn every_channel_round_trips_and_only_the_kiosk_comes_from_a_room() {
        for &c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
            assert_eq!(c.from_room(), c == Channel::Kiosk);
        }
        let refused = "sms".parse::<Channel>().expect_err("not a channel");
        assert_eq!(
            refused.to_string(),
            "feedback channel \"sms\" is not one of: kiosk, phone, zalo"
        );
    }

    #[test]
    fn every_status_round_trips_and_maps_to_open311() {
        for &s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert!(["open", "closed"].contains(&s.open311()));
        }
    }
}
