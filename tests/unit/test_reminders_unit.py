"""The reminders' one alarm with no JobQueue and no database (tests/support/fakes.py):
it is set for the earliest pending reminder, a reminder fires once, and a restart finds
what fell due while the bot was down. End to end: test_reminders.py."""

from __future__ import annotations

import sqlite3

from bot.domain.models import NewReminder, Reminder
from bot.services.reminders import RETRY_S, Reminders
from tests.support.fakes import Clock, FakeAlarm, FakeReminderBook

HOUR = 3600.0


class Timer:
    def __init__(self, book: FakeReminderBook | None = None) -> None:
        self.clock = Clock()
        self.book = book or FakeReminderBook()
        self.alarm = FakeAlarm(self.clock)
        self.reminders = Reminders(self.book, self.clock)
        self.reminders.attach(self.alarm)
        self.fired: list[str] = []
        for kind in ("escalate", "expire", "visit"):
            self.reminders.on(kind, self._note, outlives_request=kind == "visit")

    async def _note(self, reminder: Reminder) -> None:
        self.fired.append(reminder.key)

    def armed(self) -> list[float]:
        """When the alarm is set to ring (if it is)."""
        return [r.at for r in self.alarm.set if not r.cancelled]

    async def later(self, seconds: float) -> int:
        self.clock.now += seconds
        return await self.alarm.ring_due()


async def test_one_alarm_rings_for_the_earliest_reminder() -> None:
    t = Timer()
    now = t.clock.now
    assert await t.reminders.schedule("expire", now + 2 * HOUR, 7, request_id=7)
    assert await t.reminders.schedule("escalate", now + HOUR, 7, 1, request_id=7)
    assert t.armed() == [now + HOUR]  # moved earlier, not a second alarm
    assert await t.reminders.schedule("escalate", now + 3 * HOUR, 8, 1, request_id=8)
    assert t.armed() == [now + HOUR]  # a later one leaves it where it is


async def test_each_reminder_fires_once_at_its_time_and_the_alarm_moves_on() -> None:
    t = Timer()
    now = t.clock.now
    await t.reminders.schedule("escalate", now + HOUR, 7, 1, request_id=7)
    await t.reminders.schedule("expire", now + 2 * HOUR, 7, request_id=7)
    await t.later(HOUR)
    assert t.fired == ["escalate:7:1"]
    assert t.armed() == [now + 2 * HOUR]
    await t.later(HOUR)
    assert t.fired == ["escalate:7:1", "expire:7"]
    assert t.armed() == []
    assert await t.reminders.fire_due() == 0  # rung again: nothing twice


async def test_the_same_reminder_scheduled_twice_is_stored_once() -> None:
    t = Timer()
    due = t.clock.now + HOUR
    assert await t.reminders.schedule("escalate", due, 7, 1, request_id=7)
    assert not await t.reminders.schedule("escalate", due, 7, 1, request_id=7)
    await t.later(HOUR)
    assert t.fired == ["escalate:7:1"]


async def test_closing_a_request_cancels_its_reminders_but_a_doorstep_visit() -> None:
    t = Timer()
    now = t.clock.now
    await t.reminders.schedule("escalate", now + HOUR, 7, 1, request_id=7)
    await t.reminders.schedule("visit", now + HOUR, 7, request_id=7)
    await t.reminders.schedule("escalate", now + HOUR, 8, 1, request_id=8)
    await t.reminders.cancel(7)
    await t.later(HOUR)
    assert t.fired == ["visit:7", "escalate:8:1"]


async def test_a_failing_reminder_does_not_stop_the_others() -> None:
    t = Timer()

    async def broken(reminder: Reminder) -> None:
        raise RuntimeError("Telegram is down")

    t.reminders.on("expire", broken)
    await t.reminders.schedule("expire", t.clock.now + HOUR, 7, request_id=7)
    await t.reminders.schedule("escalate", t.clock.now + HOUR, 8, 1, request_id=8)
    assert await t.later(HOUR) == 1
    assert t.fired == ["escalate:8:1"]
    assert t.book.states == {"expire:7": "fired", "escalate:8:1": "fired"}


async def test_at_start_up_what_fell_due_while_the_bot_was_down_rings_at_once() -> None:
    t = Timer()
    await t.book.add(NewReminder("escalate:7:1", "escalate", t.clock.now - HOUR, 7), 0.0)
    await t.book.add(NewReminder("expire:7", "expire", t.clock.now + HOUR, 7), 0.0)
    restarted = Timer(t.book)  # a new process, the same table
    assert await restarted.reminders.restore() == 2
    assert restarted.armed() == [restarted.clock.now]  # overdue: now
    await restarted.alarm.ring_due()
    assert restarted.fired == ["escalate:7:1"]
    assert restarted.armed() == [restarted.clock.now + HOUR]


class FailingOnce:
    """An action the database fails under the first `times` times (a full disk)."""

    def __init__(self, times: int = 1) -> None:
        self.times = times
        self.done: list[str] = []

    async def __call__(self, reminder: Reminder) -> None:
        if self.times:
            self.times -= 1
            raise sqlite3.OperationalError("database or disk is full")
        self.done.append(reminder.key)


async def test_a_reminder_the_database_cut_short_fires_again_when_it_works() -> None:
    t = Timer()
    alert = FailingOnce(times=2)
    t.reminders.on("alert", alert)
    now = t.clock.now
    await t.reminders.schedule("alert", now + HOUR, 7, request_id=7)

    await t.later(HOUR)
    assert alert.done == []
    assert t.book.states["alert:7"] == "fired"  # claimed, and remembered to put back
    assert t.armed() == [now + HOUR + RETRY_S]

    await t.later(RETRY_S)  # still failing: put back, tried, waiting again
    assert alert.done == []
    assert t.armed() == [now + HOUR + 2 * RETRY_S]

    await t.later(RETRY_S)
    assert alert.done == ["alert:7"]  # once, late, not lost
    assert t.book.states["alert:7"] == "fired"
    assert t.armed() == []


async def test_while_the_database_fails_the_alarm_tries_again_instead_of_falling_silent() -> None:
    t = Timer()
    now = t.clock.now
    await t.reminders.schedule("expire", now + HOUR, 7, request_id=7)
    claim_next = t.book.claim_next

    async def locked(now: float) -> Reminder | None:
        raise sqlite3.OperationalError("database is locked")

    t.book.claim_next = locked  # type: ignore[method-assign]
    await t.later(HOUR)
    assert t.fired == []
    assert t.armed() == [now + HOUR + RETRY_S]

    t.book.claim_next = claim_next  # type: ignore[method-assign]
    await t.later(RETRY_S)
    assert t.fired == ["expire:7"]


async def test_a_reminder_that_fails_for_another_reason_is_logged_not_repeated() -> None:
    t = Timer()

    async def broken(reminder: Reminder) -> None:
        raise ValueError("a bug")

    t.reminders.on("digest", broken)
    await t.reminders.schedule("digest", t.clock.now, "today")
    await t.later(0)
    assert t.book.states["digest:today"] == "fired"
    assert t.armed() == []
