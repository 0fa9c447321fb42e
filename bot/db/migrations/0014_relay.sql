-- The private line between a request's requester and its volunteer: every message the
-- bot relayed (copied, never forwarded, so neither side learns the other's username or
-- number), kept with the request so that coordinators can read it with /details, and
-- erased with the request's other personal data (/forgetme, /forget, the retention purge).
-- side: who wrote it: 'requester', 'volunteer', or 'desk' (a coordinator answering for
-- someone without Telegram). kind: 'text', 'photo', 'voice' or 'location'; text holds
-- the text or the caption, file_id the photo or voice note Telegram keeps.
-- sender_id has no foreign key: an ADMIN_IDS coordinator may have no users row.
CREATE TABLE relay_messages (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    sender_id   INTEGER,
    side        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL DEFAULT '',
    file_id     TEXT,
    lat         REAL,
    lon         REAL,
    sent_at     REAL NOT NULL
);
CREATE INDEX relay_messages_by_request ON relay_messages (request_id, sent_at);
-- The rate limit counts a sender's recent messages.
CREATE INDEX relay_messages_by_sender ON relay_messages (sender_id, sent_at);
