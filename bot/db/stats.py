"""Figures for coordinators: what is open, overdue, done, and who has been idle."""

from __future__ import annotations

from bot.db.connection import Database
from bot.domain.figures import Digest, DigestLists, IdleVolunteer

DAY_S = 86400


class StatsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def digest(self, now: float, idle_count: int = 5) -> Digest:
        row = await self._db.fetchone(
            """
            SELECT
              sum(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS open,
              sum(CASE WHEN status IN ('open', 'claimed') AND due_at IS NOT NULL
                       AND due_at < :now THEN 1 ELSE 0 END) AS overdue,
              sum(CASE WHEN status = 'done' AND closed_at >= :since THEN 1 ELSE 0 END)
                  AS done_last_day
            FROM requests
            """,
            {"now": now, "since": now - DAY_S},
        )
        not_helped = await self._db.fetchall(
            "SELECT id FROM requests WHERE feedback = 'no' AND closed_at >= ? ORDER BY id",
            (now - 7 * DAY_S,),
        )
        idle = await self._db.fetchall(
            """
            SELECT * FROM (
                SELECT v.user_id, u.first_name, v.created_at,
                       (SELECT max(r.claimed_at) FROM requests r
                        WHERE r.volunteer_id = v.user_id) AS last_task_at
                FROM volunteers v JOIN users u ON u.id = v.user_id
                WHERE v.status = 'approved' AND v.paused = 0 AND v.held_at IS NULL
                  AND u.blocked_at IS NULL
            ) AS idle  -- PostgreSQL orders by an alias only outside the query naming it
            ORDER BY last_task_at IS NOT NULL, last_task_at, created_at
            LIMIT ?
            """,
            (idle_count,),
        )
        return Digest(
            open=int(row["open"] or 0) if row else 0,
            overdue=int(row["overdue"] or 0) if row else 0,
            done_last_day=int(row["done_last_day"] or 0) if row else 0,
            not_helped=[r["id"] for r in not_helped],
            idle=[IdleVolunteer(r["user_id"], r["first_name"], r["last_task_at"]) for r in idle],
        )

    async def digest_lists(self, now: float, limit: int = 10) -> DigestLists:
        """The requests, volunteers and concerns the digest names (at most `limit` each)."""

        async def ids(where: str, params: dict[str, float]) -> list[int]:
            rows = await self._db.fetchall(
                f"SELECT id FROM requests WHERE {where} ORDER BY id LIMIT {int(limit)}", params
            )
            return [int(r["id"]) for r in rows]

        since = {"now": now, "since": now - DAY_S}
        concerns = await self._db.fetchall(
            "SELECT request_id FROM concerns WHERE created_at >= ? ORDER BY id LIMIT ?",
            (now - DAY_S, limit),
        )
        waiting = await self._db.fetchall(
            "SELECT u.first_name FROM volunteers v JOIN users u ON u.id = v.user_id "
            "WHERE v.status = 'pending' ORDER BY v.created_at LIMIT ?",
            (limit,),
        )
        return DigestLists(
            open=await ids("status = 'open'", since),
            overdue=await ids(
                "status IN ('open', 'claimed') AND due_at IS NOT NULL AND due_at < :now", since
            ),
            expired=await ids("status = 'expired' AND closed_at >= :since", since),
            concerns=[r["request_id"] for r in concerns],
            waiting=[str(r["first_name"]) for r in waiting],
        )
