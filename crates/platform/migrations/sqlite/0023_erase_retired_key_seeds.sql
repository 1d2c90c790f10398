-- A retired or withdrawn credential key never signs again: its seed is erased, so that no read of
-- the database or of a backup can forge credentials with it.
UPDATE credential_keys SET secret = '' WHERE retired_at IS NOT NULL OR withdrawn_at IS NOT NULL;
