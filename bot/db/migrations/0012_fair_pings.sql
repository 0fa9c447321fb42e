-- Fair to volunteers: quiet hours, and nobody left out.

-- A volunteer's own quiet hours, in minutes after local midnight. quiet_own = 0 means
-- they never chose: the group's QUIET_HOURS applies (so existing volunteers get it, and
-- follow it if the operator changes it). quiet_own = 1 with NULLs means "off".
ALTER TABLE volunteers ADD COLUMN quiet_own INTEGER NOT NULL DEFAULT 0;
ALTER TABLE volunteers ADD COLUMN quiet_from INTEGER;
ALTER TABLE volunteers ADD COLUMN quiet_until INTEGER;

-- When a coordinator approved them: "approved 30 days and never pinged" counts from here.
ALTER TABLE volunteers ADD COLUMN approved_at REAL;
UPDATE volunteers SET approved_at = coalesce(
    (SELECT max(a.at) FROM audit a
      WHERE a.subject_id = volunteers.user_id AND a.action = 'volunteer:approved'),
    updated_at)
WHERE status = 'approved';

-- The kind note to a volunteer nobody has asked yet goes once: when it went.
ALTER TABLE volunteers ADD COLUMN left_out_noted_at REAL;
