"""Prescriptions, the way pharmacies need: paid or exempt or how much, a fridge, a
controlled drug (checked volunteers only, who bring photo ID), and the requester's consent
to collection by the volunteer the group sends, stored with the request."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from bot.domain.models import Payment
from tests.conftest import COORDINATOR, HOME, MIDDLE, NEAR, REQUESTER, Group

Opener = Callable[..., AbstractAsyncContextManager[Group]]


async def _volunteers(group: Group, *, checked: int | None = None) -> None:
    """301 (nearest) unchecked, 302 checked; both do prescriptions."""
    await group.consent(COORDINATOR, name="Cora")
    await group.enrol(301, NEAR, name="Una", categories=("prescription",))
    await group.enrol(302, MIDDLE, name="Chen", categories=("prescription",))
    await group.app.services.roster.set_checked(checked or 302, True, COORDINATOR)
    await group.consent(REQUESTER, name="Rita")


async def test_the_answers_and_the_consent_are_stored_with_the_request(group: Group) -> None:
    await _volunteers(group)
    request_id = await group.ask(
        category="prescription",
        description="Collect it from Boots",
        prescription=("9.90", "yes", "no"),
    )
    prescription = (await group.stored(request_id)).prescription
    assert prescription is not None
    assert prescription.payment is Payment.TO_PAY
    assert prescription.pence == 990
    assert prescription.fridge
    assert not prescription.controlled
    assert prescription.consent_at > 0
    assert prescription.collector_id is None  # nobody named until a volunteer takes it


async def test_the_summary_shows_the_answers_before_sending(group: Group) -> None:
    await _volunteers(group)
    await group.say(REQUESTER, "/request")
    await group.press(REQUESTER, "v1:cat:prescription")
    await group.say(REQUESTER, "Collect it from Boots")
    assert "already paid for, or free for you" in group.telegram.last_to(REQUESTER).text
    await group.answer_prescription(REQUESTER, "exempt", "no", "unsure")
    await group.press(REQUESTER, "v1:when:asap")
    await group.share(REQUESTER, *HOME)
    await group.say(REQUESTER, "12 Acacia Avenue")
    summary = group.telegram.last_to(REQUESTER).text
    assert "free for them (exempt)" in summary
    assert "bring photo ID" in summary  # "not sure" counts as controlled
    assert "Collection by the volunteer we send: agreed" in summary


async def test_no_consent_saves_nothing_and_says_why(group: Group) -> None:
    await _volunteers(group)
    await group.say(REQUESTER, "/request")
    await group.press(REQUESTER, "v1:cat:prescription")
    await group.say(REQUESTER, "Collect it from Boots")
    await group.press(REQUESTER, "v1:rx:pay:paid")
    await group.press(REQUESTER, "v1:rx:fridge:no")
    await group.press(REQUESTER, "v1:rx:cd:no")
    await group.press(REQUESTER, "v1:rx:ok:no")
    assert "can't collect it for you" in group.telegram.last_to(REQUESTER).text
    assert await group.app.storage.db.fetchall("SELECT id FROM requests") == []


async def test_a_bad_amount_is_asked_again_and_a_stale_button_is_refused(group: Group) -> None:
    await _volunteers(group)
    await group.say(REQUESTER, "/request")
    await group.press(REQUESTER, "v1:cat:prescription")
    await group.say(REQUESTER, "Collect it from Boots")
    await group.press(REQUESTER, "v1:rx:fridge:yes")  # not the question being asked
    assert "answer the question above" in group.telegram.answers()[-1].params.get("text", "")
    await group.press(REQUESTER, "v1:rx:pay:topay")
    await group.say(REQUESTER, "about a tenner")
    assert "amount in pounds" in group.telegram.last_to(REQUESTER).text
    await group.say(REQUESTER, "£18.80")
    assert "fridge" in group.telegram.last_to(REQUESTER).text


async def test_a_controlled_drug_goes_only_to_checked_volunteers_even_when_not_listed(
    open_group: Opener,
) -> None:
    # Prescriptions are not checked-only in this group: only the controlled drug is.
    async with open_group(CHECKED_CATEGORIES="none") as group:
        await _volunteers(group)
        plain = await group.ask(category="prescription", description="Collect my repeat")
        assert 301 in group.pinged(plain)
        controlled = await group.ask(
            category="prescription",
            description="Collect my other one",
            prescription=("paid", "no", "yes"),
        )
        assert group.pinged(controlled) == [302]
        ping = [c for c in group.telegram.sent_to(302) if f"v1:accept:{controlled}" in c.buttons]
        assert "bring photo ID" in ping[0].text
        # The unchecked volunteer can't take it another way (a forged press).
        await group.press(301, f"v1:accept:{controlled}")
        assert (await group.stored(controlled)).volunteer_id is None


async def test_the_checked_volunteer_is_told_to_bring_id_and_named_in_the_consent(
    group: Group,
) -> None:
    await _volunteers(group)
    request_id = await group.ask(
        category="prescription", description="Collect it", prescription=("7.50", "yes", "yes")
    )
    await group.press(302, f"v1:accept:{request_id}", name="Chen")
    details = [c for c in group.telegram.sent_to(302) if "Details for" in c.text][-1]
    assert details.params.get("protect_content") is True
    assert "bring photo ID" in details.text
    assert "To pay at the pharmacy: £7.50" in details.text
    assert "needs a fridge" in details.text
    assert "Rita agreed on" in details.text
    assert "Chen, collects this prescription" in details.text
    coming = group.telegram.last_to(REQUESTER).text
    assert "Chen will collect your prescription" in coming
    prescription = (await group.stored(request_id)).prescription
    assert prescription is not None
    assert prescription.collector_id == 302
    assert prescription.named_at is not None


async def test_fridge_and_controlled_answers_are_erased_with_the_requester(group: Group) -> None:
    await _volunteers(group)
    request_id = await group.ask(category="prescription", prescription=("paid", "yes", "yes"))
    await group.app.services.privacy.forget(REQUESTER)
    row = await group.app.storage.db.fetchone(
        "SELECT rx_fridge, rx_controlled, rx_payment FROM requests WHERE id = ?", (request_id,)
    )
    assert row is not None
    assert (row["rx_fridge"], row["rx_controlled"]) == (None, None)
    assert row["rx_payment"] == "paid"  # a figure, not about the person


async def test_a_phone_request_asks_the_same_questions(group: Group) -> None:
    await _volunteers(group)
    for step in ("/onbehalf", "Edna", "07700 900123"):
        await group.say(COORDINATOR, step, name="Cora")
    await group.press(COORDINATOR, "v1:cat:prescription", name="Cora")
    await group.say(COORDINATOR, "Collect it from the chemist", name="Cora")
    assert "already paid for, or free for them" in group.telegram.last_to(COORDINATOR).text
    await group.answer_prescription(COORDINATOR, "paid", "no", "yes", name="Cora")
    await group.press(COORDINATOR, "v1:when:asap", name="Cora")
    await group.share(COORDINATOR, *HOME, name="Cora")
    await group.say(COORDINATOR, "3 Mill Lane", name="Cora")
    await group.press(COORDINATOR, "v1:confirm:yes", name="Cora")
    rows = await group.app.storage.db.fetchall("SELECT id FROM requests")
    request = await group.stored(rows[0]["id"])
    assert request.prescription is not None
    assert request.prescription.controlled
    assert group.pinged(request.id) == [302]
