"""The request form's answers: kept between updates as plain JSON, read back typed; a
half-made request saved before an upgrade carries on, one that can't be read is set aside."""

from __future__ import annotations

import json
from pathlib import Path

from bot.domain.models import Category, Payment, RequestDraft, When
from bot.domain.request_answers import RequestAnswers
from bot.telegram.app import build_application
from tests.conftest import HOME, REQUESTER, Group, make_settings
from tests.support.telegram import FakeTelegram

# A draft as the conversations wrote it before the answers were typed: None kept as null.
OLD_DRAFT = {
    "category": "prescription",
    "description": "Collect my prescription please",
    "every": None,
    "rx_payment": "to_pay",
    "rx_pence": 990,
    "rx_fridge": False,
    "rx_controlled": True,
    "rx_consent_at": 1700000000.0,
    "referred": ["Next Street Helpers"],
}


def test_answers_written_before_the_upgrade_read_back_as_they_were() -> None:
    answers = RequestAnswers.from_stored(
        {
            **OLD_DRAFT,
            "when": "asap",
            "due_at": None,
            "lat": 51.5,
            "lon": -0.1,
            "address": "1 A St",
        }
    )
    assert answers is not None
    draft = answers.draft()
    assert draft is not None
    assert (draft.category, draft.when, draft.address) == (
        Category.PRESCRIPTION,
        When.ASAP,
        "1 A St",
    )
    assert draft.prescription is not None
    assert (draft.prescription.payment, draft.prescription.pence) == (Payment.TO_PAY, 990)
    assert draft.prescription.controlled
    assert answers.referred == ["Next Street Helpers"]
    # Kept again, they are the same plain dict (but for the nulls).
    again = RequestAnswers.from_stored(json.loads(json.dumps(answers.stored())))
    assert again == answers


def test_a_request_is_not_ready_until_every_question_is_answered() -> None:
    answers = RequestAnswers(category=Category.GROCERIES, description="Milk", when=When.ASAP)
    assert answers.draft() is None
    answers.lat, answers.lon, answers.address = 51.5, -0.1, ""
    assert isinstance(answers.draft(), RequestDraft)


def test_answers_that_cannot_be_read_are_set_aside() -> None:
    assert RequestAnswers.from_stored({"category": "groceries", "lat": "north"}) is None
    assert RequestAnswers.from_stored({"category": "knitting"}) is None
    assert RequestAnswers.from_stored({"saved_as": True}) is None
    assert RequestAnswers.from_stored(["not", "a", "dict"]) is None


async def test_a_half_made_request_from_before_an_upgrade_carries_on(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    telegram = FakeTelegram()
    async with build_application(settings, request=telegram) as first:
        await Group(first, telegram).consent(REQUESTER)
        # What the older version left: its answers, and the conversation at "when" (3).
        db = first.storage.db
        await db.execute(
            "INSERT INTO user_data (user_id, data, updated_at) VALUES (?, ?, ?)",
            (REQUESTER, json.dumps({"request": OLD_DRAFT}), first.services.clock()),
        )
        await db.execute(
            "INSERT INTO conversation_states (name, key, state, updated_at) VALUES (?, ?, ?, ?)",
            ("request", json.dumps([REQUESTER, REQUESTER]), "3", first.services.clock()),
        )
    telegram = FakeTelegram()
    async with build_application(settings, request=telegram) as second:
        group = Group(second, telegram)
        await group.press(REQUESTER, "v1:when:asap")
        await group.share(REQUESTER, *HOME)
        await group.say(REQUESTER, "12 Acacia Avenue")
        summary = telegram.last_to(REQUESTER).text
        assert "Collect my prescription please" in summary
        assert "9.90" in summary
        await group.press(REQUESTER, "v1:confirm:yes")
        stored = await group.stored(1)
        assert stored.description == "Collect my prescription please"
        assert stored.address == "12 Acacia Avenue"


async def test_an_unreadable_set_aside_request_starts_afresh(group: Group) -> None:
    await group.consent(REQUESTER)
    group.app.user_data[REQUESTER]["request_set_aside"] = {"category": "groceries", "lat": "x"}
    await group.say(REQUESTER, "/request")
    asked = group.telegram.last_to(REQUESTER)
    assert "unfinished request" not in asked.text
    assert "v1:cat:groceries" in asked.buttons
