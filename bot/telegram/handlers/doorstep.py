"""Safe on the doorstep and first tasks: "📍 I've arrived" / "🏠 I've left safely" on the
volunteer's task, the answers to "Are you OK?", the requester's "they didn't come", and
the check-in after a volunteer's first task."""

from __future__ import annotations

import logging
from enum import IntEnum

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.domain.models import RequestStatus
from bot.domain.results import Outcome
from bot.i18n import _
from bot.telegram import keyboards
from bot.telegram.buttons import Arrived, CheckIn, Done, Left, NoShow, Safe
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    END,
    GROUP_CHECK_IN_CONVERSATION,
    GROUP_FEATURES,
    PRIVATE,
    TEXT,
    answer,
    ask_again,
    conversation,
    not_their_task,
    not_yours,
    settled,
    words_fit,
)
from bot.telegram.presses import Press, press
from bot.telegram.texts import duration

_LOGGER = logging.getLogger(__name__)
CHECK_IN = "check_in"
MIN_CHECK_IN = 2
MAX_CHECK_IN = 2000


class CheckInStep(IntEnum):
    WORDS = 1


def _has_done_button(markup: InlineKeyboardMarkup | None) -> bool:
    return markup is not None and any(
        Done.parse(button.callback_data) is not None
        for row in markup.inline_keyboard
        for button in row
    )


async def _swap_doorstep_button(
    query: CallbackQuery, context: BotContext, request_id: int, *, on_doorstep: bool
) -> None:
    """The pressed message shows the other doorstep button now: the whole task card where
    it was one, the single button on the details message, none on a finished task."""
    message = query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    request = await context.services.desk.find(request_id)
    still_theirs = (
        request is not None
        and request.status is RequestStatus.CLAIMED
        and request.volunteer_id == query.from_user.id
    )
    new: InlineKeyboardMarkup | None
    if still_theirs and request is not None and _has_done_button(markup):
        name = await context.services.relay.requester_name(request)
        at_door = request.category.at_the_door
        new = keyboards.task(request_id, name, on_doorstep=on_doorstep, at_door=at_door)
    elif still_theirs or on_doorstep:
        new = keyboards.doorstep(request_id, on_doorstep=on_doorstep)
    else:
        new = None
    try:
        await query.edit_message_reply_markup(reply_markup=new)
    except BadRequest as error:
        # Already showing it (a second press), or too old to edit: the answer says it all.
        _LOGGER.debug("Doorstep button not swapped: %s", error.message)


@press(Arrived)
async def arrived(update: Update, context: BotContext, press: Press[Arrived]) -> None:
    """v1:arrived:<id>: the volunteer on the task is at the door."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    services = context.services
    result = await services.doorstep.arrive(request_id, sender.id)
    if result.outcome is Outcome.OK:
        await answer(
            query,
            _(
                "📍 Thank you. Press 🏠 I've left safely when you leave: if I haven't heard "
                "in {time}, I'll check you're OK."
            ).format(time=duration(services.settings.checkout_after_s)),
            alert=True,
        )
        await _swap_doorstep_button(query, context, request_id, on_doorstep=True)
    elif result.outcome is Outcome.ALREADY:
        await answer(query, _("You're already marked as arrived. Thank you!"))
        await _swap_doorstep_button(query, context, request_id, on_doorstep=True)
    else:
        await not_their_task(query, result.outcome)


@press(Left)
async def left(update: Update, context: BotContext, press: Press[Left]) -> None:
    """v1:left:<id>: they have left safely; nothing more is asked."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    result = await context.services.doorstep.leave(request_id, sender.id)
    if result.outcome is Outcome.OK:
        await answer(query, _("🏠 Thank you for letting us know you've left safely."))
        await _swap_doorstep_button(query, context, request_id, on_doorstep=False)
    elif result.outcome is Outcome.ALREADY:
        await answer(query, _("You've already said you've left. Thank you!"))
        await _swap_doorstep_button(query, context, request_id, on_doorstep=False)
    else:
        await not_yours(query)


@press(Safe)
async def are_you_ok(update: Update, context: BotContext, press: Press[Safe]) -> None:
    """v1:safe:<id>:ok|help: the answer to "Are you OK?"."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    choice = press.data.answer
    doorstep = context.services.doorstep
    if choice == "ok":
        result = await doorstep.leave(request_id, sender.id)
        if result.outcome is Outcome.NOT_YOURS:
            await not_yours(query)
            return
        await answer(query, _("Thank you!"))
        await query.edit_message_text(_("✅ Thank you: glad you're safe."))
        return
    result = await doorstep.need_help(request_id, sender.id)
    if result.outcome is Outcome.NOT_YOURS:
        await not_yours(query)
        return
    if result.outcome is Outcome.TOO_LATE:
        await answer(query, _("You've already said you've left. Thank you!"))
        return
    await answer(query, _("The coordinators have been told."), alert=True)
    if result.outcome is Outcome.ALREADY:
        return
    await query.edit_message_text(
        _(
            "🆘 I've told every coordinator: one of them will get in touch now. "
            "If you're in danger, call 999.\n\nWhen you're safe, press 🏠 I've left safely."
        ),
        reply_markup=keyboards.doorstep(request_id, on_doorstep=True),
    )


@press(NoShow)
async def didnt_come(update: Update, context: BotContext, press: Press[NoShow]) -> None:
    """v1:nocome:<request_id>:<volunteer_id>: the requester says the volunteer never came."""
    query, sender = press.query, press.sender
    request_id, volunteer_id = press.data.request_id, press.data.volunteer_id
    outcome = await context.services.doorstep.report_no_show(request_id, volunteer_id, sender.id)
    if outcome is Outcome.OK:
        await settled(query, _("Thank you for telling us."))
        request = await context.services.desk.find(request_id)
        if request is not None and not request.category.at_the_door:
            text = _(
                "Thank you for telling us about #{id}. The coordinators have been told "
                "and one of them will be in touch."
            ).format(id=request_id)
        else:
            text = _(
                "Thank you for telling us about #{id}. The coordinators have been told "
                "and one of them will be in touch. Please don't open the door to anyone "
                "who can't tell you the safety code."
            ).format(id=request_id)
        await context.bot.send_message(sender.id, text)
    elif outcome is Outcome.ALREADY:
        await answer(query, _("You've told us already. Thank you!"))
    elif outcome is Outcome.NOT_FOUND:
        await answer(query, _("This request no longer exists."))
    else:
        await not_yours(query)


# --- the check-in after a first task --------------------------------------------------


@press(CheckIn, stale=END)
async def begin_check_in(update: Update, context: BotContext, press: Press[CheckIn]) -> int:
    """v1:checkin:<id>: type how it went; v1:checkin:<id>:fine: nothing to add."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    fine = press.data.fine is not None
    if not await context.services.newcomers.may_check_in(request_id, sender.id):
        await not_yours(query)
        return END
    if fine:
        await answer(query, _("Thank you!"))
        await query.edit_message_text(_("🌱 Glad it went well. Thank you for helping!"))
        return END
    await answer(query)
    context.drafts[CHECK_IN] = {"request_id": request_id}
    await query.edit_message_reply_markup(reply_markup=None)
    await context.bot.send_message(
        sender.id,
        _(
            "✍️ How did #{id} go? Type it in your own words: it goes to the coordinators. "
            "/cancel if you'd rather not."
        ).format(id=request_id),
    )
    return CheckInStep.WORDS


async def check_in_written(update: Update, context: BotContext) -> int:
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return END
    text = (message.text or "").strip()
    if not await words_fit(update, text, MIN_CHECK_IN, MAX_CHECK_IN):
        return CheckInStep.WORDS
    draft = context.drafts.pop(CHECK_IN, None) or {}
    request_id = draft.get("request_id")
    if not isinstance(request_id, int):
        await message.reply_text(_("This has gone out of date. Thank you all the same!"))
        return END
    reached = await context.services.newcomers.check_in(request_id, sender.id, text)
    if reached:
        await message.reply_text(_("Thank you! The coordinators have it now."))
    else:
        await message.reply_text(
            _(
                "Thank you. I couldn't reach a coordinator just now: please also tell the "
                "group's organisers."
            )
        )
    return END


check_in_again = ask_again(
    CheckInStep.WORDS, lambda: _("Please type it in words, or /cancel if you'd rather not.")
)


async def _leave_check_in(update: Update, context: BotContext) -> int:
    """Another feature's button pressed mid-way: drop the draft and let the press go on."""
    context.drafts.pop(CHECK_IN, None)
    return END


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(
        conversation(
            "check_in",
            entry_points=[CallbackQueryHandler(begin_check_in, pattern=CheckIn.matches())],
            states={
                CheckInStep.WORDS: [
                    MessageHandler(TEXT, check_in_written),
                    MessageHandler(PRIVATE & ~filters.COMMAND, check_in_again),
                ],
            },
            fallbacks=[CallbackQueryHandler(_leave_check_in)],
        ),
        group=GROUP_CHECK_IN_CONVERSATION,
    )
    app.add_handlers(
        [
            CallbackQueryHandler(arrived, pattern=Arrived.matches()),
            CallbackQueryHandler(left, pattern=Left.matches()),
            CallbackQueryHandler(are_you_ok, pattern=Safe.matches()),
            CallbackQueryHandler(didnt_come, pattern=NoShow.matches()),
        ],
        group=GROUP_FEATURES,
    )
