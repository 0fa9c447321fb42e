"""People who have talked to the bot: consent, language, role, whether they blocked us."""

from __future__ import annotations

from bot.db.connection import Database, Row
from bot.db.rows import record
from bot.domain.models import User


def user_from(row: Row) -> User:
    return record(User, row, is_coordinator=bool(row["is_coordinator"]))


class UserRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> User | None:
        row = await self._db.fetchone("SELECT * FROM users WHERE id = ?", (user_id,))
        return user_from(row) if row else None

    async def record_consent(
        self, user_id: int, first_name: str, language: str, notice_version: int, now: float
    ) -> User:
        """Store the person for the first time (or again): only after they agreed."""
        await self._db.execute(
            """
            INSERT INTO users (id, first_name, language, consented_at, notice_version, created_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET
                first_name = excluded.first_name,
                consented_at = excluded.consented_at,
                notice_version = excluded.notice_version,
                blocked_at = NULL
            """,
            (user_id, first_name, language, now, notice_version, now),
        )
        user = await self.get(user_id)
        assert user is not None
        return user

    async def update_first_name(self, user_id: int, first_name: str) -> None:
        await self._db.execute(
            "UPDATE users SET first_name = ? WHERE id = ? AND first_name <> ?",
            (first_name, user_id, first_name),
        )

    async def set_language(self, user_id: int, language: str) -> bool:
        """Remember the language someone chose; False if they haven't agreed to be stored."""
        changed = await self._db.execute(
            "UPDATE users SET language = ? WHERE id = ?", (language, user_id)
        )
        return changed > 0

    async def set_blocked(self, user_id: int, blocked_at: float | None) -> bool:
        """Mark that someone blocked the bot (a time) or came back (None)."""
        changed = await self._db.execute(
            "UPDATE users SET blocked_at = ? WHERE id = ?", (blocked_at, user_id)
        )
        return changed > 0
