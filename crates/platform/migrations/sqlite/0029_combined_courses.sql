-- Combined courses (PRODUCT-NEXT §2.3): blueprints the back office writes, the courses deployed from
-- them in organisations (campaigns and modules in order), and learners' participations. Codes that
-- learners type are one namespace for campaigns and courses: `access_codes` holds every one.
CREATE TABLE access_codes (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('campaign', 'combined-course')),
    created_at INTEGER NOT NULL
) STRICT;
INSERT INTO access_codes (code, kind, created_at) SELECT code, 'campaign', created_at FROM campaigns;

CREATE TABLE course_blueprints (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    attestation_key TEXT REFERENCES attestations (key),
    -- JSON list of items: {"type": "campaign", "targetProfileId"} or {"type": "module", "moduleId"}.
    items TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE combined_courses (
    id BLOB PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    organization_id BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    blueprint_id BLOB REFERENCES course_blueprints (id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    attestation_key TEXT REFERENCES attestations (key),
    -- JSON list of items: {"type": "campaign", "campaignId", "targetProfileId"} or {"type": "module", "moduleId"}.
    items TEXT NOT NULL,
    created_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX combined_courses_by_organization ON combined_courses (organization_id);

CREATE TABLE combined_course_participations (
    id BLOB PRIMARY KEY,
    combined_course_id BLOB NOT NULL REFERENCES combined_courses (id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('STARTED', 'COMPLETED')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (combined_course_id, user_id)
) STRICT;
CREATE INDEX combined_course_participations_by_user ON combined_course_participations (user_id);

-- The organisation's "Attestations" tab is a feature the back office enables (the reference's
-- ATTESTATIONS_MANAGEMENT).
ALTER TABLE organizations ADD COLUMN attestations_enabled INTEGER NOT NULL DEFAULT 0 CHECK (attestations_enabled IN (0, 1));
