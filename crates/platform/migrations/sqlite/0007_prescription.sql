-- Organisations and campaigns: organisations' settings, invitations, learner lists, target profiles
-- (capped tubes, stages, badges), campaigns and participations; campaign assessments.

ALTER TABLE organizations ADD COLUMN external_id TEXT;
ALTER TABLE organizations ADD COLUMN dpo_email TEXT;
-- Features (PRODUCT §1.6): several sendings of an assessment campaign, learner lists imported in a
-- format (SCO, SUP or GENERIC; NULL: no import, learners are created when they join), skills columns
-- in exports, exam campaigns (which neither read nor change the learner's profile).
ALTER TABLE organizations ADD COLUMN multiple_sending INTEGER NOT NULL DEFAULT 1 CHECK (multiple_sending IN (0, 1));
ALTER TABLE organizations ADD COLUMN learner_import TEXT CHECK (learner_import IN ('SCO', 'SUP', 'GENERIC'));
ALTER TABLE organizations ADD COLUMN show_skills INTEGER NOT NULL DEFAULT 0 CHECK (show_skills IN (0, 1));
ALTER TABLE organizations ADD COLUMN exam_campaigns INTEGER NOT NULL DEFAULT 0 CHECK (exam_campaigns IN (0, 1));
-- The free columns of the latest generic learner list (JSON list of headers), shown in exports.
ALTER TABLE organizations ADD COLUMN extra_columns TEXT NOT NULL DEFAULT '[]';
ALTER TABLE organizations ADD COLUMN archived_at INTEGER;

-- Invitations to join an organisation: single-use token (hash only), 7-day expiry.
CREATE TABLE organization_invitations (
    id BLOB PRIMARY KEY NOT NULL,
    organization_id BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('MEMBER', 'ADMIN')),
    token_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'cancelled')),
    invited_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX organization_invitations_org ON organization_invitations (organization_id, status);

-- The people of an organisation (imported lists, or created when they join a campaign).
CREATE TABLE organization_learners (
    id BLOB PRIMARY KEY NOT NULL,
    organization_id BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    birth_date TEXT,
    national_id TEXT,
    student_number TEXT,
    division TEXT,
    group_name TEXT,
    extra TEXT NOT NULL DEFAULT '{}',
    imported INTEGER NOT NULL CHECK (imported IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
CREATE INDEX organization_learners_org ON organization_learners (organization_id, last_name, first_name);
CREATE INDEX organization_learners_user ON organization_learners (user_id);

CREATE TABLE target_profiles (
    id BLOB PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    resettable INTEGER NOT NULL CHECK (resettable IN (0, 1)),
    outdated INTEGER NOT NULL CHECK (outdated IN (0, 1)),
    created_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- Tubes of a target profile, each capped at a level: the campaign skills are the active skills of
-- the tube up to that level.
CREATE TABLE target_profile_tubes (
    target_profile_id BLOB NOT NULL REFERENCES target_profiles (id) ON DELETE CASCADE,
    tube TEXT NOT NULL,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 8),
    PRIMARY KEY (target_profile_id, tube)
) STRICT;

CREATE TABLE target_profile_organizations (
    target_profile_id BLOB NOT NULL REFERENCES target_profiles (id) ON DELETE CASCADE,
    organization_id BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (target_profile_id, organization_id)
) STRICT;

-- Stages: a threshold (% of mastery) or a level (converted to a threshold); threshold 0 is the
-- protected stage 0, always reached.
CREATE TABLE stages (
    id BLOB PRIMARY KEY NOT NULL,
    target_profile_id BLOB NOT NULL REFERENCES target_profiles (id) ON DELETE CASCADE,
    threshold INTEGER CHECK (threshold BETWEEN 0 AND 100),
    level INTEGER CHECK (level BETWEEN 0 AND 8),
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    CHECK ((threshold IS NULL) <> (level IS NULL))
) STRICT;

CREATE TABLE badges (
    id BLOB PRIMARY KEY NOT NULL,
    target_profile_id BLOB NOT NULL REFERENCES target_profiles (id) ON DELETE CASCADE,
    key TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    image TEXT NOT NULL,
    alt_text TEXT NOT NULL,
    position INTEGER NOT NULL
) STRICT;

-- A badge's criteria: a threshold on the mastery of every campaign skill, or of the skills of some
-- tubes up to given levels (`tubes`: JSON list of [tube, level]).
CREATE TABLE badge_criteria (
    id BLOB PRIMARY KEY NOT NULL,
    badge_id BLOB NOT NULL REFERENCES badges (id) ON DELETE CASCADE,
    scope TEXT NOT NULL CHECK (scope IN ('participation', 'tubes')),
    threshold INTEGER NOT NULL CHECK (threshold BETWEEN 1 AND 100),
    tubes TEXT NOT NULL DEFAULT '[]'
) STRICT;

CREATE TABLE campaigns (
    id BLOB PRIMARY KEY NOT NULL,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('ASSESSMENT', 'PROFILES_COLLECTION', 'EXAM')),
    target_profile_id BLOB REFERENCES target_profiles (id),
    -- The campaign skills, fixed at creation (JSON list of skill names, in a stable order).
    skills TEXT NOT NULL DEFAULT '[]',
    creator_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    owner_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    external_id_label TEXT,
    external_id_type TEXT CHECK (external_id_type IN ('STRING', 'EMAIL')),
    landing_text TEXT NOT NULL DEFAULT '',
    end_text TEXT NOT NULL DEFAULT '',
    end_button_text TEXT NOT NULL DEFAULT '',
    end_button_url TEXT NOT NULL DEFAULT '',
    multiple_sendings INTEGER NOT NULL CHECK (multiple_sendings IN (0, 1)),
    created_at INTEGER NOT NULL,
    archived_at INTEGER,
    deleted_at INTEGER
) STRICT;
CREATE INDEX campaigns_org ON campaigns (organization_id, created_at);

CREATE TABLE campaign_participations (
    id BLOB PRIMARY KEY NOT NULL,
    campaign_id BLOB NOT NULL REFERENCES campaigns (id),
    user_id BLOB NOT NULL REFERENCES users (id),
    organization_learner_id BLOB NOT NULL REFERENCES organization_learners (id),
    external_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('STARTED', 'TO_SHARE', 'SHARED')),
    created_at INTEGER NOT NULL,
    shared_at INTEGER,
    is_improved INTEGER NOT NULL CHECK (is_improved IN (0, 1)),
    -- Figures fixed when the results are shared.
    validated_skills INTEGER,
    mastery_rate REAL,
    pix_score INTEGER,
    -- The knowledge (or, for a profile, the scores) shared, as JSON.
    snapshot TEXT,
    deleted_at INTEGER,
    deleted_by BLOB REFERENCES users (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX campaign_participations_campaign ON campaign_participations (campaign_id, status, created_at);
CREATE INDEX campaign_participations_user ON campaign_participations (user_id, created_at);

-- Assessments of campaigns: no competence, a participation; knowledge gained in an exam stays in it.
ALTER TABLE assessments ADD COLUMN participation_id BLOB REFERENCES campaign_participations (id);
ALTER TABLE knowledge_elements ADD COLUMN exam INTEGER NOT NULL DEFAULT 0 CHECK (exam IN (0, 1));
CREATE INDEX assessments_participation ON assessments (participation_id);
