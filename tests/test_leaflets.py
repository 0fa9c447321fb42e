"""Leaflets and first contact: someone new who comes by a leaflet's link (/start need,
/start volunteer), or sends /request or /volunteer before agreeing to the privacy notice,
agrees once and lands straight in what they came for."""

from __future__ import annotations

import pytest

from tests.conftest import REQUESTER, Group

NOTICE = "Before we start"


def _notices(group: Group, user_id: int) -> int:
    return sum(NOTICE in text for text in group.telegram.texts_to(user_id))


@pytest.mark.parametrize("command", ["/start need", "/request"])
async def test_someone_new_asking_for_help_agrees_once_then_chooses_a_category(
    group: Group, command: str
) -> None:
    await group.say(REQUESTER, command, name="Rose")
    notice = group.telegram.last_to(REQUESTER)
    assert NOTICE in notice.text
    agree = notice.buttons[0]
    assert agree == "v1:consent:yes:en:need"

    await group.press(REQUESTER, agree, name="Rose")

    assert _notices(group, REQUESTER) == 1
    after = group.telegram.last_to(REQUESTER)
    assert "What do you need help with?" in after.text
    assert after.buttons[0] == "v1:cat:groceries"
    assert not any("What would you like to do?" in t for t in group.telegram.texts_to(REQUESTER))
    user = await group.app.storage.users.get(REQUESTER)
    assert user is not None
    assert user.has_consented
    # And the conversation goes on from there.
    await group.press(REQUESTER, "v1:cat:groceries", name="Rose")
    assert "what do you need?" in group.telegram.last_to(REQUESTER).text


@pytest.mark.parametrize("command", ["/start volunteer", "/volunteer"])
async def test_someone_new_offering_help_agrees_once_then_shares_where_they_are(
    group: Group, command: str
) -> None:
    await group.say(301, command, name="Vic")
    agree = group.telegram.last_to(301).buttons[0]
    assert agree == "v1:consent:yes:en:offer"

    await group.press(301, agree, name="Vic")

    assert _notices(group, 301) == 1
    assert "where are you based?" in group.telegram.last_to(301).text


async def test_what_they_came_for_survives_choosing_another_language(group: Group) -> None:
    await group.say(REQUESTER, "/start need", name="Rose")
    language_button = group.telegram.last_to(REQUESTER).buttons[1]
    await group.press(REQUESTER, language_button, name="Rose")
    polish = [b for b in group.telegram.last_to(REQUESTER).buttons if b.startswith("v1:lang:pl")]
    assert polish == ["v1:lang:pl:need"]

    await group.press(REQUESTER, "v1:lang:pl:need", name="Rose")
    agree = group.telegram.last_to(REQUESTER).buttons[0]
    assert agree == "v1:consent:yes:pl:need"
    await group.press(REQUESTER, agree, name="Rose")

    after = group.telegram.last_to(REQUESTER)
    assert after.buttons[0] == "v1:cat:groceries"
    user = await group.app.storage.users.get(REQUESTER)
    assert user is not None
    assert user.language == "pl"


async def test_a_plain_start_still_offers_the_choice(group: Group) -> None:
    await group.consent(REQUESTER, name="Rose")
    assert "What would you like to do?" in group.telegram.last_to(REQUESTER).text
