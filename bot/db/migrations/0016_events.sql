-- The outbox: each domain event (bot.domain.events) a transition caused, written in the
-- transition's own transaction and delivered after the commit, in id order, to every
-- subscriber of its kind (bot.services.events). A crash between the commit and the
-- delivery leaves the row; start-up delivers it then. AUTOINCREMENT: ids only grow,
-- even after the newest row is deleted, so that their order is the order of events.
-- hold_key: an event kept back until its service releases it (a new request's first
-- wave waits for the requester's confirmation); start-up delivers held ones too.
-- event_deliveries records each subscriber's delivery, so that one cut short is not
-- repeated for the others. Once every subscriber has had it, the event is deleted (with
-- its deliveries): it names people by id, and an erasure must leave no id behind. So
-- every row here is undelivered.
CREATE TABLE events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   REAL NOT NULL,
    hold_key     TEXT
);
CREATE INDEX events_held ON events (hold_key) WHERE hold_key IS NOT NULL;

CREATE TABLE event_deliveries (
    event_id     INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    subscriber   TEXT NOT NULL,
    delivered_at REAL NOT NULL,
    PRIMARY KEY (event_id, subscriber)
);

-- Requests saved by the version before this one but never announced: their start
-- waited for announce_unfinished() at start-up, which the outbox replaces.
INSERT INTO events (kind, payload, created_at)
SELECT 'request_opened', json_object('request_id', id), created_at
FROM requests WHERE status = 'open' AND announced_at IS NULL ORDER BY id;
