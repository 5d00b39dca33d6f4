-- Store-and-forward queue at a room: what residents and staff submit is written here
-- first (durable the moment the caller is told "sent"), then delivered to the hub.
CREATE TABLE outbox (
    id               TEXT PRIMARY KEY,        -- UUIDv7: sortable, unique across boxes
    kind             TEXT NOT NULL,
    body             TEXT NOT NULL,           -- JSON
    created_at_ms    INTEGER NOT NULL,
    delivered_at_ms  INTEGER
);
CREATE INDEX outbox_pending ON outbox (delivered_at_ms, id);
