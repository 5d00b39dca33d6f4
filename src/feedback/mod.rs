//! The people's voice: ticket codes, statuses, categories. Plain logic, no I/O.

pub mod ticket;

use serde::{Deserialize, Serialize};

use crate::wire::Category;

/// Where a resident's feedback is in its handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Acknowledged,
    InProgress,
    Resolved,
    Rejected,
    Duplicate,
    Closed,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::New,
        Status::Acknowledged,
        Status::InProgress,
        Status::Resolved,
        Status::Rejected,
        Status::Duplicate,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Acknowledged => "acknowledged",
            Status::InProgress => "in_progress",
            Status::Resolved => "resolved",
            Status::Rejected => "rejected",
            Status::Duplicate => "duplicate",
            Status::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

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

#[cfg(test)]
mod tests {
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
    fn every_status_round_trips_and_maps_to_open311() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert!(["open", "closed"].contains(&s.open311()));
        }
    }
}
