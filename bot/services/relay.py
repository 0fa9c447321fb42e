"""The private line between a request's requester and its volunteer: who may write on it,
who hears them, what is kept. The Telegram layer (bot.telegram.handlers.relay) copies
the messages; nothing here ever hands out a username or a phone number.

A line is open while the request is taken (claimed): done, handed back, cancelled or
expired, it closes. An offer's take has a line too, between the offerer and that taker
(offer_line): open until a day after the offer's time, while both are still stored.

For a request a coordinator took by phone (/onbehalf), the
requester's end is that coordinator (or, once they no longer are one, every coordinator),
who passes the volunteer's messages on and can answer on the same line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.db import RequestRepository, UserRepository
from bot.db.offers import OfferRepository
from bot.db.relay import RelayRepository
from bot.domain.models import HelpRequest, RequestStatus
from bot.domain.offers import LINE_GRACE_S, Ended, OfferLine
from bot.domain.relay import (
    MAX_PER_HOUR,
    MAX_PER_MINUTE,
    Closed,
    Kind,
    Line,
    RelayedMessage,
    Said,
    Side,
)
from bot.services.coordination import Coordinators

_CLOSED_BY_STATUS = {
    RequestStatus.OPEN: Closed.NO_VOLUNTEER,
    RequestStatus.DONE: Closed.DONE,
    RequestStatus.CANCELLED: Closed.CANCELLED,
    RequestStatus.EXPIRED: Closed.EXPIRED,
}


async def requester_name(users: UserRepository, request: HelpRequest) -> str:
    """The requester's first name as their volunteer knows it (a phone request's person)."""
    if request.contact_name:
        return request.contact_name
    requester = await users.get(request.requester_id) if request.requester_id else None
    return requester.first_name if requester else ""


@dataclass(eq=False, repr=False)
class Relay:
    relay: RelayRepository
    requests: RequestRepository
    users: UserRepository
    coordinators: Coordinators
    clock: Callable[[], float]
    offers: OfferRepository | None = None

    async def requester_name(self, request: HelpRequest) -> str:
        """For the volunteer's "💬 Message …" button."""
        return await requester_name(self.users, request)

    async def line(self, request_id: int, user_id: int) -> Line | Closed:
        """This person's end of the request's line, or why they can't write on it now."""
        request = await self.requests.get(request_id)
        if request is None:
            return Closed.NOT_FOUND
        side = await self._side_of(request, user_id)
        if side is None:
            return Closed.NOT_YOURS
        if request.status is not RequestStatus.CLAIMED or request.volunteer_id is None:
            return _CLOSED_BY_STATUS.get(request.status, Closed.NOT_YOURS)
        volunteer = await self.users.get(request.volunteer_id)
        volunteer_name = volunteer.first_name if volunteer else ""
        if side is Side.VOLUNTEER:
            return Line(
                request=request,
                side=side,
                sender_name=volunteer_name,
                recipients=await self._requester_end(request),
                other_name=await requester_name(self.users, request),
                other_side=Side.DESK if request.requester_id is None else Side.REQUESTER,
            )
        sender = await self.users.get(user_id)
        return Line(
            request=request,
            side=side,
            # A coordinator writes for the person they took the call from.
            sender_name=(
                request.contact_name or ""
                if side is Side.DESK
                else (sender.first_name if sender else "")
            ),
            recipients=(request.volunteer_id,),
            other_name=volunteer_name,
            other_side=Side.VOLUNTEER,
        )

    async def _side_of(self, request: HelpRequest, user_id: int) -> Side | None:
        if request.volunteer_id == user_id:
            return Side.VOLUNTEER
        if request.requester_id is not None:
            return Side.REQUESTER if request.requester_id == user_id else None
        if not request.by_phone or not await self.coordinators.is_coordinator(user_id):
            return None
        if user_id in await self._requester_end(request):
            return Side.DESK
        return None

    async def _requester_end(self, request: HelpRequest) -> tuple[int, ...]:
        """Who reads what the volunteer writes: the requester, or for a phone request the
        coordinator who took the call while they still are one, else every coordinator
        (as with the requester's news, bot.services.requesters)."""
        if request.requester_id is not None:
            return (request.requester_id,)
        recorder = request.on_behalf_of
        if recorder is not None and await self.coordinators.is_coordinator(recorder):
            return (recorder,)
        return tuple(user_id for user_id, _language in await self.coordinators.recipients())

    async def may_send(self, sender_id: int) -> bool:
        """Within the rate limit: a few messages a minute, a few dozen an hour."""
        now = self.clock()
        return (
            await self._sent_since(sender_id, now - 60) < MAX_PER_MINUTE
            and await self._sent_since(sender_id, now - 3600) < MAX_PER_HOUR
        )

    async def _sent_since(self, sender_id: int, since: float) -> int:
        """On every line: requests' and offers' alike."""
        sent = await self.relay.sent_since(sender_id, since)
        if self.offers is not None:
            sent += await self.offers.sent_since(sender_id, since)
        return sent

    # --- an offer's take ---------------------------------------------------------------

    async def offer_line(self, take_id: int, user_id: int) -> OfferLine | Ended:
        """This person's end of the line between an offerer and one taker."""
        if self.offers is None:
            return Ended.NOT_FOUND
        take = await self.offers.get_take(take_id)
        offer = await self.offers.get(take.offer_id) if take is not None else None
        if take is None or offer is None:
            return Ended.NOT_FOUND
        if user_id not in (take.taker_id, offer.offerer_id):
            return Ended.NOT_YOURS
        if (
            take.taker_id is None
            or offer.offerer_id is None
            or self.clock() > offer.until_at + LINE_GRACE_S
        ):
            return Ended.OVER
        offerer = await self.users.get(offer.offerer_id)
        offerer_name = offerer.first_name if offerer else ""
        if user_id == offer.offerer_id:
            return OfferLine(
                offer=offer,
                take=take,
                side=Side.OFFERER,
                sender_name=offerer_name,
                recipients=(take.taker_id,),
                other_name=take.taker_name,
            )
        return OfferLine(
            offer=offer,
            take=take,
            side=Side.TAKER,
            sender_name=take.taker_name,
            recipients=(offer.offerer_id,),
            other_name=offerer_name,
        )

    async def keep(
        self,
        line: Line | OfferLine,
        sender_id: int,
        kind: Kind,
        text: str = "",
        file_id: str | None = None,
        where: tuple[float, float] | None = None,
    ) -> int:
        """Store a message with its request, or with the offer's take, before it goes out
        (what was said is on record)."""
        said = Said(sender_id, line.side, kind, text, file_id, where)
        if isinstance(line, OfferLine):
            assert self.offers is not None
            return await self.offers.add_message(line.take.id, said, self.clock())
        return await self.relay.add(line.request.id, said, self.clock())

    async def transcript(self, request_id: int) -> list[tuple[RelayedMessage, str]]:
        """A request's line, oldest first, each message with its sender's name as stored
        now ("" once erased). Only for /details, which logs the look."""
        found = []
        for message in await self.relay.of_request(request_id):
            sender = await self.users.get(message.sender_id) if message.sender_id else None
            found.append((message, sender.first_name if sender else ""))
        return found
