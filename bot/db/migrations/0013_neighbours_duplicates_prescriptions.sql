-- Neighbouring groups, linked duplicates, and prescriptions the way pharmacies need them.

-- How many people needing help were pointed to each neighbouring group (NEIGHBOUR_GROUPS)
-- on each local day. Counts only: never who, nor where they were.
CREATE TABLE neighbour_referrals (
    day        TEXT    NOT NULL,                   -- YYYY-MM-DD in TIMEZONE
    neighbour  TEXT    NOT NULL,                   -- the group's name as configured
    count      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, neighbour)
);

-- A request its requester said is a separate need from an open one of the same kind:
-- the open one it was asked beside, so coordinators see the two together.
ALTER TABLE requests ADD COLUMN linked_to INTEGER REFERENCES requests(id) ON DELETE SET NULL;

-- A prescription's collection (all NULL for other requests): paid / exempt / to_pay and
-- how much; needs a fridge; a controlled drug (ID-checked volunteers only, who bring photo
-- ID); when the requester agreed that the volunteer the group sends collects it; and who
-- was named to the requester as that volunteer (set at hand-over, again after a hand-back).
ALTER TABLE requests ADD COLUMN rx_payment TEXT CHECK (rx_payment IN ('paid', 'exempt', 'to_pay'));
ALTER TABLE requests ADD COLUMN rx_pence INTEGER CHECK (rx_pence IS NULL OR rx_pence >= 0);
ALTER TABLE requests ADD COLUMN rx_fridge INTEGER;
ALTER TABLE requests ADD COLUMN rx_controlled INTEGER;
ALTER TABLE requests ADD COLUMN rx_consent_at REAL;
ALTER TABLE requests ADD COLUMN rx_collector_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE requests ADD COLUMN rx_named_at REAL;
