"""Coordinators: approving volunteers (buttons and /pending). Every action is checked on
the server: a forwarded or forged button pressed by anyone else is refused."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.domain.models import VolunteerStatus
from bot.domain.results import Outcome
from bot.i18n import _
from bot.telegram import keyboards, notices
from bot.telegram.buttons import Approve, Close, PingEveryone, Reject
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    GROUP_FEATURES,
    PRIVATE,
    answer,
    coordinators_only,
    settled,
)
from bot.telegram.presses import Press, press
from bot.telegram.texts import esc


@coordinators_only
@press(Approve, Reject)
async def decide(update: Update, context: BotContext, press: Press[Approve | Reject]) -> None:
    """v1:approve:<user_id> / v1:reject:<user_id>."""
    query, sender, volunteer_id = press.query, press.sender, press.data.user_id
    approve = isinstance(press.data, Approve)
    # The volunteer hears of it from the roster's event (bot.telegram.subscribers).
    decision = await context.services.roster.decide(volunteer_id, approve, sender.id)
    volunteer = decision.volunteer
    if volunteer is None:
        await settled(query, _("That volunteer is no longer signed up."))
        return
    if not decision.decided:
        await settled(
            query,
            _("Already decided: {status}.").format(
                status=_("approved")
                if decision.status is VolunteerStatus.APPROVED
                else _("turned down")
            ),
        )
        return
    said, card = (
        (_("Approved."), _("✅ {name} is approved (by {coordinator})."))
        if approve
        else (_("Turned down."), _("✖️ {name} was turned down (by {coordinator})."))
    )
    await answer(query, said)
    await query.edit_message_text(
        card.format(
            name=esc(volunteer.first_name) or str(volunteer.user_id),
            coordinator=esc(sender.first_name),
        )
    )


@coordinators_only
@press(PingEveryone)
async def ask_everyone(update: Update, context: BotContext, press: Press[PingEveryone]) -> None:
    """v1:pingall:<id>: ping every eligible volunteer about a stuck request."""
    query, request_id = press.query, press.data.request_id
    services = context.services
    asked = await services.desk.ask_everyone(request_id)
    text = notices.asked_everyone(asked, services.settings.timezone)
    if asked is None:
        await settled(query, text)
    else:
        # Nobody asked (all asleep, or nobody left) is worth an alert that stays.
        await answer(query, text, alert=asked[0] == 0)


@coordinators_only
@press(Close)
async def close_stuck(update: Update, context: BotContext, press: Press[Close]) -> None:
    """v1:close:<id>: close a request nobody can take, with a message to the requester."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    services = context.services
    result = await services.desk.close_stuck(request_id, sender.id)
    if result.outcome is Outcome.OK:
        await answer(query, _("Closed."))
        await query.edit_message_text(
            _("✖️ #{id} was closed by {coordinator}; the requester has been told.").format(
                id=request_id, coordinator=esc(sender.first_name)
            )
        )
    else:
        await settled(query, _("That request is already closed."))


@coordinators_only
async def pending(update: Update, context: BotContext) -> None:
    """/pending: volunteers waiting for approval, each with Approve / Turn down."""
    message = update.effective_message
    if message is None:
        return
    waiting = await context.services.roster.waiting()
    if not waiting:
        await message.reply_text(_("Nobody is waiting for approval."))
        return
    for volunteer in waiting:
        await message.reply_text(
            notices.volunteer_waiting(volunteer),
            reply_markup=keyboards.approval(volunteer.user_id),
        )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handlers(
        [
            CallbackQueryHandler(decide, pattern=Approve.matches()),
            CallbackQueryHandler(decide, pattern=Reject.matches()),
            CallbackQueryHandler(ask_everyone, pattern=PingEveryone.matches()),
            CallbackQueryHandler(close_stuck, pattern=Close.matches()),
            CommandHandler("pending", pending, filters=PRIVATE),
        ],
        group=GROUP_FEATURES,
    )
