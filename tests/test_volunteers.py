"""Signing up as a volunteer, approval by coordinators, pausing."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest

from bot.telegram.texts import KM_PER_MILE
from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group


async def test_sign_up_waits_for_a_coordinator_who_approves(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.sign_up(301, NEAR, radius="1,5 km", categories=("groceries", "errand"))
    volunteer = await group.app.storage.volunteers.get(301)
    assert volunteer is not None
    assert volunteer.status == "pending"
    assert volunteer.radius_km == 1.5
    assert {c.value for c in volunteer.categories} == {"groceries", "errand"}
    assert any("coordinator will check" in t for t in group.telegram.texts_to(301))
    assert "v1:avail:weekend" in group.telegram.last_to(301).buttons
    approval = group.telegram.last_to(COORDINATOR)
    assert approval.buttons == ["v1:approve:301", "v1:reject:301"]

    await group.approve(301)
    card = group.telegram.sent_to(COORDINATOR, "editMessageText")[-1]
    assert "is approved (by Cora)" in card.text
    volunteer = await group.app.storage.volunteers.get(301)
    assert volunteer is not None
    assert volunteer.status == "approved"
    assert "approved" in group.telegram.last_to(301).text


async def test_a_forged_approval_by_a_non_coordinator_is_refused(group: Group) -> None:
    await group.sign_up(301, NEAR)
    await group.consent(REQUESTER)
    await group.press(REQUESTER, "v1:approve:301")
    await group.press(301, "v1:approve:301")
    volunteer = await group.app.storage.volunteers.get(301)
    assert volunteer is not None
    assert volunteer.status == "pending"
    assert "Only coordinators" in str(group.telegram.answers()[-1].params.get("text"))


async def test_pending_lists_volunteers_waiting(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.sign_up(301, NEAR, name="Alice")
    await group.say(COORDINATOR, "/pending", name="Cora")
    assert group.telegram.last_to(COORDINATOR).buttons == ["v1:approve:301", "v1:reject:301"]
    await group.press(COORDINATOR, "v1:reject:301", name="Cora")
    assert "Turned down." in str(group.telegram.answers()[-1].params.get("text"))
    card = group.telegram.sent_to(COORDINATOR, "editMessageText")[-1]
    assert "Alice was turned down (by Cora)" in card.text
    await group.press(COORDINATOR, "v1:approve:301", name="Cora")  # too late: decided
    said = str(group.telegram.answers()[-1].params.get("text"))
    assert "Already decided: turned down." in said
    volunteer = await group.app.storage.volunteers.get(301)
    assert volunteer is not None
    assert volunteer.status == "rejected"
    await group.say(COORDINATOR, "/pending", name="Cora")
    assert "Nobody is waiting" in group.telegram.last_to(COORDINATOR).text


async def test_bad_radius_and_empty_categories_are_re_asked(group: Group) -> None:
    await group.consent(301)
    await group.say(301, "/volunteer")
    await group.share(301, *NEAR)
    for typed in ("far", "0", "500", "-2", "40 miles"):
        await group.say(301, typed)
        assert "in miles between 0.1 and 30" in group.telegram.last_to(301).text
    await group.say(301, "2")
    await group.press(301, "v1:vsave")
    assert "at least one" in str(group.telegram.answers()[-1].params.get("text"))
    assert await group.app.storage.volunteers.get(301) is None


async def test_pause_and_resume(group: Group) -> None:
    await group.consent(301)
    await group.say(301, "/pause")
    assert "haven't signed up" in group.telegram.last_to(301).text
    await group.consent(COORDINATOR, name="Cora")
    await group.volunteer(301, NEAR)
    await group.say(301, "/pause")
    volunteer = await group.app.storage.volunteers.get(301)
    assert volunteer is not None
    assert volunteer.paused
    await group.say(301, "/resume")
    volunteer = await group.app.storage.volunteers.get(301)
    assert volunteer is not None
    assert not volunteer.paused


async def test_blocking_and_unblocking_the_bot_is_recorded(group: Group) -> None:
    await group.consent(301)
    await group.app.process_update(group.people.membership(301, "member", "kicked"))
    user = await group.app.storage.users.get(301)
    assert user is not None
    assert user.blocked_at is not None
    await group.app.process_update(group.people.membership(301, "kicked", "member"))
    user = await group.app.storage.users.get(301)
    assert user is not None
    assert user.blocked_at is None


async def test_pressing_approve_twice_is_answered_once_without_an_error(group: Group) -> None:
    """Telegram refuses an edit that changes nothing; that must not surface as an error."""
    await group.consent(COORDINATOR, name="Cora")
    await group.sign_up(301, NEAR)
    message_id = group.telegram.last_to(COORDINATOR).message_id or 0
    await group.press(COORDINATOR, "v1:approve:301", message_id=message_id, name="Cora")
    await group.press(COORDINATOR, "v1:approve:301", message_id=message_id, name="Cora")
    assert not any("went wrong" in t for t in group.telegram.texts_to(COORDINATOR))


def _keyboard(group: Group, user_id: int) -> list[str]:
    markup = group.telegram.last_to(user_id).params["reply_markup"]
    return [button["text"] for row in markup["keyboard"] for button in row]


@pytest.mark.parametrize("language", ["en", "cy"])
async def test_english_and_welsh_volunteers_give_their_radius_in_miles(
    group: Group, language: str
) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.consent(301, language=language)
    await group.say(301, "/volunteer", language=language)
    await group.share(301, *NEAR, language=language)
    assert "miles" in group.telegram.last_to(301).text or "milltir" in (
        group.telegram.last_to(301).text
    )
    assert _keyboard(group, 301) == ["0.25", "0.5", "1", "2", "3", "5"]
    await group.say(301, "2", language=language)
    assert group.telegram.texts_to(301)[-2] in (
        "Great: up to 2 miles.",
        "Gwych: hyd at 2 filltir.",
    )
    await group.press(301, "v1:vcat:groceries", language=language)
    await group.press(301, "v1:vsave", language=language)
    volunteer = await group.app.storage.volunteers.get(301)
    assert volunteer is not None
    assert volunteer.radius_km == pytest.approx(2 * KM_PER_MILE)
    # The English coordinator is told in miles too.
    assert any("Goes up to 2 miles." in t for t in group.telegram.texts_to(COORDINATOR))


async def test_a_polish_volunteer_gives_kilometres_with_a_decimal_comma(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora", language="pl")
    await group.consent(301, language="pl")
    await group.say(301, "/volunteer", language="pl")
    await group.share(301, *NEAR, language="pl")
    assert "kilometr" in group.telegram.last_to(301).text
    assert "1,5" in group.telegram.last_to(301).text  # DEFAULT_RADIUS_KM, written the Polish way
    assert _keyboard(group, 301) == ["0,5", "1", "1,5", "2", "3", "5"]
    await group.say(301, "1,5", language="pl")
    assert "1,5 km" in group.telegram.texts_to(301)[-2]
    await group.press(301, "v1:vcat:groceries", language="pl")
    await group.press(301, "v1:vsave", language="pl")
    volunteer = await group.app.storage.volunteers.get(301)
    assert volunteer is not None
    assert volunteer.radius_km == 1.5
    assert any("1,5 km" in t for t in group.telegram.texts_to(COORDINATOR))


async def test_distance_unit_km_asks_english_readers_in_kilometres(
    open_group: Callable[..., AbstractAsyncContextManager[Group]],
) -> None:
    async with open_group(DISTANCE_UNIT="km") as group:
        await group.consent(301)
        await group.say(301, "/volunteer")
        await group.share(301, *NEAR)
        assert "in kilometres" in group.telegram.last_to(301).text
        await group.say(301, "2")
        assert group.telegram.texts_to(301)[-2] == "Great: up to 2 km."
