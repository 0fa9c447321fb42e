"""The messages relayed between a request's requester and its volunteer."""

from __future__ import annotations

from bot.db.connection import Database, Row
from bot.domain.relay import Kind, RelayedMessage, Side


def _message(row: Row) -> RelayedMessage:
    return RelayedMessage(
        id=row["id"],
        request_id=row["request_id"],
        sender_id=row["sender_id"],
        side=Side(row["side"]),
        kind=Kind(row["kind"]),
        text=row["text"],
        file_id=row["file_id"],
        lat=row["lat"],
        lon=row["lon"],
        sent_at=row["sent_at"],
    )


class RelayRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        request_id: int,
        sender_id: int,
        side: Side,
        kind: Kind,
        text: str,
        file_id: str | None,
        where: tuple[float, float] | None,
        now: float,
    ) -> int:
        lat, lon = where if where is not None else (None, None)
        return await self._db.insert(
            "INSERT INTO relay_messages "
            "(request_id, sender_id, side, kind, text, file_id, lat, lon, sent_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (request_id, sender_id, side.value, kind.value, text, file_id, lat, lon, now),
        )

    async def sent_since(self, sender_id: int, since: float) -> int:
        row = await self._db.fetchone(
            "SELECT count(*) FROM relay_messages WHERE sender_id = ? AND sent_at >= ?",
            (sender_id, since),
        )
        return int(row[0]) if row else 0

    async def of_request(self, request_id: int) -> list[RelayedMessage]:
        rows = await self._db.fetchall(
            "SELECT * FROM relay_messages WHERE request_id = ? ORDER BY sent_at, id",
            (request_id,),
        )
        return [_message(row) for row in rows]
