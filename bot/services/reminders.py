"""Reminders that survive restarts: a row in the database, armed as a JobQueue job.

PTB's JobQueue (APScheduler inside) keeps jobs in memory only, and by default drops a job
that runs more than a second late. So every reminder is stored first, armed with no
misfire limit, re-armed from the table at start-up (one that fell due while the bot was
down fires at once), and claimed in the database before it acts, so it fires once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import CallbackContext, JobQueue

from bot.db.reminders import Reminder, ReminderRepository

_LOGGER = logging.getLogger(__name__)

Action = Callable[[Reminder], Awaitable[None]]


class Reminders:
    def __init__(self, repository: ReminderRepository, clock: Callable[[], float]) -> None:
        self._repository = repository
        self._clock = clock
        self._actions: dict[str, Action] = {}
        self._job_queue: JobQueue[Any] | None = None

    def attach(self, job_queue: JobQueue[Any] | None) -> None:
        """Use this JobQueue to wake up when reminders fall due."""
        self._job_queue = job_queue

    def on(self, kind: str, action: Action) -> None:
        """What to do when a reminder of this kind falls due."""
        self._actions[kind] = action

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
        reminder = await self._repository.add(
            key,
            kind,
            due_at,
            self._clock(),
            request_id=request_id,
            series_id=series_id,
            user_id=user_id,
        )
        if reminder is None:
            return False
        self._arm(reminder)
        return True

    async def cancel(self, request_id: int, *kinds: str) -> None:
        """Forget a request's pending reminders (all, or of these kinds)."""
        for reminder_id in await self._repository.cancel(request_id=request_id, kinds=kinds):
            self._disarm(reminder_id)

    async def cancel_series(self, series_id: int) -> None:
        for reminder_id in await self._repository.cancel_series(series_id):
            self._disarm(reminder_id)

    async def restore(self) -> int:
        """At start-up: arm every pending reminder; overdue ones fire straight away."""
        pending = await self._repository.pending()
        for reminder in pending:
            self._arm(reminder)
        return len(pending)

    async def fire(self, reminder_id: int) -> bool:
        """Run a due reminder once. False if it had already fired or was cancelled."""
        reminder = await self._repository.claim(reminder_id, self._clock())
        if reminder is None:
            return False
        action = self._actions.get(reminder.kind)
        if action is None:
            _LOGGER.error("No action for reminder kind %r (%s)", reminder.kind, reminder.key)
            return False
        try:
            await action(reminder)
        except Exception:
            # One failing reminder must not stop the others; it is logged with its key.
            _LOGGER.exception("Reminder %s failed", reminder.key)
        return True

    def _arm(self, reminder: Reminder) -> None:
        if self._job_queue is None:
            return
        self._job_queue.run_once(
            self._on_due,
            when=max(0.0, reminder.due_at - self._clock()),
            data=reminder.id,
            name=_job_name(reminder.id),
            job_kwargs={"misfire_grace_time": None, "coalesce": True},
        )

    def _disarm(self, reminder_id: int) -> None:
        if self._job_queue is None:
            return
        for job in self._job_queue.get_jobs_by_name(_job_name(reminder_id)):
            job.schedule_removal()

    async def _on_due(self, context: CallbackContext[Any, Any, Any, Any]) -> None:
        job = context.job
        if job is not None and isinstance(job.data, int):
            await self.fire(job.data)


def _job_name(reminder_id: int) -> str:
    return f"reminder:{reminder_id}"
