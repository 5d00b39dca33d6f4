-- Meetings started by staff (until scheduling arrives): a host room and the rooms invited.
CREATE TABLE meetings (
    id            TEXT PRIMARY KEY,
    host_room     TEXT NOT NULL REFERENCES rooms(id),
    -- JSON array of room ids, the host included, in the order staff gave them.
    rooms_json    TEXT NOT NULL,
    started_at_ms INTEGER NOT NULL,
    ended_at_ms   INTEGER
);
CREATE INDEX meetings_active ON meetings(ended_at_ms);

-- Links that let a browser join one meeting (`phonghop hub meeting link`): only the
-- SHA-256 of the token is kept, so the database never holds a usable link.
CREATE TABLE meeting_links (
    token_sha256  TEXT PRIMARY KEY,
    meeting_id    TEXT NOT NULL REFERENCES meetings(id),
    name          TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
);
