"""A broadcast on Telegram: its messages sent one at a time and Telegram's answer read,
and what the coordinators are told while it goes out. The Telegram side of
bot.services.broadcast (its BulkSender and BroadcastNews ports); the worker there decides
what each answer means for the outbox row."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot
from telegram.warnings import PTBDeprecationWarning

from bot.domain.broadcasts import Attempt, Broadcast, Counts, Recipient, Tried
from bot.i18n import use_language
from bot.services.broadcast import Progress
from bot.telegram import keyboards, notices
from bot.telegram.messenger import Messenger
from bot.telegram.rate_limiter import BULK

_LOGGER = logging.getLogger(__name__)


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for (PTB 22 warns that the int will become a timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def maybe_delivered(error: TelegramError) -> bool:
    """Whether Telegram may have delivered a message whose call failed: the request went
    out and the connection broke or timed out before the answer. Not when it never left
    (no connection, no free slot in the pool), nor when Telegram answered with an error."""
    cause = error.__cause__
    if not isinstance(error, NetworkError) or not isinstance(cause, httpx.HTTPError):
        return False
    return not isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


@dataclass(eq=False, repr=False)
class BulkMessages:
    """Sends one broadcast message, past the conversations' limiter (`BULK`: it waits
    for the send budget's spare room instead), and says how it went."""

    bot: ExtBot[Any]

    async def send(self, recipient: Recipient, text: str) -> Tried:
        with use_language(recipient.language):
            message = notices.broadcast_message(text)
        try:
            # parse_mode=None: the text goes out exactly as typed, "<b>" and all.
            await self.bot.send_message(
                recipient.user_id, message, parse_mode=None, rate_limit_args=BULK
            )
        except RetryAfter as error:
            return Tried(Attempt.WAIT, wait_s=retry_after_seconds(error), detail=str(error))
        except Forbidden as error:
            return Tried(Attempt.BLOCKED, detail=str(error))
        except BadRequest as error:  # e.g. chat not found: sending again won't help
            _LOGGER.warning("Broadcast to %s refused: %s", recipient.user_id, error)
            return Tried(Attempt.REFUSED, detail=str(error))
        except TelegramError as error:
            if maybe_delivered(error):
                # The answer was lost on the way back: it may have arrived.
                _LOGGER.warning("Broadcast to %s unsure: %s", recipient.user_id, error)
                return Tried(Attempt.UNSURE, detail=str(error))
            return Tried(Attempt.FAILED, detail=str(error))
        return Tried(Attempt.SENT)


@dataclass(eq=False, repr=False)
class BroadcastNotices:
    """The progress message under which Stop sits, and the final report."""

    messenger: Messenger

    async def progress(self, broadcast: Broadcast, counts: Counts) -> Progress | None:
        message = await self.messenger.tell(
            broadcast.coordinator_id,
            lambda: notices.broadcast_progress(broadcast.id, counts),
            lambda: keyboards.broadcast_stop(broadcast.id),
        )
        return None if message is None else (message.chat_id, message.message_id)

    async def show_progress(
        self, broadcast: Broadcast, progress: Progress, counts: Counts, *, final: bool
    ) -> None:
        await self.messenger.retell(
            broadcast.coordinator_id,
            *progress,
            lambda: notices.broadcast_progress(broadcast.id, counts),
            lambda: None if final else keyboards.broadcast_stop(broadcast.id),
        )

    async def report(
        self, reader: int, broadcast: Broadcast, counts: Counts, stopper: str | None
    ) -> None:
        await self.messenger.tell(
            reader, lambda: notices.broadcast_report(broadcast.id, counts, stopper)
        )
