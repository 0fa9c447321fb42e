-- Coordinator tools: requests taken over the phone, coordinators added and removed, and
-- the neighbourhood's group chat.

-- A request taken over the phone for someone without Telegram. requester_id stays NULL;
-- the coordinator who recorded it (on_behalf_of) gets the news the requester would have
-- had, and the volunteer who takes it gets the phone number with the address.
-- contact_name and contact_phone are personal: erased and purged like the address.
ALTER TABLE requests ADD COLUMN contact_name TEXT;
ALTER TABLE requests ADD COLUMN contact_phone TEXT;
ALTER TABLE requests ADD COLUMN on_behalf_of INTEGER REFERENCES users(id) ON DELETE SET NULL;
CREATE INDEX requests_on_behalf ON requests (on_behalf_of) WHERE on_behalf_of IS NOT NULL;

-- ADMIN_IDS are coordinators from the start; one that another coordinator removed stays
-- removed (until made a coordinator again) although the setting still lists them.
ALTER TABLE users ADD COLUMN coordinator_removed_at REAL;

-- The group chat(s) a coordinator linked with /linkgroup: new requests are posted there.
CREATE TABLE group_chats (
    chat_id    INTEGER PRIMARY KEY,            -- negative: a group or supergroup
    title      TEXT    NOT NULL DEFAULT '',
    linked_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    linked_at  REAL    NOT NULL
);

-- Each request's post in a group chat, so that it can be edited when the request is
-- taken, done or closed. The row is written before the post is sent (as pings are), so a
-- crash never posts a request twice.
CREATE TABLE group_posts (
    request_id  INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER,                       -- NULL until Telegram accepted the post
    shown       TEXT    NOT NULL DEFAULT 'open'
                CHECK (shown IN ('open', 'taken', 'done', 'closed')),
    posted_at   REAL    NOT NULL,
    PRIMARY KEY (request_id, chat_id)
);
