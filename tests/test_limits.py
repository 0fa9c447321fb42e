"""Limits against one account flooding the volunteers: at most MAX_OPEN_REQUESTS open at
once and MAX_REQUESTS_PER_DAY in any 24 hours, told kindly at the start of /request (and
at the confirmation if reached meanwhile). A coordinator's /onbehalf is not limited."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from bot.domain.models import Category, NewRequest, When
from tests.conftest import COORDINATOR, HOME, MIDDLE, NEAR, REQUESTER, Group
from tests.test_intake import _take_a_call

VOLUNTEERS = {301: NEAR, 302: MIDDLE, 303: NEAR}


async def _flood(group: Group, attempts: int, cancel_each: bool = False) -> list[int]:
    """One account asking again and again; the ids of the requests that were saved."""
    saved = []
    for _ in range(attempts):
        await group.say(REQUESTER, "/request", name="Rita")
        if "v1:cat:groceries" not in group.telegram.last_to(REQUESTER).buttons:
            continue  # refused at the start: nothing more to type
        request_id = await group.ask(name="Rita")
        saved.append(request_id)
        if cancel_each:
            await group.press(REQUESTER, f"v1:cancelreq:{request_id}", name="Rita")
    return saved


def _pings(group: Group) -> Counter[int]:
    return Counter(
        c.chat_id
        for c in group.telegram.calls_of("sendMessage")
        if any(b.startswith("v1:accept:") for b in c.buttons) and c.chat_id is not None
    )


async def test_sixty_requests_in_a_row_only_five_stay_open(group: Group) -> None:
    for user_id, where in VOLUNTEERS.items():
        await group.enrol(user_id, where)
    await group.consent(REQUESTER, name="Rita")

    saved = await _flood(group, 60)

    assert len(saved) == 5
    rows = await group.app.storage.db.fetchall("SELECT id FROM requests")
    assert len(rows) == 5
    assert _pings(group) == {301: 5, 302: 5, 303: 5}
    refusal = group.telegram.last_to(REQUESTER).text
    assert "You already have 5 requests open" in refusal
    assert "/myrequests" in refusal
    # Nothing to press: they were told before typing anything.
    assert group.telegram.last_to(REQUESTER).buttons == []


async def test_sixty_requests_in_a_day_only_ten_are_made(group: Group) -> None:
    for user_id, where in VOLUNTEERS.items():
        await group.enrol(user_id, where)
    await group.consent(REQUESTER, name="Rita")

    saved = await _flood(group, 60, cancel_each=True)

    assert len(saved) == 10
    assert _pings(group) == {301: 10, 302: 10, 303: 10}
    assert "asked for help 10 times in the last 24 hours" in (
        group.telegram.last_to(REQUESTER).text
    )


async def test_the_day_is_a_rolling_24_hours(
    open_group: Callable[..., AbstractAsyncContextManager[Group]],
) -> None:
    now = [1_800_000_000.0]
    async with open_group(MAX_REQUESTS_PER_DAY="2") as group:
        group.app.services.clock = lambda: now[0]
        group.app.services.desk.clock = lambda: now[0]
        await group.consent(REQUESTER, name="Rita")
        assert len(await _flood(group, 3, cancel_each=True)) == 2
        now[0] += 86400 + 1
        assert len(await _flood(group, 3, cancel_each=True)) == 2


async def test_a_limit_reached_meanwhile_is_told_at_the_confirmation(
    open_group: Callable[..., AbstractAsyncContextManager[Group]],
) -> None:
    async with open_group(MAX_OPEN_REQUESTS="1") as group:
        await group.enrol(301, NEAR)
        await group.consent(REQUESTER, name="Rita")
        await group.say(REQUESTER, "/request", name="Rita")
        await group.press(REQUESTER, "v1:cat:groceries", name="Rita")
        await group.say(REQUESTER, "Milk and bread please", name="Rita")
        await group.press(REQUESTER, "v1:when:asap", name="Rita")
        await group.share(REQUESTER, *HOME, name="Rita")
        await group.say(REQUESTER, "12 Acacia Avenue", name="Rita")
        # Meanwhile another request of theirs is opened (e.g. a repeating one's next).
        services, storage = group.app.services, group.app.storage
        another = NewRequest(
            requester_id=REQUESTER,
            category=Category.GROCERIES,
            description="Weekly shop",
            address="12 Acacia Avenue",
            lat=HOME[0],
            lon=HOME[1],
            when=When.ASAP,
            due_at=None,
            safety_code="1234",
        )
        await storage.requests.create(another, services.clock())
        group.telegram.clear()
        await group.press(REQUESTER, "v1:confirm:yes", name="Rita")

        rows = await storage.db.fetchall("SELECT id FROM requests")
        assert len(rows) == 1
        told = group.telegram.last_to(REQUESTER).text
        assert "I haven't sent this request." in told
        assert "You already have 1 request open" in told
        assert _pings(group) == {}
        assert "request" not in group.app.user_data.get(REQUESTER, {})  # no draft kept


async def test_a_coordinators_phone_requests_are_not_limited(
    open_group: Callable[..., AbstractAsyncContextManager[Group]],
) -> None:
    async with open_group(MAX_OPEN_REQUESTS="1", MAX_REQUESTS_PER_DAY="1") as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.volunteer(301, NEAR, name="Alice")
        saved = [await _take_a_call(group) for _ in range(3)]
        assert len(set(saved)) == 3
        assert _pings(group)[301] == 3
