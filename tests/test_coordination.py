"""Coordinators' tools: who coordinates, volunteers' cards (ID/DBS checks, pausing,
removing, recent tasks), /open and handing a request to a named volunteer."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from tests.conftest import COORDINATOR, FAR, MIDDLE, NEAR, REQUESTER, Group

OpenGroup = Callable[..., AbstractAsyncContextManager[Group]]
HELPER = 201  # someone who started the bot and becomes a coordinator


async def _audit(group: Group, action: str) -> list[tuple[int | None, int | None]]:
    rows = await group.app.storage.db.fetchall(
        "SELECT actor_id, subject_id FROM audit WHERE action = ? ORDER BY id", (action,)
    )
    return [(row["actor_id"], row["subject_id"]) for row in rows]


def _menus_for(group: Group, user_id: int, method: str) -> list[list[str]]:
    return [
        [c["command"] for c in call.params.get("commands", [])]
        for call in group.telegram.calls_of(method)
        if call.params["scope"].get("chat_id") == user_id
    ]


# --- roles -----------------------------------------------------------------------------


async def test_a_coordinator_makes_someone_a_coordinator_and_their_menu_follows(
    group: Group,
) -> None:
    await group.ready()
    await group.consent(HELPER, name="Hana")
    assert not await group.app.services.coordinators.is_coordinator(HELPER)

    await group.say(COORDINATOR, f"/coordinators {HELPER}", name="Cora")
    offer = group.telegram.last_to(COORDINATOR)
    assert "Hana" in offer.text
    assert offer.buttons == [f"v1:coord:{HELPER}:add"]
    await group.press(COORDINATOR, f"v1:coord:{HELPER}:add", name="Cora")

    assert await group.app.services.coordinators.is_coordinator(HELPER)
    assert any("now a coordinator" in t for t in group.telegram.texts_to(HELPER))
    menus = _menus_for(group, HELPER, "setMyCommands")
    assert menus
    assert {"pending", "open", "onbehalf", "stats", "export"} <= set(menus[-1])
    assert await _audit(group, "coordinator:appointed") == [(COORDINATOR, HELPER)]
    # The new coordinator can do coordinators' things at once.
    await group.say(HELPER, "/pending", name="Hana")
    assert "Nobody is waiting" in group.telegram.last_to(HELPER).text


async def test_a_coordinator_is_removed_and_loses_the_menu(group: Group) -> None:
    await group.ready()
    await group.consent(HELPER, name="Hana")
    await group.press(COORDINATOR, f"v1:coord:{HELPER}:add", name="Cora")
    await group.say(COORDINATOR, "/coordinators", name="Cora")
    listing = group.telegram.last_to(COORDINATOR)
    assert "Cora" in listing.text
    assert "Hana" in listing.text
    assert f"v1:coord:{HELPER}:remove" in listing.buttons

    await group.press(COORDINATOR, f"v1:coord:{HELPER}:remove", name="Cora")
    asked = group.telegram.calls_of("editMessageText")[-1]
    assert "Stop Hana being a coordinator?" in asked.text
    assert asked.buttons == [f"v1:coord:{HELPER}:dismiss", f"v1:coord:{HELPER}:keep"]
    assert await group.app.services.coordinators.is_coordinator(HELPER)
    await group.press(COORDINATOR, f"v1:coord:{HELPER}:dismiss", name="Cora")
    assert not await group.app.services.coordinators.is_coordinator(HELPER)
    assert _menus_for(group, HELPER, "deleteMyCommands") == [[]]
    assert any("no longer a coordinator" in t for t in group.telegram.texts_to(HELPER))
    await group.say(HELPER, "/open", name="Hana")
    assert "Only coordinators" in group.telegram.last_to(HELPER).text


async def test_the_last_coordinator_can_never_be_removed(group: Group) -> None:
    await group.ready()
    await group.press(COORDINATOR, f"v1:coord:{COORDINATOR}:dismiss", name="Cora")
    assert "last coordinator" in str(group.telegram.answers()[-1].params.get("text"))
    assert await group.app.services.coordinators.is_coordinator(COORDINATOR)

    # With a second coordinator, even one from ADMIN_IDS can be removed, and stays removed;
    # then the second is the last one.
    await group.consent(HELPER, name="Hana")
    await group.press(COORDINATOR, f"v1:coord:{HELPER}:add", name="Cora")
    await group.press(HELPER, f"v1:coord:{COORDINATOR}:remove", name="Hana")
    await group.press(HELPER, f"v1:coord:{COORDINATOR}:dismiss", name="Hana")
    assert not await group.app.services.coordinators.is_coordinator(COORDINATOR)
    assert [uid for uid, _ in await group.app.services.coordinators.recipients()] == [HELPER]
    await group.press(HELPER, f"v1:coord:{HELPER}:remove", name="Hana")
    await group.press(HELPER, f"v1:coord:{HELPER}:dismiss", name="Hana")
    assert "last coordinator" in str(group.telegram.answers()[-1].params.get("text"))
    assert await group.app.services.coordinators.is_coordinator(HELPER)
    assert await _audit(group, "coordinator:removed") == [(HELPER, COORDINATOR)]


async def test_only_someone_who_started_the_bot_can_be_made_a_coordinator(group: Group) -> None:
    await group.ready()
    await group.say(COORDINATOR, "/coordinators 424242", name="Cora")
    assert "start the bot" in group.telegram.last_to(COORDINATOR).text
    await group.press(COORDINATOR, "v1:coord:424242:add", name="Cora")
    assert not await group.app.services.coordinators.is_coordinator(424242)
    await group.say(COORDINATOR, "/coordinators Hana", name="Cora")
    assert "user id" in group.telegram.last_to(COORDINATOR).text


# --- volunteers ------------------------------------------------------------------------


async def test_a_dbs_checked_volunteer_then_gets_prescription_requests(group: Group) -> None:
    await group.ready((301, NEAR), categories=("prescription",))
    first = await group.ask(category="prescription", description="Collect my prescription")
    assert group.pinged(first) == []

    await group.say(COORDINATOR, "/volunteers", name="Cora")
    listing = group.telegram.last_to(COORDINATOR)
    assert "v1:vol:301" in listing.buttons
    await group.press(COORDINATOR, "v1:vol:301", name="Cora")
    card = group.telegram.last_to(COORDINATOR)
    assert "not ID/DBS-checked" in card.text
    assert "v1:vcheck:301:1" in card.buttons
    await group.press(COORDINATOR, "v1:vcheck:301:1", name="Cora")

    volunteer = await group.app.storage.volunteers.get(301)
    assert volunteer is not None
    assert volunteer.dbs_checked
    assert any("ID check" in t for t in group.telegram.texts_to(301))
    assert await _audit(group, "volunteer:checked") == [(COORDINATOR, 301)]
    edited = group.telegram.calls_of("editMessageText")[-1]
    assert "v1:vcheck:301:0" in edited.buttons
    second = await group.ask(category="prescription", description="Collect my prescription")
    assert group.pinged(second) == [301]


async def test_a_held_volunteer_gets_nothing_until_the_hold_is_lifted(group: Group) -> None:
    await group.ready((301, NEAR))
    await group.press(COORDINATOR, "v1:vhold:301:1", name="Cora")
    assert "Why are you putting V301 on hold?" in group.telegram.last_to(COORDINATOR).text
    await group.say(COORDINATOR, "Checking a concern", name="Cora")
    volunteer = await group.app.storage.volunteers.get(301)
    assert volunteer is not None
    assert volunteer.held
    assert any("on hold" in t for t in group.telegram.texts_to(301))
    assert group.pinged(await group.ask()) == []
    await group.press(COORDINATOR, "v1:vhold:301:1", name="Cora")  # twice: nothing more
    assert await _audit(group, "volunteer:paused") == [(COORDINATOR, 301)]

    await group.press(COORDINATOR, "v1:vhold:301:0", name="Cora")
    assert group.pinged(await group.ask()) == [301]


async def test_a_removed_volunteer_hands_back_their_task_and_gets_nothing_more(
    group: Group,
) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    request_id = await group.ask()
    await group.press(301, f"v1:accept:{request_id}", name="V301")
    group.telegram.clear()

    await group.press(COORDINATOR, "v1:vremove:301", name="Cora")
    asked = group.telegram.calls_of("editMessageText")[-1]
    assert "Remove V301" in asked.text
    assert asked.buttons == ["v1:vremove:301:yes", "v1:vol:301:here"]
    assert await group.app.storage.volunteers.get(301) is not None
    await group.press(COORDINATOR, "v1:vremove:301:yes", name="Cora")

    assert await group.app.storage.volunteers.get(301) is None
    stored = await group.stored(request_id)
    assert stored.status == "open"
    assert any("can't help" in t for t in group.telegram.texts_to(REQUESTER))
    assert group.pinged(request_id) == [302]
    assert any("taken you off" in t for t in group.telegram.texts_to(301))
    assert await _audit(group, "volunteer:removed") == [(COORDINATOR, 301)]
    later = await group.ask()
    assert 301 not in group.pinged(later)
    await group.press(301, f"v1:accept:{later}", name="V301")
    assert (await group.stored(later)).status == "open"


async def test_a_volunteers_card_shows_their_recent_tasks(group: Group) -> None:
    await group.ready((301, NEAR))
    finished = await group.ask(description="Milk please")
    await group.press(301, f"v1:accept:{finished}", name="V301")
    await group.press(301, f"v1:done:{finished}", name="V301")
    handed_back = await group.ask(category="groceries", description="Bread please")
    await group.press(301, f"v1:accept:{handed_back}", name="V301")
    await group.press(301, f"v1:release:{handed_back}", name="V301")
    await group.press(301, f"v1:release:{handed_back}:yes", name="V301")

    await group.press(COORDINATOR, "v1:vol:301", name="Cora")
    card = group.telegram.last_to(COORDINATOR).text
    assert "Recent tasks" in card
    lines = card.splitlines()
    done_line = next(line for line in lines if f"#{finished} " in line)
    back_line = next(line for line in lines if f"#{handed_back} " in line)
    assert done_line.endswith("done")
    assert back_line.endswith("handed back")
    assert lines.index(back_line) < lines.index(done_line)  # the latest first


async def test_volunteers_can_be_found_by_name(group: Group) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    await group.say(COORDINATOR, "/volunteers v302", name="Cora")
    assert group.telegram.last_to(COORDINATOR).buttons == ["v1:vol:302"]
    await group.say(COORDINATOR, "/volunteers 100%", name="Cora")
    assert "Nobody" in group.telegram.last_to(COORDINATOR).text


# --- /open and handing a request over ----------------------------------------------------


async def test_open_lists_open_and_overdue_requests_oldest_first_with_buttons(
    group: Group,
) -> None:
    await group.ready((301, NEAR))
    oldest = await group.ask(description="First one")
    taken = await group.ask(description="Taken, not overdue")
    overdue = await group.ask(description="Taken and overdue")
    newest = await group.ask(description="Last one")
    await group.press(301, f"v1:accept:{taken}", name="V301")
    await group.press(301, f"v1:accept:{overdue}", name="V301")
    db = group.app.storage.db
    await db.execute("UPDATE requests SET due_at = created_at - 60 WHERE id = ?", (overdue,))
    # Oldest first by when they were asked, whatever their number.
    await db.execute("UPDATE requests SET created_at = created_at - 600 WHERE id = ?", (newest,))
    group.telegram.clear()

    await group.say(COORDINATOR, "/open", name="Cora")
    sent = group.telegram.sent_to(COORDINATOR)
    assert "3 requests need a look" in sent[0].text
    entries = sent[1:]
    assert [e.text.split("</b>")[0] for e in entries] == [
        f"<b>#{newest}",
        f"<b>#{oldest}",
        f"<b>#{overdue}",
    ]
    assert entries[0].buttons == [
        f"v1:pingall:{newest}",
        f"v1:assign:{newest}",
        f"v1:close:{newest}",
    ]
    assert "Overdue" in entries[2].text
    assert "V301" in entries[2].text
    assert entries[2].buttons == [f"v1:close:{overdue}"]

    await group.press(COORDINATOR, f"v1:close:{overdue}", name="Cora")
    assert (await group.stored(overdue)).status == "cancelled"
    assert any("cancelled" in t for t in group.telegram.texts_to(301))


async def test_open_with_nothing_waiting_says_so(group: Group) -> None:
    await group.ready()
    await group.say(COORDINATOR, "/open", name="Cora")
    assert "Nothing is waiting" in group.telegram.last_to(COORDINATOR).text


async def test_a_request_is_handed_to_a_named_volunteer(open_group: OpenGroup) -> None:
    async with open_group(WAVE_SIZE="1") as group:
        await group.ready((301, NEAR), (302, MIDDLE), (303, FAR))
        request_id = await group.ask(address="12 Acacia Avenue")
        assert group.pinged(request_id) == [301]
        group.telegram.clear()

        await group.press(COORDINATOR, f"v1:assign:{request_id}", name="Cora")
        choices = group.telegram.last_to(COORDINATOR)
        assert choices.buttons == [
            f"v1:assign:{request_id}:301",
            f"v1:assign:{request_id}:302",
            f"v1:assign:{request_id}:303",
            f"v1:assign:{request_id}:any",  # someone else, past the usual filter
        ]
        await group.press(COORDINATOR, f"v1:assign:{request_id}:303", name="Cora")

        stored = await group.stored(request_id)
        assert stored.status == "claimed"
        assert stored.volunteer_id == 303
        details = [c for c in group.telegram.sent_to(303) if "Acacia" in c.text]
        assert len(details) == 1
        assert details[0].params.get("protect_content") is True
        handed = group.telegram.last_to(303)
        assert "handed request" in handed.text
        assert handed.buttons[1:3] == [f"v1:done:{request_id}", f"v1:release:{request_id}"]
        assert any("V303" in t for t in group.telegram.texts_to(REQUESTER))
        assert any(
            "taken by another" in c.text for c in group.telegram.sent_to(301, "editMessageText")
        )
        assert await _audit(group, "assigned") == [(COORDINATOR, None)]
        claims = await _audit(group, "open->claimed")
        assert claims == [(303, None)]
        # The one they handed it to can finish it like any task.
        await group.press(303, f"v1:done:{request_id}", name="V303")
        assert (await group.stored(request_id)).status == "done"

        # Too late for anyone else now.
        await group.press(COORDINATOR, f"v1:assign:{request_id}:302", name="Cora")
        assert (await group.stored(request_id)).volunteer_id == 303


async def test_a_prescription_is_never_handed_to_an_unchecked_volunteer(group: Group) -> None:
    await group.ready((301, NEAR), categories=("prescription",))
    request_id = await group.ask(category="prescription", description="Collect my pills")
    await group.press(COORDINATOR, f"v1:assign:{request_id}", name="Cora")
    assert "No approved volunteer" in str(group.telegram.answers()[-1].params.get("text"))
    await group.press(COORDINATOR, f"v1:assign:{request_id}:301", name="Cora")
    assert "ID/DBS-checked" in str(group.telegram.answers()[-1].params.get("text"))
    assert (await group.stored(request_id)).status == "open"
