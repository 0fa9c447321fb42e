"""A coordinators' message to many: who it is for, and how far it has got."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class BroadcastDraft:
    broadcast_id: int
    recipients: int


class Audience(StrEnum):
    """Who a broadcast goes to; the codes are part of the button data."""

    EVERYONE = "everyone"
    VOLUNTEERS = "volunteers"
    REQUESTERS = "requesters"
    COORDINATORS = "coordinators"

    @classmethod
    def parse(cls, code: str) -> Audience | None:
        try:
            return cls(code)
        except ValueError:
            return None


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Delivery(StrEnum):
    """An outbox row's state (see migration 0004 for the transitions)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"
    UNSURE = "unsure"


@dataclass(frozen=True)
class Broadcast:
    id: int
    coordinator_id: int
    audience: Audience
    text: str
    status: BroadcastStatus
    progress_chat_id: int | None
    progress_message_id: int | None
    total: int
    stopped_by: int | None = None  # the coordinator who pressed Stop (migration 0010)


@dataclass(frozen=True)
class Recipient:
    """One pending outbox row, with what sending needs to know about the person."""

    entry_id: int
    user_id: int
    language: str | None
    blocked: bool


@dataclass(frozen=True)
class Counts:
    """How far a broadcast has got: outbox rows per state."""

    total: int
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    unsure: int = 0

    @property
    def done(self) -> int:
        return self.sent + self.blocked + self.failed + self.unsure

    @property
    def not_sent(self) -> int:
        """Rows never sent: only a stopped broadcast ends with any."""
        return self.total - self.done


class Attempt(StrEnum):
    """How one try at sending a broadcast's message went, as the Telegram side reads
    Telegram's answer (bot.telegram.broadcast_news); the worker decides what follows."""

    SENT = "sent"
    BLOCKED = "blocked"  # they blocked the bot
    REFUSED = "refused"  # refused for good (e.g. chat not found): sending again won't help
    UNSURE = "unsure"  # the answer was lost on the way back: it may have arrived
    WAIT = "wait"  # not delivered: Telegram asked the bot to wait first (a 429)
    FAILED = "failed"  # not delivered, for a reason that may pass: it may be tried again


@dataclass(frozen=True)
class Tried:
    """One try's outcome; `wait_s` is how long Telegram asked for (WAIT), `detail` what
    it said (for the log)."""

    attempt: Attempt
    wait_s: float = 0.0
    detail: str = ""
