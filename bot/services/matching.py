"""Who gets pinged about a request: the nearest eligible volunteers, a wave at a time."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial

from bot.config import Settings
from bot.db import PingRepository, RequestRepository, VolunteerRepository
from bot.db.volunteers import EDGE_KM
from bot.domain.models import (
    Candidate,
    Category,
    HelpRequest,
    PingRules,
    RequestStatus,
    Slot,
    Volunteer,
)
from bot.i18n import use_language
from bot.services.coordination import Coordinators
from bot.services.fairness import rules_for
from bot.services.ports import CandidateSearch
from bot.telegram import keyboards, notices
from bot.telegram.messenger import Messenger

_LOGGER = logging.getLogger(__name__)

# "Recently" for fairness between volunteers.
RECENT_TASKS_WINDOW_S = 30 * 24 * 3600


def needs_check(category: Category, settings: Settings) -> bool:
    """Only coordinator-checked (ID/DBS) volunteers are asked for these (CHECKED_CATEGORIES)."""
    return category in settings.checked_categories


def request_needs_check(request: HelpRequest, settings: Settings) -> bool:
    """Checked-only by its kind, or a controlled drug (the pharmacist asks for ID), whatever
    CHECKED_CATEGORIES lists."""
    controlled = request.prescription is not None and request.prescription.controlled
    return controlled or needs_check(request.category, settings)


def distance_matters(category: Category) -> bool:
    """A friendly phone call can be made from anywhere."""
    return category is not Category.PHONE_CALL


def may_be_asked_for(volunteer: Volunteer, settings: Settings) -> frozenset[Category]:
    """The kinds of help matching may ask a pingable volunteer for: what they offer, less
    what needs a check they haven't had."""
    return frozenset(
        c for c in volunteer.categories if volunteer.dbs_checked or not needs_check(c, settings)
    )


def within_reach(volunteer: Volunteer, distance_km: float) -> bool:
    """Whether a place this far away lies inside the volunteer's own radius (the same
    tolerance at the edge as the radius search)."""
    return distance_km <= volunteer.radius_km + EDGE_KM


class Matchmaker:
    def __init__(
        self,
        settings: Settings,
        volunteers: VolunteerRepository,
        requests: RequestRepository,
        pings: PingRepository,
        messenger: Messenger,
        coordinators: Coordinators,
        clock: Callable[[], float],
        search: CandidateSearch | None = None,
    ) -> None:
        self._settings = settings
        self._volunteers = volunteers
        # Where candidates come from: the repository's SQL unless a faster search is given.
        self._candidates: CandidateSearch = search or volunteers
        self._requests = requests
        self._pings = pings
        # Told after each wave that went out (the chaser schedules the next escalation).
        self.on_wave: Callable[[HelpRequest, int], Awaitable[None]] | None = None
        # Told when nobody could be asked now but someone held back by quiet hours or the
        # caps can be later (the chaser stores the wait): the request, its latest wave, when.
        self.on_waiting: Callable[[HelpRequest, int, float], Awaitable[None]] | None = None
        # Told when a request is announced, new or handed back (the group chat posts it).
        self.on_announced: Callable[[HelpRequest], Awaitable[None]] | None = None
        # What may help meanwhile (local services), rendered under "nobody nearby".
        self.meanwhile: Callable[[HelpRequest], Awaitable[Callable[[], str]]] | None = None
        self._messenger = messenger
        self._coordinators = coordinators
        self._clock = clock

    async def announce(self, request: HelpRequest) -> int:
        """Send the first wave for a new (or handed back) request; returns how many were pinged.

        The request is marked announced afterwards: if the bot dies in between, start-up
        finds it and finishes the job, and the pings already recorded are not repeated.
        """
        interrupted = await self._pings.last_wave(request.id, request.round)
        waiting: float | None = None
        if interrupted:
            # Start-up after a crash mid-wave: finish that wave rather than start another,
            # so volunteers further away are not asked before their time.
            sent = await self.send_unsent(request)
            if self.on_wave is not None:
                await self.on_wave(request, interrupted)
        else:
            sent, waiting = await self._wave(request)
        if sent == 0 and not await self._pings.for_request(request.id, request.round):
            sent, stretched_wait = await self._wave(request, stretch=True)
            waiting = waiting or stretched_wait
        await self._requests.mark_announced(request.id, self._clock())
        unasked = sent == 0 and not await self._pings.for_request(request.id, request.round)
        if unasked and waiting is None:
            await self._tell_nobody_left(request)
        if self.on_announced is not None:
            await self.on_announced(request)
        return sent

    async def send_unsent(self, request: HelpRequest) -> int:
        """At start-up, for a request whose wave was cut short: the pings stored but never
        sent (the bot died between storing and sending them) go out now. Stored first, a
        ping keeps its volunteer out of later waves, so unsent it would never arrive."""
        sent = 0
        for ping in await self._pings.for_request(request.id, request.round):
            if ping.message_id is not None or ping.answer is not None:
                continue
            volunteer = await self._volunteers.get(ping.volunteer_id)
            if volunteer is None or not volunteer.gets_pings:
                continue
            with use_language(volunteer.language):
                text = notices.ping(request, ping.distance_km, self._settings.timezone)
                markup = keyboards.ping(request.id)
            message = await self._messenger.send(volunteer.user_id, text, markup)
            if message is not None:
                await self._pings.set_message(ping.id, message.chat_id, message.message_id)
                sent += 1
        return sent

    async def send_wave(
        self,
        request: HelpRequest,
        *,
        after_wave: int | None = None,
        everyone: bool = False,
        stretch: bool = False,
    ) -> int:
        """Ping the next few eligible volunteers (or all of them), nearest first; returns
        how many were pinged.

        With `after_wave`, only if that wave is still the latest: an escalation that
        fires twice, or after a decline already moved on, sends nothing more. With
        `stretch`, volunteers are asked whose radius falls short of the request by up
        to ESCALATE_STRETCH_KM (nothing, when that is 0): for when nobody nearer is left.
        """
        sent, _ = await self._wave(
            request, after_wave=after_wave, everyone=everyone, stretch=stretch
        )
        return sent

    async def ask_everyone(self, request: HelpRequest) -> tuple[int, float | None]:
        """A coordinator's explicit ask: every eligible volunteer not yet asked, past the
        daily cap and the spacing (they judged it worth it) but never in anyone's quiet
        hours; returns how many were pinged, and when the ping waits for, if it does."""
        return await self._wave(request, everyone=True)

    async def _wave(
        self,
        request: HelpRequest,
        *,
        after_wave: int | None = None,
        everyone: bool = False,
        stretch: bool = False,
    ) -> tuple[int, float | None]:
        """One wave (see send_wave). When nobody may be asked now but someone held back
        by the fairness rules may be later, the ping waits for then (on_waiting): also
        returned, so that nobody is told "nobody nearby" about a request that waits."""
        stretch_km = self._settings.escalate_stretch_km if stretch else 0.0
        if stretch and stretch_km <= 0:
            return 0, None
        last = await self._pings.last_wave(request.id, request.round)
        if after_wave is not None and last != after_wave:
            return 0, None
        wave = last + 1
        rules = rules_for(self._settings, self._clock(), request.due_at, asked=everyone)
        candidates = await self._search(
            request, stretch_km, None if everyone else self._settings.wave_size, rules
        )
        sent = asked = 0
        for candidate in candidates:
            volunteer = candidate.volunteer
            ping_id = await self._pings.add(
                request.id,
                volunteer.user_id,
                request.round,
                wave,
                candidate.distance_km,
                self._clock(),
            )
            if ping_id is None:
                continue
            asked += 1
            with use_language(volunteer.language):
                text = notices.ping(request, candidate.distance_km, self._settings.timezone)
                markup = keyboards.ping(request.id)
            message = await self._messenger.send(volunteer.user_id, text, markup)
            if message is not None:
                await self._pings.set_message(ping_id, message.chat_id, message.message_id)
                sent += 1
        _LOGGER.info("Request %s: wave %s pinged %s volunteers", request.id, wave, sent)
        # A wave whose pings all failed (Telegram down, or they blocked the bot) still
        # escalates: otherwise the request would wait, unseen, for the coordinators' alert.
        if asked and self.on_wave is not None:
            await self.on_wave(request, wave)
        if asked:
            return sent, None
        return 0, await self._wait_for_held(request, last, stretch_km, rules)

    async def _wait_for_held(
        self, request: HelpRequest, last_wave: int, stretch_km: float, rules: PingRules
    ) -> float | None:
        """Nobody could be asked now: the first moment someone held back by quiet hours or
        the caps may be, and the wait stored for then (it asks again if still open)."""
        held = await self._search(request, stretch_km, None, rules, held=True)
        times = [c.held_until for c in held if c.held_until is not None]
        if not times:
            return None
        at = min(times)
        _LOGGER.info("Request %s: everyone left is resting; asking again at %s", request.id, at)
        if self.on_waiting is not None:
            await self.on_waiting(request, last_wave, at)
        return at

    async def _search(
        self,
        request: HelpRequest,
        stretch_km: float,
        limit: int | None,
        rules: PingRules,
        *,
        held: bool = False,
    ) -> list[Candidate]:
        return await self._candidates.candidates(
            request_id=request.id,
            round_=request.round,
            lat=request.lat,
            lon=request.lon,
            category=request.category,
            exclude={request.requester_id} if request.requester_id else set(),
            needs_check=request_needs_check(request, self._settings),
            any_distance=not distance_matters(request.category),
            recent_since=self._clock() - RECENT_TASKS_WINDOW_S,
            free_slots=self._slots_covering(request),
            stretch_km=stretch_km,
            limit=limit,
            rules=rules,
            held=held,
        )

    def _slots_covering(self, request: HelpRequest) -> frozenset[Slot]:
        """The availability slots the task's time (or now) falls in: volunteers usually
        free then are asked before those who aren't."""
        moment = datetime.fromtimestamp(
            request.due_at if request.due_at is not None else self._clock(),
            self._settings.timezone,
        )
        return frozenset(s for s in Slot if s.covers(moment.weekday(), moment.hour))

    async def pinged_volunteers(self, request_id: int) -> list[int]:
        return [p.volunteer_id for p in await self._pings.for_request(request_id)]

    async def after_decline(self, request: HelpRequest) -> None:
        """When everyone in the latest round has said no, ask the next wave at once."""
        pings = await self._pings.for_request(request.id, request.round)
        if any(p.answer is None and p.message_id is not None for p in pings):
            return
        sent, waiting = await self._wave(request)
        if sent == 0 and waiting is None:
            await self._tell_nobody_left(request)

    async def close_pings(self, request: HelpRequest, *, taken: bool, keep: int | None) -> None:
        """Edit the pings nobody acted on, so no one presses a button for nothing."""
        render = notices.ping_taken if taken else notices.ping_withdrawn
        for ping in await self._pings.for_request(request.id):
            if ping.volunteer_id == keep or ping.message_id is None or ping.chat_id is None:
                continue
            if ping.answer in ("declined", "released"):
                continue
            await self._messenger.retell(
                ping.volunteer_id, ping.chat_id, ping.message_id, partial(render, request.id)
            )

    async def _tell_nobody_left(self, request: HelpRequest) -> None:
        current = await self._requests.get(request.id)
        if current is None or current.status is not RequestStatus.OPEN:
            return
        await self._coordinators.tell(lambda: notices.nobody_nearby_for_coordinators(current))
        if current.requester_id is not None and current.round == 1:
            extra = await self.meanwhile(current) if self.meanwhile else str
            await self._messenger.tell(
                current.requester_id,
                lambda: notices.nobody_nearby_for_requester(current.id) + extra(),
            )
