-- Failed attempts at a guessable secret, per thing guessed (an invigilator's session, a session's
-- access code, an organisation's learner list) and per person: counted before the secret is checked,
-- so that parallel guesses cannot check more than the rule allows; refunded when the attempt
-- succeeds. Shared by every node.
CREATE TABLE attempt_counters (
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    failures BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT,
    PRIMARY KEY (scope, subject)
);
