"""Who someone is to the group: their stored details and role, their consent, their
language, whether they blocked the bot. The Telegram side loads the sender once per
update through who() (`context.person`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.db import UserRepository
from bot.db.roles import RoleRepository
from bot.domain.models import Person, User


@dataclass(eq=False, repr=False)
class People:
    admin_ids: frozenset[int]
    users: UserRepository
    roles: RoleRepository
    clock: Callable[[], float]

    async def who(self, user_id: int) -> Person:
        """Their row and whether they coordinate (one query: it runs for every update)."""
        return await self.roles.person(user_id, self.admin_ids)

    async def name_of(self, user_id: int | None) -> str | None:
        """Their first name as stored; None if nobody is stored under that id."""
        user = await self.users.get(user_id) if user_id is not None else None
        return user.first_name if user is not None else None

    async def agree(
        self, user_id: int, first_name: str, language: str, notice_version: int
    ) -> User:
        """They agreed to the privacy notice: stored for the first time, or agreeing anew."""
        return await self.users.record_consent(
            user_id, first_name, language, notice_version, self.clock()
        )

    async def choose_language(self, user_id: int, language: str) -> bool:
        """Their language from now on; False if they are not stored (not agreed yet)."""
        return await self.users.set_language(user_id, language)

    async def blocked_us(self, user_id: int, blocked: bool) -> None:
        """They blocked the bot (nothing is sent to them) or unblocked it."""
        await self.users.set_blocked(user_id, self.clock() if blocked else None)
