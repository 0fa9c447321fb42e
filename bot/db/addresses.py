"""Which messages showed a volunteer a request's address, so that each can be deleted (or
edited blank) when the task stops being theirs."""

from __future__ import annotations

from bot.db.connection import Database
from bot.db.rows import record
from bot.domain.models import AddressMessage

_CLOSED = "('done', 'cancelled', 'expired')"


class AddressMessageRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, request_id: int, volunteer_id: int, chat_id: int, message_id: int, now: float
    ) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO address_messages "
            "(chat_id, message_id, request_id, volunteer_id, sent_at) VALUES (?, ?, ?, ?, ?)",
            (chat_id, message_id, request_id, volunteer_id, now),
        )

    async def find(self, chat_id: int, message_id: int) -> AddressMessage | None:
        row = await self._db.fetchone(
            "SELECT * FROM address_messages WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return record(AddressMessage, row) if row else None

    async def of_task(self, request_id: int, volunteer_id: int) -> list[AddressMessage]:
        rows = await self._db.fetchall(
            "SELECT * FROM address_messages WHERE request_id = ? AND volunteer_id = ? "
            "ORDER BY sent_at",
            (request_id, volunteer_id),
        )
        return [record(AddressMessage, row) for row in rows]

    async def of_volunteer(self, volunteer_id: int) -> list[AddressMessage]:
        rows = await self._db.fetchall(
            "SELECT * FROM address_messages WHERE volunteer_id = ? ORDER BY sent_at",
            (volunteer_id,),
        )
        return [record(AddressMessage, row) for row in rows]

    async def of_person(self, user_id: int) -> list[AddressMessage]:
        """Every address message a person is in: sent to them as a volunteer, or showing
        their own address as a requester."""
        rows = await self._db.fetchall(
            "SELECT * FROM address_messages WHERE volunteer_id = ? OR request_id IN "
            "(SELECT id FROM requests WHERE requester_id = ?) ORDER BY sent_at",
            (user_id, user_id),
        )
        return [record(AddressMessage, row) for row in rows]

    async def closed_before(self, before: float) -> list[AddressMessage]:
        """Those of requests closed before `before`: the retention purge's."""
        rows = await self._db.fetchall(
            "SELECT m.* FROM address_messages m JOIN requests r ON r.id = m.request_id "
            f"WHERE r.status IN {_CLOSED} AND r.closed_at < ? ORDER BY m.sent_at",
            (before,),
        )
        return [record(AddressMessage, row) for row in rows]

    async def forget(self, chat_id: int, message_id: int) -> None:
        await self._db.execute(
            "DELETE FROM address_messages WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
