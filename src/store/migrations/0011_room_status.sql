-- The latest health report of each room (`RoomMessage::Status`): what the hub cannot see
-- from its side (software version, outbox backlog, media devices, last meeting's link).
-- One row a room, replaced by each report; the JSON is the wire's `RoomStatusReport`.
CREATE TABLE room_status (
    room_id        TEXT PRIMARY KEY REFERENCES rooms(id),
    report_json    TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL
);
