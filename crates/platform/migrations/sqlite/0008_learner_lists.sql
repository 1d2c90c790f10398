-- Reconciliation looks learners up by organisation and birth date (a university's list may hold
-- tens of thousands of them).
CREATE INDEX organization_learners_birth ON organization_learners (organization_id, birth_date);
