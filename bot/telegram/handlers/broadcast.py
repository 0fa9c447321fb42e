"""Coordinators: /broadcast, a message to everyone or a group. The conversation asks for
the text and the audience and shows a preview; its Send / Cancel buttons carry the draft's
id, so they work after a restart, and Send queues the outbox once however often it is
pressed. While it goes out, Stop (under the progress message, and under /broadcast for
the other coordinators) ends it. Every step and every button is checked for a
coordinator on the server."""

from __future__ import annotations

import contextlib
from enum import IntEnum

from telegram import CallbackQuery, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler

from bot.domain.broadcasts import Audience
from bot.domain.results import Started
from bot.i18n import _, ngettext
from bot.services.broadcast import MAX_TEXT
from bot.telegram import keyboards, notices
from bot.telegram.buttons import Broadcast, ChooseAudience
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    ANYTHING_ELSE,
    END,
    GROUP_BROADCAST_CONVERSATION,
    GROUP_FEATURES,
    PRIVATE,
    TEXT,
    answer,
    conversation,
    coordinators_only,
    reply,
)
from bot.telegram.presses import Press, press, stale_answer
from bot.telegram.texts import audience_label, esc, number

DRAFT = "broadcast"


class Step(IntEnum):
    TEXT = 1
    AUDIENCE = 2


def _ask_text() -> str:
    return ngettext(
        "📣 What should the message say? Type it as you want people to read it (up to "
        "{limit} character); it is sent exactly as typed. /cancel stops here.",
        "📣 What should the message say? Type it as you want people to read it (up to "
        "{limit} characters); it is sent exactly as typed. /cancel stops here.",
        MAX_TEXT,
    ).format(limit=number(MAX_TEXT))


def _people(n: int) -> str:
    return ngettext("{n} person", "{n} people", n).format(n=number(n))


def _preview(broadcast_id: int, audience: Audience, recipients: int, text: str) -> str:
    header = _("📣 <b>Broadcast #{id}</b> to {audience}: {people}.").format(
        id=broadcast_id, audience=audience_label(audience), people=_people(recipients)
    )
    return (
        header
        + "\n"
        + _("This is what they will read:")
        + "\n\n"
        + esc(notices.broadcast_message(text))
    )


@coordinators_only
async def begin(update: Update, context: BotContext) -> int:
    """/broadcast: coordinators only; ask for the text."""
    if update.effective_message is None:
        return END
    context.drafts.pop(DRAFT, None)
    # Any coordinator may stop one going out, not only the one who sent it.
    for broadcast, counts in await context.services.broadcaster.going_out():
        await update.effective_message.reply_text(
            _("📣 Broadcast #{id} is going out now.").format(id=broadcast.id)
            + "\n"
            + notices.broadcast_progress(broadcast.id, counts),
            reply_markup=keyboards.broadcast_stop(broadcast.id),
        )
    await update.effective_message.reply_text(_ask_text())
    return Step.TEXT


@coordinators_only
async def take_text(update: Update, context: BotContext) -> int:
    """The message itself: any text up to MAX_TEXT characters."""
    message = update.effective_message
    if message is None or message.text is None:
        return Step.TEXT
    if len(message.text) > MAX_TEXT:
        await message.reply_text(
            ngettext(
                "That is {length} character; a broadcast can have up to {limit}. Please "
                "shorten it and send it again.",
                "That is {length} characters; a broadcast can have up to {limit}. Please "
                "shorten it and send it again.",
                len(message.text),
            ).format(length=number(len(message.text)), limit=number(MAX_TEXT))
        )
        return Step.TEXT
    context.drafts[DRAFT] = {"text": message.text}
    await message.reply_text(_("Who should get it?"), reply_markup=keyboards.audiences())
    return Step.AUDIENCE


async def text_only(update: Update, context: BotContext) -> int:
    """A photo, a location... at the text step."""
    await reply(update, _("A broadcast can only be text. Please type the message."))
    return Step.TEXT


async def choose_with_buttons(update: Update, context: BotContext) -> int:
    """Something typed where the audience buttons are expected."""
    await reply(
        update, _("Please choose who should get it with the buttons."), keyboards.audiences()
    )
    return Step.AUDIENCE


@coordinators_only
@press(ChooseAudience, stay=Step.AUDIENCE)
async def choose_audience(
    update: Update, context: BotContext, press: Press[ChooseAudience]
) -> int:
    """v1:audience:<code>: store the draft and show the preview with Send / Cancel."""
    query, sender, audience = press.query, press.sender, press.data.audience
    text = context.drafts.get(DRAFT, {}).get("text")
    if not isinstance(text, str):
        await answer(query)
        await context.bot.send_message(sender.id, _ask_text())
        return Step.TEXT
    broadcaster = context.services.broadcaster
    if await broadcaster.audience_size(audience) == 0:
        await answer(query, _("Nobody in that group can get messages yet."), alert=True)
        return Step.AUDIENCE
    draft = await broadcaster.prepare(sender.id, audience, text)
    context.drafts.pop(DRAFT, None)
    await answer(query)
    await _drop_buttons(query)
    await context.bot.send_message(
        sender.id,
        _preview(draft.broadcast_id, audience, draft.recipients, text),
        reply_markup=keyboards.broadcast_preview(draft.broadcast_id, draft.recipients),
    )
    return END


@coordinators_only
@press(Broadcast)
async def send_or_cancel(update: Update, context: BotContext, press: Press[Broadcast]) -> None:
    """v1:bcast:send:<id> queues the broadcast (once); v1:bcast:cancel:<id> drops it;
    v1:bcast:stop:<id> stops it while it goes out."""
    query, sender = press.query, press.sender
    broadcast_id, verb = press.data.broadcast_id, press.data.verb
    broadcaster = context.services.broadcaster
    if verb == "stop":
        await _stop(query, context, broadcast_id, sender.id)
        return
    if verb == "cancel":
        if await broadcaster.cancel(broadcast_id):
            await answer(query, _("Cancelled. Nothing was sent."))
            await _drop_buttons(query)
            return
        outcome = await broadcaster.state(broadcast_id)
    else:
        outcome, total = await broadcaster.send(broadcast_id)
        if outcome is Started.STARTED:
            await answer(query, _("Sending to {people}.").format(people=_people(total)))
            await _drop_buttons(query)
            return
    await answer(query, _already(outcome))


async def _stop(
    query: CallbackQuery, context: BotContext, broadcast_id: int, coordinator_id: int
) -> None:
    broadcaster = context.services.broadcaster
    if await broadcaster.stop_sending(broadcast_id, coordinator_id):
        await answer(query, _("Stopped. Nobody else will get it; the report follows."), alert=True)
        await _drop_buttons(query)
        return
    outcome = await broadcaster.state(broadcast_id)
    if outcome is Started.STOPPED:
        name = await broadcaster.stopper_name(broadcast_id)
        text = _("That broadcast was already stopped by {name}.").format(
            name=name or _("a coordinator")
        )
    elif outcome is Started.ALREADY_DONE:
        text = _("That broadcast has already finished: there is nothing left to stop.")
    else:
        text = _already(outcome)
    await answer(query, text)
    await _drop_buttons(query)


def _already(outcome: Started) -> str:
    return {
        Started.ALREADY_SENDING: _("That broadcast is already on its way."),
        Started.ALREADY_DONE: _("That broadcast has already been sent."),
        Started.CANCELLED: _("That broadcast was cancelled."),
    }.get(outcome, stale_answer())


async def _drop_buttons(query: CallbackQuery) -> None:
    """Take the buttons off the message pressed; already gone is fine."""
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=None)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(
        conversation(
            "broadcast",
            entry_points=[CommandHandler("broadcast", begin, filters=PRIVATE)],
            states={
                Step.TEXT: [
                    MessageHandler(TEXT, take_text),
                    MessageHandler(ANYTHING_ELSE, text_only),
                ],
                Step.AUDIENCE: [
                    CallbackQueryHandler(choose_audience, pattern=ChooseAudience.matches()),
                    MessageHandler(ANYTHING_ELSE, choose_with_buttons),
                ],
            },
        ),
        group=GROUP_BROADCAST_CONVERSATION,
    )
    app.add_handler(
        CallbackQueryHandler(send_or_cancel, pattern=Broadcast.matches()),
        group=GROUP_FEATURES,
    )
