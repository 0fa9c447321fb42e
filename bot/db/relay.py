"""The messages relayed between a request's requester and its volunteer."""

from __future__ import annotations

from bot.db.connection import Database
from bot.db.rows import record
from bot.domain.relay import Kind, RelayedMessage, Said, Side


# A request's line and an offer take's line keep their messages alike, in two tables
# (relay_messages by request_id, offer_messages by take_id); the names are constants here.
async def keep_said(
    db: Database, table: str, line_column: str, line_id: int, said: Said, now: float
) -> int:
    lat, lon = said.where if said.where is not None else (None, None)
    values = (said.sender_id, said.side.value, said.kind.value, said.text, said.file_id)
    return await db.insert(
        f"INSERT INTO {table} "
        f"({line_column}, sender_id, side, kind, text, file_id, lat, lon, sent_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (line_id, *values, lat, lon, now),
    )


async def count_said_since(db: Database, table: str, sender_id: int, since: float) -> int:
    return await db.number(
        f"SELECT count(*) FROM {table} WHERE sender_id = ? AND sent_at >= ?", (sender_id, since)
    )


class RelayRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, request_id: int, said: Said, now: float) -> int:
        return await keep_said(self._db, "relay_messages", "request_id", request_id, said, now)

    async def sent_since(self, sender_id: int, since: float) -> int:
        return await count_said_since(self._db, "relay_messages", sender_id, since)

    async def of_request(self, request_id: int) -> list[RelayedMessage]:
        rows = await self._db.fetchall(
            "SELECT * FROM relay_messages WHERE request_id = ? ORDER BY sent_at, id",
            (request_id,),
        )
        return [
            record(RelayedMessage, row, side=Side(row["side"]), kind=Kind(row["kind"]))
            for row in rows
        ]
