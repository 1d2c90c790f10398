-- Invitations bring members to an organisation or, now, to a certification centre: one table, one
-- of the two set.
CREATE TABLE membership_invitations (
    id UUID PRIMARY KEY NOT NULL,
    organization_id UUID REFERENCES organizations (id) ON DELETE CASCADE,
    certification_center_id UUID REFERENCES certification_centers (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('MEMBER', 'ADMIN')),
    token_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'cancelled')),
    invited_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    CHECK ((organization_id IS NULL) <> (certification_center_id IS NULL))
);
INSERT INTO membership_invitations (id, organization_id, email, role, token_hash, status, invited_by, created_at, expires_at)
    SELECT id, organization_id, email, role, token_hash, status, invited_by, created_at, expires_at FROM organization_invitations;
DROP TABLE organization_invitations;
CREATE INDEX membership_invitations_org ON membership_invitations (organization_id, status);
CREATE INDEX membership_invitations_center ON membership_invitations (certification_center_id, status);
