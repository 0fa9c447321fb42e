"""Requesters: the /request conversation, /myrequests, and cancelling a request.

The request form's steps are shared with /onbehalf (handlers.request_form); what is the
requester's own lives here: carrying on with a half-made request, the number to ring
for a friendly phone call, the same place as last time, changing one answer, the limits
on how much one person may ask, and asking a question again in its own words."""

from __future__ import annotations

from enum import IntEnum

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.config import Settings
from bot.domain.models import Category, HelpRequest, RequestDraft, RequestStatus, When
from bot.domain.phone import parse_phone
from bot.domain.request_answers import RequestAnswers
from bot.domain.results import Limit, Outcome
from bot.i18n import _, ngettext
from bot.telegram import keyboards
from bot.telegram.buttons import (
    CallBy,
    CancelRequest,
    Change,
    Feedback,
    Rebook,
    Resume,
    SamePlace,
    StopSeries,
)
from bot.telegram.commands import REQUEST_LINK
from bot.telegram.context import BotContext
from bot.telegram.handlers import prescriptions
from bot.telegram.handlers.common import (
    END,
    GROUP_FEATURES,
    GROUP_REQUEST_CONVERSATION,
    NEED,
    PRIVATE,
    SET_ASIDE,
    TEXT,
    Callback,
    answer,
    ask_again,
    consented_and_answered,
    consented_user,
    conversation,
    not_yours,
    settled,
    ways_in,
)
from bot.telegram.handlers.prescriptions import Rx
from bot.telegram.handlers.request_form import (
    RX_STAGES,
    RequestForm,
    Stage,
    ask_when_at,
    repeat_text,
)
from bot.telegram.handlers.request_form import reply as _reply
from bot.telegram.presses import Press, press, stale_answer
from bot.telegram.texts import category_label, esc, request_line, when_text

DRAFT = "request"


class Step(IntEnum):
    CATEGORY = 1
    DESCRIPTION = 2
    WHEN = 3
    WHEN_AT = 4
    LOCATION = 5
    ADDRESS = 6
    CONFIRM = 7
    DUPLICATE = 8  # the requester has one of this kind open: the same need, or new?
    ADDITION = 9  # the same: what to add to the open one
    RX_PAYMENT = 10
    RX_AMOUNT = 11
    RX_FRIDGE = 12
    RX_CONTROLLED = 13
    RX_CONSENT = 14
    PHONE = 15  # a friendly phone call: the number to ring, or "talk through the bot"
    RESUME = 16  # a half-made request was waiting: carry on with it, or start afresh?
    CHANGE = 17  # which answer on the summary to change


def _ask_phone() -> str:
    return _(
        "📞 What number should the volunteer ring? Only the one volunteer who takes your "
        "request will see it.\n\n"
        "Or, if you'd rather not give a number, press the button to talk through the bot: "
        "messages and voice notes go between you and the volunteer without either of you "
        "seeing the other's number."
    )


def _limit_text(limit: Limit, settings: Settings) -> str:
    """Why someone can't ask for more help just now, kindly, and when they can again."""
    if limit is Limit.OPEN:
        n = settings.max_open_requests
        return ngettext(
            "You already have {n} request open, which is as many as one person can have "
            "at a time, so that volunteers can get round everyone. As soon as it is done, "
            "or if you cancel it (/myrequests), you can ask again.",
            "You already have {n} requests open, which is as many as one person can have "
            "at a time, so that volunteers can get round everyone. As soon as one is done, "
            "or if you cancel one (/myrequests), you can ask again.",
            n,
        ).format(n=n)
    n = settings.max_requests_per_day
    return ngettext(
        "You've asked for help {n} time in the last 24 hours, which is as often as one "
        "person can, so that volunteers aren't asked too often. Please ask again later; "
        "/myrequests shows your requests.",
        "You've asked for help {n} times in the last 24 hours, which is as often as one "
        "person can, so that volunteers aren't asked too often. Please ask again later; "
        "/myrequests shows your requests.",
        n,
    ).format(n=n)


class OwnRequest(RequestForm):
    """The form as the requester fills it in for themselves."""

    async def after_when(
        self, update: Update, context: BotContext, answers: RequestAnswers
    ) -> int:
        """Where the help is, and the address; for a friendly phone call, the number
        instead (it can be made from anywhere, so no location is asked for)."""
        back = await self.summary_if_changing(update, context, answers)
        if back is not None:
            return back
        if answers.kind.at_the_door:
            return await _ask_where(update, context)
        await _reply(update, _ask_phone(), keyboards.call_by_bot())
        return Step.PHONE

    async def not_sending(self, update: Update, context: BotContext) -> int:
        return await change_again(update, context)

    async def may_send(self, update: Update, context: BotContext, sender_id: int) -> bool:
        # Reached meanwhile (say, a repeating request's next one was posted): not saved.
        services = context.services
        limit = await services.desk.limit_reached(sender_id)
        if limit is None:
            return True
        query = update.callback_query
        await answer(query, _("Not sent."))
        if query is not None:
            await query.edit_message_reply_markup(reply_markup=None)
        self.drop(context)
        await _reply(
            update, _("I haven't sent this request.") + " " + _limit_text(limit, services.settings)
        )
        return False

    async def submit(
        self, context: BotContext, sender_id: int, answers: RequestAnswers, draft: RequestDraft
    ) -> HelpRequest:
        return await context.services.desk.submit(sender_id, draft)


FORM = OwnRequest(DRAFT, Step, for_someone=False)


# --- the requester's own steps -----------------------------------------------------------


async def begin(update: Update, context: BotContext) -> int:
    """/request (or "I need help", or a leaflet's link): start a fresh request."""
    user = await consented_and_answered(update, context, then=NEED)
    if user is None:
        return END
    # Told before they type anything, not after.
    limit = await context.services.desk.limit_reached(user.id)
    if limit is not None:
        FORM.drop(context)
        await _reply(update, _limit_text(limit, context.services.settings))
        return END
    stored = context.drafts.pop(SET_ASIDE, None) or context.drafts.get(DRAFT)
    waiting = RequestAnswers.from_stored(stored)
    if waiting is not None and waiting.category is not None and waiting.saved_as is None:
        FORM.keep(context, waiting)
        await _reply(update, _waiting_text(waiting), keyboards.resume_request())
        return Step.RESUME
    return await FORM.start_from_category(update, context)


def _waiting_text(answers: RequestAnswers) -> str:
    what = category_label(answers.kind)
    if answers.description:
        what += " “" + esc(answers.description) + "”"
    return _(
        "You have an unfinished request: {what}. Shall we carry on where you left off, or "
        "start afresh?"
    ).format(what=what)


@press(Resume, stay=Step.RESUME)
async def resumed(update: Update, context: BotContext, press: Press[Resume]) -> int:
    """v1:resume:yes|no: carry on with the half-made request, or start afresh."""
    query = press.query
    await answer(query)
    if query.message is not None:
        await query.edit_message_reply_markup(reply_markup=None)
    if press.data.answer != "yes" or FORM.answers(context).category is None:
        return await FORM.start_from_category(update, context)
    return await _carry_on(update, context)


async def _carry_on(update: Update, context: BotContext) -> int:
    """Ask the first question the set-aside answers have no answer to."""
    answers = FORM.answers(context)
    category = answers.kind
    if answers.adding_to is not None:
        await _reply(update, FORM.ask_addition(answers.adding_to))
        return Step.ADDITION
    if not answers.description:
        await _reply(update, FORM.ask_description(category))
        return Step.DESCRIPTION
    if answers.category is Category.PRESCRIPTION and answers.rx_consent_at is None:
        return FORM.rx_step(await prescriptions.ask(update, Rx.PAYMENT))
    if answers.when is None:
        return await FORM.ask_for_when(update)
    if not category.at_the_door:
        if answers.address is None:
            await _reply(update, _ask_phone(), keyboards.call_by_bot())
            return Step.PHONE
    elif answers.lat is None:
        return await _ask_where(update, context)
    elif answers.address is None:
        await _reply(update, FORM.ask_address())
        return Step.ADDRESS
    return await FORM.show_summary(update, context, answers)


async def resume_again(update: Update, context: BotContext) -> int:
    await _reply(update, _waiting_text(FORM.answers(context)), keyboards.resume_request())
    return Step.RESUME


def _call_from_anywhere(context: BotContext, number: str) -> RequestAnswers:
    """A phone call's answers: the number is kept where an address is (protected, shown
    to the volunteer who takes it alone, purged the same way); the place is the middle
    of the group's area, since distance doesn't matter for a call."""
    answers = FORM.answers(context)
    area = context.services.settings.area
    answers.lat, answers.lon = (area.lat, area.lon) if area is not None else (0.0, 0.0)
    answers.address, answers.changing = number, False
    FORM.keep(context, answers)
    return answers


async def phoned(update: Update, context: BotContext) -> int:
    """The number the volunteer should ring."""
    text = (update.effective_message.text if update.effective_message else "") or ""
    number = parse_phone(text)
    if number is None:
        await _reply(
            update,
            _(
                "That doesn't look like a phone number. Please type it with its digits, "
                "like 07700 900123, or press the button to talk through the bot instead."
            ),
            keyboards.call_by_bot(),
        )
        return Step.PHONE
    return await FORM.show_summary(update, context, _call_from_anywhere(context, number))


async def call_by_bot(update: Update, context: BotContext) -> int:
    """v1:callby:bot: no number; the volunteer and the requester talk through the bot."""
    query = update.callback_query
    await answer(query)
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(reply_markup=None)
    return await FORM.show_summary(update, context, _call_from_anywhere(context, ""))


async def phone_again(update: Update, context: BotContext) -> int:
    await _reply(update, _ask_phone(), keyboards.call_by_bot())
    return Step.PHONE


async def _ask_where(update: Update, context: BotContext) -> int:
    """The location question; someone who asked before may use the same place again."""
    await _reply(update, FORM.ask_location(context), keyboards.share_location())
    sender = update.effective_user
    last = await context.services.desk.last_place(sender.id) if sender is not None else None
    if last is not None:
        await _reply(
            update,
            _("Or, if it's for the same place as before:"),
            keyboards.same_place(last.address),
        )
    return Step.LOCATION


async def same_place(update: Update, context: BotContext) -> int:
    """v1:sameplace: the place and address of the requester's last request, again."""
    query, sender = update.callback_query, update.effective_user
    await answer(query)
    last = await context.services.desk.last_place(sender.id) if sender is not None else None
    if last is None:
        return await location_again(update, context)
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(reply_markup=None)
    answers = FORM.answers(context)
    answers.lat, answers.lon, answers.address = last.lat, last.lon, last.address
    answers.changing = False
    FORM.keep(context, answers)
    await _reply(update, _("Got it: the same place as last time."), ReplyKeyboardRemove())
    return await FORM.show_summary(update, context, answers)


# What each choice of "change something" forgets, so that its question is asked again.
CHANGES = {
    "what": ("description",),
    "when": ("when", "due_at", "every"),
    "where": ("lat", "lon", "address"),
}


@press(Change, stay=Step.CHANGE)
async def change(update: Update, context: BotContext, press: Press[Change]) -> int:
    """v1:change:what|when|where|all: ask that one question again, then the summary."""
    query, choice = press.query, press.data.what
    await answer(query)
    if query.message is not None:
        await query.edit_message_reply_markup(reply_markup=None)
    answers = FORM.answers(context)
    if choice not in CHANGES or answers.category is None:
        return await FORM.start_from_category(
            update, context, _("No problem, let's start again.") + "\n"
        )
    for name in CHANGES[choice]:
        setattr(answers, name, None)
    answers.changing = True  # back to the summary once it is answered
    FORM.keep(context, answers)
    return await _carry_on(update, context)


async def change_again(update: Update, context: BotContext) -> int:
    at_door = FORM.answers(context).kind.at_the_door
    await _reply(
        update, _("What would you like to change?"), keyboards.change_request(at_door=at_door)
    )
    return Step.CHANGE


# --- a form's question asked again, in the requester's words --------------------------------


category_again = ask_again(
    Step.CATEGORY, lambda: _("Please choose one of the buttons:"), keyboards.categories
)


duplicate_again = ask_again(Step.DUPLICATE, lambda: _("Please choose one of the buttons above."))


addition_again = ask_again(
    Step.ADDITION, lambda: _("Please type what you'd like to add, in a few words.")
)


description_again = ask_again(
    Step.DESCRIPTION, lambda: _("Please type what you need in a few words.")
)


def _rx_again(at: Rx) -> Callback:
    async def again(update: Update, context: BotContext) -> int:
        return FORM.rx_step(await prescriptions.ask(update, at))

    return again


when_again = ask_again(
    Step.WHEN, lambda: _("Please choose one of the buttons:"), keyboards.when_choices
)


when_at_again = ask_again(Step.WHEN_AT, ask_when_at)


async def location_again(update: Update, context: BotContext) -> int:
    await _reply(update, FORM.ask_location(context), keyboards.share_location())
    return Step.LOCATION


address_again = ask_again(Step.ADDRESS, FORM.ask_address)


confirm_again = ask_again(
    Step.CONFIRM,
    lambda: _("Please press “Send my request”, or “Change something”."),
    keyboards.confirm_request,
)


AGAIN: dict[Stage, Callback] = {
    Stage.CATEGORY: category_again,
    Stage.DUPLICATE: duplicate_again,
    Stage.ADDITION: addition_again,
    Stage.DESCRIPTION: description_again,
    **{stage: _rx_again(at) for at, stage in RX_STAGES.items()},
    Stage.WHEN: when_again,
    Stage.WHEN_AT: when_at_again,
    Stage.LOCATION: location_again,
    Stage.ADDRESS: address_again,
    Stage.CONFIRM: confirm_again,
}


# --- outside the conversation ------------------------------------------------------------


async def my_requests(update: Update, context: BotContext) -> None:
    """/myrequests: the latest requests with how each stands, and a way to cancel."""
    user = await consented_user(update, context)
    if user is None:
        return
    services = context.services
    requests = await services.desk.requests_of(user.id)
    repeating = await services.desk.series_of(user.id)
    if not requests and not repeating:
        await _reply(update, _("You haven't asked for help yet. Use /request when you need it."))
        return
    tz = services.settings.timezone
    await _reply(update, _("<b>Your requests</b>"))
    for request in requests:
        cancellable = request.status in (RequestStatus.OPEN, RequestStatus.CLAIMED)
        await _reply(
            update,
            _entry(request, context, await _who(request, context)),
            keyboards.my_request(request.id, cancellable),
        )
    for series in repeating:
        await _reply(
            update,
            _("🔁 {category} {repeat}, next on {when}\n“{description}”").format(
                category=category_label(series.category),
                repeat=repeat_text(series.every).strip(),
                when=when_text(When.AT, series.next_due_at, tz),
                description=esc(series.description),
            ),
            keyboards.stop_series(series.id),
        )


def _entry(request: HelpRequest, context: BotContext, who: str = "") -> str:
    """One request as /myrequests shows it (`who`: who is on it, or who closed it)."""
    line = request_line(request, context.services.settings.timezone)
    if who:
        line += "\n" + who
    if request.description:  # blank once the retention purge has been
        line += "\n“" + esc(request.description) + "”"
    return line


async def _who(request: HelpRequest, context: BotContext) -> str:
    """The volunteer on a taken or done request by name, and who closed a cancelled one."""
    services = context.services
    if request.status in (RequestStatus.CLAIMED, RequestStatus.DONE) and request.volunteer_id:
        name = await services.people.name_of(request.volunteer_id)
        if not name:
            return ""
        if request.status is RequestStatus.CLAIMED:
            return _("🙋 {name} is helping with it.").format(name=esc(name))
        return _("🙋 {name} helped with it.").format(name=esc(name))
    if request.status is RequestStatus.CANCELLED:
        if await services.desk.cancelled_by_requester(request.id):
            return _("You cancelled it.")
        return _("A coordinator closed it: no volunteer could take it.")
    return ""


@press(CancelRequest)
async def cancel_request(update: Update, context: BotContext, press: Press[CancelRequest]) -> None:
    """v1:cancelreq:<id>: the requester no longer needs the help. With a volunteer on it,
    it asks first: v1:cancelreq:<id>:yes cancels, :no keeps it."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    choice = press.data.answer or ""
    if choice != "yes":
        request = await context.services.desk.find(request_id)
        if request is None or request.requester_id != sender.id:
            await not_yours(query)
            return
        if request.status not in (RequestStatus.OPEN, RequestStatus.CLAIMED):
            await settled(query, _("That request is already closed."))
            return
        if choice == "no":
            await answer(query, _("Good: it stays as it is."))
            await query.edit_message_text(
                _entry(request, context), reply_markup=keyboards.my_request(request_id, True)
            )
            return
        if request.status is RequestStatus.CLAIMED:
            await answer(query)
            await query.edit_message_text(
                _(
                    "A volunteer is already on it for #{id}. Cancel it anyway? They'll be "
                    "told there's no need to come."
                ).format(id=request_id),
                reply_markup=keyboards.confirm_cancel(request_id),
            )
            return
    result = await context.services.desk.cancel(request_id, sender.id)
    if result.outcome is Outcome.OK:
        await answer(query, _("Cancelled."))
        await query.edit_message_text(
            _("Request #{id} is cancelled. Thank you for letting us know.").format(id=request_id)
        )
    elif result.outcome is Outcome.ALREADY:
        await settled(query, _("That request is already closed."))
    else:
        await not_yours(query)


@press(Rebook)
async def rebook(update: Update, context: BotContext, press: Press[Rebook]) -> None:
    """v1:rebook:<id>: its booked time passed after a hand-back; as soon as possible now."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    result = await context.services.desk.rebook_asap(request_id, sender.id)
    if result.outcome is Outcome.OK:
        await settled(query, _("Thank you!"))
        await _reply(
            update,
            _("I'm asking volunteers for #{id} now, for as soon as possible.").format(
                id=request_id
            ),
        )
    elif result.outcome is Outcome.ALREADY:
        await settled(query, _("That's already been sorted. /myrequests shows how it stands."))
    elif result.outcome is Outcome.NOT_FOUND:
        await answer(query, stale_answer())
    else:
        await not_yours(query)


@press(StopSeries)
async def stop_series(update: Update, context: BotContext, press: Press[StopSeries]) -> None:
    """v1:stopseries:<id>: no more occurrences of a recurring request."""
    query, sender, series_id = press.query, press.sender, press.data.series_id
    outcome = await context.services.desk.stop_series(series_id, sender.id)
    if outcome is Outcome.OK:
        await answer(query, _("Stopped."))
        await query.edit_message_text(
            _("🔁 This won't repeat any more. Requests already made are not affected.")
        )
    elif outcome is Outcome.ALREADY:
        await settled(query, _("That has already stopped."))
    else:
        await not_yours(query)


@press(Feedback)
async def feedback(update: Update, context: BotContext, press: Press[Feedback]) -> None:
    """v1:fb:<id>:yes|no: did the requester get the help?"""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    answer_arg = press.data.answer
    result = await context.services.desk.record_feedback(
        request_id, sender.id, answer_arg == "yes"
    )
    if result.outcome is Outcome.OK:
        await settled(query, _("Thank you for telling us."))
        if answer_arg == "no":
            await _reply(
                update,
                _("I'm sorry to hear that. A coordinator will get in touch with you."),
            )
    elif result.outcome is Outcome.ALREADY:
        await answer(query, _("You've already told us. Thank you!"))
    else:
        await not_yours(query)


def register(app: Application) -> None:  # type: ignore[type-arg]
    other = PRIVATE & ~filters.COMMAND
    states = FORM.states(AGAIN.__getitem__)
    # Someone who asked before may press "the same place" instead of sharing it.
    states[Step.LOCATION].insert(0, CallbackQueryHandler(same_place, pattern=SamePlace.matches()))
    app.add_handler(
        conversation(
            "request",
            entry_points=ways_in("request", REQUEST_LINK, NEED, begin),
            states={
                **states,
                Step.RESUME: [
                    CallbackQueryHandler(resumed, pattern=Resume.matches()),
                    MessageHandler(other, resume_again),
                ],
                Step.PHONE: [
                    MessageHandler(TEXT, phoned),
                    CallbackQueryHandler(call_by_bot, pattern=CallBy.matches()),
                    MessageHandler(other, phone_again),
                ],
                Step.CHANGE: [
                    CallbackQueryHandler(change, pattern=Change.matches()),
                    MessageHandler(other, change_again),
                ],
            },
        ),
        group=GROUP_REQUEST_CONVERSATION,
    )
    app.add_handlers(
        [
            CommandHandler("myrequests", my_requests, filters=PRIVATE),
            CallbackQueryHandler(cancel_request, pattern=CancelRequest.matches()),
            CallbackQueryHandler(stop_series, pattern=StopSeries.matches()),
            CallbackQueryHandler(rebook, pattern=Rebook.matches()),
            CallbackQueryHandler(feedback, pattern=Feedback.matches()),
        ],
        group=GROUP_FEATURES,
    )
