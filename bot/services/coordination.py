"""Who the coordinators are, and telling all of them something at once."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Message

from bot.db import UserRepository
from bot.i18n import use_language
from bot.services.messenger import Markup, Messenger


class Coordinators:
    def __init__(self, admin_ids: frozenset[int], users: UserRepository, messenger: Messenger):
        self._admin_ids = admin_ids
        self._users = users
        self._messenger = messenger

    async def is_coordinator(self, user_id: int) -> bool:
        """Checked on the server for every coordinator action, buttons included."""
        if user_id in self._admin_ids:
            return True
        user = await self._users.get(user_id)
        return user is not None and user.is_coordinator

    async def recipients(self) -> list[tuple[int, str | None]]:
        """(user id, language) of every coordinator the bot can write to."""
        known = {user.id: user for user in await self._users.coordinators(self._admin_ids)}
        found = [(uid, user.language) for uid, user in known.items()]
        # An ADMIN_ID who never pressed /start has no row yet; try them anyway.
        for admin_id in sorted(self._admin_ids - known.keys()):
            user = await self._users.get(admin_id)
            if user is None:
                found.append((admin_id, None))
        return found

    async def tell(
        self,
        render: Callable[[], str],
        markup: Callable[[], Markup | None] = lambda: None,
    ) -> list[Message]:
        """Send the same news to every coordinator, each in their own language."""
        sent = []
        for user_id, language in await self.recipients():
            with use_language(language):
                message = await self._messenger.send(user_id, render(), markup())
            if message is not None:
                sent.append(message)
        return sent
