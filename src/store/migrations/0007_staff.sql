-- Staff accounts for the hub's dashboard and staff API, their sessions, API tokens and
-- one-time set-password links. Session ids, tokens and links are stored as SHA-256 only.
CREATE TABLE staff_users (
    id               INTEGER PRIMARY KEY,
    login            TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('province-admin', 'commune-staff')),
    unit_id          TEXT,                  -- the commune's unit; NULL for province admins
    password_hash    TEXT,                  -- argon2id; NULL until a set-password link is used
    created_at_ms    INTEGER NOT NULL,
    disabled_at_ms   INTEGER,
    failed_logins    INTEGER NOT NULL DEFAULT 0,  -- wrong passwords in a row
    locked_until_ms  INTEGER,
    CHECK (role = 'province-admin' OR (unit_id IS NOT NULL AND unit_id <> ''))
);

CREATE TABLE staff_sessions (
    id_hash        TEXT PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES staff_users (id),
    csrf           TEXT NOT NULL,            -- sent back in forms; not a credential alone
    created_at_ms  INTEGER NOT NULL,
    last_seen_ms   INTEGER NOT NULL,
    expires_at_ms  INTEGER NOT NULL,         -- the absolute limit
    ended_at_ms    INTEGER
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);

CREATE TABLE staff_tokens (
    id             INTEGER PRIMARY KEY,
    token_hash     TEXT NOT NULL UNIQUE,
    user_id        INTEGER NOT NULL REFERENCES staff_users (id),
    label          TEXT NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    revoked_at_ms  INTEGER
);
CREATE INDEX staff_tokens_user ON staff_tokens (user_id);

CREATE TABLE staff_password_links (
    token_hash     TEXT PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES staff_users (id),
    created_at_ms  INTEGER NOT NULL,
    expires_at_ms  INTEGER NOT NULL,
    used_at_ms     INTEGER
);
