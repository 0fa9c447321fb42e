-- Offers: what neighbours give as well as ask for (a shop run with room for others, spare
-- things, a lift, a cooked meal), taken one unit at a time by members nearby.

-- status: 'open' (units left), 'gone' (all taken), 'closed' (by the offerer, early),
-- 'expired' (its time passed). `taken` only grows, by one conditional UPDATE per take,
-- which is what keeps the takers to exactly `units` when many press at once.
CREATE TABLE offers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    offerer_id   INTEGER,                          -- NULL once they are erased
    kind         TEXT    NOT NULL CHECK (kind IN ('shop_run', 'spare', 'lift', 'meal', 'other')),
    description  TEXT    NOT NULL,
    units        INTEGER NOT NULL CHECK (units BETWEEN 1 AND 20),
    taken        INTEGER NOT NULL DEFAULT 0 CHECK (taken BETWEEN 0 AND units),
    lat          REAL    NOT NULL,                 -- where it is; only ever shown roughly
    lon          REAL    NOT NULL,
    until_at     REAL    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'gone', 'closed', 'expired')),
    created_at   REAL    NOT NULL,
    closed_at    REAL,
    purged_at    REAL                              -- personal details blanked (retention)
);
CREATE INDEX offers_open ON offers (status, lat, lon);
CREATE INDEX offers_by_offerer ON offers (offerer_id, created_at);

-- One unit each: a member takes an offer once.
CREATE TABLE offer_takes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    offer_id   INTEGER NOT NULL REFERENCES offers(id),
    taker_id   INTEGER,                            -- NULL once they are erased
    taken_at   REAL    NOT NULL
);
CREATE UNIQUE INDEX offer_takes_once ON offer_takes (offer_id, taker_id);

-- Every notice of an offer: a member's private chat, or a linked group chat (negative
-- id). Kept to edit them when nothing is left, and to count a member's notices in a
-- local day (`day`, YYYY-MM-DD) against MAX_OFFER_NOTICES_PER_DAY.
CREATE TABLE offer_notices (
    offer_id    INTEGER NOT NULL REFERENCES offers(id),
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER,                           -- NULL while it is being sent
    day         TEXT    NOT NULL,
    sent_at     REAL    NOT NULL,
    shown       TEXT    NOT NULL DEFAULT 'open',   -- what the message shows now
    PRIMARY KEY (offer_id, chat_id)
);
CREATE INDEX offer_notices_by_chat ON offer_notices (chat_id, day);

-- Members who chose "tell me about offers nearby", and from where (NULL: from where they
-- volunteer).
CREATE TABLE offer_listeners (
    user_id  INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    lat      REAL,
    lon      REAL,
    since    REAL    NOT NULL
);

-- The private line between an offerer and a taker, as relay_messages is for a request:
-- copied through the bot (never forwarded), erased with the offer's other personal data.
-- side: 'offerer' or 'taker'.
CREATE TABLE offer_messages (
    id         INTEGER PRIMARY KEY,
    take_id    INTEGER NOT NULL REFERENCES offer_takes(id),
    sender_id  INTEGER,
    side       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    text       TEXT    NOT NULL DEFAULT '',
    file_id    TEXT,
    lat        REAL,
    lon        REAL,
    sent_at    REAL    NOT NULL
);
CREATE INDEX offer_messages_by_take ON offer_messages (take_id, sent_at);
CREATE INDEX offer_messages_by_sender ON offer_messages (sender_id, sent_at);
