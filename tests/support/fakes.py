"""In-memory fakes of the ports services reach storage and Telegram through
(bot.services.ports, and the news ports beside their services), for unit tests of the
services' decisions with no Bot and no database. Each keeps what it was asked to do, so a
test reads what a user would notice: who was told what, which events were recorded, which
rows changed."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from bot.domain.broadcasts import (
    Attempt,
    Audience,
    Broadcast,
    BroadcastStatus,
    Counts,
    Delivery,
    Recipient,
    Tried,
)
from bot.domain.events import Claim, Event, StoredEvent
from bot.domain.models import (
    Candidate,
    Category,
    HelpRequest,
    Ping,
    PingRules,
    Reminder,
    Slot,
    User,
)
from bot.services.broadcast import Progress
from bot.services.events import EventBus


class Clock:
    """A clock a test moves by hand."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- events ------------------------------------------------------------------------------


class FakeOutbox:
    """The outbox (bot.services.ports.Outbox) in memory: every event ever added is kept
    in `added`, in order, delivered or not."""

    def __init__(self) -> None:
        self.added: list[Event] = []
        self._rows: dict[int, tuple[Event, str | None, set[str]]] = {}
        self._ids = itertools.count(1)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield

    async def add(self, event: Event, now: float, hold_key: str | None = None) -> int:
        event_id = next(self._ids)
        self.added.append(event)
        self._rows[event_id] = (event, hold_key, set())
        return event_id

    async def release(self, hold_key: str) -> bool:
        held = [i for i, (_e, key, _d) in self._rows.items() if key == hold_key]
        for event_id in held:
            event, _key, done = self._rows[event_id]
            self._rows[event_id] = (event, None, done)
        return bool(held)

    async def undelivered(self, *, held_too: bool, after: int = 0) -> list[StoredEvent]:
        return [
            StoredEvent(event_id, event, frozenset(done))
            for event_id, (event, key, done) in sorted(self._rows.items())
            if event_id > after and (held_too or key is None)
        ]

    @asynccontextmanager
    async def claim(self, stored: StoredEvent, lane: str) -> AsyncIterator[Claim]:
        """One process: nothing to hold; who had it, as the database says now."""
        row = self._rows.get(stored.id)
        yield Claim(frozenset(row[2])) if row is not None else Claim(gone=True)

    async def mark_done(self, event_id: int, subscriber: str, now: float) -> None:
        if event_id in self._rows:
            self._rows[event_id][2].add(subscriber)

    async def mark_delivered(self, event_id: int, subscribers: Collection[str]) -> bool:
        row = self._rows.get(event_id)
        if row is None or not set(subscribers) <= row[2]:
            return False
        del self._rows[event_id]
        return True

    @property
    def waiting(self) -> list[Event]:
        """Events not yet delivered to every subscriber (none subscribe: all of them)."""
        return [event for event, _key, _done in self._rows.values()]


def recording_bus(clock: Callable[[], float]) -> tuple[EventBus, FakeOutbox]:
    """A real EventBus over the fake outbox: what a service records is in `outbox.added`."""
    outbox = FakeOutbox()
    return EventBus(outbox, clock), outbox


# --- Telegram's side -----------------------------------------------------------------------


@dataclass(frozen=True)
class FakeMessage:
    chat_id: int
    message_id: int


@dataclass(frozen=True)
class Sent:
    user_id: int
    text: str
    markup: Any
    protect: bool


class FakeSender:
    """bot.services.ports.Sender: `unreachable` people get nothing (None)."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.unreachable: set[int] = set()
        self._ids = itertools.count(1)

    async def send(
        self, user_id: int, text: str, markup: Any = None, *, protect: bool = False
    ) -> FakeMessage | None:
        if user_id in self.unreachable:
            return None
        self.sent.append(Sent(user_id, text, markup, protect))
        return FakeMessage(user_id, next(self._ids))


@dataclass
class FakeRinging:
    at: float
    ring: Callable[[], Awaitable[None]]
    name: str
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeAlarm:
    """bot.services.ports.Alarm on a Clock: `ring_due()` rings what is due by now."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.set: list[FakeRinging] = []

    def ring_in(
        self, seconds: float, ring: Callable[[], Awaitable[None]], *, name: str
    ) -> FakeRinging:
        ringing = FakeRinging(self._clock() + seconds, ring, name)
        self.set.append(ringing)
        return ringing

    async def ring_due(self) -> int:
        due = [r for r in self.set if not r.cancelled and r.at <= self._clock()]
        for ringing in due:
            ringing.cancelled = True
            await ringing.ring()
        return len(due)


# --- reminders -------------------------------------------------------------------------------


class FakeReminderBook:
    """bot.services.ports.ReminderBook: `states` says what became of each (by key)."""

    def __init__(self) -> None:
        self.reminders: list[Reminder] = []
        self.states: dict[str, str] = {}

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
        if key in self.states:
            return None
        reminder = Reminder(
            len(self.reminders) + 1, key, kind, request_id, series_id, user_id, due_at
        )
        self.reminders.append(reminder)
        self.states[key] = "pending"
        return reminder

    def _pending(self) -> list[Reminder]:
        return [r for r in self.reminders if self.states[r.key] == "pending"]

    async def claim(self, reminder_id: int, now: float) -> Reminder | None:
        for reminder in self._pending():
            if reminder.id == reminder_id:
                self.states[reminder.key] = "fired"
                return reminder
        return None

    async def cancel(
        self,
        *,
        request_id: int,
        kinds: Collection[str] | None = None,
        sparing: Collection[str] = (),
    ) -> list[int]:
        cancelled = [
            r
            for r in self._pending()
            if r.request_id == request_id
            and (not kinds or r.kind in kinds)
            and r.kind not in sparing
        ]
        for reminder in cancelled:
            self.states[reminder.key] = "cancelled"
        return [r.id for r in cancelled]

    async def cancel_series(self, series_id: int) -> list[int]:
        cancelled = [r for r in self._pending() if r.series_id == series_id]
        for reminder in cancelled:
            self.states[reminder.key] = "cancelled"
        return [r.id for r in cancelled]

    async def claim_next(self, now: float) -> Reminder | None:
        due = await self.due(now, limit=1)
        return await self.claim(due[0].id, now) if due else None

    async def due(self, now: float, limit: int) -> list[Reminder]:
        due = sorted((r for r in self._pending() if r.due_at <= now), key=lambda r: r.due_at)
        return due[:limit]

    async def pending_summary(self) -> tuple[int, float | None]:
        pending = self._pending()
        return len(pending), min((r.due_at for r in pending), default=None)


# --- matching ---------------------------------------------------------------------------------


class FakeCandidateSearch:
    """bot.services.ports.CandidateSearch over a fixed list, best first: it leaves out
    `exclude`, volunteers pinged this round already (given `pings`) and stops at `limit`.
    `held` candidates are the ones resting (quiet hours, the caps). Every call is kept."""

    def __init__(
        self,
        candidates: list[Candidate],
        pings: FakePings | None = None,
        held: list[Candidate] | None = None,
    ) -> None:
        self.candidates_ = list(candidates)
        self.held = list(held or [])
        self._pings = pings
        self.calls: list[dict[str, Any]] = []

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
    ) -> list[Candidate]:
        self.calls.append(
            {
                "request_id": request_id,
                "exclude": set(exclude),
                "needs_check": needs_check,
                "any_distance": any_distance,
                "limit": limit,
                "stretch_km": stretch_km,
                "held": held,
            }
        )
        asked = (
            {p.volunteer_id for p in await self._pings.for_request(request_id, round_)}
            if self._pings is not None
            else set()
        )
        found = [
            c
            for c in (self.held if held else self.candidates_)
            if c.volunteer.user_id not in exclude and c.volunteer.user_id not in asked
        ]
        return found if limit is None else found[:limit]


class FakeRequests:
    """bot.services.ports.Requests over a dict."""

    def __init__(self, *requests: HelpRequest) -> None:
        self.by_id = {r.id: r for r in requests}

    async def get(self, request_id: int) -> HelpRequest | None:
        return self.by_id.get(request_id)

    async def mark_announced(self, request_id: int, now: float) -> None:
        request = self.by_id[request_id]
        if request.announced_at is None:
            self.by_id[request_id] = replace(request, announced_at=now)


class FakePings:
    """bot.services.ports.Pings: one ping per volunteer a round, as the table's key."""

    def __init__(self) -> None:
        self.pings: list[Ping] = []

    async def add(
        self,
        request_id: int,
        volunteer_id: int,
        round_: int,
        wave: int,
        distance_km: float,
        now: float,
    ) -> int | None:
        if any(
            p.request_id == request_id and p.volunteer_id == volunteer_id and p.round == round_
            for p in self.pings
        ):
            return None
        ping = Ping(
            len(self.pings) + 1,
            request_id,
            volunteer_id,
            round_,
            wave,
            distance_km,
            None,
            None,
            None,
        )
        self.pings.append(ping)
        return ping.id

    async def for_request(self, request_id: int, round_: int | None = None) -> list[Ping]:
        return [
            p
            for p in self.pings
            if p.request_id == request_id and (round_ is None or p.round == round_)
        ]

    async def last_wave(self, request_id: int, round_: int) -> int:
        return max((p.wave for p in await self.for_request(request_id, round_)), default=0)

    def answer(self, volunteer_id: int, answer: str | None, *, sent: bool = True) -> None:
        """As if the ping went out (`sent`: its message is stored) and was answered."""
        self.pings = [
            replace(
                p,
                answer=answer,
                chat_id=p.volunteer_id if sent else None,
                message_id=p.id if sent else None,
            )
            if p.volunteer_id == volunteer_id
            else p
            for p in self.pings
        ]


# --- broadcasts ---------------------------------------------------------------------------


class FakePeople:
    """bot.services.ports.People."""

    def __init__(self, *users: User) -> None:
        self.by_id = {u.id: u for u in users}

    async def get(self, user_id: int) -> User | None:
        return self.by_id.get(user_id)

    async def set_blocked(self, user_id: int, blocked_at: float | None) -> bool:
        user = self.by_id.get(user_id)
        if user is None:
            return False
        self.by_id[user_id] = replace(user, blocked_at=blocked_at)
        return True


@dataclass
class _Row:
    entry_id: int
    broadcast_id: int
    user_id: int
    state: Delivery = Delivery.PENDING
    attempts: int = 0


@dataclass
class FakeBroadcastStore:
    """bot.services.ports.BroadcastStore: `audiences` says who each audience is (user
    ids, in the order the outbox is drained); `blocked` who blocked the bot after being
    queued; `languages` each one's language."""

    audiences: dict[Audience, list[int]]
    blocked: set[int] = field(default_factory=set)
    languages: dict[int, str] = field(default_factory=dict)
    broadcasts: dict[int, Broadcast] = field(default_factory=dict)
    rows: list[_Row] = field(default_factory=list)
    batch: int = 100

    def deliveries(self, broadcast_id: int) -> dict[int, tuple[Delivery, int]]:
        """user id -> (state, attempts) of a broadcast's rows."""
        return {
            r.user_id: (r.state, r.attempts) for r in self.rows if r.broadcast_id == broadcast_id
        }

    async def count_audience(self, audience: Audience) -> int:
        return len(self.audiences.get(audience, []))

    async def create(self, coordinator_id: int, audience: Audience, text: str, now: float) -> int:
        broadcast_id = len(self.broadcasts) + 1
        self.broadcasts[broadcast_id] = Broadcast(
            broadcast_id, coordinator_id, audience, text, BroadcastStatus.DRAFT, None, None, 0
        )
        return broadcast_id

    async def get(self, broadcast_id: int) -> Broadcast | None:
        return self.broadcasts.get(broadcast_id)

    async def begin(self, broadcast_id: int, now: float) -> int | None:
        broadcast = self.broadcasts.get(broadcast_id)
        if broadcast is None or broadcast.status is not BroadcastStatus.DRAFT:
            return None
        people = self.audiences.get(broadcast.audience, [])
        for user_id in people:
            self.rows.append(_Row(len(self.rows) + 1, broadcast_id, user_id))
        self.broadcasts[broadcast_id] = replace(
            broadcast, status=BroadcastStatus.SENDING, total=len(people)
        )
        return len(people)

    async def cancel(self, broadcast_id: int, now: float) -> bool:
        broadcast = self.broadcasts.get(broadcast_id)
        if broadcast is None or broadcast.status is not BroadcastStatus.DRAFT:
            return False
        self.broadcasts[broadcast_id] = replace(broadcast, status=BroadcastStatus.CANCELLED)
        return True

    async def stop(self, broadcast_id: int, coordinator_id: int, now: float) -> bool:
        broadcast = self.broadcasts.get(broadcast_id)
        if (
            broadcast is None
            or broadcast.status is not BroadcastStatus.SENDING
            or broadcast.stopped_by is not None
        ):
            return False
        self.broadcasts[broadcast_id] = replace(broadcast, stopped_by=coordinator_id)
        return True

    async def sending(self) -> list[Broadcast]:
        return [b for b in self.broadcasts.values() if b.status is BroadcastStatus.SENDING]

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        self.broadcasts[broadcast_id] = replace(
            self.broadcasts[broadcast_id],
            progress_chat_id=chat_id,
            progress_message_id=message_id,
        )

    async def pending(self, broadcast_id: int) -> list[Recipient]:
        if self.broadcasts[broadcast_id].stopped_by is not None:
            return []
        return [
            Recipient(
                r.entry_id, r.user_id, self.languages.get(r.user_id), r.user_id in self.blocked
            )
            for r in self.rows
            if r.broadcast_id == broadcast_id and r.state is Delivery.PENDING
        ][: self.batch]

    def _row(self, entry_id: int) -> _Row:
        return next(r for r in self.rows if r.entry_id == entry_id)

    async def claim(self, entry_id: int) -> bool:
        row = self._row(entry_id)
        if row.state is not Delivery.PENDING or self.broadcasts[row.broadcast_id].stopped_by:
            return False
        row.state = Delivery.SENDING
        row.attempts += 1
        return True

    async def release(self, entry_id: int) -> None:
        row = self._row(entry_id)
        if row.state is Delivery.SENDING:
            row.state = Delivery.PENDING

    async def settle(self, entry_id: int, state: Delivery, now: float) -> None:
        self._row(entry_id).state = state

    async def mark_interrupted(self) -> int:
        stuck = [r for r in self.rows if r.state is Delivery.SENDING]
        for row in stuck:
            row.state = Delivery.UNSURE
        return len(stuck)

    async def counts(self, broadcast_id: int) -> Counts:
        states = [r.state for r in self.rows if r.broadcast_id == broadcast_id]
        return Counts(
            total=len(states),
            sent=states.count(Delivery.SENT),
            blocked=states.count(Delivery.BLOCKED),
            failed=states.count(Delivery.FAILED),
            unsure=states.count(Delivery.UNSURE),
        )

    async def finish(self, broadcast_id: int, counts: Counts, now: float) -> bool:
        broadcast = self.broadcasts[broadcast_id]
        if broadcast.status is not BroadcastStatus.SENDING:
            return False
        self.broadcasts[broadcast_id] = replace(broadcast, status=BroadcastStatus.DONE)
        return True


class FakeBulkSender:
    """bot.services.ports.BulkSender: Telegram's answers to each person's tries, in
    order (SENT once they run out); every try is kept as (user id, language, text)."""

    def __init__(self, answers: dict[int, list[Tried]] | None = None) -> None:
        self.answers = {user_id: list(tries) for user_id, tries in (answers or {}).items()}
        self.tries: list[tuple[int, str | None, str]] = []
        # Called before each answer: a test can press Stop in the middle of a send.
        self.during: Callable[[int], Awaitable[None]] | None = None

    async def send(self, recipient: Recipient, text: str) -> Tried:
        self.tries.append((recipient.user_id, recipient.language, text))
        if self.during is not None:
            await self.during(recipient.user_id)
        queued = self.answers.get(recipient.user_id)
        return queued.pop(0) if queued else Tried(Attempt.SENT)

    def got(self) -> list[int]:
        """Who the message reached (as Telegram answered), in order."""
        return [user_id for user_id, _language, _text in self.tries]


@dataclass
class FakeBroadcastNews:
    """bot.services.broadcast.BroadcastNews: the progress message, its edits, reports."""

    unreachable: bool = False
    progress_sent: list[tuple[int, Counts]] = field(default_factory=list)
    edits: list[tuple[Progress, Counts, bool]] = field(default_factory=list)
    reports: list[tuple[int, int, Counts, str | None]] = field(default_factory=list)

    async def progress(self, broadcast: Broadcast, counts: Counts) -> Progress | None:
        if self.unreachable:
            return None
        self.progress_sent.append((broadcast.id, counts))
        return broadcast.coordinator_id, 1000 + broadcast.id

    async def show_progress(
        self, broadcast: Broadcast, progress: Progress, counts: Counts, *, final: bool
    ) -> None:
        self.edits.append((progress, counts, final))

    async def report(
        self, reader: int, broadcast: Broadcast, counts: Counts, stopper: str | None
    ) -> None:
        self.reports.append((reader, broadcast.id, counts, stopper))
