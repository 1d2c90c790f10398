-- Combined courses (PRODUCT-NEXT §2.3): blueprints the back office writes, the courses deployed from
-- them in organisations (campaigns and modules in order), and learners' participations. Codes that
-- learners type are one namespace for campaigns and courses: `access_codes` holds every one.
CREATE TABLE access_codes (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('campaign', 'combined-course')),
    created_at BIGINT NOT NULL
);
INSERT INTO access_codes (code, kind, created_at) SELECT code, 'campaign', created_at FROM campaigns;

CREATE TABLE course_blueprints (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    attestation_key TEXT REFERENCES attestations (key),
    -- JSON list of items: {"type": "campaign", "targetProfileId"} or {"type": "module", "moduleId"}.
    items TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE combined_courses (
    id UUID PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    organization_id UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    blueprint_id UUID REFERENCES course_blueprints (id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    attestation_key TEXT REFERENCES attestations (key),
    -- JSON list of items: {"type": "campaign", "campaignId", "targetProfileId"} or {"type": "module", "moduleId"}.
    items TEXT NOT NULL,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX combined_courses_by_organization ON combined_courses (organization_id);

CREATE TABLE combined_course_participations (
    id UUID PRIMARY KEY,
    combined_course_id UUID NOT NULL REFERENCES combined_courses (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('STARTED', 'COMPLETED')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (combined_course_id, user_id)
);
CREATE INDEX combined_course_participations_by_user ON combined_course_participations (user_id);

-- The organisation's "Attestations" tab is a feature the back office enables (the reference's
-- ATTESTATIONS_MANAGEMENT).
ALTER TABLE organizations ADD COLUMN attestations_enabled BOOLEAN NOT NULL DEFAULT FALSE;
