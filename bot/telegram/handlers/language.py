"""Everyone: /language, and the buttons that pick one (`v1:lang:<code>`).

The choice is stored and used from the next message on (bot.telegram.app reads the stored language
before Telegram's). Before someone has agreed to the privacy notice nothing is stored: the
notice is shown again in the chosen language, and its "I agree" button carries the choice
(`v1:consent:yes:<code>`) so that agreeing stores it.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.i18n import _, available_languages, switch_language
from bot.telegram import keyboards
from bot.telegram.callbacks import Action, matches
from bot.telegram.commands import publish_language_menu
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    GROUP_FEATURES,
    PRIVATE,
    answer,
    callback_data,
    intent_of,
    privacy_notice,
)

# Its own group, before the conversations and features: it only sets the language for the
# update and must let the consent handler (GROUP_FEATURES) handle the same press.
GROUP_LANGUAGE_GUARD = -10


async def show_languages(update: Update, context: BotContext) -> None:
    """/language (or the 🌐 button under the privacy notice): every language, in its own name."""
    await answer(update.callback_query)
    message = update.effective_message
    if message is None:
        return
    # From the notice's button (`v1:lang::<then>`): what they came for stays with them.
    then = intent_of(callback_data(update), 1)
    await message.reply_text(
        _("Which language would you like me to use?"), reply_markup=keyboards.languages(then)
    )


async def language_chosen(update: Update, context: BotContext) -> None:
    """v1:lang:<code>: remember the choice (once they've agreed to be stored), answer in it."""
    data, query, sender = callback_data(update), update.callback_query, update.effective_user
    if query is None or sender is None:
        return
    if data is None or not data.arg:
        await show_languages(update, context)
        return
    if data.arg not in available_languages():
        await answer(query, _("This button doesn't work any more."))
        return
    switch_language(data.arg)  # the rest of this update is already in the new language
    services = context.services
    stored = await services.people.choose_language(sender.id, data.arg)
    await answer(query, _("✅ Language changed."))
    await query.edit_message_text(_("✅ From now on I'll write to you in English."))
    if stored:
        await context.person_changed()  # stored in their new language from now on
        await publish_language_menu(
            context.bot,
            sender.id,
            data.arg,
            coordinator=context.is_coordinator,
            map_url=services.settings.webapp_url,
        )
    if not stored:
        await context.bot.send_message(
            sender.id,
            privacy_notice(),
            reply_markup=keyboards.consent(data.arg, intent_of(data, 1)),
        )


async def keep_chosen_language(update: Update, context: BotContext) -> None:
    """v1:consent:yes:<code>: agreeing after choosing a language. Switch to it, so that the
    consent handler stores it and answers in it."""
    data = callback_data(update)
    if data is not None and len(data.args) > 1 and data.args[1] in available_languages():
        switch_language(data.args[1])


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(
        CallbackQueryHandler(keep_chosen_language, pattern=matches(Action.CONSENT)),
        group=GROUP_LANGUAGE_GUARD,
    )
    app.add_handlers(
        [
            CommandHandler("language", show_languages, filters=PRIVATE),
            CallbackQueryHandler(language_chosen, pattern=matches(Action.LANGUAGE)),
        ],
        group=GROUP_FEATURES,
    )
