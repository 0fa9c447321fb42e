-- The radius search asks "whose circle holds this point?". A box around the request as
-- big as the largest radius holds a whole city's volunteers, so instead an R*Tree keeps
-- the box around each pingable (approved, unpaused) volunteer's own circle; a point query
-- finds the few whose box holds the request, then matching checks the exact distance.

-- The circle's box: the exact spherical extent, with the radius padded by 0.01% and 10 m.
-- 10 m is more than the step of a 32-bit float at 180 degrees (~1.7 m), which is how the
-- R*Tree stores coordinates, so neither float rounding cuts off a volunteer exactly at
-- their radius's edge. A circle holding a pole, or crossing the antimeridian, takes every
-- longitude: rare, and still correct because the exact check follows.
-- 6371.0088 is bot.distance.EARTH_RADIUS_KM. sin, asin, degrees...: SQLite's math functions
-- (3.35+, in Debian's build, which the Docker image's Python uses).
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
        WHERE status = 'approved' AND paused = 0
    )
);

CREATE VIRTUAL TABLE volunteer_areas USING rtree(user_id, min_lat, max_lat, min_lon, max_lon);

INSERT INTO volunteer_areas SELECT * FROM volunteer_area_boxes;

-- Triggers rather than repository code, so that every write to volunteers (a coordinator's
-- decision, /pause, a deleted user's cascade, a hand-run UPDATE) keeps the index in step.
-- OR REPLACE: an INSERT OR REPLACE on volunteers deletes without firing the delete trigger.
CREATE TRIGGER volunteer_areas_after_insert AFTER INSERT ON volunteers
BEGIN
    INSERT OR REPLACE INTO volunteer_areas
        SELECT * FROM volunteer_area_boxes WHERE user_id = new.user_id;
END;

CREATE TRIGGER volunteer_areas_after_update
AFTER UPDATE OF user_id, lat, lon, radius_km, status, paused ON volunteers
BEGIN
    DELETE FROM volunteer_areas WHERE user_id = old.user_id;
    INSERT OR REPLACE INTO volunteer_areas
        SELECT * FROM volunteer_area_boxes WHERE user_id = new.user_id;
END;

CREATE TRIGGER volunteer_areas_after_delete AFTER DELETE ON volunteers
BEGIN
    DELETE FROM volunteer_areas WHERE user_id = old.user_id;
END;

-- The old search's index: nothing reads volunteers by position any more.
DROP INDEX volunteers_by_position;
