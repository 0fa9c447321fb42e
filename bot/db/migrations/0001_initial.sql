-- The help loop: people, volunteers, requests, pings, the audit trail, and the state of
-- conversations so that a half-finished /request survives a restart.
-- Times are Unix seconds (UTC) as REAL.

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,          -- Telegram user id (64-bit)
    first_name      TEXT    NOT NULL DEFAULT '',
    language        TEXT,
    consented_at    REAL,
    notice_version  INTEGER,
    is_coordinator  INTEGER NOT NULL DEFAULT 0,
    blocked_at      REAL,                          -- they blocked the bot: send nothing
    created_at      REAL    NOT NULL
);

CREATE TABLE volunteers (
    user_id      INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    lat          REAL    NOT NULL,
    lon          REAL    NOT NULL,
    radius_km    REAL    NOT NULL CHECK (radius_km > 0),
    categories   TEXT    NOT NULL,                 -- comma-separated category codes
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'approved', 'rejected')),
    paused       INTEGER NOT NULL DEFAULT 0,
    dbs_checked  INTEGER NOT NULL DEFAULT 0,
    decided_by   INTEGER,                          -- the coordinator who approved or rejected
    created_at   REAL    NOT NULL,
    updated_at   REAL    NOT NULL
);
-- The radius search narrows on latitude first, then longitude (a bounding box).
CREATE INDEX volunteers_by_position ON volunteers (lat, lon) WHERE status = 'approved';

CREATE TABLE requests (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_id   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    category       TEXT    NOT NULL,
    description    TEXT    NOT NULL,               -- volunteers who are pinged see this
    address        TEXT    NOT NULL,               -- only the volunteer who takes it sees this
    lat            REAL    NOT NULL,
    lon            REAL    NOT NULL,
    when_kind      TEXT    NOT NULL CHECK (when_kind IN ('asap', 'today', 'at')),
    due_at         REAL,
    safety_code    TEXT    NOT NULL,
    status         TEXT    NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open', 'claimed', 'done', 'cancelled', 'expired')),
    volunteer_id   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    round          INTEGER NOT NULL DEFAULT 1,     -- bumped when a volunteer hands it back
    announced_at   REAL,                           -- first wave of pings sent (NULL: still to do)
    created_at     REAL    NOT NULL,
    claimed_at     REAL,
    closed_at      REAL,
    updated_at     REAL    NOT NULL,
    CHECK (status <> 'open' OR volunteer_id IS NULL),
    CHECK (status <> 'claimed' OR volunteer_id IS NOT NULL)
);
CREATE INDEX requests_by_status ON requests (status, created_at);
CREATE INDEX requests_by_requester ON requests (requester_id, created_at);
CREATE INDEX requests_by_volunteer ON requests (volunteer_id, status);

CREATE TABLE pings (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id    INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    volunteer_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    round         INTEGER NOT NULL,
    wave          INTEGER NOT NULL,
    distance_km   REAL    NOT NULL,
    chat_id       INTEGER,
    message_id    INTEGER,                         -- NULL until Telegram accepted the message
    answer        TEXT CHECK (answer IN ('accepted', 'declined', 'released')),
    sent_at       REAL    NOT NULL,
    UNIQUE (request_id, volunteer_id, round)
);
CREATE INDEX pings_by_volunteer ON pings (volunteer_id, sent_at);

CREATE TABLE audit (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           REAL    NOT NULL,
    actor_id     INTEGER,                          -- NULL: the bot itself
    request_id   INTEGER,
    subject_id   INTEGER,                          -- a user the action was about
    action       TEXT    NOT NULL,                 -- e.g. 'open->claimed', 'volunteer:approved'
    note         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_request ON audit (request_id, at);

-- PTB persistence: conversation states and the per-user drafts they carry.
CREATE TABLE conversation_states (
    name   TEXT NOT NULL,
    key    TEXT NOT NULL,                          -- JSON of the conversation key
    state  TEXT NOT NULL,                          -- JSON of the state
    PRIMARY KEY (name, key)
);

CREATE TABLE user_data (
    user_id  INTEGER PRIMARY KEY,
    data     TEXT NOT NULL                         -- JSON
);
