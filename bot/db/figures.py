"""What /stats and /export read: counts, waits, requests per day, and the rows of the CSV
files. Personal columns are selected only when the coordinator asked for them, and every
export is written to the audit table."""

from __future__ import annotations

from typing import Any

from bot.db.connection import Database
from bot.domain.figures import VolunteerCounts

# The columns of each export; the personal ones only when asked for. Each SELECT below
# names its columns exactly, so nothing else can slip into a file.
_REQUEST_COLUMNS = """
    r.id, r.created_at, r.category, r.status, r.when_kind, r.due_at, r.claimed_at,
    r.closed_at, r.round, r.feedback, r.description, r.on_behalf_of IS NOT NULL AS by_phone,
    r.spent_pence, r.receipt_file_id IS NOT NULL AS has_receipt, r.paid_back_at, r.paid_back_by
"""
_REQUEST_PERSONAL = """,
    r.requester_id, ru.first_name AS requester_name, r.contact_name, r.contact_phone,
    r.address, r.lat, r.lon, r.volunteer_id, vu.first_name AS volunteer_name,
    r.on_behalf_of AS recorded_by
"""
_VOLUNTEER_COLUMNS = """
    v.status, v.paused, v.dbs_checked, v.categories, v.radius_km, v.created_at,
    (SELECT count(*) FROM requests r WHERE r.volunteer_id = v.user_id AND r.status = 'done')
        AS tasks_done,
    (SELECT count(*) FROM pings p WHERE p.volunteer_id = v.user_id
        AND p.answer IN ('accepted', 'released') AND p.sent_at >= :since) AS tasks_taken_recently,
    (SELECT max(p.sent_at) FROM pings p WHERE p.volunteer_id = v.user_id
        AND p.answer IN ('accepted', 'released')) AS last_task_at
"""
_VOLUNTEER_PERSONAL = """,
    v.user_id, u.first_name, v.lat, v.lon
"""


class FiguresRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def by_status(self) -> dict[str, int]:
        rows = await self._db.fetchall("SELECT status, count(*) FROM requests GROUP BY status")
        return {row[0]: int(row[1]) for row in rows}

    async def by_category(self) -> dict[str, int]:
        rows = await self._db.fetchall("SELECT category, count(*) FROM requests GROUP BY category")
        return {row[0]: int(row[1]) for row in rows}

    async def by_phone(self) -> int:
        return await self._db.number(
            "SELECT count(*) FROM requests WHERE on_behalf_of IS NOT NULL "
            "OR contact_phone IS NOT NULL"
        )

    async def waits(self) -> list[float]:
        """Seconds from asking to being taken, for every request that was taken."""
        rows = await self._db.fetchall(
            "SELECT claimed_at - created_at FROM requests WHERE claimed_at IS NOT NULL"
        )
        return [max(0.0, float(row[0])) for row in rows]

    async def volunteers(self, active_since: float) -> VolunteerCounts:
        row = await self._db.fetchone(
            """
            SELECT  -- CASE: a comparison is 0/1 in SQLite, a boolean in PostgreSQL
              sum(CASE WHEN v.status = 'approved' AND v.paused = 0 AND v.held_at IS NULL
                  AND u.blocked_at IS NULL THEN 1 ELSE 0 END),
              sum(CASE WHEN v.status = 'approved' AND (v.paused = 1 OR v.held_at IS NOT NULL)
                  THEN 1 ELSE 0 END),
              sum(CASE WHEN v.status = 'pending' THEN 1 ELSE 0 END),
              sum(CASE WHEN v.status = 'approved' AND v.dbs_checked = 1 THEN 1 ELSE 0 END),
              sum(CASE WHEN EXISTS (SELECT 1 FROM pings p WHERE p.volunteer_id = v.user_id
                          AND p.answer IN ('accepted', 'released') AND p.sent_at >= ?)
                  THEN 1 ELSE 0 END)
            FROM volunteers v JOIN users u ON u.id = v.user_id
            """,
            (active_since,),
        )
        values = [int(v or 0) for v in row] if row else [0] * 5
        return VolunteerCounts(*values)

    async def created_since(self, since: float) -> list[tuple[float, str]]:
        """(created_at, status) of every request asked since then."""
        rows = await self._db.fetchall(
            "SELECT created_at, status FROM requests WHERE created_at >= ? ORDER BY created_at",
            (since,),
        )
        return [(float(row[0]), str(row[1])) for row in rows]

    async def request_rows(self, *, personal: bool) -> list[dict[str, Any]]:
        columns = _REQUEST_COLUMNS + (_REQUEST_PERSONAL if personal else "")
        rows = await self._db.fetchall(
            f"""
            SELECT {columns} FROM requests r
            LEFT JOIN users ru ON ru.id = r.requester_id
            LEFT JOIN users vu ON vu.id = r.volunteer_id
            ORDER BY r.id
            """
        )
        return [dict(row) for row in rows]

    async def volunteer_rows(self, *, personal: bool, since: float) -> list[dict[str, Any]]:
        columns = _VOLUNTEER_COLUMNS + (_VOLUNTEER_PERSONAL if personal else "")
        rows = await self._db.fetchall(
            f"""
            SELECT {columns} FROM volunteers v JOIN users u ON u.id = v.user_id
            ORDER BY v.created_at, v.user_id
            """,
            {"since": since},
        )
        return [dict(row) for row in rows]

    async def record_export(self, actor_id: int, *, personal: bool, note: str, now: float) -> None:
        """Who exported what, and when; with personal details, that is the safeguarding
        record of who took people's details out of the bot."""
        await self._db.execute(
            "INSERT INTO audit (at, actor_id, action, note) VALUES (?, ?, ?, ?)",
            (now, actor_id, "export:personal" if personal else "export", note),
        )
