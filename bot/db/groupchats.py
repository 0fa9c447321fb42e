"""The neighbourhood's group chat: which chats are linked, and each request's post there."""

from __future__ import annotations

from bot.db.connection import Database
from bot.db.rows import record
from bot.domain.models import GroupChat, GroupPost


class GroupChatRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def link(self, chat_id: int, title: str, coordinator_id: int, now: float) -> bool:
        """Link a chat; False if it already was (its title is refreshed)."""
        async with self._db.transaction() as tx:
            known = await tx.fetchone("SELECT 1 FROM group_chats WHERE chat_id = ?", (chat_id,))
            await tx.execute(
                "INSERT INTO group_chats (chat_id, title, linked_by, linked_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET title = excluded.title",
                (chat_id, title, coordinator_id, now),
            )
            if known is not None:
                return False
            await tx.execute(
                "INSERT INTO audit (at, actor_id, action, note) "
                "VALUES (?, ?, 'groupchat:linked', ?)",
                (now, coordinator_id, str(chat_id)),
            )
            return True

    async def unlink(self, chat_id: int, actor_id: int | None, now: float) -> bool:
        async with self._db.transaction() as tx:
            cursor = await tx.execute("DELETE FROM group_chats WHERE chat_id = ?", (chat_id,))
            if cursor.rowcount != 1:
                return False
            await tx.execute(
                "INSERT INTO audit (at, actor_id, action, note) "
                "VALUES (?, ?, 'groupchat:unlinked', ?)",
                (now, actor_id, str(chat_id)),
            )
            return True

    async def linked(self) -> list[GroupChat]:
        rows = await self._db.fetchall("SELECT chat_id, title FROM group_chats ORDER BY linked_at")
        return [record(GroupChat, row) for row in rows]

    async def moved(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup, which has a new id: follow it."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE OR IGNORE group_chats SET chat_id = ? WHERE chat_id = ?",
                (new_chat_id, old_chat_id),
            )
            await tx.execute(
                "UPDATE OR IGNORE group_posts SET chat_id = ? WHERE chat_id = ?",
                (new_chat_id, old_chat_id),
            )

    async def posts_of(self, request_id: int) -> list[GroupPost]:
        rows = await self._db.fetchall(
            "SELECT * FROM group_posts WHERE request_id = ? ORDER BY chat_id", (request_id,)
        )
        return [record(GroupPost, row) for row in rows]

    async def posted_in(self, request_id: int, chat_id: int) -> bool:
        return await self._db.exists(
            "SELECT 1 FROM group_posts WHERE request_id = ? AND chat_id = ? "
            "AND message_id IS NOT NULL",
            (request_id, chat_id),
        )

    async def reserve(self, request_id: int, chat_id: int, now: float) -> bool:
        """Record a post before it is sent (so a crash never posts twice); False if the
        request already has one in that chat."""
        changed = await self._db.execute(
            "INSERT OR IGNORE INTO group_posts (request_id, chat_id, posted_at) VALUES (?, ?, ?)",
            (request_id, chat_id, now),
        )
        return changed == 1

    async def set_message(self, request_id: int, chat_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE group_posts SET message_id = ? WHERE request_id = ? AND chat_id = ?",
            (message_id, request_id, chat_id),
        )

    async def drop(self, request_id: int, chat_id: int) -> None:
        """Telegram refused the post: no record of one."""
        await self._db.execute(
            "DELETE FROM group_posts WHERE request_id = ? AND chat_id = ?", (request_id, chat_id)
        )

    async def set_shown(self, request_id: int, chat_id: int, shown: str) -> None:
        await self._db.execute(
            "UPDATE group_posts SET shown = ? WHERE request_id = ? AND chat_id = ?",
            (shown, request_id, chat_id),
        )
