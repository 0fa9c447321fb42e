-- Telegram delivers an update at least once: after a crash or a lost confirmation the
-- same update_id can arrive again. Ids handled recently are remembered so that a second
-- copy is dropped; rows older than a day are pruned.
CREATE TABLE handled_updates (
    update_id   INTEGER PRIMARY KEY,
    handled_at  REAL    NOT NULL
);
