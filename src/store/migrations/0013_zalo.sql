-- The Zalo Official Account channel (src/store/zalo.rs). A resident's conversation with an
-- OA is one feedback item (channel 'zalo'); every message applied is remembered by Zalo's
-- own message id, so a delivery Zalo repeats is applied once.

-- Which resident (personal data: the Zalo user id, read only to send them messages; never
-- shown, exported or logged) talks to which OA about which item.
CREATE TABLE zalo_conversations (
    feedback_id        TEXT PRIMARY KEY REFERENCES feedback (id),
    oa_id              TEXT NOT NULL,
    user_id            TEXT NOT NULL,
    opened_at_ms       INTEGER NOT NULL,
    last_message_at_ms INTEGER NOT NULL
);
CREATE INDEX zalo_conversations_user ON zalo_conversations (oa_id, user_id, last_message_at_ms);

-- Every message applied to an item, by Zalo's message id.
CREATE TABLE zalo_messages (
    oa_id          TEXT NOT NULL,
    msg_id         TEXT NOT NULL,
    feedback_id    TEXT NOT NULL REFERENCES feedback (id),
    kind           TEXT NOT NULL,   -- zalo::MessageKind: text, image, audio, ...
    media_url      TEXT,            -- a link to Zalo's copy of a picture or voice message
    received_at_ms INTEGER NOT NULL,
    PRIMARY KEY (oa_id, msg_id)
);

-- Messages to residents: the ticket code when an item opens, then each staff reply (one row
-- per reply, keyed by the reply's time, so a reply is queued once however often it is seen).
-- A row is 'sending' while its one request is out; one found 'sending' after a restart is
-- 'unconfirmed' and is not sent again, so no resident gets a message twice.
CREATE TABLE zalo_outbox (
    id                 INTEGER PRIMARY KEY,
    feedback_id        TEXT NOT NULL REFERENCES feedback (id),
    purpose            TEXT NOT NULL,          -- 'ticket' | 'reply'
    source_at_ms       INTEGER NOT NULL,       -- the reply's replied_at_ms; the item's opening
    text               TEXT NOT NULL,          -- what staff wrote (a reply) or the ticket code
    state              TEXT NOT NULL DEFAULT 'pending', -- pending|sending|sent|failed|unconfirmed
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    last_error         TEXT,
    zalo_message_id    TEXT,
    created_at_ms      INTEGER NOT NULL,
    done_at_ms         INTEGER,
    UNIQUE (feedback_id, purpose, source_at_ms)
);
CREATE INDEX zalo_outbox_due ON zalo_outbox (state, next_attempt_at_ms);

-- Each OA's tokens, sealed (ChaCha20-Poly1305, key in a file of its own: zalo::sealed).
CREATE TABLE zalo_tokens (
    oa_id                TEXT PRIMARY KEY,
    sealed_access        BLOB NOT NULL,
    sealed_refresh       BLOB NOT NULL,
    access_expires_at_ms INTEGER NOT NULL,  -- 0: no access token yet (refresh at once)
    refreshed_at_ms      INTEGER NOT NULL,  -- when the refresh token was issued (it lasts ~3 months)
    last_error           TEXT,
    updated_at_ms        INTEGER NOT NULL
);
