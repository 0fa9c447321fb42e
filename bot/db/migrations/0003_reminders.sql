-- Nobody forgotten: reminders that outlive the process, recurring help, availability,
-- and what requesters say afterwards.

-- Every scheduled nudge is a row first; the in-memory JobQueue is rebuilt from these at
-- start-up, so one that fell due while the bot was down still fires (once).
CREATE TABLE reminders (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    key         TEXT    NOT NULL UNIQUE,        -- e.g. 'escalate:12:1:2': scheduling twice is a no-op
    kind        TEXT    NOT NULL,
    request_id  INTEGER REFERENCES requests(id) ON DELETE CASCADE,
    series_id   INTEGER,
    user_id     INTEGER,                        -- the volunteer a task reminder is for
    due_at      REAL    NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'fired', 'cancelled')),
    fired_at    REAL,
    created_at  REAL    NOT NULL
);
CREATE INDEX reminders_pending ON reminders (state, due_at);
CREATE INDEX reminders_by_request ON reminders (request_id, state);

-- Weekly shopping, a daily dog walk: each occurrence becomes its own request.
CREATE TABLE series (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_id   INTEGER REFERENCES users(id) ON DELETE CASCADE,
    category       TEXT    NOT NULL,
    description    TEXT    NOT NULL,
    address        TEXT    NOT NULL,
    lat            REAL    NOT NULL,
    lon            REAL    NOT NULL,
    every          TEXT    NOT NULL CHECK (every IN ('daily', 'weekly')),
    next_due_at    REAL    NOT NULL,               -- the next occurrence (UTC seconds)
    local_time     TEXT    NOT NULL,               -- 'HH:MM' in TIMEZONE, kept across DST
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     REAL    NOT NULL
);

ALTER TABLE requests ADD COLUMN expires_at REAL;
ALTER TABLE requests ADD COLUMN series_id INTEGER REFERENCES series(id) ON DELETE SET NULL;
-- The requester's answer to "did you get the help?": 'yes' or 'no'.
ALTER TABLE requests ADD COLUMN feedback TEXT CHECK (feedback IN ('yes', 'no'));

-- When a volunteer is usually free: comma-separated slots; empty means any time.
CREATE TABLE availability (
    user_id  INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    slots    TEXT    NOT NULL DEFAULT ''
);
