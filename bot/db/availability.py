"""When volunteers are usually free; kept beside their profile, empty meaning any time."""

from __future__ import annotations

from collections.abc import Iterable

from bot.db.connection import Database
from bot.domain.models import Slot


class AvailabilityRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def of(self, user_id: int) -> frozenset[Slot]:
        row = await self._db.fetchone(
            "SELECT slots FROM availability WHERE user_id = ?", (user_id,)
        )
        return _slots(row["slots"]) if row else frozenset()

    async def set(self, user_id: int, slots: Iterable[Slot]) -> None:
        await self._db.execute(
            "INSERT INTO availability (user_id, slots) VALUES (?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET slots = excluded.slots",
            (user_id, ",".join(sorted(s.value for s in slots))),
        )


def _slots(raw: str) -> frozenset[Slot]:
    found = set()
    for code in raw.split(","):
        try:
            found.add(Slot(code))
        except ValueError:
            continue
    return frozenset(found)
