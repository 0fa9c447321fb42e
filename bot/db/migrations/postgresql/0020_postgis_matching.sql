-- Matching on PostGIS (issue 13): the radius search reads the GiST index on volunteers'
-- positions (0001's volunteers_by_position) within the widest radius anyone has, and
-- walks it nearest first for a wave (bot/db/postgis.py). The widest radius is this
-- index's last entry, so asking for it reads no table.
CREATE INDEX volunteers_by_radius ON volunteers (radius_km);

-- The boxes that stood in for SQLite's R*Tree: no query reads them any more, and their
-- trigger cost every write to a volunteer (a million imported rows, a million boxes).
DROP TRIGGER volunteer_areas_follow ON volunteers;
DROP FUNCTION volunteer_areas_follow();
DROP VIEW volunteer_area_boxes;
DROP TABLE volunteer_areas;
