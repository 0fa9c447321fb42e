"""The volunteer roster as coordinators see it: finding a volunteer, pausing or removing
one, every change written to the audit table with who made it."""

from __future__ import annotations

from bot.db.connection import Database, Transaction
from bot.db.rows import record
from bot.domain.models import RosterEntry, VolunteerStatus


async def _audit(tx: Transaction, now: float, actor_id: int, subject_id: int, action: str) -> None:
    await tx.execute(
        "INSERT INTO audit (at, actor_id, subject_id, action) VALUES (?, ?, ?, ?)",
        (now, actor_id, subject_id, action),
    )


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class RosterRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def listing(
        self, offset: int, limit: int, search: str | None = None
    ) -> tuple[list[RosterEntry], int]:
        """Volunteers approved first, then waiting, then turned down; by name. With
        `search`, only those whose name contains it, or whose id it is."""
        where, params = "1 = 1", []
        if search:
            where = "(u.first_name LIKE ? ESCAPE '\\' OR v.user_id = ?)"
            params = [_like(search), int(search) if search.isdigit() else -1]
        rows = await self._db.fetchall(
            f"""
            SELECT v.user_id, u.first_name, v.status, v.paused, v.dbs_checked, v.held_at
            FROM volunteers v JOIN users u ON u.id = v.user_id
            WHERE {where}
            ORDER BY CASE v.status WHEN 'approved' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END,
                     lower(u.first_name), v.user_id
            LIMIT ? OFFSET ?
            """,
            [*params, limit, offset],
        )
        total = await self._db.number(
            f"SELECT count(*) FROM volunteers v JOIN users u ON u.id = v.user_id WHERE {where}",
            params,
        )
        entries = [
            record(
                RosterEntry,
                row,
                status=VolunteerStatus(row["status"]),
                paused=bool(row["paused"]),
                dbs_checked=bool(row["dbs_checked"]),
                held=row["held_at"] is not None,
            )
            for row in rows
        ]
        return entries, total

    async def hold(self, user_id: int, actor_id: int, reason: str, now: float) -> bool:
        """A coordinator holds a volunteer: no pings and no taking requests until a
        coordinator lifts it. False if there is no such volunteer or they are held already."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE volunteers SET held_at = ?, held_by = ?, held_reason = ?, updated_at = ? "
                "WHERE user_id = ? AND held_at IS NULL",
                (now, actor_id, reason, now, user_id),
            )
            if cursor.rowcount != 1:
                return False
            await _audit(tx, now, actor_id, user_id, "volunteer:paused")
            return True

    async def lift_hold(self, user_id: int, actor_id: int, now: float) -> bool:
        """A coordinator lifts the hold; False if there was none. The volunteer's own
        /pause, if any, stays as it was."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE volunteers SET held_at = NULL, held_by = NULL, held_reason = NULL, "
                "updated_at = ? WHERE user_id = ? AND held_at IS NOT NULL",
                (now, user_id),
            )
            if cursor.rowcount != 1:
                return False
            await _audit(tx, now, actor_id, user_id, "volunteer:resumed")
            return True

    async def remove(self, user_id: int, actor_id: int, now: float) -> bool:
        """Take someone off the roster: their profile (where they live, what they offer)
        and availability go. Their past tasks stay, as the group's record. Signing up again
        means a coordinator approving them again."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute("DELETE FROM volunteers WHERE user_id = ?", (user_id,))
            if cursor.rowcount != 1:
                return False
            await tx.execute("DELETE FROM availability WHERE user_id = ?", (user_id,))
            await _audit(tx, now, actor_id, user_id, "volunteer:removed")
            return True
