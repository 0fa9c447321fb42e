"""The neighbourhood's group chat: a coordinator links it with /linkgroup (sent in the
group), new requests are posted there (bot.telegram.group_board), and approved volunteers
take one with its "I can help" button. Everyone else is told how to sign up."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.domain.models import Volunteer, VolunteerStatus
from bot.domain.results import Outcome
from bot.i18n import _, inserted, line
from bot.telegram import keyboards, notices
from bot.telegram.buttons import GroupHelp
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    GROUP_FEATURES,
    PRIVATE,
    answer,
    coordinators_only,
)
from bot.telegram.presses import Press, press, stale_answer
from bot.telegram.texts import esc

IN_GROUP = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
# Leaflets and the "I can help" button for strangers land on the volunteer sign-up.
SIGN_UP_PAYLOAD = "volunteer"


@coordinators_only
async def link_group(update: Update, context: BotContext) -> None:
    """/linkgroup in a group chat: post new requests there from now on."""
    message, sender, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or sender is None or chat is None:
        return
    if await context.services.board.link(chat.id, chat.title or "", sender.id):
        await message.reply_text(
            _(
                "✅ This chat is linked. New requests will be posted here, without names, "
                "addresses or phone numbers. Approved volunteers can take one with its "
                "🙋 I can help button."
            )
        )
    else:
        await message.reply_text(_("This chat is already linked."))


@coordinators_only
async def unlink_group(update: Update, context: BotContext) -> None:
    """/unlinkgroup in a group chat: stop posting new requests there."""
    message, sender, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or sender is None or chat is None:
        return
    if await context.services.board.unlink(chat.id, sender.id):
        await message.reply_text(_("OK: new requests won't be posted here any more."))
    else:
        await message.reply_text(_("This chat isn't linked."))


@coordinators_only
async def explain_linking(update: Update, context: BotContext) -> None:
    """/linkgroup or /unlinkgroup in a private chat: which chats are linked, and how."""
    message = update.effective_message
    if message is None:
        return
    chats = await context.services.board.linked()
    lines = (
        [_("New requests are posted in:")]
        + [line(f"• {inserted(esc(chat.title) or str(chat.chat_id))}") for chat in chats]
        if chats
        else [_("No group chat is linked yet.")]
    )
    lines.append(
        _(
            "To link one, add me to the group, then send /linkgroup in the group itself. "
            "/unlinkgroup there stops it."
        )
    )
    await message.reply_text("\n".join(lines))


@press(GroupHelp)
async def offer_help(update: Update, context: BotContext, press: Press[GroupHelp]) -> None:
    """v1:grouphelp:<request_id>: "I can help" under a request's post in the group chat."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    chat_id = query.message.chat.id if query.message is not None else None
    services = context.services
    # Only under a real post, in the chat it was posted to: a forged button elsewhere
    # must not let anyone take a request that was never offered to them.
    if chat_id is None or not await services.board.posted_in(request_id, chat_id):
        await answer(query, stale_answer())
        return
    volunteer = await services.volunteering.profile(sender.id)
    if volunteer is None or volunteer.status is not VolunteerStatus.APPROVED:
        await _how_to_sign_up(update, context, volunteer)
        return
    result = await services.desk.take_offer(request_id, sender.id)
    if result.outcome is Outcome.OK and result.request is not None:
        taken = result.request
        await answer(query, _("It's yours, thank you! I've sent you the details privately."))
        tz = services.settings.timezone
        name = await services.relay.requester_name(taken)
        await services.messenger.tell(
            sender.id,
            lambda: notices.task_card(taken, tz),
            lambda: keyboards.task(taken.id, name, at_door=taken.category.at_the_door),
        )
    else:
        text, alert = notices.take_refusal(result.outcome, _("You can't take this one."))
        await answer(query, text, alert=alert)


async def _how_to_sign_up(
    update: Update, context: BotContext, volunteer: Volunteer | None
) -> None:
    """Not an approved volunteer: say how to become one, privately if we may write."""
    query, sender = update.callback_query, update.effective_user
    assert query is not None
    assert sender is not None
    services = context.services
    user = context.person.user
    waiting = volunteer is not None and volunteer.status is VolunteerStatus.PENDING
    if user is None or not user.has_consented or user.blocked_at is not None:
        # A bot can't write first to someone who never started it: the button opens the
        # bot instead, on the volunteer sign-up.
        await query.answer(
            _("Only approved volunteers can take requests. Open a chat with me to sign up."),
            url=f"https://t.me/{context.bot.username}?start={SIGN_UP_PAYLOAD}",
        )
        return
    render = notices.waiting_for_approval if waiting else notices.sign_up_to_help
    await answer(query, render(), alert=True)
    await services.messenger.tell(sender.id, render)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handlers(
        [
            CommandHandler("linkgroup", link_group, filters=IN_GROUP),
            CommandHandler("unlinkgroup", unlink_group, filters=IN_GROUP),
            CommandHandler(["linkgroup", "unlinkgroup"], explain_linking, filters=PRIVATE),
            CallbackQueryHandler(offer_help, pattern=GroupHelp.matches()),
        ],
        group=GROUP_FEATURES,
    )
