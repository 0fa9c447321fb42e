"""Broadcasts and their outbox: one row per recipient, drained a few rows at a time.

The audience is turned into outbox rows by one INSERT ... SELECT inside SQLite, and the
drain reads small batches, so the bot's memory does not grow with the audience.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.db.connection import Database, Row
from bot.db.rows import record
from bot.domain.broadcasts import Audience, Broadcast, BroadcastStatus, Counts, Delivery, Recipient

BATCH = 100


# Consented people who have not blocked the bot, narrowed by audience. Constant SQL chosen
# by the enum; the only values (ADMIN_IDS) are bound as parameters.
_AUDIENCE_SQL = {
    Audience.EVERYONE: "",
    Audience.VOLUNTEERS: (
        " AND EXISTS (SELECT 1 FROM volunteers v WHERE v.user_id = u.id AND v.status = 'approved')"
    ),
    Audience.REQUESTERS: (" AND EXISTS (SELECT 1 FROM requests r WHERE r.requester_id = u.id)"),
    # ADMIN_IDS count unless a coordinator dismissed them (migration 0008).
    Audience.COORDINATORS: " AND (u.is_coordinator = 1 OR (u.id IN ({admins}) "
    "AND u.id NOT IN (SELECT user_id FROM dismissed_coordinators)))",
}


def _audience_filter(audience: Audience, admin_ids: Iterable[int]) -> tuple[str, list[int]]:
    ids = sorted(set(admin_ids))
    where = "u.consented_at IS NOT NULL AND u.blocked_at IS NULL" + _AUDIENCE_SQL[audience]
    if audience is Audience.COORDINATORS:
        return where.format(admins=",".join("?" * len(ids)) or "NULL"), ids
    return where, []


def _broadcast(row: Row) -> Broadcast:
    return record(
        Broadcast, row, audience=Audience(row["audience"]), status=BroadcastStatus(row["status"])
    )


class BroadcastRepository:
    def __init__(self, db: Database, admin_ids: Iterable[int] = ()) -> None:
        self._db = db
        self._admin_ids = frozenset(admin_ids)

    async def count_audience(self, audience: Audience) -> int:
        where, params = _audience_filter(audience, self._admin_ids)
        return await self._db.number(f"SELECT COUNT(*) FROM users u WHERE {where}", params)

    async def create(self, coordinator_id: int, audience: Audience, text: str, now: float) -> int:
        """A draft: nothing is queued until Send is pressed."""
        return await self._db.insert(
            "INSERT INTO broadcasts (coordinator_id, audience, text, created_at) "
            "VALUES (?, ?, ?, ?)",
            (coordinator_id, audience.value, text, now),
        )

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self._db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return _broadcast(row) if row else None

    async def begin(self, broadcast_id: int, now: float) -> int | None:
        """Draft -> sending, with one outbox row per recipient; the number queued, or None
        when it was not a draft (a second press of Send, a repeated update: no-op)."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE broadcasts SET status = 'sending', started_at = ? "
                "WHERE id = ? AND status = 'draft'",
                (now, broadcast_id),
            )
            if cursor.rowcount != 1:
                return None
            row = await tx.fetchone(
                "SELECT audience FROM broadcasts WHERE id = ?", (broadcast_id,)
            )
            assert row is not None
            where, params = _audience_filter(Audience(row["audience"]), self._admin_ids)
            cursor = await tx.execute(
                f"INSERT INTO outbox (broadcast_id, user_id) "
                f"SELECT ?, u.id FROM users u WHERE {where} ORDER BY u.id",
                [broadcast_id, *params],
            )
            total = cursor.rowcount
            await tx.execute("UPDATE broadcasts SET total = ? WHERE id = ?", (total, broadcast_id))
            return total

    async def cancel(self, broadcast_id: int, now: float) -> bool:
        changed = await self._db.execute(
            "UPDATE broadcasts SET status = 'cancelled', finished_at = ? "
            "WHERE id = ? AND status = 'draft'",
            (now, broadcast_id),
        )
        return changed == 1

    async def stop(self, broadcast_id: int, coordinator_id: int, now: float) -> bool:
        """Stop pressed: no row of it is sent from now on. True only for the press that
        did it (not for a second press, nor once it has finished)."""
        changed = await self._db.execute(
            "UPDATE broadcasts SET stopped_by = ?, stopped_at = ? "
            "WHERE id = ? AND status = 'sending' AND stopped_at IS NULL",
            (coordinator_id, now, broadcast_id),
        )
        return changed == 1

    async def sending(self) -> list[Broadcast]:
        """Broadcasts still going out, oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM broadcasts WHERE status = 'sending' ORDER BY id"
        )
        return [_broadcast(row) for row in rows]

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
            (chat_id, message_id, broadcast_id),
        )

    async def pending(self, broadcast_id: int, limit: int = BATCH) -> list[Recipient]:
        """The next few rows to send, in the order they were queued."""
        rows = await self._db.fetchall(
            """
            SELECT o.id, o.user_id, u.language, u.blocked_at
            FROM outbox o JOIN users u ON u.id = o.user_id
            WHERE o.broadcast_id = ? AND o.state = 'pending' AND NOT EXISTS (
                SELECT 1 FROM broadcasts b
                WHERE b.id = o.broadcast_id AND b.stopped_at IS NOT NULL)
            ORDER BY o.id
            LIMIT ?
            """,
            (broadcast_id, limit),
        )
        return [
            Recipient(row["id"], row["user_id"], row["language"], row["blocked_at"] is not None)
            for row in rows
        ]

    async def claim(self, entry_id: int) -> bool:
        """Pending -> sending, stored before the Bot API call: if the bot dies during the
        call, the row says so at the next start. Never once its broadcast is stopped."""
        changed = await self._db.execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1 "
            "WHERE id = ? AND state = 'pending' AND NOT EXISTS (SELECT 1 FROM broadcasts b "
            "WHERE b.id = outbox.broadcast_id AND b.stopped_at IS NOT NULL)",
            (entry_id,),
        )
        return changed == 1

    async def release(self, entry_id: int) -> None:
        """Sending -> pending: Telegram surely did not deliver it (429, connection refused)."""
        await self._db.execute(
            "UPDATE outbox SET state = 'pending' WHERE id = ? AND state = 'sending'",
            (entry_id,),
        )

    async def settle(self, entry_id: int, state: Delivery, now: float) -> None:
        """The outcome of a row that was pending or being sent."""
        await self._db.execute(
            "UPDATE outbox SET state = ?, sent_at = ? "
            "WHERE id = ? AND state IN ('pending', 'sending')",
            (state.value, now if state is Delivery.SENT else None, entry_id),
        )

    async def mark_interrupted(self) -> int:
        """At start-up, before any drain runs: rows caught mid-send by the last stop."""
        return await self._db.execute("UPDATE outbox SET state = 'unsure' WHERE state = 'sending'")

    async def counts(self, broadcast_id: int) -> Counts:
        rows = await self._db.fetchall(
            "SELECT state, COUNT(*) AS n FROM outbox WHERE broadcast_id = ? GROUP BY state",
            (broadcast_id,),
        )
        by_state = {row["state"]: int(row["n"]) for row in rows}
        return Counts(
            total=sum(by_state.values()),
            sent=by_state.get(Delivery.SENT, 0),
            blocked=by_state.get(Delivery.BLOCKED, 0),
            failed=by_state.get(Delivery.FAILED, 0),
            unsure=by_state.get(Delivery.UNSURE, 0),
        )

    async def finish(self, broadcast_id: int, counts: Counts, now: float) -> bool:
        """Sending -> done with the final counts; True only for the call that did it."""
        changed = await self._db.execute(
            """
            UPDATE broadcasts
            SET status = 'done', finished_at = ?, sent = ?, blocked = ?, failed = ?, unsure = ?
            WHERE id = ? AND status = 'sending'
            """,
            (now, counts.sent, counts.blocked, counts.failed, counts.unsure, broadcast_id),
        )
        return changed == 1
