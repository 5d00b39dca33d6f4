-- One inbox for every way a resident speaks: each feedback item carries the channel it came
-- by (kiosk, phone page, Zalo). Items from a phone or Zalo come from no room: they name the
-- unit they came to instead, so `room_id` becomes optional. SQLite cannot drop a NOT NULL,
-- so the table is rebuilt (SQLite's documented procedure: the migration runs with foreign
-- keys off and `foreign_key_check` must be clean before it commits). Every row that exists
-- today came from a kiosk.
CREATE TABLE feedback_new (
    id              TEXT PRIMARY KEY,
    room_id         TEXT REFERENCES rooms (id),  -- NULL: not from a room (phone, Zalo)
    room_seq        INTEGER NOT NULL,            -- the room's submission order; 0 without a room
    ticket_code     TEXT NOT NULL UNIQUE,
    category        TEXT NOT NULL,
    text            TEXT NOT NULL,
    voice_sha256    TEXT,
    name            TEXT,                        -- personal data: only with consent, staff only
    phone           TEXT,
    village         TEXT,
    language        TEXT NOT NULL,
    submitted_at_ms INTEGER NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'new',
    reply           TEXT,
    replied_at_ms   INTEGER,
    updated_at_ms   INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    hidden          INTEGER NOT NULL DEFAULT 0,
    assigned_unit   TEXT,
    hidden_by       TEXT,
    hidden_reason   TEXT,
    hidden_at_ms    INTEGER,
    channel         TEXT NOT NULL DEFAULT 'kiosk', -- feedback::Channel
    unit_id         TEXT,                          -- the unit a roomless item came to
    photo_sha256    TEXT,                          -- a phone item's photo, location stripped
    CHECK (room_id IS NOT NULL OR unit_id IS NOT NULL)
);
INSERT INTO feedback_new (id, room_id, room_seq, ticket_code, category, text, voice_sha256,
    name, phone, village, language, submitted_at_ms, received_at_ms, status, reply,
    replied_at_ms, updated_at_ms, version, hidden, assigned_unit, hidden_by, hidden_reason,
    hidden_at_ms, channel)
SELECT id, room_id, room_seq, ticket_code, category, text, voice_sha256,
    name, phone, village, language, submitted_at_ms, received_at_ms, status, reply,
    replied_at_ms, updated_at_ms, version, hidden, assigned_unit, hidden_by, hidden_reason,
    hidden_at_ms, 'kiosk'
FROM feedback;
DROP TABLE feedback;
ALTER TABLE feedback_new RENAME TO feedback;
CREATE INDEX feedback_room_version ON feedback (room_id, version);
CREATE INDEX feedback_status ON feedback (status, submitted_at_ms);
CREATE INDEX feedback_submitted ON feedback (submitted_at_ms);
CREATE INDEX feedback_channel ON feedback (channel, submitted_at_ms);
-- The per-unit daily cap of the phone page counts here.
CREATE INDEX feedback_unit_received ON feedback (unit_id, received_at_ms);

-- A phone item's one photo, re-encoded at the hub (so no EXIF, no location), as a blob: it
-- is small (resized) and the per-unit daily cap bounds how many there are.
CREATE TABLE feedback_photos (
    sha256         TEXT PRIMARY KEY,
    mime           TEXT NOT NULL,
    bytes          BLOB NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL
);
