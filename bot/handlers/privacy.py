"""Everyone: /forgetme, which erases a person's personal data after they confirm it."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import keyboards
from bot.callbacks import Action, matches
from bot.context import BotContext
from bot.handlers.common import GROUP_FEATURES, PRIVATE, answer, callback_data
from bot.i18n import _, ngettext


async def ask_to_forget(update: Update, context: BotContext) -> None:
    """/forgetme: say what erasing means, and ask to confirm it with a button."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return
    if await context.services.users.get(sender.id) is None:
        # Nothing is stored before consent; any unfinished draft goes all the same.
        context.application.drop_user_data(sender.id)
        await message.reply_text(
            _("I don't have any personal details of yours stored, so there's nothing to erase.")
        )
        return
    await message.reply_text(
        _(
            "🗑 <b>Erase my details</b>\n\n"
            "This erases your name, your locations and addresses, what you wrote in "
            "requests and concerns, and your volunteer profile. Requests still open are "
            "cancelled, and any volunteer on the way is told. Tasks you have taken go "
            "back to the group. The group's figures keep only counts, with nothing that "
            "says who you are.\n\n"
            "This can't be undone. Erase everything?"
        ),
        reply_markup=keyboards.forget_me(),
    )


async def forget(update: Update, context: BotContext) -> None:
    """v1:forget:yes|no: erase the person's personal data, or leave it."""
    data, query, sender = callback_data(update), update.callback_query, update.effective_user
    if query is None or sender is None:
        return
    if data is None or data.arg not in ("yes", "no"):
        await answer(query, _("This button doesn't work any more."))
        return
    if data.arg == "no":
        await answer(query, _("Nothing was erased."))
        await query.edit_message_text(_("OK, I've kept your details. Nothing was erased."))
        return
    erasure = await context.services.privacy.forget(sender.id)
    # PTB keeps drafts in memory too, and would write them back to the database.
    context.application.drop_user_data(sender.id)
    await answer(query, _("Erased."))
    lines = [_("🗑 Done: your personal details are erased.")]
    if erasure.cancelled:
        n = len(erasure.cancelled)
        lines.append(
            ngettext(
                "{n} open request was cancelled; any volunteer on the way has been told.",
                "{n} open requests were cancelled; any volunteer on the way has been told.",
                n,
            ).format(n=n)
        )
    if erasure.released:
        n = len(erasure.released)
        lines.append(
            ngettext(
                "{n} task you had taken is back with the group.",
                "{n} tasks you had taken are back with the group.",
                n,
            ).format(n=n)
        )
    lines.append(_("If you write to me again, I'll show you the privacy notice first. Take care!"))
    await query.edit_message_text("\n".join(lines))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handlers(
        [
            CommandHandler("forgetme", ask_to_forget, filters=PRIVATE),
            CallbackQueryHandler(forget, pattern=matches(Action.FORGET)),
        ],
        group=GROUP_FEATURES,
    )
