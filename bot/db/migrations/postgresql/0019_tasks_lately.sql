-- The "tasks lately" count's index (SQLite's migration 0019), in PostgreSQL's words: see
-- ../0019_tasks_lately.sql for why only requests someone took are in it.
CREATE INDEX requests_claimed_by_volunteer ON requests (volunteer_id, claimed_at)
    WHERE volunteer_id IS NOT NULL;
