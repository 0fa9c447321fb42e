"""What offers tell people, each in their own words: the Telegram side of
bot.services.offers (its OfferNews port). Group chats read the group's language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from bot.config import Settings
from bot.domain.offers import Notice, Offer, Take
from bot.i18n import use_language
from bot.telegram import offer_views
from bot.telegram.group_board import area_part
from bot.telegram.messenger import Messenger


@dataclass(eq=False, repr=False)
class OfferNotices:
    settings: Settings
    messenger: Messenger

    async def notice(
        self, offer: Offer, user_id: int, distance_km: float, *, silent: bool = False
    ) -> int | None:
        message = await self.messenger.tell(
            user_id, *self._for_member(offer, distance_km), silent=silent
        )
        return message.message_id if message is not None else None

    async def group_post(self, offer: Offer, chat_id: int) -> int | None:
        message = await self.messenger.send(chat_id, *self._for_group(offer))
        return message.message_id if message is not None else None

    def _for_member(
        self, offer: Offer, distance_km: float
    ) -> tuple[Callable[[], str], Callable[[], InlineKeyboardMarkup]]:
        """A member's notice, rendered in their language when it is sent."""
        tz = self.settings.timezone
        return (
            lambda: offer_views.notice(offer, distance_km, tz),
            lambda: offer_views.take(offer.id),
        )

    def _for_group(self, offer: Offer) -> tuple[str, InlineKeyboardMarkup]:
        """A group chat's post, in the group's language."""
        settings = self.settings
        with use_language(settings.default_language):
            text = offer_views.group_post(
                offer, area_part(settings.area, offer.lat, offer.lon), settings.timezone
            )
            return text, offer_views.take(offer.id)

    async def retire(self, offer: Offer, notice: Notice) -> bool:
        if notice.message_id is None:
            return False
        if notice.chat_id < 0:  # a group chat
            with use_language(self.settings.default_language):
                text = offer_views.retired(offer)
            return await self.messenger.edit(notice.chat_id, notice.message_id, text)
        return await self.messenger.retell(
            notice.chat_id, notice.chat_id, notice.message_id, lambda: offer_views.retired(offer)
        )

    async def refresh(self, offer: Offer, notice: Notice, distance_km: float | None) -> bool:
        if notice.message_id is None:
            return False
        if distance_km is None:  # a group chat's post (its notice has no member's place)
            return await self.messenger.edit(
                notice.chat_id, notice.message_id, *self._for_group(offer)
            )
        return await self.messenger.retell(
            notice.chat_id,
            notice.chat_id,
            notice.message_id,
            *self._for_member(offer, distance_km),
        )

    async def taken(self, offer: Offer, take: Take, taker_name: str) -> None:
        if offer.offerer_id is None:
            return
        await self.messenger.tell(
            offer.offerer_id,
            lambda: offer_views.taken_for_offerer(offer, taker_name),
            lambda: offer_views.talk(take.id, taker_name),
            protect=True,
        )

    async def ended(self, offer: Offer, takes: list[Take]) -> None:
        if offer.offerer_id is None:
            return
        await self.messenger.tell(
            offer.offerer_id, lambda: offer_views.ended_for_offerer(offer, takes), protect=True
        )
