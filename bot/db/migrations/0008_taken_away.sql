-- What was taken away stays away: a dismissal outlives /forgetme, a coordinator's hold is
-- not the volunteer's own pause, and the messages that carried an address are known, so
-- they can be deleted when the task stops being the volunteer's.

-- An ADMIN_IDS coordinator whom a coordinator dismissed. Only the Telegram id: it stays
-- after /forgetme erases everything else, so the setting never makes them one again.
-- Making them a coordinator again (/coordinators) deletes the row.
CREATE TABLE dismissed_coordinators (
    user_id  INTEGER PRIMARY KEY
);
INSERT INTO dismissed_coordinators (user_id)
    SELECT id FROM users WHERE coordinator_removed_at IS NOT NULL;

-- A coordinator's hold on a volunteer (held_at not NULL): no pings, no taking requests,
-- until a coordinator lifts it. The volunteer's own /pause stays `paused`, apart from it.
-- held_by has no foreign key: an ADMIN_ID may have no users row (NULL once erased).
ALTER TABLE volunteers ADD COLUMN held_at REAL;
ALTER TABLE volunteers ADD COLUMN held_by INTEGER;
ALTER TABLE volunteers ADD COLUMN held_reason TEXT;

-- The radius search's R*Tree (0002) holds pingable volunteers only: not held ones either.
DROP TRIGGER volunteer_areas_after_update;
DROP VIEW volunteer_area_boxes;
CREATE VIEW volunteer_area_boxes AS
SELECT user_id,
       max(-90.0, lat - dlat) AS min_lat,
       min(90.0, lat + dlat) AS max_lat,
       CASE WHEN dlon IS NULL OR lon - dlon < -180 OR lon + dlon > 180
            THEN -180.0 ELSE lon - dlon END AS min_lon,
       CASE WHEN dlon IS NULL OR lon - dlon < -180 OR lon + dlon > 180
            THEN 180.0 ELSE lon + dlon END AS max_lon
FROM (
    SELECT user_id, lat, lon, degrees(angle) AS dlat,
           CASE WHEN abs(lat) + degrees(angle) >= 90 THEN NULL
                ELSE degrees(asin(min(1.0, sin(angle) / cos(radians(lat))))) END AS dlon
    FROM (
        SELECT user_id, lat, lon, (radius_km * 1.0001 + 0.01) / 6371.0088 AS angle
        FROM volunteers
        WHERE status = 'approved' AND paused = 0 AND held_at IS NULL
    )
);
CREATE TRIGGER volunteer_areas_after_update
AFTER UPDATE OF user_id, lat, lon, radius_km, status, paused, held_at ON volunteers
BEGIN
    DELETE FROM volunteer_areas WHERE user_id = old.user_id;
    INSERT OR REPLACE INTO volunteer_areas
        SELECT * FROM volunteer_area_boxes WHERE user_id = new.user_id;
END;
DELETE FROM volunteer_areas;
INSERT INTO volunteer_areas SELECT * FROM volunteer_area_boxes;

-- Each message that showed a volunteer a request's address (on taking it, and each
-- /mytasks), so it can be deleted, or edited blank, when the task stops being theirs.
-- Rows go when that is done; erasing either person deletes theirs.
CREATE TABLE address_messages (
    chat_id       INTEGER NOT NULL,
    message_id    INTEGER NOT NULL,
    request_id    INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    volunteer_id  INTEGER NOT NULL,
    sent_at       REAL    NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX address_messages_by_request ON address_messages (request_id, volunteer_id);
CREATE INDEX address_messages_by_volunteer ON address_messages (volunteer_id);
