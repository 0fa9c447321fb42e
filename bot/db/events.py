"""The outbox: domain events stored with the transition that caused them, and which
subscriber has had each (see migrations/0016_events.sql)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager

from bot.db.claims import CLAIM_EVENT, OUTBOX_LANES
from bot.db.connection import Database
from bot.domain.events import KINDS, Claim, Event, StoredEvent, from_json

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
        """Events some subscriber has not had yet, oldest first, with who has had them:
        one statement, so that an event and its deliveries are read as they stood
        together (the other lane may delete it meanwhile)."""
        held = "" if held_too else " AND hold_key IS NULL"
        rows = await self._db.fetchall(
            f"""
            SELECT e.id, e.kind, e.payload, d.subscriber
            FROM events e LEFT JOIN event_deliveries d ON d.event_id = e.id
            WHERE e.id IN (SELECT id FROM events WHERE id > ?{held} ORDER BY id LIMIT 200)
            ORDER BY e.id
            """,
            (after,),
        )
        found: dict[int, tuple[str, str, set[str]]] = {}
        for row in rows:
            _kind, _payload, done = found.setdefault(
                int(row["id"]), (row["kind"], row["payload"], set())
            )
            if row["subscriber"] is not None:
                done.add(row["subscriber"])
        events = []
        for event_id, (kind, payload, done) in found.items():
            if kind not in KINDS:
                # Written by a newer version (and this one started after it): kept for it.
                _LOGGER.warning("Event %s is of a kind this version lacks: %s", event_id, kind)
                continue
            events.append(StoredEvent(event_id, from_json(kind, payload), frozenset(done)))
        return events

    @asynccontextmanager
    async def claim(self, stored: StoredEvent, lane: str) -> AsyncIterator[Claim]:
        """Hold an event for one lane while its subscribers have it (bot/db/claims.py).
        On SQLite one process delivers, each lane to its own subscribers: nothing to
        hold, and what `undelivered` read is still true."""
        if self._db.dialect != "postgresql" or self._db.in_transaction:
            # (Delivered inside the transaction that wrote it, the event is that
            # transaction's alone: no other connection sees it before the commit.)
            yield Claim(stored.done)
            return
        async with self._db.apart() as held:
            row = await held.fetchone(CLAIM_EVENT, (OUTBOX_LANES[lane], stored.id))
            if row is None or not row[0]:
                yield Claim(elsewhere=True)
                return
            # Read again under the claim: another process may have handed it on since.
            rows = await held.fetchall(
                "SELECT e.id, d.subscriber FROM events e "
                "LEFT JOIN event_deliveries d ON d.event_id = e.id WHERE e.id = ?",
                (stored.id,),
            )
            done = frozenset(r["subscriber"] for r in rows if r["subscriber"] is not None)
            yield Claim(done, gone=not rows)

    async def mark_done(self, event_id: int, subscriber: str, now: float) -> None:
        """This subscriber has had it (nothing, if the event is gone)."""
        await self._db.execute(
            "INSERT OR IGNORE INTO event_deliveries (event_id, subscriber, delivered_at) "
            "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM events WHERE id = ?)",
            (event_id, subscriber, now, event_id),
        )

    async def mark_delivered(self, event_id: int, subscribers: Collection[str]) -> bool:
        """Delete the event if every one of `subscribers` has had it (whichever lane
        finishes last sees that): it names people by id, and an erasure must leave no id
        behind (tests/test_nothing_left.py). True if it went."""
        names = sorted(set(subscribers))
        if not names:
            return await self._db.execute("DELETE FROM events WHERE id = ?", (event_id,)) == 1
        marks = ", ".join("?" for _ in names)
        deleted = await self._db.execute(
            f"""
            DELETE FROM events WHERE id = ? AND (
                SELECT COUNT(*) FROM event_deliveries
                WHERE event_id = ? AND subscriber IN ({marks})
            ) = ?
            """,
            (event_id, event_id, *names, len(names)),
        )
        return deleted == 1
