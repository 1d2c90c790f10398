-- Recommended trainings (PRODUCT-NEXT §1.4): what the back office offers, on which target
-- profiles, with which triggers; and what was recommended to whom after which participation.
CREATE TABLE trainings (
    id UUID PRIMARY KEY,
    title TEXT NOT NULL,
    internal_title TEXT NOT NULL,
    -- An https address, or a module's short id when the type is `modulix`.
    link TEXT NOT NULL,
    type TEXT NOT NULL,
    duration_minutes BIGINT NOT NULL,
    -- The languages it is offered in, comma-separated (`fr,en`).
    locales TEXT NOT NULL,
    editor_name TEXT NOT NULL,
    editor_logo_url TEXT NOT NULL,
    delivery_mode TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- At most one trigger of each type per training; tubes as JSON `[["tube name", level], …]`.
CREATE TABLE training_triggers (
    training_id UUID NOT NULL REFERENCES trainings (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    threshold BIGINT NOT NULL,
    tubes TEXT NOT NULL,
    PRIMARY KEY (training_id, type)
);

CREATE TABLE training_target_profiles (
    training_id UUID NOT NULL REFERENCES trainings (id) ON DELETE CASCADE,
    target_profile_id UUID NOT NULL REFERENCES target_profiles (id) ON DELETE CASCADE,
    PRIMARY KEY (training_id, target_profile_id)
);
CREATE INDEX training_target_profiles_by_profile ON training_target_profiles (target_profile_id);

-- A training recommended to a learner at the end of a participation's test; `useful` is the
-- learner's answer to "was it useful?" (NULL until they answer).
CREATE TABLE recommended_trainings (
    participation_id UUID NOT NULL REFERENCES campaign_participations (id) ON DELETE CASCADE,
    training_id UUID NOT NULL REFERENCES trainings (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id),
    campaign_id UUID NOT NULL REFERENCES campaigns (id),
    useful BOOLEAN,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (participation_id, training_id)
);
CREATE INDEX recommended_trainings_by_user ON recommended_trainings (user_id, created_at);
CREATE INDEX recommended_trainings_by_campaign ON recommended_trainings (campaign_id);
