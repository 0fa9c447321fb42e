"""What a service did when asked: one home for the outcomes handlers branch on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from bot.domain.models import HelpRequest


class Outcome(Enum):
    OK = auto()
    ALREADY = auto()  # the same press arrived twice, or the thing was already done
    TOO_LATE = auto()  # someone else took it, or it was closed meanwhile
    NOT_YOURS = auto()  # a forged or forwarded button, or a role the presser doesn't have
    NOT_FOUND = auto()
    NEEDS_CHECK = auto()  # a checked-only category, and the volunteer isn't ID/DBS-checked
    ON_HOLD = auto()  # a coordinator has put the volunteer on hold
    HANDED_BACK = auto()  # the volunteer took it once and handed it back


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    request: HelpRequest | None = None
    # Taking a request: whether the address message reached the volunteer (if Telegram
    # failed even after retries, they are pointed to /mytasks instead of told it's there).
    details_sent: bool = True


class Limit(Enum):
    """Why someone may not ask for more help just now (against one account flooding the
    volunteers with pings)."""

    OPEN = auto()  # MAX_OPEN_REQUESTS are open already
    DAILY = auto()  # MAX_REQUESTS_PER_DAY were made in the last 24 hours


class Appointment(Enum):
    DONE = auto()
    ALREADY = auto()
    UNKNOWN = auto()  # they never started the bot (or never agreed to the notice)


class Dismissal(Enum):
    DONE = auto()
    LAST = auto()  # they are the only coordinator left: the group would have none
    NOT_COORDINATOR = auto()
    UNKNOWN = auto()  # an ADMIN_ID who never started the bot: only the setting can drop them


class Started(Enum):
    """What pressing Send did."""

    STARTED = "started"
    ALREADY_SENDING = "sending"
    ALREADY_DONE = "done"
    CANCELLED = "cancelled"
    STOPPED = "stopped"
    MISSING = "missing"
