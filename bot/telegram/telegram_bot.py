"""The bot object: PTB's ExtBot, forgiving about edits that change nothing.

Telegram answers an edit that leaves a message as it was with 400 "message is not
modified". For this bot that is success, not an error: a second press of Done, or a
late Accept on a ping that was already marked as taken, legitimately asks for the same
text again. Handling it here covers every edit path (handlers, services, CallbackQuery
shortcuts) in one place.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from telegram.error import BadRequest
from telegram.ext import ExtBot


async def _unless_unchanged(edit: Awaitable[Any]) -> Any:
    """The edit's answer; True where Telegram says it changed nothing."""
    try:
        return await edit
    except BadRequest as error:
        if "message is not modified" in error.message.lower():
            return True
        raise


class GroupBot(ExtBot[int]):  # int: the rate limiter's per-call argument (max retries)
    async def edit_message_text(self, *args: Any, **kwargs: Any) -> Any:
        return await _unless_unchanged(super().edit_message_text(*args, **kwargs))

    async def edit_message_reply_markup(self, *args: Any, **kwargs: Any) -> Any:
        return await _unless_unchanged(super().edit_message_reply_markup(*args, **kwargs))
