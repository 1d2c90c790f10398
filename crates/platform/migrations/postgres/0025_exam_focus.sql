-- Exam mode: how often a candidate left the test page during their certification (the window lost
-- focus or was hidden), and when last, for the invigilator's screen.
ALTER TABLE certification_courses ADD COLUMN focus_losses BIGINT NOT NULL DEFAULT 0;
ALTER TABLE certification_courses ADD COLUMN last_focus_loss_at BIGINT;
-- When the candidate, their test under way, came back to the entrance asking to resume it.
ALTER TABLE certification_courses ADD COLUMN resume_requested_at BIGINT;
