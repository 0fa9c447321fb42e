-- The group's shared fund (an append-only ledger and the reimbursement claims it pays)
-- and what else is available locally (/info).

-- A volunteer's recorded spend on a done task, asking to be paid back from the fund.
-- At most one claim per task is pending or paid; a declined one may be followed by another.
CREATE TABLE fund_claims (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id       INTEGER NOT NULL REFERENCES requests(id),
    volunteer_id     INTEGER,                      -- NULL once they are erased
    pence            INTEGER NOT NULL CHECK (pence > 0),
    receipt_file_id  TEXT,
    status           TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'paid', 'declined', 'withdrawn', 'reversed')),
    -- A claim that would take the fund below zero: the first coordinator who approved it.
    first_approver   INTEGER,
    decided_by       INTEGER,
    reason           TEXT    NOT NULL DEFAULT '',  -- why it was declined (the volunteer sees it)
    created_at       REAL    NOT NULL,
    decided_at       REAL
);
CREATE UNIQUE INDEX fund_claims_live ON fund_claims (request_id)
    WHERE status IN ('pending', 'paid');

-- Every movement of money is one row; the balance is the sum of `pence`, always.
-- kind: 'donation' (money in, positive), 'reimbursement' (a paid claim, negative),
-- 'reversal' (undoes one earlier row: its amount negated).
CREATE TABLE fund_ledger (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL CHECK (kind IN ('donation', 'reimbursement', 'reversal')),
    pence        INTEGER NOT NULL CHECK (pence != 0),
    on_date      TEXT    NOT NULL,                 -- the day the money moved, YYYY-MM-DD local
    claim_id     INTEGER REFERENCES fund_claims(id),
    reverses_id  INTEGER REFERENCES fund_ledger(id),
    donor_note   TEXT    NOT NULL DEFAULT '',      -- coordinators only, never shown to others
    may_thank    INTEGER NOT NULL DEFAULT 0,       -- the donor may be thanked publicly
    recorded_by  INTEGER,                          -- NULL once they are erased (as in audit)
    recorded_at  REAL    NOT NULL,
    CHECK (kind != 'donation' OR (pence > 0 AND claim_id IS NULL AND reverses_id IS NULL)),
    CHECK (kind != 'reimbursement' OR (pence < 0 AND claim_id IS NOT NULL)),
    CHECK (kind != 'reversal' OR reverses_id IS NOT NULL)
);
-- A claim is paid once; a row is reversed once.
CREATE UNIQUE INDEX fund_ledger_paid_once ON fund_ledger (claim_id) WHERE kind = 'reimbursement';
CREATE UNIQUE INDEX fund_ledger_reversed_once ON fund_ledger (reverses_id)
    WHERE reverses_id IS NOT NULL;
CREATE INDEX fund_ledger_by_date ON fund_ledger (on_date);

-- Append-only: no row is deleted, and the only change allowed is forgetting who recorded
-- it (an erasure) or blanking a donor's note.
CREATE TRIGGER fund_ledger_no_delete BEFORE DELETE ON fund_ledger
BEGIN
    SELECT RAISE(ABORT, 'the fund ledger is append-only');
END;
CREATE TRIGGER fund_ledger_no_edit BEFORE UPDATE ON fund_ledger
WHEN NEW.id IS NOT OLD.id OR NEW.kind IS NOT OLD.kind OR NEW.pence IS NOT OLD.pence
    OR NEW.on_date IS NOT OLD.on_date OR NEW.claim_id IS NOT OLD.claim_id
    OR NEW.reverses_id IS NOT OLD.reverses_id OR NEW.may_thank IS NOT OLD.may_thank
    OR NEW.recorded_at IS NOT OLD.recorded_at
    OR (NEW.recorded_by IS NOT OLD.recorded_by AND NEW.recorded_by IS NOT NULL)
    OR (NEW.donor_note IS NOT OLD.donor_note AND NEW.donor_note != '')
BEGIN
    SELECT RAISE(ABORT, 'the fund ledger is append-only');
END;

-- Local services: the food bank, the pharmacy that delivers, the council's helpline.
CREATE TABLE info_entries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    topic       TEXT    NOT NULL,
    phone       TEXT    NOT NULL DEFAULT '',
    link        TEXT    NOT NULL DEFAULT '',
    hours       TEXT    NOT NULL DEFAULT '',
    checked_at  REAL    NOT NULL,                  -- when a coordinator last checked it
    created_by  INTEGER,
    created_at  REAL    NOT NULL,
    retired_at  REAL                               -- NULL: shown
);
CREATE INDEX info_entries_by_topic ON info_entries (topic) WHERE retired_at IS NULL;

-- An entry's title and text, one row per language.
CREATE TABLE info_texts (
    entry_id  INTEGER NOT NULL REFERENCES info_entries(id),
    language  TEXT    NOT NULL,
    title     TEXT    NOT NULL,
    body      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (entry_id, language)
);
