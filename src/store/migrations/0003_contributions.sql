-- Cashless contributions at the hub: campaigns, pledges made at kiosks, bank transfers as
-- the bank reported them, and the append-only ledger that credits transfers to campaigns.
-- Totals (raised, number of gifts, last update) are never stored: they are sums over the
-- ledger, so a correction is a new row and the history stays readable.

CREATE TABLE campaigns (
    id              TEXT PRIMARY KEY,          -- UUIDv7
    slug            TEXT NOT NULL UNIQUE,      -- public URL: /c/<slug>
    poster_code     TEXT NOT NULL UNIQUE,      -- static reference code on the poster QR (6 chars)
    title           TEXT NOT NULL,
    story           TEXT NOT NULL,
    bank_bin        TEXT NOT NULL,             -- beneficiary bank, 6 digits
    account         TEXT NOT NULL,             -- beneficiary account number
    account_name    TEXT NOT NULL,
    goal_vnd        INTEGER NOT NULL CHECK (goal_vnd > 0),
    starts_on       TEXT NOT NULL,             -- YYYY-MM-DD, Vietnam time
    ends_on         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_at_ms   INTEGER NOT NULL,
    closed_at_ms    INTEGER
);

-- A pledge is made at a kiosk (room_id set) or at the hub; its id is a UUIDv7 made where it
-- was made, so a room can upload it again after a lost answer without creating a second one.
CREATE TABLE pledges (
    id              TEXT PRIMARY KEY,          -- UUIDv7
    room_id         TEXT REFERENCES rooms (id),
    campaign_id     TEXT NOT NULL REFERENCES campaigns (id),
    reference       TEXT NOT NULL UNIQUE,      -- 7 chars, e.g. UH7K3P9, in the QR purpose
    amount_vnd      INTEGER NOT NULL CHECK (amount_vnd > 0),
    donor_name      TEXT,                      -- NULL: anonymous; set only with the donor's consent
    status          TEXT NOT NULL CHECK (status IN ('pending', 'confirmed')),
    created_at_ms   INTEGER NOT NULL
);
CREATE INDEX pledges_campaign ON pledges (campaign_id);

-- Every incoming transfer as a provider (webhook or statement) reported it, once.
CREATE TABLE transfers (
    id               TEXT PRIMARY KEY,         -- UUIDv7
    provider         TEXT NOT NULL,            -- sepay, casso, generic, statement:<account>
    provider_txn_id  TEXT NOT NULL,
    bank_reference   TEXT,
    amount_vnd       INTEGER NOT NULL CHECK (amount_vnd > 0),
    transfer_text    TEXT NOT NULL,            -- the memo as the bank wrote it (staff only)
    sender_name      TEXT,                     -- when the provider names the sender (staff only)
    account          TEXT NOT NULL,            -- the beneficiary account it arrived on
    occurred_at_ms   INTEGER NOT NULL,
    received_at_ms   INTEGER NOT NULL,
    raw_json         TEXT NOT NULL,            -- what the provider sent, kept for audits
    unmatched_reason TEXT,                     -- why matching made no ledger entry
    UNIQUE (provider, provider_txn_id)         -- the idempotency key of deliveries
);
CREATE INDEX transfers_bank_reference ON transfers (account, bank_reference);

-- Append-only: rows are never updated or deleted (the triggers below refuse it).
--   gift        a transfer matched automatically (pledge code or poster code)
--   allocation  a transfer staff assigned from the unallocated queue
--   correction  a signed adjustment of a campaign's total by staff
--   refund      money returned: negative; campaign_id NULL for an unallocated transfer
CREATE TABLE ledger_entries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT, -- order; rooms sync "since seq"
    id              TEXT NOT NULL UNIQUE,      -- UUIDv7
    campaign_id     TEXT REFERENCES campaigns (id),
    kind            TEXT NOT NULL CHECK (kind IN ('gift', 'correction', 'refund', 'allocation')),
    amount_vnd      INTEGER NOT NULL CHECK (amount_vnd <> 0),
    transfer_id     TEXT REFERENCES transfers (id),
    pledge_id       TEXT REFERENCES pledges (id),
    reason          TEXT NOT NULL,
    staff_member    TEXT,                      -- NULL only for automatic gifts
    created_at_ms   INTEGER NOT NULL,
    CHECK (campaign_id IS NOT NULL OR kind = 'refund'),
    CHECK (kind NOT IN ('gift', 'allocation') OR (transfer_id IS NOT NULL AND amount_vnd > 0)),
    CHECK (kind = 'gift' OR staff_member IS NOT NULL)
);
CREATE INDEX ledger_campaign ON ledger_entries (campaign_id, seq);
CREATE INDEX ledger_transfer ON ledger_entries (transfer_id);
-- A transfer is credited at most once, whatever races between deliveries and staff.
CREATE UNIQUE INDEX ledger_one_credit_per_transfer ON ledger_entries (transfer_id)
    WHERE kind IN ('gift', 'allocation');
CREATE UNIQUE INDEX ledger_one_refund_per_transfer ON ledger_entries (transfer_id)
    WHERE kind = 'refund' AND transfer_id IS NOT NULL;
-- A pledge is confirmed by one transfer only.
CREATE UNIQUE INDEX ledger_one_credit_per_pledge ON ledger_entries (pledge_id)
    WHERE pledge_id IS NOT NULL AND kind IN ('gift', 'allocation');

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are append-only; add a correction entry instead');
END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are append-only; add a correction entry instead');
END;
