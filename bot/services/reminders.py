"""Reminders that survive restarts: rows in the database, and one alarm for the next.

PTB's JobQueue (APScheduler inside) keeps jobs in memory only, and by default drops a job
that runs more than a second late. So every reminder is stored first; a single JobQueue
job (no misfire limit) wakes the bot when the earliest pending reminder falls due, fires
everything due, and sets itself for the next one. At start-up the alarm is set from the
table, so a reminder that fell due while the bot was down fires at once. One alarm
instead of one job per reminder keeps start-up fast with thousands pending (see
bench/startup.py). Each reminder is claimed in the database before it acts: it fires once.
A reminder whose action the database cut short (a lock held elsewhere, a full disk) is
put back and fires again when the database works: a safety alert is late, never lost.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable

from bot.domain.models import NewReminder, Reminder
from bot.resilience import is_transient
from bot.services.ports import Alarm, ReminderBook, Ringing

_LOGGER = logging.getLogger(__name__)

Action = Callable[[Reminder], Awaitable[None]]
ALARM = "reminders:alarm"
# While the database fails, the alarm rings again this often to see whether it works.
RETRY_S = 15.0


class Reminders:
    def __init__(self, repository: ReminderBook, clock: Callable[[], float]) -> None:
        self._repository = repository
        self._clock = clock
        self._actions: dict[str, Action] = {}
        # More to do after a kind's own action (the Telegram side adding to a service's).
        self._after: dict[str, list[Action]] = {}
        # Kinds a request's closing does not cancel (a volunteer still on the doorstep).
        self._lasting: set[str] = set()
        self._clock_alarm: Alarm | None = None
        self._alarm: Ringing | None = None
        self._alarm_at: float | None = None
        self._draining = asyncio.Lock()
        # Claimed (marked fired) but cut short by the database: put back when it works.
        self._unfired: set[int] = set()

    def attach(self, alarm: Alarm | None) -> None:
        """Use this alarm (PTB's JobQueue: bot.telegram.alarm) to wake up when reminders
        fall due."""
        self._clock_alarm = alarm

    def on(self, kind: str, action: Action, *, outlives_request: bool = False) -> None:
        """What to do when a reminder of this kind falls due. `outlives_request`: cancelling
        all of a request's reminders spares this kind; only naming it cancels it."""
        self._actions[kind] = action
        if outlives_request:
            self._lasting.add(kind)

    def also(self, kind: str, action: Action) -> None:
        """After the action of this kind (see `on`), this one too."""
        self._after.setdefault(kind, []).append(action)

    async def schedule(
        self,
        kind: str,
        due_at: float,
        *key_parts: object,
        request_id: int | None = None,
        series_id: int | None = None,
        user_id: int | None = None,
    ) -> bool:
        """Store and arm a reminder. The key (kind plus parts) makes scheduling the same
        reminder twice a no-op, e.g. when an update is delivered twice."""
        key = ":".join(str(part) for part in (kind, *key_parts))
        new = NewReminder(key, kind, due_at, request_id, series_id, user_id)
        reminder = await self._repository.add(new, self._clock())
        if reminder is None:
            return False
        self._set_alarm(reminder.due_at)
        return True

    async def cancel(self, request_id: int, *kinds: str) -> None:
        """Forget a request's pending reminders (all but the lasting kinds, or these kinds).
        The alarm may still ring for them; it then finds nothing due and sets itself for
        the next."""
        sparing = () if kinds else tuple(self._lasting)
        await self._repository.cancel(request_id=request_id, kinds=kinds, sparing=sparing)

    async def cancel_series(self, series_id: int) -> None:
        await self._repository.cancel_series(series_id)

    async def restore(self) -> int:
        """At start-up: set the alarm for the earliest pending reminder (now, if overdue)."""
        count, earliest = await self._repository.pending_summary()
        if earliest is not None:
            self._set_alarm(earliest)
        return count

    async def fire(self, reminder_id: int) -> bool:
        """Run a due reminder once. False if it had already fired or was cancelled."""
        reminder = await self._repository.claim(reminder_id, self._clock())
        if reminder is None:
            return False
        return await self._run(reminder)

    async def _run(self, reminder: Reminder) -> bool:
        """The action of a reminder this process has claimed; False if it did not run
        (no action for its kind, or the database failed under it)."""
        action = self._actions.get(reminder.kind)
        if action is None:
            _LOGGER.error("No action for reminder kind %r (%s)", reminder.kind, reminder.key)
            return False
        try:
            await action(reminder)
            for after in self._after.get(reminder.kind, ()):
                await after(reminder)
        except Exception as error:
            if not is_transient(error):
                # One failing reminder must not stop the others; it is logged with its key.
                _LOGGER.exception("Reminder %s failed", reminder.key)
                return True
            # What it wrote was rolled back with the failing transaction: it fires again.
            _LOGGER.warning("Reminder %s waits for the database: %s", reminder.key, error)
            self._unfired.add(reminder.id)
            self._set_alarm(self._clock() + RETRY_S)
            return False
        return True

    async def fire_due(self) -> int:
        """Fire every reminder that is due now, then set the alarm for the next one."""
        fired = 0
        async with self._draining:
            self._alarm, self._alarm_at = None, None
            try:
                for reminder_id in sorted(self._unfired):
                    await self._repository.release(reminder_id)
                    self._unfired.discard(reminder_id)
                # Claimed one by one, the earliest first: another process draining at the
                # same moment (a takeover) claims others, never the same one.
                while (
                    not self._unfired
                    and (reminder := await self._repository.claim_next(self._clock())) is not None
                ):
                    fired += await self._run(reminder)
                if self._unfired:
                    return fired  # the database failed: _run set the alarm to try again
                _, earliest = await self._repository.pending_summary()
            except sqlite3.OperationalError as error:
                if not is_transient(error):
                    raise
                _LOGGER.warning("Reminders wait for the database: %s", error)
                self._set_alarm(self._clock() + RETRY_S)
                return fired
            if earliest is not None:
                self._set_alarm(earliest)
        return fired

    def _set_alarm(self, due_at: float) -> None:
        """Ring at `due_at` unless the alarm is already set to ring earlier."""
        if self._clock_alarm is None:
            return
        if self._alarm is not None and self._alarm_at is not None and self._alarm_at <= due_at:
            return
        if self._alarm is not None:
            self._alarm.cancel()
        self._alarm_at = due_at
        self._alarm = self._clock_alarm.ring_in(
            max(0.0, due_at - self._clock()), self._ring, name=ALARM
        )

    async def _ring(self) -> None:
        await self.fire_due()
