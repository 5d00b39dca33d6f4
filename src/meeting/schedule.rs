//! Scheduled meetings as staff type them: province-local times, title, host, rooms and
//! agenda, checked before anything is stored (the store checks the rooms exist).
//!
//! Times are stored as UTC milliseconds and shown and parsed as Asia/Ho_Chi_Minh local
//! time. Vietnam has kept UTC+7 without daylight saving since 1975, so a fixed offset is
//! exact for every meeting this appliance will schedule and needs no time-zone database on
//! the box.

use jiff::tz::Offset;

/// The province's offset from UTC: +7 hours, no daylight saving (since 1975).
pub const PROVINCE_UTC_OFFSET_HOURS: i8 = 7;

pub const TITLE_MAX_CHARS: usize = 200;
pub const AGENDA_LINE_MAX_CHARS: usize = 300;
pub const AGENDA_MAX_LINES: usize = 50;
/// A meeting longer than a working day is almost certainly a typing mistake.
pub const MAX_DURATION_MS: i64 = 12 * 3_600_000;

crate::names::text_enum! {
    /// Where a scheduled meeting stands.
    pub enum ScheduleStatus as "meeting status" {
        Scheduled = "scheduled",
        Cancelled = "cancelled",
        Held = "held",
    }
}

/// Why a schedule entry was refused; each message says what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("{given:?} is not a local time like \"2026-12-10 08:00\" (Asia/Ho_Chi_Minh, 24-hour)")]
    BadTime { given: String },
    #[error("give the meeting a title (1 to {TITLE_MAX_CHARS} characters)")]
    BadTitle,
    #[error("the meeting starts at {start} which is in the past (now {now}); choose a later start")]
    InThePast { start: String, now: String },
    #[error(
        "the meeting ends at {end}, not after it starts at {start}; give an end after the start"
    )]
    EndsBeforeStart { start: String, end: String },
    #[error("a meeting lasts at most 12 hours; check the end time")]
    TooLong,
    #[error("the host {host:?} must be one of the rooms invited (--rooms)")]
    HostNotInvited { host: String },
    #[error("invite at least one room besides the host")]
    NoRooms,
    #[error("agenda line {line} is empty or longer than {AGENDA_LINE_MAX_CHARS} characters")]
    BadAgendaLine { line: usize },
    #[error("at most {AGENDA_MAX_LINES} agenda lines")]
    TooManyAgendaLines,
    #[error("meeting {id} is {status}; only a scheduled meeting can be changed or cancelled")]
    NotScheduled { id: String, status: ScheduleStatus },
}

fn province() -> Offset {
    Offset::constant(PROVINCE_UTC_OFFSET_HOURS)
}

/// `2026-12-10 08:00` (or with `T`, or with seconds) in province time → UTC milliseconds.
pub fn parse_local(text: &str) -> Result<i64, ScheduleError> {
    let trimmed = text.trim().replace('T', " ");
    let bad = || ScheduleError::BadTime {
        given: text.to_owned(),
    };
    let civil = ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|f| jiff::civil::DateTime::strptime(f, &trimmed).ok())
        .ok_or_else(bad)?;
    let instant = province().to_timestamp(civil).map_err(|_| bad())?;
    Ok(instant.as_millisecond())
}

/// UTC milliseconds → `2026-12-10 08:00` in province time.
pub fn format_local(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => province()
            .to_datetime(t)
            .strftime("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => format!("{ms} ms"),
    }
}

/// A meeting to schedule (or the whole of a changed one), checked by [`MeetingPlan::check`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MeetingPlan {
    pub title: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub host: String,
    /// Room ids invited, the host included (added first if not named).
    pub rooms: Vec<String>,
    pub agenda: Vec<String>,
}

impl MeetingPlan {
    /// Tidies (NFC, trimmed, host first, no duplicate room) and checks everything that needs
    /// no database: the title, the times against `now_ms`, the host among the rooms, the
    /// agenda. `host_must_be_named` refuses a host left out of `rooms`, as the CLI asks.
    pub fn check(mut self, now_ms: i64, host_must_be_named: bool) -> Result<Self, ScheduleError> {
        self.title = crate::text::nfc(self.title.trim());
        let n = self.title.chars().count();
        if n == 0 || n > TITLE_MAX_CHARS || self.title.chars().any(char::is_control) {
            return Err(ScheduleError::BadTitle);
        }
        if self.start_ms <= now_ms {
            return Err(ScheduleError::InThePast {
                start: format_local(self.start_ms),
                now: format_local(now_ms),
            });
        }
        if self.end_ms <= self.start_ms {
            return Err(ScheduleError::EndsBeforeStart {
                start: format_local(self.start_ms),
                end: format_local(self.end_ms),
            });
        }
        if self.end_ms - self.start_ms > MAX_DURATION_MS {
            return Err(ScheduleError::TooLong);
        }
        self.host = self.host.trim().to_owned();
        let named: Vec<String> = self
            .rooms
            .iter()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect();
        if host_must_be_named && !named.contains(&self.host) {
            return Err(ScheduleError::HostNotInvited {
                host: self.host.clone(),
            });
        }
        let mut rooms = vec![self.host.clone()];
        for r in named {
            if !rooms.contains(&r) {
                rooms.push(r);
            }
        }
        if rooms.len() < 2 {
            return Err(ScheduleError::NoRooms);
        }
        self.rooms = rooms;
        if self.agenda.len() > AGENDA_MAX_LINES {
            return Err(ScheduleError::TooManyAgendaLines);
        }
        let mut agenda = Vec::new();
        for (i, line) in self.agenda.iter().enumerate() {
            let line = crate::text::nfc(line.trim());
            let n = line.chars().count();
            if n == 0 || n > AGENDA_LINE_MAX_CHARS || line.chars().any(char::is_control) {
                return Err(ScheduleError::BadAgendaLine { line: i + 1 });
            }
            agenda.push(line);
        }
        self.agenda = agenda;
        Ok(self)
    }
}

/// A scheduled meeting as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScheduledMeeting {
    pub id: String,
    #[serde(flatten)]
    pub plan: MeetingPlan,
    pub status: ScheduleStatus,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl ScheduledMeeting {
    /// The next meeting `room` is invited to that has not ended by `now_ms`.
    pub fn next_for<'a>(
        meetings: &'a [ScheduledMeeting],
        room: &str,
        now_ms: i64,
    ) -> Option<&'a ScheduledMeeting> {
        meetings
            .iter()
            .filter(|m| {
                m.status == ScheduleStatus::Scheduled
                    && m.plan.end_ms > now_ms
                    && m.plan.rooms.iter().any(|r| r == room)
            })
            .min_by_key(|m| (m.plan.start_ms, m.id.clone()))
    }
}

/// How long after its scheduled end a meeting the host has not ended is ended by the hub:
/// committees often run a little over, and cutting them off mid-sentence would be worse.
pub const END_GRACE_MS: i64 = 10 * 60_000;

/// What the hub must do now about the schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// Start this scheduled meeting: its rooms are invited and join by themselves.
    Start(String),
    /// End this meeting started from the schedule: its end and the grace have passed.
    End(String),
}

/// Which scheduled meetings start or end at `now_ms`, given the ids of the meetings running.
/// A meeting starts once (it is then `held`), and only inside its window: a hub that was
/// down through a whole meeting does not start it afterwards.
pub fn due(
    schedule: &[ScheduledMeeting],
    running: &[String],
    now_ms: i64,
    end_grace_ms: i64,
) -> Vec<Due> {
    let mut out = Vec::new();
    for m in schedule {
        let is_running = running.contains(&m.id);
        match m.status {
            ScheduleStatus::Scheduled
                if !is_running && m.plan.start_ms <= now_ms && now_ms < m.plan.end_ms =>
            {
                out.push(Due::Start(m.id.clone()));
            }
            ScheduleStatus::Held if is_running && now_ms >= m.plan.end_ms + end_grace_ms => {
                out.push(Due::End(m.id.clone()));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_000_000_000; // 2026-11-30

    fn plan(start: &str, end: &str) -> MeetingPlan {
        MeetingPlan {
            title: " Giao ban tháng 12 ".into(),
            start_ms: parse_local(start).expect("start"),
            end_ms: parse_local(end).expect("end"),
            host: "p".into(),
            rooms: vec!["p".into(), "a".into(), "b".into(), "a".into()],
            agenda: vec!["Báo cáo".into()],
        }
    }

    #[test]
    fn local_times_are_utc_plus_seven_all_year() {
        let winter = parse_local("2026-12-10 08:00").expect("parse");
        assert_eq!(
            jiff::Timestamp::from_millisecond(winter)
                .expect("ts")
                .to_string(),
            "2026-12-10T01:00:00Z"
        );
        let summer = parse_local("2027-07-01T08:00:30").expect("parse");
        assert_eq!(
            jiff::Timestamp::from_millisecond(summer)
                .expect("ts")
                .to_string(),
            "2027-07-01T01:00:30Z"
        );
        assert_eq!(format_local(winter), "2026-12-10 08:00");
        for bad in [
            "10/12/2026 08:00",
            "2026-12-10",
            "2026-13-01 08:00",
            "2026-12-10 25:00",
            "",
        ] {
            assert!(
                matches!(parse_local(bad), Err(ScheduleError::BadTime { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_good_plan_is_tidied() {
        let p = plan("2026-12-10 08:00", "2026-12-10 10:00")
            .check(NOW, true)
            .expect("valid");
        assert_eq!(p.title, "Giao ban tháng 12");
        assert_eq!(p.rooms, vec!["p", "a", "b"]);
    }

    #[test]
    fn past_backwards_long_and_hostless_meetings_are_refused_clearly() {
        let err = plan("2026-01-10 08:00", "2026-01-10 10:00")
            .check(NOW, true)
            .expect_err("past");
        assert!(
            err.to_string()
                .contains("2026-01-10 08:00 which is in the past"),
            "{err}"
        );
        let err = plan("2026-12-10 10:00", "2026-12-10 08:00")
            .check(NOW, true)
            .expect_err("backwards");
        assert!(
            matches!(err, ScheduleError::EndsBeforeStart { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("give an end after the start"));
        let err = plan("2026-12-10 08:00", "2026-12-11 08:00")
            .check(NOW, true)
            .expect_err("long");
        assert_eq!(err, ScheduleError::TooLong);
        let mut p = plan("2026-12-10 08:00", "2026-12-10 10:00");
        p.host = "q".into();
        assert_eq!(
            p.clone().check(NOW, true),
            Err(ScheduleError::HostNotInvited { host: "q".into() })
        );
        assert!(
            p.check(NOW, false).is_ok(),
            "the API may add the host itself"
        );
        let mut p = plan("2026-12-10 08:00", "2026-12-10 10:00");
        p.agenda.push("  ".into());
        assert_eq!(
            p.check(NOW, true),
            Err(ScheduleError::BadAgendaLine { line: 2 })
        );
        let mut p = plan("2026-12-10 08:00", "2026-12-10 10:00");
        p.title = "\n".into();
        assert_eq!(p.check(NOW, true), Err(ScheduleError::BadTitle));
    }

    #[test]
    fn the_next_meeting_is_the_earliest_not_ended_and_not_cancelled() {
        let make = |id: &str, start: &str, status| ScheduledMeeting {
            id: id.into(),
            plan: MeetingPlan {
                start_ms: parse_local(start).expect("t"),
                end_ms: parse_local(start).expect("t") + 3_600_000,
                ..plan("2026-12-10 08:00", "2026-12-10 10:00")
            },
            status,
            created_at_ms: 0,
            updated_at_ms: 0,
        };
        let list = vec![
            make("late", "2026-12-12 08:00", ScheduleStatus::Scheduled),
            make("cancelled", "2026-12-09 08:00", ScheduleStatus::Cancelled),
            make("soon", "2026-12-11 08:00", ScheduleStatus::Scheduled),
        ];
        assert_eq!(
            ScheduledMeeting::next_for(&list, "a", NOW).map(|m| m.id.as_str()),
            Some("soon")
        );
        assert_eq!(ScheduledMeeting::next_for(&list, "z", NOW), None);
    }

    #[test]
    fn a_meeting_starts_once_inside_its_window_and_ends_after_the_grace() {
        let start = parse_local("2026-12-10 08:00").expect("t");
        let mut m = ScheduledMeeting {
            id: "hop-1".into(),
            plan: MeetingPlan {
                start_ms: start,
                end_ms: start + 3_600_000,
                ..plan("2026-12-10 08:00", "2026-12-10 09:00")
            },
            status: ScheduleStatus::Scheduled,
            created_at_ms: 0,
            updated_at_ms: 0,
        };
        let none: Vec<String> = Vec::new();
        let running = vec!["hop-1".to_owned()];
        assert!(due(std::slice::from_ref(&m), &none, start - 1, END_GRACE_MS).is_empty());
        assert_eq!(
            due(std::slice::from_ref(&m), &none, start, END_GRACE_MS),
            vec![Due::Start("hop-1".into())]
        );
        assert!(
            due(
                std::slice::from_ref(&m),
                &none,
                start + 3_600_000,
                END_GRACE_MS
            )
            .is_empty(),
            "a hub down through the whole meeting does not start it late"
        );
        m.status = ScheduleStatus::Held;
        assert!(
            due(
                std::slice::from_ref(&m),
                &none,
                start + 60_000,
                END_GRACE_MS
            )
            .is_empty(),
            "never twice"
        );
        assert!(
            due(
                std::slice::from_ref(&m),
                &running,
                start + 3_600_000,
                END_GRACE_MS
            )
            .is_empty()
        );
        assert_eq!(
            due(
                std::slice::from_ref(&m),
                &running,
                start + 3_600_000 + END_GRACE_MS,
                END_GRACE_MS
            ),
            vec![Due::End("hop-1".into())]
        );
        m.status = ScheduleStatus::Cancelled;
        assert!(due(std::slice::from_ref(&m), &none, start, END_GRACE_MS).is_empty());
    }
}
