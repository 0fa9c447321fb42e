"""The outbox: domain events stored with the transition that caused them, and which
subscriber has had each (see migrations/0016_events.sql)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.db.connection import Database
from bot.domain.events import Event, StoredEvent, from_json


class EventRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """One transaction that the repositories' statements inside it join."""
        async with self._db.transaction():
            yield

    async def add(self, event: Event, now: float, hold_key: str | None = None) -> int:
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT INTO events (kind, payload, created_at, hold_key) VALUES (?, ?, ?, ?)",
                (event.kind, event.to_json(), now, hold_key),
            )
            return int(cursor.lastrowid or 0)

    async def release(self, hold_key: str) -> bool:
        """Let held events go; False if none was held under that key."""
        changed = await self._db.execute(
            "UPDATE events SET hold_key = NULL WHERE hold_key = ?", (hold_key,)
        )
        return changed > 0

    async def undelivered(self, *, held_too: bool, after: int = 0) -> list[StoredEvent]:
        """Events some subscriber has not had yet, oldest first, with who has had them."""
        rows = await self._db.fetchall(
            """
            SELECT e.id, e.kind, e.payload,
                (SELECT group_concat(d.subscriber, char(31)) FROM event_deliveries d
                 WHERE d.event_id = e.id) AS done
            FROM events e
            WHERE e.id > ? AND (? OR e.hold_key IS NULL)
            ORDER BY e.id
            LIMIT 200
            """,
            (after, held_too),
        )
        return [
            StoredEvent(
                id=row["id"],
                event=from_json(row["kind"], row["payload"]),
                done=frozenset(row["done"].split("\x1f")) if row["done"] else frozenset(),
            )
            for row in rows
        ]

    async def mark_done(self, event_id: int, subscriber: str, now: float) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO event_deliveries (event_id, subscriber, delivered_at) "
            "VALUES (?, ?, ?)",
            (event_id, subscriber, now),
        )

    async def mark_delivered(self, event_id: int, now: float) -> None:
        """Every subscriber has had it: it goes (with its deliveries). An event names
        people by id, and an erasure must leave no id behind (tests/test_nothing_left.py)."""
        await self._db.execute("DELETE FROM events WHERE id = ?", (event_id,))
