-- Trust fixes: the language an assessment is taken in, shared server keys, and the outbox of
-- mails and mail-producing jobs drained by a worker (requests never wait for a mail).

ALTER TABLE assessments ADD COLUMN locale TEXT NOT NULL DEFAULT 'fr' CHECK (locale IN ('fr', 'en'));

-- Secrets every node must share (the CSRF signing key of anonymous forms). Created once by the
-- first node that starts; the others read it.
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Jobs of the outbox worker: `mail` (send a message) or `password_reset` (look the address up,
-- and mail a reset link if it has an account). A job is deleted once done; failures are retried
-- with backoff until `attempts` reaches the limit.
CREATE TABLE outbox (
    id UUID PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('mail', 'password_reset')),
    recipient TEXT NOT NULL,
    user_id UUID REFERENCES users (id) ON DELETE CASCADE,
    payload TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_at);
CREATE INDEX outbox_recipient ON outbox (recipient);
