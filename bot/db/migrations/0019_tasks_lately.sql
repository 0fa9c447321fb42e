-- The radius search orders volunteers about as near by how many tasks each took lately:
-- `count(*) FROM requests WHERE volunteer_id = ? AND claimed_at >= ?`, once per candidate.
-- requests_by_volunteer (volunteer_id, status) could answer the first half, but after
-- ANALYZE a table of open requests (volunteer_id NULL) makes it look no better than
-- reading the table, and SQLite read all of requests for every candidate: 313 ms for a
-- wave against 2.8 ms (issue 18). Only requests someone took are in this index, so its
-- statistics describe them; tests/test_plans.py fails if the plan scans requests again.
CREATE INDEX requests_claimed_by_volunteer ON requests (volunteer_id, claimed_at)
    WHERE volunteer_id IS NOT NULL;
