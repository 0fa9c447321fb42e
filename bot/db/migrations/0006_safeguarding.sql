-- Safe with people and their data: concerns, money spent on someone's behalf, and the
-- retention purge. Erasure itself needs no new schema: it blanks and deletes rows (with
-- secure_delete on, see bot.db.connection) and then checkpoints the WAL.

-- A worry about a task, from the requester, a volunteer or anyone else; sent to the
-- coordinators at once and kept here as the record.
CREATE TABLE concerns (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id   INTEGER REFERENCES requests(id) ON DELETE SET NULL,   -- NULL: about no request
    reporter_id  INTEGER REFERENCES users(id) ON DELETE SET NULL,      -- NULL once they are erased
    role         TEXT    NOT NULL CHECK (role IN ('requester', 'volunteer', 'other')),
    text         TEXT    NOT NULL,                 -- their own words; blanked if they are erased
    created_at   REAL    NOT NULL
);
CREATE INDEX concerns_by_request ON concerns (request_id, created_at);

-- What the volunteer spent on a shopping or errand task, in pence, and the Telegram
-- file_id of the receipt photo they sent.
ALTER TABLE requests ADD COLUMN spent_pence INTEGER CHECK (spent_pence >= 0);
ALTER TABLE requests ADD COLUMN receipt_file_id TEXT;
-- When the retention purge (or an erasure) blanked the request's personal columns.
ALTER TABLE requests ADD COLUMN purged_at REAL;
ALTER TABLE series ADD COLUMN purged_at REAL;

-- The daily purge looks for closed requests not yet purged, oldest first.
CREATE INDEX requests_to_purge ON requests (closed_at) WHERE purged_at IS NULL;
