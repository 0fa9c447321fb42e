"""Phone intake: a coordinator records a request for someone without Telegram. The
volunteer who takes it gets the phone number with the address; the coordinator gets the
news the requester would have had."""

from __future__ import annotations

import re

from tests.conftest import COORDINATOR, HOME, NEAR, REQUESTER, Group

NAME = "Mary"
PHONE = "07700 900123"
ADDRESS = "4 Elm Road, side door"


async def _take_a_call(group: Group, description: str = "Shopping for the week") -> int:
    """The whole /onbehalf conversation, with a few wrong answers on the way."""
    say = group.say
    await say(COORDINATOR, "/onbehalf", name="Cora")
    assert "agreed on the phone" in group.telegram.last_to(COORDINATOR).text
    await say(COORDINATOR, NAME, name="Cora")
    await say(COORDINATOR, "call me maybe", name="Cora")
    assert "doesn't look like a phone number" in group.telegram.last_to(COORDINATOR).text
    await say(COORDINATOR, PHONE, name="Cora")
    assert group.telegram.last_to(COORDINATOR).buttons[0] == "v1:cat:groceries"
    await group.press(COORDINATOR, "v1:cat:groceries", name="Cora")
    # Another call for the same number: a separate need (tests/test_same_need.py adds to one).
    new = [b for b in group.telegram.last_to(COORDINATOR).buttons if b.endswith(":new")]
    if new:
        await group.press(COORDINATOR, new[0], name="Cora")
    await say(COORDINATOR, description, name="Cora")
    await group.press(COORDINATOR, "v1:when:asap", name="Cora")
    # Typed text is not a place without a geocoder: ask for a pin (not "share my location").
    await say(COORDINATOR, "Elm Road", name="Cora")
    assert "location pin" in group.telegram.last_to(COORDINATOR).text
    await group.share(COORDINATOR, *HOME, name="Cora")
    await say(COORDINATOR, ADDRESS, name="Cora")
    summary = group.telegram.last_to(COORDINATOR)
    assert NAME in summary.text
    assert PHONE in summary.text
    assert ADDRESS in summary.text
    await group.press(COORDINATOR, "v1:confirm:yes", name="Cora")
    match = re.search(r"#(\d+)", group.telegram.last_to(COORDINATOR).text)
    assert match
    return int(match.group(1))


async def test_a_phone_request_is_stored_for_someone_without_telegram(group: Group) -> None:
    await group.ready((301, NEAR, "Alice"), requester=None)
    request_id = await _take_a_call(group)

    stored = await group.stored(request_id)
    assert stored.requester_id is None
    assert stored.on_behalf_of == COORDINATOR
    assert stored.contact_name == NAME
    assert stored.contact_phone == PHONE
    assert stored.address == ADDRESS
    assert stored.category == "groceries"
    confirmation = group.telegram.last_to(COORDINATOR).text
    assert stored.safety_code in confirmation
    assert group.pinged(request_id) == [301]
    ping = group.telegram.last_to(301).text
    for secret in (NAME, PHONE, ADDRESS):
        assert secret not in ping


async def test_the_volunteer_gets_the_phone_number_and_the_coordinator_the_news(
    group: Group,
) -> None:
    await group.ready((301, NEAR, "Alice"), requester=None)
    request_id = await _take_a_call(group)
    group.telegram.clear()

    await group.press(301, f"v1:accept:{request_id}", name="Alice")
    details = [c for c in group.telegram.sent_to(301) if ADDRESS in c.text]
    assert len(details) == 1
    assert PHONE in details[0].text
    assert NAME in details[0].text
    assert details[0].params.get("protect_content") is True
    # The news itself (Alice's first task is also flagged to the coordinators).
    news = next(t for t in group.telegram.texts_to(COORDINATOR) if "going to help" in t)
    assert f"For {NAME}" in news
    assert PHONE in news
    assert "Alice" in news
    assert "safety code" in news
    # /mytasks shows the volunteer the same details.
    await group.say(301, "/mytasks", name="Alice")
    assert PHONE in group.telegram.last_to(301).text

    await group.press(301, f"v1:done:{request_id}", name="Alice")
    done = group.telegram.last_to(COORDINATOR)
    assert f"For {NAME}" in done.text
    assert "marked request" in done.text
    assert done.buttons == [f"v1:fb:{request_id}:yes", f"v1:fb:{request_id}:no"]
    await group.press(COORDINATOR, f"v1:fb:{request_id}:no", name="Cora")
    assert (await group.stored(request_id)).feedback == "no"
    assert any("did not get the help" in t for t in group.telegram.texts_to(COORDINATOR))


async def test_when_the_volunteer_hands_it_back_the_coordinator_hears(group: Group) -> None:
    await group.ready((301, NEAR, "Alice"), requester=None)
    request_id = await _take_a_call(group)
    await group.press(301, f"v1:accept:{request_id}", name="Alice")
    group.telegram.clear()
    await group.press(301, f"v1:release:{request_id}", name="Alice")
    await group.press(301, f"v1:release:{request_id}:yes", name="Alice")
    news = [t for t in group.telegram.texts_to(COORDINATOR) if f"For {NAME}" in t]
    assert len(news) == 1
    assert "can't help" in news[0]


async def test_an_expired_phone_request_is_told_to_its_coordinator_without_ask_again(
    group: Group,
) -> None:
    await group.ready((301, NEAR, "Alice"), requester=None)
    request_id = await _take_a_call(group)
    group.telegram.clear()
    await group.fire("expire")
    assert (await group.stored(request_id)).status == "expired"
    told = group.telegram.last_to(COORDINATOR)
    assert f"For {NAME}" in told.text
    assert told.buttons == []


async def test_open_shows_who_a_phone_request_is_for(group: Group) -> None:
    await group.ready((301, NEAR, "Alice"), requester=None)
    request_id = await _take_a_call(group)
    await group.say(COORDINATOR, "/open", name="Cora")
    entry = group.telegram.last_to(COORDINATOR).text
    assert f"#{request_id}" in entry
    assert f"by phone for {NAME}" in entry


async def test_only_coordinators_take_phone_requests(group: Group) -> None:
    await group.ready((301, NEAR, "Alice"), requester=None)
    await group.consent(REQUESTER, name="Rita")
    await group.say(REQUESTER, "/onbehalf", name="Rita")
    assert "Only coordinators" in group.telegram.last_to(REQUESTER).text
    await group.say(REQUESTER, NAME, name="Rita")
    assert "Only coordinators" not in group.telegram.last_to(REQUESTER).text
    rows = await group.app.storage.db.fetchall("SELECT * FROM requests")
    assert rows == []


async def test_cancel_leaves_nothing_behind(group: Group) -> None:
    await group.ready((301, NEAR, "Alice"), requester=None)
    await group.say(COORDINATOR, "/onbehalf", name="Cora")
    await group.say(COORDINATOR, NAME, name="Cora")
    await group.say(COORDINATOR, PHONE, name="Cora")
    await group.say(COORDINATOR, "/cancel", name="Cora")
    drafts = await group.app.storage.db.fetchall("SELECT data FROM user_data")
    assert not any(PHONE in row["data"] for row in drafts)
    assert await group.app.storage.db.fetchall("SELECT * FROM requests") == []
