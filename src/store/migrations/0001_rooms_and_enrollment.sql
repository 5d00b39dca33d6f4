-- Rooms (the box each committee owns), their one-time enrollment codes and device
-- credentials. Only SHA-256 hashes of codes and credentials are stored.
CREATE TABLE rooms (
    id             TEXT PRIMARY KEY,          -- UUIDv7
    unit_id        TEXT NOT NULL,
    name           TEXT NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    revoked_at_ms  INTEGER                    -- set once; a revoked room never comes back
);
CREATE INDEX rooms_unit ON rooms (unit_id);

CREATE TABLE enrollment_codes (
    code_hash      TEXT PRIMARY KEY,
    room_id        TEXT NOT NULL REFERENCES rooms (id),
    expires_at_ms  INTEGER NOT NULL,
    used_at_ms     INTEGER
);

CREATE TABLE room_credentials (
    credential_hash TEXT PRIMARY KEY,
    room_id         TEXT NOT NULL REFERENCES rooms (id),
    issued_at_ms    INTEGER NOT NULL
);
CREATE INDEX room_credentials_room ON room_credentials (room_id);

-- One row per WebSocket session of a room with the hub: the presence log.
CREATE TABLE room_sessions (
    id                 TEXT PRIMARY KEY,      -- UUIDv7
    room_id            TEXT NOT NULL REFERENCES rooms (id),
    connected_at_ms    INTEGER NOT NULL,
    disconnected_at_ms INTEGER
);
CREATE INDEX room_sessions_room ON room_sessions (room_id, connected_at_ms);
