//! The attendance report, computed from a meeting's stored events alone (a pure function,
//! so a scripted meeting's report is checked to the character).
//!
//! A room that loses its link and comes back is one room with a gap, not a new participant:
//! its intervals are summed and the rejoins counted as gaps.

use super::floor::{Event, EventKind};
use super::schedule::format_local;

/// An invited room as the report names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRoom {
    pub id: String,
    pub name: String,
}

/// One invited room's attendance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AttendanceRow {
    pub room_id: String,
    pub room: String,
    pub first_join_ms: Option<i64>,
    /// The last time the room left (the meeting's end closes every interval); `None` for
    /// a room that never joined or is still present when the report is made.
    pub last_leave_ms: Option<i64>,
    pub present_ms: i64,
    /// Rounded to the nearest minute.
    pub minutes_present: i64,
    /// Times the room left and came back.
    pub gaps: u32,
    pub hands_raised: u32,
    pub times_given_floor: u32,
    pub never_joined: bool,
}

/// Each invited room's attendance from `events` (in time order), counting a room still
/// present as present until `until_ms` (the report's time, or the meeting's end).
pub fn attendance(rooms: &[ReportRoom], events: &[Event], until_ms: i64) -> Vec<AttendanceRow> {
    rooms
        .iter()
        .map(|room| {
            let mut row = AttendanceRow {
                room_id: room.id.clone(),
                room: room.name.clone(),
                first_join_ms: None,
                last_leave_ms: None,
                present_ms: 0,
                minutes_present: 0,
                gaps: 0,
                hands_raised: 0,
                times_given_floor: 0,
                never_joined: true,
            };
            let mut since: Option<i64> = None;
            for e in events.iter().filter(|e| e.kind.room() == Some(&room.id)) {
                match &e.kind {
                    EventKind::Joined { .. } if since.is_none() => {
                        if row.first_join_ms.is_none() {
                            row.first_join_ms = Some(e.at_ms);
                        } else {
                            row.gaps += 1;
                        }
                        since = Some(e.at_ms);
                    }
                    EventKind::Left { .. } => {
                        if let Some(start) = since.take() {
                            row.present_ms += (e.at_ms - start).max(0);
                            row.last_leave_ms = Some(e.at_ms);
                        }
                    }
                    EventKind::HandRaised { .. } => row.hands_raised += 1,
                    EventKind::FloorGiven { .. } => row.times_given_floor += 1,
                    _ => {}
                }
            }
            if let Some(start) = since {
                row.present_ms += (until_ms - start).max(0);
                row.last_leave_ms = None;
            }
            row.never_joined = row.first_join_ms.is_none();
            row.minutes_present = (row.present_ms + 30_000) / 60_000;
            row
        })
        .collect()
}

/// The report's CSV header: the columns every consumer (the CLI, the demo, the dashboard's
/// download) agrees on.
pub const CSV_HEADER: &str = "room_id,room,first_join,last_leave,minutes_present,gaps,hands_raised,times_given_floor,attended";

/// The report as CSV, times in province local time; a room that never joined says so.
pub fn to_csv(rows: &[AttendanceRow]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    for r in rows {
        let time = |ms: Option<i64>| ms.map(format_local).unwrap_or_default();
        let attended = if r.never_joined {
            "never joined"
        } else if r.last_leave_ms.is_none() {
            "still present"
        } else {
            "joined"
        };
        let fields = [
            r.room_id.clone(),
            r.room.clone(),
            time(r.first_join_ms),
            time(r.last_leave_ms),
            r.minutes_present.to_string(),
            r.gaps.to_string(),
            r.hands_raised.to_string(),
            r.times_given_floor.to_string(),
            attended.to_owned(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// Quotes a field when it holds a separator, a quote or a line break (RFC 4180), and
/// defuses a leading `=`, `+`, `-` or `@` so a spreadsheet never runs a room name.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meeting::floor::{Actor, Floor, FloorAction};
    use crate::meeting::schedule::parse_local;

    fn at(local: &str) -> i64 {
        parse_local(local).expect("time")
    }

    fn rooms() -> Vec<ReportRoom> {
        [
            ("p", "Tỉnh"),
            ("a", "Xã A"),
            ("b", "Xã B, thôn 2"),
            ("c", "Xã C"),
        ]
        .iter()
        .map(|(id, name)| ReportRoom {
            id: (*id).into(),
            name: (*name).into(),
        })
        .collect()
    }

    /// A scripted hour: p hosts from 08:00; a joins 08:01, loses its link 08:20–08:25,
    /// raises its hand and is given the floor; b joins 08:10; c never comes; the host ends
    /// the meeting at 09:00.
    fn scripted() -> Vec<Event> {
        let mut f = Floor::new("p", &["a".into(), "b".into(), "c".into()]);
        let room = |r: &str| Actor::Room(r.into());
        let script: Vec<(&str, Actor, FloorAction)> = vec![
            ("2026-12-10 08:00", room("p"), FloorAction::Join),
            ("2026-12-10 08:01", room("a"), FloorAction::Join),
            ("2026-12-10 08:10", room("b"), FloorAction::Join),
            ("2026-12-10 08:15", room("b"), FloorAction::RaiseHand),
            ("2026-12-10 08:20", room("a"), FloorAction::Leave),
            ("2026-12-10 08:25", room("a"), FloorAction::Join),
            ("2026-12-10 08:30", room("a"), FloorAction::RaiseHand),
            (
                "2026-12-10 08:31",
                room("p"),
                FloorAction::GiveFloor { room: "a".into() },
            ),
            (
                "2026-12-10 08:40",
                room("p"),
                FloorAction::GiveFloor { room: "b".into() },
            ),
            ("2026-12-10 08:45", room("p"), FloorAction::TakeFloor),
            (
                "2026-12-10 08:46",
                room("b"),
                FloorAction::Chat {
                    text: "Cảm ơn".into(),
                },
            ),
            ("2026-12-10 09:00", room("p"), FloorAction::End),
        ];
        for (time, actor, action) in script {
            f.apply(at(time), &actor, action.clone())
                .unwrap_or_else(|e| panic!("{time} {action:?}: {e}"));
        }
        f.events().to_vec()
    }

    #[test]
    fn a_scripted_meeting_reports_exactly() {
        let rows = attendance(&rooms(), &scripted(), at("2026-12-10 09:00"));
        let expected = "\
room_id,room,first_join,last_leave,minutes_present,gaps,hands_raised,times_given_floor,attended
p,Tỉnh,2026-12-10 08:00,2026-12-10 09:00,60,0,0,0,joined
a,Xã A,2026-12-10 08:01,2026-12-10 09:00,54,1,1,1,joined
b,\"Xã B, thôn 2\",2026-12-10 08:10,2026-12-10 09:00,50,0,1,1,joined
c,Xã C,,,0,0,0,0,never joined
";
        assert_eq!(to_csv(&rows), expected);
    }

    #[test]
    fn a_room_still_present_counts_until_the_report() {
        let events: Vec<Event> = scripted()
            .into_iter()
            .filter(|e| e.at_ms < at("2026-12-10 08:50"))
            .collect();
        let rows = attendance(&rooms(), &events, at("2026-12-10 08:50"));
        assert_eq!(rows[0].minutes_present, 50);
        assert_eq!(rows[0].last_leave_ms, None);
        assert!(to_csv(&rows).contains("p,Tỉnh,2026-12-10 08:00,,50,0,0,0,still present\n"));
    }

    /// An hour of meeting, one action a second, runs in milliseconds (no clock is read: the
    /// time is an input; `cargo test` prints how long it took): the host is present
    /// for exactly 60 minutes, a room that drops every ten minutes for a minute has five
    /// gaps and 55 minutes, and every hand raised is counted.
    #[test]
    fn an_hour_of_meeting_runs_in_milliseconds() {
        let start = at("2026-12-10 08:00");
        let mut f = Floor::new("p", &["a".into(), "b".into(), "c".into()]);
        let room = |r: &str| Actor::Room(r.into());
        f.apply(start, &room("p"), FloorAction::Join).expect("p");
        f.apply(start, &room("a"), FloorAction::Join).expect("a");
        f.apply(start, &room("b"), FloorAction::Join).expect("b");
        let mut hands = 0;
        for second in 1..3600i64 {
            let now = start + second * 1000;
            match second % 600 {
                0 => {
                    f.apply(now, &room("a"), FloorAction::Leave).expect("drop");
                }
                60 if second > 600 => {
                    f.apply(now, &room("a"), FloorAction::Join).expect("back");
                }
                _ => {}
            }
            match second % 7 {
                0 => {
                    if !f
                        .apply(now, &room("b"), FloorAction::RaiseHand)
                        .expect("hand")
                        .is_empty()
                    {
                        hands += 1;
                    }
                }
                3 => {
                    f.apply(now, &room("p"), FloorAction::GiveFloor { room: "b".into() })
                        .expect("floor");
                }
                5 => {
                    f.apply(now, &room("p"), FloorAction::TakeFloor)
                        .expect("take");
                }
                _ => {
                    f.apply(
                        now,
                        &room("b"),
                        FloorAction::Chat {
                            text: format!("{second}"),
                        },
                    )
                    .expect("chat");
                }
            }
        }
        f.apply(start + 3_600_000, &room("p"), FloorAction::End)
            .expect("end");
        let rows = attendance(&rooms(), f.events(), start + 3_600_000);
        assert_eq!(rows[0].minutes_present, 60);
        assert_eq!((rows[1].gaps, rows[1].minutes_present), (5, 55));
        assert_eq!(rows[2].hands_raised, hands);
        assert_eq!(
            rows[2].times_given_floor, hands,
            "each raised hand was given the floor"
        );
        assert!(rows[3].never_joined);
    }

    #[test]
    fn spreadsheet_formulas_in_names_are_defused() {
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
    }
}
