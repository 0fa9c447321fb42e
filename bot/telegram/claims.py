"""A volunteer's recorded spend becomes a reimbursement claim, put before the
coordinators with its buttons (called from the spend conversation after ✅ Done)."""

from __future__ import annotations

from bot.i18n import _, use_language
from bot.telegram import fund_views
from bot.telegram.context import Services


async def claim_spend(services: Services, request_id: int, volunteer_id: int, pence: int) -> str:
    """Open the claim and tell the coordinators; returns a line for the volunteer ("" for
    nothing to claim)."""
    claim, old = await services.fund.claim(request_id, volunteer_id, pence)
    if claim is None:
        if old is not None:  # already paid back: a new amount needs a coordinator's word
            return _(
                "#{id} was already paid back from the fund, so this new amount is not a new "
                "claim; /concern reaches the coordinators if it needs correcting."
            ).format(id=request_id)
        return ""
    request = await services.desk.find(request_id)
    name = await services.people.name_of(volunteer_id) or ""
    if old is not None:
        await services.coordinators.tell(lambda: fund_views.claim_replaced(old))
    await services.coordinators.tell(
        lambda: fund_views.claim_for_coordinators(claim, request, name),
        lambda: fund_views.claim_buttons(claim.id),
        protect=True,
    )
    return _(
        "I've sent it to the coordinators as reimbursement claim #{claim}; I'll tell you "
        "when they decide."
    ).format(claim=claim.id)


async def claim_receipt(services: Services, request_id: int, file_id: str) -> None:
    """The receipt goes with the task's pending claim, to every coordinator, with the
    claim's buttons."""
    claim = await services.fund.attach_receipt(request_id, file_id)
    if claim is None or claim.pence > services.safeguarding.cap_pence:
        return  # over the cap, the coordinators have the photo already (Safeguarding)
    for user_id, language in await services.coordinators.recipients():
        with use_language(language):
            caption = fund_views.receipt_for_claim(claim)
            markup = fund_views.claim_buttons(claim.id)
        await services.messenger.send_photo(user_id, file_id, caption, protect=True, markup=markup)
