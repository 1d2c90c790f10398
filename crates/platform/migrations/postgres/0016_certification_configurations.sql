-- Versioned certification configuration (PRODUCT §2.4): draft → active → archived, one active.
CREATE TABLE certification_configurations (
    version BIGINT PRIMARY KEY NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'archived')),
    settings TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    activated_at BIGINT,
    archived_at BIGINT
);
CREATE UNIQUE INDEX certification_configurations_one_active ON certification_configurations (status) WHERE status = 'active';

-- The version each certification started with (older ones: version 1, the reference's settings).
ALTER TABLE certification_courses ADD COLUMN configuration_version BIGINT NOT NULL DEFAULT 1;
