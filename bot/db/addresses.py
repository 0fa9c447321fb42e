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
        return await self._where("volunteer_id = ? AND request_id = ?", volunteer_id, request_id)

    async def of_volunteer(self, volunteer_id: int) -> list[AddressMessage]:
        return await self._where("volunteer_id = ?", volunteer_id)

    async def of_person(self, user_id: int) -> list[AddressMessage]:
        """Every address message a person is in: sent to them as a volunteer, or showing
        their own address as a requester."""
        return await self._where(
            "volunteer_id = ? OR request_id IN (SELECT id FROM requests WHERE requester_id = ?)",
            user_id,
            user_id,
        )

    async def closed_before(self, before: float) -> list[AddressMessage]:
        """Those of requests closed before `before`: the retention purge's."""
        return await self._where(
            f"request_id IN (SELECT id FROM requests WHERE status IN {_CLOSED} AND closed_at < ?)",
            before,
        )

    async def _where(self, condition: str, *params: object) -> list[AddressMessage]:
        """The address messages `condition` picks, oldest first."""
        rows = await self._db.fetchall(
            f"SELECT * FROM address_messages WHERE {condition} ORDER BY sent_at", params
        )
        return [record(AddressMessage, row) for row in rows]

    async def forget(self, chat_id: int, message_id: int) -> None:
        await self._db.execute(
            "DELETE FROM address_messages WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
