"""Offers: a member posts what they can give; members nearby who asked to hear of offers
get a notice (a few a day at most), the linked group chats get a post, and the first
takers, one unit each, get it. Who is told what, in which words, is the Telegram side's
(bot.telegram.offer_news, through the OfferNews port); what happens is decided here.

Taking is one conditional UPDATE (bot.db.offers.OfferRepository.take): exactly as many
takers as units succeed, however many press at once. An offer ends when its last unit
is taken, when its offerer closes it, or at its time (a stored reminder, so it survives
restarts); every notice is then edited to say so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.config import Settings
from bot.domain.distance import haversine_km
from bot.domain.models import Reminder, minute_of_day
from bot.domain.offers import (
    MAX_DAYS_AHEAD,
    MAX_DESCRIPTION,
    MAX_UNITS,
    Listener,
    Nearby,
    Notice,
    Offer,
    OfferDraft,
    OfferStatus,
    Take,
    TakeOutcome,
    TakeResult,
)
from bot.services.ports import LinkedChats, Members, OfferBook
from bot.services.reminders import Reminders

_LOGGER = logging.getLogger(__name__)

EXPIRE = "offer_expire"
# /offers lists at most this many, nearest first; /myoffers this many of one's own.
LISTED = 10
MINE = 10


class OfferNews(Protocol):
    """Who hears what about an offer, in their own words: bot.telegram.offer_news."""

    async def notice(
        self, offer: Offer, user_id: int, distance_km: float, *, silent: bool = False
    ) -> int | None:
        """A member's notice, with the take button; its message id, or None if not sent.
        `silent`: in their quiet hours, it arrives without a sound."""
        ...

    async def group_post(self, offer: Offer, chat_id: int) -> int | None:
        """A linked group chat's post, with the take button; its message id, or None."""
        ...

    async def retire(self, offer: Offer, notice: Notice) -> bool:
        """Edit a notice or post: the offer has gone, closed or ended; True if edited."""
        ...

    async def refresh(self, offer: Offer, notice: Notice, distance_km: float | None) -> bool:
        """Edit a notice or post of an offer still open: how many are left now (a member's
        notice again `distance_km` away; None for a group chat's post); True if edited."""
        ...

    async def taken(self, offer: Offer, take: Take, taker_name: str) -> None:
        """Tell the offerer who would like one (their first name only)."""
        ...

    async def ended(self, offer: Offer, takes: list[Take]) -> None:
        """Tell the offerer their offer's time has come."""
        ...


@dataclass(frozen=True)
class Posted:
    offer: Offer
    told: int  # members who got a notice


def shown_as(offer: Offer) -> str:
    """What a notice shows for an offer as it stands (stored with the notice): an open
    one's units left (`open:2`), else how it ended."""
    if offer.status is OfferStatus.OPEN:
        return f"{offer.status.value}:{offer.left}"
    return offer.status.value


@dataclass(eq=False, repr=False)
class Offers:
    settings: Settings
    repository: OfferBook
    users: Members
    chats: LinkedChats
    reminders: Reminders
    news: OfferNews
    clock: Callable[[], float]

    def __post_init__(self) -> None:
        self.reminders.on(EXPIRE, self._expire_due)

    def _day(self, now: float) -> str:
        return datetime.fromtimestamp(now, self.settings.timezone).date().isoformat()

    def latest_until(self) -> float:
        return self.clock() + MAX_DAYS_AHEAD * 86400

    # --- posting -----------------------------------------------------------------------

    async def post(self, offerer_id: int, draft: OfferDraft) -> Posted:
        """Store the offer, arm its end, and tell the members and groups nearby."""
        now = self.clock()
        if not 1 <= draft.units <= MAX_UNITS:
            raise ValueError(f"not a number of units: {draft.units}")
        if not 0 < len(draft.description) <= MAX_DESCRIPTION:
            raise ValueError("an offer needs a short description")
        if not now < draft.until_at <= self.latest_until():
            raise ValueError("an offer's end must be ahead, within MAX_DAYS_AHEAD")
        offer = await self.repository.create(offerer_id, draft, now)
        await self.reminders.schedule(EXPIRE, offer.until_at, offer.id)
        told = await self._announce(offer)
        return Posted(offer, told)

    async def _announce(self, offer: Offer) -> int:
        """Nearest first, so that the daily cap keeps the notices that matter most."""
        settings, now = self.settings, self.clock()
        radius = settings.offer_radius_km
        found = []
        for listener in await self.repository.listeners_near(offer.lat, offer.lon, radius):
            if listener.user_id == offer.offerer_id:
                continue
            km = haversine_km(offer.lat, offer.lon, listener.lat, listener.lon)
            if km <= radius:
                found.append((km, listener.user_id, self._quiet_now(listener, now)))
        day, told = self._day(now), 0
        for km, user_id, quiet in sorted(found):
            reserved = await self.repository.reserve_notice(
                offer.id, user_id, day, settings.max_offer_notices_per_day, now
            )
            if not reserved:
                continue
            message_id = await self.news.notice(offer, user_id, km, silent=quiet)
            if message_id is None:
                await self.repository.drop_notice(offer.id, user_id)
                continue
            await self.repository.set_notice_message(offer.id, user_id, message_id)
            told += 1
        for chat in await self.chats.linked():
            if not await self.repository.reserve_notice(offer.id, chat.chat_id, day, None, now):
                continue
            message_id = await self.news.group_post(offer, chat.chat_id)
            if message_id is None:
                await self.repository.drop_notice(offer.id, chat.chat_id)
            else:
                await self.repository.set_notice_message(offer.id, chat.chat_id, message_id)
        return told

    def _quiet_now(self, listener: Listener, now: float) -> bool:
        """Whether it is night for them: a volunteer's own quiet hours, else the group's.
        An offer may be gone by morning, so the notice is not held back: it is sent
        without a sound instead (a request's ping, by contrast, waits)."""
        quiet = listener.quiet(self.settings.quiet_hours)
        return quiet is not None and quiet.covers(minute_of_day(now, self.settings.timezone))

    # --- taking ------------------------------------------------------------------------

    async def take(self, offer_id: int, taker_id: int) -> TakeResult:
        """One unit for this member, if any is left. Nobody is told yet: the press is
        answered first (see told_of)."""
        result = await self.repository.take(offer_id, taker_id, self.clock())
        if result.outcome is not TakeOutcome.OK or result.take is None:
            return result
        taker = await self.users.get(taker_id)
        return replace(
            result, take=replace(result.take, taker_name=taker.first_name if taker else "")
        )

    async def told_of(self, result: TakeResult) -> None:
        """After a take: the offerer hears who it was; the last unit retires the notices."""
        if result.outcome is not TakeOutcome.OK or result.offer is None or result.take is None:
            return
        await self.news.taken(result.offer, result.take, result.take.taker_name)
        if result.offer.status is OfferStatus.GONE:
            await self._retire(result.offer)
        elif result.offer.status is OfferStatus.OPEN:
            await self._refresh(result.offer)

    # --- ending ------------------------------------------------------------------------

    async def close(self, offer_id: int, offerer_id: int) -> Offer | None:
        """The offerer closes it early; None if it was no longer open (or not theirs)."""
        offer = await self.repository.close(offer_id, offerer_id, self.clock())
        if offer is not None:
            await self._retire(offer)
        return offer

    async def withdraw_all_of(self, user_id: int) -> int:
        """Before someone is erased: their open offers close, and their notices say so."""
        closed = 0
        for offer_id in await self.repository.open_of(user_id):
            closed += await self.close(offer_id, user_id) is not None
        return closed

    async def _expire_due(self, reminder: Reminder) -> None:
        offer_id = int(reminder.key.rsplit(":", 1)[-1])
        offer = await self.repository.expire(offer_id, self.clock())
        if offer is None:
            return  # it had gone or closed already
        await self._retire(offer)
        if offer.offerer_id is not None:
            await self.news.ended(offer, await self.repository.takes_of(offer.id))

    async def _retire(self, offer: Offer) -> None:
        shown = shown_as(offer)
        for notice in await self.repository.notices_of(offer.id):
            if notice.shown == shown:
                continue
            if await self.news.retire(offer, notice):
                await self.repository.set_shown(offer.id, notice.chat_id, shown)

    async def _refresh(self, offer: Offer) -> None:
        """After a take of one unit of several: every notice shows how many are left, so
        nobody presses for one that has gone. The distance is from where the member
        listens now; a member who no longer has a place keeps the notice as it was.
        The offer is read again before each edit: another take, its closing or its
        expiry (a job, running alongside) may have changed it meanwhile, and a notice
        must not be edited back to an older count, or to open after it ended."""
        for notice in await self.repository.notices_of(offer.id):
            current = await self.repository.get(offer.id)
            if current is None or current.status is not OfferStatus.OPEN:
                return  # gone, closed or expired: _retire says so on every notice
            offer, shown = current, shown_as(current)
            if notice.shown == shown:
                continue
            km = None
            if notice.chat_id > 0:  # a member's own chat, not a group's
                place = await self.repository.place_of(notice.chat_id)
                if place is None:
                    continue
                km = haversine_km(offer.lat, offer.lon, *place)
            if await self.news.refresh(offer, notice, km):
                await self.repository.set_shown(offer.id, notice.chat_id, shown)

    # --- what people see ---------------------------------------------------------------

    async def get(self, offer_id: int) -> Offer | None:
        return await self.repository.get(offer_id)

    async def take_of(self, take_id: int) -> Take | None:
        return await self.repository.get_take(take_id)

    async def mine(self, offerer_id: int) -> list[tuple[Offer, list[Take]]]:
        """/myoffers: their offers (open first) with who took each."""
        return [
            (offer, await self.repository.takes_of(offer.id))
            for offer in await self.repository.of_offerer(offerer_id, MINE)
        ]

    async def nearby(self, lat: float, lon: float, viewer_id: int) -> list[Nearby]:
        """/offers: open offers within OFFER_RADIUS_KM of a place, nearest first, not the
        viewer's own."""
        radius = self.settings.offer_radius_km
        found = []
        for offer in await self.repository.open_near(lat, lon, radius, self.clock()):
            if offer.offerer_id == viewer_id:
                continue
            km = haversine_km(lat, lon, offer.lat, offer.lon)
            if km <= radius:
                found.append(Nearby(offer, km))
        found.sort(key=lambda near: (near.distance_km, near.offer.id))
        return found[:LISTED]

    # --- "tell me about offers nearby" ---------------------------------------------------

    async def place_of(self, user_id: int) -> tuple[float, float] | None:
        return await self.repository.place_of(user_id)

    async def listening(self, user_id: int) -> bool:
        return await self.repository.is_listening(user_id)

    async def listen(self, user_id: int, where: tuple[float, float] | None) -> None:
        """Hear of offers near `where` (None: near where they volunteer from)."""
        await self.repository.listen(user_id, where, self.clock())

    async def stop_listening(self, user_id: int) -> None:
        await self.repository.stop_listening(user_id)
