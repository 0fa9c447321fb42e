"""Safe on the doorstep (lone working): "I've arrived", "I've left safely", the "Are you
OK?" question when nobody has left, and the coordinators' alert when nobody answers; and
the requester's "they didn't come".

Both timers are stored reminders (bot.services.reminders), so they survive restarts, and
they outlive the request's closing: a volunteer who pressed Done at the door may still be
at the door. Each step is also recorded on the visit by a conditional UPDATE, so it is
done once; "left safely" at any point stops what is still to come.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.config import Settings
from bot.db import RequestRepository, UserRepository
from bot.db.doorstep import DoorstepRepository
from bot.domain.models import Reminder, RequestStatus, Visit
from bot.domain.results import Outcome
from bot.services.coordination import Coordinators
from bot.services.reminders import Reminders
from bot.services.requesters import news_recipient, speaks_for

_LOGGER = logging.getLogger(__name__)

CHECKOUT = "checkout"  # "Are you OK?", CHECKOUT_AFTER_S after arriving
SAFETY_ALERT = "safety_alert"  # every coordinator, SAFETY_ALERT_AFTER_S after that
KINDS = (CHECKOUT, SAFETY_ALERT)


class DoorstepNews(Protocol):
    """Who hears what, in their own words: the Telegram side (bot.telegram.doorstep_news)."""

    async def ask_if_ok(self, visit: Visit) -> None: ...

    async def safety_alert(self, visit: Visit, name: str, *, asked_for_help: bool) -> int:
        """Every coordinator, at once; how many it reached."""
        ...

    async def left_safely(self, visit: Visit, name: str) -> None: ...

    async def no_show(
        self, request_id: int, volunteer_id: int, name: str, arrived_at: float | None
    ) -> None: ...


@dataclass(frozen=True)
class DoorstepResult:
    outcome: Outcome
    visit: Visit | None = None


def _stamp(visit: Visit) -> int:
    """A visit's arrival in milliseconds: keys its reminders, so a second trip has its own."""
    return int(visit.arrived_at * 1000)


@dataclass(eq=False, repr=False)
class Doorstep:
    settings: Settings
    repository: DoorstepRepository
    requests: RequestRepository
    users: UserRepository
    reminders: Reminders
    coordinators: Coordinators
    news: DoorstepNews
    clock: Callable[[], float]

    def __post_init__(self) -> None:
        self.reminders.on(CHECKOUT, self._ask_if_ok, outlives_request=True)
        self.reminders.on(SAFETY_ALERT, self._alert_unanswered, outlives_request=True)

    async def arrive(self, request_id: int, volunteer_id: int) -> DoorstepResult:
        """The volunteer on the task is at the door: ask after them if they don't leave."""
        request = await self.requests.get(request_id)
        if request is None:
            return DoorstepResult(Outcome.NOT_FOUND)
        if request.status is RequestStatus.CLAIMED and request.volunteer_id != volunteer_id:
            return DoorstepResult(Outcome.NOT_YOURS)
        if request.status is not RequestStatus.CLAIMED:
            return DoorstepResult(
                Outcome.NOT_YOURS if request.volunteer_id != volunteer_id else Outcome.TOO_LATE
            )
        visit = await self.repository.arrive(request_id, volunteer_id, self.clock())
        if visit is None:
            return DoorstepResult(
                Outcome.ALREADY, await self.repository.visit(request_id, volunteer_id)
            )
        await self.reminders.schedule(
            CHECKOUT,
            visit.arrived_at + self.settings.checkout_after_s,
            request_id,
            volunteer_id,
            _stamp(visit),
            request_id=request_id,
            user_id=volunteer_id,
        )
        return DoorstepResult(Outcome.OK, visit)

    async def on_doorstep(self, request_id: int, volunteer_id: int) -> bool:
        visit = await self.repository.visit(request_id, volunteer_id)
        return visit is not None and visit.on_doorstep

    async def leave(self, request_id: int, volunteer_id: int) -> DoorstepResult:
        """They've left safely: no question, no alert; coordinators who were alerted hear
        the all-clear."""
        left = await self.repository.leave(request_id, volunteer_id, self.clock())
        if left is None:
            visit = await self.repository.visit(request_id, volunteer_id)
            return DoorstepResult(Outcome.ALREADY if visit else Outcome.NOT_YOURS, visit)
        await self.reminders.cancel(request_id, *KINDS)
        if left.alerted_at is not None:
            await self.news.left_safely(left, await self._name(volunteer_id))
        return DoorstepResult(Outcome.OK, left)

    async def need_help(self, request_id: int, volunteer_id: int) -> DoorstepResult:
        """ "I need help": every coordinator, at once (never held back), once."""
        visit = await self.repository.visit(request_id, volunteer_id)
        if visit is None:
            return DoorstepResult(Outcome.NOT_YOURS)
        if not visit.on_doorstep:
            return DoorstepResult(Outcome.TOO_LATE, visit)
        now = self.clock()
        asked = await self.repository.mark_help(request_id, volunteer_id, now)
        if asked is None:
            return DoorstepResult(Outcome.ALREADY, visit)
        # The alert goes now; the one that would follow silence is not needed.
        await self.reminders.cancel(request_id, SAFETY_ALERT)
        await self.repository.mark_alerted(request_id, volunteer_id, now)
        await self._tell_coordinators(asked, asked_for_help=True)
        return DoorstepResult(Outcome.OK, asked)

    async def _current(self, reminder: Reminder) -> Visit | None:
        """The visit a reminder is about, if it is that same visit and they're still there."""
        if reminder.request_id is None or reminder.user_id is None:
            return None
        visit = await self.repository.visit(reminder.request_id, reminder.user_id)
        if visit is None or not visit.on_doorstep:
            return None
        return visit if reminder.key.endswith(f":{_stamp(visit)}") else None

    async def _ask_if_ok(self, reminder: Reminder) -> None:
        visit = await self._current(reminder)
        if visit is None:
            return
        # The alert is stored first: if the bot stops right here, the coordinators still
        # hear, rather than nobody.
        await self.reminders.schedule(
            SAFETY_ALERT,
            self.clock() + self.settings.safety_alert_after_s,
            visit.request_id,
            visit.volunteer_id,
            _stamp(visit),
            request_id=visit.request_id,
            user_id=visit.volunteer_id,
        )
        if await self.repository.mark_asked(visit.request_id, visit.volunteer_id, self.clock()):
            await self.news.ask_if_ok(visit)

    async def _alert_unanswered(self, reminder: Reminder) -> None:
        visit = await self._current(reminder)
        if visit is None:
            return
        alerted = await self.repository.mark_alerted(
            visit.request_id, visit.volunteer_id, self.clock()
        )
        if alerted is not None:
            await self._tell_coordinators(alerted, asked_for_help=False)

    async def _tell_coordinators(self, visit: Visit, *, asked_for_help: bool) -> None:
        name = await self._name(visit.volunteer_id)
        sent = await self.news.safety_alert(visit, name, asked_for_help=asked_for_help)
        if not sent:
            _LOGGER.error("Safety alert for request %s reached no coordinator", visit.request_id)

    async def _name(self, user_id: int) -> str:
        user = await self.users.get(user_id)
        return user.first_name if user else ""

    # --- "they didn't come" --------------------------------------------------------------

    async def report_no_show(
        self, request_id: int, volunteer_id: int, reporter_id: int
    ) -> Outcome:
        """The requester (or the coordinator of a phone request) says the volunteer who
        was coming never came: every coordinator is told at once, and it goes on the
        volunteer's card."""
        request = await self.requests.get(request_id)
        if request is None:
            return Outcome.NOT_FOUND
        theirs = news_recipient(request) == reporter_id or await speaks_for(
            request, reporter_id, self.coordinators
        )
        if not theirs or not await self.repository.took(request_id, volunteer_id):
            return Outcome.NOT_YOURS
        if not await self.repository.report_no_show(
            request_id, volunteer_id, reporter_id, self.clock()
        ):
            return Outcome.ALREADY
        visit = await self.repository.visit(request_id, volunteer_id)
        await self.news.no_show(
            request_id,
            volunteer_id,
            await self._name(volunteer_id),
            visit.arrived_at if visit else None,
        )
        return Outcome.OK
