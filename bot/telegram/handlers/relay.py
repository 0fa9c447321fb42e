"""The private line: "💬 Message Rose" / "💬 Message Vic" on a taken request, and the one
message that follows it, sent again (never forwarded) to the other side with who it is from
and for which request. Neither side sees the other's username or phone number.

An offer's take has the same kind of line (`v1:talk:take:<take_id>`), between the
offerer and that taker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain.offers import Ended, OfferLine
from bot.domain.relay import Closed, Kind, Line, Side
from bot.i18n import _
from bot.telegram import keyboards, offer_views
from bot.telegram.buttons import Talk, TalkTake
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    END,
    PRIVATE,
    answer,
    conversation,
    first_question,
    reply,
)
from bot.telegram.presses import Press, press
from bot.telegram.texts import esc

DRAFT = "relay"
# Before every other conversation: pressed halfway through a request, "Message Vic" must
# carry the next message to Vic, not make it the request's description (as with concerns).
GROUP_RELAY_CONVERSATION = -4
# Of what someone types, before escaping: room left for the header within Telegram's
# 4,096 characters of a message and 1,024 of a caption.
MAX_TEXT = 3500
MAX_CAPTION = 800
RELAYED = PRIVATE & (
    filters.TEXT & ~filters.COMMAND | filters.PHOTO | filters.VOICE | filters.LOCATION
)


class Step(IntEnum):
    WRITING = 1


def closed_text(why: Closed, request_id: int) -> str:
    """Why nothing can be written on this line (short: it may be a button's alert)."""
    texts = {
        Closed.NOT_FOUND: _("This request no longer exists."),
        Closed.NOT_YOURS: _(
            "This conversation has closed: #{id} is no longer yours to write about. Thank you!"
        ),
        Closed.NO_VOLUNTEER: _(
            "Nobody is on #{id} just now, so there's no one to write to. I'll tell you as "
            "soon as a volunteer takes it."
        ),
        Closed.DONE: _("#{id} is done, so its conversation has closed. Thank you!"),
        Closed.CANCELLED: _("#{id} was cancelled, so its conversation has closed."),
        Closed.EXPIRED: _("#{id} has closed, so its conversation has closed too."),
    }
    return texts[why].format(id=request_id)


def ended_text(why: Ended, offer_id: int | None) -> str:
    """Why nothing can be written on an offer's line (short: it may be a button's alert)."""
    if why is Ended.NOT_FOUND or offer_id is None:
        return _("This offer no longer exists.")
    if why is Ended.NOT_YOURS:
        return _("This conversation isn't yours to write on.")
    return _("Offer #{id} has ended, so its conversation has closed. Thank you!").format(
        id=offer_id
    )


def _offer_prompt(line: OfferLine) -> str:
    return _(
        "✍️ What would you like to say to {name} about offer #{id}? Send a message, a photo, "
        "a voice note or a location. They won't see your username or phone number.\n\n"
        "/cancel if you've changed your mind."
    ).format(name=esc(line.other_name) or _("them"), id=line.offer.id)


def _offer_header(line: OfferLine) -> str:
    name = esc(line.sender_name) or _("(no name)")
    if line.side is Side.OFFERER:
        return _("💬 <b>{name}</b>, who offered #{id}, writes:").format(
            name=name, id=line.offer.id
        )
    return _("💬 <b>{name}</b>, who took one of your offer #{id}, writes:").format(
        name=name, id=line.offer.id
    )


def _prompt(line: Line) -> str:
    request_id, name = line.request.id, esc(line.other_name) or _("them")
    if line.other_side is Side.DESK:
        return _(
            "✍️ What would you like to tell {name} about #{id}? A coordinator will pass it "
            "on by phone. Send a message, a photo, a voice note or a location.\n\n"
            "/cancel if you've changed your mind."
        ).format(name=name, id=request_id)
    return _(
        "✍️ What would you like to say to {name} about #{id}? Send a message, a photo, a "
        "voice note or a location. They won't see your username or phone number.\n\n"
        "/cancel if you've changed your mind."
    ).format(name=name, id=request_id)


def _header(line: Line) -> str:
    """Heads what the other side receives: who writes, about which request."""
    request = line.request
    name = esc(line.sender_name) or _("(no name)")
    if line.side is Side.DESK:
        return _("💬 A coordinator writes for <b>{name}</b> about #{id}:").format(
            name=name, id=request.id
        )
    if line.side is Side.REQUESTER:
        return _("💬 <b>{name}</b>, who asked for #{id}, writes:").format(name=name, id=request.id)
    if line.other_side is Side.DESK:
        return _(
            "💬 <b>{name}</b>, the volunteer on #{id}, writes for <b>{person}</b> "
            "({phone}). Please pass it on:"
        ).format(
            name=name,
            id=request.id,
            person=esc(request.contact_name or "") or _("(not given)"),
            phone=esc(request.contact_phone or "") or _("no number"),
        )
    return _("💬 <b>{name}</b>, your volunteer for #{id}, writes:").format(
        name=name, id=request.id
    )


def _sent(other_name: str, *, to_desk: bool = False) -> str:
    """What the sender is told once their message is passed on."""
    name = esc(other_name) or _("them")
    if to_desk:
        return _("✅ Sent: a coordinator will pass it on to {name}.").format(name=name)
    return _("✅ Sent to {name}. Their answer will come here.").format(name=name)


@press(TalkTake, Talk, stale=END)
async def start_writing(update: Update, context: BotContext, press: Press[TalkTake | Talk]) -> int:
    """v1:talk:<id>: the next message goes to the other side of the request's line
    (v1:talk:take:<id>: of an offer take's)."""
    query, sender = press.query, press.sender
    if isinstance(press.data, TalkTake):
        take_id = press.data.take_id
        offer_line = await context.services.relay.offer_line(take_id, sender.id)
        if isinstance(offer_line, Ended):
            take = await context.services.offers.take_of(take_id)
            await answer(
                query, ended_text(offer_line, take.offer_id if take else None), alert=True
            )
            context.drafts.pop(DRAFT, None)
            return END
        return await first_question(
            update, context, DRAFT, {"take": take_id}, _offer_prompt(offer_line), Step.WRITING
        )
    request_id = press.data.request_id
    line = await context.services.relay.line(request_id, sender.id)
    if isinstance(line, Closed):
        await answer(query, closed_text(line, request_id), alert=True)
        context.drafts.pop(DRAFT, None)
        return END
    return await first_question(
        update, context, DRAFT, {"request": request_id}, _prompt(line), Step.WRITING
    )


async def relay_message(update: Update, context: BotContext) -> int:
    """The message written after "Message …": kept with the request, copied to the other side."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return END
    services = context.services
    draft = context.drafts.get(DRAFT, {})
    if "take" in draft:
        return await _relay_offer_message(update, context, message, int(draft["take"]))
    request_id = int(draft.get("request", 0))
    line = await services.relay.line(request_id, sender.id) if request_id else Closed.NOT_FOUND
    if isinstance(line, Closed):
        # It closed while they were writing (done, handed back, cancelled): say so kindly.
        return await _not_passed_on(update, context, closed_text(line, request_id))
    request_id = line.request.id

    async def keep(kind: Kind, text: str, file_id: str | None, where: Where) -> None:
        await services.relay.keep(line, sender.id, kind, text, file_id, where)

    route = _Route(
        keep=keep,
        sender_id=sender.id,
        recipients=line.recipients,
        header=lambda: _header(line),
        reply_button=lambda: keyboards.talk(request_id, line.sender_name, reply=True),
        other_name=line.other_name,
        sent=lambda: _sent(line.other_name, to_desk=line.other_side is Side.DESK),
        sent_button=lambda: keyboards.talk(request_id, line.other_name),
    )
    return await _pass_on(update, context, message, route)


async def _relay_offer_message(
    update: Update, context: BotContext, message: Message, take_id: int
) -> int:
    """The same, on an offer take's line."""
    services, sender_id = context.services, message.chat.id
    line = await services.relay.offer_line(take_id, sender_id)
    if isinstance(line, Ended):
        take = await services.offers.take_of(take_id)
        return await _not_passed_on(
            update, context, ended_text(line, take.offer_id if take else None)
        )

    async def keep(kind: Kind, text: str, file_id: str | None, where: Where) -> None:
        await services.relay.keep(line, sender_id, kind, text, file_id, where)

    route = _Route(
        keep=keep,
        sender_id=sender_id,
        recipients=line.recipients,
        header=lambda: _offer_header(line),
        reply_button=lambda: offer_views.talk(take_id, line.sender_name, reply=True),
        other_name=line.other_name,
        sent=lambda: _sent(line.other_name),
        sent_button=lambda: offer_views.talk(take_id, line.other_name),
    )
    return await _pass_on(update, context, message, route)


async def _not_passed_on(update: Update, context: BotContext, why: str) -> int:
    """The line closed while they were writing: the draft goes, and they are told why."""
    context.drafts.pop(DRAFT, None)
    await reply(update, why + "\n" + _("Your message wasn't passed on."))
    return END


@dataclass(frozen=True)
class _Route:
    """How a message written on a line is kept, where it goes, and what its writer is told
    after."""

    keep: Keep
    sender_id: int
    recipients: tuple[int, ...]
    header: Callable[[], str]
    reply_button: Callable[[], InlineKeyboardMarkup]
    other_name: str
    sent: Callable[[], str]
    sent_button: Callable[[], InlineKeyboardMarkup]


async def _pass_on(update: Update, context: BotContext, message: Message, route: _Route) -> int:
    """The same steps on a request's line and an offer take's: not too many at once, kept,
    copied to the other side, and the writer told whether anyone got it."""
    if not await context.services.relay.may_send(route.sender_id):
        await reply(update, _too_many())
        return Step.WRITING
    delivered = await _deliver(
        message, context, route.keep, route.recipients, route.header, route.reply_button
    )
    context.drafts.pop(DRAFT, None)
    if not delivered:
        await reply(update, _not_delivered(route.other_name))
        return END
    await reply(update, route.sent(), route.sent_button())
    return END


def _too_many() -> str:
    return _(
        "That's a lot of messages in a short time, so I haven't passed this one on. "
        "Please wait a minute and send it again."
    )


def _not_delivered(name: str) -> str:
    return _(
        "😔 I couldn't get that to {name} just now. Please try again later, or "
        "/concern tells the coordinators."
    ).format(name=esc(name) or _("them"))


Where = tuple[float, float] | None
Keep = Callable[[Kind, str, str | None, Where], Awaitable[None]]


async def _deliver(
    message: Message,
    context: BotContext,
    keep: Keep,
    recipients: tuple[int, ...],
    header: Callable[[], str],
    reply_button: Callable[[], InlineKeyboardMarkup],
) -> bool:
    """Store it, then copy it to each reader of the other end; True if anyone got it."""
    messenger = context.services.messenger
    got = 0
    if message.text is not None:
        text = message.text[:MAX_TEXT]
        await keep(Kind.TEXT, text, None, None)
        for reader in recipients:
            sent = await messenger.tell(
                reader, lambda: header() + "\n\n" + esc(text), reply_button, protect=True
            )
            got += sent is not None
        return got > 0
    if message.location is not None:
        where = (message.location.latitude, message.location.longitude)
        await keep(Kind.LOCATION, "", None, where)
        for reader in recipients:
            # A location carries no caption: the header goes first, the pin after it.
            if await messenger.tell(reader, header, protect=True) is None:
                continue
            sent = await messenger.tell_media(reader, str, reply_button, location=where)
            got += sent is not None
        return got > 0
    caption = (message.caption or "")[:MAX_CAPTION]
    if message.photo:
        kind, file_id = Kind.PHOTO, message.photo[-1].file_id
    else:
        assert message.voice is not None
        kind, file_id = Kind.VOICE, message.voice.file_id
    await keep(kind, caption, file_id, None)
    for reader in recipients:
        # Sent again by its file_id: a copy, never a forward (which would show the sender).
        sent = await messenger.tell_media(
            reader,
            lambda: header() + ("\n\n" + esc(caption) if caption else ""),
            reply_button,
            photo=file_id if kind is Kind.PHOTO else None,
            voice=file_id if kind is Kind.VOICE else None,
        )
        got += sent is not None
    return got > 0


async def not_relayable(update: Update, context: BotContext) -> int:
    """A sticker, a file, a video…: say what can go, and keep waiting."""
    await reply(
        update,
        _(
            "I can pass on a message, a photo, a voice note or a location. Please send one "
            "of those, or /cancel."
        ),
    )
    return Step.WRITING


async def stop_writing(update: Update, context: BotContext) -> int:
    """/cancel while writing: nothing is sent, and any other draft is left as it was."""
    context.drafts.pop(DRAFT, None)
    await reply(update, _("OK, I haven't sent anything."))
    return END


async def leave_quietly(update: Update, context: BotContext) -> int:
    """Another button pressed instead of writing: stop waiting, let the press go on."""
    context.drafts.pop(DRAFT, None)
    return END


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(
        conversation(
            "relay",
            entry_points=[CallbackQueryHandler(start_writing, pattern=Talk.matches())],
            states={
                Step.WRITING: [
                    # Before the conversation's own /cancel, which would drop every draft.
                    CommandHandler("cancel", stop_writing, filters=PRIVATE),
                    MessageHandler(RELAYED, relay_message),
                    MessageHandler(PRIVATE & ~filters.COMMAND, not_relayable),
                ],
            },
            fallbacks=[CallbackQueryHandler(leave_quietly)],
        ),
        group=GROUP_RELAY_CONVERSATION,
    )
