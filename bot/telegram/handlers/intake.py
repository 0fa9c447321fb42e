"""Coordinators: /onbehalf records a request taken over the phone for someone without
Telegram: their name, phone number, what they need, when, where, and their address.

The request form's steps are shared with /request (handlers.request_form); the name and
the number to ring are this conversation's own. The request then lives like any other.
The volunteer who takes it gets the phone number with the address; the news the
requester would have had goes to the coordinator who recorded it, or to every
coordinator once that one no longer is (bot.services.requesters), who rings them.
Whatever names the person is sent protected.
"""

from __future__ import annotations

from enum import IntEnum

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.domain.models import HelpRequest, RequestDraft
from bot.domain.phone import parse_phone
from bot.domain.request_answers import RequestAnswers
from bot.i18n import _, ngettext
from bot.telegram import keyboards
from bot.telegram.context import ONBEHALF_DRAFT, BotContext
from bot.telegram.handlers.common import (
    GROUP_INTAKE_CONVERSATION,
    PRIVATE,
    TEXT,
    Callback,
    conversation,
    coordinators_only,
)
from bot.telegram.handlers.request_form import RequestForm, Stage, reply, typed_text

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


class PhoneRequest(RequestForm):
    """The form as a coordinator fills it in for the person on the phone."""

    async def after_when(
        self, update: Update, context: BotContext, answers: RequestAnswers
    ) -> int:
        if answers.kind.at_the_door:
            await reply(update, self.ask_location(context), ReplyKeyboardRemove())
            return Step.LOCATION
        # A friendly phone call needs no place and no address: the volunteer rings the
        # number already given, from wherever they are (the place is the middle of the area).
        area = context.services.settings.area
        answers.lat, answers.lon = (area.lat, area.lon) if area is not None else (0.0, 0.0)
        answers.address = ""
        self.keep(context, answers)
        return await self.show_summary(update, context, answers)

    async def not_sending(self, update: Update, context: BotContext) -> int:
        self.start_afresh(context)
        await reply(update, _("No problem, let's start again. What is their name?"))
        return Step.NAME

    def ready(self, answers: RequestAnswers) -> bool:
        # A coordinator erased this person (/forget) while the call was being recorded.
        return answers.name is not None and answers.phone is not None

    async def submit(
        self, context: BotContext, sender_id: int, answers: RequestAnswers, draft: RequestDraft
    ) -> HelpRequest:
        return await context.services.desk.submit_on_behalf(
            sender_id, draft, contact_name=answers.name or "", contact_phone=answers.phone or ""
        )


# /forget drops a half-typed phone request about the person it erases (by this key).
FORM = PhoneRequest(ONBEHALF_DRAFT, Step, for_someone=True)


@coordinators_only
async def begin(update: Update, context: BotContext) -> int:
    """/onbehalf: a request for someone without Telegram, taken over the phone."""
    FORM.start_afresh(context)
    await reply(
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
    name = typed_text(update)
    if not name or len(name) > MAX_NAME:
        await reply(
            update,
            ngettext(
                "Please type their name, up to {n} character.",
                "Please type their name, up to {n} characters.",
                MAX_NAME,
            ).format(n=MAX_NAME),
        )
        return Step.NAME
    answers = FORM.answers(context)
    answers.name = name
    FORM.keep(context, answers)
    await reply(
        update,
        _(
            "What is their phone number? The volunteer who takes the request will get it, "
            "with the address, so they can ring before they go."
        ),
    )
    return Step.PHONE


@coordinators_only
async def phoned(update: Update, context: BotContext) -> int:
    phone = parse_phone(typed_text(update))
    if phone is None:
        await reply(
            update,
            _(
                "That doesn't look like a phone number. Please type it with its digits, "
                "like 07700 900123."
            ),
        )
        return Step.PHONE
    answers = FORM.answers(context)
    answers.phone = phone
    FORM.keep(context, answers)
    await reply(update, FORM.ask_category(), keyboards.categories())
    return Step.CATEGORY


async def repeat_step(update: Update, context: BotContext) -> int | None:
    """Something that isn't an answer to this step: ask again (no coordinator check needed:
    nothing is read or stored)."""
    await reply(update, _("Please answer the question above, or /cancel to stop."))
    return None


def _repeat(stage: Stage) -> Callback:
    return repeat_step


def register(app: Application) -> None:  # type: ignore[type-arg]
    other = PRIVATE & ~filters.COMMAND
    app.add_handler(
        conversation(
            "onbehalf",
            entry_points=[CommandHandler("onbehalf", begin, filters=PRIVATE)],
            states={
                Step.NAME: [MessageHandler(TEXT, named), MessageHandler(other, repeat_step)],
                Step.PHONE: [MessageHandler(TEXT, phoned), MessageHandler(other, repeat_step)],
                **FORM.states(_repeat, guard=coordinators_only),
            },
        ),
        group=GROUP_INTAKE_CONVERSATION,
    )
