-- Signed certificates (Open Badges 3.0 / W3C Verifiable Credentials).

-- The issuer's Ed25519 keys. Every key stays published (old credentials keep verifying); the newest
-- active one signs. `secret` is the 32-byte seed, base64.
CREATE TABLE credential_keys (
    id TEXT PRIMARY KEY NOT NULL,
    public_key TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);

-- The credential issued for a published certificate: signed once, served as issued. Its position
-- in the revocation status list is `status_index`.
CREATE TABLE certification_credentials (
    course_id UUID PRIMARY KEY NOT NULL REFERENCES certification_results (course_id),
    status_index BIGINT NOT NULL UNIQUE,
    key_id TEXT NOT NULL REFERENCES credential_keys (id),
    credential TEXT NOT NULL,
    issued_at BIGINT NOT NULL
);
