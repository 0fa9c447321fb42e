"""The request form: its steps, what each asks in either voice, and the checks on the
answers. Someone asking for themselves fills it in with /request (handlers.requests); a
coordinator fills it in for someone without Telegram with /onbehalf (handlers.intake),
and is asked about "them" where a requester is asked about "you".

Each conversation subclasses RequestForm with only what differs: where the answer to
"when" leads, what pressing something other than Send does, whether sending may be
refused, and how the request is saved. The answers are a typed RequestAnswers, kept in
context.drafts as the plain dict PTB's persistence writes (RequestAnswers.stored()).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine
from datetime import datetime
from enum import Enum, IntEnum, auto
from typing import Any, TypeVar

from telegram import InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.domain.limits import MAX_ADDRESS, MAX_DESCRIPTION
from bot.domain.models import Category, HelpRequest, Place, RequestDraft, When
from bot.domain.request_answers import (
    REPEATS,
    Problem,
    RequestAnswers,
    address_problem,
    description_problem,
    due_or_problem,
    text_problem,
)
from bot.i18n import _, ngettext
from bot.telegram import keyboards, notices
from bot.telegram.buttons import ChooseCategory, Confirm, Duplicate, Prescription, WhenChoice
from bot.telegram.callbacks import Button
from bot.telegram.context import BotContext
from bot.telegram.handlers import prescriptions
from bot.telegram.handlers.common import (
    END,
    LOCATION,
    PRIVATE,
    TEXT,
    AnyHandler,
    Callback,
    answer,
)
from bot.telegram.handlers.places import Asker, read_place
from bot.telegram.handlers.prescriptions import Rx
from bot.telegram.presses import Press, choose_a_button, press
from bot.telegram.texts import category_label, description_example, esc, when_text

B = TypeVar("B", bound=Button)
# A step's handler of a button, handed the press @press read.
Reads = Callable[[Update, BotContext, Press[B]], Coroutine[Any, Any, int]]


class Stage(Enum):
    """The form's steps. Each conversation numbers them in its own Step (an IntEnum with
    these names): the numbers are stored as conversation states, so they never change."""

    CATEGORY = auto()
    DUPLICATE = auto()  # an open request of this kind: the same need, or a new one?
    ADDITION = auto()  # the same need: what to add to the open one
    DESCRIPTION = auto()
    RX_PAYMENT = auto()
    RX_AMOUNT = auto()
    RX_FRIDGE = auto()
    RX_CONTROLLED = auto()
    RX_CONSENT = auto()
    WHEN = auto()
    WHEN_AT = auto()
    LOCATION = auto()
    ADDRESS = auto()
    CONFIRM = auto()


# Where a prescription's questions stand, as the form's steps.
RX_STAGES = {
    Rx.PAYMENT: Stage.RX_PAYMENT,
    Rx.AMOUNT: Stage.RX_AMOUNT,
    Rx.FRIDGE: Stage.RX_FRIDGE,
    Rx.CONTROLLED: Stage.RX_CONTROLLED,
    Rx.CONSENT: Stage.RX_CONSENT,
}


def typed_text(update: Update) -> str:
    message = update.effective_message
    return ((message.text if message else "") or "").strip()


async def reply(update: Update, text: str, markup: Any = None, protect: bool = False) -> None:
    """`protect` a message that names the person, their number or address: no forwarding."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            text, reply_markup=markup, protect_content=protect
        )


def _when(code: str) -> When | None:
    try:
        return When(code)
    except ValueError:
        return None


def repeat_text(every: str | None) -> str:
    if every == "weekly":
        return " " + _("(every week)")
    if every == "daily":
        return " " + _("(every day)")
    return ""


def call_how(number: str) -> str:
    """How a friendly phone call is to be made, as the requester's summary shows it."""
    if number:
        return _("📞 The volunteer rings {number}").format(number=esc(number))
    return _("💬 Through the bot, without giving a number")


def ask_when_at() -> str:
    return _(
        "Type the day and time, for example “tomorrow 10:00”, “saturday 2pm” or “28/11 14:30”, "
        "or just a time, e.g. “10:00” (the next such time)."
    )


class RequestForm(ABC):
    """The steps both conversations share, asked in the voice of `for_someone`."""

    def __init__(self, key: str, steps: type[IntEnum], *, for_someone: bool) -> None:
        missing = [stage.name for stage in Stage if stage.name not in steps.__members__]
        if missing:
            raise ValueError(f"{steps.__qualname__} has no step for {', '.join(missing)}")
        self.key = key  # where the answers are kept in context.drafts
        self.steps = steps
        self.for_someone = for_someone
        self.asker = Asker.COORDINATOR if for_someone else Asker.REQUESTER

    def step(self, stage: Stage) -> int:
        return self.steps[stage.name]

    def rx_step(self, at: Rx) -> int:
        return self.step(RX_STAGES[at])

    # --- the answers ---------------------------------------------------------------------

    def answers(self, context: BotContext) -> RequestAnswers:
        """The answers so far; ones that can't be read are set aside (a fresh form)."""
        return RequestAnswers.from_stored(context.drafts.get(self.key)) or RequestAnswers()

    def keep(self, context: BotContext, answers: RequestAnswers) -> None:
        """Store the answers (PTB's persistence writes them after the update)."""
        context.drafts[self.key] = answers.stored()

    def start_afresh(self, context: BotContext) -> None:
        context.drafts[self.key] = {}

    def drop(self, context: BotContext) -> None:
        context.drafts.pop(self.key, None)

    # --- what differs between the conversations ----------------------------------------------

    @abstractmethod
    async def after_when(
        self, update: Update, context: BotContext, answers: RequestAnswers
    ) -> int:
        """The next question once "when" is answered."""

    @abstractmethod
    async def not_sending(self, update: Update, context: BotContext) -> int:
        """Something other than Send pressed under the summary."""

    async def may_send(self, update: Update, context: BotContext, sender_id: int) -> bool:
        """Whether a new request may be sent now (False: the caller was told why)."""
        return True

    @abstractmethod
    async def submit(
        self, context: BotContext, sender_id: int, answers: RequestAnswers, draft: RequestDraft
    ) -> HelpRequest:
        """Save the request."""

    def ready(self, answers: RequestAnswers) -> bool:
        """Whatever else the summary needs besides the request itself."""
        return True

    # --- what the form asks, in its voice ---------------------------------------------------

    def ask_category(self) -> str:
        if self.for_someone:
            return _("What do they need help with?")
        return _("What do you need help with? Choose one:")

    def ask_description(self, category: Category) -> str:
        if self.for_someone:
            return _(
                "In a sentence or two, what do they need? For example: “{example}”. "
                "Volunteers will see this, so no name, address, phone number or medical "
                "details here."
            ).format(example=description_example(category))
        return _(
            "In a sentence or two, what do you need? For example: “{example}”.\n\n"
            "Volunteers will see this, so please don't put your name, address or phone "
            "number here, and no medical details."
        ).format(example=description_example(category))

    def _same_need(self, same: HelpRequest) -> str:
        if self.for_someone:
            return _(
                "There is already request #{id} open of this kind for this phone number: "
                "“{description}”. Is this the same need? Then what they tell you now is "
                "added to #{id}. Or is it something new?"
            ).format(id=same.id, description=esc(same.description))
        return _(
            "You already have request #{id} open for this: “{description}”.\n"
            "Is this for the same thing? Then I'll add what you tell me to #{id}. Or is it "
            "something new?"
        ).format(id=same.id, description=esc(same.description))

    def ask_addition(self, open_id: int) -> str:
        if self.for_someone:
            return _(
                "What should I add to #{id}? (No name, address, phone or medical details.)"
            ).format(id=open_id)
        return _(
            "What would you like to add to #{id}? Volunteers may see it, so no name, "
            "address, phone number or medical details."
        ).format(id=open_id)

    def _problem(self, asked: Stage, problem: Problem) -> str:
        """A description, an addition or an address too short or too long, in this voice."""
        most = MAX_ADDRESS if asked is Stage.ADDRESS else MAX_DESCRIPTION
        if asked is Stage.ADDRESS:
            if self.for_someone:
                text = ngettext(
                    "Please type their address (at most {n} character).",
                    "Please type their address (at most {n} characters).",
                    most,
                )
            elif problem is Problem.TOO_SHORT:
                text = _("Please type your address so the volunteer can find you.")
            else:
                text = ngettext(
                    "That's longer than an address needs: please keep it under {n} character.",
                    "That's longer than an address needs: please keep it under {n} characters.",
                    most,
                )
        elif self.for_someone:
            text = ngettext(
                "Please describe it in a few words (at most {n} character).",
                "Please describe it in a few words (at most {n} characters).",
                most,
            )
        elif asked is Stage.ADDITION:
            text = ngettext(
                "Please tell me in a few words (at most {n} character).",
                "Please tell me in a few words (at most {n} characters).",
                most,
            )
        elif problem is Problem.TOO_SHORT:
            text = _("Could you tell me a little more? A few words is enough.")
        else:
            text = ngettext(
                "That's a bit long for volunteers to read: please keep it under {n} character.",
                "That's a bit long for volunteers to read: please keep it under {n} characters.",
                most,
            )
        return text.format(n=most)

    def ask_when(self) -> str:
        if self.for_someone:
            return _("When do they need it?")
        return _("When do you need it?")

    def when_choices(self) -> InlineKeyboardMarkup:
        # Someone rung up is not offered a repeating request.
        return keyboards.intake_when() if self.for_someone else keyboards.when_choices()

    def _when_problem(self, problem: Problem) -> str:
        if self.for_someone:
            return _("Sorry, I couldn't use that time (is it in the future?).")
        if problem is Problem.UNREADABLE:
            return _("Sorry, I couldn't read that.")
        return _("That time has already passed.")

    def ask_location(self, context: BotContext) -> str:
        if not self.for_someone:
            return _(
                "Where do you need help? Press the button below to share your location, so "
                "we can find volunteers near you."
            )
        text = _(
            "Where do they live? Send a location pin: 📎, then Location, then move the pin "
            "to their home (not your own location)."
        )
        if context.services.geocoder.enabled:
            text += " " + _("Or type their postcode.")
        return text

    def ask_address(self) -> str:
        if self.for_someone:
            return _(
                "Their address, and anything the volunteer should know to get in (for "
                "example “Flat 3, ring twice”)? Only the volunteer who takes the request will "
                "see it."
            )
        return _(
            "What is your address, and anything the volunteer should know to get in "
            "(for example “Flat 3, ring twice, side door”)?\n\n"
            "🔒 Only the one volunteer who takes your request will see your address."
        )

    def out_of_date(self) -> str:
        if self.for_someone:
            return _("This summary is out of date. Please use /onbehalf to start again.")
        return _("This summary is out of date. Please use /request to start again.")

    def _addition_out_of_date(self) -> str:
        if self.for_someone:
            return self.out_of_date()
        return _("This is out of date. Please use /request to start again.")

    def _erased(self) -> str:
        """The answers went before the summary (a coordinator's /forget of this person)."""
        if self.for_someone:
            return _("These details were erased meanwhile. Please use /onbehalf to start again.")
        return self.out_of_date()

    def summary(self, answers: RequestAnswers, context: BotContext) -> str:
        """The summary to check before sending; `answers` are complete (see show_summary)."""
        category, tz = answers.kind, context.services.settings.timezone
        when = when_text(answers.when or When.ASAP, answers.due_at, tz)
        number_or_address = answers.address or ""
        rx = prescriptions.summary_lines(answers)
        # Every template takes what it names of these.
        values = {
            "category": category_label(category),
            "description": esc(answers.description or ""),
            "when": when if self.for_someone else when + repeat_text(answers.every),
            "address": esc(number_or_address),
            "how": call_how(number_or_address),
            "name": esc(answers.name or ""),
            "phone": esc(answers.phone or ""),
        }
        if self.for_someone and not category.at_the_door:
            # A friendly phone call: the volunteer rings the number above, no address.
            return _(
                "<b>Please check the request</b>\n"
                "For: {name}, 📞 {phone}\n"
                "{category}\n"
                "“{description}”\n"
                "🕒 {when}\n\n"
                "By sending it you confirm that {name} agreed on the phone to us keeping "
                "these details to arrange their help."
            ).format(**values)
        if self.for_someone:
            return _(
                "<b>Please check the request</b>\n"
                "For: {name}, 📞 {phone}\n"
                "{category}\n"
                "“{description}”\n"
                "🕒 {when}\n"
                "🏠 {address}\n\n"
                "By sending it you confirm that {name} agreed on the phone to us keeping "
                "these details to arrange their help."
            ).format(**values) + "".join("\n" + line for line in rx)
        if not category.at_the_door:
            return _(
                "<b>Please check your request</b>\n"
                "{category}\n"
                "“{description}”\n"
                "🕒 {when}\n"
                "{how}\n\n"
                "Shall I send it to volunteers?"
            ).format(**values)
        text = _(
            "<b>Please check your request</b>\n"
            "{category}\n"
            "“{description}”\n"
            "🕒 {when}\n"
            "🏠 {address}\n\n"
            "Shall I send it to volunteers nearby?"
        ).format(**values)
        if not rx:
            return text
        # The prescription's answers go above the closing question.
        body, _sep, question = text.rpartition("\n\n")
        return body + "\n" + "\n".join(rx) + "\n\n" + question

    def confirm_keyboard(self) -> InlineKeyboardMarkup:
        return keyboards.intake_confirm() if self.for_someone else keyboards.confirm_request()

    def saved_text(self, request: HelpRequest, answers: RequestAnswers) -> str:
        values = {"id": request.id, "code": request.safety_code, "name": esc(answers.name or "")}
        if self.for_someone and not request.category.at_the_door:
            return _(
                "✅ Saved as <b>#{id}</b>; I'm asking our volunteers now. The one who "
                "takes it will ring {name} on the number you gave.\n\n"
                "I'll send you the news {name} would have had, so you can ring them."
            ).format(**values)
        if self.for_someone:
            return _(
                "✅ Saved as <b>#{id}</b>; I'm asking volunteers nearby now.\n\n"
                "🔑 Please tell {name} their safety code, <b>{code}</b>: the volunteer will "
                "say it at the door, and they shouldn't let in anyone who doesn't know it.\n\n"
                "I'll send you the news {name} would have had, so you can ring them."
            ).format(**values)
        if not request.category.at_the_door:
            # No door, so no safety code.
            return _(
                "✅ Thank you! Your request is saved as <b>#{id}</b>.\n"
                "I'm letting our volunteers know now, and I'll message you as soon as "
                "someone says they'll call.\n\n"
                "/myrequests shows your requests."
            ).format(**values)
        return _(
            "✅ Thank you! Your request is saved as <b>#{id}</b>.\n"
            "I'm letting volunteers nearby know now, and I'll message you as soon as "
            "someone says they'll come.\n\n"
            "🔑 Your safety code is <b>{code}</b>. The volunteer will say it at your door: "
            "don't let anyone in who doesn't know it.\n\n"
            "/myrequests shows your requests."
        ).format(**values)

    # --- asking ----------------------------------------------------------------------------

    async def start_from_category(
        self, update: Update, context: BotContext, before: str = ""
    ) -> int:
        """A fresh form, from its first question (`before` it, a line of its own)."""
        self.start_afresh(context)
        await reply(update, before + self.ask_category(), keyboards.categories())
        return self.step(Stage.CATEGORY)

    async def ask_for_when(self, update: Update) -> int:
        await reply(update, self.ask_when(), self.when_choices())
        return self.step(Stage.WHEN)

    async def show_summary(
        self, update: Update, context: BotContext, answers: RequestAnswers
    ) -> int:
        """The summary under Send, once every answer is there."""
        if answers.draft() is None or not self.ready(answers):
            self.drop(context)
            await reply(update, self._erased())
            return END
        await reply(
            update,
            self.summary(answers, context),
            self.confirm_keyboard(),
            protect=self.for_someone,
        )
        return self.step(Stage.CONFIRM)

    async def summary_if_changing(
        self, update: Update, context: BotContext, answers: RequestAnswers
    ) -> int | None:
        """After one changed answer: the summary again, if nothing else is missing."""
        if not answers.changing or answers.draft() is None:
            return None
        answers.changing = False
        self.keep(context, answers)
        return await self.show_summary(update, context, answers)

    # --- the steps -------------------------------------------------------------------------

    async def chose_category(
        self, update: Update, context: BotContext, pressed: Press[ChooseCategory]
    ) -> int:
        query, category = pressed.query, pressed.data.category
        await answer(query)
        answers = self.answers(context)
        answers.category = category
        self.keep(context, answers)
        if query.message is not None:
            await query.edit_message_text(
                _("You chose: {category}").format(category=category_label(category))
            )
        sender, desk = update.effective_user, context.services.desk
        if self.for_someone:
            same = await desk.open_like(category, phone=answers.phone)
        else:
            same = await desk.open_like(category, requester_id=sender.id) if sender else None
        if same is not None:
            await reply(update, self._same_need(same), keyboards.duplicate(same.id))
            return self.step(Stage.DUPLICATE)
        await reply(update, self.ask_description(category))
        return self.step(Stage.DESCRIPTION)

    async def chose_duplicate(
        self, update: Update, context: BotContext, pressed: Press[Duplicate]
    ) -> int:
        """v1:dup:<open_id>:same|new: add to the open request, or ask for a new one."""
        query, open_id, choice = pressed.query, pressed.data.open_id, pressed.data.choice
        await answer(query)
        await query.edit_message_reply_markup(reply_markup=None)
        answers = self.answers(context)
        if choice == "same":
            answers.adding_to = open_id
            self.keep(context, answers)
            await reply(update, self.ask_addition(open_id))
            return self.step(Stage.ADDITION)
        # A separate need: saved as its own request, linked so coordinators see the two.
        answers.linked_to = open_id
        self.keep(context, answers)
        await reply(update, self.ask_description(answers.kind))
        return self.step(Stage.DESCRIPTION)

    async def added(self, update: Update, context: BotContext) -> int:
        """The details to add to the open request of the same need."""
        text, sender = typed_text(update), update.effective_user
        open_id = self.answers(context).adding_to
        problem = text_problem(text, MAX_DESCRIPTION)
        if problem is not None:
            await reply(update, self._problem(Stage.ADDITION, problem))
            return self.step(Stage.ADDITION)
        if sender is None or open_id is None:
            self.drop(context)
            await reply(update, self._addition_out_of_date())
            return END
        result = await context.services.desk.add_to(
            open_id, text, sender.id, by_phone=self.for_someone
        )
        self.drop(context)
        await reply(update, notices.added_to_request(result, open_id))
        return END

    async def described(self, update: Update, context: BotContext) -> int:
        text = typed_text(update)
        problem = description_problem(text)
        if problem is not None:
            await reply(update, self._problem(Stage.DESCRIPTION, problem))
            return self.step(Stage.DESCRIPTION)
        answers = self.answers(context)
        answers.description = text
        self.keep(context, answers)
        back = await self.summary_if_changing(update, context, answers)
        if back is not None:
            return back
        if answers.category is Category.PRESCRIPTION:
            return self.rx_step(await prescriptions.ask(update, Rx.PAYMENT, self.for_someone))
        return await self.ask_for_when(update)

    async def _after_rx(self, update: Update, context: BotContext, at: Rx) -> int:
        if at is Rx.DECLINED:
            self.drop(context)
            await reply(update, prescriptions.declined_text(self.for_someone))
            return END
        if at is Rx.DONE:
            return await self.ask_for_when(update)
        return self.rx_step(at)

    def rx_pressed(self, at: Rx) -> Callback:
        """The handler of the buttons under the prescription's question `at`."""

        async def pressed(update: Update, context: BotContext) -> int:
            answers = self.answers(context)
            now_at = await prescriptions.pressed(update, context, answers, at, self.for_someone)
            self.keep(context, answers)
            return await self._after_rx(update, context, now_at)

        return pressed

    async def prescription_amount(self, update: Update, context: BotContext) -> int:
        answers = self.answers(context)
        at = await prescriptions.typed_amount(update, answers, self.for_someone)
        self.keep(context, answers)
        return await self._after_rx(update, context, at)

    async def chose_when(
        self, update: Update, context: BotContext, pressed: Press[WhenChoice]
    ) -> int:
        query, code = pressed.query, pressed.data.choice
        # No repeating requests taken by phone.
        every = code if code in REPEATS and not self.for_someone else None
        when = When.AT if every else _when(code)
        if when is None:
            await answer(query, choose_a_button())
            return self.step(Stage.WHEN)
        await answer(query)
        if query.message is not None:
            await query.edit_message_reply_markup(reply_markup=None)
        answers = self.answers(context)
        answers.every = every
        self.keep(context, answers)
        if when is When.AT:
            await reply(update, self._ask_first_time() if every else ask_when_at())
            return self.step(Stage.WHEN_AT)
        answers.when, answers.due_at = when, None
        self.keep(context, answers)
        return await self.after_when(update, context, answers)

    def _ask_first_time(self) -> str:
        return _(
            "When should the first one be? Type the day and time, for example "
            "“saturday 10:00”. I'll ask for the same help at that time each time."
        )

    async def typed_when(self, update: Update, context: BotContext) -> int:
        settings = context.services.settings
        now = datetime.fromtimestamp(context.services.clock(), settings.timezone)
        due = due_or_problem(typed_text(update), now, settings.timezone)
        if isinstance(due, Problem):
            await reply(update, self._when_problem(due) + "\n" + ask_when_at())
            return self.step(Stage.WHEN_AT)
        answers = self.answers(context)
        answers.when, answers.due_at = When.AT, due.timestamp()
        self.keep(context, answers)
        if not self.for_someone:
            await reply(
                update,
                _("Got it: {when}.").format(
                    when=when_text(When.AT, due.timestamp(), settings.timezone)
                ),
            )
        return await self.after_when(update, context, answers)

    async def located(self, update: Update, context: BotContext) -> int:
        message = update.effective_message
        if message is None:
            return self.step(Stage.LOCATION)
        if self.for_someone and message.location is None and not context.services.geocoder.enabled:
            # read_place would offer "share my location": the coordinator's own, not theirs.
            await reply(update, self.ask_location(context))
            return self.step(Stage.LOCATION)
        answers = self.answers(context)
        place = await read_place(update, context, self.asker, answers.referred)
        self.keep(context, answers)  # a neighbouring group offered is noted
        if not isinstance(place, Place):
            return self.step(Stage.LOCATION)
        answers.lat, answers.lon = place.lat, place.lon
        self.keep(context, answers)
        await reply(update, self.ask_address(), ReplyKeyboardRemove())
        return self.step(Stage.ADDRESS)

    async def addressed(self, update: Update, context: BotContext) -> int:
        text = typed_text(update)
        problem = address_problem(text)
        if problem is not None:
            await reply(update, self._problem(Stage.ADDRESS, problem))
            return self.step(Stage.ADDRESS)
        answers = self.answers(context)
        answers.address, answers.changing = text, False
        self.keep(context, answers)
        return await self.show_summary(update, context, answers)

    async def confirmed(self, update: Update, context: BotContext, pressed: Press[Confirm]) -> int:
        """Send (or something else) pressed under the summary."""
        query, sender = pressed.query, pressed.sender
        if pressed.data.answer != "yes":
            await answer(query)
            await query.edit_message_reply_markup(reply_markup=None)
            return await self.not_sending(update, context)
        answers = self.answers(context)
        draft, services = answers.draft(), context.services
        # Set once the request is saved: pressed again after a database fault cut the rest
        # short, Send finishes that request instead of making a second one.
        saved_as = answers.saved_as
        saved = await services.desk.saved(saved_as) if saved_as is not None else None
        if draft is None or not self.ready(answers) or (saved_as is not None and saved is None):
            await answer(query, self.out_of_date())
            return END
        if saved is None and not await self.may_send(update, context, sender.id):
            return END
        await answer(query, _("Sent!"))
        request = saved or await self.submit(context, sender.id, answers, draft)
        answers.saved_as = request.id
        self.keep(context, answers)
        await query.edit_message_reply_markup(reply_markup=None)
        await reply(update, self.saved_text(request, answers), protect=self.for_someone)
        # The requester has their answer; now the (slower) pings.
        await services.desk.announce(request)
        self.drop(context)
        return END

    # --- the conversation's table ----------------------------------------------------------

    def states(
        self,
        again: Callable[[Stage], Callback],
        guard: Callable[[Callback], Callback] = lambda step: step,
    ) -> dict[object, list[AnyHandler]]:
        """The form's steps as ConversationHandler states: each `guard`ed, and `again(stage)`
        answering anything that is not an answer to that step."""
        other = PRIVATE & ~filters.COMMAND

        def step(stage: Stage, *handlers: AnyHandler) -> tuple[int, list[AnyHandler]]:
            return self.step(stage), [*handlers, MessageHandler(other, again(stage))]

        def pressed(stage: Stage, kind: type[B], callback: Reads[B]) -> AnyHandler:
            # A stale or forged press is answered by @press and stays at this step.
            read = press(kind, stay=self.step(stage))(callback)
            return CallbackQueryHandler(guard(read), pattern=kind.matches())

        def typed(callback: Callback, kind: filters.BaseFilter = TEXT) -> AnyHandler:
            return MessageHandler(kind, guard(callback))

        return dict(
            [
                step(Stage.CATEGORY, pressed(Stage.CATEGORY, ChooseCategory, self.chose_category)),
                step(Stage.DUPLICATE, pressed(Stage.DUPLICATE, Duplicate, self.chose_duplicate)),
                step(Stage.ADDITION, typed(self.added)),
                step(Stage.DESCRIPTION, typed(self.described)),
                *(
                    step(
                        stage,
                        # prescriptions.pressed reads the press: which answers fit which question.
                        CallbackQueryHandler(
                            guard(self.rx_pressed(at)), pattern=Prescription.matches()
                        ),
                    )
                    for at, stage in RX_STAGES.items()
                    if at is not Rx.AMOUNT
                ),
                step(Stage.RX_AMOUNT, typed(self.prescription_amount)),
                step(Stage.WHEN, pressed(Stage.WHEN, WhenChoice, self.chose_when)),
                step(Stage.WHEN_AT, typed(self.typed_when)),
                step(Stage.LOCATION, typed(self.located, LOCATION | TEXT)),
                step(Stage.ADDRESS, typed(self.addressed)),
                step(Stage.CONFIRM, pressed(Stage.CONFIRM, Confirm, self.confirmed)),
            ]
        )
