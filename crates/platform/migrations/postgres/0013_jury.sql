-- The jury's comments on a certification: to the candidate (on the certificate page) and to the
-- organisation (in the session results).
ALTER TABLE certification_results ADD COLUMN jury_comment_candidate TEXT NOT NULL DEFAULT '';
ALTER TABLE certification_results ADD COLUMN jury_comment_organization TEXT NOT NULL DEFAULT '';
