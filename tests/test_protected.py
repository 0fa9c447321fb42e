"""Every message that carries someone's personal details is sent with protect_content (no
forwarding, no saving), and a phone request's news reaches a current coordinator."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group
from tests.test_intake import NAME, PHONE, _take_a_call

SECOND = 101  # another coordinator


async def test_the_personal_export_is_protected(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.consent(REQUESTER, name="Rita")
    await group.ask()
    await group.say(COORDINATOR, "/export personal", name="Cora")
    documents = group.telegram.calls_of("sendDocument")
    assert len(documents) == 2
    assert all(d.params.get("protect_content") is True for d in documents)


async def test_the_phone_request_summary_and_its_news_are_protected(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.volunteer(301, NEAR, name="Alice")
    request_id = await _take_a_call(group)
    # The summary (name, number, address) and the confirmation naming the person.
    named = [c for c in group.telegram.sent_to(COORDINATOR) if NAME in c.text]
    assert len(named) == 2
    assert PHONE in named[0].text
    assert all(c.params.get("protect_content") is True for c in named)

    group.telegram.clear()
    await group.press(301, f"v1:accept:{request_id}", name="Alice")
    await group.press(301, f"v1:done:{request_id}", name="Alice")
    news = [c for c in group.telegram.sent_to(COORDINATOR) if f"For {NAME}" in c.text]
    assert len(news) == 2  # the volunteer coming, and the task done
    assert all(PHONE in c.text for c in news)
    assert all(c.params.get("protect_content") is True for c in news)


async def test_a_concern_reaches_the_coordinators_protected(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.consent(REQUESTER, name="Rita")
    await group.app.services.safeguarding.raise_concern(REQUESTER, None, "Flat 9 seemed unwell")
    concern = [c for c in group.telegram.sent_to(COORDINATOR) if "Flat 9" in c.text]
    assert len(concern) == 1
    assert concern[0].params.get("protect_content") is True


async def test_phone_news_goes_to_the_other_coordinators_once_its_recorder_is_dismissed(
    open_group: Callable[..., AbstractAsyncContextManager[Group]],
) -> None:
    async with open_group(ADMIN_IDS=f"{COORDINATOR},{SECOND}") as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.consent(SECOND, name="Cedric")
        await group.volunteer(301, NEAR, name="Alice")
        request_id = await _take_a_call(group)  # recorded by COORDINATOR
        await group.app.services.roster.dismiss(COORDINATOR, SECOND)
        assert not await group.app.services.coordinators.is_coordinator(COORDINATOR)
        group.telegram.clear()

        await group.press(301, f"v1:accept:{request_id}", name="Alice")
        assert not [t for t in group.telegram.texts_to(COORDINATOR) if NAME in t]
        news = [c for c in group.telegram.sent_to(SECOND) if f"For {NAME}" in c.text]
        assert len(news) == 1
        assert "no longer a coordinator" in news[0].text
        assert news[0].params.get("protect_content") is True

        # The one who now hears the news can answer for the person too.
        await group.press(301, f"v1:done:{request_id}", name="Alice")
        assert group.telegram.last_to(SECOND).buttons == [
            f"v1:fb:{request_id}:yes",
            f"v1:fb:{request_id}:no",
        ]
        await group.press(SECOND, f"v1:fb:{request_id}:yes", name="Cedric")
        assert (await group.stored(request_id)).feedback == "yes"
