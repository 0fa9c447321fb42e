"""Who hears of what: every domain event's subscribers, in the order they hear of it.

The services decide and record events (bot.domain.events); this module does the telling
(and hands the chaser its scheduling), so "what happens when a request is taken" is one
list, below in `subscribe()`. Order matters where people notice it: the requester hears
before the other pings go out, and the address reaches the volunteer before the other
pings are edited (tests/test_events.py pins both). Each subscriber is delivered an event
at least once (bot.services.events): those that send look at what is stored (a ping's
message, an address message) so that a delivery repeated after a crash says nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from telegram import InlineKeyboardMarkup

from bot.config import Settings
from bot.db import PingRepository, RequestRepository, UserRepository, VolunteerRepository
from bot.domain.events import (
    AlertDue,
    DetailsAdded,
    DigestDue,
    FollowUpDue,
    HelpMissed,
    NobodyLeft,
    RequestClaimed,
    RequestClosed,
    RequestDone,
    RequestOpened,
    RequestReleased,
    RoleChanged,
    TaskSoon,
    VolunteerDecided,
    WaveDeferred,
    WaveSent,
)
from bot.domain.models import AddressMessage, HelpRequest, Ping, RequestStatus
from bot.i18n import use_language
from bot.services.addresses import AddressMessages
from bot.services.chaser import Chaser
from bot.services.coordination import Coordinators
from bot.services.events import EventBus
from bot.services.matching import Matchmaker
from bot.services.newcomers import Newcomers
from bot.services.relay import requester_name
from bot.services.requesters import news_recipient
from bot.telegram import keyboards, notices
from bot.telegram.group_board import GroupBoard
from bot.telegram.messenger import Messenger
from bot.telegram.requesters import tell_requester

_LOGGER = logging.getLogger(__name__)

Extra = Callable[[HelpRequest], Awaitable[Callable[[], str]]]
# The events the group chat's post follows.
Changed = RequestOpened | RequestClaimed | RequestReleased | RequestDone | RequestClosed


@dataclass(eq=False, repr=False)
class Eraser:
    """Takes an address out of a volunteer's chat (bot.services.addresses decides when)."""

    messenger: Messenger

    async def delete(self, chat_id: int, message_id: int) -> bool:
        return await self.messenger.delete(chat_id, message_id)

    async def blank(self, message: AddressMessage) -> bool:
        return await self.messenger.retell(
            message.volunteer_id,
            message.chat_id,
            message.message_id,
            lambda: notices.details_removed(message.request_id),
        )


@dataclass
class Tellers:
    """Everything the subscribers need to tell people."""

    settings: Settings
    messenger: Messenger
    coordinators: Coordinators
    users: UserRepository
    volunteers: VolunteerRepository
    requests: RequestRepository
    pings: PingRepository
    addresses: AddressMessages
    meanwhile: Extra
    digest_extra: Callable[[], Awaitable[Callable[[], str]]]
    chaser: Chaser

    async def _request(self, request_id: int) -> HelpRequest | None:
        return await self.requests.get(request_id)

    # --- a wave ----------------------------------------------------------------------------

    async def send_pings(self, event: WaveSent, _id: int) -> None:
        """The wave's pings, all at once (the rate limiter keeps them within Telegram's
        limits). A ping whose message is stored was sent: not again."""
        request = await self._request(event.request_id)
        if request is None or request.status is not RequestStatus.OPEN:
            return
        pings = [
            p
            for p in await self.pings.for_request(request.id, event.round)
            if p.wave == event.wave and p.message_id is None and p.answer is None
        ]
        # Rendered first, nearest first, in each volunteer's language; then sent together.
        ready = []
        for ping in pings:
            volunteer = await self.volunteers.get(ping.volunteer_id)
            if volunteer is None or not volunteer.gets_pings:
                continue
            with use_language(volunteer.language):
                text = notices.ping(request, ping.distance_km, self.settings.timezone)
                markup = keyboards.ping(request.id)
            ready.append((ping, text, markup))
        sent = await asyncio.gather(*(self._ping(*one) for one in ready))
        _LOGGER.info("Request %s: wave %s pinged %s volunteers", request.id, event.wave, sum(sent))

    async def _ping(self, ping: Ping, text: str, markup: InlineKeyboardMarkup) -> bool:
        message = await self.messenger.send(ping.volunteer_id, text, markup)
        if message is None:
            return False
        await self.pings.set_message(ping.id, message.chat_id, message.message_id)
        return True

    async def nobody_nearby_for_coordinators(self, event: NobodyLeft, _id: int) -> None:
        current = await self._request(event.request_id)
        if current is None or current.status is not RequestStatus.OPEN:
            return
        await self.coordinators.tell(lambda: notices.nobody_nearby_for_coordinators(current))

    async def nobody_nearby_for_requester(self, event: NobodyLeft, _id: int) -> None:
        current = await self._request(event.request_id)
        if current is None or current.status is not RequestStatus.OPEN:
            return
        if current.requester_id is not None and current.round == 1:
            extra = await self.meanwhile(current)
            await self.messenger.tell(
                current.requester_id,
                lambda: notices.nobody_nearby_for_requester(current.id) + extra(),
            )

    # --- a request taken -------------------------------------------------------------------

    async def address_to_claimer(self, event: RequestClaimed, _id: int) -> None:
        """The address to the volunteer alone (protected), once: not if a message with it
        is in their chat already. Sent even if the task has left their hands meanwhile:
        events are delivered in order, so the hand-back's take-back follows."""
        request = await self._request(event.request_id)
        if request is None:
            return
        if await self.addresses.shown(request.id, event.volunteer_id):
            return
        volunteer = await self.volunteers.get(event.volunteer_id)
        volunteer_name = volunteer.first_name if volunteer else ""
        requester = await self.users.get(request.requester_id) if request.requester_id else None
        name = requester.first_name if requester else ""
        tz = self.settings.timezone
        details = await self.messenger.tell(
            event.volunteer_id,
            lambda: notices.private_details(request, name, volunteer_name, tz),
            lambda: keyboards.doorstep(request.id, at_door=request.category.at_the_door),
            protect=True,
        )
        await self.addresses.record(request.id, event.volunteer_id, details)

    async def volunteer_coming(self, event: RequestClaimed, _id: int) -> None:
        request = await self._request(event.request_id)
        if request is None:
            return
        volunteer = await self.volunteers.get(event.volunteer_id)
        name = volunteer.first_name if volunteer else ""
        volunteer_id = event.volunteer_id
        await tell_requester(
            self.messenger,
            self.coordinators,
            request,
            lambda: notices.volunteer_coming(request, name),
            lambda: keyboards.news(
                request.id, volunteer_id, name, at_door=request.category.at_the_door
            ),
        )

    async def pings_taken(self, event: RequestClaimed, _id: int) -> None:
        await self._close_pings(event.request_id, taken=True, keep=event.volunteer_id)

    async def assigned_to_you(self, event: RequestClaimed, _id: int) -> None:
        """Handed over by a coordinator: the volunteer is told so, under the address."""
        if event.assigned_by is None:
            return
        taken = await self._request(event.request_id)
        if taken is None or not _held_by(taken, event.volunteer_id):
            return
        tz = self.settings.timezone
        name = await requester_name(self.users, taken)
        await self.messenger.tell(
            event.volunteer_id,
            lambda: notices.assigned_to_you(taken, tz),
            lambda: keyboards.task(taken.id, name, at_door=taken.category.at_the_door),
        )

    async def _close_pings(self, request_id: int, *, taken: bool, keep: int | None) -> None:
        """Edit the pings nobody acted on, so no one presses a button for nothing."""
        render = notices.ping_taken if taken else notices.ping_withdrawn
        for ping in await self.pings.for_request(request_id):
            if ping.volunteer_id == keep or ping.message_id is None or ping.chat_id is None:
                continue
            if ping.answer in ("declined", "released"):
                continue
            await self.messenger.retell(
                ping.volunteer_id, ping.chat_id, ping.message_id, partial(render, request_id)
            )

    # --- handed back, done, closed ---------------------------------------------------------

    async def address_back_from_releaser(self, event: RequestReleased, _id: int) -> None:
        if event.volunteer_id is not None:
            await self.addresses.take_back(event.request_id, event.volunteer_id)

    async def released_for_requester(self, event: RequestReleased, _id: int) -> None:
        released = await self._request(event.request_id)
        if released is None:
            return
        if event.reason == "rebooked":
            return  # they asked for it themselves, and were answered
        volunteer = await self.users.get(event.volunteer_id) if event.volunteer_id else None
        name = volunteer.first_name if volunteer else ""
        if event.reason == "passed":
            # Its booked time has gone: the requester chooses what now.
            await tell_requester(
                self.messenger,
                self.coordinators,
                released,
                partial(notices.booked_time_passed, released, name),
                partial(
                    keyboards.booked_time_passed,
                    released.id,
                    by_phone=released.requester_id is None,
                ),
            )
            return
        if event.reason == "left":
            news: Callable[[], str] = partial(notices.volunteer_left_for_requester, released.id)
        else:
            news = partial(notices.task_released_for_requester, released, name)
        await tell_requester(self.messenger, self.coordinators, released, news)

    async def done_for_requester(self, event: RequestDone, _id: int) -> None:
        done = await self._request(event.request_id)
        if done is None:
            return
        volunteer = await self.users.get(event.volunteer_id)
        name = volunteer.first_name if volunteer else ""
        await tell_requester(
            self.messenger,
            self.coordinators,
            done,
            lambda: (
                notices.task_done_for_requester(done, name)
                + "\n\n"
                + notices.did_you_get_help(done.id)
            ),
            lambda: keyboards.feedback(done.id),
        )

    async def pings_withdrawn(self, event: RequestClosed, _id: int) -> None:
        await self._close_pings(event.request_id, taken=False, keep=event.holder)

    async def address_back_from_holder(self, event: RequestClosed, _id: int) -> None:
        if event.holder is not None:
            await self.addresses.take_back(event.request_id, event.holder)

    async def cancelled_for_holder(self, event: RequestClosed, _id: int) -> None:
        holder = event.holder
        if holder is None:
            return
        request_id = event.request_id
        await self.messenger.tell(holder, lambda: notices.task_cancelled_for_volunteer(request_id))
        cancelled = await self._request(request_id)
        ping = (
            await self.pings.find(request_id, holder, cancelled.round)
            if cancelled is not None
            else None
        )
        if ping is not None and ping.chat_id is not None and ping.message_id is not None:
            await self.messenger.retell(
                holder,
                ping.chat_id,
                ping.message_id,
                # Not the notice again (that was just sent): the card's new state.
                lambda: notices.card_cancelled(request_id),
            )

    async def closed_for_requester(self, event: RequestClosed, _id: int) -> None:
        closed = await self._request(event.request_id)
        if closed is None:
            return
        if event.reason == "closed":
            # A phone request's news goes to the coordinator who recorded it: not when
            # that is the very coordinator closing it.
            if news_recipient(closed) != event.by:
                await tell_requester(
                    self.messenger,
                    self.coordinators,
                    closed,
                    lambda: notices.closed_by_coordinator_for_requester(closed.id),
                )
        elif event.reason == "expired":
            extra = await self.meanwhile(closed)
            await tell_requester(
                self.messenger,
                self.coordinators,
                closed,
                lambda: notices.expired_for_requester(closed.id) + extra(),
                # "Ask again" starts a request of one's own: not for a coordinator's phone one.
                keyboards.ask_again if closed.requester_id is not None else lambda: None,
            )

    # --- the rest --------------------------------------------------------------------------

    async def added_for_volunteer(self, event: DetailsAdded, _id: int) -> None:
        request_id, addition = event.request_id, event.addition
        request = await self._request(request_id)
        at_door = request.category.at_the_door if request is not None else True
        await self.messenger.tell(
            event.volunteer_id,
            lambda: notices.added_for_volunteer(request_id, addition),
            lambda: keyboards.task(request_id, at_door=at_door),
        )

    async def not_helped_for_coordinators(self, event: HelpMissed, _id: int) -> None:
        request = await self._request(event.request_id)
        if request is None:
            return
        name = await requester_name(self.users, request)
        await self.coordinators.tell(lambda: notices.not_helped_for_coordinators(request, name))

    async def still_open_for_coordinators(self, event: AlertDue, _id: int) -> None:
        request = await self._request(event.request_id)
        if request is None or request.status is not RequestStatus.OPEN:
            return
        pinged = event.pinged
        await self.coordinators.tell(
            lambda: notices.still_open_for_coordinators(request, pinged),
            lambda: keyboards.stuck_request(request.id),
        )

    async def task_soon(self, event: TaskSoon, _id: int) -> None:
        request = await self._request(event.request_id)
        if request is None or not _held_by(request, event.volunteer_id):
            return
        tz = self.settings.timezone
        await self.messenger.tell(
            event.volunteer_id,
            lambda: notices.task_soon(request, tz),
            # "" : the line's button, unnamed
            lambda: keyboards.task(request.id, "", at_door=request.category.at_the_door),
        )

    async def how_did_it_go(self, event: FollowUpDue, _id: int) -> None:
        request = await self._request(event.request_id)
        if request is None or not _held_by(request, event.volunteer_id):
            return
        await self.messenger.tell(
            event.volunteer_id,
            lambda: notices.how_did_it_go(request.id),
            lambda: keyboards.follow_up(request.id),
        )

    async def decided_for_volunteer(self, event: VolunteerDecided, _id: int) -> None:
        user_id = event.user_id
        if event.decision == "approved":
            await self.messenger.tell(user_id, notices.volunteer_approved)
        elif event.decision == "rejected":
            await self.messenger.tell(user_id, notices.volunteer_rejected)
        elif event.decision == "checked":
            await self.messenger.tell(user_id, notices.checked_by_coordinator)
        elif event.decision == "held":
            await self.messenger.tell(user_id, notices.paused_by_coordinator)
        elif event.decision == "resumed":
            volunteer = await self.volunteers.get(user_id)
            still_paused = volunteer is not None and volunteer.paused
            await self.messenger.tell(
                user_id, lambda: notices.resumed_by_coordinator(still_paused)
            )
        elif event.decision == "removed":
            await self.messenger.tell(user_id, notices.removed_by_coordinator)

    async def role_for_person(self, event: RoleChanged, _id: int) -> None:
        if event.coordinator:
            await self.messenger.tell(event.user_id, notices.made_coordinator)
        elif event.user_id != event.by:  # nobody is told what they did themselves
            await self.messenger.tell(event.user_id, notices.no_longer_coordinator)

    async def daily_digest(self, event: DigestDue, _id: int) -> None:
        figures = await self.chaser.digest()
        tz = self.settings.timezone
        extra = await self.digest_extra()
        waiting = figures.open + figures.overdue > 0
        await self.coordinators.tell(
            lambda: notices.daily_digest(figures, tz) + extra(),
            lambda: keyboards.digest(waiting),
        )


def _held_by(request: HelpRequest, volunteer_id: int) -> bool:
    return request.status is RequestStatus.CLAIMED and request.volunteer_id == volunteer_id


def subscribe(
    bus: EventBus,
    tellers: Tellers,
    chaser: Chaser,
    matchmaker: Matchmaker,
    board: GroupBoard,
    newcomers: Newcomers,
) -> None:
    """Every event's subscribers, in the order they hear of it. The README's event table
    ("Architecture") lists the same; tests/test_events.py keeps the two alike."""
    t = tellers

    async def requested(
        handler: Callable[[HelpRequest], Awaitable[None]], request_id: int
    ) -> None:
        request = await t.requests.get(request_id)
        if request is not None:
            await handler(request)

    async def group_chat(event: Changed, _id: int) -> None:
        await requested(board.sync, event.request_id)

    async def first_wave(event: RequestOpened | RequestReleased, _id: int) -> None:
        if isinstance(event, RequestReleased) and event.reason == "passed":
            return  # nobody is asked for a time that has gone (see released_for_requester)
        await matchmaker.first_wave(event.request_id)

    async def reminders_opened(event: RequestOpened, _id: int) -> None:
        await requested(chaser.opened, event.request_id)

    async def escalation(event: WaveSent, _id: int) -> None:
        request = await t.requests.get(event.request_id)
        if request is not None and request.round == event.round:
            await chaser.pinged(request, event.wave)

    async def wait(event: WaveDeferred, _id: int) -> None:
        request = await t.requests.get(event.request_id)
        if request is not None and request.round == event.round:
            await chaser.waiting(request, event.wave, event.at)

    async def reminders_claimed(event: RequestClaimed, _id: int) -> None:
        request = await t.requests.get(event.request_id)
        # Not theirs any more (handed back at once): nothing of theirs to remind them of.
        if request is not None and _held_by(request, event.volunteer_id):
            await chaser.claimed(request)

    async def reminders_released(event: RequestReleased, _id: int) -> None:
        await requested(chaser.released, event.request_id)

    async def reminders_closed(event: RequestDone | RequestClosed, _id: int) -> None:
        await requested(chaser.closed, event.request_id)

    async def first_task_taken(event: RequestClaimed, _id: int) -> None:
        await requested(newcomers.taken, event.request_id)

    async def first_task_done(event: RequestDone, _id: int) -> None:
        await requested(newcomers.done, event.request_id)

    bus.on(RequestOpened, "reminders", reminders_opened)
    bus.on(RequestOpened, "first wave", first_wave)
    bus.on(RequestOpened, "group chat", group_chat, background=True)

    bus.on(WaveSent, "pings", t.send_pings)
    bus.on(WaveSent, "escalation", escalation)
    bus.on(WaveDeferred, "wait", wait)
    bus.on(NobodyLeft, "coordinators", t.nobody_nearby_for_coordinators)
    bus.on(NobodyLeft, "requester", t.nobody_nearby_for_requester)

    bus.on(RequestClaimed, "reminders", reminders_claimed)
    bus.on(RequestClaimed, "address", t.address_to_claimer)
    bus.on(RequestClaimed, "requester", t.volunteer_coming)
    bus.on(RequestClaimed, "other pings", t.pings_taken)
    bus.on(RequestClaimed, "first tasks", first_task_taken)
    bus.on(RequestClaimed, "assigned", t.assigned_to_you)
    bus.on(RequestClaimed, "group chat", group_chat, background=True)

    bus.on(RequestReleased, "address", t.address_back_from_releaser)
    bus.on(RequestReleased, "reminders", reminders_released)
    bus.on(RequestReleased, "requester", t.released_for_requester)
    bus.on(RequestReleased, "next wave", first_wave)
    bus.on(RequestReleased, "group chat", group_chat, background=True)

    bus.on(RequestDone, "reminders", reminders_closed)
    bus.on(RequestDone, "requester", t.done_for_requester)
    bus.on(RequestDone, "first tasks", first_task_done)
    bus.on(RequestDone, "group chat", group_chat, background=True)

    bus.on(RequestClosed, "reminders", reminders_closed)
    bus.on(RequestClosed, "other pings", t.pings_withdrawn)
    bus.on(RequestClosed, "address", t.address_back_from_holder)
    bus.on(RequestClosed, "holder", t.cancelled_for_holder)
    bus.on(RequestClosed, "requester", t.closed_for_requester)
    bus.on(RequestClosed, "group chat", group_chat, background=True)

    bus.on(DetailsAdded, "volunteer", t.added_for_volunteer)
    bus.on(HelpMissed, "coordinators", t.not_helped_for_coordinators)
    bus.on(AlertDue, "coordinators", t.still_open_for_coordinators)
    bus.on(TaskSoon, "volunteer", t.task_soon)
    bus.on(FollowUpDue, "volunteer", t.how_did_it_go)
    bus.on(DigestDue, "coordinators", t.daily_digest)
    bus.on(VolunteerDecided, "volunteer", t.decided_for_volunteer)
    bus.on(RoleChanged, "person", t.role_for_person)
