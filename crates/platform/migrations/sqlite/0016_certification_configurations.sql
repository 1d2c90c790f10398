-- Versioned certification configuration (PRODUCT §2.4): draft → active → archived, one active.
CREATE TABLE certification_configurations (
    version INTEGER PRIMARY KEY NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'archived')),
    settings TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    activated_at INTEGER,
    archived_at INTEGER
) STRICT;
CREATE UNIQUE INDEX certification_configurations_one_active ON certification_configurations (status) WHERE status = 'active';

-- The version each certification started with (older ones: version 1, the reference's settings).
ALTER TABLE certification_courses ADD COLUMN configuration_version INTEGER NOT NULL DEFAULT 1;
