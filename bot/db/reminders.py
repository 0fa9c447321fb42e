"""Reminders as rows: scheduled once, fired once, cancelled when they no longer apply."""

from __future__ import annotations

from collections.abc import Collection

from bot.db.claims import CLAIM_NEXT_REMINDER
from bot.db.connection import Database
from bot.db.rows import record
from bot.domain.models import NewReminder, Reminder


class ReminderRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, new: NewReminder, now: float) -> Reminder | None:
        """Store a reminder; None if one with this key exists already (in any state)."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                """
                INSERT OR IGNORE INTO reminders
                    (key, kind, request_id, series_id, user_id, due_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                (new.key, new.kind, new.request_id, new.series_id, new.user_id, new.due_at, now),
            )
            if cursor.rowcount != 1:
                return None
            row = await tx.fetchone("SELECT * FROM reminders WHERE key = ?", (new.key,))
        return record(Reminder, row) if row else None

    async def claim(self, reminder_id: int, now: float) -> Reminder | None:
        """Mark a due reminder fired; None if it already fired or was cancelled. Claiming
        before acting is what makes a reminder fire once even when two timers race."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE reminders SET state = 'fired', fired_at = ? "
                "WHERE id = ? AND state = 'pending'",
                (now, reminder_id),
            )
            if cursor.rowcount != 1:
                return None
            row = await tx.fetchone("SELECT * FROM reminders WHERE id = ?", (reminder_id,))
        return record(Reminder, row) if row else None

    async def release(self, reminder_id: int) -> None:
        """A fired reminder whose action the database cut short: pending again, to fire
        anew (what the action wrote was rolled back with it)."""
        await self._db.execute(
            "UPDATE reminders SET state = 'pending', fired_at = NULL "
            "WHERE id = ? AND state = 'fired'",
            (reminder_id,),
        )

    async def claim_next(self, now: float) -> Reminder | None:
        """Mark the earliest due reminder fired and return it; None when none is due. Two
        processes claiming at once get different ones (on PostgreSQL, bot/db/claims.py);
        one at a time, so that a crash between claiming and acting costs one reminder."""
        if self._db.dialect == "postgresql":
            row = await self._db.fetchone(CLAIM_NEXT_REMINDER, (now, now))
            return record(Reminder, row) if row else None
        # SQLite: one process, one writer; what is due now is claimed as `claim` does.
        while due := await self.due(now, limit=1):
            claimed = await self.claim(due[0].id, now)
            if claimed is not None:
                return claimed
        return None

    async def cancel(
        self,
        *,
        request_id: int,
        kinds: Collection[str] | None = None,
        sparing: Collection[str] = (),
    ) -> list[int]:
        """Cancel a request's pending reminders (of these kinds, but not of the `sparing`
        kinds); returns their ids."""
        params: list[object] = [request_id]
        kind_sql = ""
        if kinds:
            kind_sql = f"AND kind IN ({','.join('?' * len(kinds))})"
            params += list(kinds)
        if sparing:
            kind_sql += f" AND kind NOT IN ({','.join('?' * len(sparing))})"
            params += list(sparing)
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                f"SELECT id FROM reminders WHERE request_id = ? AND state = 'pending' {kind_sql}",
                params,
            )
            ids = [row["id"] for row in rows]
            if ids:
                await tx.execute(
                    f"UPDATE reminders SET state = 'cancelled' "
                    f"WHERE id IN ({','.join('?' * len(ids))})",
                    ids,
                )
        return ids

    async def cancel_series(self, series_id: int) -> list[int]:
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT id FROM reminders WHERE series_id = ? AND state = 'pending'",
                (series_id,),
            )
            ids = [row["id"] for row in rows]
            await tx.execute(
                "UPDATE reminders SET state = 'cancelled' WHERE series_id = ? "
                "AND state = 'pending'",
                (series_id,),
            )
        return ids

    async def due(self, now: float, limit: int) -> list[Reminder]:
        """Pending reminders whose time has come, earliest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM reminders WHERE state = 'pending' AND due_at <= ? "
            "ORDER BY due_at, id LIMIT ?",
            (now, limit),
        )
        return [record(Reminder, row) for row in rows]

    async def pending_summary(self) -> tuple[int, float | None]:
        """How many reminders are pending, and when the earliest falls due."""
        row = await self._db.fetchone(
            "SELECT count(*), min(due_at) FROM reminders WHERE state = 'pending'"
        )
        return (int(row[0]), row[1]) if row else (0, None)

    async def get(self, reminder_id: int) -> Reminder | None:
        row = await self._db.fetchone("SELECT * FROM reminders WHERE id = ?", (reminder_id,))
        return record(Reminder, row) if row else None
