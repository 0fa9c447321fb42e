"""Who the coordinators are, and telling all of them something at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.db.roles import RoleRepository
from bot.i18n import use_language
from bot.services.ports import Sender, SentMessage


@dataclass(eq=False, repr=False)
class Coordinators:
    admin_ids: frozenset[int]
    messenger: Sender
    roles: RoleRepository
    # The coordinators last read, for when the database can't be read.
    _known: list[tuple[int, str | None]] = field(default_factory=list, init=False)

    async def is_coordinator(self, user_id: int) -> bool:
        """Checked on the server for every coordinator action, buttons included. ADMIN_IDS
        are coordinators unless another coordinator has removed them since."""
        return await self.roles.is_coordinator(user_id, self.admin_ids)

    async def recipients(self) -> list[tuple[int, str | None]]:
        """(user id, language) of every coordinator the bot can write to. An ADMIN_ID who
        never pressed /start has no row yet; they are tried anyway."""
        try:
            known = [
                (c.user_id, c.language)
                for c in await self.roles.coordinators(self.admin_ids)
                if not c.blocked
            ]
        except sqlite3.Error:
            # The database itself failing is news the coordinators must still get.
            return self._known or [(user_id, None) for user_id in sorted(self.admin_ids)]
        self._known = known
        return known

    async def tell(
        self,
        render: Callable[[], str],
        markup: Callable[[], Any] = lambda: None,
        *,
        protect: bool = False,
    ) -> list[SentMessage]:
        """Send the same news to every coordinator, each in their own language (`protect`:
        it carries personal details, so it can't be forwarded or saved)."""
        sent = []
        for user_id, language in await self.recipients():
            with use_language(language):
                message = await self.messenger.send(user_id, render(), markup(), protect=protect)
            if message is not None:
                sent.append(message)
        return sent
