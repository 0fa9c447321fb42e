"""The narrow ports the services reach storage through (bot.db implements them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from bot.domain.events import Event, StoredEvent
from bot.domain.models import AddressMessage, Candidate, Category, PingRules, Slot


class Outbox(Protocol):
    """Where events wait for delivery: written in the transition's own transaction."""

    def transaction(self) -> AbstractAsyncContextManager[None]: ...

    async def add(self, event: Event, now: float, hold_key: str | None = None) -> int: ...

    async def release(self, hold_key: str) -> bool: ...

    async def undelivered(self, *, held_too: bool, after: int = 0) -> list[StoredEvent]: ...

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
    bot.db.nearest.NearestVolunteers, which finds a wave nearest first; on PostgreSQL the
    repository's PostGIS query, or bot.db.nearest_postgis.PostgisNearest, a KNN walk
    (`ORDER BY position <-> point`). Every implementation finds the same people in the
    same order."""

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
