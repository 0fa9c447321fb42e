"""Riding out a failing database: which errors pass, and what an update already did.

A backup holding the write lock, a full disk or a read-only remount make SQLite raise
`sqlite3.OperationalError`. Those pass, and the bot must outlast them: an update whose
handling hit one is handled again after a pause (see MutualAidApplication). What it
already did is kept in its Journal, so that the retry neither says the same thing to
Telegram twice nor saves the same request twice.
"""

from __future__ import annotations

import asyncio
import html
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from bot.i18n import _

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

# SQLite's primary result codes for faults outside the bot: BUSY, LOCKED, READONLY,
# IOERR, FULL, CANTOPEN, PROTOCOL. Anything else (a wrong query, a constraint) is a bug.
_TRANSIENT_CODES = frozenset({5, 6, 8, 10, 13, 14, 15})
# The same faults by their message, for errors raised without a result code.
_TRANSIENT_WORDS = (
    "database is locked",
    "database table is locked",
    "database is busy",
    "disk is full",
    "readonly database",
    "read-only",
    "disk i/o error",
    "unable to open database",
)


def is_transient(error: BaseException) -> bool:
    """A database fault that goes away by itself (or when the operator frees the disk)."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _TRANSIENT_CODES:
        return True
    text = str(error).lower()
    return any(word in text for word in _TRANSIENT_WORDS)


class Journal:
    """What one update's handling has done, kept across the attempts to handle it.

    Each attempt does the same things in the same order until it fails; every step
    recorded with `once` is therefore matched by its key and its place among steps with
    that key, and what it gave the first time is given again instead of doing it twice."""

    def __init__(self) -> None:
        self._owner = asyncio.current_task()
        self._done: dict[str, list[Any]] = {}
        self._taken: dict[str, int] = {}

    def next_attempt(self) -> None:
        self._taken = {}

    def made(self, key: str) -> list[Any]:
        """What the steps recorded under this key gave, in order (e.g. the saved request)."""
        return list(self._done.get(key, []))

    def did(self, fragment: str) -> bool:
        """Whether a step whose key contains this was done, e.g. a Bot API method."""
        return any(fragment in key for key, done in self._done.items() if done)

    async def once(self, key: str, action: Callable[[], Awaitable[T]]) -> T:
        # Work the update started in the background is not this update's to replay.
        if asyncio.current_task() is not self._owner:
            return await action()
        place = self._taken.get(key, 0)
        self._taken[key] = place + 1
        done = self._done.setdefault(key, [])
        if place < len(done):
            result: T = done[place]
            return result
        result = await action()
        done.append(result)
        return result


_JOURNAL: ContextVar[Journal | None] = ContextVar("journal", default=None)


@contextmanager
def keeping(journal: Journal) -> Iterator[Journal]:
    """Record `once` steps in this journal while the block runs."""
    token = _JOURNAL.set(journal)
    try:
        yield journal
    finally:
        _JOURNAL.reset(token)


async def once(key: str, action: Callable[[], Awaitable[T]]) -> T:
    """Do `action` once per update, even when the update is handled again after a fault."""
    journal = _JOURNAL.get()
    if journal is None:
        return await action()
    return await journal.once(key, action)


class DatabaseWatch:
    """Tells the coordinators once when the database starts failing, and once when it
    works again; meanwhile updates are not held up retrying for the full minute."""

    def __init__(
        self,
        tell: Callable[[Callable[[], str]], Awaitable[object]],
        on_recovery: Callable[[], Awaitable[object]],
    ) -> None:
        self._tell = tell
        self._on_recovery = on_recovery
        self.failing = False

    async def failed(self, error: BaseException) -> None:
        if self.failing:
            return
        self.failing = True
        _LOGGER.error("The database is failing: %s", error)
        await self._say(
            lambda: _(
                "⚠️ The bot's database is failing ({error}). People's messages can't be "
                "handled now: each is tried again for a while, then the person is asked to try "
                "again in a few minutes. Check the disk space, and anything holding the "
                "database (a backup, an sqlite3 shell). I'll tell you when it works again."
            ).format(error=html.escape(str(error)))
        )

    async def worked(self) -> None:
        if not self.failing:
            return
        self.failing = False
        _LOGGER.warning("The database works again")
        await self._say(lambda: _("✅ The bot's database works again: messages are handled."))
        try:
            # A request saved just before the fault may not have reached anyone yet.
            await self._on_recovery()
        except Exception:
            _LOGGER.exception("Could not finish work interrupted by the database fault")

    async def _say(self, render: Callable[[], str]) -> None:
        try:
            await self._tell(render)
        except Exception:
            _LOGGER.exception("Could not tell the coordinators about the database")
