"""What safeguarding tells the coordinators, each in their own language: the Telegram
side of bot.services.safeguarding (its SafeguardingNews port). Everything here is about
people, so what carries their words or a receipt is protected (no forwarding, no saving)."""

from __future__ import annotations

from bot.domain.models import HelpRequest
from bot.i18n import use_language
from bot.services.coordination import Coordinators
from bot.telegram import keyboards, notices
from bot.telegram.messenger import Messenger


class SafeguardingNotices:
    def __init__(self, messenger: Messenger, coordinators: Coordinators) -> None:
        self._messenger = messenger
        self._coordinators = coordinators

    async def concern(
        self,
        concern_id: int,
        request: HelpRequest | None,
        reporter_id: int,
        reporter_name: str,
        role: str,
        text: str,
    ) -> int:
        sent = await self._coordinators.tell(
            lambda: notices.concern_for_coordinators(
                request, reporter_id, reporter_name, role, text
            ),
            lambda: keyboards.on_it(concern_id),
            # What people write in a concern is about people, often with their addresses.
            protect=True,
        )
        return len(sent)

    async def over_cap(
        self,
        request: HelpRequest,
        volunteer_id: int,
        volunteer_name: str,
        pence: int,
        cap_pence: int,
        asked_by: str,
    ) -> None:
        await self._coordinators.tell(
            lambda: notices.over_spend_cap_for_coordinators(
                request, volunteer_id, volunteer_name, pence, cap_pence, asked_by
            )
        )

    async def receipt(self, request_id: int, pence: int, file_id: str) -> None:
        for user_id, language in await self._coordinators.recipients():
            with use_language(language):
                caption = notices.receipt_caption(request_id, pence)
            await self._messenger.send_photo(user_id, file_id, caption, protect=True)
