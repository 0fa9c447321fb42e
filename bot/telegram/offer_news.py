"""What offers tell people, each in their own words: the Telegram side of
bot.services.offers (its OfferNews port). Group chats read the group's language."""

from __future__ import annotations

from bot.config import Settings
from bot.domain.offers import Notice, Offer, Take
from bot.i18n import use_language
from bot.telegram import offer_views
from bot.telegram.group_board import area_part
from bot.telegram.messenger import Messenger


class OfferNotices:
    def __init__(self, settings: Settings, messenger: Messenger) -> None:
        self._settings = settings
        self._messenger = messenger

    async def notice(
        self, offer: Offer, user_id: int, distance_km: float, *, silent: bool = False
    ) -> int | None:
        message = await self._messenger.tell(
            user_id,
            lambda: offer_views.notice(offer, distance_km, self._settings.timezone),
            lambda: offer_views.take(offer.id),
            silent=silent,
        )
        return message.message_id if message is not None else None

    async def group_post(self, offer: Offer, chat_id: int) -> int | None:
        settings = self._settings
        with use_language(settings.default_language):
            text = offer_views.group_post(
                offer, area_part(settings.area, offer.lat, offer.lon), settings.timezone
            )
            markup = offer_views.take(offer.id)
        message = await self._messenger.send(chat_id, text, markup)
        return message.message_id if message is not None else None

    async def retire(self, offer: Offer, notice: Notice) -> bool:
        if notice.message_id is None:
            return False
        if notice.chat_id < 0:  # a group chat
            with use_language(self._settings.default_language):
                text = offer_views.retired(offer)
            return await self._messenger.edit(notice.chat_id, notice.message_id, text)
        return await self._messenger.retell(
            notice.chat_id, notice.chat_id, notice.message_id, lambda: offer_views.retired(offer)
        )

    async def refresh(self, offer: Offer, notice: Notice, distance_km: float | None) -> bool:
        if notice.message_id is None:
            return False
        tz = self._settings.timezone
        if distance_km is None:  # a group chat's post
            with use_language(self._settings.default_language):
                text = offer_views.group_post(
                    offer, area_part(self._settings.area, offer.lat, offer.lon), tz
                )
                markup = offer_views.take(offer.id)
            return await self._messenger.edit(notice.chat_id, notice.message_id, text, markup)
        return await self._messenger.retell(
            notice.chat_id,
            notice.chat_id,
            notice.message_id,
            lambda: offer_views.notice(offer, distance_km, tz),
            lambda: offer_views.take(offer.id),
        )

    async def taken(self, offer: Offer, take: Take, taker_name: str) -> None:
        if offer.offerer_id is None:
            return
        await self._messenger.tell(
            offer.offerer_id,
            lambda: offer_views.taken_for_offerer(offer, taker_name),
            lambda: offer_views.talk(take.id, taker_name),
            protect=True,
        )

    async def ended(self, offer: Offer, takes: list[Take]) -> None:
        if offer.offerer_id is None:
            return
        await self._messenger.tell(
            offer.offerer_id, lambda: offer_views.ended_for_offerer(offer, takes), protect=True
        )
