-- Money settled openly. Once a task's receipt is in (or the volunteer said there is none)
-- its spend is settled: the amount is locked (a coordinator may correct it, audited) and
-- the requester has been told it. Then who paid the volunteer back, and when:
-- 'requester' (they pressed "I've paid ... back"; for a phone request, its coordinator)
-- or 'fund' (a coordinator approved the reimbursement claim).
ALTER TABLE requests ADD COLUMN spend_settled_at REAL;
ALTER TABLE requests ADD COLUMN paid_back_at REAL;
ALTER TABLE requests ADD COLUMN paid_back_by TEXT
    CHECK (paid_back_by IS NULL OR paid_back_by IN ('requester', 'fund'));
-- The open amounts owed, for /stats, the digest and the exports.
CREATE INDEX requests_owed ON requests (id)
    WHERE spent_pence > 0 AND paid_back_at IS NULL;

-- Repeating help, as each occurrence's volunteers see it ("every week"): copied from its
-- series when the occurrence is stored, so that a ping or a task card needs no join.
ALTER TABLE requests ADD COLUMN every TEXT CHECK (every IS NULL OR every IN ('daily', 'weekly'));
UPDATE requests SET every = (SELECT s.every FROM series s WHERE s.id = requests.series_id)
    WHERE series_id IS NOT NULL;
CREATE TRIGGER requests_every_from_series AFTER INSERT ON requests
WHEN NEW.series_id IS NOT NULL
BEGIN
    UPDATE requests SET every = (SELECT s.every FROM series s WHERE s.id = NEW.series_id)
        WHERE id = NEW.id;
END;

-- A concern a coordinator said "I'm on it" about: who, and since when (so that two
-- coordinators don't both act on it).
ALTER TABLE concerns ADD COLUMN handled_by INTEGER;
ALTER TABLE concerns ADD COLUMN handled_at REAL;
