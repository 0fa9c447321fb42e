-- SQLite's migration 0018, in PostgreSQL's words (numbered as SQLite's; 0001 holds
-- SQLite's 0001-0015): money settled openly (the spend is settled once its receipt is
-- in; who paid the volunteer back, and when), repeating help knowing its rhythm, and a
-- concern's "I'm on it".
ALTER TABLE requests ADD COLUMN spend_settled_at DOUBLE PRECISION;
ALTER TABLE requests ADD COLUMN paid_back_at DOUBLE PRECISION;
ALTER TABLE requests ADD COLUMN paid_back_by TEXT
    CHECK (paid_back_by IS NULL OR paid_back_by IN ('requester', 'fund'));
CREATE INDEX requests_owed ON requests (id) WHERE spent_pence > 0 AND paid_back_at IS NULL;

ALTER TABLE requests ADD COLUMN every TEXT CHECK (every IS NULL OR every IN ('daily', 'weekly'));
UPDATE requests SET every = s.every FROM series s WHERE s.id = requests.series_id;
CREATE FUNCTION requests_every_from_series() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.series_id IS NOT NULL THEN
        NEW.every := (SELECT s.every FROM series s WHERE s.id = NEW.series_id);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER requests_every_from_series BEFORE INSERT ON requests
FOR EACH ROW EXECUTE FUNCTION requests_every_from_series();

ALTER TABLE concerns ADD COLUMN handled_by BIGINT;
ALTER TABLE concerns ADD COLUMN handled_at DOUBLE PRECISION;
