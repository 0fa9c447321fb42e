"""A volunteer's own details: signing up (or changing them), when they are usually free,
their quiet hours. What a coordinator decides about them is the roster's
(bot.services.roster), and so is their own pause."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.db import VolunteerRepository
from bot.db.availability import AvailabilityRepository
from bot.domain.models import Profile, QuietHours, Slot, Volunteer, VolunteerStatus


@dataclass(frozen=True)
class SignUp:
    volunteer: Volunteer
    # They wait for approval now and did not before: the coordinators need to hear.
    newly_waiting: bool


@dataclass(eq=False, repr=False)
class Volunteering:
    volunteers: VolunteerRepository
    availability: AvailabilityRepository
    clock: Callable[[], float]

    async def profile(self, user_id: int) -> Volunteer | None:
        """Their volunteer profile; None if they never signed up (or were removed)."""
        return await self.volunteers.get(user_id)

    async def sign_up(self, profile: Profile) -> SignUp:
        """A new (or previously turned down) volunteer waits for a coordinator; an
        approved one stays approved."""
        before = await self.volunteers.get(profile.user_id)
        volunteer = await self.volunteers.save_profile(profile, self.clock())
        newly_waiting = volunteer.status is VolunteerStatus.PENDING and (
            before is None or before.status is not VolunteerStatus.PENDING
        )
        return SignUp(volunteer, newly_waiting)

    async def free_slots(self, user_id: int) -> frozenset[Slot]:
        """When they are usually free (none: any time)."""
        return await self.availability.of(user_id)

    async def toggle_free(self, user_id: int, slot: Slot) -> frozenset[Slot] | None:
        """Free at `slot`, or no longer; None if they are not a volunteer."""
        if await self.volunteers.get(user_id) is None:
            return None
        slots = await self.availability.of(user_id) ^ {slot}
        await self.availability.set(user_id, slots)
        return slots

    async def set_quiet(
        self, user_id: int, own: bool, quiet: QuietHours | None
    ) -> Volunteer | None:
        """Their own quiet hours (None: none), or (own=False) the group's default again;
        None if they are not a volunteer."""
        if not await self.volunteers.set_quiet(user_id, own, quiet, self.clock()):
            return None
        return await self.volunteers.get(user_id)
