"""The private line between a request's requester and its volunteer, through the bot."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.models import HelpRequest

# "A few messages a minute": enough to agree a shopping list, not enough to flood anyone.
MAX_PER_MINUTE = 5
MAX_PER_HOUR = 40


class Side(StrEnum):
    """Who is writing on a request's line."""

    REQUESTER = "requester"
    VOLUNTEER = "volunteer"
    # A coordinator, for someone without Telegram whose request they took by phone.
    DESK = "desk"
    # The two ends of an offer's line (bot.domain.offers.OfferLine).
    OFFERER = "offerer"
    TAKER = "taker"


class Kind(StrEnum):
    """What can be relayed."""

    TEXT = "text"
    PHOTO = "photo"
    VOICE = "voice"
    LOCATION = "location"


class Closed(StrEnum):
    """Why a line can't carry a message (now)."""

    NOT_FOUND = "not_found"
    NOT_YOURS = "not_yours"  # never theirs, or handed back
    NO_VOLUNTEER = "no_volunteer"  # open again: nobody on it yet
    DONE = "done"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Line:
    """One person's end of a request's line: who they are on it and who hears them."""

    request: HelpRequest
    side: Side
    sender_name: str  # as the other side sees them
    recipients: tuple[int, ...]  # the other side's chats (several coordinators, maybe)
    other_name: str  # the other side, as the sender sees them
    other_side: Side


@dataclass(frozen=True)
class Said:
    """One message as its sender wrote it on a line (a request's or an offer take's),
    stored before it goes out."""

    sender_id: int
    side: Side
    kind: Kind
    text: str = ""
    file_id: str | None = None
    where: tuple[float, float] | None = None


@dataclass(frozen=True)
class RelayedMessage:
    """One message that went over a line, as stored with the request."""

    id: int
    request_id: int
    sender_id: int | None  # None once the sender was erased
    side: Side
    kind: Kind
    text: str
    file_id: str | None
    lat: float | None
    lon: float | None
    sent_at: float
