"""A request's life after the pings: taking it, declining, handing back, finishing,
cancelling; and who is told what at each step."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from tests.conftest import COORDINATOR, FAR, MIDDLE, NEAR, REQUESTER, Group

ADDRESS = "12 Acacia Avenue, ring twice"
OpenGroup = Callable[..., AbstractAsyncContextManager[Group]]


async def test_fifty_volunteers_accept_at_once_and_exactly_one_wins(open_group: OpenGroup) -> None:
    async with open_group(WAVE_SIZE="60") as group:
        volunteers = list(range(1001, 1051))
        await group.ready()
        for v in volunteers:
            await group.enrol(v, NEAR, name=f"V{v}")
        request_id = await group.ask()
        assert sorted(group.pinged(request_id)) == volunteers
        group.telegram.clear()

        presses = [
            group.people.press(v, f"v1:accept:{request_id}", name=f"V{v}") for v in volunteers
        ]
        await asyncio.gather(*(group.app.process_update(p) for p in presses))

        stored = await group.stored(request_id)
        assert stored.status == "claimed"
        winner = stored.volunteer_id
        answers = group.telegram.answers()
        assert len(answers) == 50
        refusals = [a for a in answers if "someone else" in str(a.params.get("text"))]
        assert len(refusals) == 49
        got_address = {c.chat_id for c in group.telegram.calls if ADDRESS in c.text}
        assert got_address == {winner}
        claims = await group.app.storage.db.fetchall(
            "SELECT * FROM audit WHERE request_id = ? AND action = 'open->claimed'",
            (request_id,),
        )
        assert len(claims) == 1


async def test_the_address_reaches_only_the_volunteer_who_took_it(group: Group) -> None:
    await group.ready((301, NEAR), (302, MIDDLE), (303, FAR))
    request_id = await group.ask(address=ADDRESS)
    await group.press(302, f"v1:accept:{request_id}", name="V302")
    await group.press(301, f"v1:accept:{request_id}", name="V301")  # too late
    await group.say(302, "/mytasks", name="V302")
    await group.press(302, f"v1:done:{request_id}", name="V302")

    # The requester sees their own address once, in the summary they confirm.
    holders = {c.chat_id for c in group.telegram.calls if "Acacia" in c.text}
    assert holders == {REQUESTER, 302}
    for call in group.telegram.calls:
        if "Acacia" in call.text and call.chat_id == 302:
            assert call.params.get("protect_content") is True


async def test_taking_a_request_edits_the_other_pings_and_tells_the_requester(
    group: Group,
) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    request_id = await group.ask()
    group.telegram.clear()
    await group.press(301, f"v1:accept:{request_id}", name="V301")

    edits = group.telegram.sent_to(302, "editMessageText")
    assert any("taken by another volunteer" in e.text for e in edits)
    told = group.telegram.texts_to(REQUESTER)
    assert any("V301" in t and "safety code" in t for t in told)


async def test_a_second_accept_from_the_winner_changes_nothing(group: Group) -> None:
    await group.ready((301, NEAR))
    request_id = await group.ask()
    await group.press(301, f"v1:accept:{request_id}", name="V301")
    group.telegram.clear()
    await group.press(301, f"v1:accept:{request_id}", name="V301")
    assert group.telegram.sent_to(301) == []
    assert "already" in str(group.telegram.answers()[-1].params.get("text"))


async def test_a_forged_accept_from_someone_not_pinged_is_refused(group: Group) -> None:
    await group.ready((301, NEAR), (302, FAR))
    await group.app.storage.db.execute("UPDATE volunteers SET radius_km = 1 WHERE user_id = 302")
    request_id = await group.ask()
    await group.press(302, f"v1:accept:{request_id}", name="V302")
    await group.press(REQUESTER, f"v1:accept:{request_id}", name="Rita")
    stored = await group.stored(request_id)
    assert stored.status == "open"
    assert not [c for c in group.telegram.calls if "Acacia" in c.text and c.chat_id != REQUESTER]


async def test_when_everyone_asked_declines_the_next_wave_is_pinged(
    open_group: OpenGroup,
) -> None:
    async with open_group(WAVE_SIZE="1") as group:
        await group.ready((301, NEAR), (302, MIDDLE))
        request_id = await group.ask()
        assert group.pinged(request_id) == [301]
        await group.press(301, f"v1:decline:{request_id}", name="V301")
        assert group.pinged(request_id) == [301, 302]
        await group.press(302, f"v1:decline:{request_id}", name="V302")
        assert group.pinged(request_id) == [301, 302]
        assert any("nobody left" in t for t in group.telegram.texts_to(COORDINATOR))


async def test_handing_back_tells_the_requester_and_asks_others(group: Group) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    request_id = await group.ask()
    await group.press(301, f"v1:accept:{request_id}", name="V301")
    group.telegram.clear()
    await group.press(301, f"v1:release:{request_id}", name="V301")
    await group.press(301, f"v1:release:{request_id}:yes", name="V301")

    stored = await group.stored(request_id)
    assert stored.status == "open"
    assert stored.volunteer_id is None
    assert any("can't help" in t for t in group.telegram.texts_to(REQUESTER))
    assert group.pinged(request_id) == [302]
    await group.press(302, f"v1:accept:{request_id}", name="V302")
    stored = await group.stored(request_id)
    assert stored.volunteer_id == 302


async def test_only_the_holder_can_finish_or_hand_back(group: Group) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    request_id = await group.ask()
    await group.press(301, f"v1:accept:{request_id}", name="V301")
    await group.press(302, f"v1:done:{request_id}", name="V302")
    await group.press(302, f"v1:release:{request_id}", name="V302")
    await group.press(302, f"v1:release:{request_id}:yes", name="V302")
    stored = await group.stored(request_id)
    assert stored.status == "claimed"
    assert stored.volunteer_id == 301


async def test_requester_cancels_a_taken_request_and_the_volunteer_is_told(group: Group) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    request_id = await group.ask()
    await group.press(301, f"v1:accept:{request_id}", name="V301")
    await group.say(REQUESTER, "/myrequests", name="Rita")
    assert f"v1:cancelreq:{request_id}" in group.telegram.last_to(REQUESTER).buttons
    group.telegram.clear()
    await group.press(REQUESTER, f"v1:cancelreq:{request_id}", name="Rita")
    asked = group.telegram.calls_of("editMessageText")[-1]
    assert "A volunteer is already on it" in asked.text
    assert asked.buttons == [f"v1:cancelreq:{request_id}:yes", f"v1:cancelreq:{request_id}:no"]
    assert (await group.stored(request_id)).status == "claimed"
    await group.press(REQUESTER, f"v1:cancelreq:{request_id}:yes", name="Rita")

    stored = await group.stored(request_id)
    assert stored.status == "cancelled"
    assert any("cancelled" in t for t in group.telegram.texts_to(301))
    await group.press(301, f"v1:done:{request_id}", name="V301")
    stored = await group.stored(request_id)
    assert stored.status == "cancelled"


async def test_someone_else_cannot_cancel_my_request(group: Group) -> None:
    await group.ready((301, NEAR))
    request_id = await group.ask()
    await group.press(301, f"v1:cancelreq:{request_id}", name="V301")
    stored = await group.stored(request_id)
    assert stored.status == "open"


async def test_a_volunteer_who_blocked_the_bot_is_marked_and_skipped(group: Group) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    group.telegram.blocked.add(301)
    first = await group.ask()
    assert group.pinged(first) == [302]
    user = await group.app.storage.users.get(301)
    assert user is not None
    assert user.blocked_at is not None
    group.telegram.blocked.clear()
    second = await group.ask()
    assert group.pinged(second) == [302]
