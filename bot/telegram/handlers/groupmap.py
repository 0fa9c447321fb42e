"""Coordinators: /map opens the group's map, a Telegram Mini App the bot serves itself
(bot.webapp)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.i18n import _
from bot.telegram import keyboards
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import GROUP_FEATURES, PRIVATE, coordinators_only


@coordinators_only
async def show_map(update: Update, context: BotContext) -> None:
    """/map: a button that opens the map, or a kind word when it isn't set up."""
    message = update.effective_message
    if message is None:
        return
    url = context.services.settings.webapp_url
    if url is None:
        await message.reply_text(
            _(
                "The map isn't set up yet. Whoever runs the bot can switch it on with "
                "WEBAPP_URL: the README's section “The coordinators' map” explains how."
            )
        )
        return
    await message.reply_text(
        _(
            "The map shows open requests (at about 200 m, never the address), where "
            "volunteers can reach and where nobody can. Tap to open it."
        ),
        reply_markup=keyboards.open_map(url),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handlers([CommandHandler("map", show_map, filters=PRIVATE)], group=GROUP_FEATURES)
