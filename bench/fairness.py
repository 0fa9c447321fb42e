"""A month of a neighbourhood, simulated: how quick and how fair matching is, against the
three ways groups usually do it, on the same month with the same random seed.

    .venv/bin/python -m bench.fairness [--days 30] [--volunteers 200] [--households 3000]
        [--requests-per-day 15] [--seed 18] [--chart docs/fairness.png]

A ward of a few thousand households and a couple of hundred volunteers, who signed up
with what the /volunteer form offers (radius buttons, kinds of help, usually-free times,
quiet hours). Requests arrive by hour of day and kind (shopping, prescriptions, dog
walks, phone calls, recurring weekly help). Each pinged volunteer looks at the ping after
a random delay (in the morning, if it came while they slept) and takes it with a
probability that falls with distance, late hours and the tasks they did this week; some
decline, some ignore it, and some who took one hand it back.

The project's own services do the work, as in the bot: HelpDesk, Matchmaker, Chaser and
Reminders on a real SQLite file, through the real Messenger and python-telegram-bot's
Bot. Replaced are only Telegram (an HTTP stand-in that answers like the Bot API and tells
the simulation who was pinged) and the clock (simulated; stored reminders are fired when
it reaches them, as the bot's alarm would).

Policies (the same month each):
- the bot: its waves (WAVE_SIZE nearest, free-then first, fewer recent tasks first among
  the about-as-near), ESCALATE_AFTER_S, quiet hours, MAX_PINGS_PER_DAY, PING_SPACING_S;
- everyone: every eligible volunteer at once, no caps (a WhatsApp group);
- nearest: WAVE_SIZE waves strictly nearest first, no fairness term, no caps;
- random: WAVE_SIZE waves in random order, no caps.
The baselines are the real matcher with another wave order: its volunteer search wrapped
(`Reordered`) so that the same eligible set comes back reordered and cut to their wave.
Every policy keeps the volunteers' quiet hours (their own promise, and a muted phone at
night has the same effect) and the rule that a volunteer busy at that time isn't asked.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import itertools
import json
import math
import random
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.support import OFFERS, destination, print_table
from bot import i18n
from bot.config import Settings, parse_settings
from bot.db import Database, VolunteerRepository
from bot.db.availability import AvailabilityRepository
from bot.db.safeguarding import SafeguardingRepository
from bot.domain.distance import haversine_km
from bot.domain.models import (
    Candidate,
    Category,
    Payment,
    Prescription,
    Profile,
    QuietHours,
    RequestDraft,
    Search,
    Slot,
    VolunteerStatus,
    When,
)
from bot.domain.results import Outcome
from bot.services.budget import SendBudget
from bot.telegram.app import MutualAidApplication, build_application
from bot.telegram.handlers.common import NOTICE_VERSION
from bot.telegram.keyboards import QUIET_CHOICES, RADIUS_CHOICES
from tests.support.telegram import BotApiStandIn, answered

TZ = "Europe/London"
# A Monday at midnight, with no change of clocks in the month after it.
START = datetime(2025, 9, 1, tzinfo=ZoneInfo(TZ)).timestamp()
# A ward: a disc of 1.2 km (about 4.5 km², a few thousand households); volunteers live in
# it or just beyond.
WARD_CENTER = (51.5072, -0.1276)
WARD_RADIUS_KM = 1.2
VOLUNTEERS_REACH_KM = 1.6
COORDINATOR = 100
FIRST_VOLUNTEER = 10_000
FIRST_HOUSEHOLD = 50_000
# The /volunteer radius buttons (km), weighted towards the 1.5 km default; a few type more.
RADII_KM = (*itertools.chain(*RADIUS_CHOICES["km"]),)
RADIUS_WEIGHTS = (10, 25, 35, 14, 10, 5)
# Requests by local hour of day (relative weights): mornings and afternoons, little at night.
BY_HOUR = (
    *(0.15,) * 7,
    *(1.0, 2.0, 3.0, 3.0, 3.0, 2.5, 2.5, 3.0, 3.0, 2.5, 2.0, 2.0, 1.5, 1.0, 0.6, 0.3, 0.2),
)
# What is asked for: (kind, share, repeats weekly).
NEEDS = (
    (Category.GROCERIES, 0.33, False),
    (Category.PRESCRIPTION, 0.18, False),
    (Category.DOG_WALKING, 0.12, False),
    (Category.PHONE_CALL, 0.12, False),
    (Category.ERRAND, 0.10, False),
    (Category.GROCERIES, 0.06, True),  # recurring weekly help: shopping
    (Category.PHONE_CALL, 0.04, True),  # recurring weekly help: a call
    (Category.OTHER, 0.05, False),
)
# How volunteers react. The ping is looked at after a lognormal delay (median 12 minutes),
# or on waking if it came while they slept (their quiet hours, or 23:00-07:00 without).
SEEN_MEDIAN_S = 12 * 60
SEEN_SIGMA = 1.1
NIGHT = QuietHours(23 * 60, 7 * 60)
# Takes it with probability eagerness x e^(-distance / ACCEPT_KM) x the hour's factor,
# divided by (1 + WEEK_TIRING x tasks this week).
ACCEPT_KM = 2.5
WEEK_TIRING = 0.5
DECLINE_SHARE = 0.4  # of those who don't take it, this share press "Can't"; others ignore it
HAND_BACK_SHARE = 0.06
WEEK_S = 7 * 86400


def hour_factor(hour: int) -> float:
    if 8 <= hour < 18:
        return 1.0
    if 18 <= hour < 21:
        return 0.7
    return 0.35


# --- the ward --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A simulated volunteer and what they told the /volunteer form."""

    user_id: int
    lat: float
    lon: float
    radius_km: float
    categories: frozenset[Category]
    slots: frozenset[Slot]
    quiet: QuietHours | None
    own_quiet: bool
    checked: bool
    eagerness: float

    def sleeping(self, default: QuietHours | None) -> QuietHours:
        quiet = self.quiet if self.own_quiet else default
        return quiet or NIGHT


@dataclass(frozen=True)
class Need:
    """A request as it will arrive: when, from which household, what, for when."""

    at: float
    household: int
    lat: float
    lon: float
    category: Category
    when: When
    due_at: float | None
    weekly: bool
    controlled: bool


@dataclass(frozen=True)
class Ward:
    people: list[Person]
    needs: list[Need]


def point_in(rng: random.Random, radius_km: float) -> tuple[float, float]:
    km = radius_km * math.sqrt(rng.random())
    return destination(*WARD_CENTER, rng.uniform(0, 360), km)


def build_ward(config: Config) -> Ward:
    """The same people and the same requests for every policy (one seed)."""
    rng = random.Random(config.seed)
    people = []
    for i in range(config.volunteers):
        lat, lon = point_in(rng, VOLUNTEERS_REACH_KM)
        offered = frozenset(c for c, share in OFFERS.items() if rng.random() < share)
        roll = rng.random()
        if roll < 0.6:
            quiet, own = None, False  # the group's default
        elif roll < 0.75:
            quiet, own = None, True  # "No quiet hours"
        else:
            quiet, own = QuietHours.parse(rng.choice(QUIET_CHOICES)), True
        slots: frozenset[Slot] = frozenset()
        if rng.random() < 0.6:  # the rest never said: free any time
            slots = frozenset(s for s in Slot if rng.random() < 0.5) or frozenset({Slot.WEEKEND})
        people.append(
            Person(
                user_id=FIRST_VOLUNTEER + i,
                lat=lat,
                lon=lon,
                radius_km=rng.choices(RADII_KM, RADIUS_WEIGHTS)[0],
                categories=offered or frozenset({Category.GROCERIES}),
                slots=slots,
                quiet=quiet,
                own_quiet=own,
                checked=rng.random() < 0.35,
                eagerness=rng.uniform(0.15, 0.85),
            )
        )
    households = [point_in(rng, WARD_RADIUS_KM) for _ in range(config.households)]
    needs = []
    kinds, shares = [(c, weekly) for c, _, weekly in NEEDS], [s for _, s, _ in NEEDS]
    for day in range(config.days):
        midnight = START + day * 86400
        for _ in range(poisson(rng, config.requests_per_day)):
            hour = rng.choices(range(24), BY_HOUR)[0]
            at = midnight + hour * 3600 + rng.uniform(0, 3600)
            household = rng.randrange(config.households)
            category, weekly = rng.choices(kinds, shares)[0]
            when, due_at = When.ASAP, None
            roll = rng.random()
            if weekly or roll < 0.15:
                # A time: tomorrow or the day after, in the day.
                when = When.AT
                due_at = midnight + rng.choice((1, 2)) * 86400 + rng.choice(range(9, 18)) * 3600
            elif roll < 0.4:
                when = When.TODAY
            needs.append(
                Need(
                    at,
                    FIRST_HOUSEHOLD + household,
                    *households[household],
                    category,
                    when,
                    due_at,
                    weekly,
                    controlled=category is Category.PRESCRIPTION and rng.random() < 0.1,
                )
            )
    needs.sort(key=lambda n: n.at)
    return Ward(people, needs)


def poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


# --- the policies ----------------------------------------------------------------------------

Order = Callable[[list[Candidate], int], list[Candidate]]


class Reordered(VolunteerRepository):
    """The real radius search (who is eligible, who is resting or busy), its answer put in
    another order and cut to another wave: the baselines' only difference. `wave` None:
    everyone eligible at once; `capped` False: no daily cap nor spacing (quiet hours and
    "busy at that time" stay)."""

    def __init__(self, db: Database, order: Order, wave: int | None, *, capped: bool) -> None:
        super().__init__(db)
        self._order = order
        self._wave = wave
        self._capped = capped

    async def candidates(self, search: Search) -> list[Candidate]:
        if search.rules is not None and not self._capped:
            search = replace(search, rules=replace(search.rules, max_per_day=None, spacing_s=0.0))
        if search.held:
            return await super().candidates(search)
        found = self._order(
            await super().candidates(replace(search, limit=None)), search.request_id
        )
        size = None if search.limit is None else self._wave
        return found if size is None else found[:size]


def nearest(found: list[Candidate], request_id: int) -> list[Candidate]:
    return sorted(found, key=lambda c: (c.distance_km, c.volunteer.user_id))


def shuffled(seed: int) -> Order:
    def order(found: list[Candidate], request_id: int) -> list[Candidate]:
        ordered = sorted(found, key=lambda c: c.volunteer.user_id)
        random.Random(f"{seed}:{request_id}").shuffle(ordered)
        return ordered

    return order


@dataclass(frozen=True)
class Policy:
    name: str
    repository: Callable[[Database, Settings, int], VolunteerRepository]


POLICIES = (
    Policy("the bot", lambda db, s, seed: VolunteerRepository(db)),
    Policy(
        "everyone at once",
        lambda db, s, seed: Reordered(db, nearest, None, capped=False),
    ),
    Policy("nearest first", lambda db, s, seed: Reordered(db, nearest, s.wave_size, capped=False)),
    Policy(
        "random order",
        lambda db, s, seed: Reordered(db, shuffled(seed), s.wave_size, capped=False),
    ),
)


# --- Telegram, replaced ----------------------------------------------------------------------


class WardTelegram(BotApiStandIn):
    """The Bot API at the HTTP edge: answers as Telegram would, keeps nothing, and tells
    the simulation whenever a message carries an Accept button (a ping)."""

    def __init__(self, clock: Callable[[], float], pinged: Callable[[int, int], None]) -> None:
        self._clock = clock
        self._pinged = pinged
        self._ids = itertools.count(1)
        self.calls: Counter[str] = Counter()

    def answer(self, api: str, params: dict[str, Any]) -> tuple[int, bytes]:
        self.calls[api] += 1
        if api == "getMe":
            result: Any = {"id": 1, "is_bot": True, "first_name": "Helper", "username": "h_bot"}
        elif api in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            chat_id = int(params["chat_id"])
            if api == "sendMessage":
                self._notice_ping(chat_id, params.get("reply_markup"))
            result = {
                "message_id": int(params.get("message_id") or next(self._ids)),
                "date": int(self._clock()),
                "chat": {"id": chat_id, "type": "private"},
                "text": str(params.get("text", "")),
            }
        else:
            result = True
        return answered(result)

    def _notice_ping(self, chat_id: int, markup: Any) -> None:
        if isinstance(markup, str):
            markup = json.loads(markup)
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data", "")
                if data.startswith("v1:accept:"):
                    self._pinged(chat_id, int(data.rsplit(":", 1)[1]))
                    return


# --- the month -------------------------------------------------------------------------------


@dataclass
class Config:
    days: int = 30
    volunteers: int = 200
    households: int = 3000
    requests_per_day: float = 15.0
    seed: int = 18
    settings: dict[str, str] = field(default_factory=dict)


@dataclass
class Figures:
    policy: str
    requests: int
    claim_minutes: list[float]
    unclaimed_share: float
    pings_per_request: float
    max_pings_day: int
    never_tasked_share: float
    never_pinged_share: float  # not even asked: where they live, their radius and kinds
    # Never tasked though they would have taken some ping: someone else was always first.
    willing_untasked_share: float
    gini: float
    tasks: list[int]  # per volunteer, all of them
    api_calls: int
    cpu_s: float

    def median_claim(self) -> float:
        return statistics.median(self.claim_minutes) if self.claim_minutes else math.nan

    def p90_claim(self) -> float:
        if not self.claim_minutes:
            return math.nan
        ordered = sorted(self.claim_minutes)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


def gini(values: Sequence[int]) -> float:
    """0: everyone did the same; towards 1: a few did everything."""
    ordered = sorted(values)
    total = sum(ordered)
    if not ordered or total == 0:
        return 0.0
    n = len(ordered)
    weighted = sum((i + 1) * v for i, v in enumerate(ordered))
    return (2 * weighted) / (n * total) - (n + 1) / n


class Alarm:
    """Stands in for the alarm port (PTB's JobQueue in the bot), which Reminders uses for
    one alarm only: when the earliest pending reminder falls due (`at`), on the simulated
    clock."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.at: float | None = None

    def ring_in(self, seconds: float, ring: Any, *, name: str) -> Alarm:
        self.at = self._clock() + seconds
        return self

    def cancel(self) -> None:
        self.at = None


class Month:
    """One policy's month: the services wired as bot.telegram.app wires them, the clock
    simulated, volunteers and requesters played from the ward."""

    def __init__(self, ward: Ward, config: Config, policy: Policy, folder: Path) -> None:
        self.ward = ward
        self.config = config
        self.policy = policy
        self.now = START
        self.settings = parse_settings(
            {
                "BOT_TOKEN": "123456:SIM-token",
                "DATABASE_PATH": str(folder / "bot.db"),
                "ADMIN_IDS": str(COORDINATOR),
                "AREA_CENTER": f"{WARD_CENTER[0]},{WARD_CENTER[1]}",
                "AREA_RADIUS_KM": str(VOLUNTEERS_REACH_KM),
                "TIMEZONE": TZ,
                **config.settings,
            }
        )
        self.tz = self.settings.timezone
        self.people = {p.user_id: p for p in ward.people}
        self._events: list[tuple[float, int, Callable[[], Awaitable[None]]]] = []
        self._seq = itertools.count()
        self._seen: Counter[tuple[int, int]] = Counter()
        self.claims: dict[int, float] = {}  # request id -> first claimed at
        self.taken: set[int] = set()  # claimed now (not handed back)
        # Who would have said yes to some ping (taken or not by then): willing.
        self.willing: set[int] = set()
        self._where: dict[int, tuple[float, float, Category]] = {}
        self.tasks: Counter[int] = Counter()
        self._task_times: dict[int, list[float]] = defaultdict(list)

    def clock(self) -> float:
        return self.now

    def at(self, when: float, action: Callable[[], Awaitable[None]]) -> None:
        heapq.heappush(self._events, (when, next(self._seq), action))

    async def run(self) -> Figures:
        started = time.process_time()
        self.telegram = WardTelegram(self.clock, self._pinged)
        # The bot as it is built for Telegram (its services, the event outbox and its
        # subscribers), on the simulated clock; only the Bot API is a stand-in, with a
        # send budget no simulated second can reach.
        app = build_application(
            self.settings, request=self.telegram, clock=self.clock, budget=SendBudget(1e9)
        )
        async with app:
            self._wire(app)
            await self._enrol()
            await self.fairness.start()
            for index, need in enumerate(self.ward.needs):
                self.at(need.at, partial(self._ask, need, index))
            # A couple of days past the month: what was asked at its end gets its chance.
            end = START + (self.config.days + 2) * 86400
            await self._loop(end)
            return await self._figures(time.process_time() - started)

    def _wire(self, app: MutualAidApplication) -> None:
        services = self.services = app.services
        storage = app.storage
        self.db = storage.db
        self.users = storage.users
        self.requests = storage.requests
        self.desk = services.desk
        self.fairness = services.fairness
        # The policy's volunteers: the bot's own search, or a baseline's reordering of
        # the real search's answer, handed to the real matchmaker.
        self.volunteers = volunteers = self.policy.repository(
            storage.db, self.settings, self.config.seed
        )
        if not isinstance(volunteers, Reordered):
            volunteers = storage.volunteers
            self.volunteers = volunteers
        else:
            services.matchmaker.volunteers = volunteers
            services.matchmaker._candidates = volunteers
        # The alarm is set on the simulated clock instead of PTB's JobQueue.
        self.reminders = services.reminders
        self.alarm = Alarm(self.clock)
        self.reminders.attach(self.alarm)

    async def _enrol(self) -> None:
        """The roster as coordinators left it: everyone approved, some ID-checked."""
        now = self.now - 30 * 86400
        availability = AvailabilityRepository(self.db)
        checks = SafeguardingRepository(self.db)
        await self.users.record_consent(COORDINATOR, "Cora", "en", NOTICE_VERSION, now)
        for p in self.ward.people:
            await self.users.record_consent(p.user_id, f"V{p.user_id}", "en", NOTICE_VERSION, now)
            await self.volunteers.save_profile(
                Profile(p.user_id, p.lat, p.lon, p.radius_km, sorted(p.categories)), now
            )
            await self.volunteers.decide(p.user_id, VolunteerStatus.APPROVED, COORDINATOR, now)
            if p.own_quiet:
                await self.volunteers.set_quiet(p.user_id, True, p.quiet, now)
            if p.slots:
                await availability.set(p.user_id, p.slots)
            if p.checked:
                await checks.set_checked(p.user_id, True, COORDINATOR, now)

    async def _loop(self, end: float) -> None:
        while True:
            next_event = self._events[0][0] if self._events else math.inf
            alarm = self.alarm.at if self.alarm.at is not None else math.inf
            moment = min(next_event, alarm)
            if moment > end:
                return
            self.now = max(self.now, moment)
            if alarm <= next_event:
                # What the bot's alarm does when it rings (Reminders._ring).
                self.alarm.at = None
                await self.reminders.fire_due()
            else:
                _, _, action = heapq.heappop(self._events)
                await action()

    # --- requesters ----------------------------------------------------------------------

    async def _ask(self, need: Need, index: int) -> None:
        if await self.users.get(need.household) is None:
            name = f"R{need.household}"
            await self.users.record_consent(need.household, name, "en", NOTICE_VERSION, self.now)
        prescription = None
        if need.category is Category.PRESCRIPTION:
            prescription = Prescription(Payment.PAID, None, False, need.controlled, self.now)
        draft = RequestDraft(
            category=need.category,
            description=f"Need {index}: {need.category.value}",
            address=f"{index} Ward Street",
            lat=need.lat,
            lon=need.lon,
            when=need.when,
            due_at=need.due_at,
            every="weekly" if need.weekly else None,
            prescription=prescription,
        )
        request = await self.desk.submit(need.household, draft)
        await self.desk.announce(request)

    # --- volunteers ----------------------------------------------------------------------

    def _pinged(self, volunteer_id: int, request_id: int) -> None:
        """A ping arrived on a volunteer's phone: when they look, and what they do."""
        person = self.people.get(volunteer_id)
        if person is None:
            return
        key = (request_id, volunteer_id)
        self._seen[key] += 1
        rng = random.Random(f"{self.config.seed}:{request_id}:{volunteer_id}:{self._seen[key]}")
        seen = self.now + min(6 * 3600.0, rng.lognormvariate(math.log(SEEN_MEDIAN_S), SEEN_SIGMA))
        sleep = person.sleeping(self.settings.quiet_hours)
        local = datetime.fromtimestamp(seen, self.tz)
        if sleep.covers(local.hour * 60 + local.minute):
            seen = sleep.ends_after(seen, self.tz) + rng.uniform(0, 3600)
        take, decline = rng.random(), rng.random()
        later = rng.random()
        self.at(seen, lambda: self._look(person, request_id, take, decline, later))

    async def _look(
        self, person: Person, request_id: int, take: float, decline: float, later: float
    ) -> None:
        where = self._where.get(request_id)
        if where is None:
            request = await self.requests.get(request_id)
            if request is None:
                return
            where = self._where[request_id] = (request.lat, request.lon, request.category)
        lat, lon, category = where
        distance = 0.0
        if category is not Category.PHONE_CALL:
            distance = haversine_km(person.lat, person.lon, lat, lon)
        hour = datetime.fromtimestamp(self.now, self.tz).hour
        week = sum(1 for t in self._task_times[person.user_id] if t > self.now - WEEK_S)
        p = person.eagerness * math.exp(-distance / ACCEPT_KM) * hour_factor(hour)
        p /= 1 + WEEK_TIRING * week
        if take < p:
            self.willing.add(person.user_id)
            if request_id in self.taken:
                return  # their ping already says someone is on it
            result = await self.desk.accept(request_id, person.user_id)
            if result.outcome is Outcome.OK and result.request is not None:
                self.claims.setdefault(request_id, self.now)
                self.taken.add(request_id)
                self.tasks[person.user_id] += 1
                self._task_times[person.user_id].append(self.now)
                start = max(self.now, result.request.due_at or self.now)
                if later < HAND_BACK_SHARE:
                    back = self.now + (start - self.now) * later / HAND_BACK_SHARE + 1800
                    self.at(back, lambda: self._hand_back(request_id, person.user_id))
                else:
                    done = start + 1800 + later * 9000
                    self.at(done, lambda: self._done(request_id, person.user_id))
        elif decline < DECLINE_SHARE and request_id not in self.taken:
            await self.desk.decline(request_id, person.user_id)

    async def _done(self, request_id: int, volunteer_id: int) -> None:
        await self.desk.complete(request_id, volunteer_id)

    async def _hand_back(self, request_id: int, volunteer_id: int) -> None:
        result = await self.desk.release(request_id, volunteer_id)
        if result.outcome is Outcome.OK:
            self.tasks[volunteer_id] -= 1
            self.taken.discard(request_id)

    # --- what it came to -----------------------------------------------------------------

    async def _figures(self, cpu_s: float) -> Figures:
        month_end = START + self.config.days * 86400
        rows = await self.db.fetchall(
            "SELECT id, created_at, status FROM requests WHERE created_at < ?", (month_end,)
        )
        ids = {row["id"] for row in rows}
        claim_minutes = [
            (self.claims[row["id"]] - row["created_at"]) / 60
            for row in rows
            if row["id"] in self.claims
        ]
        unclaimed = sum(1 for row in rows if row["id"] not in self.claims)
        pings = await self.db.fetchall("SELECT request_id, volunteer_id, sent_at FROM pings")
        month_pings = sum(1 for p in pings if p["request_id"] in ids)
        per_day: Counter[tuple[int, str]] = Counter(
            (p["volunteer_id"], datetime.fromtimestamp(p["sent_at"], self.tz).date().isoformat())
            for p in pings
        )
        tasks = [self.tasks[p.user_id] for p in self.ward.people]
        asked = {p["volunteer_id"] for p in pings}
        n = max(1, len(rows))
        return Figures(
            policy=self.policy.name,
            requests=len(rows),
            claim_minutes=claim_minutes,
            unclaimed_share=unclaimed / n,
            pings_per_request=month_pings / n,
            max_pings_day=max(per_day.values(), default=0),
            never_tasked_share=sum(1 for t in tasks if t == 0) / max(1, len(tasks)),
            never_pinged_share=sum(1 for p in self.ward.people if p.user_id not in asked)
            / max(1, len(tasks)),
            willing_untasked_share=sum(
                1
                for p in self.ward.people
                if p.user_id in self.willing and not self.tasks[p.user_id]
            )
            / max(1, len(tasks)),
            gini=gini(tasks),
            tasks=tasks,
            api_calls=sum(self.telegram.calls.values()),
            cpu_s=cpu_s,
        )


async def simulate(
    config: Config, folder: Path, policies: Sequence[Policy] = POLICIES
) -> list[Figures]:
    """The same month under each policy, one after another, each on its own database."""
    ward = build_ward(config)
    results = []
    for policy in policies:
        home = folder / policy.name.replace(" ", "-")
        home.mkdir(parents=True, exist_ok=True)
        results.append(await Month(ward, config, policy, home).run())
    return results


def summary_line(figures: Sequence[Figures]) -> str:
    """The last line: the bot's figures against "everyone at once"."""
    ours = next(f for f in figures if f.policy == POLICIES[0].name)
    everyone = next(f for f in figures if f.policy == POLICIES[1].name)
    claim = ours.median_claim() / everyone.median_claim()
    pings = ours.pings_per_request / everyone.pings_per_request
    return (
        f"fairness: claim_time_vs_everyone={claim:.2f}; "
        f"pings_per_request_vs_everyone={pings:.2f}; "
        f"never_tasked={ours.never_tasked_share * 100:.0f}%; "
        f"max_pings_per_volunteer_day={ours.max_pings_day}"
    )


def draw(figures: Sequence[Figures], path: Path) -> None:
    """Tasks per volunteer under each policy, busiest first: a flat line is fair."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    fig, ax = pyplot.subplots(figsize=(8, 4.5), dpi=100)
    for f in figures:
        ranked = sorted(f.tasks, reverse=True)
        ax.plot(range(1, len(ranked) + 1), ranked, label=f"{f.policy} (Gini {f.gini:.2f})")
    ax.set_xlabel("volunteers, busiest first")
    ax.set_ylabel("tasks in the month")
    ax.set_title("Tasks per volunteer over a simulated month, by how pings are sent")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    pyplot.close(fig)


def print_figures(config: Config, figures: Sequence[Figures]) -> None:
    print(
        f"{config.days} days, {config.volunteers} volunteers, {config.households:,} households, "
        f"{config.requests_per_day:g} requests a day on average, seed {config.seed}"
    )
    print_table(
        (
            "policy",
            "requests",
            "median min to claim",
            "p90 min",
            "unclaimed at expiry",
            "pings per request",
            "most pings, 1 volunteer, 1 day",
            "never tasked",
            "never pinged",
            "willing, never tasked",
            "Gini of tasks",
            "CPU s",
        ),
        [
            (
                f.policy,
                f.requests,
                f.median_claim(),
                f.p90_claim(),
                f"{f.unclaimed_share * 100:.1f}%",
                f.pings_per_request,
                f.max_pings_day,
                f"{f.never_tasked_share * 100:.0f}%",
                f"{f.never_pinged_share * 100:.0f}%",
                f"{f.willing_untasked_share * 100:.0f}%",
                f"{f.gini:.2f}",
                f.cpu_s,
            )
            for f in figures
        ],
    )
    if {f.policy for f in figures} >= {POLICIES[0].name, POLICIES[1].name}:
        print(summary_line(figures))


def scratch() -> Path | None:
    shm = Path("/dev/shm")
    return shm if shm.is_dir() else None


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--volunteers", type=int, default=200)
    parser.add_argument("--households", type=int, default=3000)
    parser.add_argument("--requests-per-day", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a bot setting for every policy, e.g. --set WAVE_SIZE=8 --set ESCALATE_AFTER_S=600",
    )
    parser.add_argument("--chart", type=Path, help="write tasks per volunteer as a PNG here")
    parser.add_argument(
        "--policies",
        default=",".join(p.name for p in POLICIES),
        help="which to run, comma-separated (the month is the same: a setting's effect on "
        "the bot can be compared with a full run's baselines)",
    )
    args = parser.parse_args()
    wanted = [name.strip() for name in args.policies.split(",")]
    unknown = set(wanted) - {p.name for p in POLICIES}
    if unknown:
        parser.error(
            f"no policy called {', '.join(sorted(unknown))}; "
            f"the policies are: {', '.join(p.name for p in POLICIES)}"
        )
    policies = [p for p in POLICIES if p.name in wanted]
    config = Config(
        days=args.days,
        volunteers=args.volunteers,
        households=args.households,
        requests_per_day=args.requests_per_day,
        seed=args.seed,
        settings=dict(item.split("=", 1) for item in args.set),
    )
    i18n.load_catalogues("en")
    # In memory-backed storage where there is some: the figures are the month's, not the
    # disk's, and four months of commits on a shared disk would take minutes.
    with tempfile.TemporaryDirectory(dir=scratch()) as folder:
        figures = await simulate(config, Path(folder), policies)
    if args.chart:
        draw(figures, args.chart)
    print_figures(config, figures)


if __name__ == "__main__":
    asyncio.run(main())
