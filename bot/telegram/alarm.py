"""The reminders' alarm (bot.services.reminders) on PTB's JobQueue: one job, with no
misfire limit, so that it rings however late the bot is to it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import CallbackContext, Job, JobQueue


class _Set:
    def __init__(self, job: Job[Any]) -> None:
        self._job = job

    def cancel(self) -> None:
        self._job.schedule_removal()


class JobQueueAlarm:
    def __init__(self, job_queue: JobQueue[Any]) -> None:
        self._job_queue = job_queue

    def ring_in(self, seconds: float, ring: Callable[[], Awaitable[None]], *, name: str) -> _Set:
        async def rung(context: CallbackContext[Any, Any, Any, Any]) -> None:
            await ring()

        return _Set(
            self._job_queue.run_once(
                rung, when=seconds, name=name, job_kwargs={"misfire_grace_time": None}
            )
        )
