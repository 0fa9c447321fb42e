"""Every card and alert about a person lets a coordinator reach them: a tap-to-chat link
(tg://user?id=…, the name escaped), or the phone number of someone without Telegram."""

from __future__ import annotations

from typing import Any

from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group
from tests.test_intake import PHONE, _take_a_call

ODD_NAME = "Tom <i>&</i> Jerry"
ODD_LINK = '<a href="tg://user?id=301">Tom &lt;i&gt;&amp;&lt;/i&gt; Jerry</a>'


async def test_the_approval_card_links_the_volunteer(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.sign_up(301, NEAR, name=ODD_NAME)
    card = [c for c in group.telegram.sent_to(COORDINATOR) if "wants to volunteer" in c.text]
    assert card
    assert ODD_LINK in card[-1].text
    group.telegram.clear()

    await group.say(COORDINATOR, "/pending", name="Cora")
    listed = [c for c in group.telegram.sent_to(COORDINATOR) if "wants to volunteer" in c.text]
    assert ODD_LINK in listed[-1].text


async def test_the_volunteer_card_links_the_volunteer(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.volunteer(301, NEAR, name=ODD_NAME)
    group.telegram.clear()

    await group.press(COORDINATOR, "v1:vol:301", name="Cora")

    assert any(ODD_LINK in text for text in group.telegram.texts_to(COORDINATOR))


async def test_did_not_get_help_links_the_requester(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.volunteer(301, NEAR, name="Vic")
    await group.consent(REQUESTER, name="Rose")
    request_id = await group.ask(name="Rose")
    await group.press(301, f"v1:accept:{request_id}", name="Vic")
    await group.press(301, f"v1:done:{request_id}", name="Vic")

    await group.press(REQUESTER, f"v1:fb:{request_id}:no", name="Rose")

    [alert] = [t for t in group.telegram.texts_to(COORDINATOR) if "did not get the help" in t]
    assert f'<a href="tg://user?id={REQUESTER}">Rose</a>' in alert


async def test_did_not_get_help_gives_a_phone_request_s_number(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.volunteer(301, NEAR, name="Vic")
    request_id = await _take_a_call(group)
    await group.press(301, f"v1:accept:{request_id}", name="Vic")
    await group.press(301, f"v1:done:{request_id}", name="Vic")

    await group.press(COORDINATOR, f"v1:fb:{request_id}:no", name="Cora")

    [alert] = [t for t in group.telegram.texts_to(COORDINATOR) if "did not get the help" in t]
    assert PHONE in alert
    assert "Mary" in alert


async def test_the_spend_cap_alert_links_the_volunteer_and_the_requester(
    open_group: Any,
) -> None:
    async with open_group(SPEND_CAP="20") as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.volunteer(301, NEAR, name="Vic")
        await group.consent(REQUESTER, name="Rose")
        request_id = await group.ask(name="Rose")
        await group.press(301, f"v1:accept:{request_id}", name="Vic")
        await group.press(301, f"v1:done:{request_id}", name="Vic")
        await group.press(301, f"v1:spend:{request_id}", name="Vic")
        await group.say(301, "£45.50", name="Vic")

        [alert] = [t for t in group.telegram.texts_to(COORDINATOR) if "spending cap" in t]
        assert '<a href="tg://user?id=301">Vic</a>' in alert
        assert f'<a href="tg://user?id={REQUESTER}">Rose</a>' in alert
