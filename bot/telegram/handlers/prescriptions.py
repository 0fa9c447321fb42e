"""A prescription's questions, asked in /request and in /onbehalf alike: how it is paid,
whether it needs a fridge, whether it is a controlled drug, and consent to its collection.
No medical details are asked for (not even which medicine)."""

from __future__ import annotations

from enum import Enum

from telegram import Update

from bot.domain.models import Payment
from bot.domain.money import pounds_typed
from bot.domain.request_answers import RequestAnswers
from bot.i18n import _
from bot.telegram import keyboards
from bot.telegram.buttons import Prescription
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import answer
from bot.telegram.notices import prescription_lines


class Rx(Enum):
    """Where the prescription's questions stand; each conversation maps these to its steps."""

    PAYMENT = "pay"
    AMOUNT = "amount"
    FRIDGE = "fridge"
    CONTROLLED = "cd"
    CONSENT = "ok"
    DONE = "done"  # all answered: the conversation goes on to "when"
    DECLINED = "declined"  # no consent to collection: nothing is saved


ANSWERS = {
    Rx.PAYMENT: ("paid", "exempt", "topay"),
    Rx.FRIDGE: ("yes", "no"),
    Rx.CONTROLLED: ("yes", "no", "unsure"),
    Rx.CONSENT: ("yes", "no"),
}


def _question(at: Rx, for_someone: bool) -> str:
    if at is Rx.PAYMENT:
        return (
            _("💷 Is their prescription already paid for, or free for them (exempt)?")
            if for_someone
            else _("💷 Is your prescription already paid for, or free for you (exempt)?")
        )
    if at is Rx.AMOUNT:
        return _(
            "How much will the volunteer need to pay at the pharmacy? Type the amount in "
            "pounds, like 9.90."
        )
    if at is Rx.FRIDGE:
        return _("❄️ Does it need to be kept in a fridge?")
    if at is Rx.CONTROLLED:
        return _(
            "🪪 Is it a controlled drug? For these the pharmacist asks the person collecting "
            "for photo ID, so we send a volunteer whose ID the group has checked. If you're "
            "not sure, the pharmacy can tell you, or choose “Not sure”."
        )
    return (
        _(
            "✍️ Did they agree that the volunteer we send collects the prescription for "
            "them? The volunteer will get their name and address to give at the pharmacy."
        )
        if for_someone
        else _(
            "✍️ Do you agree that the volunteer we send collects your prescription for you? "
            "The pharmacy will hand it to them. I'll tell you their first name when they "
            "take it, and they'll say your safety code at your door."
        )
    )


async def ask(update: Update, at: Rx, for_someone: bool = False) -> Rx:
    """Ask (or ask again) the question `at`."""
    message = update.effective_message
    if message is not None:
        markup = None if at is Rx.AMOUNT else keyboards.prescription(at.value, for_someone)
        await message.reply_text(_question(at, for_someone), reply_markup=markup)
    return at


async def pressed(
    update: Update,
    context: BotContext,
    answers: RequestAnswers,
    at: Rx,
    for_someone: bool = False,
) -> Rx:
    """A button under one of the questions: note the answer (the caller keeps the
    answers) and ask the next one."""
    query = update.callback_query
    data = Prescription.parse(query.data) if query is not None else None
    question, choice = (data.question, data.answer) if data is not None else ("", "")
    if query is None or question != at.value or choice not in ANSWERS.get(at, ()):
        await answer(query, _("Please answer the question above."))
        return at
    await answer(query)
    await query.edit_message_reply_markup(reply_markup=None)
    if at is Rx.PAYMENT:
        answers.rx_payment = Payment.TO_PAY if choice == "topay" else Payment(choice)
        answers.rx_pence = None
        return await ask(update, Rx.AMOUNT if choice == "topay" else Rx.FRIDGE, for_someone)
    if at is Rx.FRIDGE:
        answers.rx_fridge = choice == "yes"
        return await ask(update, Rx.CONTROLLED, for_someone)
    if at is Rx.CONTROLLED:
        # Not sure is treated as yes: a checked volunteer with ID is never wrong.
        answers.rx_controlled = choice != "no"
        return await ask(update, Rx.CONSENT, for_someone)
    if choice == "no":
        return Rx.DECLINED
    answers.rx_consent_at = context.services.clock()
    return Rx.DONE


async def typed_amount(update: Update, answers: RequestAnswers, for_someone: bool = False) -> Rx:
    """The amount to pay at the pharmacy."""
    message = update.effective_message
    pence = pounds_typed((message.text if message else "") or "")
    if pence is None or pence == 0:
        if message is not None:
            await message.reply_text(_("Please type just the amount in pounds, like 9.90."))
        return Rx.AMOUNT
    answers.rx_pence = pence
    return await ask(update, Rx.FRIDGE, for_someone)


def declined_text(for_someone: bool) -> str:
    if for_someone:
        return _(
            "Then a volunteer can't collect it for them, so nothing was saved. Many "
            "pharmacies deliver: they could ask theirs."
        )
    return _(
        "Then a volunteer can't collect it for you, so I haven't saved anything. Many "
        "pharmacies deliver: you could ask yours. /request starts again whenever you like."
    )


def summary_lines(answers: RequestAnswers) -> list[str]:
    """The prescription's answers, for the summary before sending."""
    prescription = answers.prescription()
    if prescription is None:
        return []
    return [
        *prescription_lines(prescription),
        _("✍️ Collection by the volunteer we send: agreed"),
    ]
