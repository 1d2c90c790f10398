-- An issuer key known to be compromised is withdrawn: no longer published, so nothing it signed
-- verifies any more (retired keys, by contrast, stay published).
ALTER TABLE credential_keys ADD COLUMN withdrawn_at BIGINT;
