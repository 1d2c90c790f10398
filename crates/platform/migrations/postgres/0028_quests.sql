-- Quests and attestations (PRODUCT-NEXT §2.1–2.2): the attestations the back office defines, the
-- quests that reward them, the rewards learners obtained, and the organisations they are shared with.
CREATE TABLE attestations (
    key TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    -- What the document says under its title; `{name}` and `{date}` are filled in.
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE quests (
    id UUID PRIMARY KEY,
    reward_type TEXT NOT NULL CHECK (reward_type IN ('attestations')),
    reward_key TEXT NOT NULL REFERENCES attestations (key),
    -- JSON lists of requirements, in the reference's format.
    eligibility TEXT NOT NULL,
    success TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A reward is obtained once per person (the key makes concurrent evaluations grant one).
CREATE TABLE profile_rewards (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id),
    reward_type TEXT NOT NULL,
    reward_key TEXT NOT NULL,
    quest_id UUID REFERENCES quests (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, reward_type, reward_key)
);

CREATE TABLE shared_profile_rewards (
    reward_id UUID NOT NULL REFERENCES profile_rewards (id) ON DELETE CASCADE,
    organization_id UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    participation_id UUID REFERENCES campaign_participations (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (reward_id, organization_id)
);
CREATE INDEX shared_profile_rewards_by_organization ON shared_profile_rewards (organization_id);
