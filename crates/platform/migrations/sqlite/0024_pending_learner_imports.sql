-- A learner list read and checked, waiting for the referent to confirm what it changes (who is
-- added, updated, who leaves): nothing is written to the list before. One per organisation; it
-- expires after an hour.
CREATE TABLE pending_learner_imports (
    id BLOB PRIMARY KEY NOT NULL,
    organization_id BLOB NOT NULL UNIQUE REFERENCES organizations (id) ON DELETE CASCADE,
    actor_id BLOB,
    mode TEXT NOT NULL CHECK (mode IN ('add', 'replace')),
    file BLOB NOT NULL,
    preview TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
