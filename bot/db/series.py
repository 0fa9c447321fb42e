"""Recurring help: a weekly shop or a daily walk, each occurrence its own request."""

from __future__ import annotations

from bot.db.connection import Database, Row
from bot.db.requests import need_values
from bot.db.rows import record
from bot.domain.models import Category, NewSeries, Series


def _series(row: Row) -> Series:
    return record(Series, row, category=Category(row["category"]), active=bool(row["active"]))


class SeriesRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, new: NewSeries, now: float) -> Series:
        series_id = await self._db.insert(
            """
            INSERT INTO series (requester_id, category, description, address, lat, lon, every,
                next_due_at, local_time, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (*need_values(new), new.every, new.next_due_at, new.local_time, now),
        )
        series = await self.get(series_id)
        assert series is not None
        return series

    async def get(self, series_id: int) -> Series | None:
        row = await self._db.fetchone("SELECT * FROM series WHERE id = ?", (series_id,))
        return _series(row) if row else None

    async def advance(self, series_id: int, from_due_at: float, to_due_at: float) -> bool:
        """Move to the next occurrence, once: False if it had already moved on."""
        changed = await self._db.execute(
            "UPDATE series SET next_due_at = ? WHERE id = ? AND next_due_at = ? AND active = 1",
            (to_due_at, series_id, from_due_at),
        )
        return changed == 1

    async def stop(self, series_id: int, requester_id: int) -> bool:
        changed = await self._db.execute(
            "UPDATE series SET active = 0 WHERE id = ? AND requester_id = ? AND active = 1",
            (series_id, requester_id),
        )
        return changed == 1

    async def active_of(self, requester_id: int) -> list[Series]:
        rows = await self._db.fetchall(
            "SELECT * FROM series WHERE requester_id = ? AND active = 1 ORDER BY id",
            (requester_id,),
        )
        return [_series(row) for row in rows]
