"""The desk, the matchmaker, the chaser and the reminders built as bot.telegram.app builds
them, on the port fakes (tests/support/fakes.py): a street of volunteers and requests in
memory, on a clock a test moves, for unit tests of a request's life with no Bot and no
database.

Only the subscribers that decide something are wired, in bot.telegram.subscribers'
order: the reminders and the waves (`wired=False` leaves them out). The telling ones are
not: what a person would be told is what `outbox.added` records, in order. The pings and
address subscribers are stood in for by storing the ping's message and marking the
address shown, unless the volunteer is in `unreachable` (Telegram never delivered it)."""

from __future__ import annotations

from bot.config import Settings, parse_settings
from bot.domain.events import (
    RequestClaimed,
    RequestClosed,
    RequestDone,
    RequestOpened,
    RequestReleased,
    WaveDeferred,
    WaveSent,
)
from bot.domain.models import Candidate, HelpRequest, RequestStatus, User, Volunteer
from bot.services.chaser import Chaser
from bot.services.desk import HelpDesk
from bot.services.matching import Matchmaker
from bot.services.reminders import Reminders
from tests.support.fakes import (
    Clock,
    FakeAddresses,
    FakeAlarm,
    FakeCoordinators,
    FakeDigestFigures,
    FakePeople,
    FakePings,
    FakeReminderBook,
    FakeRequests,
    FakeSeries,
    FakeVolunteers,
    recording_bus,
)

HOUR = 3600.0


def settings(**overrides: str) -> Settings:
    return parse_settings(
        {
            "BOT_TOKEN": "123456:TEST-token",
            "DATABASE_PATH": "unused.db",
            "WAVE_SIZE": "2",
            "QUIET_HOURS": "off",
            **overrides,
        }
    )


class Street:
    def __init__(
        self,
        candidates: list[Candidate],
        *requests: HelpRequest,
        held: list[Candidate] | None = None,
        others: tuple[Volunteer, ...] = (),
        users: tuple[User, ...] = (),
        coordinators: tuple[int, ...] = (),
        wired: bool = True,
        now: float = 1_700_000_000.0,
        **overrides: str,
    ) -> None:
        self.settings = settings(**overrides)
        self.clock = Clock(now)
        self.requests = FakeRequests(*requests)
        self.pings = FakePings()
        self.volunteers = FakeVolunteers(candidates, self.pings, held, others)
        self.series = FakeSeries()
        self.people = FakePeople(*users)
        self.coordinators = FakeCoordinators(set(coordinators))
        self.addresses = FakeAddresses()
        self.unreachable: set[int] = set()
        self.book = FakeReminderBook()
        self.alarm = FakeAlarm(self.clock)
        self.bus, self.outbox = recording_bus(self.clock)
        self.reminders = Reminders(self.book, self.clock)
        self.reminders.attach(self.alarm)
        self.matchmaker = Matchmaker(
            self.settings, self.volunteers, self.requests, self.pings, self.bus, self.clock
        )
        self.chaser = Chaser(
            self.settings,
            self.reminders,
            self.requests,
            self.series,
            FakeDigestFigures(),
            self.matchmaker,
            self.bus,
            self.clock,
        )
        self.desk = HelpDesk(
            self.settings,
            self.people,
            self.volunteers,
            self.requests,
            self.pings,
            self.bus,
            self.matchmaker,
            self.chaser,
            self.series,
            self.coordinators,
            self.addresses,
            self.clock,
        )
        if wired:
            self._wire()

    def _wire(self) -> None:
        bus, chaser, requests = self.bus, self.chaser, self.requests

        async def opened(event: RequestOpened, _id: int) -> None:
            request = await requests.get(event.request_id)
            if request is not None:
                await chaser.opened(request)

        async def first_wave(event: RequestOpened | RequestReleased, _id: int) -> None:
            if isinstance(event, RequestReleased) and event.reason == "passed":
                return
            await self.matchmaker.first_wave(event.request_id)

        async def sent(event: WaveSent, _id: int) -> None:
            # The pings subscriber's part that decides: a ping that reached its volunteer
            # has its message stored (they may still answer it).
            for ping in await self.pings.for_request(event.request_id, event.round):
                if (
                    ping.volunteer_id in event.volunteer_ids
                    and ping.volunteer_id not in self.unreachable
                ):
                    await self.pings.set_message(ping.id, ping.volunteer_id, 1000 + ping.id)

        async def escalation(event: WaveSent, _id: int) -> None:
            request = await requests.get(event.request_id)
            if request is not None and request.round == event.round:
                await chaser.pinged(request, event.wave)

        async def wait(event: WaveDeferred, _id: int) -> None:
            request = await requests.get(event.request_id)
            if request is not None and request.round == event.round:
                await chaser.waiting(request, event.wave, event.at)

        async def claimed(event: RequestClaimed, _id: int) -> None:
            request = await requests.get(event.request_id)
            if (
                request is not None
                and request.status is RequestStatus.CLAIMED
                and request.volunteer_id == event.volunteer_id
            ):
                await chaser.claimed(request)

        async def address(event: RequestClaimed, _id: int) -> None:
            if event.volunteer_id not in self.unreachable:
                self.addresses.shown_to.add((event.request_id, event.volunteer_id))

        async def released(event: RequestReleased, _id: int) -> None:
            request = await requests.get(event.request_id)
            if request is not None:
                await chaser.released(request)

        async def closed(event: RequestDone | RequestClosed, _id: int) -> None:
            request = await requests.get(event.request_id)
            if request is not None:
                await chaser.closed(request)

        bus.on(RequestOpened, "reminders", opened)
        bus.on(RequestOpened, "first wave", first_wave)
        bus.on(WaveSent, "pings", sent)
        bus.on(WaveSent, "escalation", escalation)
        bus.on(WaveDeferred, "wait", wait)
        bus.on(RequestClaimed, "reminders", claimed)
        bus.on(RequestClaimed, "address", address)
        bus.on(RequestReleased, "reminders", released)
        bus.on(RequestReleased, "next wave", first_wave)
        bus.on(RequestDone, "reminders", closed)
        bus.on(RequestClosed, "reminders", closed)

    async def later(self, seconds: float) -> int:
        """Time passes: the alarm rings whenever it is set to, up to then; how many
        reminders fired. (A reminder the alarm was never set for never fires.)"""
        fired, end = 0, self.clock.now + seconds
        while True:
            ring_at = [r.at for r in self.alarm.set if not r.cancelled and r.at <= end]
            if not ring_at:
                break
            self.clock.now = max(self.clock.now, min(ring_at))
            before = sum(state == "fired" for state in self.book.states.values())
            await self.alarm.ring_due()
            fired += sum(state == "fired" for state in self.book.states.values()) - before
        self.clock.now = end
        return fired

    def pending(self) -> dict[str, float]:
        """Reminder key -> when it falls due, of those still pending."""
        return {
            r.key: r.due_at for r in self.book.reminders if self.book.states[r.key] == "pending"
        }

    async def request(self, request_id: int) -> HelpRequest:
        request = await self.requests.get(request_id)
        assert request is not None
        return request
