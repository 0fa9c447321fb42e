"""Pings: which message told which volunteer about which request, so it can be edited later."""

from __future__ import annotations

from bot.db.connection import Database
from bot.db.rows import record
from bot.domain.models import NewPing, Ping


class PingRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, ping: NewPing, now: float) -> int | None:
        """Record a ping before it is sent (so a crash never pings twice); None if this
        volunteer already had one in this round."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                """
                INSERT OR IGNORE INTO pings
                    (request_id, volunteer_id, round, wave, distance_km, sent_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                (ping.request_id, ping.volunteer_id, ping.round, ping.wave, ping.distance_km, now),
            )
            return int(cursor.lastrowid or 0) if cursor.rowcount == 1 else None

    async def set_message(self, ping_id: int, chat_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE pings SET chat_id = ?, message_id = ? WHERE id = ?",
            (chat_id, message_id, ping_id),
        )

    async def find(self, request_id: int, volunteer_id: int, round_: int) -> Ping | None:
        row = await self._db.fetchone(
            "SELECT * FROM pings WHERE request_id = ? AND volunteer_id = ? AND round = ?",
            (request_id, volunteer_id, round_),
        )
        return record(Ping, row) if row else None

    async def for_request(self, request_id: int, round_: int | None = None) -> list[Ping]:
        if round_ is None:
            rows = await self._db.fetchall(
                "SELECT * FROM pings WHERE request_id = ? ORDER BY id", (request_id,)
            )
        else:
            rows = await self._db.fetchall(
                "SELECT * FROM pings WHERE request_id = ? AND round = ? ORDER BY id",
                (request_id, round_),
            )
        return [record(Ping, row) for row in rows]

    async def set_answer(self, ping_id: int, answer: str) -> bool:
        """Record a volunteer's answer once; False if they had already answered."""
        changed = await self._db.execute(
            "UPDATE pings SET answer = ? WHERE id = ? AND answer IS NULL", (answer, ping_id)
        )
        return changed == 1

    async def mark_released(self, request_id: int, volunteer_id: int) -> None:
        """The volunteer handed the request back: never ping them about it again."""
        await self._db.execute(
            "UPDATE pings SET answer = 'released' WHERE request_id = ? AND volunteer_id = ? "
            "AND answer = 'accepted'",
            (request_id, volunteer_id),
        )

    async def handed_back(self, request_id: int, volunteer_id: int) -> bool:
        """Whether this volunteer once took this request and handed it back."""
        return await self._db.exists(
            "SELECT 1 FROM pings WHERE request_id = ? AND volunteer_id = ? "
            "AND answer = 'released' LIMIT 1",
            (request_id, volunteer_id),
        )

    async def last_wave(self, request_id: int, round_: int) -> int:
        return await self._db.number(
            "SELECT coalesce(max(wave), 0) FROM pings WHERE request_id = ? AND round = ?",
            (request_id, round_),
        )
