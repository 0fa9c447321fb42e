-- Matching on PostGIS (issue 13): the radius search reads the GiST index on volunteers'
-- positions (0001's volunteers_by_position) within the widest radius anyone has, and
-- walks it nearest first for a wave (bot/db/postgis.py). The widest radius is this
-- index's last entry, so asking for it reads no table.
CREATE INDEX volunteers_by_radius ON volunteers (radius_km);

-- How many offer each kind of help. The walk filters on `(',' || categories || ',')
-- LIKE '%,groceries,%'`, which PostgreSQL guesses matches a few dozen rows in a million
-- unless it has statistics of that expression; with that guess it read every volunteer
-- and sorted them (1.2 s a wave at a million) instead of walking the index (7 ms).
-- ANALYZE (autovacuum's, or bot.db.transfer's after a copy) fills them.
CREATE STATISTICS volunteers_offers ON ((',' || categories || ',')) FROM volunteers;

-- The boxes that stood in for SQLite's R*Tree, in a database whose 0001 still made them:
-- no query reads them any more, and their trigger cost every write to a volunteer (a
-- million imported rows, a million boxes). 0001 no longer makes them.
DROP TRIGGER IF EXISTS volunteer_areas_follow ON volunteers;
DROP FUNCTION IF EXISTS volunteer_areas_follow();
DROP VIEW IF EXISTS volunteer_area_boxes;
DROP TABLE IF EXISTS volunteer_areas;
