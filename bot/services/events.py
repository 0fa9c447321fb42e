"""Delivering domain events: after the commit, in order, at least once.

A service records its events inside its transition's transaction (`recording()`); once
that commits, every undelivered event goes to its subscribers, in the order they were
registered (bot.telegram.subscribers has the lists), each subscriber's delivery recorded
as it finishes. So a crash loses nothing: at start-up `deliver(held_too=True)` hands on
whatever was left, and a subscriber that had its event already is not called again. One
cut off mid-call (the bot killed while Telegram sends its message) may run twice: the
subscribers that matter are idempotent by the state they find (a ping with its message
recorded is not sent again).

Two lanes: most subscribers run straight after the commit, in the task that committed
(so a handler's reply comes after what it caused, as before); `background` ones (the
group-chat posts, paced by Telegram at 20 a minute per group) run in a task of their
own, so that nothing waits for them.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.domain.events import Event, StoredEvent
from bot.services.ports import Outbox

_LOGGER = logging.getLogger(__name__)
# How soon to look again at events another process was delivering (see _deliver_later).
ELSEWHERE_RETRY_S = 5.0

E = TypeVar("E", bound=Event)
Handler = Callable[[Any, int], Awaitable[None]]

# The delivery a subscriber runs in: events it records are picked up by the loop already
# running, after the current one (in order), not by a nested loop waiting for it. A token
# per delivery rather than a flag: a context copied along (a timer set by a subscriber)
# outlives the delivery it was copied in.
_DELIVERING: contextvars.ContextVar[object | None] = contextvars.ContextVar(
    "delivering", default=None
)


@dataclass(frozen=True)
class Subscription:
    kind: str
    name: str
    handler: Handler
    background: bool = False


class Recorder:
    """The events of one transition, written when its transaction commits."""

    def __init__(self) -> None:
        self.events: list[tuple[Event, str | None]] = []

    def __call__(self, event: Event, *, hold: str | None = None) -> None:
        """`hold`: kept back until `EventBus.release(hold)` (or the next start-up)."""
        self.events.append((event, hold))


class EventBus:
    def __init__(self, outbox: Outbox, clock: Callable[[], float]) -> None:
        self._outbox = outbox
        self._clock = clock
        self._subscriptions: dict[str, list[Subscription]] = {}
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None
        self._again = False
        self._delivering: object | None = None  # the running delivery's token
        self._more = False  # recorded during it, after its last look
        # Another process held an event (a takeover): look again shortly, in case it died
        # holding it and nothing else comes to deliver what follows.
        self._look_again: asyncio.TimerHandle | None = None
        self._looking: set[asyncio.Task[int]] = set()

    # --- who hears what ------------------------------------------------------------------

    def on(
        self,
        kind: type[E],
        name: str,
        handler: Callable[[E, int], Awaitable[None]],
        *,
        background: bool = False,
    ) -> None:
        """Subscribe `handler` (given the event and its id) under a name unique for the
        kind: the name is what its delivery is recorded by, so it stays stable."""
        subscriptions = self._subscriptions.setdefault(kind.kind, [])
        if any(s.name == name for s in subscriptions):
            raise ValueError(f"{name} subscribes to {kind.kind} twice")
        subscriptions.append(Subscription(kind.kind, name, handler, background))

    def subscriptions(self) -> dict[str, list[Subscription]]:
        """Every kind's subscribers, in the order they hear of it."""
        return {kind: list(subs) for kind, subs in self._subscriptions.items()}

    # --- recording -----------------------------------------------------------------------

    @asynccontextmanager
    async def recording(self) -> AsyncIterator[Recorder]:
        """A transaction for a transition and its events; they are delivered after it
        commits. Nothing recorded, nothing delivered (the transition did not happen)."""
        recorder = Recorder()
        async with self._outbox.transaction():
            yield recorder
            now = self._clock()
            for event, hold in recorder.events:
                await self._outbox.add(event, now, hold)
        if recorder.events:
            await self.deliver()

    async def record(self, *events: Event) -> None:
        """Events of a transition that is already stored (or needs no transaction)."""
        async with self.recording() as record:
            for event in events:
                record(event)

    async def release(self, hold_key: str) -> bool:
        """Deliver what was held under `hold_key` (False if nothing was), and whatever
        else is undelivered: after a fault cut the last delivery short, that too."""
        released = await self._outbox.release(hold_key)
        await self.deliver()
        return released

    # --- delivering ----------------------------------------------------------------------

    async def start(self) -> int:
        """At start-up: deliver whatever the last run left undelivered, held events too."""
        return await self.deliver(held_too=True)

    async def deliver(self, *, held_too: bool = False) -> int:
        """Hand every undelivered event to its subscribers; returns how many calls."""
        current = _DELIVERING.get()
        if current is not None and current is self._delivering:
            self._more = True
            return 0
        async with self._lock:
            self._delivering = delivery = object()
            token = _DELIVERING.set(delivery)
            try:
                calls = await self._drain(background=False, held_too=held_too)
            finally:
                _DELIVERING.reset(token)
                self._delivering = None
        self._wake_background(held_too)
        return calls

    async def settled(self) -> None:
        """Wait until the background lane has nothing left (tests, and shutting down)."""
        while self._background is not None and not self._background.done():
            await asyncio.shield(self._background)

    async def stop(self) -> None:
        if self._look_again is not None:
            self._look_again.cancel()
            self._look_again = None
        if self._background is not None and not self._background.done():
            self._background.cancel()
            with suppress(asyncio.CancelledError):
                await self._background
        self._background = None

    def _wake_background(self, held_too: bool) -> None:
        if not any(s.background for subs in self._subscriptions.values() for s in subs):
            return
        if self._background is not None and not self._background.done():
            self._again = True
            return
        # A fresh context: the background lane is no part of the update that woke it.
        self._background = asyncio.create_task(
            self._run_background(held_too), name="events:background", context=contextvars.Context()
        )

    async def _run_background(self, held_too: bool) -> None:
        while True:
            self._again = False
            try:
                await self._drain(background=True, held_too=held_too)
            except Exception:
                _LOGGER.exception("Background delivery stopped; it resumes with the next event")
                return
            if not self._again:
                return

    async def _drain(self, *, background: bool, held_too: bool) -> int:
        calls = 0
        after = 0
        while True:
            self._more = False
            batch = await self._outbox.undelivered(held_too=held_too, after=after)
            if not batch:
                if not background and self._more:
                    continue
                return calls
            for stored in batch:
                handed = await self._hand_on(stored, background)
                if handed is None:
                    # Another process's same lane is delivering it: it goes on with what
                    # follows, in order (this one would hand the next on too early).
                    self._deliver_later(held_too)
                    return calls
                after = stored.id
                calls += handed

    def _deliver_later(self, held_too: bool) -> None:
        if self._look_again is not None:
            return

        def look() -> None:
            self._look_again = None
            # A fresh context: no update's delivery is this one.
            task = asyncio.create_task(
                self.deliver(held_too=held_too), name="events:again", context=contextvars.Context()
            )
            self._looking.add(task)
            task.add_done_callback(self._looked)

        self._look_again = asyncio.get_running_loop().call_later(ELSEWHERE_RETRY_S, look)

    def _looked(self, task: asyncio.Task[int]) -> None:
        self._looking.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _LOGGER.warning(
                "Delivering again failed (%s); the next delivery tries", task.exception()
            )

    async def _hand_on(self, stored: StoredEvent, background: bool) -> int | None:
        """Hand an event to this lane's subscribers that have not had it; None if another
        process holds it for this lane (on PostgreSQL, bot/db/claims.py)."""
        lane = "background" if background else "foreground"
        async with self._outbox.claim(stored, lane) as claim:
            if claim.elsewhere:
                return None
            if claim.gone:
                return 0
            return await self._call(stored, claim.done, background)

    async def _call(self, stored: StoredEvent, had: frozenset[str], background: bool) -> int:
        subscriptions = self._subscriptions.get(stored.event.kind, [])
        done = set(had)
        calls = 0
        for subscription in subscriptions:
            if subscription.background is not background or subscription.name in done:
                continue
            try:
                await subscription.handler(stored.event, stored.id)
            except sqlite3.Error:
                # The database failing: left undelivered, tried again with the next
                # delivery (the database watch delivers when it works again).
                raise
            except Exception:
                _LOGGER.exception(
                    "Subscriber %s failed on event %s (%s)",
                    subscription.name,
                    stored.id,
                    stored.event.kind,
                )
            await self._outbox.mark_done(stored.id, subscription.name, self._clock())
            done.add(subscription.name)
            calls += 1
        if calls or all(s.name in done for s in subscriptions):
            # The other lane may have finished meanwhile: the database knows.
            await self._outbox.mark_delivered(stored.id, [s.name for s in subscriptions])
        return calls
