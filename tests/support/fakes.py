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
from bot.domain.figures import Digest
from bot.domain.models import (
    Candidate,
    Category,
    Concern,
    Correction,
    GroupChat,
    HelpRequest,
    NewPing,
    NewReminder,
    NewRequest,
    NewSeries,
    Ping,
    Reminder,
    RequestStatus,
    Search,
    Series,
    Spending,
    User,
    Volunteer,
    VolunteerStatus,
    When,
)
from bot.domain.offers import (
    Listener,
    Notice,
    Offer,
    OfferDraft,
    OfferStatus,
    Take,
    TakeOutcome,
    TakeResult,
)
from bot.services.broadcast import Progress
from bot.services.events import EventBus
from bot.services.safeguarding import OverCap


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

    async def add(self, new: NewReminder, now: float) -> Reminder | None:
        if new.key in self.states:
            return None
        reminder = Reminder(
            len(self.reminders) + 1,
            new.key,
            new.kind,
            new.request_id,
            new.series_id,
            new.user_id,
            new.due_at,
        )
        self.reminders.append(reminder)
        self.states[new.key] = "pending"
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

    async def release(self, reminder_id: int) -> None:
        for reminder in self.reminders:
            if reminder.id == reminder_id and self.states[reminder.key] == "fired":
                self.states[reminder.key] = "pending"

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
    `exclude`, volunteers pinged this round already or who declined or handed back the
    request (given `pings`), and stops at `limit`.
    `held` candidates are the ones resting (quiet hours, the caps). Every call is kept."""

    def __init__(
        self,
        candidates: list[Candidate],
        pings: FakePings | None = None,
        held: list[Candidate] | None = None,
    ) -> None:
        self.candidates_ = list(candidates)
        self.held = list(held or [])
        # Found only with a stretch (ESCALATE_STRETCH_KM): just beyond their own radius.
        self.beyond: list[Candidate] = []
        self._pings = pings
        self.calls: list[Search] = []

    async def candidates(self, search: Search) -> list[Candidate]:
        self.calls.append(search)
        # As the repository's query: nobody asked this round, nor anyone who ever
        # declined this request or handed it back.
        asked = (
            {
                p.volunteer_id
                for p in await self._pings.for_request(search.request_id)
                if p.round == search.round or p.answer in ("declined", "released")
            }
            if self._pings is not None
            else set()
        )
        beyond = self.beyond if search.stretch_km > 0 else []
        found = [
            c
            for c in (self.held if search.held else self.candidates_ + beyond)
            if c.volunteer.user_id not in search.exclude and c.volunteer.user_id not in asked
        ]
        return found if search.limit is None else found[: search.limit]


class FakeRequests:
    """bot.services.ports.Requests, DeskRequests and ChaserRequests over a dict: each
    change is conditional as the repository's UPDATE is (None when it no longer held),
    and `audit` keeps (request id, actor, action) as the audit table does."""

    def __init__(self, *requests: HelpRequest) -> None:
        self.by_id = {r.id: r for r in requests}
        self.audit: list[tuple[int, int | None, str, float]] = []

    def _next_id(self) -> int:
        return max(self.by_id, default=0) + 1

    async def get(self, request_id: int) -> HelpRequest | None:
        return self.by_id.get(request_id)

    async def mark_announced(self, request_id: int, now: float) -> None:
        request = self.by_id[request_id]
        if request.announced_at is None:
            self.by_id[request_id] = replace(request, announced_at=now)

    async def create(self, new: NewRequest, now: float) -> HelpRequest:
        request = HelpRequest(
            self._next_id(),
            new.when,
            new.due_at,
            new.safety_code,
            RequestStatus.OPEN,
            None,
            1,
            None,
            now,
            **new.need_fields(),
            expires_at=new.expires_at,
            series_id=new.series_id,
            contact_name=new.contact_name,
            contact_phone=new.contact_phone,
            on_behalf_of=new.on_behalf_of,
            linked_to=new.linked_to,
            prescription=new.prescription,
        )
        self.by_id[request.id] = request
        self.audit.append((request.id, new.on_behalf_of or new.requester_id, "->open", now))
        return request

    async def open_like(
        self, category: Category, *, requester_id: int | None = None, phone: str | None = None
    ) -> HelpRequest | None:
        def digits(text: str | None) -> str:
            return "".join(ch for ch in text or "" if ch.isdigit())

        for request in sorted(self.by_id.values(), key=lambda r: -r.id):
            if request.category is not category or request.status not in _LIVE:
                continue
            if requester_id is not None and request.requester_id == requester_id:
                return request
            if (
                requester_id is None
                and request.requester_id is None
                and digits(phone)
                and digits(request.contact_phone) == digits(phone)
            ):
                return request
        return None

    async def add_to(
        self, request_id: int, addition: str, actor_id: int, now: float, *, limit: int
    ) -> HelpRequest | None:
        request = self.by_id.get(request_id)
        added = f"\n➕ {addition}"
        if (
            request is None
            or request.status not in _LIVE
            or len(request.description) + len(added) > limit
        ):
            return None
        self.audit.append((request_id, actor_id, "added to", now))
        return self._set(request, description=request.description + added)

    async def additions(self, request_id: int) -> list[float]:
        return [
            at for rid, _a, action, at in self.audit if rid == request_id and action == "added to"
        ]

    async def linked_from(self, request_id: int) -> list[int]:
        return sorted(r.id for r in self.by_id.values() if r.linked_to == request_id)

    async def load_of(self, requester_id: int, since: float) -> tuple[int, int]:
        theirs = [r for r in self.by_id.values() if r.requester_id == requester_id]
        return (
            sum(r.status in _LIVE for r in theirs),
            sum(r.created_at >= since for r in theirs),
        )

    def _set(self, request: HelpRequest, **changes: Any) -> HelpRequest:
        changed = replace(request, **changes)
        self.by_id[request.id] = changed
        return changed

    def _transition(
        self,
        request_id: int,
        actor_id: int | None,
        allowed: Collection[RequestStatus],
        to: RequestStatus,
        now: float,
        holds: bool = True,
        **changes: Any,
    ) -> tuple[HelpRequest, int | None] | None:
        request = self.by_id.get(request_id)
        if request is None or request.status not in allowed or not holds:
            return None
        self.audit.append((request_id, actor_id, f"{request.status.value}->{to.value}", now))
        return self._set(request, status=to, **changes), request.volunteer_id

    async def claim(self, request_id: int, volunteer_id: int, now: float) -> HelpRequest | None:
        done = self._transition(
            request_id,
            volunteer_id,
            (RequestStatus.OPEN,),
            RequestStatus.CLAIMED,
            now,
            volunteer_id=volunteer_id,
            claimed_at=now,
        )
        return done[0] if done else None

    def _held(self, request_id: int, volunteer_id: int) -> bool:
        request = self.by_id.get(request_id)
        return request is not None and request.volunteer_id == volunteer_id

    async def release(self, request_id: int, volunteer_id: int, now: float) -> HelpRequest | None:
        request = self.by_id.get(request_id)
        done = self._transition(
            request_id,
            volunteer_id,
            (RequestStatus.CLAIMED,),
            RequestStatus.OPEN,
            now,
            holds=self._held(request_id, volunteer_id),
            volunteer_id=None,
            claimed_at=None,
            round=request.round + 1 if request else 0,
        )
        return done[0] if done else None

    async def complete(self, request_id: int, volunteer_id: int, now: float) -> HelpRequest | None:
        done = self._transition(
            request_id,
            volunteer_id,
            (RequestStatus.CLAIMED,),
            RequestStatus.DONE,
            now,
            holds=self._held(request_id, volunteer_id),
        )
        return done[0] if done else None

    async def rebook_asap(self, request_id: int, actor_id: int, now: float) -> HelpRequest | None:
        request = self.by_id.get(request_id)
        if (
            request is None
            or request.status is not RequestStatus.OPEN
            or request.when is not When.AT
        ):
            return None
        self.audit.append((request_id, actor_id, "rebooked:asap", now))
        return self._set(request, when=When.ASAP, due_at=None)

    async def cancel(
        self, request_id: int, actor_id: int, now: float, *, as_requester: bool
    ) -> tuple[HelpRequest, int | None] | None:
        request = self.by_id.get(request_id)
        return self._transition(
            request_id,
            actor_id,
            _LIVE,
            RequestStatus.CANCELLED,
            now,
            holds=not as_requester or (request is not None and request.requester_id == actor_id),
        )

    async def expire(self, request_id: int, now: float) -> HelpRequest | None:
        done = self._transition(
            request_id, None, (RequestStatus.OPEN,), RequestStatus.EXPIRED, now
        )
        return done[0] if done else None

    async def cancelled_by_requester(self, request_id: int) -> bool:
        request = self.by_id.get(request_id)
        cancelling = [
            actor
            for rid, actor, action, _at in self.audit
            if rid == request_id and action.endswith("->cancelled")
        ]
        return bool(cancelling) and request is not None and cancelling[-1] == request.requester_id

    async def name_collector(self, request_id: int, volunteer_id: int, now: float) -> None:
        self.audit.append((request_id, volunteer_id, "named collector", now))

    async def note(
        self, request_id: int, actor_id: int | None, action: str, now: float, note: str = ""
    ) -> None:
        self.audit.append((request_id, actor_id, f"{action}:{note}" if note else action, now))

    async def set_feedback(
        self, request_id: int, requester_id: int, got_help: bool, coordinator: bool = False
    ) -> bool:
        request = self.by_id.get(request_id)
        if request is None or request.status is not RequestStatus.DONE or request.feedback:
            return False
        theirs = (
            request.requester_id == requester_id
            or request.on_behalf_of == requester_id
            or (coordinator and request.requester_id is None and request.by_phone)
        )
        if theirs:
            self._set(request, feedback="yes" if got_help else "no")
        return theirs

    async def by_requester(self, requester_id: int, limit: int = 10) -> list[HelpRequest]:
        theirs = [r for r in self.by_id.values() if r.requester_id == requester_id]
        return sorted(theirs, key=lambda r: -r.id)[:limit]

    async def held_by(self, volunteer_id: int) -> list[HelpRequest]:
        return sorted(
            (
                r
                for r in self.by_id.values()
                if r.volunteer_id == volunteer_id and r.status is RequestStatus.CLAIMED
            ),
            key=lambda r: r.id,
        )

    async def open_and_overdue(self, now: float, limit: int) -> tuple[list[HelpRequest], int]:
        found = sorted(
            (
                r
                for r in self.by_id.values()
                if r.status is RequestStatus.OPEN
                or (r.status is RequestStatus.CLAIMED and r.due_at is not None and r.due_at < now)
            ),
            key=lambda r: (r.created_at, r.id),
        )
        return found[:limit], len(found)


_LIVE = (RequestStatus.OPEN, RequestStatus.CLAIMED)


class FakePings:
    """bot.services.ports.Pings: one ping per volunteer a round, as the table's key."""

    def __init__(self) -> None:
        self.pings: list[Ping] = []

    async def add(self, new: NewPing, now: float) -> int | None:
        if any(
            p.request_id == new.request_id
            and p.volunteer_id == new.volunteer_id
            and p.round == new.round
            for p in self.pings
        ):
            return None
        ping = Ping(
            len(self.pings) + 1,
            new.request_id,
            new.volunteer_id,
            new.round,
            new.wave,
            new.distance_km,
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

    async def find(self, request_id: int, volunteer_id: int, round_: int) -> Ping | None:
        return next(
            (
                p
                for p in await self.for_request(request_id, round_)
                if p.volunteer_id == volunteer_id
            ),
            None,
        )

    async def set_message(self, ping_id: int, chat_id: int, message_id: int) -> None:
        self.pings = [
            replace(p, chat_id=chat_id, message_id=message_id) if p.id == ping_id else p
            for p in self.pings
        ]

    async def set_answer(self, ping_id: int, answer: str) -> bool:
        ping = next((p for p in self.pings if p.id == ping_id), None)
        if ping is None or ping.answer is not None:
            return False
        self.pings = [replace(p, answer=answer) if p.id == ping_id else p for p in self.pings]
        return True

    async def mark_released(self, request_id: int, volunteer_id: int) -> None:
        self.pings = [
            replace(p, answer="released")
            if (p.request_id, p.volunteer_id, p.answer) == (request_id, volunteer_id, "accepted")
            else p
            for p in self.pings
        ]

    async def handed_back(self, request_id: int, volunteer_id: int) -> bool:
        return any(
            (p.request_id, p.volunteer_id, p.answer) == (request_id, volunteer_id, "released")
            for p in self.pings
        )

    def answers(self, request_id: int) -> dict[int, str | None]:
        """volunteer id -> their latest round's answer."""
        return {p.volunteer_id: p.answer for p in self.pings if p.request_id == request_id}

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


# --- the help desk and the chaser ---------------------------------------------------------


class FakeVolunteers(FakeCandidateSearch):
    """bot.services.ports.Volunteers: the candidates (and the resting ones) are known by
    id, as are `others` (pending, held, removed: never candidates)."""

    def __init__(
        self,
        candidates: list[Candidate],
        pings: FakePings | None = None,
        held: list[Candidate] | None = None,
        others: Collection[Volunteer] = (),
    ) -> None:
        super().__init__(candidates, pings, held)
        self.by_id = {c.volunteer.user_id: c.volunteer for c in [*candidates, *(held or [])]}
        self.by_id.update({v.user_id: v for v in others})

    async def get(self, user_id: int) -> Volunteer | None:
        return self.by_id.get(user_id)

    async def pingable(self) -> list[Volunteer]:
        return [
            v
            for v in self.by_id.values()
            if v.status is VolunteerStatus.APPROVED and not v.paused and not v.held
        ]


class FakeSeries:
    """bot.services.ports.SeriesBook over a dict."""

    def __init__(self) -> None:
        self.by_id: dict[int, Series] = {}

    async def create(self, new: NewSeries, now: float) -> Series:
        series = Series(
            id=len(self.by_id) + 1,
            **new.need_fields(),
            every=new.every,
            next_due_at=new.next_due_at,
            local_time=new.local_time,
            active=True,
        )
        self.by_id[series.id] = series
        return series

    async def get(self, series_id: int) -> Series | None:
        return self.by_id.get(series_id)

    async def advance(self, series_id: int, from_due_at: float, to_due_at: float) -> bool:
        series = self.by_id.get(series_id)
        if series is None or not series.active or series.next_due_at != from_due_at:
            return False
        self.by_id[series_id] = replace(series, next_due_at=to_due_at)
        return True

    async def stop(self, series_id: int, requester_id: int) -> bool:
        series = self.by_id.get(series_id)
        if series is None or not series.active or series.requester_id != requester_id:
            return False
        self.by_id[series_id] = replace(series, active=False)
        return True

    async def active_of(self, requester_id: int) -> list[Series]:
        return [s for s in self.by_id.values() if s.requester_id == requester_id and s.active]


@dataclass
class FakeCoordinators:
    """bot.services.ports.CoordinatorCheck."""

    ids: set[int] = field(default_factory=set)

    async def is_coordinator(self, user_id: int) -> bool:
        return user_id in self.ids


@dataclass
class FakeAddresses:
    """bot.services.ports.AddressesShown: `shown_to` holds (request id, volunteer id) of
    the address messages that reached a chat (a test's subscriber adds them, as the
    Telegram side's address subscriber does)."""

    shown_to: set[tuple[int, int]] = field(default_factory=set)

    async def shown(self, request_id: int, volunteer_id: int) -> bool:
        return (request_id, volunteer_id) in self.shown_to


@dataclass
class FakeDigestFigures:
    """bot.services.ports.DigestFigures: the same figures whenever asked."""

    figures: Digest = field(default_factory=lambda: Digest(0, 0, 0, [], []))

    async def digest(self, now: float) -> Digest:
        return self.figures


# --- offers --------------------------------------------------------------------------------


@dataclass
class _NoticeRow:
    day: str
    message_id: int | None = None
    shown: str = "open"


class FakeOfferBook:
    """bot.services.ports.OfferBook in memory, with the repository's rules: a take is
    refused to the offerer, to a second take by the same member, once none is left, and
    once closed or past its time; a notice is reserved once per offer and chat, within
    the chat's cap for its day. `listeners` are who listens for offers, wherever they are
    (no bounding box: the service checks the distance)."""

    def __init__(self, listeners: Collection[Listener] = ()) -> None:
        self.offers: dict[int, Offer] = {}
        self.takes: list[Take] = []
        self.notices: dict[tuple[int, int], _NoticeRow] = {}
        self.listeners = {listener.user_id: listener for listener in listeners}

    async def create(self, offerer_id: int, draft: OfferDraft, now: float) -> Offer:
        offer = Offer(
            len(self.offers) + 1,
            offerer_id,
            draft.kind,
            draft.description,
            draft.units,
            0,
            draft.lat,
            draft.lon,
            draft.until_at,
            OfferStatus.OPEN,
            now,
            None,
        )
        self.offers[offer.id] = offer
        return offer

    async def get(self, offer_id: int) -> Offer | None:
        return self.offers.get(offer_id)

    async def of_offerer(self, offerer_id: int, limit: int) -> list[Offer]:
        theirs = [o for o in self.offers.values() if o.offerer_id == offerer_id]
        theirs.sort(key=lambda o: (o.status is not OfferStatus.OPEN, -o.created_at, -o.id))
        return theirs[:limit]

    async def open_near(self, lat: float, lon: float, radius_km: float, now: float) -> list[Offer]:
        return [
            o for o in self.offers.values() if o.status is OfferStatus.OPEN and o.until_at > now
        ]

    async def take(self, offer_id: int, taker_id: int, now: float) -> TakeResult:
        offer = self.offers.get(offer_id)
        if offer is None:
            return TakeResult(TakeOutcome.NOT_FOUND)
        if offer.offerer_id == taker_id:
            return TakeResult(TakeOutcome.OWN, offer)
        mine = next(
            (t for t in self.takes if (t.offer_id, t.taker_id) == (offer_id, taker_id)), None
        )
        if mine is not None:
            return TakeResult(TakeOutcome.ALREADY, offer, mine)
        if (
            offer.status is not OfferStatus.OPEN
            or offer.taken >= offer.units
            or offer.until_at <= now
            or offer.offerer_id is None
        ):
            return TakeResult(TakeOutcome.GONE, offer)
        last = offer.taken + 1 >= offer.units
        offer = replace(
            offer,
            taken=offer.taken + 1,
            status=OfferStatus.GONE if last else OfferStatus.OPEN,
            closed_at=now if last else offer.closed_at,
        )
        self.offers[offer_id] = offer
        take = Take(len(self.takes) + 1, offer_id, taker_id, now)
        self.takes.append(take)
        return TakeResult(TakeOutcome.OK, offer, take)

    def _end(
        self, offer_id: int, to: OfferStatus, now: float, theirs: bool = True
    ) -> Offer | None:
        offer = self.offers.get(offer_id)
        if offer is None or offer.status is not OfferStatus.OPEN or not theirs:
            return None
        self.offers[offer_id] = replace(offer, status=to, closed_at=now)
        return self.offers[offer_id]

    async def close(self, offer_id: int, offerer_id: int, now: float) -> Offer | None:
        offer = self.offers.get(offer_id)
        return self._end(
            offer_id, OfferStatus.CLOSED, now, offer is not None and offer.offerer_id == offerer_id
        )

    async def expire(self, offer_id: int, now: float) -> Offer | None:
        return self._end(offer_id, OfferStatus.EXPIRED, now)

    async def open_of(self, offerer_id: int) -> list[int]:
        return [
            o.id
            for o in self.offers.values()
            if o.offerer_id == offerer_id and o.status is OfferStatus.OPEN
        ]

    async def takes_of(self, offer_id: int) -> list[Take]:
        return [t for t in self.takes if t.offer_id == offer_id]

    async def get_take(self, take_id: int) -> Take | None:
        return next((t for t in self.takes if t.id == take_id), None)

    async def reserve_notice(
        self, offer_id: int, chat_id: int, day: str, cap: int | None, now: float
    ) -> bool:
        that_day = [
            key for key, row in self.notices.items() if key[1] == chat_id and row.day == day
        ]
        if (cap is not None and len(that_day) >= cap) or (offer_id, chat_id) in self.notices:
            return False
        self.notices[offer_id, chat_id] = _NoticeRow(day)
        return True

    async def set_notice_message(self, offer_id: int, chat_id: int, message_id: int) -> None:
        self.notices[offer_id, chat_id].message_id = message_id

    async def drop_notice(self, offer_id: int, chat_id: int) -> None:
        self.notices.pop((offer_id, chat_id), None)

    async def notices_of(self, offer_id: int) -> list[Notice]:
        return [
            Notice(o, chat_id, row.message_id, row.shown)
            for (o, chat_id), row in self.notices.items()
            if o == offer_id and row.message_id is not None
        ]

    async def set_shown(self, offer_id: int, chat_id: int, shown: str) -> None:
        self.notices[offer_id, chat_id].shown = shown

    async def listen(self, user_id: int, where: tuple[float, float] | None, now: float) -> None:
        lat, lon = where if where is not None else (0.0, 0.0)
        self.listeners[user_id] = Listener(user_id, lat, lon)

    async def stop_listening(self, user_id: int) -> None:
        self.listeners.pop(user_id, None)

    async def is_listening(self, user_id: int) -> bool:
        return user_id in self.listeners

    async def place_of(self, user_id: int) -> tuple[float, float] | None:
        listener = self.listeners.get(user_id)
        return None if listener is None else (listener.lat, listener.lon)

    async def listeners_near(self, lat: float, lon: float, radius_km: float) -> list[Listener]:
        return list(self.listeners.values())

    def told(self, offer_id: int) -> dict[int, str]:
        """chat id -> what its notice shows, of the notices that were sent."""
        return {
            chat_id: row.shown
            for (o, chat_id), row in self.notices.items()
            if o == offer_id and row.message_id is not None
        }


@dataclass
class FakeLinkedChats:
    """bot.services.ports.LinkedChats."""

    chats: list[GroupChat] = field(default_factory=list)

    async def linked(self) -> list[GroupChat]:
        return list(self.chats)


@dataclass
class FakeOfferNews:
    """bot.services.offers.OfferNews: what each member, chat and offerer was told, in
    order. `unreachable` chats get nothing (None); `stuck` notices can't be edited."""

    unreachable: set[int] = field(default_factory=set)
    stuck: set[int] = field(default_factory=set)
    notices: list[tuple[int, int, float, bool]] = field(default_factory=list)
    posts: list[tuple[int, int]] = field(default_factory=list)
    retired: list[tuple[int, int, str]] = field(default_factory=list)
    refreshed: list[tuple[int, int, int]] = field(default_factory=list)  # offer, chat, left
    taken_news: list[tuple[int, int | None, str]] = field(default_factory=list)
    ended_news: list[tuple[int, list[int | None]]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(500))

    async def notice(
        self, offer: Offer, user_id: int, distance_km: float, *, silent: bool = False
    ) -> int | None:
        if user_id in self.unreachable:
            return None
        self.notices.append((offer.id, user_id, distance_km, silent))
        return next(self._ids)

    async def group_post(self, offer: Offer, chat_id: int) -> int | None:
        if chat_id in self.unreachable:
            return None
        self.posts.append((offer.id, chat_id))
        return next(self._ids)

    async def retire(self, offer: Offer, notice: Notice) -> bool:
        if notice.chat_id in self.stuck:
            return False
        self.retired.append((offer.id, notice.chat_id, offer.status.value))
        return True

    async def refresh(self, offer: Offer, notice: Notice, distance_km: float | None) -> bool:
        if notice.chat_id in self.stuck:
            return False
        self.refreshed.append((offer.id, notice.chat_id, offer.left))
        return True

    async def taken(self, offer: Offer, take: Take, taker_name: str) -> None:
        self.taken_news.append((offer.id, take.taker_id, taker_name))

    async def ended(self, offer: Offer, takes: list[Take]) -> None:
        self.ended_news.append((offer.id, [t.taker_id for t in takes]))

    def noticed(self) -> list[int]:
        """Who got a notice, in the order they were sent."""
        return [user_id for _offer, user_id, _km, _silent in self.notices]


# --- building the things the fakes hold ------------------------------------------------------


def volunteer(
    user_id: int,
    *,
    status: VolunteerStatus = VolunteerStatus.APPROVED,
    checked: bool = False,
    held: bool = False,
    lat: float = 51.5,
    lon: float = -0.1,
) -> Volunteer:
    return Volunteer(
        user_id,
        f"V{user_id}",
        None,
        lat,
        lon,
        3.0,
        frozenset(Category),
        status,
        False,
        checked,
        held_at=1.0 if held else None,
    )


def candidate(user_id: int, km: float, held_until: float | None = None, **kw: Any) -> Candidate:
    return Candidate(volunteer(user_id, **kw), km, held_until)


def user(user_id: int, name: str = "", *, blocked: bool = False) -> User:
    return User(user_id, name or f"U{user_id}", None, 1.0, False, 1.0 if blocked else None)


def help_request(
    request_id: int,
    requester_id: int | None,
    *,
    category: Category = Category.GROCERIES,
    status: RequestStatus = RequestStatus.OPEN,
    volunteer_id: int | None = None,
    when: When = When.ASAP,
    due_at: float | None = None,
    round_: int = 1,
    created_at: float = 0.0,
    **more: Any,
) -> HelpRequest:
    return HelpRequest(
        request_id,
        when,
        due_at,
        "1234",
        status,
        volunteer_id,
        round_,
        None,
        created_at,
        requester_id=requester_id,
        category=category,
        description="Milk and bread",
        address="1 High St",
        lat=51.5,
        lon=-0.1,
        **more,
    )


# --- safeguarding ---------------------------------------------------------------------------


@dataclass
class _Money:
    pence: int | None = None
    receipt: str | None = None
    settled_at: float | None = None
    paid_back_at: float | None = None


class FakeSafeguardingBook:
    """bot.services.ports.SafeguardingBook over the requests and pings fakes (who asked,
    who holds a task and who was asked about it), with the repository's conditions on
    money; `audit` keeps (actor, action, request id, note)."""

    def __init__(self, requests: FakeRequests, pings: FakePings) -> None:
        self._requests = requests
        self._pings = pings
        self.concerns: list[Concern] = []
        self.handled_by: dict[int, int] = {}
        self.money: dict[int, _Money] = {}
        self.audit: list[tuple[int | None, str, int | None, str]] = []

    async def add_concern(
        self, request_id: int | None, reporter_id: int, role: str, text: str, now: float
    ) -> Concern:
        concern = Concern(len(self.concerns) + 1, request_id, reporter_id, role, text, now)
        self.concerns.append(concern)
        return concern

    async def concerns_about(self, request_id: int, limit: int = 3) -> list[Concern]:
        about = [c for c in self.concerns if c.request_id == request_id]
        return sorted(about, key=lambda c: -c.id)[:limit]

    async def take_concern(
        self, concern_id: int, coordinator_id: int, now: float
    ) -> tuple[bool, int | None] | None:
        if not any(c.id == concern_id for c in self.concerns):
            return None
        if concern_id in self.handled_by:
            return False, self.handled_by[concern_id]
        self.handled_by[concern_id] = coordinator_id
        return True, coordinator_id

    async def role_in(self, request_id: int, user_id: int) -> str | None:
        request = await self._requests.get(request_id)
        if request is None:
            return None
        if request.requester_id == user_id:
            return "requester"
        asked = any(p.volunteer_id == user_id for p in await self._pings.for_request(request_id))
        return "volunteer" if request.volunteer_id == user_id or asked else None

    async def involved_in(self, user_id: int, limit: int = 6) -> list[tuple[int, Category]]:
        theirs = [
            r for r in self._requests.by_id.values() if user_id in (r.requester_id, r.volunteer_id)
        ]
        return [(r.id, r.category) for r in sorted(theirs, key=lambda r: -r.id)][:limit]

    def _done_by(self, request_id: int, volunteer_id: int | None) -> _Money | None:
        """The task's money row, if it is done (and, given a volunteer, theirs)."""
        request = self._requests.by_id.get(request_id)
        if request is None or request.status is not RequestStatus.DONE:
            return None
        if volunteer_id is not None and request.volunteer_id != volunteer_id:
            return None
        return self.money.setdefault(request_id, _Money())

    async def record_spend(
        self, request_id: int, volunteer_id: int, pence: int, now: float
    ) -> bool:
        money = self._done_by(request_id, volunteer_id)
        if money is None or money.settled_at is not None:
            return False
        money.pence = pence
        self.audit.append((volunteer_id, "spend:recorded", request_id, str(pence)))
        return True

    async def record_receipt(
        self, request_id: int, volunteer_id: int, file_id: str, now: float
    ) -> bool:
        money = self._done_by(request_id, volunteer_id)
        if money is None or money.settled_at is not None:
            return False
        money.receipt, money.settled_at = file_id, now
        return True

    async def settle_without_receipt(self, request_id: int, volunteer_id: int, now: float) -> bool:
        money = self._done_by(request_id, volunteer_id)
        if money is None or money.settled_at is not None or not money.pence:
            return False
        money.settled_at = now
        return True

    async def correct_spend(
        self, request_id: int, coordinator_id: int, correction: Correction, now: float
    ) -> int | None:
        money = self._done_by(request_id, None)
        if money is None:
            return None
        old = money.pence or 0
        money.pence = correction.pence
        money.receipt = correction.receipt_file_id or money.receipt
        money.settled_at = money.settled_at or now
        change = f"{old}->{correction.pence}"
        self.audit.append((coordinator_id, "spend:corrected", request_id, change))
        return old

    async def mark_paid_back(self, request_id: int, actor_id: int, now: float) -> bool:
        money = self._done_by(request_id, None)
        if (
            money is None
            or not money.pence
            or money.settled_at is None
            or money.paid_back_at is not None
        ):
            return False
        money.paid_back_at = now
        return True

    async def spending_of(self, request_id: int) -> Spending | None:
        if request_id not in self._requests.by_id:
            return None
        money = self.money.get(request_id, _Money())
        return Spending(money.pence, money.receipt, money.settled_at, money.paid_back_at)

    async def owed(self, limit: int = 20) -> tuple[int, int, list[tuple[int, int]]]:
        owed = sorted(
            (rid, m.pence) for rid, m in self.money.items() if m.pence and m.paid_back_at is None
        )
        return len(owed), sum(p for _r, p in owed), owed[:limit]

    async def flag_over_cap(self, request_id: int, pence: int, now: float) -> None:
        self.audit.append((None, "spend:over_cap", request_id, str(pence)))

    async def log_details_view(
        self, coordinator_id: int, request_id: int, subject_id: int | None, now: float
    ) -> None:
        self.audit.append((coordinator_id, "details:viewed", request_id, str(subject_id)))


@dataclass
class FakeSafeguardingNews:
    """bot.services.safeguarding.SafeguardingNews: what the coordinators were told;
    `reached` is how many coordinators a concern reaches."""

    reached: int = 2
    concerns: list[tuple[int, int | None, int, str, str, str]] = field(default_factory=list)
    over_caps: list[tuple[int, int, str, int, int, str]] = field(default_factory=list)
    receipts: list[tuple[int, int, str]] = field(default_factory=list)

    async def concern(
        self, concern: Concern, request: HelpRequest | None, reporter_name: str
    ) -> int:
        request_id = request.id if request else None
        reporter_id = concern.reporter_id
        assert reporter_id is not None  # told as it is raised
        told = (concern.id, request_id, reporter_id, reporter_name, concern.role, concern.text)
        self.concerns.append(told)
        return self.reached

    async def over_cap(self, spend: OverCap) -> None:
        self.over_caps.append(
            (
                spend.request.id,
                spend.volunteer_id,
                spend.volunteer_name,
                spend.pence,
                spend.cap_pence,
                spend.requester_name,
            )
        )

    async def receipt(self, request_id: int, pence: int, file_id: str) -> None:
        self.receipts.append((request_id, pence, file_id))
