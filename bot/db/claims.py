"""Claiming work on PostgreSQL when more than one bot process may reach for it.

On SQLite one process and one connection do everything, so a conditional UPDATE is a
claim already. On PostgreSQL two processes (a serving one and, for the moments of a
takeover, the one that just lost its lock) may drain the same tables at once: each takes
what it works on with a lock the other skips past instead of waiting for it.
"""

from __future__ import annotations

# The earliest due reminder, marked fired in one statement. A row another process is
# claiming right now is skipped (SKIP LOCKED), not waited for: each gets a different one.
CLAIM_NEXT_REMINDER = """
UPDATE reminders SET state = 'fired', fired_at = ?
WHERE id = (
    SELECT id FROM reminders WHERE state = 'pending' AND due_at <= ?
    ORDER BY due_at, id LIMIT 1
    FOR UPDATE SKIP LOCKED
)
RETURNING *
"""

# An event in the outbox is handed on lane by lane (bot.services.events): the lane that
# runs right after a commit and the background one (group-chat posts) each call their own
# subscribers of the same event, so each lane claims the event for itself. A row lock
# (FOR UPDATE SKIP LOCKED) cannot tell lanes apart: one lane would wait behind the
# other's paced posts, and the row's own UPDATE (a held event let go) and DELETE (the
# last delivery) would wait behind the claim. A transaction-level advisory lock per lane
# and event is the same claim, taken with a try (SKIP LOCKED's "not now, someone has
# it"), and gone when the claim's transaction ends: a process killed mid-delivery
# leaves no claim behind.
OUTBOX_LANES = {"foreground": 7_420_004, "background": 7_420_005}
CLAIM_EVENT = (
    "SELECT pg_try_advisory_xact_lock(?, hashtext(current_schema() || ':' || CAST(? AS BIGINT)))"
)
