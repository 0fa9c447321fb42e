"""Who gets pinged about a request: the nearest eligible volunteers, a wave at a time.

A wave is decided here and recorded, its pings and its WaveSent event in one transaction;
the pings go out when the event is delivered (bot.telegram.subscribers), so a crash
mid-wave leaves nobody of that wave unasked."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.config import Settings
from bot.db.volunteers import EDGE_KM
from bot.domain.events import NobodyLeft, WaveDeferred, WaveSent
from bot.domain.models import (
    Candidate,
    Category,
    HelpRequest,
    NewPing,
    Ping,
    PingRules,
    RequestStatus,
    Search,
    Slot,
    Volunteer,
)
from bot.services.events import EventBus, Recorder
from bot.services.fairness import rules_for
from bot.services.ports import CandidateSearch, Pings, Requests

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


def search_for(request: HelpRequest, settings: Settings, now: float) -> Search:
    """Who every candidate search about a request looks for (CandidateSearch.candidates):
    near where it is and of its kind, not those pinged in its round already, never its own
    requester, a checked volunteer where it needs one, and the tasks taken lately that
    even out who is asked."""
    return Search(
        request_id=request.id,
        round=request.round,
        lat=request.lat,
        lon=request.lon,
        category=request.category,
        exclude={request.requester_id} if request.requester_id else set(),
        needs_check=request_needs_check(request, settings),
        any_distance=not distance_matters(request.category),
        recent_since=now - RECENT_TASKS_WINDOW_S,
    )


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


@dataclass(eq=False, repr=False)
class Matchmaker:
    settings: Settings
    volunteers: CandidateSearch
    requests: Requests
    pings: Pings
    events: EventBus
    clock: Callable[[], float]
    search: CandidateSearch | None = None
    # Where candidates come from: the volunteers' repository's SQL unless a faster search
    # is given.
    _candidates: CandidateSearch = field(init=False)

    def __post_init__(self) -> None:
        self._candidates = self.search or self.volunteers

    async def first_wave(self, request_id: int) -> int:
        """The first wave of a request's round (new, or handed back); returns how many were
        asked. Nothing when this round was asked already: the delivery of its event
        repeated after a crash finishes nothing twice, and asks nobody before their time.
        The request is marked announced in the same transaction."""
        request = await self.requests.get(request_id)
        if request is None or request.status is not RequestStatus.OPEN:
            return 0
        if await self.pings.last_wave(request.id, request.round):
            return 0
        async with self.events.recording() as record:
            asked, waiting = await self._wave(request, record)
            if asked == 0 and not await self.pings.for_request(request.id, request.round):
                asked, stretched_wait = await self._wave(request, record, stretch=True)
                waiting = waiting or stretched_wait
            await self.requests.mark_announced(request.id, self.clock())
            unasked = asked == 0 and not await self.pings.for_request(request.id, request.round)
            if unasked and waiting is None:
                record(NobodyLeft(request.id))
        return asked

    async def send_wave(
        self,
        request: HelpRequest,
        *,
        after_wave: int | None = None,
        everyone: bool = False,
        stretch: bool = False,
    ) -> int:
        """Ask the next few eligible volunteers (or all of them), nearest first; returns
        how many were asked.

        With `after_wave`, only if that wave is still the latest: an escalation that
        fires twice, or after a decline already moved on, asks nobody more. With
        `stretch`, volunteers are asked whose radius falls short of the request by up
        to ESCALATE_STRETCH_KM (nothing, when that is 0): for when nobody nearer is left.
        """
        async with self.events.recording() as record:
            asked, _ = await self._wave(
                request, record, after_wave=after_wave, everyone=everyone, stretch=stretch
            )
        return asked

    async def ask_everyone(self, request: HelpRequest) -> tuple[int, float | None]:
        """A coordinator's explicit ask: every eligible volunteer not yet asked, past the
        daily cap and the spacing (they judged it worth it) but never in anyone's quiet
        hours; returns how many were asked, and when the ping waits for, if it does."""
        async with self.events.recording() as record:
            return await self._wave(request, record, everyone=True)

    async def _wave(
        self,
        request: HelpRequest,
        record: Recorder,
        *,
        after_wave: int | None = None,
        everyone: bool = False,
        stretch: bool = False,
    ) -> tuple[int, float | None]:
        """One wave (see send_wave), recorded in the caller's transaction. When nobody may
        be asked now but someone held back by the fairness rules may be later, the ping
        waits for then (WaveDeferred): also returned, so that nobody is told "nobody
        nearby" about a request that waits."""
        stretch_km = self.settings.escalate_stretch_km if stretch else 0.0
        if stretch and stretch_km <= 0:
            return 0, None
        last = await self.pings.last_wave(request.id, request.round)
        if after_wave is not None and last != after_wave:
            return 0, None
        wave = last + 1
        rules = rules_for(self.settings, self.clock(), request.due_at, asked=everyone)
        candidates = await self._search(
            request, stretch_km, None if everyone else self.settings.wave_size, rules
        )
        asked: list[int] = []
        for candidate in candidates:
            ping = NewPing(
                request.id, candidate.volunteer.user_id, request.round, wave, candidate.distance_km
            )
            ping_id = await self.pings.add(ping, self.clock())
            if ping_id is not None:
                asked.append(candidate.volunteer.user_id)
        _LOGGER.info("Request %s: wave %s asks %s volunteers", request.id, wave, len(asked))
        if asked:
            # Sent or not (Telegram down, or they blocked the bot), a wave escalates:
            # otherwise the request would wait, unseen, for the coordinators' alert.
            record(WaveSent(request.id, request.round, wave, tuple(asked)))
            return len(asked), None
        at = await self._wait_for_held(request, stretch_km, rules)
        if at is not None:
            record(WaveDeferred(request.id, request.round, last, at))
        return 0, at

    async def _wait_for_held(
        self, request: HelpRequest, stretch_km: float, rules: PingRules
    ) -> float | None:
        """Nobody could be asked now: the first moment someone held back by quiet hours or
        the caps may be (the chaser asks again then, if still open)."""
        held = await self._search(request, stretch_km, None, rules, held=True)
        times = [c.held_until for c in held if c.held_until is not None]
        if not times:
            return None
        at = min(times)
        _LOGGER.info("Request %s: everyone left is resting; asking again at %s", request.id, at)
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
            replace(
                search_for(request, self.settings, self.clock()),
                # When they are usually free ranks volunteers for a booked time only: for
                # "as soon as possible" the nearest goes first, whatever time it is now.
                free_slots=self._slots_covering(request) if request.due_at is not None else None,
                stretch_km=stretch_km,
                limit=limit,
                rules=rules,
                held=held,
            )
        )

    def _slots_covering(self, request: HelpRequest) -> frozenset[Slot]:
        """The availability slots the task's time (or now) falls in: volunteers usually
        free then are asked before those who aren't."""
        moment = datetime.fromtimestamp(
            request.due_at if request.due_at is not None else self.clock(),
            self.settings.timezone,
        )
        return frozenset(s for s in Slot if s.covers(moment.weekday(), moment.hour))

    async def ping_to(self, request: HelpRequest, volunteer_id: int) -> Ping | None:
        """The ping this round of the request sent to a volunteer, if any (one at most:
        a volunteer is pinged once a round)."""
        return await self.pings.find(request.id, volunteer_id, request.round)

    async def pinged_volunteers(self, request_id: int) -> list[int]:
        return [p.volunteer_id for p in await self.pings.for_request(request_id)]

    async def after_decline(self, request: HelpRequest) -> None:
        """When everyone in the latest round has said no, ask the next wave at once."""
        pings = await self.pings.for_request(request.id, request.round)
        if any(p.answer is None and p.message_id is not None for p in pings):
            return
        async with self.events.recording() as record:
            asked, waiting = await self._wave(request, record)
            if asked == 0 and waiting is None:
                record(NobodyLeft(request.id))
