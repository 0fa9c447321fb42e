"""The group's own things: people, volunteers, requests for help and the pings about them."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, fields
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any
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

    @property
    def at_the_door(self) -> bool:
        """Whether the volunteer goes to the person's home: everything but a friendly phone
        call, which has no address, no doorstep and no safety code to say at the door."""
        return self is not Category.PHONE_CALL


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
class PingRules:
    """Fair to volunteers, as the radius search applies it (bot.services.fairness makes
    these): nobody in their quiet hours, over the day's cap, within the spacing of a ping
    they didn't take, or busy with a task at about the same time."""

    now: float
    tz: ZoneInfo
    minute: int  # the local minute of the day, now
    default_quiet: QuietHours | None  # for volunteers who never chose their own
    task_at: float  # the request's due time, or now for "as soon as possible"
    overlap_s: float  # two tasks this close in time are the same time window
    day_start: float  # local midnight today: the daily cap counts from here
    next_day: float  # the next local midnight: when the daily cap resets
    max_per_day: int | None  # None: no cap (a coordinator's explicit ask)
    spacing_s: float  # 0: no spacing

    def held_until(
        self, quiet: QuietHours | None, pings_today: int, last_untaken: float | None
    ) -> float | None:
        """When a volunteer held back becomes pingable (at the latest of the reasons;
        the wait re-checks then), or None if nothing holds them back."""
        times = []
        if quiet is not None and quiet.covers(self.minute):
            times.append(quiet.ends_after(self.now, self.tz))
        if self.max_per_day is not None and pings_today >= self.max_per_day:
            times.append(self.next_day)
        if self.spacing_s > 0 and last_untaken is not None:
            times.append(last_untaken + self.spacing_s)
        return max(times) if times else None


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
class Person:
    """Whoever sent an update, as the group knows them: loaded once per update (the
    handlers' `context.person`). `user` is None until they agree to the notice (and after
    /forgetme); an ADMIN_ID coordinates even without a row."""

    user_id: int
    user: User | None
    is_coordinator: bool


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
class Profile:
    """What a volunteer tells about themselves when signing up (or changing it): where
    they live, how far they go, and what help they offer."""

    user_id: int
    lat: float
    lon: float
    radius_km: float
    categories: Collection[Category]


class Payment(StrEnum):
    """How a prescription is paid for at the pharmacy."""

    PAID = "paid"  # already paid (a prepayment certificate, or paid ahead)
    EXEMPT = "exempt"  # free for this person
    TO_PAY = "to_pay"  # the volunteer pays at the counter: `pence`


@dataclass(frozen=True)
class Prescription:
    """What the pharmacy needs to hand a prescription to a volunteer. No medical details."""

    payment: Payment
    pence: int | None
    fridge: bool
    controlled: bool  # a controlled drug: ID-checked volunteers only, who bring photo ID
    consent_at: float  # the requester agreed that the volunteer the group sends collects it
    collector_id: int | None = None  # the volunteer named to them at hand-over
    named_at: float | None = None


@dataclass(frozen=True, kw_only=True)
class Need:
    """What a request and a series both hold, in the same columns (bot.db.requests.need_values):
    whose it is, what is needed, and where. By keyword only, so that a request's and a
    series' own fields keep their places (the id first)."""

    requester_id: int | None
    category: Category
    description: str
    address: str
    lat: float
    lon: float

    def need_fields(self) -> dict[str, Any]:
        """Just this need, by its fields' names: to make another of it (a series' next
        request)."""
        return {each.name: getattr(self, each.name) for each in fields(Need)}


@dataclass(frozen=True)
class NewRequest(Need):
    """A request about to be saved, before it has an id, a status or a round. For one a
    coordinator took over the phone: `on_behalf_of` with the contact's name and phone, and
    no requester_id."""

    when: When
    due_at: float | None
    safety_code: str
    expires_at: float | None = None
    series_id: int | None = None
    on_behalf_of: int | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    linked_to: int | None = None
    prescription: Prescription | None = None


@dataclass(frozen=True)
class HelpRequest(Need):
    id: int
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
    # An open request of the same kind its requester said this one is apart from.
    linked_to: int | None = None
    prescription: Prescription | None = None
    every: str | None = None  # 'weekly' / 'daily': an occurrence of repeating help

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
class NewPing:
    """A ping about to be recorded, before it is sent (so that a crash never pings twice)."""

    request_id: int
    volunteer_id: int
    round: int
    wave: int  # 0: not one of the matchmaker's waves (a press from the group chat)
    distance_km: float


@dataclass(frozen=True)
class Candidate:
    """A volunteer who may be pinged for a request, and how far away they are."""

    volunteer: Volunteer
    distance_km: float
    # Held back by quiet hours or the ping caps (bot.services.fairness): when that ends.
    held_until: float | None = None


@dataclass(frozen=True, kw_only=True)
class Search:
    """Who is being looked for about a request (CandidateSearch.candidates; the rules and
    the order are VolunteerRepository.ranked's): one value every search implementation,
    and the nearest-first ones' fall-back to the SQL, are handed whole."""

    request_id: int
    # The request's round: nobody already pinged in it is found (0: nobody is left out).
    round: int
    lat: float
    lon: float
    category: Category
    exclude: Collection[int]
    needs_check: bool
    # Distance doesn't matter (a phone call): anyone, fewer tasks lately first.
    any_distance: bool
    # Tasks taken since then even out who is asked.
    recent_since: float
    # The availability slots covering the task's time: those free then go first.
    free_slots: Collection[Slot] | None = None
    # At most this many (a wave); None: everyone eligible.
    limit: int | None = None
    # How far beyond their own radius a volunteer may be (an escalation).
    stretch_km: float = 0.0
    # The fairness rules: those they hold back now are left out ...
    rules: PingRules | None = None
    # ... or, with `held`, only they are found, with when they may be asked.
    held: bool = False


@dataclass(frozen=True)
class RequestDraft:
    """Everything a requester has told the conversation, ready to be saved (made from
    the request form's answers: bot.domain.request_answers)."""

    category: Category
    description: str
    address: str
    lat: float
    lon: float
    when: When
    due_at: float | None
    every: str | None = None  # 'daily' / 'weekly': the same help again, at the same time
    # The open request of the same kind the requester said this one is apart from.
    linked_to: int | None = None
    prescription: Prescription | None = None


@dataclass(frozen=True)
class Coordinator:
    user_id: int
    first_name: str  # '' for an ADMIN_ID who never started the bot
    language: str | None
    from_settings: bool  # listed in ADMIN_IDS
    blocked: bool


@dataclass(frozen=True)
class NewSeries(Need):
    """Repeating help about to be saved: every day or week at the same local time."""

    every: str  # 'daily' or 'weekly'
    next_due_at: float
    local_time: str  # 'HH:MM' in the group's zone


@dataclass(frozen=True)
class Series(Need):
    id: int
    every: str  # 'daily' or 'weekly'
    next_due_at: float
    local_time: str
    active: bool


@dataclass(frozen=True)
class NewReminder:
    """A reminder about to be stored; its key is used once (bot.services.reminders)."""

    key: str
    kind: str
    due_at: float
    request_id: int | None = None
    series_id: int | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class Reminder:
    id: int
    key: str
    kind: str
    request_id: int | None
    series_id: int | None
    user_id: int | None
    due_at: float


@dataclass(frozen=True)
class AddressMessage:
    chat_id: int
    message_id: int
    request_id: int
    volunteer_id: int
    sent_at: float


@dataclass(frozen=True)
class GroupChat:
    chat_id: int
    title: str


@dataclass(frozen=True)
class GroupPost:
    request_id: int
    chat_id: int
    message_id: int | None  # None: reserved, but Telegram never confirmed it
    shown: str  # 'open', 'taken', 'done' or 'closed': what the post says now


@dataclass(frozen=True)
class RosterEntry:
    user_id: int
    first_name: str
    status: VolunteerStatus
    paused: bool
    dbs_checked: bool
    held: bool = False


@dataclass(frozen=True)
class Concern:
    id: int
    request_id: int | None
    reporter_id: int | None
    role: str  # 'requester', 'volunteer' or 'other'
    text: str
    created_at: float


@dataclass(frozen=True)
class Spending:
    pence: int | None
    receipt_file_id: str | None
    # Once the receipt is in (or the volunteer said there is none), the amount is settled:
    # only a coordinator can change it, and the requester has been told it.
    settled_at: float | None = None
    # The requester (or, for a phone request, its coordinator) said they paid it back.
    paid_back_at: float | None = None

    @property
    def owed(self) -> bool:
        """Money the volunteer is still out of pocket by, as far as the bot knows."""
        return bool(self.pence) and self.paid_back_at is None


@dataclass(frozen=True)
class Correction:
    """A coordinator's correction of a done task's spend: the amount, and maybe the
    receipt photo (Telegram's file id) that came to them instead."""

    pence: int
    receipt_file_id: str | None = None


@dataclass(frozen=True)
class Place:
    """A point on the map: a shared location, or where a typed address was found."""

    lat: float
    lon: float


# --- the doorstep and a volunteer's record (bot.db.doorstep) ------------------------


@dataclass(frozen=True)
class Visit:
    request_id: int
    volunteer_id: int
    arrived_at: float
    left_at: float | None
    asked_at: float | None
    help_at: float | None
    alerted_at: float | None

    @property
    def on_doorstep(self) -> bool:
        return self.left_at is None


@dataclass(frozen=True)
class HandBack:
    """A task a volunteer gave back: when they took it, when it was due, when they gave it."""

    request_id: int
    claimed_at: float | None
    due_at: float | None
    released_at: float


@dataclass(frozen=True)
class Signals:
    """What a coordinator should know about a volunteer's recent tasks."""

    done: int
    hand_backs: list[HandBack]  # latest first
    no_shows: int
    concerns: int
