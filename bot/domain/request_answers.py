"""What someone has told a request form so far (/request, or /onbehalf for someone
without Telegram), step by step, and the checks on what they type.

The answers live between updates in PTB's user_data, which is written as JSON (see
bot.telegram.persistence): `stored()` gives the plain dict kept there and `from_stored()`
reads it back. The keys are the ones the conversations wrote before the answers were
typed, so a half-made request saved by an older version carries on after an upgrade.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot.domain.limits import MAX_ADDRESS, MAX_DESCRIPTION
from bot.domain.models import Category, Payment, Prescription, RequestDraft, When
from bot.domain.when import parse_due

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
E = TypeVar("E", bound=Enum)

# The shortest description, addition or address worth sending a volunteer.
MIN_TEXT = 3
# A request asked for again at the same time: what the "when" buttons call them.
REPEATS = ("weekly", "daily")


@dataclass
class RequestAnswers:
    """Everything is None until its question is answered."""

    category: Category | None = None
    description: str | None = None
    when: When | None = None
    due_at: float | None = None
    every: str | None = None  # one of REPEATS: the same help again, at the same time
    lat: float | None = None
    lon: float | None = None
    # The door's address; for a friendly phone call the number to ring ('' for "talk
    # through the bot"), kept, shown and purged just as an address is.
    address: str | None = None
    linked_to: int | None = None  # the open request of this kind it is apart from
    adding_to: int | None = None  # the open request of this kind it adds to instead
    rx_payment: Payment | None = None
    rx_pence: int | None = None
    rx_fridge: bool | None = None
    rx_controlled: bool | None = None
    rx_consent_at: float | None = None
    # Neighbouring groups already offered: sharing the same place again counts once.
    referred: list[str] = field(default_factory=list)
    saved_as: int | None = None  # set once saved: Send pressed again finishes that one
    changing: bool = False  # one answer is being changed: back to the summary after it
    # /onbehalf: the person the coordinator is typing for.
    name: str | None = None
    phone: str | None = None

    def stored(self) -> dict[str, Any]:
        """The JSON-ready dict kept in user_data: only what has been answered."""
        kept: dict[str, Any] = {}
        for each in fields(self):
            value = getattr(self, each.name)
            # Unanswered, or nothing to say: left out, so that a fresh form is {}.
            if value is None or (each.name in ("changing", "referred") and not value):
                continue
            kept[each.name] = value.value if isinstance(value, Enum) else value
        return kept

    @classmethod
    def from_stored(cls, data: object) -> RequestAnswers | None:
        """The answers kept by stored() (or by the conversations before it); None if they
        can't be read, so that the caller starts afresh rather than stumbling on them."""
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                category=_enum(Category, data.get("category")),
                description=_typed(str, data.get("description")),
                when=_enum(When, data.get("when")),
                due_at=_number(data.get("due_at")),
                every=_typed(str, data.get("every")),
                lat=_number(data.get("lat")),
                lon=_number(data.get("lon")),
                address=_typed(str, data.get("address")),
                linked_to=_typed(int, data.get("linked_to")),
                adding_to=_typed(int, data.get("adding_to")),
                rx_payment=_enum(Payment, data.get("rx_payment")),
                rx_pence=_typed(int, data.get("rx_pence")),
                rx_fridge=_typed(bool, data.get("rx_fridge")),
                rx_controlled=_typed(bool, data.get("rx_controlled")),
                rx_consent_at=_number(data.get("rx_consent_at")),
                referred=[str(name) for name in _typed(list, data.get("referred")) or []],
                saved_as=_typed(int, data.get("saved_as")),
                changing=bool(data.get("changing")),
                name=_typed(str, data.get("name")),
                phone=_typed(str, data.get("phone")),
            )
        except (TypeError, ValueError) as error:
            # Never the values themselves: they may hold an address or a phone number.
            _LOGGER.warning("Set aside a request form's answers that can't be read: %s", error)
            return None

    @property
    def kind(self) -> Category:
        """The category, or Other while none is chosen (a prompt needs one)."""
        return self.category or Category.OTHER

    def prescription(self) -> Prescription | None:
        """A prescription's answers, once the requester has agreed to its collection."""
        if (
            self.category is not Category.PRESCRIPTION
            or self.rx_consent_at is None
            or self.rx_payment is None
        ):
            return None
        return Prescription(
            payment=self.rx_payment,
            pence=self.rx_pence,
            fridge=bool(self.rx_fridge),
            controlled=bool(self.rx_controlled),
            consent_at=self.rx_consent_at,
        )

    def draft(self) -> RequestDraft | None:
        """The request ready to be saved; None while an answer is missing (a summary
        pressed after its conversation was finished, reset or erased)."""
        if (
            self.category is None
            or self.description is None
            or self.when is None
            or self.lat is None
            or self.lon is None
            or self.address is None
        ):
            return None
        return RequestDraft(
            category=self.category,
            description=self.description,
            address=self.address,
            lat=self.lat,
            lon=self.lon,
            when=self.when,
            due_at=self.due_at,
            every=self.every,
            linked_to=self.linked_to,
            prescription=self.prescription(),
        )


def _typed(kind: type[T], value: object) -> T | None:
    if value is None:
        return None
    # bool is an int to Python: a True where a number belongs is not one.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"expected {kind.__name__}, found {type(value).__name__}")
    return value


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if value is None:
        return None
    raise TypeError(f"expected a number, found {type(value).__name__}")


def _enum(kind: type[E], value: object) -> E | None:
    return None if value is None else kind(value)


class Problem(Enum):
    """What is wrong with a typed answer; each conversation says it in its own words."""

    TOO_SHORT = "short"
    TOO_LONG = "long"
    UNREADABLE = "unreadable"  # a day and time that can't be read
    PAST = "past"  # a day and time already gone


def text_problem(text: str, most: int) -> Problem | None:
    """A description, an addition or an address: a few words, not an essay."""
    if len(text) < MIN_TEXT:
        return Problem.TOO_SHORT
    if len(text) > most:
        return Problem.TOO_LONG
    return None


def description_problem(text: str) -> Problem | None:
    return text_problem(text, MAX_DESCRIPTION)


def address_problem(text: str) -> Problem | None:
    return text_problem(text, MAX_ADDRESS)


def due_or_problem(text: str, now: datetime, tz: ZoneInfo) -> datetime | Problem:
    """The moment a typed day and time means, if it is still to come."""
    due = parse_due(text, now, tz)
    if due is None:
        return Problem.UNREADABLE
    if due <= now:
        return Problem.PAST
    return due
