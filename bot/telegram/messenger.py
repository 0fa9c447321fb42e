"""Sending to people who may have blocked the bot, and editing messages that may be gone.

Everything the bot says to someone other than the person who just wrote goes through
here, so that a `Forbidden` answer marks that person as unreachable in one place.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError, TimedOut

from bot.db import UserRepository
from bot.i18n import use_language

_LOGGER = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
M = TypeVar("M", bound=Markup | None)

# After a 5xx or a broken connection, a send is tried again after these pauses (a 429 is
# already waited out by the rate limiter). Short: Telegram's blips are, and the person
# who acted is waiting for their answer meanwhile.
RETRY_DELAYS_S = (0.1, 0.5)


@dataclass(eq=False, repr=False)
class Messenger:
    bot: Bot
    users: UserRepository
    clock: Callable[[], float]

    async def send(
        self,
        user_id: int,
        text: str,
        markup: Markup | None = None,
        *,
        protect: bool = False,
        silent: bool = False,
    ) -> Message | None:
        """Send to a person's private chat; None (and logged) when it could not be delivered.
        `silent`: it arrives without a sound (Telegram's disable_notification)."""
        for delay in (*RETRY_DELAYS_S, None):
            try:
                return await self.bot.send_message(
                    chat_id=user_id,
                    text=text,
                    reply_markup=markup,
                    protect_content=protect,
                    disable_notification=silent or None,
                )
            except Forbidden:
                _LOGGER.info("User %s blocked the bot; marking them unreachable", user_id)
                await self.users.set_blocked(user_id, self.clock())
            except BadRequest as error:
                # "chat not found": they never started the bot (e.g. an ADMIN_ID who hasn't).
                _LOGGER.warning("Could not write to %s: %s", user_id, error.message)
            except TimedOut as error:
                # It may have arrived: sending again could say it twice.
                _LOGGER.warning("Sending to %s timed out: %s", user_id, error)
            except NetworkError as error:
                # A 5xx or a connection that broke before Telegram answered: not delivered.
                if delay is not None:
                    _LOGGER.info("Sending to %s failed (%s); trying again", user_id, error)
                    await asyncio.sleep(delay)
                    continue
                _LOGGER.warning("Sending to %s failed: %s", user_id, error)
            except TelegramError as error:
                _LOGGER.warning("Sending to %s failed: %s", user_id, error)
            return None
        return None

    async def send_photo(
        self,
        user_id: int,
        file_id: str,
        caption: str,
        *,
        protect: bool = False,
        markup: InlineKeyboardMarkup | None = None,
    ) -> Message | None:
        """Send a photo Telegram already has (by file_id), e.g. a receipt; None if it failed."""
        return await self._reaching(
            user_id,
            "Sending a photo",
            self.bot.send_photo(
                chat_id=user_id,
                photo=file_id,
                caption=caption,
                protect_content=protect,
                reply_markup=markup,
            ),
        )

    async def tell_media(
        self,
        user_id: int,
        caption: Callable[[], str],
        markup: Callable[[], Markup | None] = lambda: None,
        *,
        photo: str | None = None,
        voice: str | None = None,
        location: tuple[float, float] | None = None,
    ) -> Message | None:
        """Send a photo or a voice note Telegram already has (by file_id), or a location,
        in the recipient's language, protected. Sent anew, never forwarded: nothing shows
        who sent it first. A location takes no caption (send it as a message first)."""
        rendered = await self._rendered(user_id, caption, markup)
        if rendered is None:
            return None
        text, keyboard = rendered
        if photo is not None:
            sending = self.bot.send_photo(
                user_id, photo, caption=text, reply_markup=keyboard, protect_content=True
            )
        elif voice is not None:
            sending = self.bot.send_voice(
                user_id, voice, caption=text, reply_markup=keyboard, protect_content=True
            )
        else:
            assert location is not None
            sending = self.bot.send_location(
                user_id, *location, reply_markup=keyboard, protect_content=True
            )
        return await self._reaching(user_id, "Sending a photo, voice note or place", sending)

    async def edit(
        self, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> bool:
        """Replace a message's text (and drop its buttons unless new ones are given)."""
        try:
            await self.bot.edit_message_text(
                chat_id=chat_id, message_id=message_id, text=text, reply_markup=markup
            )
            return True
        except BadRequest as error:
            # Not modified, or deleted by the user: either way nothing more to do.
            _LOGGER.debug("Edit of %s/%s skipped: %s", chat_id, message_id, error.message)
        except Forbidden:
            await self.users.set_blocked(chat_id, self.clock())
        except TelegramError as error:
            _LOGGER.warning("Editing %s/%s failed: %s", chat_id, message_id, error)
        return False

    async def delete(self, chat_id: int, message_id: int) -> bool:
        """Delete one of the bot's messages; False (and logged) if Telegram would not."""
        try:
            await self.bot.delete_message(chat_id=chat_id, message_id=message_id)
            return True
        except Forbidden:
            await self.users.set_blocked(chat_id, self.clock())
        except TelegramError as error:
            # Too old (48 hours), already gone, or Telegram failing: the caller edits instead.
            _LOGGER.info("Deleting %s/%s failed: %s", chat_id, message_id, error)
        return False

    async def tell(
        self,
        user_id: int,
        render: Callable[[], str],
        markup: Callable[[], Markup | None] = lambda: None,
        *,
        protect: bool = False,
        silent: bool = False,
    ) -> Message | None:
        """Send something rendered in the recipient's own language."""
        rendered = await self._rendered(user_id, render, markup)
        if rendered is None:
            return None
        text, keyboard = rendered
        return await self.send(user_id, text, keyboard, protect=protect, silent=silent)

    async def retell(
        self,
        user_id: int,
        chat_id: int,
        message_id: int,
        render: Callable[[], str],
        markup: Callable[[], InlineKeyboardMarkup | None] = lambda: None,
    ) -> bool:
        """Edit an earlier message into something new, in the recipient's language (its
        buttons replaced by `markup`'s, or dropped). False for someone who blocked the
        bot: Telegram would refuse the edit too."""
        rendered = await self._rendered(user_id, render, markup)
        if rendered is None:
            return False
        return await self.edit(chat_id, message_id, *rendered)

    async def _rendered(
        self, user_id: int, render: Callable[[], str], markup: Callable[[], M]
    ) -> tuple[str, M] | None:
        """The text and buttons in the recipient's language; None if they blocked the bot
        (nothing more is sent to them until they write again)."""
        user = await self.users.get(user_id)
        if user is not None and user.blocked_at is not None:
            return None
        with use_language(user.language if user else None):
            return render(), markup()

    async def _reaching(
        self, user_id: int, doing: str, sending: Awaitable[Message]
    ) -> Message | None:
        """The message sent, or None: a person who blocked the bot is marked unreachable,
        anything else Telegram refuses is logged."""
        try:
            return await sending
        except Forbidden:
            _LOGGER.info("User %s blocked the bot; marking them unreachable", user_id)
            await self.users.set_blocked(user_id, self.clock())
        except TelegramError as error:
            _LOGGER.warning("%s to %s failed: %s", doing, user_id, error)
        return None
