"""The group's own things: people, volunteers, requests for help and the pings about them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
    # An open request of the same kind its requester said this one is apart from.
    linked_to: int | None = None
    prescription: Prescription | None = None

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
