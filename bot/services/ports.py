"""The narrow ports the services reach storage through (bot.db implements them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from bot.domain.broadcasts import Audience, Broadcast, Counts, Delivery, Recipient, Tried
from bot.domain.events import Claim, Event, StoredEvent
from bot.domain.models import (
    AddressMessage,
    Candidate,
    Category,
    HelpRequest,
    Ping,
    PingRules,
    Reminder,
    Slot,
    User,
)


class Outbox(Protocol):
    """Where events wait for delivery: written in the transition's own transaction."""

    def transaction(self) -> AbstractAsyncContextManager[None]: ...

    async def add(self, event: Event, now: float, hold_key: str | None = None) -> int: ...

    async def release(self, hold_key: str) -> bool: ...

    async def undelivered(self, *, held_too: bool, after: int = 0) -> list[StoredEvent]: ...

    def claim(self, stored: StoredEvent, lane: str) -> AbstractAsyncContextManager[Claim]: ...

    async def mark_done(self, event_id: int, subscriber: str, now: float) -> None: ...

    async def mark_delivered(self, event_id: int, subscribers: Collection[str]) -> bool: ...


class SentMessage(Protocol):
    """A message the bot sent, as far as a service needs to know it again."""

    @property
    def chat_id(self) -> int: ...

    @property
    def message_id(self) -> int: ...


class AddressEraser(Protocol):
    """Taking an address out of a chat (the Telegram side does it)."""

    async def delete(self, chat_id: int, message_id: int) -> bool: ...

    async def blank(self, message: AddressMessage) -> bool:
        """Edit it so that the details are gone; False if Telegram would not."""
        ...


class Sender(Protocol):
    """Sending to a person's private chat (bot.telegram.messenger.Messenger); `markup` is
    the Telegram side's own, which a service only passes on. None: not delivered."""

    async def send(
        self, user_id: int, text: str, markup: Any = None, *, protect: bool = False
    ) -> SentMessage | None: ...


class Ringing(Protocol):
    """An alarm that is set."""

    def cancel(self) -> None: ...


class Alarm(Protocol):
    """Waking up at a time, however late (bot.telegram.alarm: PTB's JobQueue)."""

    def ring_in(
        self, seconds: float, ring: Callable[[], Awaitable[None]], *, name: str
    ) -> Ringing: ...


class CandidateSearch(Protocol):
    """Who may be pinged about a request, best first (see VolunteerRepository.candidates
    for the rules and the order). On SQLite: the repository's R*Tree query, or
    bot.db.nearest.NearestVolunteers, which finds a wave nearest first; on PostGIS it would
    be a KNN query (`ORDER BY geog <-> point`). Every implementation finds the same
    people in the same order."""

    async def candidates(
        self,
        *,
        request_id: int,
        round_: int,
        lat: float,
        lon: float,
        category: Category,
        exclude: Collection[int],
        needs_check: bool,
        any_distance: bool,
        recent_since: float,
        free_slots: Collection[Slot] | None = None,
        limit: int | None = None,
        stretch_km: float = 0.0,
        rules: PingRules | None = None,
        held: bool = False,
    ) -> list[Candidate]: ...


class People(Protocol):
    """Who someone is, and marking them unreachable (bot.db.UserRepository)."""

    async def get(self, user_id: int) -> User | None: ...

    async def set_blocked(self, user_id: int, blocked_at: float | None) -> bool: ...


class BroadcastStore(Protocol):
    """Broadcasts and their outbox of one row per recipient (bot.db.broadcasts; migration
    0004 has the rows' transitions). Every change is conditional, so that a press
    delivered twice, or two workers, change a row once."""

    async def count_audience(self, audience: Audience) -> int: ...

    async def create(
        self, coordinator_id: int, audience: Audience, text: str, now: float
    ) -> int: ...

    async def get(self, broadcast_id: int) -> Broadcast | None: ...

    async def begin(self, broadcast_id: int, now: float) -> int | None:
        """Draft -> sending with its outbox rows: how many, or None if not a draft."""
        ...

    async def cancel(self, broadcast_id: int, now: float) -> bool: ...

    async def stop(self, broadcast_id: int, coordinator_id: int, now: float) -> bool: ...

    async def sending(self) -> list[Broadcast]: ...

    async def set_progress_message(
        self, broadcast_id: int, chat_id: int, message_id: int
    ) -> None: ...

    async def pending(self, broadcast_id: int) -> list[Recipient]:
        """The next batch of rows to send (none once the broadcast is stopped)."""
        ...

    async def claim(self, entry_id: int) -> bool:
        """Pending -> sending, just before the Bot API call; False if it was not pending."""
        ...

    async def release(self, entry_id: int) -> None:
        """Sending -> pending: it was not delivered, and will be tried again."""
        ...

    async def settle(self, entry_id: int, state: Delivery, now: float) -> None: ...

    async def mark_interrupted(self) -> int:
        """At start-up: rows still `sending` become `unsure`; how many."""
        ...

    async def counts(self, broadcast_id: int) -> Counts: ...

    async def finish(self, broadcast_id: int, counts: Counts, now: float) -> bool: ...


class BulkSender(Protocol):
    """One broadcast message to one person, paced by the bot's send budget's spare room
    (bot.telegram.broadcast_news), and how Telegram answered. `text` goes out exactly
    as typed, under a header in the recipient's language."""

    async def send(self, recipient: Recipient, text: str) -> Tried: ...


class Requests(Protocol):
    """Requests as matching reads and marks them (bot.db.RequestRepository)."""

    async def get(self, request_id: int) -> HelpRequest | None: ...

    async def mark_announced(self, request_id: int, now: float) -> None:
        """The first wave went (or nobody could be asked): once, the first time."""
        ...


class Pings(Protocol):
    """The pings of a request's rounds and waves (bot.db.PingRepository)."""

    async def add(
        self,
        request_id: int,
        volunteer_id: int,
        round_: int,
        wave: int,
        distance_km: float,
        now: float,
    ) -> int | None:
        """Record a ping before it is sent; None if this volunteer had one this round."""
        ...

    async def for_request(self, request_id: int, round_: int | None = None) -> list[Ping]:
        """In the order they were recorded; every round's when `round_` is None."""
        ...

    async def last_wave(self, request_id: int, round_: int) -> int:
        """The round's latest wave (0: none yet)."""
        ...


class ReminderBook(Protocol):
    """Stored reminders (bot.db.reminders): a key is used once, and a reminder is claimed
    before it acts, so that it fires once."""

    async def add(
        self,
        key: str,
        kind: str,
        due_at: float,
        now: float,
        *,
        request_id: int | None = None,
        series_id: int | None = None,
        user_id: int | None = None,
    ) -> Reminder | None:
        """None if one with this key exists already (in any state)."""
        ...

    async def claim(self, reminder_id: int, now: float) -> Reminder | None:
        """Pending -> fired; None if it already fired or was cancelled."""
        ...

    async def claim_next(self, now: float) -> Reminder | None:
        """The earliest due one, pending -> fired; None when none is due. Two processes
        claiming at once get different ones."""
        ...

    async def cancel(
        self,
        *,
        request_id: int,
        kinds: Collection[str] | None = None,
        sparing: Collection[str] = (),
    ) -> list[int]: ...

    async def cancel_series(self, series_id: int) -> list[int]: ...

    async def due(self, now: float, limit: int) -> list[Reminder]:
        """Pending reminders whose time has come, earliest first."""
        ...

    async def pending_summary(self) -> tuple[int, float | None]:
        """How many are pending, and when the earliest falls due."""
        ...
