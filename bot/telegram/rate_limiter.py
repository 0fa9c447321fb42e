"""The application's rate limiter: PTB's AIORateLimiter on the bot's one send budget
(bot.services.budget), which broadcast sends share at a lower priority."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

from bot.services.budget import SendBudget

# `rate_limit_args` of a broadcast send: RateLimiter lets it through untouched.
BULK = -1


class RateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter, its overall 30 a second replaced by the bot's one SendBudget
    (bot.services.budget), which broadcast sends share at a lower priority.

    Broadcast sends (`rate_limit_args=BULK`) skip the rest of AIORateLimiter, because the
    outbox worker must handle them itself: AIORateLimiter would answer a 429 by retrying
    inside the call (the worker could not put the row back and wait), and on the last
    retry raise with a logged traceback. They wait for the budget's spare room instead,
    after the worker's own pacing at BROADCAST_RATE: conversations go first, and the two
    together stay within Telegram's ~30 a second.
    """

    def __init__(self, budget: SendBudget, max_retries: int = 0) -> None:
        super().__init__(max_retries=max_retries)
        # AIORateLimiter enters its overall limiter with `async with` for every call to
        # a chat; the budget is entered the same way, as a conversation's send.
        self._base_limiter = budget  # type: ignore[assignment]
        self._budget = budget

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if rate_limit_args == BULK:
            await self._budget.spare()
            return await callback(*args, **kwargs)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
