"""The outbox: domain events stored with the transition that caused them, and which
subscriber has had each (see migrations/0016_events.sql)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager

from bot.db.connection import Database
from bot.domain.events import KINDS, Event, StoredEvent, from_json

_LOGGER = logging.getLogger(__name__)


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
        found = []
        for row in rows:
            if row["kind"] not in KINDS:
                # Written by a newer version (and this one started after it): kept for it.
                _LOGGER.warning(
                    "Event %s is of a kind this version lacks: %s", row["id"], row["kind"]
                )
                continue
            done = frozenset(row["done"].split("\x1f")) if row["done"] else frozenset()
            found.append(StoredEvent(row["id"], from_json(row["kind"], row["payload"]), done))
        return found

    async def mark_done(self, event_id: int, subscriber: str, now: float) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO event_deliveries (event_id, subscriber, delivered_at) "
            "VALUES (?, ?, ?)",
            (event_id, subscriber, now),
        )

    async def mark_delivered(self, event_id: int, subscribers: Collection[str]) -> bool:
        """Delete the event if every one of `subscribers` has had it (whichever lane
        finishes last sees that): it names people by id, and an erasure must leave no id
        behind (tests/test_nothing_left.py). True if it went."""
        deleted = await self._db.execute(
            """
            DELETE FROM events WHERE id = ? AND NOT EXISTS (
                SELECT 1 FROM json_each(?) AS wanted WHERE wanted.value NOT IN
                    (SELECT subscriber FROM event_deliveries WHERE event_id = ?)
            )
            """,
            (event_id, json.dumps(sorted(subscribers)), event_id),
        )
        return deleted == 1
