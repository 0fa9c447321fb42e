"""Everyone: /start with consent, /help, /privacy, and the answers to anything unexpected."""

from __future__ import annotations

import re

from telegram import ReplyKeyboardRemove, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.i18n import _, ngettext
from bot.telegram import keyboards
from bot.telegram.buttons import Consent
from bot.telegram.commands import LEAFLET_LINKS, help_text
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    ANYTHING_ELSE,
    GROUP_FEATURES,
    PRIVATE,
    agree,
    answer,
    known_commands,
    needs_consent,
    privacy_notice,
    reply,
)
from bot.telegram.presses import Press, press
from bot.telegram.texts import esc


def _roles_text(first_name: str) -> str:
    return _("Hello {name}! What would you like to do?").format(name=esc(first_name or ""))


async def start(update: Update, context: BotContext) -> None:
    """/start: the privacy notice first, then the choice between asking and offering help."""
    sender, message = update.effective_user, update.effective_message
    if sender is None or message is None:
        return
    if needs_consent(context.person.user):
        await message.reply_text(privacy_notice(), reply_markup=keyboards.consent())
        return
    listening = await context.services.offers.listening(sender.id)
    await message.reply_text(
        _roles_text(sender.first_name), reply_markup=keyboards.roles(offer_news=listening)
    )


@press(Consent)
async def consent(update: Update, context: BotContext, press: Press[Consent]) -> None:
    """v1:consent:yes: store the person for the first time, then offer the choice."""
    query, sender = press.query, press.sender
    await agree(update, context)
    await answer(query, _("Thank you!"))
    await context.bot.send_message(
        sender.id,
        _roles_text(sender.first_name),
        reply_markup=keyboards.roles(
            offer_news=await context.services.offers.listening(sender.id)
        ),
    )


async def show_help(update: Update, context: BotContext) -> None:
    """/help: what the bot does and the commands for each role."""
    if update.effective_message is None or update.effective_user is None:
        return
    text = help_text(context.is_coordinator)
    await update.effective_message.reply_text(text, reply_markup=ReplyKeyboardRemove())


async def show_privacy(update: Update, context: BotContext) -> None:
    """/privacy: in plain words, what is stored, who sees it, how long, how to erase it."""
    if update.effective_message is None:
        return
    days = context.services.settings.retention_days
    await update.effective_message.reply_text(
        _(
            "<b>Your privacy</b>\n\n"
            "<b>What we keep:</b> your Telegram name and id, your language, and when you "
            "agreed to this notice. For a request: what you need, when, where (your "
            "location and address) and how it went. For volunteers: where you are based, "
            "how far you'll go, what you offer, and whether a coordinator has checked "
            "your ID. For shopping: what the volunteer spent and a photo of the receipt. "
            "Any concern you raise. We never ask for medical details.\n\n"
            "<b>Who sees it:</b> volunteers nearby see the kind of help, your short "
            "description and roughly how far away you are. Only the volunteer who takes "
            "your request gets your address and safety code, in a message that can't be "
            "forwarded, and only while the task is theirs: when it stops being theirs, "
            "that message is deleted. Coordinators can see details "
            "to keep everyone safe, and every time they look it is written in a log.\n\n"
            "<b>How long:</b> while the group needs it to help you. {days} after a "
            "request is closed, its description, address, location and receipt, and "
            "what anyone wrote in a concern about it, are deleted. A request you started "
            "but didn't send is deleted after 7 days. The bot's logs never hold your "
            "name, address, phone number or what you wrote.\n\n"
            "<b>Erasing it:</b> send /forgetme at any time. Your name, addresses, "
            "locations and what you wrote are erased, and requests still open are "
            "cancelled (their volunteer is told). The group's figures keep only counts, "
            "with nothing that says who you are. If another coordinator stopped you being "
            "a coordinator, we keep only your Telegram id and that fact, so that you are "
            "not made one again by mistake."
        ).format(days=ngettext("{n} day", "{n} days", days).format(n=days))
        + "\n\n"
        + _(
            "<b>The group's fund:</b> when a volunteer is paid back for shopping, the "
            "amount, the day and the request's number stay in the group's accounts, also "
            "after /forgetme, with nothing that says who it was. /fund shows everyone the "
            "figures, never names."
        )
        + "\n\n"
        + _(
            "<b>A friendly phone call:</b> the number you give to be rung is kept, shown "
            "and deleted just as an address is: only the volunteer who takes the call sees "
            "it. For shopping, you are shown what the volunteer spent and the receipt."
        )
        + "\n\n"
        + _(
            "<b>Offers:</b> what you offer is shown to neighbours nearby with roughly how "
            "far away it is, never the place or your name. Whoever takes one learns your "
            "first name, and you theirs; you write through the bot. If you ask to hear of "
            "offers nearby, we keep the place you shared for that until you turn it off. "
            "{days} after an offer ends, what and where it was and who took it are deleted."
        ).format(days=ngettext("{n} day", "{n} days", days).format(n=days))
    )


async def cancel_nothing(update: Update, context: BotContext) -> None:
    """/cancel outside any conversation."""
    await reply(
        update,
        _("There's nothing to cancel right now. /help shows what I can do."),
        ReplyKeyboardRemove(),
    )


async def unknown_command(update: Update, context: BotContext) -> None:
    await reply(update, _("I don't know that command. /help lists the ones I understand."))


async def not_understood(update: Update, context: BotContext) -> None:
    """Anything else typed or sent outside a conversation."""
    await reply(
        update,
        _(
            "I'm not sure what you mean. Use /request to ask for help, /volunteer to "
            "offer help, or /help to see everything I can do."
        ),
    )


async def stale_button(update: Update, context: BotContext) -> None:
    """A button from an old message, another version, or forged: answer it kindly."""
    await answer(
        update.callback_query,
        _("This button doesn't work any more. Please use /help to start again."),
    )


async def membership_changed(update: Update, context: BotContext) -> None:
    """Someone blocked the bot (or unblocked it): stop or resume writing to them."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    people = context.services.people
    if change.new_chat_member.status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
        await people.blocked_us(change.chat.id, True)
    elif change.new_chat_member.status == ChatMemberStatus.MEMBER:
        await people.blocked_us(change.chat.id, False)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Everyone's commands; the catch-alls are added last by register_fallbacks()."""
    app.add_handlers(
        [
            # Leaflet links (/start need, /start volunteer) start their conversations.
            CommandHandler("start", start, filters=PRIVATE & ~filters.Regex(LEAFLET_LINKS)),
            CommandHandler("help", show_help, filters=PRIVATE),
            CommandHandler("privacy", show_privacy, filters=PRIVATE),
            CommandHandler("cancel", cancel_nothing, filters=PRIVATE),
            CallbackQueryHandler(consent, pattern=Consent.matches()),
            ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        ],
        group=GROUP_FEATURES,
    )


def register_fallbacks(app: Application) -> None:  # type: ignore[type-arg]
    """Last in their group: whatever no feature wanted still gets a friendly answer."""
    known = "|".join(sorted(re.escape(c) for c in known_commands(app)))
    answered_elsewhere = filters.Regex(rf"^/({known})(@\w+)?(\s|$)")
    app.add_handlers(
        [
            MessageHandler(PRIVATE & filters.COMMAND & ~answered_elsewhere, unknown_command),
            MessageHandler(ANYTHING_ELSE, not_understood),
            CallbackQueryHandler(stale_button),
        ],
        group=GROUP_FEATURES,
    )
