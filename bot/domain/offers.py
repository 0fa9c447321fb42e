"""Offers: what a neighbour gives (a shop run with room for others, spare things, a lift,
a cooked meal), taken one unit at a time by members nearby."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.models import QuietHours
from bot.domain.relay import Side

MAX_UNITS = 20
MAX_DESCRIPTION = 200
# How far ahead an offer may run.
MAX_DAYS_AHEAD = 14
# After an offer's time, its takers and offerer can still write to each other this long
# (to hand over what was agreed); then the line closes.
LINE_GRACE_S = 86400.0


class OfferKind(StrEnum):
    SHOP_RUN = "shop_run"  # going to the shops, with room for others' shopping
    SPARE = "spare"  # spare things to give away
    LIFT = "lift"
    MEAL = "meal"  # a cooked meal
    OTHER = "other"


class OfferStatus(StrEnum):
    OPEN = "open"
    GONE = "gone"  # every unit taken
    CLOSED = "closed"  # closed early by the offerer
    EXPIRED = "expired"


@dataclass(frozen=True)
class Offer:
    id: int
    offerer_id: int | None  # None once they are erased
    kind: OfferKind
    description: str
    units: int
    taken: int
    lat: float
    lon: float
    until_at: float
    status: OfferStatus
    created_at: float
    closed_at: float | None

    @property
    def left(self) -> int:
        return max(0, self.units - self.taken)


@dataclass(frozen=True)
class OfferDraft:
    """What the /offer conversation gathered."""

    kind: OfferKind
    description: str
    units: int
    until_at: float
    lat: float
    lon: float


@dataclass(frozen=True)
class Take:
    id: int
    offer_id: int
    taker_id: int | None
    taken_at: float
    taker_name: str = ""  # their first name as stored now ("" once erased)


class TakeOutcome(StrEnum):
    OK = "ok"
    ALREADY = "already"  # this member has one already
    GONE = "gone"  # none left, closed or ended
    OWN = "own"  # the offerer's own offer
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class TakeResult:
    outcome: TakeOutcome
    offer: Offer | None = None
    take: Take | None = None


@dataclass(frozen=True)
class Nearby:
    """An open offer as one member sees it: how far from them."""

    offer: Offer
    distance_km: float


@dataclass(frozen=True)
class Listener:
    """A member who chose "tell me about offers nearby", at the place they chose."""

    user_id: int
    lat: float
    lon: float
    # A volunteer's own quiet hours, when they chose them (None: none at all); for
    # everyone else the group's default applies (bot.services.offers).
    own_quiet: bool = False
    quiet_hours: QuietHours | None = None

    def quiet(self, default: QuietHours | None) -> QuietHours | None:
        """The quiet hours that apply to them, as to a volunteer (None: none)."""
        return self.quiet_hours if self.own_quiet else default


@dataclass(frozen=True)
class Notice:
    """One message about an offer: in a member's chat, or a group chat's post."""

    offer_id: int
    chat_id: int
    message_id: int | None
    shown: str


class Ended(StrEnum):
    """Why an offer's line can't carry a message (now)."""

    NOT_FOUND = "not_found"
    NOT_YOURS = "not_yours"
    OVER = "over"  # the offer ended more than LINE_GRACE_S ago, or someone was erased


@dataclass(frozen=True)
class OfferLine:
    """One person's end of the line between an offerer and one taker."""

    offer: Offer
    take: Take
    side: Side  # Side.OFFERER or Side.TAKER
    sender_name: str
    recipients: tuple[int, ...]
    other_name: str
