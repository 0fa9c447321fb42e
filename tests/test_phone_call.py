"""A friendly phone call: the requester gives a number (or talks through the bot), no
address or door wording reaches anyone, distance doesn't matter, and the volunteer is told
to withhold their own number. Description examples fit the kind of help chosen."""

from __future__ import annotations

import re

from tests.conftest import COORDINATOR, FAR, NEAR, REQUESTER, Group

NUMBER = "07700 900456"
CALLER = 301  # near, but offers only shopping
FAR_AWAY = 302  # 3 km away with a 1 km radius: still asked for a call
DOOR_WORDS = ("door", "safety code", "arrive", "🔑", "🏠")


async def _nell_and_fay(group: Group) -> None:
    """The usual start, with Nell near for groceries and Fay far away for calls only."""
    await group.ready()
    await group.volunteer(CALLER, NEAR, categories=("groceries",), name="Nell")
    await group.volunteer(FAR_AWAY, FAR, radius="1", categories=("phone_call",), name="Fay")


async def _ask_for_a_call(group: Group, number: str | None = NUMBER, when: str = "asap") -> int:
    await group.say(REQUESTER, "/request", name="Rita")
    await group.press(REQUESTER, "v1:cat:phone_call", name="Rita")
    prompt = group.telegram.last_to(REQUESTER).text
    assert "a chat once a week" in prompt
    assert "milk" not in prompt
    await group.say(REQUESTER, "A chat about gardening", name="Rita")
    await group.press(REQUESTER, f"v1:when:{when}", name="Rita")
    if when == "at":
        await group.say(REQUESTER, "tomorrow 10:00", name="Rita")
    asked = group.telegram.last_to(REQUESTER)
    assert "What number should the volunteer ring" in asked.text
    assert asked.buttons == ["v1:callby:bot"]
    if number is None:
        await group.press(REQUESTER, "v1:callby:bot", name="Rita")
    else:
        await group.say(REQUESTER, "call me", name="Rita")
        assert "doesn't look like a phone number" in group.telegram.last_to(REQUESTER).text
        await group.say(REQUESTER, number, name="Rita")
    summary = group.telegram.last_to(REQUESTER).text
    assert "🏠" not in summary
    await group.press(REQUESTER, "v1:confirm:yes", name="Rita")
    match = re.search(r"#(\d+)", group.telegram.last_to(REQUESTER).text)
    assert match
    return int(match.group(1))


def _no_door_words(texts: list[str]) -> None:
    for text in texts:
        for word in DOOR_WORDS:
            assert word not in text.lower(), (word, text)


async def test_a_phone_call_takes_a_number_and_reaches_a_volunteer_far_away(
    group: Group,
) -> None:
    await _nell_and_fay(group)
    group.telegram.clear()
    request_id = await _ask_for_a_call(group)
    stored = await group.stored(request_id)
    assert stored.address == NUMBER  # kept, protected and purged as an address is
    # No location was asked for; distance doesn't matter: the far volunteer is asked.
    assert group.pinged(request_id) == [FAR_AWAY]

    await group.press(FAR_AWAY, f"v1:accept:{request_id}", name="Fay")
    [details] = [c for c in group.telegram.sent_to(FAR_AWAY) if NUMBER in c.text]
    assert details.params.get("protect_content") is True
    assert "141" in details.text
    assert "withhold your own number" in details.text
    news = [c for c in group.telegram.sent_to(REQUESTER) if "Good news" in c.text]
    assert len(news) == 1
    assert "withheld" in news[0].text
    assert f"v1:nocome:{request_id}:{FAR_AWAY}" in news[0].buttons

    await group.press(FAR_AWAY, f"v1:done:{request_id}", name="Fay")
    # Nothing the volunteer or the requester saw talks about a door, a safety code or an
    # address, and no button says "I've arrived".
    _no_door_words(group.telegram.texts_to(REQUESTER))
    _no_door_words([t for t in group.telegram.texts_to(FAR_AWAY)])
    for chat in (REQUESTER, FAR_AWAY):
        for call in group.telegram.calls:
            if call.chat_id == chat:
                assert not any(b.startswith("v1:arrived:") for b in call.buttons)


async def test_a_phone_call_without_a_number_is_talked_through_the_bot(group: Group) -> None:
    await _nell_and_fay(group)
    request_id = await _ask_for_a_call(group, number=None)
    assert (await group.stored(request_id)).address == ""
    await group.press(FAR_AWAY, f"v1:accept:{request_id}", name="Fay")
    details = group.telegram.sent_to(FAR_AWAY)[-2:]
    assert any("talk through the bot" in c.text for c in details)
    news = next(c for c in group.telegram.sent_to(REQUESTER) if "Good news" in c.text)
    assert "through the bot" in news.text
    assert f"v1:talk:{request_id}" in news.buttons


async def test_a_booked_call_s_reminder_has_no_doorstep_button(group: Group) -> None:
    await _nell_and_fay(group)
    request_id = await _ask_for_a_call(group, when="at")
    await group.press(FAR_AWAY, f"v1:accept:{request_id}", name="Fay")
    group.telegram.clear()
    assert await group.fire("before") == 1
    reminder, details = group.telegram.sent_to(FAR_AWAY)[-2:]
    assert "Reminder" in reminder.text
    assert f"v1:done:{request_id}" in reminder.buttons
    assert f"v1:arrived:{request_id}" not in reminder.buttons
    # The details come again: the number to ring, no door, no doorstep button.
    assert NUMBER in details.text
    assert details.buttons == []
    _no_door_words([reminder.text, details.text])


async def test_a_call_taken_by_phone_asks_no_place_or_address(group: Group) -> None:
    await _nell_and_fay(group)
    say = group.say
    await say(COORDINATOR, "/onbehalf", name="Cora")
    await say(COORDINATOR, "Mary", name="Cora")
    await say(COORDINATOR, NUMBER, name="Cora")
    await group.press(COORDINATOR, "v1:cat:phone_call", name="Cora")
    assert "a chat once a week" in group.telegram.last_to(COORDINATOR).text
    await say(COORDINATOR, "Someone to talk to", name="Cora")
    await group.press(COORDINATOR, "v1:when:today", name="Cora")
    summary = group.telegram.last_to(COORDINATOR).text
    assert "Please check the request" in summary
    assert "🏠" not in summary
    await group.press(COORDINATOR, "v1:confirm:yes", name="Cora")
    confirmation = group.telegram.last_to(COORDINATOR).text
    match = re.search(r"#(\d+)", confirmation)
    assert match
    request_id = int(match.group(1))
    assert "safety code" not in confirmation
    assert group.pinged(request_id) == [FAR_AWAY]
    await group.press(FAR_AWAY, f"v1:accept:{request_id}", name="Fay")
    [details] = [c for c in group.telegram.sent_to(FAR_AWAY) if NUMBER in c.text]
    assert "141" in details.text
    _no_door_words(group.telegram.texts_to(FAR_AWAY))


async def test_description_examples_fit_the_category(group: Group) -> None:
    await _nell_and_fay(group)
    await group.say(REQUESTER, "/request", name="Rita")
    await group.press(REQUESTER, "v1:cat:dog_walking", name="Rita")
    prompt = group.telegram.last_to(REQUESTER).text
    assert "Labrador" in prompt
    assert "milk" not in prompt
    await group.say(REQUESTER, "/cancel", name="Rita")
    await group.say(COORDINATOR, "/onbehalf", name="Cora")
    await group.say(COORDINATOR, "Mary", name="Cora")
    await group.say(COORDINATOR, NUMBER, name="Cora")
    await group.press(COORDINATOR, "v1:cat:errand", name="Cora")
    assert "a parcel to post" in group.telegram.last_to(COORDINATOR).text
