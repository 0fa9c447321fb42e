"""The reminders' alarm (bot.services.reminders) on PTB's JobQueue: one job, with no
misfire limit, so that it rings however late the bot is to it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram.ext import CallbackContext, Job, JobQueue


@dataclass(eq=False, repr=False)
class _Set:
    job: Job[Any]

    def cancel(self) -> None:
        self.job.schedule_removal()


@dataclass(eq=False, repr=False)
class JobQueueAlarm:
    job_queue: JobQueue[Any]

    def ring_in(self, seconds: float, ring: Callable[[], Awaitable[None]], *, name: str) -> _Set:
        async def rung(context: CallbackContext[Any, Any, Any, Any]) -> None:
            await ring()

        return _Set(
            self.job_queue.run_once(
                rung, when=seconds, name=name, job_kwargs={"misfire_grace_time": None}
            )
        )
