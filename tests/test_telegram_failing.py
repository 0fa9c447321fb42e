"""When Telegram fails (429, 5xx, a broken connection), the bot retries what is worth
retrying, keeps its state, and nothing anyone did is lost."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest

from tests.conftest import FAR, MIDDLE, NEAR, REQUESTER, Group

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*attribute `retry_after` will be of type:telegram.warnings.PTBDeprecationWarning"
)

ADDRESS = "12 Acacia Avenue, ring twice"
DESCRIPTION = "Milk and bread please"
OpenGroup = Callable[..., AbstractAsyncContextManager[Group]]


def _with_address(group: Group, chat_id: int) -> list[str]:
    return [text for text in group.telegram.texts_to(chat_id) if ADDRESS in text]


async def test_a_429_on_a_ping_is_waited_out_and_the_ping_arrives_once(group: Group) -> None:
    await group.ready((301, NEAR), (302, MIDDLE), enrol=True)
    group.telegram.fail_next("sendMessage", "429", chat_id=301)
    request_id = await group.ask()
    assert len(group.telegram.failed) == 1  # the 429 did happen
    assert sorted(group.pinged(request_id)) == [301, 302]


async def test_a_429_on_the_answer_to_a_press_is_retried_and_answered_once(group: Group) -> None:
    await group.ready((301, NEAR), enrol=True)
    request_id = await group.ask()
    group.telegram.fail_next("answerCallbackQuery", "429")
    group.telegram.fail_next("sendMessage", "429", chat_id=301)
    await group.press(301, f"v1:accept:{request_id}", name="V301")  # asserts one answer
    assert len(group.telegram.failed) == 2
    assert len(_with_address(group, 301)) == 1
    assert (await group.stored(request_id)).volunteer_id == 301


async def test_pings_that_fail_lose_nothing_and_others_are_still_asked(group: Group) -> None:
    await group.ready((301, NEAR), (302, MIDDLE), (303, FAR), enrol=True)
    group.telegram.fail_next("sendMessage", *["500"] * 3, chat_id=301)
    group.telegram.fail_next("sendMessage", *["network"] * 3, chat_id=302)
    request_id = await group.ask()

    stored = await group.stored(request_id)
    assert stored.status == "open"
    assert group.pinged(request_id) == [303]
    assert f"#{request_id}" in group.telegram.last_to(REQUESTER).text
    assert await group.reminders("escalate")
    assert await group.reminders("alert")


async def test_a_wave_whose_only_ping_failed_still_escalates(open_group: OpenGroup) -> None:
    async with open_group(WAVE_SIZE="1") as group:
        await group.ready((301, NEAR), (302, MIDDLE), enrol=True)
        group.telegram.fail_next("sendMessage", *["500"] * 3, chat_id=301)
        request_id = await group.ask()
        assert group.pinged(request_id) == []
        assert (await group.stored(request_id)).status == "open"

        assert await group.fire("escalate") == 1
        assert group.pinged(request_id) == [302]


async def test_a_ping_that_fails_once_is_sent_again(group: Group) -> None:
    await group.ready((301, NEAR), enrol=True)
    group.telegram.fail_next("sendMessage", "500", chat_id=301)
    request_id = await group.ask()
    assert len(group.telegram.failed) == 1
    assert group.pinged(request_id) == [301]


async def test_when_the_confirmation_cannot_be_sent_the_request_is_kept_and_announced(
    group: Group,
) -> None:
    await group.ready((301, NEAR), enrol=True)
    await group.say(REQUESTER, "/request")
    await group.press(REQUESTER, "v1:cat:groceries")
    await group.say(REQUESTER, DESCRIPTION)
    await group.press(REQUESTER, "v1:when:asap")
    await group.share(REQUESTER, *(51.5, -0.1))
    await group.say(REQUESTER, ADDRESS)
    # The confirmation (and whatever else goes to the requester now) can't get through.
    group.telegram.fail_next("sendMessage", *["network"] * 3, chat_id=REQUESTER)
    await group.app.process_update(group.people.press(REQUESTER, "v1:confirm:yes"))

    rows = await group.app.storage.db.fetchall(
        "SELECT id, status FROM requests WHERE requester_id = ?", (REQUESTER,)
    )
    assert [row["status"] for row in rows] == ["open"]
    # Volunteers are still asked: the request doesn't wait for the next restart.
    assert group.pinged(rows[0]["id"]) == [301]


async def test_when_the_task_card_cannot_be_shown_the_volunteer_keeps_the_task(
    group: Group,
) -> None:
    await group.ready((301, NEAR), (302, MIDDLE), enrol=True)
    request_id = await group.ask()
    group.telegram.fail_next("editMessageText", *["network"] * 3, chat_id=301)
    # (Answered twice here: the fake doesn't refuse a second answer as Telegram would.)
    await group.app.process_update(group.people.press(301, f"v1:accept:{request_id}", name="V301"))

    stored = await group.stored(request_id)
    assert (stored.status, stored.volunteer_id) == ("claimed", 301)
    assert len(_with_address(group, 301)) == 1
    assert any("on their way" in t or "V301" in t for t in group.telegram.texts_to(REQUESTER))


async def test_a_broken_answer_to_a_press_is_logged_without_personal_data(
    group: Group, caplog: pytest.LogCaptureFixture
) -> None:
    await group.ready((301, NEAR), (302, MIDDLE), enrol=True)
    request_id = await group.ask(description=DESCRIPTION, address=ADDRESS)
    group.telegram.fail_next("answerCallbackQuery", "network")
    press = group.people.press(301, f"v1:accept:{request_id}", name="V301")
    with caplog.at_level(logging.INFO):
        await group.app.process_update(press)

    # The database is consistent: taken once, by the one who pressed, and they have the
    # address; the other ping is closed.
    stored = await group.stored(request_id)
    assert (stored.status, stored.volunteer_id) == ("claimed", 301)
    claims = await group.app.storage.db.fetchall(
        "SELECT * FROM audit WHERE request_id = ? AND action = 'open->claimed'", (request_id,)
    )
    assert len(claims) == 1
    assert len(_with_address(group, 301)) == 1
    # The error is logged once, with the update's shape and id but nothing anyone wrote.
    errors = [r for r in caplog.records if r.name == "bot.telegram.handlers.errors"]
    assert len(errors) == 1
    assert f"update {press.update_id}" in errors[0].getMessage()
    assert "callback_query" in errors[0].getMessage()
    for leaked in (ADDRESS, DESCRIPTION, "Acacia", "V301"):
        assert leaked not in caplog.text
    # And the volunteer is told something went wrong (the press is answered after all).
    assert any("went wrong" in str(a.params.get("text")) for a in group.telegram.answers())


async def test_when_the_address_cannot_be_sent_the_volunteer_is_pointed_to_mytasks(
    group: Group,
) -> None:
    await group.ready((301, NEAR), enrol=True)
    request_id = await group.ask()
    group.telegram.fail_next("sendMessage", "500", "500", "500", chat_id=301)
    await group.press(301, f"v1:accept:{request_id}", name="V301")
    assert (await group.stored(request_id)).volunteer_id == 301
    assert _with_address(group, 301) == []
    told = str(group.telegram.answers()[-1].params.get("text"))
    assert "/mytasks" in told
    assert "I've sent you the details" not in told
    await group.say(301, "/mytasks", name="V301")
    assert len(_with_address(group, 301)) == 1
