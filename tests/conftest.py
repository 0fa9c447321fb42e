"""Fixtures: the real Application from build_application(), on a real SQLite file, with
only the HTTP edge to Telegram replaced by FakeTelegram."""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import re
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.config import Settings, parse_settings
from bot.db import Database
from bot.db.connection import SqliteDatabase
from bot.domain.models import Category, HelpRequest, Profile, VolunteerStatus
from bot.services.budget import SendBudget
from bot.telegram import app as application_module
from bot.telegram.app import MutualAidApplication, build_application
from bot.telegram.handlers.common import NOTICE_VERSION
from tests.support.schemas import SchemaPool
from tests.support.telegram import FakeTelegram, People

COORDINATOR = 100
REQUESTER = 200
# Volunteers at increasing distance from the requester's home (HOME).
HOME = (51.5000, -0.1000)
NEAR = (51.5030, -0.1000)  # ~0.33 km
MIDDLE = (51.5090, -0.1000)  # ~1.0 km
FAR = (51.5270, -0.1000)  # ~3.0 km
AREA = "51.5000,-0.1000"
# A volunteer for Group.ready(): (id, where) or (id, where, name).
Volunteer = tuple[int, tuple[float, float]] | tuple[int, tuple[float, float], str]
# TEST_DATABASE_URL=postgresql://...: run the tests against PostgreSQL instead of SQLite.
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


def make_settings(tmp_path: Path, **overrides: str) -> Settings:
    values = {
        "BOT_TOKEN": "123456:TEST-token",
        "DATABASE_PATH": str(tmp_path / "bot.db"),
        "ADMIN_IDS": str(COORDINATOR),
        "AREA_CENTER": AREA,
        "AREA_RADIUS_KM": "10",
        "WAVE_SIZE": "5",
        # The fairness rules have tests of their own (test_fairness.py); elsewhere they
        # would make a test's outcome depend on the hour it runs at.
        "QUIET_HOURS": "off",
        "MAX_PINGS_PER_DAY": "1000",
        "PING_SPACING_S": "0",
    }
    if POSTGRES_URL and "DATABASE_URL" not in overrides:
        # The same group on PostgreSQL: a schema of its own for the test's folder (so that
        # a test which restarts the bot finds its data again), emptied after an earlier
        # test rather than migrated anew (tests/support/schemas.py).
        values["DATABASE_URL"] = f"{POSTGRES_URL}?search_path={SCHEMAS.lend(str(tmp_path))}"
    values.update(overrides)
    return parse_settings(values)


# The schemas this run's tests made on PostgreSQL: dropped when the run ends (only
# these: another run may be using the same database at the same time).
SCHEMAS = SchemaPool(POSTGRES_URL)


def postgres_url(folder: Path, name: str = "") -> str:
    """TEST_DATABASE_URL with a new schema of its own for a test's folder (the same
    folder, the same schema), never one used before: for tests of migrating itself."""
    schema = "t_" + hashlib.sha1(f"{folder}{name}".encode()).hexdigest()[:20]
    SCHEMAS.made.add(schema)
    return f"{POSTGRES_URL}?search_path={schema}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked postgres (tests/support/storage.py's postgres_only) are skipped, with
    the reason, when this run is not on PostgreSQL: the SQLite half reports them."""
    if POSTGRES_URL:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL (make test does)")
    for item in items:
        if item.get_closest_marker("postgres") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _postgres_schemas() -> Iterator[None]:
    """On PostgreSQL: the server must answer (or every test here is skipped, with the
    reason, except in CI); at the end, this run's schemas go."""
    if not POSTGRES_URL:
        yield
        return
    import asyncpg

    async def connect() -> asyncpg.Connection:
        try:
            return await asyncpg.connect(POSTGRES_URL, timeout=5)
        except (OSError, asyncpg.PostgresError, TimeoutError) as error:
            reason = f"PostgreSQL at TEST_DATABASE_URL is unreachable: {error}"
            if os.environ.get("REQUIRE_E2E"):
                pytest.fail(reason)
            pytest.skip(reason)

    async def ready() -> None:
        connection = await connect()
        try:
            await connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        finally:
            await connection.close()

    async def drop() -> None:
        connection = await connect()
        try:
            for name in sorted(SCHEMAS.made):
                await connection.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        finally:
            await connection.close()

    asyncio.run(ready())
    asyncio.run(SCHEMAS.start())
    yield
    asyncio.run(drop())


@pytest.fixture(autouse=True)
def _postgres_schemas_back(_postgres_schemas: None) -> Iterator[None]:
    """After each test (and its groups' teardown), its schemas go back to the pool."""
    yield
    if POSTGRES_URL:
        asyncio.run(SCHEMAS.take_back())


@pytest.fixture(scope="session")
def _migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new SQLite file as the bot makes it: opened (so every migration applied) and
    closed. Made once a run."""
    path = tmp_path_factory.mktemp("migrated") / "bot.db"

    async def make() -> None:
        database = Database(path)
        await database.open()
        await database.close()

    asyncio.run(make())
    return path


@pytest.fixture(autouse=True)
def _sqlite_from_template(monkeypatch: pytest.MonkeyPatch, _migrated_sqlite_file: Path) -> None:
    """A SQLite file that does not exist yet starts as a copy of the migrated one, rather
    than applying every migration again in every test. The file still appears when the
    bot first opens it (tests/test_config.py's --check sees it missing before); a file
    that exists (an older schema made by a test) is migrated as the bot migrates it."""
    opening = SqliteDatabase.open

    async def open_copy(self: SqliteDatabase) -> None:
        if not self.is_open and not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(_migrated_sqlite_file, self.path)
        await opening(self)

    monkeypatch.setattr(SqliteDatabase, "open", open_copy)


class UnlimitedBudget(SendBudget):
    """The send budget with no ceiling unless a rate is given (a rate of math.inf never
    waits)."""

    def __init__(self, rate: float = math.inf, **kw: Any) -> None:
        super().__init__(rate, **kw)


@pytest.fixture(autouse=True)
def _unlimited_send_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """No waiting for Telegram's 30 messages a second in tests: FakeTelegram has no such
    limit, and a test that says more than 30 things would otherwise sleep for each one
    after the 30th (most of the suite's time went there). The budget itself is tested on
    its own clock, and inside the real application with the real rate, in
    tests/test_budget.py (which passes its budget explicitly); the e2e tests run the bot
    as it is deployed."""
    monkeypatch.setattr(application_module, "SendBudget", UnlimitedBudget)


class Group:
    """A neighbourhood in a test: one application, its fake Telegram, and people."""

    def __init__(self, app: MutualAidApplication, telegram: FakeTelegram) -> None:
        self.app = app
        self.telegram = telegram
        self.people = People(app.bot)

    async def handle(self, update: Update) -> None:
        """One update, then what it set going in the background (the group-chat posts)."""
        await self.app.process_update(update)
        await self.app.services.events.settled()

    async def say(self, user_id: int, text: str, **kw: Any) -> None:
        await self.handle(self.people.text(user_id, text, **kw))

    async def share(self, user_id: int, lat: float, lon: float, **kw: Any) -> None:
        await self.handle(self.people.location(user_id, lat, lon, **kw))

    async def press(self, user_id: int, data: str, message_id: int = 1, **kw: Any) -> None:
        """Press a button; every press must be answered, or the client keeps spinning."""
        answered = len(self.telegram.answers())
        await self.handle(self.people.press(user_id, data, message_id, **kw))
        assert len(self.telegram.answers()) == answered + 1, f"press {data!r} not answered once"

    async def consent(self, user_id: int, **kw: Any) -> None:
        await self.say(user_id, "/start", **kw)
        await self.press(user_id, "v1:consent:yes", **kw)

    async def sign_up(
        self,
        user_id: int,
        where: tuple[float, float],
        radius: str = "5",
        categories: tuple[str, ...] = ("groceries",),
        **kw: Any,
    ) -> None:
        await self.consent(user_id, **kw)
        await self.say(user_id, "/volunteer", **kw)
        await self.share(user_id, *where, **kw)
        # A bare number is typed with "km", so that every test's distances are kilometres
        # whatever the reader's own unit (English readers type miles).
        typed = (
            f"{radius} km" if radius.replace(".", "", 1).replace(",", "", 1).isdigit() else radius
        )
        await self.say(user_id, typed, **kw)
        for code in categories:
            await self.press(user_id, f"v1:vcat:{code}", **kw)
        await self.press(user_id, "v1:vsave", **kw)

    async def approve(self, volunteer_id: int) -> None:
        await self.press(COORDINATOR, f"v1:approve:{volunteer_id}", name="Cora")

    async def enrol(
        self,
        user_id: int,
        where: tuple[float, float],
        name: str = "V",
        radius_km: float = 5,
        categories: tuple[str, ...] = ("groceries",),
    ) -> None:
        """An approved volunteer stored through the repositories, without the conversation:
        for tests that need many of them (the conversation has tests of its own)."""
        services, storage = self.app.services, self.app.storage
        now = services.clock()
        await storage.users.record_consent(user_id, name, "en", NOTICE_VERSION, now)
        await storage.volunteers.save_profile(
            Profile(user_id, *where, radius_km, [Category(c) for c in categories]), now
        )
        await storage.volunteers.decide(user_id, VolunteerStatus.APPROVED, COORDINATOR, now)

    async def volunteer(self, user_id: int, where: tuple[float, float], **kw: Any) -> None:
        await self.sign_up(user_id, where, **kw)
        await self.approve(user_id)

    async def ready(
        self,
        *volunteers: Volunteer,
        requester: str | None = "Rita",
        enrol: bool = False,
        **kw: Any,
    ) -> None:
        """The usual start: the coordinator (Cora) and, unless `requester` is None, the
        requester (Rita) have agreed to the notice, and each volunteer, `(id, where)` or
        `(id, where, name)`, is signed up and approved ("V<id>" unless named). `kw` go to
        each sign-up (radius, categories); `enrol` stores them without the conversation."""
        await self.consent(COORDINATOR, name="Cora")
        if requester is not None:
            await self.consent(REQUESTER, name=requester)
        for user_id, where, *named in volunteers:
            name = str(named[0]) if named else f"V{user_id}"
            if enrol:
                await self.enrol(user_id, where, name=name, **kw)
            else:
                await self.volunteer(user_id, where, name=name, **kw)

    async def ask(
        self,
        user_id: int = REQUESTER,
        category: str = "groceries",
        description: str = "Milk and bread please",
        address: str = "12 Acacia Avenue, ring twice",
        where: tuple[float, float] = HOME,
        prescription: tuple[str, str, str] = ("paid", "no", "no"),
        when: tuple[str, ...] = ("asap",),
        **kw: Any,
    ) -> int:
        """The whole /request conversation; returns the new request's id. Asked whether it
        is the same need as an open one, it answers "something new"; a prescription's
        questions get `prescription` (payment, fridge, controlled) and consent. `when`: the
        when button's word, then the time typed if it asks for one (("weekly", "saturday
        10:00"))."""
        await self.say(user_id, "/request", **kw)
        await self.press(user_id, f"v1:cat:{category}", **kw)
        same = [b for b in self.telegram.last_to(user_id).buttons if b.endswith(":new")]
        if same:
            await self.press(user_id, same[0], **kw)
        await self.say(user_id, description, **kw)
        if category == "prescription":
            await self.answer_prescription(user_id, *prescription, **kw)
        await self.press(user_id, f"v1:when:{when[0]}", **kw)
        for typed in when[1:]:
            await self.say(user_id, typed, **kw)
        if category == "phone_call":
            # A call is made from anywhere: a number to ring instead of a place and address.
            await self.say(user_id, "07700 900111", **kw)
        else:
            await self.share(user_id, *where, **kw)
            await self.say(user_id, address, **kw)
        await self.press(user_id, "v1:confirm:yes", **kw)
        confirmation = self.telegram.last_to(user_id).text
        match = re.search(r"#(\d+)", confirmation)
        assert match, confirmation
        return int(match.group(1))

    async def answer_prescription(
        self, user_id: int, payment: str, fridge: str, controlled: str, **kw: Any
    ) -> None:
        """A prescription's questions: payment (paid, exempt, or an amount to pay), fridge
        and controlled (yes/no/unsure), then consent to collection."""
        if payment in ("paid", "exempt"):
            await self.press(user_id, f"v1:rx:pay:{payment}", **kw)
        else:
            await self.press(user_id, "v1:rx:pay:topay", **kw)
            await self.say(user_id, payment, **kw)
        await self.press(user_id, f"v1:rx:fridge:{fridge}", **kw)
        await self.press(user_id, f"v1:rx:cd:{controlled}", **kw)
        await self.press(user_id, "v1:rx:ok:yes", **kw)

    async def stored(self, request_id: int) -> HelpRequest:
        """The request as the database has it now."""
        request = await self.app.storage.requests.get(request_id)
        assert request is not None, f"request {request_id} is not stored"
        return request

    async def reminders(self, kind: str, state: str = "pending") -> list[int]:
        """Ids of stored reminders of a kind, in the order they fall due."""
        rows = await self.app.storage.db.fetchall(
            "SELECT id FROM reminders WHERE kind = ? AND state = ? ORDER BY due_at, id",
            (kind, state),
        )
        return [row["id"] for row in rows]

    async def fire(self, kind: str) -> int:
        """Make every pending reminder of a kind fall due now, as the scheduler would."""
        fired = 0
        for reminder_id in await self.reminders(kind):
            fired += await self.app.services.reminders.fire(reminder_id)
        await self.app.services.events.settled()
        return fired

    def pinged(self, request_id: int) -> list[int]:
        """Who got a ping (a message with an Accept button) for this request."""
        wanted = f"v1:accept:{request_id}"
        return [
            c.chat_id
            for c in self.telegram.calls
            if c.method == "sendMessage" and wanted in c.buttons and c.chat_id is not None
        ]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def group(settings: Settings) -> AsyncIterator[Group]:
    telegram = FakeTelegram()
    app = build_application(settings, request=telegram)
    async with app:
        yield Group(app, telegram)


@pytest.fixture
def open_group(tmp_path: Path) -> Callable[..., AbstractAsyncContextManager[Group]]:
    """A group with other settings: `async with open_group(WAVE_SIZE="1") as group:`."""

    @asynccontextmanager
    async def opened(**overrides: str) -> AsyncIterator[Group]:
        telegram = FakeTelegram()
        app = build_application(make_settings(tmp_path, **overrides), request=telegram)
        async with app:
            yield Group(app, telegram)

    return opened


@asynccontextmanager
async def group_with_clock(
    tmp_path: Path, clock: list[float], **settings: str
) -> AsyncIterator[Group]:
    """A group whose time is `clock[0]`: a test moves it on to make things fall due."""
    telegram = FakeTelegram()
    app = build_application(
        make_settings(tmp_path, **settings), request=telegram, clock=lambda: clock[0]
    )
    async with app:
        yield Group(app, telegram)
