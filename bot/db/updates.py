"""Which Telegram updates were handled already, so a second delivery has no effect."""

from __future__ import annotations

from bot.db.connection import Database

# Telegram redelivers within minutes; a day is plenty. Pruned at start-up and by the
# daily purge (bot.services.privacy), which keeps the table small on a bot that runs for
# months.
KEEP_S = 86400


class HandledUpdates:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def seen(self, update_id: int) -> bool:
        return await self._db.exists(
            "SELECT 1 FROM handled_updates WHERE update_id = ?", (update_id,)
        )

    async def remember(self, update_id: int, now: float) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO handled_updates (update_id, handled_at) VALUES (?, ?)",
            (update_id, now),
        )

    async def prune(self, now: float) -> int:
        """Forget the ids handled more than KEEP_S ago."""
        return await self._db.execute(
            "DELETE FROM handled_updates WHERE handled_at < ?", (now - KEEP_S,)
        )
