"""Requesters: the /request conversation, /myrequests, and cancelling a request."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from enum import IntEnum
from typing import Any

from telegram import Message, ReplyKeyboardRemove, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.config import Settings
from bot.domain.limits import MAX_ADDRESS, MAX_DESCRIPTION
from bot.domain.models import Category, HelpRequest, Place, RequestDraft, RequestStatus, When
from bot.domain.phone import parse_phone
from bot.domain.results import Limit, Outcome
from bot.domain.when import parse_due
from bot.i18n import _, ngettext
from bot.telegram import keyboards, notices
from bot.telegram.buttons import (
    CallBy,
    CancelRequest,
    Change,
    ChooseCategory,
    Confirm,
    Duplicate,
    Feedback,
    Prescription,
    Rebook,
    Resume,
    Role,
    SamePlace,
    StopSeries,
    WhenChoice,
)
from bot.telegram.commands import REQUEST_LINK
from bot.telegram.context import BotContext
from bot.telegram.handlers import prescriptions
from bot.telegram.handlers.common import (
    END,
    GROUP_FEATURES,
    GROUP_REQUEST_CONVERSATION,
    LOCATION,
    NEED,
    PRIVATE,
    SET_ASIDE,
    TEXT,
    agree,
    agreed_then,
    answer,
    consented_user,
    conversation,
)
from bot.telegram.handlers.places import Asker, read_place
from bot.telegram.handlers.prescriptions import Rx
from bot.telegram.presses import Press, press, stale_answer
from bot.telegram.texts import (
    category_label,
    description_example,
    esc,
    request_line,
    when_text,
)

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


# Where a prescription's questions stand, as this conversation's steps.
RX_STEPS = {
    Rx.PAYMENT: Step.RX_PAYMENT,
    Rx.AMOUNT: Step.RX_AMOUNT,
    Rx.FRIDGE: Step.RX_FRIDGE,
    Rx.CONTROLLED: Step.RX_CONTROLLED,
    Rx.CONSENT: Step.RX_CONSENT,
}


def _draft(context: BotContext) -> dict[str, Any]:
    draft: dict[str, Any] = context.drafts.setdefault(DRAFT, {})
    return draft


# --- what the requester is asked at each step ------------------------------------------


def _ask_category() -> str:
    return _("What do you need help with? Choose one:")


def _ask_description(category: Category) -> str:
    return _(
        "In a sentence or two, what do you need? For example: “{example}”.\n\n"
        "Volunteers will see this, so please don't put your name, address or phone number "
        "here, and no medical details."
    ).format(example=description_example(category))


def _ask_phone() -> str:
    return _(
        "📞 What number should the volunteer ring? Only the one volunteer who takes your "
        "request will see it.\n\n"
        "Or, if you'd rather not give a number, press the button to talk through the bot: "
        "messages and voice notes go between you and the volunteer without either of you "
        "seeing the other's number."
    )


def _ask_when() -> str:
    return _("When do you need it?")


def _ask_when_at() -> str:
    return _(
        "Type the day and time, for example “tomorrow 10:00”, “saturday 2pm” or “28/11 14:30”, "
        "or just a time, e.g. “10:00” (the next such time)."
    )


def _ask_first_time() -> str:
    return _(
        "When should the first one be? Type the day and time, for example "
        "“saturday 10:00”. I'll ask for the same help at that time each time."
    )


def _ask_location() -> str:
    return _(
        "Where do you need help? Press the button below to share your location, so we "
        "can find volunteers near you."
    )


def _ask_address() -> str:
    return _(
        "What is your address, and anything the volunteer should know to get in "
        "(for example “Flat 3, ring twice, side door”)?\n\n"
        "🔒 Only the one volunteer who takes your request will see your address."
    )


def _repeat_text(every: str | None) -> str:
    if every == "weekly":
        return " " + _("(every week)")
    if every == "daily":
        return " " + _("(every day)")
    return ""


def _summary(draft: dict[str, Any], context: BotContext) -> str:
    tz = context.services.settings.timezone
    rx = prescriptions.summary_lines(draft)
    category = Category(draft["category"])
    when = when_text(When(draft["when"]), draft.get("due_at"), tz) + _repeat_text(
        draft.get("every")
    )
    if not category.at_the_door:
        return _(
            "<b>Please check your request</b>\n"
            "{category}\n"
            "“{description}”\n"
            "🕒 {when}\n"
            "{how}\n\n"
            "Shall I send it to volunteers?"
        ).format(
            category=category_label(category),
            description=esc(draft["description"]),
            when=when,
            how=_call_how(draft["address"]),
        )
    text = _(
        "<b>Please check your request</b>\n"
        "{category}\n"
        "“{description}”\n"
        "🕒 {when}\n"
        "🏠 {address}\n\n"
        "Shall I send it to volunteers nearby?"
    ).format(
        category=category_label(category),
        description=esc(draft["description"]),
        when=when,
        address=esc(draft["address"]),
    )
    if not rx:
        return text
    # The prescription's answers go above the closing question.
    body, _sep, question = text.rpartition("\n\n")
    return body + "\n" + "\n".join(rx) + "\n\n" + question


def _call_how(number: str) -> str:
    """How a friendly phone call is to be made, as the requester's summary shows it."""
    if number:
        return _("📞 The volunteer rings {number}").format(number=esc(number))
    return _("💬 Through the bot, without giving a number")


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


async def _reply(update: Update, text: str, markup: Any = None) -> Message | None:
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(text, reply_markup=markup)


# --- the conversation ----------------------------------------------------------------


async def begin(update: Update, context: BotContext) -> int:
    """/request (or "I need help", or a leaflet's link): start a fresh request."""
    # Not answered before the consent check: showing the notice answers the press, and a
    # second answer is refused by Telegram.
    user = await consented_user(update, context, then=NEED)
    if user is None:
        return END
    await answer(update.callback_query)
    # Told before they type anything, not after.
    limit = await context.services.desk.limit_reached(user.id)
    if limit is not None:
        context.drafts.pop(DRAFT, None)
        await _reply(update, _limit_text(limit, context.services.settings))
        return END
    waiting = context.drafts.pop(SET_ASIDE, None) or context.drafts.get(DRAFT)
    if isinstance(waiting, dict) and waiting.get("category") and "saved_as" not in waiting:
        context.drafts[DRAFT] = waiting
        await _reply(update, _waiting_text(waiting), keyboards.resume_request())
        return Step.RESUME
    context.drafts[DRAFT] = {}
    await _reply(update, _ask_category(), keyboards.categories())
    return Step.CATEGORY


def _waiting_text(draft: dict[str, Any]) -> str:
    what = category_label(_category(draft))
    if draft.get("description"):
        what += " “" + esc(str(draft["description"])) + "”"
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
    if press.data.answer != "yes" or not _draft(context).get("category"):
        context.drafts[DRAFT] = {}
        await _reply(update, _ask_category(), keyboards.categories())
        return Step.CATEGORY
    return await _carry_on(update, context)


async def _carry_on(update: Update, context: BotContext) -> int:
    """Ask the first question the set-aside draft has no answer to."""
    draft = _draft(context)
    category = _category(draft)
    if isinstance(draft.get("adding_to"), int):
        await _reply(
            update,
            _(
                "What would you like to add to #{id}? Volunteers may see it, so no name, "
                "address, phone number or medical details."
            ).format(id=draft["adding_to"]),
        )
        return Step.ADDITION
    if not draft.get("description"):
        await _reply(update, _ask_description(category))
        return Step.DESCRIPTION
    if category is Category.PRESCRIPTION and "rx_consent_at" not in draft:
        return RX_STEPS[await prescriptions.ask(update, Rx.PAYMENT)]
    if "when" not in draft:
        await _reply(update, _ask_when(), keyboards.when_choices())
        return Step.WHEN
    if not category.at_the_door:
        if "address" not in draft:
            await _reply(update, _ask_phone(), keyboards.call_by_bot())
            return Step.PHONE
    elif "lat" not in draft:
        return await _ask_where(update, context)
    elif "address" not in draft:
        await _reply(update, _ask_address())
        return Step.ADDRESS
    await _reply(update, _summary(draft, context), keyboards.confirm_request())
    return Step.CONFIRM


async def resume_again(update: Update, context: BotContext) -> int:
    await _reply(update, _waiting_text(_draft(context)), keyboards.resume_request())
    return Step.RESUME


async def agree_and_begin(update: Update, context: BotContext) -> int:
    """ "I agree" under a notice shown to someone who came to ask for help: straight in."""
    await agree(update, context)
    return await begin(update, context)


def _category(draft: dict[str, Any]) -> Category:
    return Category.parse(str(draft.get("category"))) or Category.OTHER


@press(ChooseCategory, stay=Step.CATEGORY)
async def chose_category(update: Update, context: BotContext, press: Press[ChooseCategory]) -> int:
    category = press.data.category
    await answer(update.callback_query)
    _draft(context)["category"] = category.value
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_text(
            _("You chose: {category}").format(category=category_label(category))
        )
    sender = update.effective_user
    same = (
        await context.services.desk.open_like(category, requester_id=sender.id)
        if sender is not None
        else None
    )
    if same is not None:
        await _reply(update, _same_need_question(same), keyboards.duplicate(same.id))
        return Step.DUPLICATE
    await _reply(update, _ask_description(category))
    return Step.DESCRIPTION


def _same_need_question(same: HelpRequest) -> str:
    return _(
        "You already have request #{id} open for this: “{description}”.\n"
        "Is this for the same thing? Then I'll add what you tell me to #{id}. Or is it "
        "something new?"
    ).format(id=same.id, description=esc(same.description))


@press(Duplicate, stay=Step.DUPLICATE)
async def chose_duplicate(update: Update, context: BotContext, press: Press[Duplicate]) -> int:
    """v1:dup:<open_id>:same|new: add to the open request, or ask for a new one."""
    query, open_id, choice = press.query, press.data.open_id, press.data.choice
    await answer(query)
    await query.edit_message_reply_markup(reply_markup=None)
    draft = _draft(context)
    if choice == "same":
        draft["adding_to"] = open_id
        await _reply(
            update,
            _(
                "What would you like to add to #{id}? Volunteers may see it, so no name, "
                "address, phone number or medical details."
            ).format(id=open_id),
        )
        return Step.ADDITION
    # A separate need: saved as its own request, linked so coordinators see the two.
    draft["linked_to"] = open_id
    await _reply(update, _ask_description(_category(draft)))
    return Step.DESCRIPTION


async def duplicate_again(update: Update, context: BotContext) -> int:
    await _reply(update, _("Please choose one of the buttons above."))
    return Step.DUPLICATE


async def added(update: Update, context: BotContext) -> int:
    """The details to add to the open request of the same need."""
    text = ((update.effective_message.text if update.effective_message else "") or "").strip()
    sender = update.effective_user
    open_id = _draft(context).get("adding_to")
    if len(text) < 3 or len(text) > MAX_DESCRIPTION:
        await _reply(
            update,
            ngettext(
                "Please tell me in a few words (at most {n} character).",
                "Please tell me in a few words (at most {n} characters).",
                MAX_DESCRIPTION,
            ).format(n=MAX_DESCRIPTION),
        )
        return Step.ADDITION
    if sender is None or not isinstance(open_id, int):
        context.drafts.pop(DRAFT, None)
        await _reply(update, _("This is out of date. Please use /request to start again."))
        return END
    result = await context.services.desk.add_to(open_id, text, sender.id)
    context.drafts.pop(DRAFT, None)
    await _reply(update, notices.added_to_request(result, open_id))
    return END


async def addition_again(update: Update, context: BotContext) -> int:
    await _reply(update, _("Please type what you'd like to add, in a few words."))
    return Step.ADDITION


async def category_again(update: Update, context: BotContext) -> int:
    await _reply(update, _("Please choose one of the buttons:"), keyboards.categories())
    return Step.CATEGORY


async def described(update: Update, context: BotContext) -> int:
    text = (update.effective_message.text if update.effective_message else "") or ""
    text = text.strip()
    if len(text) < 3:
        await _reply(update, _("Could you tell me a little more? A few words is enough."))
        return Step.DESCRIPTION
    if len(text) > MAX_DESCRIPTION:
        await _reply(
            update,
            ngettext(
                "That's a bit long for volunteers to read: please keep it under {n} character.",
                "That's a bit long for volunteers to read: please keep it under {n} characters.",
                MAX_DESCRIPTION,
            ).format(n=MAX_DESCRIPTION),
        )
        return Step.DESCRIPTION
    draft = _draft(context)
    draft["description"] = text
    back = await _summary_if_changing(update, context)
    if back is not None:
        return back
    if draft.get("category") == Category.PRESCRIPTION.value:
        return RX_STEPS[await prescriptions.ask(update, Rx.PAYMENT)]
    await _reply(update, _ask_when(), keyboards.when_choices())
    return Step.WHEN


async def _after_rx(update: Update, context: BotContext, at: Rx) -> int:
    if at is Rx.DECLINED:
        context.drafts.pop(DRAFT, None)
        await _reply(update, prescriptions.declined_text(for_someone=False))
        return END
    if at is Rx.DONE:
        await _reply(update, _ask_when(), keyboards.when_choices())
        return Step.WHEN
    return RX_STEPS[at]


def _rx_pressed(at: Rx) -> Callable[[Update, BotContext], Coroutine[Any, Any, int]]:
    """The handler of the buttons under the prescription's question `at`."""

    async def pressed(update: Update, context: BotContext) -> int:
        return await _after_rx(
            update, context, await prescriptions.pressed(update, context, _draft(context), at)
        )

    return pressed


async def prescription_amount(update: Update, context: BotContext) -> int:
    return await _after_rx(
        update, context, await prescriptions.typed_amount(update, _draft(context))
    )


def _rx_again(at: Rx) -> Callable[[Update, BotContext], Coroutine[Any, Any, int]]:
    async def again(update: Update, context: BotContext) -> int:
        return RX_STEPS[await prescriptions.ask(update, at)]

    return again


async def description_again(update: Update, context: BotContext) -> int:
    await _reply(update, _("Please type what you need in a few words."))
    return Step.DESCRIPTION


REPEATS = ("weekly", "daily")


def _when(code: str) -> When | None:
    try:
        return When(code)
    except ValueError:
        return None


@press(WhenChoice, stay=Step.WHEN)
async def chose_when(update: Update, context: BotContext, press: Press[WhenChoice]) -> int:
    code = press.data.choice
    every = code if code in REPEATS else None
    when = When.AT if every else _when(code)
    if when is None:
        await answer(update.callback_query, _("Please choose one of the buttons."))
        return Step.WHEN
    await answer(update.callback_query)
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(reply_markup=None)
    draft = _draft(context)
    draft["every"] = every
    if when is When.AT:
        await _reply(update, _ask_first_time() if every else _ask_when_at())
        return Step.WHEN_AT
    draft["when"], draft["due_at"] = when.value, None
    return await _after_when(update, context)


async def _after_when(update: Update, context: BotContext) -> int:
    """Where the help is, and the address; for a friendly phone call, the number instead
    (it can be made from anywhere, so no location is asked for)."""
    back = await _summary_if_changing(update, context)
    if back is not None:
        return back
    if _category(_draft(context)).at_the_door:
        return await _ask_where(update, context)
    await _reply(update, _ask_phone(), keyboards.call_by_bot())
    return Step.PHONE


def _call_from_anywhere(context: BotContext, number: str) -> dict[str, Any]:
    """A phone call's draft: the number is kept where an address is (protected, shown to
    the volunteer who takes it alone, purged the same way); the place is the middle of
    the group's area, since distance doesn't matter for a call."""
    draft = _draft(context)
    area = context.services.settings.area
    draft["lat"], draft["lon"] = (area.lat, area.lon) if area is not None else (0.0, 0.0)
    draft["address"] = number
    draft.pop("changing", None)
    return draft


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
    draft = _call_from_anywhere(context, number)
    await _reply(update, _summary(draft, context), keyboards.confirm_request())
    return Step.CONFIRM


async def call_by_bot(update: Update, context: BotContext) -> int:
    """v1:callby:bot: no number; the volunteer and the requester talk through the bot."""
    query = update.callback_query
    await answer(query)
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(reply_markup=None)
    draft = _call_from_anywhere(context, "")
    await _reply(update, _summary(draft, context), keyboards.confirm_request())
    return Step.CONFIRM


async def phone_again(update: Update, context: BotContext) -> int:
    await _reply(update, _ask_phone(), keyboards.call_by_bot())
    return Step.PHONE


async def when_again(update: Update, context: BotContext) -> int:
    await _reply(update, _("Please choose one of the buttons:"), keyboards.when_choices())
    return Step.WHEN


async def typed_when(update: Update, context: BotContext) -> int:
    text = (update.effective_message.text if update.effective_message else "") or ""
    settings = context.services.settings
    now = datetime.fromtimestamp(context.services.clock(), settings.timezone)
    due = parse_due(text, now, settings.timezone)
    if due is None:
        await _reply(
            update,
            _("Sorry, I couldn't read that.") + "\n" + _ask_when_at(),
        )
        return Step.WHEN_AT
    if due <= now:
        await _reply(update, _("That time has already passed.") + "\n" + _ask_when_at())
        return Step.WHEN_AT
    draft = _draft(context)
    draft["when"], draft["due_at"] = When.AT.value, due.timestamp()
    await _reply(
        update,
        _("Got it: {when}.").format(when=when_text(When.AT, due.timestamp(), settings.timezone)),
    )
    return await _after_when(update, context)


async def when_at_again(update: Update, context: BotContext) -> int:
    await _reply(update, _ask_when_at())
    return Step.WHEN_AT


async def located(update: Update, context: BotContext) -> int:
    place = await read_place(update, context, Asker.REQUESTER, _draft(context))
    if not isinstance(place, Place):
        return Step.LOCATION
    draft = _draft(context)
    draft["lat"], draft["lon"] = place.lat, place.lon
    await _reply(update, _ask_address(), ReplyKeyboardRemove())
    return Step.ADDRESS


async def location_again(update: Update, context: BotContext) -> int:
    await _reply(update, _ask_location(), keyboards.share_location())
    return Step.LOCATION


async def _ask_where(update: Update, context: BotContext) -> int:
    """The location question; someone who asked before may use the same place again."""
    await _reply(update, _ask_location(), keyboards.share_location())
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
    draft = _draft(context)
    draft["lat"], draft["lon"], draft["address"] = last.lat, last.lon, last.address
    draft.pop("changing", None)
    await _reply(update, _("Got it: the same place as last time."), ReplyKeyboardRemove())
    await _reply(update, _summary(draft, context), keyboards.confirm_request())
    return Step.CONFIRM


async def addressed(update: Update, context: BotContext) -> int:
    text = ((update.effective_message.text if update.effective_message else "") or "").strip()
    if len(text) < 3:
        await _reply(update, _("Please type your address so the volunteer can find you."))
        return Step.ADDRESS
    if len(text) > MAX_ADDRESS:
        await _reply(
            update,
            ngettext(
                "That's longer than an address needs: please keep it under {n} character.",
                "That's longer than an address needs: please keep it under {n} characters.",
                MAX_ADDRESS,
            ).format(n=MAX_ADDRESS),
        )
        return Step.ADDRESS
    draft = _draft(context)
    draft["address"] = text
    draft.pop("changing", None)
    await _reply(update, _summary(draft, context), keyboards.confirm_request())
    return Step.CONFIRM


async def address_again(update: Update, context: BotContext) -> int:
    await _reply(update, _ask_address())
    return Step.ADDRESS


@press(Confirm, stay=Step.CONFIRM)
async def confirmed(update: Update, context: BotContext, press: Press[Confirm]) -> int:
    """The requester pressed Send (or Start again) under their summary."""
    query, sender = press.query, press.sender
    if press.data.answer != "yes":
        await answer(query)
        await query.edit_message_reply_markup(reply_markup=None)
        at_door = _category(_draft(context)).at_the_door
        await _reply(
            update,
            _("What would you like to change?"),
            keyboards.change_request(at_door=at_door),
        )
        return Step.CHANGE
    answers = _draft(context)
    draft = RequestDraft.from_answers(answers)
    services = context.services
    # Set once the request is saved: pressed again after a database fault cut the rest
    # short, Send finishes that request instead of making a second one.
    saved = await services.desk.saved(answers["saved_as"]) if "saved_as" in answers else None
    if draft is None or ("saved_as" in answers and saved is None):
        await answer(query, _("This summary is out of date. Please use /request to start again."))
        return END
    # Reached meanwhile (say, a repeating request's next one was posted): not saved.
    limit = None if saved else await services.desk.limit_reached(sender.id)
    if limit is not None:
        await answer(query, _("Not sent."))
        await query.edit_message_reply_markup(reply_markup=None)
        context.drafts.pop(DRAFT, None)
        await _reply(
            update, _("I haven't sent this request.") + " " + _limit_text(limit, services.settings)
        )
        return END
    await answer(query, _("Sent!"))
    request = saved or await services.desk.submit(sender.id, draft)
    answers["saved_as"] = request.id
    await query.edit_message_reply_markup(reply_markup=None)
    if not request.category.at_the_door:
        await _reply(update, _saved_call_text(request.id))
        await services.desk.announce(request)
        context.drafts.pop(DRAFT, None)
        return END
    await _reply(
        update,
        _(
            "✅ Thank you! Your request is saved as <b>#{id}</b>.\n"
            "I'm letting volunteers nearby know now, and I'll message you as soon as "
            "someone says they'll come.\n\n"
            "🔑 Your safety code is <b>{code}</b>. The volunteer will say it at your door: "
            "don't let anyone in who doesn't know it.\n\n"
            "/myrequests shows your requests."
        ).format(id=request.id, code=request.safety_code),
    )
    # The requester has their answer; now the (slower) pings.
    await services.desk.announce(request)
    context.drafts.pop(DRAFT, None)
    return END


def _saved_call_text(request_id: int) -> str:
    """A friendly phone call is saved: no door, so no safety code."""
    return _(
        "✅ Thank you! Your request is saved as <b>#{id}</b>.\n"
        "I'm letting our volunteers know now, and I'll message you as soon as someone "
        "says they'll call.\n\n"
        "/myrequests shows your requests."
    ).format(id=request_id)


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
    draft = _draft(context)
    if choice not in CHANGES or not draft.get("category"):
        context.drafts[DRAFT] = {}
        await _reply(
            update,
            _("No problem, let's start again.") + "\n" + _ask_category(),
            keyboards.categories(),
        )
        return Step.CATEGORY
    for key in CHANGES[choice]:
        draft.pop(key, None)
    draft["changing"] = True  # back to the summary once it is answered
    return await _carry_on(update, context)


async def _summary_if_changing(update: Update, context: BotContext) -> int | None:
    """After one changed answer: the summary again, if nothing else is missing."""
    draft = _draft(context)
    if not draft.get("changing") or RequestDraft.from_answers(draft) is None:
        return None
    draft.pop("changing", None)
    await _reply(update, _summary(draft, context), keyboards.confirm_request())
    return Step.CONFIRM


async def change_again(update: Update, context: BotContext) -> int:
    at_door = _category(_draft(context)).at_the_door
    await _reply(
        update, _("What would you like to change?"), keyboards.change_request(at_door=at_door)
    )
    return Step.CHANGE


async def confirm_again(update: Update, context: BotContext) -> int:
    await _reply(
        update,
        _("Please press “Send my request”, or “Change something”."),
        keyboards.confirm_request(),
    )
    return Step.CONFIRM


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
                repeat=_repeat_text(series.every).strip(),
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
            await answer(query, _("That button isn't for you."), alert=True)
            return
        if request.status not in (RequestStatus.OPEN, RequestStatus.CLAIMED):
            await answer(query, _("That request is already closed."))
            await query.edit_message_reply_markup(reply_markup=None)
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
        await answer(query, _("That request is already closed."))
        await query.edit_message_reply_markup(reply_markup=None)
    else:
        await answer(query, _("That button isn't for you."), alert=True)


@press(Rebook)
async def rebook(update: Update, context: BotContext, press: Press[Rebook]) -> None:
    """v1:rebook:<id>: its booked time passed after a hand-back; as soon as possible now."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    result = await context.services.desk.rebook_asap(request_id, sender.id)
    if result.outcome is Outcome.OK:
        await answer(query, _("Thank you!"))
        await query.edit_message_reply_markup(reply_markup=None)
        await _reply(
            update,
            _("I'm asking volunteers for #{id} now, for as soon as possible.").format(
                id=request_id
            ),
        )
    elif result.outcome is Outcome.ALREADY:
        await answer(query, _("That's already been sorted. /myrequests shows how it stands."))
        await query.edit_message_reply_markup(reply_markup=None)
    elif result.outcome is Outcome.NOT_FOUND:
        await answer(query, stale_answer())
    else:
        await answer(query, _("That button isn't for you."), alert=True)


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
        await answer(query, _("That has already stopped."))
        await query.edit_message_reply_markup(reply_markup=None)
    else:
        await answer(query, _("That button isn't for you."), alert=True)


@press(Feedback)
async def feedback(update: Update, context: BotContext, press: Press[Feedback]) -> None:
    """v1:fb:<id>:yes|no: did the requester get the help?"""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    answer_arg = press.data.answer
    result = await context.services.desk.record_feedback(
        request_id, sender.id, answer_arg == "yes"
    )
    if result.outcome is Outcome.OK:
        await answer(query, _("Thank you for telling us."))
        await query.edit_message_reply_markup(reply_markup=None)
        if answer_arg == "no":
            await _reply(
                update,
                _("I'm sorry to hear that. A coordinator will get in touch with you."),
            )
    elif result.outcome is Outcome.ALREADY:
        await answer(query, _("You've already told us. Thank you!"))
    else:
        await answer(query, _("That button isn't for you."), alert=True)


def register(app: Application) -> None:  # type: ignore[type-arg]
    chosen = ChooseCategory.matches()
    app.add_handler(
        conversation(
            "request",
            entry_points=[
                CommandHandler("request", begin, filters=PRIVATE),
                CommandHandler("start", begin, filters=PRIVATE & filters.Regex(REQUEST_LINK)),
                CallbackQueryHandler(begin, pattern=Role.matches(intent=NEED)),
                CallbackQueryHandler(agree_and_begin, pattern=agreed_then(NEED)),
            ],
            states={
                Step.CATEGORY: [
                    CallbackQueryHandler(chose_category, pattern=chosen),
                    MessageHandler(PRIVATE & ~filters.COMMAND, category_again),
                ],
                Step.DUPLICATE: [
                    CallbackQueryHandler(chose_duplicate, pattern=Duplicate.matches()),
                    MessageHandler(PRIVATE & ~filters.COMMAND, duplicate_again),
                ],
                Step.ADDITION: [
                    MessageHandler(TEXT, added),
                    MessageHandler(PRIVATE & ~filters.COMMAND, addition_again),
                ],
                Step.DESCRIPTION: [
                    MessageHandler(TEXT, described),
                    MessageHandler(PRIVATE & ~filters.COMMAND, description_again),
                ],
                **{
                    step: [
                        CallbackQueryHandler(_rx_pressed(at), pattern=Prescription.matches()),
                        MessageHandler(PRIVATE & ~filters.COMMAND, _rx_again(at)),
                    ]
                    for at, step in RX_STEPS.items()
                    if at is not Rx.AMOUNT
                },
                Step.RX_AMOUNT: [
                    MessageHandler(TEXT, prescription_amount),
                    MessageHandler(PRIVATE & ~filters.COMMAND, _rx_again(Rx.AMOUNT)),
                ],
                Step.WHEN: [
                    CallbackQueryHandler(chose_when, pattern=WhenChoice.matches()),
                    MessageHandler(PRIVATE & ~filters.COMMAND, when_again),
                ],
                Step.WHEN_AT: [
                    MessageHandler(TEXT, typed_when),
                    MessageHandler(PRIVATE & ~filters.COMMAND, when_at_again),
                ],
                Step.LOCATION: [
                    CallbackQueryHandler(same_place, pattern=SamePlace.matches()),
                    MessageHandler(LOCATION | TEXT, located),
                    MessageHandler(PRIVATE & ~filters.COMMAND, location_again),
                ],
                Step.ADDRESS: [
                    MessageHandler(TEXT, addressed),
                    MessageHandler(PRIVATE & ~filters.COMMAND, address_again),
                ],
                Step.RESUME: [
                    CallbackQueryHandler(resumed, pattern=Resume.matches()),
                    MessageHandler(PRIVATE & ~filters.COMMAND, resume_again),
                ],
                Step.PHONE: [
                    MessageHandler(TEXT, phoned),
                    CallbackQueryHandler(call_by_bot, pattern=CallBy.matches()),
                    MessageHandler(PRIVATE & ~filters.COMMAND, phone_again),
                ],
                Step.CHANGE: [
                    CallbackQueryHandler(change, pattern=Change.matches()),
                    MessageHandler(PRIVATE & ~filters.COMMAND, change_again),
                ],
                Step.CONFIRM: [
                    CallbackQueryHandler(confirmed, pattern=Confirm.matches()),
                    MessageHandler(PRIVATE & ~filters.COMMAND, confirm_again),
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
