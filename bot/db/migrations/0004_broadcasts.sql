-- Broadcasts: a coordinator's message to everyone or a group, sent through a persisted
-- outbox that a worker drains at BROADCAST_RATE, so that a broadcast to thousands survives
-- a restart half-way and nobody gets it twice.

CREATE TABLE broadcasts (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: buttons carry it
    -- Who wrote it. No foreign key: a coordinator from ADMIN_IDS may have no users row.
    coordinator_id       INTEGER NOT NULL,
    audience             TEXT    NOT NULL
                         CHECK (audience IN ('everyone', 'volunteers', 'requesters', 'coordinators')),
    text                 TEXT    NOT NULL,                    -- sent exactly as typed (no HTML)
    status               TEXT    NOT NULL DEFAULT 'draft'
                         CHECK (status IN ('draft', 'sending', 'done', 'cancelled')),
    -- The coordinator's "sent 340 of 1,200" message, edited in place as the outbox drains.
    progress_chat_id     INTEGER,
    progress_message_id  INTEGER,
    -- Outbox rows made at Send; the rest are the final counts, written when done.
    total                INTEGER NOT NULL DEFAULT 0,
    sent                 INTEGER NOT NULL DEFAULT 0,
    blocked              INTEGER NOT NULL DEFAULT 0,
    failed               INTEGER NOT NULL DEFAULT 0,
    unsure               INTEGER NOT NULL DEFAULT 0,
    created_at           REAL    NOT NULL,
    started_at           REAL,
    finished_at          REAL
);
CREATE INDEX broadcasts_by_status ON broadcasts (status, id);

-- One row per recipient, made in one INSERT ... SELECT when Send is pressed.
--   pending -> sending (just before the Bot API call) -> sent | blocked | failed
--   sending -> pending   when Telegram answered 429 (it did not deliver; sent again later)
--   sending -> unsure    found at start-up: the bot died while sending it (never resent)
-- Erasing a person deletes their rows with them.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    state         TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'sending', 'sent', 'blocked', 'failed', 'unsure')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    sent_at       REAL,
    UNIQUE (broadcast_id, user_id)
);
-- The drain reads the next few pending rows in id order; progress counts rows per state.
CREATE INDEX outbox_by_state ON outbox (broadcast_id, state, id);
-- Erasing a person finds their rows (the UNIQUE index leads with broadcast_id).
CREATE INDEX outbox_by_user ON outbox (user_id);
