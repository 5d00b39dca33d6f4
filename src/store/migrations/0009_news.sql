-- News: announcements staff post at the hub for chosen units, and each room's copy of
-- those meant for it (the kiosk reads only the copy, so the News tile works offline).

-- Hub. A post, an edit, a new picture and a withdrawal each take the next sync_counter
-- value as `version`: rooms download what changed after their cursor, so edits and
-- withdrawals reach them as surely as posts.
CREATE TABLE news_images (
    sha256        TEXT PRIMARY KEY,
    content_type  TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    bytes         BLOB NOT NULL,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE news (
    id              TEXT PRIMARY KEY,          -- UUIDv7
    title           TEXT NOT NULL,             -- NFC, at most 120 characters
    body            TEXT NOT NULL,             -- NFC, at most 4000 characters
    language        TEXT NOT NULL DEFAULT 'vi',-- the voice that reads it aloud
    image_sha256    TEXT REFERENCES news_images (sha256),
    shown_from_ms   INTEGER NOT NULL,
    shown_until_ms  INTEGER,                   -- NULL: until withdrawn
    created_by      TEXT NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    withdrawn_at_ms INTEGER,                   -- set once; a withdrawn item stays withdrawn
    withdrawn_by    TEXT,
    version         INTEGER NOT NULL,
    CHECK (shown_until_ms IS NULL OR shown_until_ms > shown_from_ms)
);
CREATE INDEX news_version ON news (version);

-- Which units an item is for; none at all means every unit.
CREATE TABLE news_units (
    news_id TEXT NOT NULL REFERENCES news (id),
    unit_id TEXT NOT NULL,
    PRIMARY KEY (news_id, unit_id)
);

-- Room: the items meant for it as last synced, and their pictures.
CREATE TABLE room_news (
    id             TEXT PRIMARY KEY,
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    language       TEXT NOT NULL,
    image_sha256   TEXT,                       -- the picture may still be on its way
    shown_from_ms  INTEGER NOT NULL,
    shown_until_ms INTEGER,
    posted_at_ms   INTEGER NOT NULL,
    synced_at_ms   INTEGER NOT NULL
);

CREATE TABLE room_news_images (
    sha256       TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL
);
