-- Safe on the doorstep, fair to volunteers: when a volunteer arrived at and left a
-- requester's home (the lone-working check), requesters' "they didn't come" reports,
-- and which volunteer a concern was about, for the signals on the volunteer's card.

-- One row per volunteer per task they arrived for. The "Are you OK?" question and the
-- coordinators' alert are stored reminders; these columns say what has happened since,
-- so each is done once (a conditional UPDATE) and "left safely" stops the rest.
CREATE TABLE visits (
    request_id    INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    volunteer_id  INTEGER NOT NULL,
    arrived_at    REAL    NOT NULL,
    left_at       REAL,                          -- "I've left safely" (or "I'm fine")
    asked_at      REAL,                          -- "Are you OK?" sent
    help_at       REAL,                          -- they pressed "I need help"
    alerted_at    REAL,                          -- every coordinator alerted
    PRIMARY KEY (request_id, volunteer_id)
);
CREATE INDEX visits_by_volunteer ON visits (volunteer_id);

-- The requester (or, for a phone request, its coordinator) says the volunteer who was
-- going to help never came. Once per request and volunteer.
CREATE TABLE no_shows (
    request_id    INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    volunteer_id  INTEGER NOT NULL,
    reporter_id   INTEGER,                       -- NULL once they are erased
    reported_at   REAL    NOT NULL,
    PRIMARY KEY (request_id, volunteer_id)
);
CREATE INDEX no_shows_by_volunteer ON no_shows (volunteer_id, reported_at);

-- The volunteer who held the request when a concern about it was raised: the request's
-- own volunteer_id changes when it is handed back.
ALTER TABLE concerns ADD COLUMN volunteer_id INTEGER;
UPDATE concerns SET volunteer_id =
    (SELECT requests.volunteer_id FROM requests WHERE requests.id = concerns.request_id);
CREATE INDEX concerns_by_volunteer ON concerns (volunteer_id, created_at);
