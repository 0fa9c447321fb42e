"""The help desk: a request's life from asking to done.

Handlers call these methods and render the answer to the person who acted. Each
transition is stored with the events it causes (bot.domain.events), in one transaction;
everyone else involved (requester, other volunteers, coordinators, the group chat, the
chaser's reminders) hears of it from the subscribers those events are delivered to
(bot.telegram.subscribers), after the commit and before the method returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.domain.distance import haversine_km
from bot.domain.events import (
    DetailsAdded,
    HelpMissed,
    RequestClaimed,
    RequestClosed,
    RequestDone,
    RequestOpened,
    RequestReleased,
)
from bot.domain.models import (
    Candidate,
    Category,
    HelpRequest,
    NewPing,
    NewRequest,
    NewSeries,
    RequestDraft,
    RequestStatus,
    Series,
    Volunteer,
    VolunteerStatus,
    When,
)
from bot.domain.results import Limit, Outcome, Result
from bot.domain.safety import new_safety_code
from bot.resilience import once
from bot.services.chaser import Chaser
from bot.services.events import EventBus
from bot.services.matching import Matchmaker, request_needs_check, search_for
from bot.services.ports import (
    AddressesShown,
    CoordinatorCheck,
    DeskPings,
    DeskRequests,
    Members,
    SeriesBook,
    Volunteers,
)
from bot.services.requesters import news_recipient, speaks_for

_LOGGER = logging.getLogger(__name__)
# The step that saves a request, as the resilience journal knows it (see bot.telegram.app).
SAVED = "request:saved"


# A description with the details added by later asks for the same need: room for a
# couple of additions, well inside a Telegram message.
MAX_WITH_ADDITIONS = 1500

# The day of MAX_REQUESTS_PER_DAY: a rolling 24 hours, so midnight resets nothing.
LIMIT_WINDOW_S = 86400


@dataclass(frozen=True)
class Stuck:
    """A request on the coordinators' /open list."""

    request: HelpRequest
    asked: int  # volunteers pinged about it so far
    holder_name: str | None  # for a taken one that is overdue: who has it
    additions: int = 0  # times its requester added to it, asking again for the same need


@dataclass(eq=False, repr=False)
class HelpDesk:
    settings: Settings
    users: Members
    volunteers: Volunteers
    requests: DeskRequests
    pings: DeskPings
    events: EventBus
    matchmaker: Matchmaker
    chaser: Chaser
    series: SeriesBook
    coordinators: CoordinatorCheck
    addresses: AddressesShown
    clock: Callable[[], float]

    async def open_like(
        self, category: Category, *, requester_id: int | None = None, phone: str | None = None
    ) -> HelpRequest | None:
        """An open request of the same kind from this requester (or, taken by phone, for
        this number), which a new one may be the same need as."""
        return await self.requests.open_like(category, requester_id=requester_id, phone=phone)

    async def add_to(
        self, request_id: int, addition: str, actor_id: int, *, by_phone: bool = False
    ) -> Result:
        """A second ask for the same need: its details go onto the open request, and the
        volunteer on it (if any) is told. `by_phone`: a coordinator adds to a phone request."""
        request = await self.requests.get(request_id)
        if request is None:
            return Result(Outcome.NOT_FOUND)
        mine = request.requester_id is None if by_phone else request.requester_id == actor_id
        if not mine:
            return Result(Outcome.NOT_YOURS, request)
        async with self.events.recording() as record:
            added = await self.requests.add_to(
                request_id, addition, actor_id, self.clock(), limit=MAX_WITH_ADDITIONS
            )
            if (
                added is not None
                and added.status is RequestStatus.CLAIMED
                and added.volunteer_id is not None
            ):
                record(DetailsAdded(added.id, added.volunteer_id, addition))
        if added is None:
            current = await self.requests.get(request_id)
            still_open = current is not None and current.status in (
                RequestStatus.OPEN,
                RequestStatus.CLAIMED,
            )
            # Still open: only too long to add to; otherwise closed meanwhile.
            return Result(Outcome.ALREADY if still_open else Outcome.TOO_LATE, current)
        return Result(Outcome.OK, added)

    async def limit_reached(self, requester_id: int) -> Limit | None:
        """Whether this requester has as many requests as one person may have for now.
        Coordinators' /onbehalf requests have no requester, so they never count."""
        open_now, recent = await self.requests.load_of(requester_id, self.clock() - LIMIT_WINDOW_S)
        if open_now >= self.settings.max_open_requests:
            return Limit.OPEN
        if recent >= self.settings.max_requests_per_day:
            return Limit.DAILY
        return None

    async def submit(self, requester_id: int, draft: RequestDraft) -> HelpRequest:
        """Save a new request (and its series, if it repeats). Pings go out separately
        (`announce`), after the requester has their confirmation, so they hear first."""
        now = self.clock()
        series_id = None
        if draft.every is not None and draft.due_at is not None:
            series = await self._start_series(requester_id, draft, now)
            series_id = series.id
        return await self._save(draft, now, requester_id=requester_id, series_id=series_id)

    async def _save(self, draft: RequestDraft, now: float, **whose: Any) -> HelpRequest:
        """Store a request from a draft, with its safety code and expiry, and its
        RequestOpened event, held until `announce`. `whose`: the requester, or the
        contact taken over the phone."""
        # once: a retry after a database fault finds the request it saved, not a second.
        return await once(SAVED, lambda: self._create(draft, now, **whose))

    async def _create(self, draft: RequestDraft, now: float, **whose: Any) -> HelpRequest:
        async with self.events.recording() as record:
            new = NewRequest(
                category=draft.category,
                description=draft.description,
                address=draft.address,
                lat=draft.lat,
                lon=draft.lon,
                when=draft.when,
                due_at=draft.due_at,
                safety_code=new_safety_code(),
                expires_at=self.chaser.expiry_of(draft.when, draft.due_at, now),
                linked_to=draft.linked_to,
                prescription=draft.prescription,
                **whose,
            )
            request = await self.requests.create(new, now)
            # Held: its reminders and pings start after the requester has their answer.
            # A fault or a crash before then leaves it to the next start-up's delivery.
            record(RequestOpened(request.id), hold=_opening(request.id))
        return request

    async def _start_series(self, requester_id: int, draft: RequestDraft, now: float) -> Series:
        assert draft.due_at is not None
        assert draft.every is not None
        every, due_at = draft.every, draft.due_at  # narrowed for the lambda below
        local = datetime.fromtimestamp(due_at, self.settings.timezone)
        series = await once(
            "series:create",
            lambda: self.series.create(
                NewSeries(
                    requester_id=requester_id,
                    category=draft.category,
                    description=draft.description,
                    address=draft.address,
                    lat=draft.lat,
                    lon=draft.lon,
                    every=every,
                    next_due_at=due_at,
                    local_time=local.strftime("%H:%M"),
                ),
                now,
            ),
        )
        # The first occurrence is the request being saved now; the series starts after it.
        following = self.chaser.next_in_series(series, draft.due_at)
        await self.series.advance(series.id, draft.due_at, following)
        advanced = await self.series.get(series.id)
        assert advanced is not None
        await self.chaser.series_started(advanced)
        return advanced

    async def announce(self, request: HelpRequest) -> int:
        """A saved request starts (its RequestOpened event is let go): its alert and
        expiry, then the first wave; returns how many were asked. Nothing when it has
        started already (a press repeated after a fault)."""
        current = await self.requests.get(request.id)
        if current is None or current.announced_at is not None:
            return 0
        await self.events.release(_opening(request.id))
        return len(await self.pings.for_request(request.id, current.round))

    async def saved(self, request_id: int) -> HelpRequest | None:
        """A request this conversation saved already, when its Send is pressed again
        (recorded as this update's saved request, for the apology after a fault)."""
        return await once(SAVED, lambda: self.requests.get(request_id))

    async def accept(self, request_id: int, volunteer_id: int) -> Result:
        request = await self.requests.get(request_id)
        if request is None:
            return Result(Outcome.NOT_FOUND)
        if request.volunteer_id == volunteer_id and request.status is RequestStatus.CLAIMED:
            return Result(Outcome.ALREADY, request)
        volunteer = await self.volunteers.get(volunteer_id)
        if volunteer is None or volunteer.status is not VolunteerStatus.APPROVED:
            return Result(Outcome.NOT_YOURS, request)
        if volunteer.held:
            # An old ping is no way round a coordinator's hold.
            return Result(Outcome.ON_HOLD, request)
        ping = await self.pings.find(request_id, volunteer_id, request.round)
        if ping is None:
            # Only someone this request was offered to may take it: a forwarded or forged
            # button is refused, which keeps checked-only tasks with checked volunteers.
            late = request.status is not RequestStatus.OPEN
            return Result(Outcome.TOO_LATE if late else Outcome.NOT_YOURS, request)
        return await self._take(request, volunteer, ping.id)

    async def _take(
        self,
        request: HelpRequest,
        volunteer: Volunteer,
        ping_id: int,
        assigned_by: int | None = None,
    ) -> Result:
        """The one way a request changes hands: the conditional claim, its ping answered,
        a prescription's consent naming this volunteer, all with RequestClaimed; its
        subscribers then hand over the address, tell the requester, edit the other pings,
        whoever pressed what."""
        volunteer_id = volunteer.user_id
        now = self.clock()
        async with self.events.recording() as record:
            claimed = await self.requests.claim(request.id, volunteer_id, now)
            if claimed is not None:
                await self.pings.set_answer(ping_id, "accepted")
                if claimed.prescription is not None:
                    # The consent now names this volunteer: the one the requester is told of.
                    await self.requests.name_collector(claimed.id, volunteer_id, now)
                if assigned_by is not None:
                    await self.requests.note(
                        claimed.id, assigned_by, "assigned", now, note=str(volunteer_id)
                    )
                record(RequestClaimed(claimed.id, volunteer_id, assigned_by))
        if claimed is None:
            current = await self.requests.get(request.id)
            if current is not None and current.volunteer_id == volunteer_id:
                return Result(Outcome.ALREADY, current)
            return Result(Outcome.TOO_LATE, current)
        # Delivered by now: whether the address message reached the volunteer.
        details_sent = await self.addresses.shown(claimed.id, volunteer_id)
        return Result(Outcome.OK, claimed, details_sent=details_sent)

    async def decline(self, request_id: int, volunteer_id: int) -> Result:
        request = await self.requests.get(request_id)
        if request is None:
            return Result(Outcome.NOT_FOUND)
        ping = await self.pings.find(request_id, volunteer_id, request.round)
        if ping is None:
            return Result(Outcome.NOT_YOURS, request)
        if not await self.pings.set_answer(ping.id, "declined"):  # nobody hears of it
            return Result(Outcome.ALREADY, request)
        if request.status is RequestStatus.OPEN:
            await self.matchmaker.after_decline(request)
        return Result(Outcome.OK, request)

    async def complete(self, request_id: int, volunteer_id: int) -> Result:
        request = await self.requests.get(request_id)
        if request is None:
            return Result(Outcome.NOT_FOUND)
        if request.volunteer_id != volunteer_id:
            return Result(Outcome.NOT_YOURS, request)
        if request.status is RequestStatus.DONE:
            return Result(Outcome.ALREADY, request)
        async with self.events.recording() as record:
            done = await self.requests.complete(request_id, volunteer_id, self.clock())
            if done is not None:
                record(RequestDone(done.id, volunteer_id))
        if done is None:
            return Result(Outcome.TOO_LATE, await self.requests.get(request_id))
        return Result(Outcome.OK, done)

    async def release(self, request_id: int, volunteer_id: int) -> Result:
        request = await self.requests.get(request_id)
        if request is None:
            return Result(Outcome.NOT_FOUND)
        if request.status is not RequestStatus.CLAIMED:
            return Result(Outcome.TOO_LATE, request)  # a stale press: handed back or closed
        if request.volunteer_id != volunteer_id:
            return Result(Outcome.NOT_YOURS, request)
        async with self.events.recording() as record:
            released = await self.requests.release(request_id, volunteer_id, self.clock())
            if released is not None:
                await self.pings.mark_released(request_id, volunteer_id)
                # After its booked time nobody is asked for a time that has gone: its
                # requester chooses "as soon as possible" (rebook_asap) or cancelling.
                passed = self._time_has_passed(released)
                record(
                    RequestReleased(released.id, volunteer_id, "passed" if passed else "released")
                )
        if released is None:
            return Result(Outcome.TOO_LATE, await self.requests.get(request_id))
        return Result(Outcome.OK, released)

    def _time_has_passed(self, request: HelpRequest) -> bool:
        return (
            request.when is When.AT
            and request.due_at is not None
            and request.due_at <= self.clock()
        )

    async def rebook_asap(self, request_id: int, actor_id: int) -> Result:
        """The requester (or a phone request's coordinator) wants it as soon as possible
        after its booked time passed: volunteers are asked again."""
        request = await self.requests.get(request_id)
        if request is None:
            return Result(Outcome.NOT_FOUND)
        if not await speaks_for(request, actor_id, self.coordinators):
            return Result(Outcome.NOT_YOURS, request)
        async with self.events.recording() as record:
            rebooked = await self.requests.rebook_asap(request_id, actor_id, self.clock())
            if rebooked is not None:
                record(RequestReleased(rebooked.id, None, "rebooked"))
        if rebooked is None:
            return Result(Outcome.ALREADY, request)
        return Result(Outcome.OK, rebooked)

    async def reopen(self, released: HelpRequest) -> None:
        """A task back on the board because its volunteer was erased (bot.services.privacy
        stored that): their reminders dropped, the requester told, others asked."""
        await self.events.record(RequestReleased(released.id, None, "left"))

    async def cancel(self, request_id: int, requester_id: int) -> Result:
        """The requester no longer needs help."""
        request = await self.requests.get(request_id)
        if request is None or request.requester_id != requester_id:
            return Result(Outcome.NOT_YOURS if request else Outcome.NOT_FOUND, request)
        return await self._close(request_id, requester_id, "cancelled", as_requester=True)

    async def close_stuck(self, request_id: int, coordinator_id: int) -> Result:
        """A coordinator closes a request nobody could take; the requester is told."""
        return await self._close(request_id, coordinator_id, "closed", as_requester=False)

    async def _close(
        self, request_id: int, actor_id: int, reason: str, *, as_requester: bool
    ) -> Result:
        """Cancel it and record why (RequestClosed tells whoever needs to hear)."""
        async with self.events.recording() as record:
            result = await self.requests.cancel(
                request_id, actor_id, self.clock(), as_requester=as_requester
            )
            if result is not None:
                record(RequestClosed(request_id, reason, result[1], actor_id))
        if result is None:
            request = await self.requests.get(request_id)
            return Result(Outcome.ALREADY if request else Outcome.NOT_FOUND, request)
        return Result(Outcome.OK, result[0])

    async def withdraw(self, cancelled: HelpRequest, holder: int | None) -> None:
        """A request cancelled by an erasure (bot.services.privacy stored that): no more
        reminders, pings edited, its volunteer told."""
        await self.events.record(RequestClosed(cancelled.id, "cancelled", holder))

    async def ask_everyone(self, request_id: int) -> tuple[int, float | None] | None:
        """Ping every eligible volunteer not yet asked (see Matchmaker.ask_everyone): how
        many, and when the ping waits for if everyone left is in their quiet hours; None
        if the request isn't open."""
        request = await self.requests.get(request_id)
        if request is None or request.status is not RequestStatus.OPEN:
            return None
        return await self.matchmaker.ask_everyone(request)

    async def more_time(self, request_id: int, volunteer_id: int) -> Result:
        """The volunteer needs longer: ask again after another follow-up interval."""
        request = await self.requests.get(request_id)
        if request is None:
            return Result(Outcome.NOT_FOUND)
        if request.volunteer_id != volunteer_id or request.status is not RequestStatus.CLAIMED:
            return Result(Outcome.NOT_YOURS, request)
        await self.chaser.follow_up_later(request, self.clock() + self.settings.follow_up_after_s)
        return Result(Outcome.OK, request)

    async def record_feedback(self, request_id: int, requester_id: int, got_help: bool) -> Result:
        coordinator = await self.coordinators.is_coordinator(requester_id)
        if not await self.requests.set_feedback(request_id, requester_id, got_help, coordinator):
            request = await self.requests.get(request_id)
            mine = request is not None and (
                news_recipient(request) == requester_id
                or await speaks_for(request, requester_id, self.coordinators)
            )
            return Result(Outcome.ALREADY if mine else Outcome.NOT_YOURS, request)
        if not got_help:
            await self.events.record(HelpMissed(request_id))
        return Result(Outcome.OK)

    async def series_of(self, requester_id: int) -> list[Series]:
        return await self.series.active_of(requester_id)

    async def stop_series(self, series_id: int, requester_id: int) -> Outcome:
        """No more occurrences of a recurring request; only its requester may stop it."""
        if not await self.series.stop(series_id, requester_id):
            series = await self.series.get(series_id)
            mine = series is not None and series.requester_id == requester_id
            return Outcome.ALREADY if mine else Outcome.NOT_YOURS
        await self.chaser.series_stopped(series_id)
        return Outcome.OK

    async def requests_of(self, requester_id: int) -> list[HelpRequest]:
        return await self.requests.by_requester(requester_id)

    async def tasks_of(self, volunteer_id: int) -> list[HelpRequest]:
        return await self.requests.held_by(volunteer_id)

    async def find(self, request_id: int) -> HelpRequest | None:
        """A request as it stands now."""
        return await self.requests.get(request_id)

    async def last_place(self, requester_id: int) -> HelpRequest | None:
        """The requester's latest request with a place and an address still kept (not a
        phone call, not purged): they may ask for the same place again."""
        for request in await self.requests.by_requester(requester_id, 5):
            if request.category.at_the_door and request.address:
                return request
        return None

    async def cancelled_by_requester(self, request_id: int) -> bool:
        """Whether the requester cancelled it (else a coordinator, or nobody took it)."""
        return await self.requests.cancelled_by_requester(request_id)

    # --- a coordinator's hands on a request ---------------------------------------------

    async def submit_on_behalf(
        self, coordinator_id: int, draft: RequestDraft, contact_name: str, contact_phone: str
    ) -> HelpRequest:
        """Save a request a coordinator took over the phone for someone without Telegram.
        It has no requester: its news goes to that coordinator (bot.services.requesters),
        and the volunteer who takes it gets the phone number with the address."""
        return await self._save(
            draft,
            self.clock(),
            requester_id=None,
            on_behalf_of=coordinator_id,
            contact_name=contact_name,
            contact_phone=contact_phone,
        )

    async def stuck(self, limit: int) -> tuple[list[Stuck], int]:
        """Open requests and overdue taken ones, oldest first (the first `limit`), and how
        many there are in all."""
        requests, total = await self.requests.open_and_overdue(self.clock(), limit)
        found = []
        for request in requests:
            # People asked, not pings: after a hand-back the same person is pinged again.
            asked = len(set(await self.matchmaker.pinged_volunteers(request.id)))
            holder = await self.users.get(request.volunteer_id) if request.volunteer_id else None
            additions = len(await self.requests.additions(request.id))
            found.append(Stuck(request, asked, holder.first_name if holder else None, additions))
        return found, total

    async def anyone_for(self, request_id: int) -> tuple[HelpRequest, list[Volunteer]] | None:
        """Every approved volunteer an open request could be handed to, past the usual
        filter (the kind of help, the distance), nearest first; None if it isn't open.
        An ID/DBS check is never passed over: assign() would refuse them anyway."""
        request = await self.requests.get(request_id)
        if request is None or request.status is not RequestStatus.OPEN:
            return None
        needs_check = request_needs_check(request, self.settings)
        everyone = [
            v
            for v in await self.volunteers.pingable()
            if v.user_id != request.requester_id and (v.dbs_checked or not needs_check)
        ]
        everyone.sort(key=lambda v: haversine_km(request.lat, request.lon, v.lat, v.lon))
        return request, everyone

    async def assign_choices(self, request_id: int, limit: int = 8) -> list[Candidate] | None:
        """The nearest eligible volunteers a coordinator may hand an open request to; None
        if it isn't open. Those already asked stay in (they may have said yes on the phone);
        those who declined it or handed it back do not."""
        request = await self.requests.get(request_id)
        if request is None or request.status is not RequestStatus.OPEN:
            return None
        candidates = await self.volunteers.candidates(
            # No ping is ever in round 0, so nobody is left out for being asked.
            replace(search_for(request, self.settings, self.clock()), round=0)
        )
        return candidates[:limit]

    async def assign(self, request_id: int, volunteer_id: int, coordinator_id: int) -> Result:
        """A coordinator hands an open request to a named volunteer: the same claim and
        hand-over as if the volunteer had pressed Accept on a ping."""
        found = await self._taker(request_id, volunteer_id)
        if isinstance(found, Result):
            return found
        request, volunteer = found
        ping_id = await self._offer(request, volunteer)
        return await self._take(request, volunteer, ping_id, assigned_by=coordinator_id)

    async def take_offer(self, request_id: int, volunteer_id: int) -> Result:
        """An approved volunteer pressed "I can help" under the request's post in the group
        chat: they are offered it (a ping of their own) and take it as from a ping."""
        found = await self._taker(request_id, volunteer_id)
        if isinstance(found, Result):
            return found
        request, volunteer = found
        if await self.pings.handed_back(request_id, volunteer_id):
            # They gave it back: it goes to someone else now (as pings do).
            return Result(Outcome.HANDED_BACK, request)
        return await self._take(request, volunteer, await self._offer(request, volunteer))

    async def _taker(
        self, request_id: int, volunteer_id: int
    ) -> tuple[HelpRequest, Volunteer] | Result:
        """The request and the volunteer, if they may take it now; otherwise why not."""
        request = await self.requests.get(request_id)
        if request is None:
            return Result(Outcome.NOT_FOUND)
        volunteer = await self._may_take(request, volunteer_id)
        return volunteer if isinstance(volunteer, Result) else (request, volunteer)

    async def _may_take(self, request: HelpRequest, volunteer_id: int) -> Volunteer | Result:
        """The volunteer, if they may take this request now; otherwise why not."""
        if request.status is not RequestStatus.OPEN:
            mine = request.volunteer_id == volunteer_id
            return Result(Outcome.ALREADY if mine else Outcome.TOO_LATE, request)
        volunteer = await self.volunteers.get(volunteer_id)
        if (
            volunteer is None
            or volunteer.status is not VolunteerStatus.APPROVED
            or volunteer_id == request.requester_id
        ):
            return Result(Outcome.NOT_YOURS, request)
        if volunteer.held:
            return Result(Outcome.ON_HOLD, request)
        if request_needs_check(request, self.settings) and not volunteer.dbs_checked:
            return Result(Outcome.NEEDS_CHECK, request)
        user = await self.users.get(volunteer_id)
        if user is None or user.blocked_at is not None:
            # They could never be sent the address.
            return Result(Outcome.NOT_YOURS, request)
        return volunteer

    async def _offer(self, request: HelpRequest, volunteer: Volunteer) -> int:
        """The volunteer's ping for this round, recorded now if they had none. Wave 0 is
        not one of the matchmaker's waves, so escalation carries on as it was."""
        existing = await self.pings.find(request.id, volunteer.user_id, request.round)
        if existing is not None:
            return existing.id
        distance = haversine_km(request.lat, request.lon, volunteer.lat, volunteer.lon)
        ping_id = await self.pings.add(
            NewPing(request.id, volunteer.user_id, request.round, 0, distance), self.clock()
        )
        if ping_id is None:  # recorded by a press a moment ago
            raced = await self.pings.find(request.id, volunteer.user_id, request.round)
            assert raced is not None
            return raced.id
        return ping_id


def _opening(request_id: int) -> str:
    """What a new request's RequestOpened is held under until it is announced."""
    return f"opening:{request_id}"
