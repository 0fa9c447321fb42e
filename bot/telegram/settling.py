"""Money settled openly: once a task's spend is settled (its receipt in, or none to send)
the requester is told the amount, sees the receipt, and can say they've paid the volunteer
back; the volunteer is told, and a pending fund claim for the same money is withdrawn.
A coordinator's correction (/spent) is told to both sides the same way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardMarkup

from bot.domain.models import HelpRequest, Spending
from bot.i18n import _, ngettext
from bot.services.safeguarding import Safeguarding
from bot.telegram import keyboards, notices
from bot.telegram.claims import claim_spend
from bot.telegram.context import Services
from bot.telegram.requesters import tell_requester
from bot.telegram.texts import esc, money

# At most this many owed tasks are listed by id (/stats, the digest); the total counts all.
MAX_OWED_LISTED = 8


def spent_for_requester(request: HelpRequest, volunteer_name: str, spending: Spending) -> str:
    """What the requester (or the coordinator who passes it on) is told of the money."""
    pence = spending.pence or 0
    name = esc(volunteer_name) or _("the volunteer")
    text = _("🧾 For your request #{id}, {name} spent {amount}.").format(
        id=request.id, name=name, amount=money(pence)
    )
    if spending.receipt_file_id:
        text += " " + _("This is the receipt.")
    else:
        text += " " + _("They had no receipt to send.")
    if spending.paid_back_at is not None:
        return (
            text
            + "\n"
            + _(
                "It has already been paid back to {name}, so there is nothing for you to pay."
            ).format(name=name)
        )
    return (
        text
        + "\n"
        + _(
            "Please pay {name} back in the way you agreed, then press the button below so "
            "they know. If the amount looks wrong, /concern reaches the coordinators."
        ).format(name=name)
    )


def corrected_for_volunteer(request_id: int, old: int, new: int) -> str:
    return _("🧾 A coordinator has corrected what you spent on #{id}: {old} is now {new}.").format(
        id=request_id, old=money(old), new=money(new)
    )


def paid_back_for_volunteer(request: HelpRequest, requester_name: str, pence: int) -> str:
    return _(
        "💷 {name} says they've paid you back {amount} for #{id}. Thank you for helping!"
    ).format(
        name=esc(request.contact_name or requester_name) or _("The person you helped"),
        amount=money(pence),
        id=request.id,
    )


def claim_withdrawn_for_coordinators(claim_id: int, request_id: int) -> str:
    return _(
        "🧾 Claim #{claim} (request #{id}) is withdrawn: the requester has paid the "
        "volunteer back, so the fund needn't."
    ).format(claim=claim_id, id=request_id)


def owed_lines(count: int, pence: int, oldest: list[tuple[int, int]]) -> list[str]:
    """Money volunteers are still owed, for /stats and the digest ([] when none)."""
    if not count:
        return []
    lines = [
        ngettext(
            "💷 Still to be paid back to volunteers: {amount}, for {n} task",
            "💷 Still to be paid back to volunteers: {amount}, for {n} tasks",
            count,
        ).format(amount=money(pence), n=count)
    ]
    listed = oldest[:MAX_OWED_LISTED]
    lines.append(", ".join(f"#{request_id} {money(owed)}" for request_id, owed in listed))
    return lines


async def owed_text(services: Services) -> str:
    """The owed lines as one block with a leading newline ("" when nothing is owed)."""
    count, pence, oldest = await services.safeguarding.owed()
    lines = owed_lines(count, pence, oldest)
    return "\n" + "\n".join(lines) if lines else ""


def digest_with_owed(
    safeguarding: Safeguarding, extra: Callable[[], Awaitable[Callable[[], str]]] | None
) -> Callable[[], Awaitable[Callable[[], str]]]:
    """The daily digest's extra lines, with what volunteers are still owed first."""

    async def both() -> Callable[[], str]:
        rest = await extra() if extra else str
        count, pence, oldest = await safeguarding.owed()

        def render() -> str:
            lines = owed_lines(count, pence, oldest)
            return ("\n" + "\n".join(lines) if lines else "") + rest()

        return render

    return both


async def _names(services: Services, request: HelpRequest) -> tuple[str, str]:
    people = services.people
    return (
        await people.name_of(request.volunteer_id) or "",
        await people.name_of(request.requester_id) or "",
    )


async def tell_settled(services: Services, request_id: int) -> None:
    """The requester hears what was spent, with the receipt photo and the paid-back
    button; for a request taken by phone, the coordinator who took it does, to pass on."""
    request = await services.desk.find(request_id)
    spending = await services.safeguarding.spending(request_id)
    if request is None or spending is None or not spending.pence:
        return
    volunteer_name, _requester_name = await _names(services, request)

    def markup() -> InlineKeyboardMarkup | None:
        if spending.paid_back_at is not None:
            return None
        return keyboards.paid_back(request.id, volunteer_name)

    def render() -> str:
        return spent_for_requester(request, volunteer_name, spending)

    def for_phone() -> str:
        return notices.for_phone_requester(request) + "\n\n" + render()

    target, text = request.requester_id, render
    if target is None and request.by_phone:
        recorder = request.on_behalf_of
        if recorder is None or not await services.coordinators.is_coordinator(recorder):
            # The one who took the call is gone: every coordinator hears it (no photo).
            await tell_requester(
                services.messenger, services.coordinators, request, render, markup
            )
            return
        target, text = recorder, for_phone
    if target is None:
        return  # the requester was erased: nobody to tell
    if spending.receipt_file_id:
        await services.messenger.tell_media(target, text, markup, photo=spending.receipt_file_id)
    else:
        await services.messenger.tell(target, text, markup, protect=True)


async def tell_paid_back(services: Services, request: HelpRequest) -> None:
    """After "I've paid them back": the volunteer is told, and a pending fund claim for the
    same money is withdrawn (the coordinators are told)."""
    spending = await services.safeguarding.spending(request.id)
    pence = spending.pence if spending and spending.pence else 0
    _volunteer_name, requester_name = await _names(services, request)
    if request.volunteer_id is not None:
        await services.messenger.tell(
            request.volunteer_id,
            lambda: paid_back_for_volunteer(request, requester_name, pence),
        )
    claim = await services.fund.withdraw_paid_back(request.id)
    if claim is not None:
        await services.coordinators.tell(
            lambda: claim_withdrawn_for_coordinators(claim.id, request.id)
        )


async def tell_corrected(services: Services, request: HelpRequest, old: int, new: int) -> None:
    """After a coordinator's /spent: the volunteer is told; unless it was paid back
    already, a pending claim follows the new amount (the coordinators get the new claim)
    and the requester hears the amount again."""
    volunteer_id = request.volunteer_id
    if volunteer_id is not None:
        await services.messenger.tell(
            volunteer_id, lambda: corrected_for_volunteer(request.id, old, new)
        )
    spending = await services.safeguarding.spending(request.id)
    if spending is None or spending.paid_back_at is not None:
        return  # settled already: a difference is for the coordinators to sort out
    if volunteer_id is not None:
        if new > 0:
            await claim_spend(services, request.id, volunteer_id, new)
        else:
            await services.fund.withdraw_paid_back(request.id)
    if spending.owed:
        await tell_settled(services, request.id)


def fund_paid_for_requester(request_id: int, volunteer_name: str) -> str:
    return _(
        "💷 Good news: the group's fund has paid {name} back for your request #{id}, so "
        "there is nothing for you to pay."
    ).format(name=esc(volunteer_name) or _("the volunteer"), id=request_id)


async def tell_fund_paid(services: Services, request_id: int) -> None:
    """The fund paid the claim: a requester already told the amount is told they owe
    nothing (only once the spend was settled: before, they were never asked to pay)."""
    request = await services.desk.find(request_id)
    spending = await services.safeguarding.spending(request_id)
    if request is None or spending is None or spending.settled_at is None:
        return
    volunteer_name, _requester_name = await _names(services, request)
    await tell_requester(
        services.messenger,
        services.coordinators,
        request,
        lambda: fund_paid_for_requester(request.id, volunteer_name),
    )
