"""What safeguarding tells the coordinators, each in their own language: the Telegram
side of bot.services.safeguarding (its SafeguardingNews port). Everything here is about
people, so what carries their words or a receipt is protected (no forwarding, no saving)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.models import Concern, HelpRequest
from bot.i18n import use_language
from bot.services.coordination import Coordinators
from bot.services.safeguarding import OverCap
from bot.telegram import keyboards, notices
from bot.telegram.messenger import Messenger


@dataclass(eq=False, repr=False)
class SafeguardingNotices:
    messenger: Messenger
    coordinators: Coordinators

    async def concern(
        self, concern: Concern, request: HelpRequest | None, reporter_name: str
    ) -> int:
        sent = await self.coordinators.tell(
            lambda: notices.concern_for_coordinators(concern, request, reporter_name),
            lambda: keyboards.on_it(concern.id),
            # What people write in a concern is about people, often with their addresses.
            protect=True,
        )
        return len(sent)

    async def over_cap(self, spend: OverCap) -> None:
        await self.coordinators.tell(lambda: notices.over_spend_cap_for_coordinators(spend))

    async def receipt(self, request_id: int, pence: int, file_id: str) -> None:
        for user_id, language in await self.coordinators.recipients():
            with use_language(language):
                caption = notices.receipt_caption(request_id, pence)
            await self.messenger.send_photo(user_id, file_id, caption, protect=True)
