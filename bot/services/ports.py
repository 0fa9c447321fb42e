"""The narrow ports the services reach storage through (bot.db implements them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from bot.domain.broadcasts import Audience, Broadcast, Counts, Delivery, Recipient, Tried
from bot.domain.events import Claim, Event, StoredEvent
from bot.domain.figures import Digest
from bot.domain.models import (
    AddressMessage,
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
    Search,
    Series,
    Spending,
    User,
    Volunteer,
)
from bot.domain.offers import Listener, Notice, Offer, OfferDraft, Take, TakeResult


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
    bot.db.nearest.NearestVolunteers, which finds a wave nearest first; on PostgreSQL the
    repository's PostGIS query, or bot.db.nearest_postgis.PostgisNearest, a KNN walk
    (`ORDER BY position <-> point`). Every implementation finds the same people in the
    same order."""

    async def candidates(self, search: Search) -> list[Candidate]: ...


class Members(Protocol):
    """Who someone is (bot.db.UserRepository): their first name, whether they blocked us."""

    async def get(self, user_id: int) -> User | None: ...


class People(Members, Protocol):
    """Who someone is, and marking them unreachable (bot.db.UserRepository)."""

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

    async def add(self, ping: NewPing, now: float) -> int | None:
        """Record a ping before it is sent; None if this volunteer had one this round."""
        ...

    async def for_request(self, request_id: int, round_: int | None = None) -> list[Ping]:
        """In the order they were recorded; every round's when `round_` is None."""
        ...

    async def find(self, request_id: int, volunteer_id: int, round_: int) -> Ping | None:
        """The one ping this volunteer had in that round, if any."""
        ...

    async def last_wave(self, request_id: int, round_: int) -> int:
        """The round's latest wave (0: none yet)."""
        ...


class ReminderBook(Protocol):
    """Stored reminders (bot.db.reminders): a key is used once, and a reminder is claimed
    before it acts, so that it fires once."""

    async def add(self, new: NewReminder, now: float) -> Reminder | None:
        """None if one with this key exists already (in any state)."""
        ...

    async def claim(self, reminder_id: int, now: float) -> Reminder | None:
        """Pending -> fired; None if it already fired or was cancelled."""
        ...

    async def release(self, reminder_id: int) -> None:
        """A fired reminder whose action the database cut short: pending again."""
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


# --- the help desk (bot.services.desk) and the chaser (bot.services.chaser) ----------------


class Volunteers(CandidateSearch, Protocol):
    """Volunteers as the desk reads them (bot.db.VolunteerRepository): one by id, and the
    candidates a coordinator may hand a request to."""

    async def get(self, user_id: int) -> Volunteer | None: ...

    async def pingable(self) -> list[Volunteer]:
        """Every volunteer matching may ask about something (see bot.db.volunteers.PINGABLE)."""
        ...


class DeskRequests(Protocol):
    """A request's life as the desk changes it (bot.db.RequestRepository). Every change
    is one conditional UPDATE with its audit row: it returns the request as it became, or
    None when the condition no longer held (taken, handed back, closed meanwhile), which
    is what makes one of two presses the winner."""

    async def get(self, request_id: int) -> HelpRequest | None: ...

    async def create(self, new: NewRequest, now: float) -> HelpRequest: ...

    async def open_like(
        self, category: Category, *, requester_id: int | None = None, phone: str | None = None
    ) -> HelpRequest | None: ...

    async def add_to(
        self, request_id: int, addition: str, actor_id: int, now: float, *, limit: int
    ) -> HelpRequest | None:
        """Open or taken, and still within `limit` with the addition."""
        ...

    async def additions(self, request_id: int) -> list[float]: ...

    async def load_of(self, requester_id: int, since: float) -> tuple[int, int]:
        """(open or taken now, made since `since`)."""
        ...

    async def claim(self, request_id: int, volunteer_id: int, now: float) -> HelpRequest | None:
        """Open -> claimed by this volunteer."""
        ...

    async def release(self, request_id: int, volunteer_id: int, now: float) -> HelpRequest | None:
        """Claimed by this volunteer -> open, in the next round."""
        ...

    async def complete(self, request_id: int, volunteer_id: int, now: float) -> HelpRequest | None:
        """Claimed by this volunteer -> done."""
        ...

    async def rebook_asap(self, request_id: int, actor_id: int, now: float) -> HelpRequest | None:
        """Open and booked for a time -> as soon as possible."""
        ...

    async def cancel(
        self, request_id: int, actor_id: int, now: float, *, as_requester: bool
    ) -> tuple[HelpRequest, int | None] | None:
        """Open or claimed -> cancelled (`as_requester`: only by its requester); with the
        volunteer who held it."""
        ...

    async def cancelled_by_requester(self, request_id: int) -> bool:
        """Cancelled by its requester themselves (not a coordinator, not expired)."""
        ...

    async def name_collector(self, request_id: int, volunteer_id: int, now: float) -> None: ...

    async def note(
        self, request_id: int, actor_id: int | None, action: str, now: float, note: str = ""
    ) -> None: ...

    async def set_feedback(
        self, request_id: int, requester_id: int, got_help: bool, coordinator: bool = False
    ) -> bool:
        """A done request's "did you get the help?", once."""
        ...

    async def by_requester(self, requester_id: int, limit: int = 10) -> list[HelpRequest]: ...

    async def held_by(self, volunteer_id: int) -> list[HelpRequest]: ...

    async def open_and_overdue(self, now: float, limit: int) -> tuple[list[HelpRequest], int]: ...


class DeskPings(Protocol):
    """Pings as the desk answers them (bot.db.PingRepository)."""

    async def add(self, ping: NewPing, now: float) -> int | None:
        """None if this volunteer had one this round."""
        ...

    async def find(self, request_id: int, volunteer_id: int, round_: int) -> Ping | None: ...

    async def for_request(self, request_id: int, round_: int | None = None) -> list[Ping]: ...

    async def set_answer(self, ping_id: int, answer: str) -> bool:
        """Once: False if it was answered already."""
        ...

    async def mark_released(self, request_id: int, volunteer_id: int) -> None:
        """Their accepted ping becomes 'released': never asked about it again."""
        ...

    async def handed_back(self, request_id: int, volunteer_id: int) -> bool: ...


class SeriesSteps(Protocol):
    """A repeating request's next occurrence (bot.db.series.SeriesRepository)."""

    async def get(self, series_id: int) -> Series | None: ...

    async def advance(self, series_id: int, from_due_at: float, to_due_at: float) -> bool:
        """Moves on once: False if it had moved on already (or was stopped)."""
        ...


class SeriesBook(SeriesSteps, Protocol):
    """Repeating requests as their requester starts and stops them."""

    async def create(self, new: NewSeries, now: float) -> Series: ...

    async def stop(self, series_id: int, requester_id: int) -> bool: ...

    async def active_of(self, requester_id: int) -> list[Series]: ...


class CoordinatorCheck(Protocol):
    """Whether someone is a coordinator now (bot.services.coordination.Coordinators)."""

    async def is_coordinator(self, user_id: int) -> bool: ...


class AddressesShown(Protocol):
    """Whether a task's address reached its volunteer's chat
    (bot.services.addresses.AddressMessages)."""

    async def shown(self, request_id: int, volunteer_id: int) -> bool: ...


class ChaserRequests(Protocol):
    """Requests as the chaser reads, expires and repeats them (bot.db.RequestRepository)."""

    async def get(self, request_id: int) -> HelpRequest | None: ...

    async def expire(self, request_id: int, now: float) -> HelpRequest | None:
        """Open -> expired; None if it was no longer open."""
        ...

    async def create(self, new: NewRequest, now: float) -> HelpRequest: ...


class DigestFigures(Protocol):
    """The daily digest's figures (bot.db.stats.StatsRepository)."""

    async def digest(self, now: float) -> Digest: ...


# --- offers (bot.services.offers) ------------------------------------------------------------


class OfferBook(Protocol):
    """Offers, their takes and notices, and who listens for them (bot.db.offers). A take
    is one conditional UPDATE: exactly as many takers as units, never the offerer, once
    each, only while open and before its time; the last unit makes it gone."""

    async def create(self, offerer_id: int, draft: OfferDraft, now: float) -> Offer: ...

    async def get(self, offer_id: int) -> Offer | None: ...

    async def of_offerer(self, offerer_id: int, limit: int) -> list[Offer]: ...

    async def open_near(self, lat: float, lon: float, radius_km: float, now: float) -> list[Offer]:
        """Open ones in the circle's bounding box (the caller checks the distance)."""
        ...

    async def take(self, offer_id: int, taker_id: int, now: float) -> TakeResult: ...

    async def close(self, offer_id: int, offerer_id: int, now: float) -> Offer | None:
        """Open and theirs -> closed."""
        ...

    async def expire(self, offer_id: int, now: float) -> Offer | None:
        """Open -> expired."""
        ...

    async def open_of(self, offerer_id: int) -> list[int]: ...

    async def takes_of(self, offer_id: int) -> list[Take]: ...

    async def get_take(self, take_id: int) -> Take | None: ...

    async def reserve_notice(
        self, offer_id: int, chat_id: int, day: str, cap: int | None, now: float
    ) -> bool:
        """Once per offer and chat, and (with a `cap`) while the chat has had fewer than
        `cap` notices on this local day."""
        ...

    async def set_notice_message(self, offer_id: int, chat_id: int, message_id: int) -> None: ...

    async def drop_notice(self, offer_id: int, chat_id: int) -> None:
        """Not sent after all: it does not count against the day's cap."""
        ...

    async def notices_of(self, offer_id: int) -> list[Notice]:
        """The ones sent (with a message id)."""
        ...

    async def set_shown(self, offer_id: int, chat_id: int, shown: str) -> None: ...

    async def listen(
        self, user_id: int, where: tuple[float, float] | None, now: float
    ) -> None: ...

    async def stop_listening(self, user_id: int) -> None: ...

    async def is_listening(self, user_id: int) -> bool: ...

    async def place_of(self, user_id: int) -> tuple[float, float] | None: ...

    async def listeners_near(self, lat: float, lon: float, radius_km: float) -> list[Listener]:
        """Listening members in the circle's bounding box (the caller checks the distance)."""
        ...


class LinkedChats(Protocol):
    """The group chats linked to the bot (bot.db.groupchats.GroupChatRepository)."""

    async def linked(self) -> list[GroupChat]: ...


# --- safeguarding (bot.services.safeguarding) ------------------------------------------------


class SafeguardingRequests(Protocol):
    """Requests as safeguarding reads them (bot.db.RequestRepository)."""

    async def get(self, request_id: int) -> HelpRequest | None: ...

    async def additions(self, request_id: int) -> list[float]: ...

    async def linked_from(self, request_id: int) -> list[int]: ...


class SafeguardingBook(Protocol):
    """Concerns, money spent on someone's behalf and the audit of coordinators' looks
    (bot.db.safeguarding.SafeguardingRepository). A spend is the done task's volunteer's
    to record until it is settled (its receipt in, or none); then only a coordinator
    corrects it."""

    async def add_concern(
        self, request_id: int | None, reporter_id: int, role: str, text: str, now: float
    ) -> Concern: ...

    async def concerns_about(self, request_id: int, limit: int = 3) -> list[Concern]: ...

    async def take_concern(
        self, concern_id: int, coordinator_id: int, now: float
    ) -> tuple[bool, int | None] | None:
        """(True, them) if they now handle it, (False, who does) if someone did already;
        None if there is no such concern."""
        ...

    async def role_in(self, request_id: int, user_id: int) -> str | None:
        """'requester', 'volunteer' (holds or held it, or was asked), or None."""
        ...

    async def involved_in(self, user_id: int, limit: int = 6) -> list[tuple[int, Category]]: ...

    async def record_spend(
        self, request_id: int, volunteer_id: int, pence: int, now: float
    ) -> bool: ...

    async def record_receipt(
        self, request_id: int, volunteer_id: int, file_id: str, now: float
    ) -> bool: ...

    async def settle_without_receipt(
        self, request_id: int, volunteer_id: int, now: float
    ) -> bool: ...

    async def correct_spend(
        self, request_id: int, coordinator_id: int, correction: Correction, now: float
    ) -> int | None:
        """The old amount (0: none); None if there is no such done task."""
        ...

    async def mark_paid_back(self, request_id: int, actor_id: int, now: float) -> bool:
        """Settled, not yet paid back -> paid back."""
        ...

    async def spending_of(self, request_id: int) -> Spending | None: ...

    async def owed(self, limit: int = 20) -> tuple[int, int, list[tuple[int, int]]]: ...

    async def flag_over_cap(self, request_id: int, pence: int, now: float) -> None: ...

    async def log_details_view(
        self, coordinator_id: int, request_id: int, subject_id: int | None, now: float
    ) -> None: ...
