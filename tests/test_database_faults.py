"""A failing database (a lock held elsewhere, a full disk) never makes the bot deaf: the
update is tried again, the person is told if it can't be done, the coordinators hear of
it once, and the bot carries on by itself when the fault clears."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from typing import Any

from bot.db.connection import Database
from bot.health import SERVING, STOPPED, heartbeat_path
from tests.conftest import COORDINATOR, HOME, NEAR, REQUESTER, Group

FULL = "database or disk is full"
FAILING = "database is failing"
WORKS_AGAIN = "database works again"
TRY_AGAIN = "try again in a few minutes"


@contextmanager
def lock_held_elsewhere(path: Any) -> Iterator[threading.Event]:
    """Another process's write lock (an sqlite3 shell, a backup) until the event is set."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        held.set()
        release.wait(30)
        other.execute("ROLLBACK")
        other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    try:
        yield release
    finally:
        release.set()
        thread.join()


@contextmanager
def disk_full(db: Database) -> Iterator[None]:
    """Every write fails as SQLite fails on a full disk; reads still work."""

    async def refuse(*args: object, **kwargs: object) -> Any:
        raise sqlite3.OperationalError(FULL)

    @asynccontextmanager
    async def no_transaction() -> AsyncIterator[Any]:
        raise sqlite3.OperationalError(FULL)
        yield  # pragma: no cover

    names = ("execute", "executemany", "insert", "transaction")
    for name in names:
        setattr(db, name, no_transaction if name == "transaction" else refuse)
    try:
        yield
    finally:
        for name in names:
            delattr(db, name)


async def _up_to_confirm(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.enrol(301, NEAR, name="Alice")
    await group.consent(REQUESTER)
    await group.say(REQUESTER, "/request")
    await group.press(REQUESTER, "v1:cat:groceries")
    await group.say(REQUESTER, "Milk please")
    await group.press(REQUESTER, "v1:when:asap")
    await group.share(REQUESTER, *HOME)
    await group.say(REQUESTER, "1 High St")


def _told(group: Group, user_id: int, words: str) -> int:
    return sum(words in text for text in group.telegram.texts_to(user_id))


async def test_an_update_waits_out_a_lock_held_past_the_busy_timeout(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.say(REQUESTER, "/start")
    with lock_held_elsewhere(group.app.storage.db.path) as release:
        # Longer than busy_timeout (5 s): the first try to store the consent fails.
        asyncio.get_running_loop().call_later(6.0, release.set)
        await group.press(REQUESTER, "v1:consent:yes")  # answered exactly once
    stored = await group.app.storage.users.get(REQUESTER)
    assert stored is not None
    assert stored.consented_at is not None
    assert _told(group, REQUESTER, TRY_AGAIN) == 0
    # Later updates are handled as usual.
    await group.say(REQUESTER, "/request")
    assert "What do you need help with" in group.telegram.last_to(REQUESTER).text


async def test_a_full_disk_is_told_to_the_person_and_once_to_the_coordinators_then_passes(
    open_group: Callable[..., AbstractAsyncContextManager[Group]],
) -> None:
    async with open_group(DB_RETRY_S="0.3") as group:
        await _up_to_confirm(group)
        sends_before = len(group.telegram.calls_of("sendMessage"))
        with disk_full(group.app.storage.db):
            await group.press(REQUESTER, "v1:confirm:yes")  # "Sent!" is not said twice
            assert await group.app.storage.requests.by_requester(REQUESTER) == []
            assert _told(group, REQUESTER, TRY_AGAIN) == 1
            assert _told(group, COORDINATOR, FAILING) == 1
            # The fault lasts: the next try is told too; the coordinators not again.
            await group.press(REQUESTER, "v1:confirm:yes")
            assert _told(group, REQUESTER, TRY_AGAIN) == 2
            assert _told(group, COORDINATOR, FAILING) == 1
        # Nothing else went out while the disk was full: no half-made request, no ping.
        assert len(group.telegram.calls_of("sendMessage")) == sends_before + 3
        assert not any("Can you help" in text for text in group.telegram.texts_to(301))

        # The disk has room again: the same button works, no restart.
        await group.press(REQUESTER, "v1:confirm:yes")
        saved = await group.app.storage.requests.by_requester(REQUESTER)
        assert len(saved) == 1
        assert f"#{saved[0].id}" in group.telegram.last_to(REQUESTER).text
        assert _told(group, COORDINATOR, WORKS_AGAIN) == 1
        assert sum("Can you help" in text for text in group.telegram.texts_to(301)) == 1


async def test_a_retry_does_not_say_again_what_was_said_before_the_fault(
    open_group: Callable[..., AbstractAsyncContextManager[Group]],
) -> None:
    async with open_group(DB_RETRY_S="10") as group:
        await _up_to_confirm(group)
        requests = group.app.storage.requests
        create = requests.create
        failures = iter([sqlite3.OperationalError("database is locked")])

        async def flaky_create(**kwargs: Any) -> Any:
            for error in failures:
                raise error
            return await create(**kwargs)

        requests.create = flaky_create  # type: ignore[method-assign]
        # The "Sent!" answer went out before saving failed; the retry saves it.
        await group.press(REQUESTER, "v1:confirm:yes")
        saved = await requests.by_requester(REQUESTER)
        assert len(saved) == 1
        assert _told(group, REQUESTER, f"#{saved[0].id}") == 1
        assert sum("Can you help" in text for text in group.telegram.texts_to(301)) == 1


async def test_no_fault_outside_the_handlers_stops_update_handling(group: Group) -> None:
    await group.consent(REQUESTER)
    handled = group.app.storage.handled

    async def broken(*args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    handled.remember = broken  # type: ignore[method-assign]
    handled.seen = broken  # type: ignore[method-assign,assignment]
    await group.say(REQUESTER, "/help")  # used to raise, ending PTB's update fetching
    await group.say(REQUESTER, "/privacy")
    assert len(group.telegram.texts_to(REQUESTER)) >= 2


async def test_the_running_bot_beats_through_its_update_queue_and_says_when_it_stops(
    open_group: Callable[..., AbstractAsyncContextManager[Group]],
) -> None:
    async with open_group(HEALTH_STALE_S="0.6") as group:
        app = group.app
        path = heartbeat_path(app.services.settings.database_path)
        await app.start()
        try:
            for _ in range(200):
                if path.exists():
                    break
                await asyncio.sleep(0.02)
            first = path.stat().st_mtime_ns
            assert json.loads(path.read_text())["state"] == SERVING
            for _ in range(200):
                if path.stat().st_mtime_ns != first:
                    break
                await asyncio.sleep(0.02)
            assert path.stat().st_mtime_ns != first  # the beats keep coming through
        finally:
            await app.stop()
        assert json.loads(path.read_text())["state"] == STOPPED


async def test_a_request_saved_just_before_the_fault_is_called_saved_and_started_later(
    open_group: Callable[..., AbstractAsyncContextManager[Group]],
) -> None:
    async with open_group(DB_RETRY_S="0.3") as group:
        await _up_to_confirm(group)
        services, storage = group.app.services, group.app.storage
        schedule = services.reminders.schedule

        async def failing_schedule(*args: Any, **kwargs: Any) -> bool:
            raise sqlite3.OperationalError(FULL)

        # The request row is written; the disk fills before its reminders are.
        services.reminders.schedule = failing_schedule  # type: ignore[method-assign]
        await group.press(REQUESTER, "v1:confirm:yes")
        saved = await storage.requests.by_requester(REQUESTER)
        assert len(saved) == 1
        request_id = saved[0].id
        assert _told(group, REQUESTER, f"request #{request_id} was saved") == 1
        assert _told(group, REQUESTER, "couldn't save that") == 0
        # Pressing Send again makes no second request, and is not told "couldn't save".
        await group.press(REQUESTER, "v1:confirm:yes")
        assert len(await storage.requests.by_requester(REQUESTER)) == 1
        assert _told(group, REQUESTER, "couldn't save that") == 0

        # Room again: the next update that works starts the request, once.
        services.reminders.schedule = schedule  # type: ignore[method-assign]
        await group.say(REQUESTER, "/help")
        assert _told(group, COORDINATOR, WORKS_AGAIN) == 1
        assert sum("Can you help" in text for text in group.telegram.texts_to(301)) == 1
        due = await storage.db.fetchall(
            "SELECT kind FROM reminders WHERE request_id = ?", (request_id,)
        )
        assert {"alert", "escalate"} <= {row["kind"] for row in due}
