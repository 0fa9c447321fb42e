"""The group's own things: people, volunteers, requests for help and the pings about them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


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


@dataclass(frozen=True)
class RequestDraft:
    """Everything a requester has told the conversation, ready to be saved."""

    category: Category
    description: str
    address: str
    lat: float
    lon: float
    when: When
    due_at: float | None
    every: str | None = None  # 'daily' / 'weekly': the same help again, at the same time

    @classmethod
    def from_answers(cls, answers: dict[str, Any]) -> RequestDraft | None:
        """The draft a conversation stored step by step; None if it is incomplete (a
        summary pressed after its conversation was finished or reset)."""
        if not {"category", "description", "when", "lat", "lon", "address"} <= answers.keys():
            return None
        return cls(
            category=Category(answers["category"]),
            description=answers["description"],
            address=answers["address"],
            lat=float(answers["lat"]),
            lon=float(answers["lon"]),
            when=When(answers["when"]),
            due_at=answers.get("due_at"),
            every=answers.get("every"),
        )


@dataclass(frozen=True)
class Coordinator:
    user_id: int
    first_name: str  # '' for an ADMIN_ID who never started the bot
    language: str | None
    from_settings: bool  # listed in ADMIN_IDS
    blocked: bool


@dataclass(frozen=True)
class Series:
    id: int
    requester_id: int | None
    category: Category
    description: str
    address: str
    lat: float
    lon: float
    every: str  # 'daily' or 'weekly'
    next_due_at: float
    local_time: str
    active: bool


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
