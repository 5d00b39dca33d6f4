-- The people's voice: feedback, ratings and voice recordings, at the hub and at rooms.

-- Ticket codes are <province>-<room code><random>, e.g. LC-7K3P9: the hub gives each room a
-- code unique in the province at enrollment, so rooms make tickets offline without clashes.
ALTER TABLE rooms ADD COLUMN ticket_prefix TEXT;
CREATE UNIQUE INDEX rooms_ticket_prefix ON rooms (ticket_prefix);

-- Hub: feedback as received from rooms (id = the room's UUIDv7: a retried upload is applied once).
CREATE TABLE feedback (
    id              TEXT PRIMARY KEY,
    room_id         TEXT NOT NULL REFERENCES rooms (id),
    room_seq        INTEGER NOT NULL,          -- the room's submission order
    ticket_code     TEXT NOT NULL UNIQUE,
    category        TEXT NOT NULL,
    text            TEXT NOT NULL,
    voice_sha256    TEXT,
    name            TEXT,                      -- personal data: only with consent, staff only
    phone           TEXT,
    village         TEXT,
    language        TEXT NOT NULL,
    submitted_at_ms INTEGER NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'new',
    reply           TEXT,
    replied_at_ms   INTEGER,
    updated_at_ms   INTEGER NOT NULL,
    version         INTEGER NOT NULL,          -- change counter, drives downstream sync
    hidden          INTEGER NOT NULL DEFAULT 0 -- abusive: kept, excluded from public and exports
);
CREATE INDEX feedback_room_version ON feedback (room_id, version);
CREATE INDEX feedback_status ON feedback (status, submitted_at_ms);

-- Every status change and reply, append-only: who did what, when.
CREATE TABLE feedback_history (
    id          INTEGER PRIMARY KEY,
    feedback_id TEXT NOT NULL REFERENCES feedback (id),
    status      TEXT NOT NULL,
    reply       TEXT,
    by_staff    TEXT NOT NULL,
    at_ms       INTEGER NOT NULL
);

CREATE TABLE ratings (
    id              TEXT PRIMARY KEY,
    room_id         TEXT NOT NULL REFERENCES rooms (id),
    room_seq        INTEGER NOT NULL,
    question        TEXT NOT NULL,
    score           INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    filtered        INTEGER NOT NULL DEFAULT 0, -- a repeated tap within seconds: counted, not scored
    submitted_at_ms INTEGER NOT NULL,
    received_at_ms  INTEGER NOT NULL
);

-- Voice files live in <data_dir>/voice/<sha256>.ogg; this row says the file is complete.
CREATE TABLE voice_blobs (
    sha256         TEXT PRIMARY KEY,
    bytes          INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL
);

CREATE TABLE sync_counter (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO sync_counter (id, value) VALUES (1, 0);

-- Room: its copy of its own tickets, so "Check my ticket" works with the link down.
CREATE TABLE room_tickets (
    ticket_code     TEXT PRIMARY KEY,
    feedback_id     TEXT NOT NULL UNIQUE,
    category        TEXT NOT NULL,
    submitted_at_ms INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'new',
    reply           TEXT,
    updated_at_ms   INTEGER,
    synced_at_ms    INTEGER                    -- last time the hub confirmed or updated it
);

-- Small key/value state: downstream cursor, last sync time, categories, rating question.
CREATE TABLE kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
