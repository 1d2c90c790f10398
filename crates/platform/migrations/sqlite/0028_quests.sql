-- Quests and attestations (PRODUCT-NEXT §2.1–2.2): the attestations the back office defines, the
-- quests that reward them, the rewards learners obtained, and the organisations they are shared with.
CREATE TABLE attestations (
    key TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    -- What the document says under its title; `{name}` and `{date}` are filled in.
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE quests (
    id BLOB PRIMARY KEY,
    reward_type TEXT NOT NULL CHECK (reward_type IN ('attestations')),
    reward_key TEXT NOT NULL REFERENCES attestations (key),
    -- JSON lists of requirements, in the reference's format.
    eligibility TEXT NOT NULL,
    success TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- A reward is obtained once per person (the key makes concurrent evaluations grant one).
CREATE TABLE profile_rewards (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    reward_type TEXT NOT NULL,
    reward_key TEXT NOT NULL,
    quest_id BLOB REFERENCES quests (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, reward_type, reward_key)
) STRICT;

CREATE TABLE shared_profile_rewards (
    reward_id BLOB NOT NULL REFERENCES profile_rewards (id) ON DELETE CASCADE,
    organization_id BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    participation_id BLOB REFERENCES campaign_participations (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (reward_id, organization_id)
) STRICT;
CREATE INDEX shared_profile_rewards_by_organization ON shared_profile_rewards (organization_id);
