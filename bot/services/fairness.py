"""Fair to volunteers: quiet hours, ping caps, and nobody left out.

Matching applies the rules (bot.db.volunteers.PingRules in the radius search); this module
makes them from the settings and the clock, and does the slow part of "nobody left out":
the kind note to a volunteer nobody has asked in 30 days, and the coordinators' weekly
summary of such volunteers and of the areas where requests outnumber volunteers.
"""

from __future__ import annotations

import logging
import math
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Area, Settings
from bot.db.fairness import FairnessRepository
from bot.domain.distance import haversine_km
from bot.domain.models import Category, PingRules, Reminder, Volunteer, minute_of_day
from bot.services.reminders import Reminders

_LOGGER = logging.getLogger(__name__)

# Two tasks whose times are closer than this are "the same time window": about what an
# errand takes, door to door.
TASK_OVERLAP_S = 2 * 3600
# Approved this long and never pinged: the volunteer is "left out".
LEFT_OUT_AFTER_S = 30 * 86400
# The kind note looks for requests this far beyond the volunteer's own radius.
NEARBY_EXTRA_KM = 2.0
# The weekly summary counts the requests of the past week.
WEEK_S = 7 * 86400
LEFT_OUT_CHECK = "left_out"
WEEKLY = "weekly"
# Local time of the daily check for left-out volunteers: a kind hour, outside the
# default quiet hours.
CHECK_AT = (10, 0)
# The area within this share of AREA_RADIUS_KM of the centre is "the centre".
CENTRE_SHARE = 1 / 3
SECTORS = ("n", "ne", "e", "se", "s", "sw", "w", "nw")
CENTRE = "centre"
WHOLE = "all"


def rules_for(settings: Settings, now: float, due_at: float | None, *, asked: bool) -> PingRules:
    """The rules for a ping sent now about a request due then. A coordinator's explicit
    ask (`asked`) is not capped or spaced (they judged this one worth it), but still
    keeps each volunteer's quiet hours: those are the volunteer's own promise."""
    tz = settings.timezone
    today = datetime.fromtimestamp(now, tz).date()
    midnight = datetime.combine(today, datetime.min.time(), tzinfo=tz)
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return PingRules(
        now=now,
        tz=tz,
        minute=minute_of_day(now, tz),
        default_quiet=settings.quiet_hours,
        task_at=due_at if due_at is not None else now,
        overlap_s=TASK_OVERLAP_S,
        day_start=midnight.timestamp(),
        next_day=tomorrow.timestamp(),
        max_per_day=None if asked else settings.max_pings_per_day,
        spacing_s=0.0 if asked else settings.ping_spacing_s,
    )


def area_of(lat: float, lon: float, area: Area | None) -> str:
    """A simple, explainable "area": the centre (within a third of the group's radius of
    AREA_CENTER), else the nearest of eight compass sectors around it; with no
    AREA_CENTER, the whole group is one area."""
    if area is None:
        return WHOLE
    if haversine_km(area.lat, area.lon, lat, lon) <= area.radius_km * CENTRE_SHARE:
        return CENTRE
    north = lat - area.lat
    east = (lon - area.lon) * math.cos(math.radians(area.lat))
    bearing = math.degrees(math.atan2(east, north)) % 360
    return SECTORS[round(bearing / 45) % 8]


@dataclass(frozen=True)
class Nearby:
    """Requests of the past weeks near a volunteer, of one kind of help."""

    category: Category
    count: int
    offered: bool  # a kind of help they offer (then it was just beyond their radius)


@dataclass(frozen=True)
class AreaCount:
    area: str
    requests: int
    volunteers: int


@dataclass(frozen=True)
class WeeklySummary:
    left_out: dict[str, list[str]]  # area -> first names
    short: list[AreaCount]  # areas where requests outnumber volunteers


@dataclass(eq=False, repr=False)
class Fairness:
    """Nobody left out: the daily check and its kind notes, and the weekly summary. It
    decides; the Telegram layer tells (`tell_left_out`, `tell_summary`)."""

    settings: Settings
    repository: FairnessRepository
    reminders: Reminders
    tell_left_out: Callable[[Volunteer, list[Nearby]], Awaitable[None]]
    tell_summary: Callable[[WeeklySummary], Awaitable[None]]
    clock: Callable[[], float]

    def __post_init__(self) -> None:
        self.reminders.on(LEFT_OUT_CHECK, self._check_left_out)
        self.reminders.on(WEEKLY, self._weekly)

    async def start(self) -> None:
        """At start-up: the next daily check and the next weekly summary (each keyed by
        its date, so a restart schedules it once)."""
        await self._schedule_check(self.clock())
        await self._schedule_weekly(self.clock())

    async def _schedule_check(self, after: float) -> None:
        # After now too: a bot that was down for days does not catch up day by day.
        at = self._next_local(*CHECK_AT, max(after, self.clock()))
        day = datetime.fromtimestamp(at, self.settings.timezone).date().isoformat()
        await self.reminders.schedule(LEFT_OUT_CHECK, at, day)

    async def _schedule_weekly(self, after: float) -> None:
        """Mondays at DIGEST_TIME (none when the digest is off)."""
        digest = self.settings.digest_time
        if digest is None:
            return
        at = self._next_local(digest.hour, digest.minute, max(after, self.clock()))
        while datetime.fromtimestamp(at, self.settings.timezone).weekday() != 0:
            at = self._next_local(digest.hour, digest.minute, at)
        day = datetime.fromtimestamp(at, self.settings.timezone).date().isoformat()
        await self.reminders.schedule(WEEKLY, at, day)

    async def left_out(self) -> list[Volunteer]:
        return await self.repository.left_out(self.clock() - LEFT_OUT_AFTER_S)

    async def nearby(self, volunteer: Volunteer) -> list[Nearby]:
        """The past 30 days' requests a little beyond their radius, or of kinds they don't
        offer within it: what widening their radius or categories would bring."""
        counts: Counter[Category] = Counter()
        reach = volunteer.radius_km + NEARBY_EXTRA_KM
        for lat, lon, category in await self.repository.requests_since(
            self.clock() - LEFT_OUT_AFTER_S
        ):
            if haversine_km(volunteer.lat, volunteer.lon, lat, lon) <= reach:
                counts[category] += 1
        return [
            Nearby(category, count, category in volunteer.categories)
            for category, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].value))
        ]

    async def note_left_out(self) -> int:
        """Send the kind note to every volunteer left out who hasn't had it; how many."""
        sent = 0
        since = self.clock() - LEFT_OUT_AFTER_S
        for volunteer in await self.repository.left_out(since, unnoted=True):
            if not await self.repository.mark_noted(volunteer.user_id, self.clock()):
                continue  # another run got there first
            await self.tell_left_out(volunteer, await self.nearby(volunteer))
            sent += 1
        return sent

    async def summary(self) -> WeeklySummary:
        area = self.settings.area
        left_out: dict[str, list[str]] = defaultdict(list)
        for volunteer in await self.left_out():
            left_out[area_of(volunteer.lat, volunteer.lon, area)].append(volunteer.first_name)
        requests = Counter(
            area_of(lat, lon, area)
            for lat, lon, _ in await self.repository.requests_since(self.clock() - WEEK_S)
        )
        volunteers = Counter(area_of(v.lat, v.lon, area) for v in await self.repository.pingable())
        short = [
            AreaCount(name, count, volunteers[name])
            for name, count in sorted(requests.items())
            if count > volunteers[name]
        ]
        return WeeklySummary(dict(sorted(left_out.items())), short)

    async def _check_left_out(self, reminder: Reminder) -> None:
        sent = await self.note_left_out()
        _LOGGER.info("Nobody left out: %s kind note(s) sent", sent)
        await self._schedule_check(reminder.due_at)

    async def _weekly(self, reminder: Reminder) -> None:
        await self.tell_summary(await self.summary())
        await self._schedule_weekly(reminder.due_at)

    def _next_local(self, hour: int, minute: int, after: float) -> float:
        """The first moment after `after` when local clocks show hour:minute."""
        tz = self.settings.timezone
        now = datetime.fromtimestamp(after, tz)
        at = datetime.min.time().replace(hour=hour, minute=minute)
        today = datetime.combine(now.date(), at, tzinfo=tz)
        if today <= now:
            today = datetime.combine(now.date() + timedelta(days=1), at, tzinfo=tz)
        return today.timestamp()
