-- Organisations and campaigns: organisations' settings, invitations, learner lists, target profiles
-- (capped tubes, stages, badges), campaigns and participations; campaign assessments.

ALTER TABLE organizations ADD COLUMN external_id TEXT;
ALTER TABLE organizations ADD COLUMN dpo_email TEXT;
-- Features (PRODUCT §1.6): several sendings of an assessment campaign, learner lists imported in a
-- format (SCO, SUP or GENERIC; NULL: no import, learners are created when they join), skills columns
-- in exports, exam campaigns (which neither read nor change the learner's profile).
ALTER TABLE organizations ADD COLUMN multiple_sending BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE organizations ADD COLUMN learner_import TEXT CHECK (learner_import IN ('SCO', 'SUP', 'GENERIC'));
ALTER TABLE organizations ADD COLUMN show_skills BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE organizations ADD COLUMN exam_campaigns BOOLEAN NOT NULL DEFAULT FALSE;
-- The free columns of the latest generic learner list (JSON list of headers), shown in exports.
ALTER TABLE organizations ADD COLUMN extra_columns TEXT NOT NULL DEFAULT '[]';
ALTER TABLE organizations ADD COLUMN archived_at BIGINT;

-- Invitations to join an organisation: single-use token (hash only), 7-day expiry.
CREATE TABLE organization_invitations (
    id UUID PRIMARY KEY NOT NULL,
    organization_id UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('MEMBER', 'ADMIN')),
    token_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'cancelled')),
    invited_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX organization_invitations_org ON organization_invitations (organization_id, status);

-- The people of an organisation (imported lists, or created when they join a campaign).
CREATE TABLE organization_learners (
    id UUID PRIMARY KEY NOT NULL,
    organization_id UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id UUID REFERENCES users (id) ON DELETE SET NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    birth_date TEXT,
    national_id TEXT,
    student_number TEXT,
    division TEXT,
    group_name TEXT,
    extra TEXT NOT NULL DEFAULT '{}',
    imported BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX organization_learners_org ON organization_learners (organization_id, last_name, first_name);
CREATE INDEX organization_learners_user ON organization_learners (user_id);

CREATE TABLE target_profiles (
    id UUID PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    resettable BOOLEAN NOT NULL,
    outdated BOOLEAN NOT NULL,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);

-- Tubes of a target profile, each capped at a level: the campaign skills are the active skills of
-- the tube up to that level.
CREATE TABLE target_profile_tubes (
    target_profile_id UUID NOT NULL REFERENCES target_profiles (id) ON DELETE CASCADE,
    tube TEXT NOT NULL,
    level BIGINT NOT NULL CHECK (level BETWEEN 1 AND 8),
    PRIMARY KEY (target_profile_id, tube)
);

CREATE TABLE target_profile_organizations (
    target_profile_id UUID NOT NULL REFERENCES target_profiles (id) ON DELETE CASCADE,
    organization_id UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (target_profile_id, organization_id)
);

-- Stages: a threshold (% of mastery) or a level (converted to a threshold); threshold 0 is the
-- protected stage 0, always reached.
CREATE TABLE stages (
    id UUID PRIMARY KEY NOT NULL,
    target_profile_id UUID NOT NULL REFERENCES target_profiles (id) ON DELETE CASCADE,
    threshold BIGINT CHECK (threshold BETWEEN 0 AND 100),
    level BIGINT CHECK (level BETWEEN 0 AND 8),
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    CHECK ((threshold IS NULL) <> (level IS NULL))
);

CREATE TABLE badges (
    id UUID PRIMARY KEY NOT NULL,
    target_profile_id UUID NOT NULL REFERENCES target_profiles (id) ON DELETE CASCADE,
    key TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    image TEXT NOT NULL,
    alt_text TEXT NOT NULL,
    position BIGINT NOT NULL
);

-- A badge's criteria: a threshold on the mastery of every campaign skill, or of the skills of some
-- tubes up to given levels (`tubes`: JSON list of [tube, level]).
CREATE TABLE badge_criteria (
    id UUID PRIMARY KEY NOT NULL,
    badge_id UUID NOT NULL REFERENCES badges (id) ON DELETE CASCADE,
    scope TEXT NOT NULL CHECK (scope IN ('participation', 'tubes')),
    threshold BIGINT NOT NULL CHECK (threshold BETWEEN 1 AND 100),
    tubes TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE campaigns (
    id UUID PRIMARY KEY NOT NULL,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('ASSESSMENT', 'PROFILES_COLLECTION', 'EXAM')),
    target_profile_id UUID REFERENCES target_profiles (id),
    -- The campaign skills, fixed at creation (JSON list of skill names, in a stable order).
    skills TEXT NOT NULL DEFAULT '[]',
    creator_id UUID REFERENCES users (id) ON DELETE SET NULL,
    owner_id UUID REFERENCES users (id) ON DELETE SET NULL,
    external_id_label TEXT,
    external_id_type TEXT CHECK (external_id_type IN ('STRING', 'EMAIL')),
    landing_text TEXT NOT NULL DEFAULT '',
    end_text TEXT NOT NULL DEFAULT '',
    end_button_text TEXT NOT NULL DEFAULT '',
    end_button_url TEXT NOT NULL DEFAULT '',
    multiple_sendings BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    archived_at BIGINT,
    deleted_at BIGINT
);
CREATE INDEX campaigns_org ON campaigns (organization_id, created_at);

CREATE TABLE campaign_participations (
    id UUID PRIMARY KEY NOT NULL,
    campaign_id UUID NOT NULL REFERENCES campaigns (id),
    user_id UUID NOT NULL REFERENCES users (id),
    organization_learner_id UUID NOT NULL REFERENCES organization_learners (id),
    external_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('STARTED', 'TO_SHARE', 'SHARED')),
    created_at BIGINT NOT NULL,
    shared_at BIGINT,
    is_improved BOOLEAN NOT NULL,
    -- Figures fixed when the results are shared.
    validated_skills BIGINT,
    mastery_rate DOUBLE PRECISION,
    pix_score BIGINT,
    -- The knowledge (or, for a profile, the scores) shared, as JSON.
    snapshot TEXT,
    deleted_at BIGINT,
    deleted_by UUID REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX campaign_participations_campaign ON campaign_participations (campaign_id, status, created_at);
CREATE INDEX campaign_participations_user ON campaign_participations (user_id, created_at);

-- Assessments of campaigns: no competence, a participation; knowledge gained in an exam stays in it.
ALTER TABLE assessments ADD COLUMN participation_id UUID REFERENCES campaign_participations (id);
ALTER TABLE knowledge_elements ADD COLUMN exam BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX assessments_participation ON assessments (participation_id);
