"""Neighbouring groups: who covers a place our group can't reach, and how many we sent there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import NeighbourGroup, Settings
from bot.db.referrals import ReferralRepository
from bot.domain.distance import haversine_km

# /stats shows the referrals of this many days, today included.
REFERRAL_DAYS = 30


@dataclass(eq=False, repr=False)
class Neighbours:
    settings: Settings
    referrals: ReferralRepository
    clock: Callable[[], float]

    def covering(self, lat: float, lon: float) -> NeighbourGroup | None:
        """The neighbouring group whose circle holds this place (the nearest centre when
        circles overlap), or None."""
        inside = [
            (distance, group)
            for group in self.settings.neighbour_groups
            if (distance := haversine_km(lat, lon, group.lat, group.lon)) <= group.radius_km
        ]
        return min(inside, key=lambda pair: pair[0])[1] if inside else None

    def _day(self, days_back: int = 0) -> str:
        now = datetime.fromtimestamp(self.clock(), self.settings.timezone)
        return (now.date() - timedelta(days=days_back)).isoformat()

    async def referred(self, group: NeighbourGroup) -> None:
        """Count one person pointed to `group` today."""
        await self.referrals.count(self._day(), group.name)

    async def recent(self) -> dict[str, int]:
        """People pointed to each neighbouring group in the last REFERRAL_DAYS days."""
        return await self.referrals.since(self._day(REFERRAL_DAYS - 1))
