"""Broadcasts: the outbox drain that sends a coordinator's message to thousands of people
at BROADCAST_RATE, survives a restart half-way, and sends nobody the message twice.

One asyncio task drains the outbox a batch at a time. Before each Bot API call the row is
stored as `sending`, after it as `sent` (or blocked / failed). Telegram has no idempotency
key, so a row still `sending` at start-up (the bot died during that call) cannot be
checked: it may have arrived. It becomes `unsure` and is never sent again, because "nobody
gets it twice" is the promise; the coordinator's report counts these separately.

Any coordinator can press Stop under the progress message: the broadcast is marked
stopped in the database first (so no row is claimed after it, and a restart does not
resume it), the message in flight is let finish, and the report says how many got it,
how many did not, and who stopped it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.domain.broadcasts import (
    Attempt,
    Audience,
    Broadcast,
    BroadcastDraft,
    BroadcastStatus,
    Counts,
    Delivery,
    Recipient,
)
from bot.domain.results import Started
from bot.services.ports import BroadcastStore, BulkSender, People

_LOGGER = logging.getLogger(__name__)

# Tries of one message that failed for a reason other than 429 before it counts as failed.
MAX_ATTEMPTS = 3
# The pause before the next try of such a message grows by this much each time.
RETRY_PAUSE_S = 1.0
# The coordinator's progress message is edited at most this often (an edit is a message
# too, and editing one message many times a second earns a 429 of its own).
PROGRESS_EVERY_S = 3.0
# A clean stop waits this long for the message being sent to come back.
STOP_GRACE_S = 10.0
MAX_TEXT = 3500

# Where the progress message is: (chat id, message id).
Progress = tuple[int, int]


class BroadcastNews(Protocol):
    """What a broadcast tells its coordinators, in their own words (the Telegram side:
    bot.telegram.broadcast_news)."""

    async def progress(self, broadcast: Broadcast, counts: Counts) -> Progress | None:
        """Send the "sent 0 of 1,200" message with Stop under it; where it is, or None."""
        ...

    async def show_progress(
        self, broadcast: Broadcast, progress: Progress, counts: Counts, *, final: bool
    ) -> None:
        """Edit it in place; Stop stays under it until the broadcast is over (`final`)."""
        ...

    async def report(
        self, reader: int, broadcast: Broadcast, counts: Counts, stopper: str | None
    ) -> None:
        """The final report, to one of the coordinators who should read it."""
        ...


class Pacer:
    """Spaces calls `1/rate` apart on a fixed timetable. A call that comes up to one
    interval late keeps the timetable (so sleep overshoot doesn't lower the rate); later
    than that, or after `restart()`, the timetable starts again from now: no burst to
    catch up, which is what Telegram would answer with a 429."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")

    async def wait(self) -> None:
        now = self._clock()
        slot = self._next if self._next >= now - self._interval else now
        self._next = slot + self._interval
        if slot > now:
            await self._sleep(slot - now)

    def restart(self) -> None:
        self._next = float("-inf")


class Broadcaster:
    """Drafts, Send, and the worker that drains the outbox."""

    def __init__(
        self,
        rate: float,
        repository: BroadcastStore,
        users: People,
        sender: BulkSender,
        news: BroadcastNews,
        clock: Callable[[], float],
        pacer: Pacer | None = None,
    ) -> None:
        self._repository = repository
        self._users = users
        self._sender = sender
        self._news = news
        self._clock = clock
        self._pacer = pacer or Pacer(rate)
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        # Broadcasts whose Stop was pressed in this process, and what wakes a worker
        # waiting out a 429 so that it notices at once.
        self._halted: set[int] = set()
        self._wake = asyncio.Event()
        # Set by kick() while the worker runs: a broadcast queued just as the worker found
        # nothing left must not wait for the next restart.
        self._more = asyncio.Event()
        self._progress_every_s = PROGRESS_EVERY_S

    # --- what the coordinator's buttons do ----------------------------------------------

    async def audience_size(self, audience: Audience) -> int:
        return await self._repository.count_audience(audience)

    async def prepare(self, coordinator_id: int, audience: Audience, text: str) -> BroadcastDraft:
        """Store a draft for the preview; nothing is queued yet."""
        recipients = await self._repository.count_audience(audience)
        broadcast_id = await self._repository.create(coordinator_id, audience, text, self._clock())
        return BroadcastDraft(broadcast_id, recipients)

    async def send(self, broadcast_id: int) -> tuple[Started, int]:
        """Queue a draft and start the worker. Pressing Send twice (or Telegram delivering
        the press twice) queues it once: the draft -> sending change is conditional."""
        total = await self._repository.begin(broadcast_id, self._clock())
        if total is not None:
            self.kick()
            return Started.STARTED, total
        return await self.state(broadcast_id), 0

    async def state(self, broadcast_id: int) -> Started:
        """Why Send (or Cancel) can't act on this broadcast any more."""
        broadcast = await self._repository.get(broadcast_id)
        if broadcast is None:
            return Started.MISSING
        if broadcast.stopped_by is not None:
            return Started.STOPPED
        return {
            BroadcastStatus.SENDING: Started.ALREADY_SENDING,
            BroadcastStatus.DONE: Started.ALREADY_DONE,
            BroadcastStatus.CANCELLED: Started.CANCELLED,
        }.get(broadcast.status, Started.MISSING)

    async def cancel(self, broadcast_id: int) -> bool:
        """Drop a draft; False when it was already sent, sending or cancelled."""
        return await self._repository.cancel(broadcast_id, self._clock())

    async def stop_sending(self, broadcast_id: int, coordinator_id: int) -> bool:
        """Stop a broadcast that is going out: nobody else gets it, and the worker sends
        the report. False when it was not sending (finished, or stopped already)."""
        if not await self._repository.stop(broadcast_id, coordinator_id, self._clock()):
            return False
        _LOGGER.info("Broadcast %s stopped by a coordinator", broadcast_id)
        self._halted.add(broadcast_id)
        self._wake.set()
        self.kick()  # a worker that had died on an error still owes the report
        return True

    async def stopper_name(self, broadcast_id: int) -> str | None:
        """The first name of whoever stopped it ("" if not known), None if nobody did."""
        broadcast = await self._repository.get(broadcast_id)
        if broadcast is None or broadcast.stopped_by is None:
            return None
        user = await self._users.get(broadcast.stopped_by)
        return user.first_name if user is not None else ""

    async def going_out(self) -> list[tuple[Broadcast, Counts]]:
        """The broadcasts still being sent, with how far each has got."""
        return [
            (broadcast, await self._repository.counts(broadcast.id))
            for broadcast in await self._repository.sending()
            if broadcast.stopped_by is None
        ]

    # --- the worker's life --------------------------------------------------------------

    async def resume(self) -> int:
        """At start-up: settle rows the last process left mid-send, then carry on with
        every broadcast still sending. Returns how many are going out."""
        if self.running:
            return len(await self._repository.sending())
        interrupted = await self._repository.mark_interrupted()
        if interrupted:
            _LOGGER.warning(
                "%s broadcast message(s) were being sent when the bot stopped; they may "
                "have arrived, so they are not sent again",
                interrupted,
            )
        sending = await self._repository.sending()
        if sending:
            self.kick()
        return len(sending)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def kick(self) -> None:
        """Make sure the worker is draining (it stops by itself when nothing is left)."""
        if self.running:
            self._more.set()
            return
        self._stopping.clear()
        # A fresh context: the worker must not inherit the language of the update that
        # pressed Send; it renders each message in its recipient's language.
        self._task = asyncio.get_running_loop().create_task(
            self._drain(), name="broadcast-outbox", context=contextvars.Context()
        )

    async def idle(self) -> None:
        """Wait until the worker has nothing left to send (tests, benchmarks)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Stop between two messages; a message in flight gets `grace_s` to come back
        before the task is cancelled (its row then stays `sending`: see the module doc)."""
        task = self._task
        if task is None or task.done():
            return
        self._stopping.set()
        self._wake.set()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), grace_s)
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _drain(self) -> None:
        try:
            while not self._stopping.is_set():
                self._more.clear()
                sending = await self._repository.sending()
                if not sending:
                    if self._more.is_set():
                        continue
                    return
                await self._run(sending[0])
        except Exception:
            # The outbox keeps its place: the next Send or start-up carries on from here.
            _LOGGER.exception("The broadcast worker stopped on an error")

    async def _run(self, broadcast: Broadcast) -> None:
        progress = await self._progress_message(broadcast)
        last_report = time.monotonic()
        reported_done = -1
        while not self._stopping.is_set() and not self._halted_now(broadcast):
            # Empty once the broadcast is stopped, also when that was before a restart.
            batch = await self._repository.pending(broadcast.id)
            if not batch:
                break
            for recipient in batch:
                if self._stopping.is_set():
                    return
                if self._halted_now(broadcast):
                    break
                await self._deliver(broadcast, recipient)
                if time.monotonic() - last_report >= self._progress_every_s:
                    counts = await self._repository.counts(broadcast.id)
                    if counts.done != reported_done:
                        await self._show_progress(broadcast, progress, counts)
                        reported_done = counts.done
                    last_report = time.monotonic()
        if self._stopping.is_set():
            return
        counts = await self._repository.counts(broadcast.id)
        if await self._repository.finish(broadcast.id, counts, self._clock()):
            self._halted.discard(broadcast.id)
            await self._show_progress(broadcast, progress, counts, final=True)
            await self._report(broadcast, counts)
            _LOGGER.info(
                "Broadcast %s done: %s sent, %s blocked, %s failed, %s unsure, %s not sent",
                broadcast.id,
                counts.sent,
                counts.blocked,
                counts.failed,
                counts.unsure,
                counts.not_sent,
            )

    def _halted_now(self, broadcast: Broadcast) -> bool:
        return broadcast.id in self._halted or broadcast.stopped_by is not None

    async def _report(self, broadcast: Broadcast, counts: Counts) -> None:
        """The final report to its coordinator, and to whoever stopped it if not them."""
        stopper = await self.stopper_name(broadcast.id)
        stored = await self._repository.get(broadcast.id)
        readers = [broadcast.coordinator_id]
        if stored is not None and stored.stopped_by not in (None, broadcast.coordinator_id):
            readers.append(stored.stopped_by)
        for reader in readers:
            await self._news.report(reader, broadcast, counts, stopper)

    async def _progress_message(self, broadcast: Broadcast) -> Progress | None:
        """The coordinator's "sent 0 of 1,200" message: sent once, then edited in place."""
        if broadcast.progress_chat_id is not None and broadcast.progress_message_id is not None:
            return broadcast.progress_chat_id, broadcast.progress_message_id
        counts = await self._repository.counts(broadcast.id)
        progress = await self._news.progress(broadcast, counts)
        if progress is None:
            return None
        await self._repository.set_progress_message(broadcast.id, *progress)
        return progress

    async def _show_progress(
        self,
        broadcast: Broadcast,
        progress: Progress | None,
        counts: Counts,
        *,
        final: bool = False,
    ) -> None:
        if progress is None:
            return
        await self._news.show_progress(broadcast, progress, counts, final=final)

    async def _deliver(self, broadcast: Broadcast, recipient: Recipient) -> None:
        """Send one outbox row and store how it went."""
        if recipient.blocked:  # blocked the bot after the broadcast was queued
            await self._repository.settle(recipient.entry_id, Delivery.BLOCKED, self._clock())
            return
        failures = 0
        while not self._stopping.is_set() and not self._halted_now(broadcast):
            await self._pacer.wait()
            if not await self._repository.claim(recipient.entry_id):
                return
            tried = await self._sender.send(recipient, broadcast.text)
            if tried.attempt is Attempt.WAIT:
                # Telegram did not deliver it: put it back, wait as told, send it again.
                await self._repository.release(recipient.entry_id)
                await self._pause(tried.wait_s, broadcast.id)
                self._pacer.restart()
                continue
            if tried.attempt is Attempt.FAILED:
                failures += 1
                if failures < MAX_ATTEMPTS:
                    await self._retry_later(broadcast, recipient, failures)
                    continue
                _LOGGER.warning("Broadcast to %s failed: %s", recipient.user_id, tried.detail)
            elif tried.attempt is Attempt.BLOCKED:
                await self._users.set_blocked(recipient.user_id, self._clock())
            await self._repository.settle(
                recipient.entry_id, _SETTLED[tried.attempt], self._clock()
            )
            return

    async def _retry_later(
        self, broadcast: Broadcast, recipient: Recipient, failures: int
    ) -> None:
        await self._repository.release(recipient.entry_id)
        await self._pause(RETRY_PAUSE_S * failures, broadcast.id)

    async def _pause(self, seconds: float, broadcast_id: int) -> None:
        """Sleep, but wake up at once when the bot is stopping or the broadcast is."""
        deadline = time.monotonic() + seconds
        while True:
            # Cleared before the check, with no await between: a wake-up is never lost.
            self._wake.clear()
            left = deadline - time.monotonic()
            if self._stopping.is_set() or broadcast_id in self._halted or left <= 0:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), left)


# What an outbox row becomes after a try that ends it.
_SETTLED = {
    Attempt.SENT: Delivery.SENT,
    Attempt.BLOCKED: Delivery.BLOCKED,
    Attempt.REFUSED: Delivery.FAILED,
    Attempt.UNSURE: Delivery.UNSURE,
    Attempt.FAILED: Delivery.FAILED,
}
