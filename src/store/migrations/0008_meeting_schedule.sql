-- Meetings scheduled ahead (`phonghop hub meeting create`, `/api/v1/schedule`). Times are
-- UTC milliseconds, shown and parsed as province time (UTC+7). When a scheduled meeting
-- runs, its row in `meetings` has the same id.
CREATE TABLE meeting_schedule (
    id            TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    start_ms      INTEGER NOT NULL,
    end_ms        INTEGER NOT NULL CHECK (end_ms > start_ms),
    host_room     TEXT NOT NULL REFERENCES rooms(id),
    -- JSON array of room ids, the host first.
    rooms_json    TEXT NOT NULL,
    -- JSON array of agenda lines.
    agenda_json   TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled', 'held')),
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE INDEX meeting_schedule_by_start ON meeting_schedule(status, start_ms);

-- Everything that happened in a meeting (joins, leaves, floor, hands, microphones, chat), as
-- the chair (`meeting::floor`) emitted it: the attendance record. Append-only.
CREATE TABLE meeting_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id TEXT NOT NULL,
    at_ms      INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    room       TEXT,
    event_json TEXT NOT NULL
);
CREATE INDEX meeting_events_by_meeting ON meeting_events(meeting_id, seq);
CREATE TRIGGER meeting_events_never_change BEFORE UPDATE ON meeting_events
BEGIN
    SELECT RAISE(ABORT, 'meeting events are append-only');
END;
CREATE TRIGGER meeting_events_never_go BEFORE DELETE ON meeting_events
BEGIN
    SELECT RAISE(ABORT, 'meeting events are append-only');
END;
