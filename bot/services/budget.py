"""Telegram's limit, shared: one budget of messages a second for the whole bot.

Telegram lets one bot send about 30 messages a second in all. Everything the bot says
draws on this one budget: a leaky bucket like the one PTB's AIORateLimiter keeps
(aiolimiter's AsyncLimiter(30, 1): up to a second's worth at once, refilling at 30 a
second), with two ways in.

- Conversations (answers to presses, pings, a requester's news, the coordinators'
  alerts) go first: they take room whenever there is some, ahead of any broadcast
  send that is waiting.
- A broadcast send takes room only when no conversation is waiting and RESERVE of the
  bucket stays free, so that the next press is answered at once. A broadcast gets what
  conversations leave; BROADCAST_RATE is its ceiling, not a promise.

Together they never go above the budget's rate (a second's burst aside, as before).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from types import TracebackType

# Messages a second Telegram allows one bot "in all" (its Bots FAQ).
TELEGRAM_RATE = 30.0
# Room in the bucket a broadcast leaves for conversations (messages).
RESERVE = 5.0


class SendBudget:
    """The bot's messages a second; `async with budget:` for a conversation's send,
    `await budget.spare()` for a broadcast's. A rate of math.inf never waits (for
    benchmarks whose Bot API is a stand-in)."""

    def __init__(
        self,
        rate: float = TELEGRAM_RATE,
        *,
        reserve: float = RESERVE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = rate
        self._capacity = max(1.0, rate) if math.isfinite(rate) else math.inf
        # A broadcast may fill the bucket up to here; at least one message's room.
        self._bulk_ceiling = max(1.0, self._capacity - reserve)
        self._clock = clock
        self._level = 0.0
        self._last = clock()
        self._urgent_waiting = 0

    @property
    def rate(self) -> float:
        return self._rate

    async def __aenter__(self) -> None:
        await self.urgent()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        return None

    async def urgent(self) -> None:
        """Room for one message of a conversation, as soon as there is any."""
        if not math.isfinite(self._rate):
            return
        self._urgent_waiting += 1
        try:
            # The wait is known to the microsecond (the bucket leaks at a steady rate):
            # sleep for it rather than be woken.
            while True:
                if self._take(self._capacity):
                    return
                await asyncio.sleep(self._wait(self._capacity))
        finally:
            self._urgent_waiting -= 1

    async def spare(self) -> None:
        """Room for one broadcast message: none while a conversation waits, and never
        the reserve kept for the next press."""
        if not math.isfinite(self._rate):
            return
        while True:
            if not self._urgent_waiting and self._take(self._bulk_ceiling):
                return
            await asyncio.sleep(max(self._wait(self._bulk_ceiling), 1 / self._rate))

    def _leak(self) -> None:
        now = self._clock()
        self._level = max(0.0, self._level - (now - self._last) * self._rate)
        self._last = now

    def _take(self, ceiling: float) -> bool:
        self._leak()
        if self._level + 1 <= ceiling:
            self._level += 1
            return True
        return False

    def _wait(self, ceiling: float) -> float:
        """How long until one more message fits under the ceiling."""
        return max(0.0, (self._level + 1 - ceiling) / self._rate)
