"""The address stays with a volunteer only while the task is theirs: each message that
carried it is deleted when the task stops being theirs, or, where Telegram no longer
allows that, edited so that the details are gone."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.db.addresses import AddressMessageRepository
from bot.domain.models import AddressMessage
from bot.services.ports import AddressEraser, SentMessage

_LOGGER = logging.getLogger(__name__)

# A bot may delete its own messages in a private chat for 48 hours; an hour's margin for
# clocks that differ. Older ones are edited instead.
DELETABLE_FOR_S = 47 * 3600


@dataclass(eq=False, repr=False)
class AddressMessages:
    repository: AddressMessageRepository
    eraser: AddressEraser
    clock: Callable[[], float]

    async def record(
        self, request_id: int, volunteer_id: int, message: SentMessage | None
    ) -> None:
        """Remember a message that showed this volunteer this request's address."""
        if message is None:
            return
        await self.repository.add(
            request_id, volunteer_id, message.chat_id, message.message_id, self.clock()
        )

    async def shown(self, request_id: int, volunteer_id: int) -> bool:
        """Whether a message showing this volunteer this task's address is in their chat."""
        return bool(await self.repository.of_task(request_id, volunteer_id))

    async def find(self, chat_id: int, message_id: int) -> AddressMessage | None:
        return await self.repository.find(chat_id, message_id)

    async def take_back(self, request_id: int, volunteer_id: int) -> int:
        """The task is no longer this volunteer's: its address leaves their chat."""
        return await self._remove(await self.repository.of_task(request_id, volunteer_id))

    async def take_back_from_volunteer(self, volunteer_id: int) -> int:
        """Every address a volunteer was shown (they were taken off the list)."""
        return await self._remove(await self.repository.of_volunteer(volunteer_id))

    async def take_back_of_person(self, user_id: int) -> int:
        """Before someone is erased: the addresses sent to them, and their own address
        in any volunteer's chat."""
        return await self._remove(await self.repository.of_person(user_id))

    async def take_back_closed_before(self, before: float) -> int:
        """The retention purge: addresses of requests closed before `before`."""
        return await self._remove(await self.repository.closed_before(before))

    async def _remove(self, messages: Iterable[AddressMessage]) -> int:
        """Delete or blank each message; a failure is logged and the rest carry on, as does
        whatever caused this (a hand-back, a cancel, an erasure)."""
        removed = 0
        for message in messages:
            try:
                if await self._remove_one(message):
                    removed += 1
                await self.repository.forget(message.chat_id, message.message_id)
            except Exception:
                _LOGGER.exception("Could not take back address message of #%s", message.request_id)
        return removed

    async def _remove_one(self, message: AddressMessage) -> bool:
        chat_id, message_id = message.chat_id, message.message_id
        fresh = self.clock() - message.sent_at < DELETABLE_FOR_S
        if fresh and await self.eraser.delete(chat_id, message_id):
            return True
        edited = await self.eraser.blank(message)
        if not edited:
            _LOGGER.warning(
                "Address message of #%s could not be deleted or edited", message.request_id
            )
        return edited
