"""One error handler: log with the update's shape (no personal data), apologise to the user."""

from __future__ import annotations

import logging

from telegram import Bot, Update
from telegram.error import TelegramError

from bot.i18n import _
from bot.telegram.context import BotContext
from bot.telegram.texts import esc

_LOGGER = logging.getLogger(__name__)


def describe(update: object) -> str:
    """What kind of update failed, without the text or location people sent."""
    if not isinstance(update, Update):
        return type(update).__name__
    kinds = [
        name
        for name in ("message", "edited_message", "callback_query", "my_chat_member")
        if getattr(update, name) is not None
    ]
    detail = ""
    if update.callback_query is not None:
        detail = f" data={(update.callback_query.data or '')[:20]!r}"
    elif update.effective_message is not None and update.effective_message.text:
        detail = (
            f" command={update.effective_message.text.split()[0][:32]!r}"
            if (update.effective_message.text.startswith("/"))
            else " text"
        )
    user = update.effective_user.id if update.effective_user else None
    return f"update {update.update_id} {'/'.join(kinds)} from {user}{detail}"


async def _tell_coordinators(update: object, context: BotContext) -> None:
    """ERRORS_TO_COORDINATORS=on: the coordinators hear of it at once (the update's shape
    and the kind of error only: no names, texts or places)."""
    kind = type(context.error).__name__ if context.error else "error"
    try:
        await context.services.coordinators.tell(
            lambda: _("⚠️ The bot hit an unexpected error ({kind}) handling {update}.").format(
                kind=esc(kind), update=esc(describe(update))
            )
        )
    except Exception:
        _LOGGER.exception("Could not tell the coordinators about an error")


async def on_error(update: object, context: BotContext) -> None:
    """Log every unexpected exception; tell the person something went wrong."""
    _LOGGER.error("Error while handling %s", describe(update), exc_info=context.error)
    if context.services.settings.errors_to_coordinators:
        await _tell_coordinators(update, context)
    # A handler cut short between saving a request and asking volunteers (say, its reply
    # to the requester failed) would leave it unseen until the next restart.
    try:
        await context.services.events.deliver(held_too=True)
    except Exception:
        _LOGGER.exception("Could not deliver what was left undelivered after an error")
    if isinstance(update, Update):
        await apologise(
            context.bot,
            update,
            _("Sorry, something went wrong on my side. Please try again, or /cancel."),
        )


async def apologise(bot: Bot, update: Update, text: str, *, answered: bool = False) -> None:
    """Tell the person their update went wrong: on the button they pressed (unless it
    was `answered` already), else in their private chat."""
    if update.callback_query is not None and not answered:
        try:
            await update.callback_query.answer(text, show_alert=True)
            return
        except TelegramError:
            # Already answered before the failure: say it in the chat instead.
            pass
    try:
        if update.effective_chat is not None and update.effective_chat.type == "private":
            await bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        _LOGGER.warning("Could not tell the user about the error")
