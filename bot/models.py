"""The group's own things: people, volunteers, requests for help and the pings about them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Category(StrEnum):
    """What kind of help is asked for; the codes are part of the callback contract."""

    GROCERIES = "groceries"
    PRESCRIPTION = "prescription"
    DOG_WALKING = "dog_walking"
    PHONE_CALL = "phone_call"
    ERRAND = "errand"
    OTHER = "other"

    @classmethod
    def parse(cls, code: str) -> Category | None:
        try:
            return cls(code)
        except ValueError:
            return None


class RequestStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class VolunteerStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class When(StrEnum):
    """When the help is needed."""

    ASAP = "asap"
    TODAY = "today"
    AT = "at"


class Slot(StrEnum):
    """When a volunteer is usually free (in the group's time zone)."""

    WEEKDAY_DAYTIME = "weekday_day"  # Monday to Friday, 08:00-17:00
    WEEKDAY_EVENING = "weekday_evening"  # Monday to Friday, 17:00-22:00
    WEEKEND = "weekend"  # Saturday and Sunday, 08:00-22:00

    def covers(self, weekday: int, hour: int) -> bool:
        """Whether a moment (weekday 0 = Monday, local hour) falls in this slot."""
        if self is Slot.WEEKEND:
            return weekday >= 5 and 8 <= hour < 22
        if weekday >= 5:
            return False
        return 8 <= hour < 17 if self is Slot.WEEKDAY_DAYTIME else 17 <= hour < 22


MINUTES_A_DAY = 24 * 60


@dataclass(frozen=True)
class QuietHours:
    """When a volunteer is not pinged: from `start` to `end`, minutes after local midnight;
    a window that ends earlier than it starts runs over midnight (21:00-08:00)."""

    start: int
    end: int

    @classmethod
    def parse(cls, raw: str) -> QuietHours | None:
        """ "21:00-08:00" (or "2100-0800", as in a button); "off" is None. ValueError if
        it is neither, or starts and ends at the same minute."""
        text = raw.strip().lower()
        if text == "off":
            return None
        match = re.fullmatch(r"(\d{1,2}):?(\d{2})\s*-\s*(\d{1,2}):?(\d{2})", text)
        if not match:
            raise ValueError(raw)
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
            raise ValueError(raw)
        return cls(h1 * 60 + m1, h2 * 60 + m2)

    def covers(self, minute: int) -> bool:
        """Whether this minute of the local day is quiet."""
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def ends_after(self, moment: float, tz: ZoneInfo) -> float:
        """The first moment after `moment` when the quiet hours are over (local clocks,
        daylight saving included)."""
        day = datetime.fromtimestamp(moment, tz).date()
        at = time(self.end // 60, self.end % 60)
        for offset in (0, 1):
            end = datetime.combine(day + timedelta(days=offset), at, tzinfo=tz).timestamp()
            if end > moment:
                return end
        return moment  # unreachable: tomorrow's end is always later

    def code(self) -> str:
        """HHMM-HHMM: fits in a button's callback data."""
        return f"{_hhmm(self.start, '')}-{_hhmm(self.end, '')}"

    def label(self) -> str:
        return f"{_hhmm(self.start)}–{_hhmm(self.end)}"


def _hhmm(minutes: int, sep: str = ":") -> str:
    return f"{minutes // 60:02d}{sep}{minutes % 60:02d}"


def minute_of_day(moment: float, tz: ZoneInfo) -> int:
    local = datetime.fromtimestamp(moment, tz)
    return local.hour * 60 + local.minute


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    language: str | None
    consented_at: float | None
    is_coordinator: bool
    blocked_at: float | None
    # The version of the privacy notice they agreed to (None: from before versions).
    notice_version: int | None = None

    @property
    def has_consented(self) -> bool:
        return self.consented_at is not None


@dataclass(frozen=True)
class Volunteer:
    user_id: int
    first_name: str
    language: str | None
    lat: float
    lon: float
    radius_km: float
    categories: frozenset[Category]
    status: VolunteerStatus
    paused: bool  # their own /pause
    dbs_checked: bool
    # A coordinator's hold (not the volunteer's to lift): since when, by whom (None once
    # that coordinator is erased) and why.
    held_at: float | None = None
    held_by: int | None = None
    held_reason: str = ""
    # Their own quiet hours, when they chose them (`own_quiet`); else the group's default.
    own_quiet: bool = False
    quiet_hours: QuietHours | None = None
    approved_at: float | None = None

    def quiet(self, default: QuietHours | None) -> QuietHours | None:
        """The quiet hours that apply to them (None: none)."""
        return self.quiet_hours if self.own_quiet else default

    @property
    def held(self) -> bool:
        return self.held_at is not None

    @property
    def gets_pings(self) -> bool:
        return self.status is VolunteerStatus.APPROVED and not self.paused and not self.held


@dataclass(frozen=True)
class HelpRequest:
    id: int
    requester_id: int | None
    category: Category
    description: str
    address: str
    lat: float
    lon: float
    when: When
    due_at: float | None
    safety_code: str
    status: RequestStatus
    volunteer_id: int | None
    round: int
    announced_at: float | None
    created_at: float
    claimed_at: float | None = None
    expires_at: float | None = None
    series_id: int | None = None
    feedback: str | None = None
    # A request taken over the phone: who it is for, their number, and the coordinator
    # who recorded it (they get the requester's news; requester_id is None).
    contact_name: str | None = None
    contact_phone: str | None = None
    on_behalf_of: int | None = None

    @property
    def by_phone(self) -> bool:
        return self.on_behalf_of is not None or self.contact_phone is not None


@dataclass(frozen=True)
class Ping:
    """One message that told one volunteer about one request."""

    id: int
    request_id: int
    volunteer_id: int
    round: int
    wave: int
    distance_km: float
    chat_id: int | None
    message_id: int | None
    answer: str | None


@dataclass(frozen=True)
class Candidate:
    """A volunteer who may be pinged for a request, and how far away they are."""

    volunteer: Volunteer
    distance_km: float
    # Held back by quiet hours or the ping caps (bot.services.fairness): when that ends.
    held_until: float | None = None
