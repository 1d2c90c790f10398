-- Competence tests: assessments, answers, knowledge elements, competence evaluations, saved tutorials.

CREATE TABLE assessments (
    id UUID PRIMARY KEY NOT NULL,
    user_id UUID NOT NULL REFERENCES users (id),
    competence_code TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('started', 'completed')),
    content_version TEXT NOT NULL REFERENCES content_versions (version),
    seed BIGINT NOT NULL,
    is_improving BOOLEAN NOT NULL,
    current_challenge_id TEXT,
    current_asked_at BIGINT,
    current_focused_out BOOLEAN NOT NULL,
    pix_before BIGINT NOT NULL,
    level_before BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    completed_at BIGINT
);
CREATE INDEX assessments_user ON assessments (user_id, competence_code);

CREATE TABLE answers (
    id UUID PRIMARY KEY NOT NULL,
    assessment_id UUID NOT NULL REFERENCES assessments (id),
    challenge_id TEXT NOT NULL,
    value TEXT NOT NULL,
    result TEXT NOT NULL,
    result_details TEXT NOT NULL,
    timed_out BOOLEAN NOT NULL,
    focused_out BOOLEAN NOT NULL,
    time_spent BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (assessment_id, challenge_id)
);

CREATE TABLE knowledge_elements (
    id UUID PRIMARY KEY NOT NULL,
    user_id UUID NOT NULL REFERENCES users (id),
    assessment_id UUID NOT NULL REFERENCES assessments (id),
    answer_id UUID REFERENCES answers (id),
    skill TEXT NOT NULL,
    competence_code TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('direct', 'inferred')),
    status TEXT NOT NULL CHECK (status IN ('validated', 'invalidated', 'reset')),
    earned_pix DOUBLE PRECISION NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX knowledge_user ON knowledge_elements (user_id, competence_code, created_at);
CREATE INDEX knowledge_assessment ON knowledge_elements (assessment_id);

CREATE TABLE competence_evaluations (
    user_id UUID NOT NULL REFERENCES users (id),
    competence_code TEXT NOT NULL,
    assessment_id UUID NOT NULL REFERENCES assessments (id),
    status TEXT NOT NULL CHECK (status IN ('started', 'completed', 'reset')),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, competence_code)
);

CREATE TABLE saved_tutorials (
    user_id UUID NOT NULL REFERENCES users (id),
    tutorial_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, tutorial_id)
);
