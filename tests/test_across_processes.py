"""Two bot processes on one PostgreSQL database (issue 13): what one has claimed, the other
leaves. Each "process" here is a Database of its own, with its own pool of connections,
as a second `python -m bot` has (tests/support/accepts.py starts real ones).

PostgreSQL only: SQLite has one process by design.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.config import Settings
from bot.db import Database
from bot.db.events import EventRepository
from bot.db.reminders import ReminderRepository
from bot.domain.events import RequestOpened
from bot.domain.models import HelpRequest, NewReminder
from bot.services.events import EventBus
from bot.telegram.app import build_application
from tests.conftest import (
    COORDINATOR,
    NEAR,
    REQUESTER,
    Group,
    make_settings,
    postgres_url,
)
from tests.support.storage import postgres_only
from tests.support.telegram import FakeTelegram

pytestmark = postgres_only
REPO = Path(__file__).resolve().parent.parent
NOW = 1_000_000.0


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """Two processes' views of one group's database."""
    url = postgres_url(tmp_path)
    first, second = Database(tmp_path / "unused", url), Database(tmp_path / "unused", url)
    await first.open()
    await second.open()
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def test_two_processes_draining_due_reminders_fire_each_once(
    two: tuple[Database, Database],
) -> None:
    first, second = (ReminderRepository(db) for db in two)
    for n in range(60):
        await first.add(NewReminder(f"test:{n}", "test", NOW - 60 + n), NOW)

    async def drain(repository: ReminderRepository) -> list[int]:
        claimed = []
        while (reminder := await repository.claim_next(NOW)) is not None:
            claimed.append(reminder.id)
            await asyncio.sleep(0)  # the reminder's action: the other process goes on
        return claimed

    one, other = await asyncio.gather(drain(first), drain(second))
    counted = Counter(one + other)
    assert len(counted) == 60
    assert set(counted.values()) == {1}
    assert one, "the second process did all the work: the two never overlapped"
    assert other, "the first process did all the work: the two never overlapped"
    assert await first.due(NOW, limit=100) == []


async def test_a_reminder_another_process_is_claiming_is_skipped_not_waited_for(
    two: tuple[Database, Database], tmp_path: Path
) -> None:
    repository = ReminderRepository(two[0])
    earliest = await repository.add(NewReminder("test:early", "test", NOW - 10), NOW)
    later = await repository.add(NewReminder("test:later", "test", NOW - 5), NOW)
    assert earliest is not None
    assert later is not None
    # Another process is in the middle of claiming the earliest one.
    other = await asyncpg.connect(postgres_url(tmp_path))
    try:
        async with other.transaction():
            await other.execute("SELECT 1 FROM reminders WHERE id = $1 FOR UPDATE", earliest.id)
            # Waiting for that lock would never end while this transaction is open.
            claimed = await asyncio.wait_for(repository.claim_next(NOW), timeout=30)
            assert claimed is not None
            assert claimed.id == later.id
        claimed = await repository.claim_next(NOW)
        assert claimed is not None
        assert claimed.id == earliest.id
    finally:
        await other.close()


async def test_two_processes_delivering_the_outbox_hand_each_event_on_once(
    two: tuple[Database, Database],
) -> None:
    heard: list[tuple[str, int, str]] = []
    buses = []
    for name, db in zip(("one", "two"), two, strict=True):
        bus = EventBus(EventRepository(db), lambda: NOW)
        for subscriber, background in (("tell", False), ("note", False), ("post", True)):

            async def hears(
                event: RequestOpened, event_id: int, who: str = subscriber, bus_name: str = name
            ) -> None:
                heard.append((who, event.request_id, bus_name))
                await asyncio.sleep(0)

            bus.on(RequestOpened, subscriber, hears, background=background)
        buses.append(bus)
    outbox = EventRepository(two[0])
    for n in range(1, 31):
        await outbox.add(RequestOpened(n), NOW)

    await asyncio.gather(*(bus.deliver() for bus in buses))
    for bus in buses:
        await bus.settled()

    counted = Counter((who, request_id) for who, request_id, _ in heard)
    assert set(counted) == {(who, n) for who in ("tell", "note", "post") for n in range(1, 31)}
    assert set(counted.values()) == {1}, [key for key, n in counted.items() if n > 1]
    # In order, for each subscriber, whichever process handed it on.
    for who in ("tell", "note", "post"):
        assert [n for w, n, _ in heard if w == who] == list(range(1, 31))
    assert await outbox.undelivered(held_too=True) == []


async def test_an_update_handled_by_one_process_is_not_handled_again_by_another(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    first_telegram, second_telegram = FakeTelegram(), FakeTelegram()
    async with (
        build_application(settings, request=first_telegram) as first_app,
        build_application(settings, request=second_telegram) as second_app,
    ):
        first, second = Group(first_app, first_telegram), Group(second_app, second_telegram)
        await first.consent(REQUESTER, name="Rita")
        # Telegram hands an update to the process now serving; after a takeover, the
        # other one may be given it again.
        update = first.people.text(REQUESTER, "/myrequests", name="Rita")
        await first.handle(update)
        assert first_telegram.sent_to(REQUESTER)
        await second.handle(update)
        assert second_telegram.calls_of("sendMessage") == []
        # A new update is handled by either.
        await second.say(REQUESTER, "/myrequests", name="Rita")
        assert second_telegram.sent_to(REQUESTER)


async def _one_request_pinged_to(settings: Settings, volunteers: list[int]) -> int:
    telegram = FakeTelegram()
    async with build_application(settings, request=telegram) as app:
        group = Group(app, telegram)
        await group.consent(COORDINATOR, name="Cora")
        await group.consent(REQUESTER, name="Rita")
        for v in volunteers:
            await group.enrol(v, NEAR, name=f"V{v}")
        request_id = await group.ask()
        assert sorted(group.pinged(request_id)) == volunteers
        return request_id


async def _claims(settings: Settings, request_id: int) -> tuple[HelpRequest, int]:
    """The request as stored, and how many times the audit trail has it claimed."""
    async with build_application(settings, request=FakeTelegram()) as app:
        stored = await Group(app, FakeTelegram()).stored(request_id)
        claims = await app.storage.db.fetchall(
            "SELECT * FROM audit WHERE request_id = ? AND action = 'open->claimed'",
            (request_id,),
        )
        return stored, len(claims)


def test_fifty_accepts_in_two_real_processes_have_one_winner(tmp_path: Path) -> None:
    """Fifty volunteers pinged for one request press Accept at once, half of them
    through each of two OS processes on the same database (tests/support/accepts.py)."""
    settings = make_settings(tmp_path, WAVE_SIZE="60")
    volunteers = list(range(1001, 1051))
    request_id = asyncio.run(_one_request_pinged_to(settings, volunteers))

    assert settings.database_url is not None
    env = {**os.environ, "PYTHONPATH": str(REPO), "GROUP_DATABASE_URL": settings.database_url}
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.accepts",
                str(tmp_path),
                str(request_id),
                # Each process's updates have ids of their own, as Telegram's would.
                str(10_000_000 * (n + 1)),
                *map(str, volunteers[n::2]),
            ],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(2)
    ]
    try:
        for process in processes:  # both started, connected, their presses built...
            assert process.stdout is not None
            ready = process.stdout.readline()
            assert ready.strip() == b"ready", ready
        for process in processes:  # ...then all fifty go at once
            assert process.stdin is not None
            process.stdin.write(b"go\n")
            process.stdin.flush()
        outcomes = []
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err.decode()
            outcomes.append(json.loads(out))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()

    answers = [text for outcome in outcomes for text in outcome["answers"]]
    assert len(answers) == 50
    assert sum("It's yours" in text for text in answers) == 1, answers
    assert sum("someone else" in text for text in answers) == 49, answers
    addressed = [chat for outcome in outcomes for chat in outcome["addressed"]]
    stored, claims = asyncio.run(_claims(settings, request_id))
    assert stored.status == "claimed"
    assert claims == 1
    # The address went once, to the one who was told it's theirs.
    assert addressed == [stored.volunteer_id]
