"""Coordinators: /onbehalf records a request taken over the phone for someone without
Telegram: their name, phone number, what they need, when, where, and their address.

The request then lives like any other. The volunteer who takes it gets the phone number
with the address; the news the requester would have had goes to the coordinator who
recorded it, or to every coordinator once that one no longer is (bot.services.requesters),
who rings them. Whatever names the person is sent protected.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from enum import IntEnum
from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain.limits import MAX_ADDRESS, MAX_DESCRIPTION
from bot.domain.models import Category, Place, RequestDraft, When
from bot.domain.phone import parse_phone
from bot.domain.when import parse_due
from bot.i18n import _, ngettext
from bot.telegram import keyboards, notices
from bot.telegram.buttons import ChooseCategory, Confirm, Duplicate, Prescription, WhenChoice
from bot.telegram.context import ONBEHALF_DRAFT, BotContext
from bot.telegram.handlers import prescriptions
from bot.telegram.handlers.common import (
    END,
    GROUP_INTAKE_CONVERSATION,
    LOCATION,
    PRIVATE,
    TEXT,
    answer,
    conversation,
    coordinators_only,
)
from bot.telegram.handlers.places import Asker, read_place
from bot.telegram.handlers.prescriptions import Rx
from bot.telegram.presses import Press, choose_a_button, press
from bot.telegram.texts import category_label, description_example, esc, when_text

DRAFT = ONBEHALF_DRAFT
MAX_NAME = 64


class Step(IntEnum):
    NAME = 1
    PHONE = 2
    CATEGORY = 3
    DESCRIPTION = 4
    WHEN = 5
    WHEN_AT = 6
    LOCATION = 7
    ADDRESS = 8
    CONFIRM = 9
    DUPLICATE = 10  # an open request of this kind for the same number: same need, or new?
    ADDITION = 11
    RX_PAYMENT = 12
    RX_AMOUNT = 13
    RX_FRIDGE = 14
    RX_CONTROLLED = 15
    RX_CONSENT = 16


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


def _text(update: Update) -> str:
    message = update.effective_message
    return ((message.text if message else "") or "").strip()


async def _reply(update: Update, text: str, markup: Any = None, protect: bool = False) -> None:
    """`protect` a message that names the person, their number or address: no forwarding."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            text, reply_markup=markup, protect_content=protect
        )


def _ask_location(context: BotContext) -> str:
    text = _(
        "Where do they live? Send a location pin: 📎, then Location, then move the pin to "
        "their home (not your own location)."
    )
    if context.services.geocoder.enabled:
        text += " " + _("Or type their postcode.")
    return text


def _ask_when_at() -> str:
    return _(
        "Type the day and time, for example “tomorrow 10:00”, “saturday 2pm” or “28/11 14:30”, "
        "or just a time, e.g. “10:00” (the next such time)."
    )


def _summary(draft: dict[str, Any], context: BotContext) -> str:
    tz = context.services.settings.timezone
    if not Category(draft["category"]).at_the_door:
        # A friendly phone call: the volunteer rings the number above, no address.
        return _(
            "<b>Please check the request</b>\n"
            "For: {name}, 📞 {phone}\n"
            "{category}\n"
            "“{description}”\n"
            "🕒 {when}\n\n"
            "By sending it you confirm that {name} agreed on the phone to us keeping these "
            "details to arrange their help."
        ).format(
            name=esc(draft["name"]),
            phone=esc(draft["phone"]),
            category=category_label(Category(draft["category"])),
            description=esc(draft["description"]),
            when=when_text(When(draft["when"]), draft.get("due_at"), tz),
        )
    return _(
        "<b>Please check the request</b>\n"
        "For: {name}, 📞 {phone}\n"
        "{category}\n"
        "“{description}”\n"
        "🕒 {when}\n"
        "🏠 {address}\n\n"
        "By sending it you confirm that {name} agreed on the phone to us keeping these "
        "details to arrange their help."
    ).format(
        name=esc(draft["name"]),
        phone=esc(draft["phone"]),
        category=category_label(Category(draft["category"])),
        description=esc(draft["description"]),
        when=when_text(When(draft["when"]), draft.get("due_at"), tz),
        address=esc(draft["address"]),
    ) + "".join("\n" + line for line in prescriptions.summary_lines(draft))


# --- the conversation ----------------------------------------------------------------


@coordinators_only
async def begin(update: Update, context: BotContext) -> int:
    """/onbehalf: a request for someone without Telegram, taken over the phone."""
    context.drafts[DRAFT] = {}
    await _reply(
        update,
        _(
            "📞 <b>A request taken by phone</b>, for someone without Telegram. Only go on "
            "if they agreed on the phone that we keep their name, number and address to "
            "arrange their help. /cancel stops at any point.\n\n"
            "What is their name? (A first name is enough.)"
        ),
    )
    return Step.NAME


@coordinators_only
async def named(update: Update, context: BotContext) -> int:
    name = _text(update)
    if not name or len(name) > MAX_NAME:
        await _reply(
            update,
            ngettext(
                "Please type their name, up to {n} character.",
                "Please type their name, up to {n} characters.",
                MAX_NAME,
            ).format(n=MAX_NAME),
        )
        return Step.NAME
    _draft(context)["name"] = name
    await _reply(
        update,
        _(
            "What is their phone number? The volunteer who takes the request will get it, "
            "with the address, so they can ring before they go."
        ),
    )
    return Step.PHONE


@coordinators_only
async def phoned(update: Update, context: BotContext) -> int:
    phone = parse_phone(_text(update))
    if phone is None:
        await _reply(
            update,
            _(
                "That doesn't look like a phone number. Please type it with its digits, "
                "like 07700 900123."
            ),
        )
        return Step.PHONE
    _draft(context)["phone"] = phone
    await _reply(update, _("What do they need help with?"), keyboards.categories())
    return Step.CATEGORY


@coordinators_only
@press(ChooseCategory, stay=Step.CATEGORY)
async def chose_category(update: Update, context: BotContext, press: Press[ChooseCategory]) -> int:
    query, category = press.query, press.data.category
    await answer(query)
    _draft(context)["category"] = category.value
    await query.edit_message_text(
        _("You chose: {category}").format(category=category_label(category))
    )
    same = await context.services.desk.open_like(category, phone=_draft(context).get("phone"))
    if same is not None:
        await _reply(
            update,
            _(
                "There is already request #{id} open of this kind for this phone number: "
                "“{description}”. Is this the same need? Then what they tell you now is added "
                "to #{id}. Or is it something new?"
            ).format(id=same.id, description=esc(same.description)),
            keyboards.duplicate(same.id),
        )
        return Step.DUPLICATE
    await _ask_description(update, category)
    return Step.DESCRIPTION


async def _ask_description(update: Update, category: Category) -> None:
    await _reply(
        update,
        _(
            "In a sentence or two, what do they need? For example: “{example}”. Volunteers "
            "will see this, so no name, address, phone number or medical details here."
        ).format(example=description_example(category)),
    )


def _category(draft: dict[str, Any]) -> Category:
    return Category.parse(str(draft.get("category"))) or Category.OTHER


@coordinators_only
@press(Duplicate, stay=Step.DUPLICATE)
async def chose_duplicate(update: Update, context: BotContext, press: Press[Duplicate]) -> int:
    """v1:dup:<open_id>:same|new, for a phone request."""
    query, open_id, choice = press.query, press.data.open_id, press.data.choice
    await answer(query)
    await query.edit_message_reply_markup(reply_markup=None)
    if choice == "same":
        _draft(context)["adding_to"] = open_id
        await _reply(
            update,
            _("What should I add to #{id}? (No name, address, phone or medical details.)").format(
                id=open_id
            ),
        )
        return Step.ADDITION
    _draft(context)["linked_to"] = open_id
    await _ask_description(update, _category(_draft(context)))
    return Step.DESCRIPTION


@coordinators_only
async def added(update: Update, context: BotContext) -> int:
    text, sender = _text(update), update.effective_user
    open_id = _draft(context).get("adding_to")
    if len(text) < 3 or len(text) > MAX_DESCRIPTION:
        await _reply(
            update,
            ngettext(
                "Please describe it in a few words (at most {n} character).",
                "Please describe it in a few words (at most {n} characters).",
                MAX_DESCRIPTION,
            ).format(n=MAX_DESCRIPTION),
        )
        return Step.ADDITION
    context.drafts.pop(DRAFT, None)
    if sender is None or not isinstance(open_id, int):
        await _reply(
            update, _("This summary is out of date. Please use /onbehalf to start again.")
        )
        return END
    result = await context.services.desk.add_to(open_id, text, sender.id, by_phone=True)
    await _reply(update, notices.added_to_request(result, open_id))
    return END


@coordinators_only
async def described(update: Update, context: BotContext) -> int:
    text = _text(update)
    if len(text) < 3 or len(text) > MAX_DESCRIPTION:
        await _reply(
            update,
            ngettext(
                "Please describe it in a few words (at most {n} character).",
                "Please describe it in a few words (at most {n} characters).",
                MAX_DESCRIPTION,
            ).format(n=MAX_DESCRIPTION),
        )
        return Step.DESCRIPTION
    draft = _draft(context)
    draft["description"] = text
    if draft.get("category") == Category.PRESCRIPTION.value:
        return RX_STEPS[await prescriptions.ask(update, Rx.PAYMENT, for_someone=True)]
    await _reply(update, _("When do they need it?"), keyboards.intake_when())
    return Step.WHEN


async def _after_rx(update: Update, context: BotContext, at: Rx) -> int:
    if at is Rx.DECLINED:
        context.drafts.pop(DRAFT, None)
        await _reply(update, prescriptions.declined_text(for_someone=True))
        return END
    if at is Rx.DONE:
        await _reply(update, _("When do they need it?"), keyboards.intake_when())
        return Step.WHEN
    return RX_STEPS[at]


def _rx_pressed(at: Rx) -> Callable[[Update, BotContext], Coroutine[Any, Any, int]]:
    @coordinators_only
    async def pressed(update: Update, context: BotContext) -> int:
        draft = _draft(context)
        return await _after_rx(
            update, context, await prescriptions.pressed(update, context, draft, at, True)
        )

    return pressed


@coordinators_only
async def prescription_amount(update: Update, context: BotContext) -> int:
    at = await prescriptions.typed_amount(update, _draft(context), for_someone=True)
    return await _after_rx(update, context, at)


@coordinators_only
@press(WhenChoice, stay=Step.WHEN)
async def chose_when(update: Update, context: BotContext, press: Press[WhenChoice]) -> int:
    query, code = press.query, press.data.choice
    if code not in {w.value for w in When}:  # no repeating requests taken by phone
        await answer(query, choose_a_button())
        return Step.WHEN
    await answer(query)
    await query.edit_message_reply_markup(reply_markup=None)
    draft = _draft(context)
    if code == When.AT.value:
        await _reply(update, _ask_when_at())
        return Step.WHEN_AT
    draft["when"], draft["due_at"] = code, None
    if not _category(draft).at_the_door:
        return await _phone_call_ready(update, context)
    await _reply(update, _ask_location(context), ReplyKeyboardRemove())
    return Step.LOCATION


async def _phone_call_ready(update: Update, context: BotContext) -> int:
    """A friendly phone call needs no place and no address: the volunteer rings the
    number already given, from wherever they are (the place is the middle of the area)."""
    draft = _draft(context)
    area = context.services.settings.area
    draft["lat"], draft["lon"] = (area.lat, area.lon) if area is not None else (0.0, 0.0)
    draft["address"] = ""
    await _reply(update, _summary(draft, context), keyboards.intake_confirm(), protect=True)
    return Step.CONFIRM


@coordinators_only
async def typed_when(update: Update, context: BotContext) -> int:
    settings = context.services.settings
    now = datetime.fromtimestamp(context.services.clock(), settings.timezone)
    due = parse_due(_text(update), now, settings.timezone)
    if due is None or due <= now:
        await _reply(
            update,
            _("Sorry, I couldn't use that time (is it in the future?).") + "\n" + _ask_when_at(),
        )
        return Step.WHEN_AT
    draft = _draft(context)
    draft["when"], draft["due_at"] = When.AT.value, due.timestamp()
    if not _category(draft).at_the_door:
        return await _phone_call_ready(update, context)
    await _reply(update, _ask_location(context))
    return Step.LOCATION


@coordinators_only
async def located(update: Update, context: BotContext) -> int:
    message = update.effective_message
    if message is None:
        return Step.LOCATION
    if message.location is None and not context.services.geocoder.enabled:
        # read_place would offer "share my location": the coordinator's own, not theirs.
        await _reply(update, _ask_location(context))
        return Step.LOCATION
    place = await read_place(update, context, Asker.COORDINATOR, _draft(context))
    if not isinstance(place, Place):
        return Step.LOCATION
    draft = _draft(context)
    draft["lat"], draft["lon"] = place.lat, place.lon
    await _reply(
        update,
        _(
            "Their address, and anything the volunteer should know to get in (for example "
            "“Flat 3, ring twice”)? Only the volunteer who takes the request will see it."
        ),
        ReplyKeyboardRemove(),
    )
    return Step.ADDRESS


@coordinators_only
async def addressed(update: Update, context: BotContext) -> int:
    text = _text(update)
    if len(text) < 3 or len(text) > MAX_ADDRESS:
        await _reply(
            update,
            ngettext(
                "Please type their address (at most {n} character).",
                "Please type their address (at most {n} characters).",
                MAX_ADDRESS,
            ).format(n=MAX_ADDRESS),
        )
        return Step.ADDRESS
    draft = _draft(context)
    if not {"name", "phone", "category", "description", "when"} <= draft.keys():
        # A coordinator erased this person (/forget) while the call was being recorded.
        context.drafts.pop(DRAFT, None)
        await _reply(
            update, _("These details were erased meanwhile. Please use /onbehalf to start again.")
        )
        return END
    draft["address"] = text
    await _reply(update, _summary(draft, context), keyboards.intake_confirm(), protect=True)
    return Step.CONFIRM


@coordinators_only
@press(Confirm, stay=Step.CONFIRM)
async def confirmed(update: Update, context: BotContext, press: Press[Confirm]) -> int:
    """Send (or start again) under the summary."""
    query, sender = press.query, press.sender
    if press.data.answer != "yes":
        await answer(query)
        await query.edit_message_reply_markup(reply_markup=None)
        context.drafts[DRAFT] = {}
        await _reply(update, _("No problem, let's start again. What is their name?"))
        return Step.NAME
    answers = _draft(context)
    draft = RequestDraft.from_answers(answers)
    if draft is None or not {"name", "phone"} <= answers.keys():
        await answer(query, _("This summary is out of date. Please use /onbehalf to start again."))
        return END
    services = context.services
    # As for /request: Send pressed again after a database fault finishes the saved one.
    saved = await services.desk.saved(answers["saved_as"]) if "saved_as" in answers else None
    if "saved_as" in answers and saved is None:
        await answer(query, _("This summary is out of date. Please use /onbehalf to start again."))
        return END
    await answer(query, _("Sent!"))
    request = saved or await services.desk.submit_on_behalf(
        sender.id, draft, contact_name=answers["name"], contact_phone=answers["phone"]
    )
    answers["saved_as"] = request.id
    await query.edit_message_reply_markup(reply_markup=None)
    if not request.category.at_the_door:
        await _reply(
            update,
            _(
                "✅ Saved as <b>#{id}</b>; I'm asking our volunteers now. The one who takes "
                "it will ring {name} on the number you gave.\n\n"
                "I'll send you the news {name} would have had, so you can ring them."
            ).format(id=request.id, name=esc(answers["name"])),
            protect=True,
        )
        await services.desk.announce(request)
        context.drafts.pop(DRAFT, None)
        return END
    await _reply(
        update,
        _(
            "✅ Saved as <b>#{id}</b>; I'm asking volunteers nearby now.\n\n"
            "🔑 Please tell {name} their safety code, <b>{code}</b>: the volunteer will say "
            "it at the door, and they shouldn't let in anyone who doesn't know it.\n\n"
            "I'll send you the news {name} would have had, so you can ring them."
        ).format(id=request.id, name=esc(answers["name"]), code=request.safety_code),
        protect=True,
    )
    await services.desk.announce(request)
    context.drafts.pop(DRAFT, None)
    return END


async def repeat_step(update: Update, context: BotContext) -> int | None:
    """Something that isn't an answer to this step: ask again (no coordinator check needed:
    nothing is read or stored)."""
    await _reply(update, _("Please answer the question above, or /cancel to stop."))
    return None


def register(app: Application) -> None:  # type: ignore[type-arg]
    other = PRIVATE & ~filters.COMMAND
    app.add_handler(
        conversation(
            "onbehalf",
            entry_points=[CommandHandler("onbehalf", begin, filters=PRIVATE)],
            states={
                Step.NAME: [MessageHandler(TEXT, named), MessageHandler(other, repeat_step)],
                Step.PHONE: [MessageHandler(TEXT, phoned), MessageHandler(other, repeat_step)],
                Step.CATEGORY: [
                    CallbackQueryHandler(chose_category, pattern=ChooseCategory.matches()),
                    MessageHandler(other, repeat_step),
                ],
                Step.DUPLICATE: [
                    CallbackQueryHandler(chose_duplicate, pattern=Duplicate.matches()),
                    MessageHandler(other, repeat_step),
                ],
                Step.ADDITION: [MessageHandler(TEXT, added), MessageHandler(other, repeat_step)],
                Step.DESCRIPTION: [
                    MessageHandler(TEXT, described),
                    MessageHandler(other, repeat_step),
                ],
                **{
                    step: [
                        CallbackQueryHandler(_rx_pressed(at), pattern=Prescription.matches()),
                        MessageHandler(other, repeat_step),
                    ]
                    for at, step in RX_STEPS.items()
                    if at is not Rx.AMOUNT
                },
                Step.RX_AMOUNT: [
                    MessageHandler(TEXT, prescription_amount),
                    MessageHandler(other, repeat_step),
                ],
                Step.WHEN: [
                    CallbackQueryHandler(chose_when, pattern=WhenChoice.matches()),
                    MessageHandler(other, repeat_step),
                ],
                Step.WHEN_AT: [
                    MessageHandler(TEXT, typed_when),
                    MessageHandler(other, repeat_step),
                ],
                Step.LOCATION: [
                    MessageHandler(LOCATION | TEXT, located),
                    MessageHandler(other, repeat_step),
                ],
                Step.ADDRESS: [
                    MessageHandler(TEXT, addressed),
                    MessageHandler(other, repeat_step),
                ],
                Step.CONFIRM: [
                    CallbackQueryHandler(confirmed, pattern=Confirm.matches()),
                    MessageHandler(other, repeat_step),
                ],
            },
        ),
        group=GROUP_INTAKE_CONVERSATION,
    )
