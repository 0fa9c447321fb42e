"""PTB persistence backed by the bot's own SQLite file.

Only conversation states and user_data (the drafts a conversation carries) are kept.
The application writes them after every update (see bot.telegram.app), not once a minute, so a
kill -9 a moment after the bot answered loses nothing (see MutualAidApplication for the
few milliseconds that remain).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from bot.db.connection import Database
from bot.resilience import is_transient

_LOGGER = logging.getLogger(__name__)
UserData = dict[Any, Any]
Write = Callable[[], Awaitable[None]]


class SQLitePersistence(BasePersistence[UserData, dict[Any, Any], dict[Any, Any]]):
    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=60,
        )
        self._db = db
        # Each row says when it was last written: the retention purge drops stale drafts.
        self._clock = clock
        # Writes a database fault held back, by what they write: the newest one wins.
        self._unsaved: dict[tuple[object, ...], Write] = {}

    @property
    def has_unsaved(self) -> bool:
        return bool(self._unsaved)

    async def save_unsaved(self) -> None:
        """Write what a database fault held back; raises while the fault lasts."""
        for what, write in list(self._unsaved.items()):
            await write()
            if self._unsaved.get(what) is write:
                del self._unsaved[what]

    async def _write(self, what: tuple[object, ...], write: Write) -> None:
        """PTB drops a write that fails; this one is kept and tried again after the next
        update (see MutualAidApplication), so a conversation's state is never lost."""
        self._unsaved.pop(what, None)
        try:
            await write()
        except sqlite3.OperationalError as error:
            if not is_transient(error):
                raise
            _LOGGER.warning("Conversation data not saved yet (%s); will try again", error)
            self._unsaved[what] = write

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = await self._db.fetchall(
            "SELECT key, state FROM conversation_states WHERE name = ?", (name,)
        )
        return {tuple(json.loads(row["key"])): json.loads(row["state"]) for row in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        encoded_key = json.dumps(list(key))
        written_at = self._clock()

        async def write() -> None:
            if new_state is None:
                await self._db.execute(
                    "DELETE FROM conversation_states WHERE name = ? AND key = ?",
                    (name, encoded_key),
                )
                return
            await self._db.execute(
                "INSERT INTO conversation_states (name, key, state, updated_at) "
                "VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state, "
                "updated_at = excluded.updated_at",
                (name, encoded_key, json.dumps(new_state), written_at),
            )

        await self._write(("conversation", name, encoded_key), write)

    async def get_user_data(self) -> dict[int, UserData]:
        rows = await self._db.fetchall("SELECT user_id, data FROM user_data")
        return {row["user_id"]: json.loads(row["data"]) for row in rows}

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        if not data:
            await self.drop_user_data(user_id)
            return
        encoded = json.dumps(data)
        written_at = self._clock()

        async def write() -> None:
            await self._db.execute(
                "INSERT INTO user_data (user_id, data, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, "
                "updated_at = excluded.updated_at",
                (user_id, encoded, written_at),
            )

        await self._write(("user", user_id), write)

    async def drop_user_data(self, user_id: int) -> None:
        async def write() -> None:
            await self._db.execute("DELETE FROM user_data WHERE user_id = ?", (user_id,))

        await self._write(("user", user_id), write)

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        """Nothing to do: this process is the only writer."""

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Chat data is not stored."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not stored."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Chat data is not stored."""

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        """Bot data is not stored: everything shared lives in real tables."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """Bot data is not stored."""

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        """Buttons carry their own data (v1:...), so there is no cache to store."""

    async def flush(self) -> None:
        """Every write is already committed, but for any a database fault held back."""
        if not self._unsaved:
            return
        try:
            await self.save_unsaved()
        except sqlite3.Error as error:
            _LOGGER.error("Stopping with conversation data unsaved: %s", error)
