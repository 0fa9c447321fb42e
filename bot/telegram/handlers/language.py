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
from bot.telegram.buttons import Consent, Language
from bot.telegram.commands import publish_language_menu
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    GROUP_FEATURES,
    PRIVATE,
    answer,
    privacy_notice,
)
from bot.telegram.presses import Press, press

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
    query = update.callback_query
    pressed = Language.parse(query.data) if query is not None else None
    then = pressed.then if pressed is not None else None
    await message.reply_text(
        _("Which language would you like me to use?"), reply_markup=keyboards.languages(then)
    )


@press(Language)
async def language_chosen(update: Update, context: BotContext, press: Press[Language]) -> None:
    """v1:lang:<code>: remember the choice (once they've agreed to be stored), answer in it."""
    query, sender, code = press.query, press.sender, press.data.code
    if not code:
        await show_languages(update, context)
        return
    switch_language(code)  # the rest of this update is already in the new language
    services = context.services
    stored = await services.people.choose_language(sender.id, code)
    await answer(query, _("✅ Language changed."))
    await query.edit_message_text(_("✅ From now on I'll write to you in English."))
    if stored:
        await publish_language_menu(
            context.bot,
            sender.id,
            code,
            coordinator=context.is_coordinator,
            map_url=services.settings.webapp_url,
        )
    if not stored:
        await context.bot.send_message(
            sender.id,
            privacy_notice(),
            reply_markup=keyboards.consent(code, press.data.then),
        )


async def keep_chosen_language(update: Update, context: BotContext) -> None:
    """v1:consent:yes:<code>: agreeing after choosing a language. Switch to it, so that the
    consent handler stores it and answers in it."""
    query = update.callback_query
    data = Consent.parse(query.data) if query is not None else None
    if data is not None and data.language in available_languages():
        switch_language(data.language)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(
        CallbackQueryHandler(keep_chosen_language, pattern=Consent.matches()),
        group=GROUP_LANGUAGE_GUARD,
    )
    app.add_handlers(
        [
            CommandHandler("language", show_languages, filters=PRIVATE),
            CallbackQueryHandler(language_chosen, pattern=Language.matches()),
        ],
        group=GROUP_FEATURES,
    )
