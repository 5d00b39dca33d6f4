-- Cashless contributions at a room: its copy of the campaigns (with totals, as of the last
-- sync), the pledges made at its kiosk, and which of them the bank confirmed. The kiosk
-- reads only these, so the campaign list and the pledge screen work with the link down.

CREATE TABLE room_campaigns (
    id             TEXT PRIMARY KEY,
    slug           TEXT NOT NULL,
    title          TEXT NOT NULL,
    story          TEXT NOT NULL,
    bank_bin       TEXT NOT NULL,
    account        TEXT NOT NULL,
    account_name   TEXT NOT NULL,
    goal_vnd       INTEGER NOT NULL,
    raised_vnd     INTEGER NOT NULL,
    gifts          INTEGER NOT NULL,
    last_update_ms INTEGER,
    status         TEXT NOT NULL,
    synced_at_ms   INTEGER NOT NULL
);

-- Written with its outbox item in one transaction (Store::submit).
CREATE TABLE room_pledges (
    reference_code TEXT PRIMARY KEY,           -- made offline here, e.g. UH7K3P9
    pledge_id      TEXT NOT NULL UNIQUE,       -- the outbox item's UUIDv7
    campaign_id    TEXT NOT NULL,
    amount_vnd     INTEGER NOT NULL CHECK (amount_vnd > 0),
    donor_name     TEXT,                       -- personal data: only with the donor's consent
    created_at_ms  INTEGER NOT NULL
);

-- What the hub said the bank confirmed (by reference code), kept even for a pledge this
-- box no longer knows (a restored backup).
CREATE TABLE room_pledge_confirmations (
    reference_code  TEXT PRIMARY KEY,
    amount_vnd      INTEGER NOT NULL,
    confirmed_at_ms INTEGER NOT NULL,
    received_at_ms  INTEGER NOT NULL
);
CREATE INDEX room_pledge_confirmations_time ON room_pledge_confirmations (confirmed_at_ms);
