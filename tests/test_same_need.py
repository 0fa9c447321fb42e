"""Duplicate requests are linked, not lost: a requester with an open request of the same
kind is asked whether the new one is the same need (then it is added to the open one, and
its volunteer told) or a new one (saved, linked); coordinators see the link."""

from __future__ import annotations

from tests.conftest import COORDINATOR, HOME, NEAR, REQUESTER, Group


async def _first(group: Group) -> int:
    await group.consent(COORDINATOR, name="Cora")
    await group.enrol(301, NEAR, name="Alice")
    await group.consent(REQUESTER, name="Rita")
    return await group.ask(description="Milk and bread please")


async def test_the_same_need_is_added_to_the_open_request(group: Group) -> None:
    first = await _first(group)
    await group.say(REQUESTER, "/request")
    await group.press(REQUESTER, "v1:cat:groceries")
    question = group.telegram.last_to(REQUESTER)
    assert f"already have request #{first} open" in question.text
    assert question.buttons == [f"v1:dup:{first}:same", f"v1:dup:{first}:new"]
    await group.press(REQUESTER, f"v1:dup:{first}:same")
    await group.say(REQUESTER, "and a dozen eggs")
    assert f"Added to #{first}" in group.telegram.last_to(REQUESTER).text
    stored = await group.stored(first)
    assert stored.description == "Milk and bread please\n➕ and a dozen eggs"
    rows = await group.app.storage.db.fetchall("SELECT id FROM requests")
    assert [r["id"] for r in rows] == [first]  # no second request


async def test_the_volunteer_on_it_is_told_what_was_added(group: Group) -> None:
    first = await _first(group)
    await group.press(301, f"v1:accept:{first}", name="Alice")
    await group.say(REQUESTER, "/request")
    await group.press(REQUESTER, "v1:cat:groceries")
    await group.press(REQUESTER, f"v1:dup:{first}:same")
    await group.say(REQUESTER, "and a dozen eggs")
    told = group.telegram.last_to(301)
    assert f"#{first} added: “and a dozen eggs”" in told.text
    assert "told the volunteer" in group.telegram.last_to(REQUESTER).text


async def test_a_new_need_is_saved_linked_and_coordinators_see_the_link(group: Group) -> None:
    first = await _first(group)
    second = await group.ask(description="Cat food from the pet shop")  # answers "new"
    assert second != first
    assert (await group.stored(second)).linked_to == first
    await group.say(COORDINATOR, "/open", name="Cora")
    entries = [c.text for c in group.telegram.sent_to(COORDINATOR) if f"#{second}</b>" in c.text]
    assert f"also has #{first} open" in entries[-1]
    await group.say(COORDINATOR, f"/details {first}", name="Cora")
    assert (
        f"separate needs of the same kind: #{second}" in group.telegram.last_to(COORDINATOR).text
    )


async def test_coordinators_see_an_addition_in_open_and_details(group: Group) -> None:
    first = await _first(group)
    await group.say(REQUESTER, "/request")
    await group.press(REQUESTER, "v1:cat:groceries")
    await group.press(REQUESTER, f"v1:dup:{first}:same")
    await group.say(REQUESTER, "and a dozen eggs")
    await group.say(COORDINATOR, "/open", name="Cora")
    assert "Added to 1 time" in group.telegram.sent_to(COORDINATOR)[-1].text
    await group.say(COORDINATOR, f"/details {first}", name="Cora")
    assert "Added to by a second ask" in group.telegram.last_to(COORDINATOR).text


async def test_another_kind_is_not_asked_about(group: Group) -> None:
    await _first(group)
    await group.say(REQUESTER, "/request")
    await group.press(REQUESTER, "v1:cat:dog_walking")
    assert "In a sentence or two" in group.telegram.last_to(REQUESTER).text


async def test_adding_to_a_request_closed_meanwhile_loses_nothing_and_says_so(
    group: Group,
) -> None:
    first = await _first(group)
    await group.say(REQUESTER, "/request")
    await group.press(REQUESTER, "v1:cat:groceries")
    await group.press(REQUESTER, f"v1:dup:{first}:same")
    await group.app.services.desk.cancel(first, REQUESTER)
    await group.say(REQUESTER, "and a dozen eggs")
    assert "closed meanwhile" in group.telegram.last_to(REQUESTER).text
    assert "/request" in group.telegram.last_to(REQUESTER).text


async def test_a_second_phone_request_for_the_same_number_is_linked(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")

    async def by_phone(phone: str) -> None:
        for step in ("/onbehalf", "Edna", phone):
            await group.say(COORDINATOR, step, name="Cora")
        await group.press(COORDINATOR, "v1:cat:groceries", name="Cora")

    await by_phone("07700 900123")
    await group.say(COORDINATOR, "Milk please", name="Cora")
    await group.press(COORDINATOR, "v1:when:asap", name="Cora")
    await group.share(COORDINATOR, *HOME, name="Cora")
    await group.say(COORDINATOR, "3 Mill Lane", name="Cora")
    await group.press(COORDINATOR, "v1:confirm:yes", name="Cora")
    first = (await group.app.storage.db.fetchall("SELECT id FROM requests"))[0]["id"]
    await by_phone("07700900123")  # the same number, typed differently
    assert f"v1:dup:{first}:same" in group.telegram.last_to(COORDINATOR).buttons
    await group.press(COORDINATOR, f"v1:dup:{first}:same", name="Cora")
    await group.say(COORDINATOR, "and some bread", name="Cora")
    assert (await group.stored(first)).description == "Milk please\n➕ and some bread"
