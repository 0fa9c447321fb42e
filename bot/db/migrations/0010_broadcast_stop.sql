-- A broadcast stopped while sending: who pressed Stop, and when. The rows not yet sent
-- stay 'pending' and are never sent (the drain and the claim skip a stopped broadcast);
-- the worker then settles it as 'done' with the counts, and the report says it was
-- stopped. Set once, so a restart does not resume it and a second press is told so.
-- No foreign key: a coordinator from ADMIN_IDS may have no users row.
ALTER TABLE broadcasts ADD COLUMN stopped_by INTEGER;
ALTER TABLE broadcasts ADD COLUMN stopped_at REAL;
