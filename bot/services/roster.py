"""What is decided about a volunteer, each in this one place: approving or turning down a
sign-up, ID/DBS checks, a coordinator's hold, a volunteer's own pause, removing them; and
who else is a coordinator. A coordinator's decision is recorded with an event
(VolunteerDecided, RoleChanged) that tells the person (bot.telegram.subscribers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.db import RequestRepository, UserRepository, VolunteerRepository
from bot.db.doorstep import DoorstepRepository
from bot.db.roles import RoleRepository
from bot.db.roster import RosterRepository
from bot.db.safeguarding import SafeguardingRepository
from bot.domain.events import RoleChanged, VolunteerDecided
from bot.domain.models import (
    Coordinator,
    HelpRequest,
    RosterEntry,
    Signals,
    User,
    Volunteer,
    VolunteerStatus,
)
from bot.domain.results import Appointment, Dismissal
from bot.services.addresses import AddressMessages
from bot.services.desk import HelpDesk
from bot.services.events import EventBus

RECENT_TASKS = 5
# The signals on a volunteer's card look back this far.
SIGNALS_WINDOW_S = 90 * 86400


@dataclass(frozen=True)
class Card:
    volunteer: Volunteer
    coordinator: bool
    recent: list[tuple[HelpRequest, str]]  # their latest tasks, and 'accepted' or 'released'
    holder_name: str | None = None  # the coordinator who put them on hold, if still stored
    signals: Signals | None = None  # the last 90 days: done, hand-backs, no-shows, concerns


@dataclass(frozen=True)
class Decision:
    """Approving or turning down a sign-up: `volunteer` as they signed up (None: nobody
    by that id is signed up); `decided` False when another coordinator decided first,
    and then `status` is what they decided."""

    volunteer: Volunteer | None
    decided: bool
    status: VolunteerStatus | None = None


@dataclass(eq=False, repr=False)
class Roster:
    admin_ids: frozenset[int]
    users: UserRepository
    volunteers: VolunteerRepository
    requests: RequestRepository
    roster: RosterRepository
    roles: RoleRepository
    safeguarding: SafeguardingRepository
    desk: HelpDesk
    events: EventBus
    addresses: AddressMessages
    clock: Callable[[], float]
    doorstep: DoorstepRepository | None = None

    async def listing(
        self, offset: int, limit: int, search: str | None = None
    ) -> tuple[list[RosterEntry], int]:
        return await self.roster.listing(offset, limit, search)

    async def card(self, user_id: int) -> Card | None:
        volunteer = await self.volunteers.get(user_id)
        if volunteer is None:
            return None
        holder = await self.users.get(volunteer.held_by) if volunteer.held_by else None
        return Card(
            volunteer,
            await self.roles.is_coordinator(user_id, self.admin_ids),
            await self.requests.recent_of_volunteer(user_id, RECENT_TASKS),
            holder.first_name if holder else None,
            await self.doorstep.signals(user_id, self.clock() - SIGNALS_WINDOW_S)
            if self.doorstep is not None
            else None,
        )

    async def waiting(self) -> list[Volunteer]:
        """Volunteers waiting for a coordinator's approval, longest waiting first."""
        return await self.volunteers.pending()

    async def decide(self, user_id: int, approve: bool, coordinator_id: int) -> Decision:
        """Approve a sign-up or turn it down (the volunteer is told, by the event)."""
        volunteer = await self.volunteers.get(user_id)
        if volunteer is None:
            return Decision(None, False)
        status = VolunteerStatus.APPROVED if approve else VolunteerStatus.REJECTED
        async with self.events.recording() as record:
            decided = await self.volunteers.decide(user_id, status, coordinator_id, self.clock())
            if decided:
                record(VolunteerDecided(user_id, status.value, coordinator_id))
        if decided:
            return Decision(volunteer, True, status)
        current = await self.volunteers.get(user_id)
        return Decision(volunteer, False, current.status if current else None)

    async def pause(self, user_id: int, paused: bool) -> Volunteer | None:
        """A volunteer's own /pause or /resume (a coordinator's hold is not theirs to
        lift); None if they are not a volunteer."""
        if not await self.volunteers.set_paused(user_id, paused, self.clock()):
            return None
        return await self.volunteers.get(user_id)

    async def set_checked(self, user_id: int, checked: bool, coordinator_id: int) -> Card | None:
        """Mark a volunteer ID/DBS-checked (or not): from then on they can (or can't) be
        asked for the categories that need it. None if they are not a volunteer."""
        before = await self.volunteers.get(user_id)
        if before is None:
            return None
        if before.dbs_checked != checked:
            async with self.events.recording() as record:
                await self.safeguarding.set_checked(user_id, checked, coordinator_id, self.clock())
                if checked:
                    record(VolunteerDecided(user_id, "checked", coordinator_id))
        return await self.card(user_id)

    async def hold(self, user_id: int, coordinator_id: int, reason: str) -> Card | None:
        """Put a volunteer on hold (no pings, no taking requests) until a coordinator lifts
        it; their own /resume does not. None if they are not a volunteer."""
        async with self.events.recording() as record:
            if await self.roster.hold(user_id, coordinator_id, reason, self.clock()):
                record(VolunteerDecided(user_id, "held", coordinator_id))
        return await self.card(user_id)

    async def lift_hold(self, user_id: int, coordinator_id: int) -> Card | None:
        async with self.events.recording() as record:
            if await self.roster.lift_hold(user_id, coordinator_id, self.clock()):
                record(VolunteerDecided(user_id, "resumed", coordinator_id))
        return await self.card(user_id)

    async def remove(self, user_id: int, coordinator_id: int) -> bool:
        """Take a volunteer off the roster. Tasks they hold go back to other volunteers
        first (their requesters are told, as when a volunteer hands one back)."""
        if await self.volunteers.get(user_id) is None:
            return False
        for task in await self.desk.tasks_of(user_id):
            await self.desk.release(task.id, user_id)
        # Done tasks' addresses too: someone taken off the list keeps none.
        await self.addresses.take_back_from_volunteer(user_id)
        async with self.events.recording() as record:
            removed = await self.roster.remove(user_id, coordinator_id, self.clock())
            if removed:
                record(VolunteerDecided(user_id, "removed", coordinator_id))
        return removed

    async def coordinators(self) -> list[Coordinator]:
        return await self.roles.coordinators(self.admin_ids)

    async def person(self, user_id: int) -> User | None:
        return await self.users.get(user_id)

    async def appoint(self, user_id: int, coordinator_id: int) -> Appointment:
        if await self.roles.is_coordinator(user_id, self.admin_ids):
            return Appointment.ALREADY
        async with self.events.recording() as record:
            appointed = await self.roles.appoint(user_id, coordinator_id, self.clock())
            if appointed:
                record(RoleChanged(user_id, True, coordinator_id))
        return Appointment.DONE if appointed else Appointment.UNKNOWN

    async def dismiss(self, user_id: int, coordinator_id: int) -> Dismissal:
        async with self.events.recording() as record:
            outcome = await self.roles.dismiss(
                user_id, coordinator_id, self.admin_ids, self.clock()
            )
            if outcome is Dismissal.DONE:
                record(RoleChanged(user_id, False, coordinator_id))
        return outcome
