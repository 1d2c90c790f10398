-- Learning modules: a passage is one play of a module (by a signed-in learner, or an anonymous
-- visitor whose session holds it), on the module version it started with.
CREATE TABLE module_passages (
    id UUID PRIMARY KEY,
    module_id TEXT NOT NULL,
    module_version TEXT NOT NULL,
    user_id UUID REFERENCES users (id),
    locale TEXT NOT NULL,
    -- Grains revealed so far (the player's position), from 1.
    revealed BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    terminated_at BIGINT
);
CREATE INDEX module_passages_by_user ON module_passages (user_id, module_id, updated_at);

-- One log per passage: its answers and events together, in order (sequence numbers only grow).
CREATE TABLE module_passage_log (
    passage_id UUID NOT NULL REFERENCES module_passages (id) ON DELETE CASCADE,
    sequence BIGINT NOT NULL,
    type TEXT NOT NULL,
    element_id TEXT,
    -- JSON: an answer with its status, or the event's data.
    data TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (passage_id, sequence)
);
