-- Feedback triage at the hub: an item may be assigned to another commune than its room's,
-- hidden when abusive (kept, with who hid it and why), carry internal notes, and every
-- staff change is written to an append-only audit trail.

-- The unit that handles an item; NULL: the unit of the room it came from.
ALTER TABLE feedback ADD COLUMN assigned_unit TEXT;
ALTER TABLE feedback ADD COLUMN hidden_by TEXT;
ALTER TABLE feedback ADD COLUMN hidden_reason TEXT;
ALTER TABLE feedback ADD COLUMN hidden_at_ms INTEGER;
CREATE INDEX feedback_submitted ON feedback (submitted_at_ms);

-- Staff's notes to each other about an item; never shown to the resident.
CREATE TABLE feedback_notes (
    id          INTEGER PRIMARY KEY,
    feedback_id TEXT NOT NULL REFERENCES feedback (id),
    author      TEXT NOT NULL,              -- the staff login
    at_ms       INTEGER NOT NULL,
    text        TEXT NOT NULL CHECK (text <> '')
);
CREATE INDEX feedback_notes_item ON feedback_notes (feedback_id, id);

-- Who changed what, when. Rows are never changed or removed.
CREATE TABLE feedback_audit (
    id          INTEGER PRIMARY KEY,
    feedback_id TEXT NOT NULL REFERENCES feedback (id),
    at_ms       INTEGER NOT NULL,
    actor       TEXT NOT NULL,              -- the staff login (or --by of the CLI)
    action      TEXT NOT NULL CHECK (action IN ('status', 'reply', 'assign', 'note', 'hide', 'unhide')),
    detail      TEXT NOT NULL
);
CREATE INDEX feedback_audit_item ON feedback_audit (feedback_id, id);

CREATE TRIGGER feedback_audit_no_update BEFORE UPDATE ON feedback_audit
BEGIN
    SELECT RAISE(ABORT, 'the feedback audit trail is append-only');
END;
CREATE TRIGGER feedback_audit_no_delete BEFORE DELETE ON feedback_audit
BEGIN
    SELECT RAISE(ABORT, 'the feedback audit trail is append-only');
END;
CREATE TRIGGER feedback_notes_no_update BEFORE UPDATE ON feedback_notes
BEGIN
    SELECT RAISE(ABORT, 'feedback notes are append-only; add another note');
END;
CREATE TRIGGER feedback_notes_no_delete BEFORE DELETE ON feedback_notes
BEGIN
    SELECT RAISE(ABORT, 'feedback notes are append-only; add another note');
END;
