"""Safeguarding: concerns that reach the coordinators at once, money spent on someone's
behalf (flagged over the cap), and coordinators' logged look at a request's details."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.config import Settings
from bot.domain.models import (
    Category,
    Concern,
    Correction,
    HelpRequest,
    RequestStatus,
    Spending,
)
from bot.domain.results import Outcome, Result
from bot.services.ports import (
    CoordinatorCheck,
    Members,
    SafeguardingBook,
    SafeguardingRequests,
)
from bot.services.requesters import speaks_for

_LOGGER = logging.getLogger(__name__)

# Tasks where a volunteer pays for something: they get the money guidance, and record
# what they spent when it is done.
SPENDING_CATEGORIES = frozenset({Category.GROCERIES, Category.ERRAND})
# £9,999.99: anything more is a typing slip, not a shop.
MAX_SPEND_PENCE = 999_999


@dataclass(frozen=True)
class RequestDetails:
    """Everything about a request, for a coordinator (the look is logged)."""

    request: HelpRequest
    requester_name: str | None  # None: nobody (erased, or asked on their behalf)
    volunteer_name: str | None
    spending: Spending | None
    concerns: list[Concern]
    additions: list[float] = field(default_factory=list)  # when its requester added to it
    linked_from: list[int] = field(default_factory=list)  # their separate needs beside it


@dataclass(frozen=True)
class OverCap:
    """A spend over the cap, as the coordinators hear of it."""

    request: HelpRequest
    volunteer_id: int
    volunteer_name: str
    pence: int
    cap_pence: int
    requester_name: str  # '' when nobody (asked on their behalf, or erased)


class SafeguardingNews(Protocol):
    """What the coordinators hear, each in their own language, protected where it is
    about people (the Telegram side: bot.telegram.safeguarding_news)."""

    async def concern(
        self, concern: Concern, request: HelpRequest | None, reporter_name: str
    ) -> int:
        """A concern, with "I'm on it" under it; how many coordinators it reached."""
        ...

    async def over_cap(self, spend: OverCap) -> None: ...

    async def receipt(self, request_id: int, pence: int, file_id: str) -> None:
        """The receipt photo of a spend over the cap."""
        ...


@dataclass(eq=False, repr=False)
class Safeguarding:
    settings: Settings
    repository: SafeguardingBook
    requests: SafeguardingRequests
    users: Members
    coordinators: CoordinatorCheck
    news: SafeguardingNews
    clock: Callable[[], float]

    @property
    def cap_pence(self) -> int:
        return round(self.settings.spend_cap * 100)

    # --- concerns ----------------------------------------------------------------------

    async def concern_choices(self, user_id: int) -> list[tuple[int, Category]]:
        return await self.repository.involved_in(user_id)

    async def take_concern(
        self, coordinator_id: int, concern_id: int
    ) -> tuple[Outcome, str] | None:
        """ "I'm on it" on a concern: OK, or ALREADY with the name of whoever is; None if
        there is no such concern. Callers check the role."""
        taken = await self.repository.take_concern(concern_id, coordinator_id, self.clock())
        if taken is None:
            return None
        mine, holder = taken
        person = await self.users.get(holder) if holder is not None else None
        name = person.first_name if person else ""
        return (Outcome.OK if mine else Outcome.ALREADY), name

    async def may_raise_about(self, user_id: int, request_id: int) -> bool:
        """Only someone involved in a request (asked for it, took it, or was asked to) can
        raise a concern about it: a forwarded button tells a stranger nothing."""
        return await self.repository.role_in(request_id, user_id) is not None

    async def raise_concern(self, reporter_id: int, request_id: int | None, text: str) -> int:
        """Record a concern and send it to every coordinator at once; returns how many
        coordinators it reached."""
        request = await self.requests.get(request_id) if request_id is not None else None
        role = "other"
        if request is not None:
            role = await self.repository.role_in(request.id, reporter_id) or "other"
        concern = await self.repository.add_concern(
            request.id if request else None, reporter_id, role, text, self.clock()
        )
        reporter = await self.users.get(reporter_id)
        name = reporter.first_name if reporter else ""
        reached = await self.news.concern(concern, request, name)
        if not reached:
            _LOGGER.error("Concern %s reached no coordinator", concern.id)
        return reached

    # --- money -------------------------------------------------------------------------

    async def spending_task(self, volunteer_id: int, request_id: int) -> HelpRequest | None:
        """The done shopping or errand task this volunteer did, if that is what it is."""
        request = await self.requests.get(request_id)
        if (
            request is None
            or request.volunteer_id != volunteer_id
            or request.status is not RequestStatus.DONE
            or request.category not in SPENDING_CATEGORIES
        ):
            return None
        return request

    async def record_spend(self, volunteer_id: int, request_id: int, pence: int) -> bool | None:
        """Store what a task cost; True when it is over the cap (the coordinators have been
        told), None when it isn't this volunteer's done task."""
        request = await self.spending_task(volunteer_id, request_id)
        if request is None:
            return None
        now = self.clock()
        if not await self.repository.record_spend(request_id, volunteer_id, pence, now):
            return None
        if pence <= self.cap_pence:
            return False
        await self.repository.flag_over_cap(request_id, pence, now)
        volunteer = await self.users.get(volunteer_id)
        name = volunteer.first_name if volunteer else ""
        requester = await self.users.get(request.requester_id) if request.requester_id else None
        asked_by = requester.first_name if requester else ""
        await self.news.over_cap(
            OverCap(request, volunteer_id, name, pence, self.cap_pence, asked_by)
        )
        return True

    async def record_receipt(self, volunteer_id: int, request_id: int, file_id: str) -> bool:
        """Store the receipt photo; over the cap, the coordinators get it too."""
        if await self.spending_task(volunteer_id, request_id) is None:
            return False
        if not await self.repository.record_receipt(
            request_id, volunteer_id, file_id, self.clock()
        ):
            return False
        spending = await self.repository.spending_of(request_id)
        pence = spending.pence if spending else None
        if pence is not None and pence > self.cap_pence:
            await self.news.receipt(request_id, pence, file_id)
        return True

    async def spending(self, request_id: int) -> Spending | None:
        return await self.repository.spending_of(request_id)

    async def settle_without_receipt(self, volunteer_id: int, request_id: int) -> bool:
        """The volunteer has no receipt: the amount stands as typed (and is locked)."""
        if await self.spending_task(volunteer_id, request_id) is None:
            return False
        return await self.repository.settle_without_receipt(request_id, volunteer_id, self.clock())

    async def correct_spend(
        self, coordinator_id: int, request_id: int, pence: int, receipt: str | None = None
    ) -> tuple[HelpRequest, int] | None:
        """A coordinator corrects a done task's amount, and maybe its receipt photo
        (audited): the task and the old amount, or None when there is no such done task.
        Callers check the role."""
        request = await self.requests.get(request_id)
        if request is None or request.status is not RequestStatus.DONE:
            return None
        old = await self.repository.correct_spend(
            request_id, coordinator_id, Correction(pence, receipt), self.clock()
        )
        return None if old is None else (request, old)

    async def paid_back(self, actor_id: int, request_id: int) -> Result:
        """ "I've paid them back": the requester, or for a request taken by phone a
        coordinator passing it on. ALREADY when it was paid back (by them or the fund)."""
        request = await self.requests.get(request_id)
        if request is None:
            return Result(Outcome.NOT_FOUND)
        if not await speaks_for(request, actor_id, self.coordinators):
            return Result(Outcome.NOT_YOURS, request)
        if not await self.repository.mark_paid_back(request_id, actor_id, self.clock()):
            return Result(Outcome.ALREADY, request)
        return Result(Outcome.OK, request)

    async def owed(self) -> tuple[int, int, list[tuple[int, int]]]:
        """Money volunteers are still owed: tasks, total pence, the oldest (id, pence)."""
        return await self.repository.owed()

    # --- coordinators ------------------------------------------------------------------

    async def details(self, coordinator_id: int, request_id: int) -> RequestDetails | None:
        """A request with its personal details; the look is written to the audit log
        (who, which request, whose details, when)."""
        request = await self.requests.get(request_id)
        if request is None:
            return None
        await self.repository.log_details_view(
            coordinator_id, request_id, request.requester_id, self.clock()
        )
        requester = await self.users.get(request.requester_id) if request.requester_id else None
        volunteer = await self.users.get(request.volunteer_id) if request.volunteer_id else None
        return RequestDetails(
            request=request,
            requester_name=requester.first_name if requester else None,
            volunteer_name=volunteer.first_name if volunteer else None,
            spending=await self.repository.spending_of(request_id),
            concerns=await self.repository.concerns_about(request_id),
            additions=await self.requests.additions(request_id),
            linked_from=await self.requests.linked_from(request_id),
        )
