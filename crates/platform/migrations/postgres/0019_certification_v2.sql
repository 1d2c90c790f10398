-- Certification v2: a course records its version; a v2 course keeps the questions chosen at its
-- start with the profile estimates they confirm (JSON, REFERENCE §6.2), and its result keeps the
-- reproducibility rate (§6.3).
ALTER TABLE certification_courses ADD COLUMN version BIGINT NOT NULL DEFAULT 3;
ALTER TABLE certification_courses ADD COLUMN plan TEXT;
ALTER TABLE certification_results ADD COLUMN reproducibility_rate BIGINT;
