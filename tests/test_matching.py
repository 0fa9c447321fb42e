"""Who gets pinged: approved, unpaused volunteers offering the category, within their
own radius, nearest first, a wave at a time."""

from __future__ import annotations

from tests.conftest import COORDINATOR, FAR, HOME, MIDDLE, NEAR, REQUESTER, Group


async def _neighbourhood(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.consent(REQUESTER, name="Rita")


async def test_only_eligible_volunteers_are_pinged_nearest_first(group: Group) -> None:
    await _neighbourhood(group)
    await group.volunteer(301, MIDDLE, name="Mid")  # 1 km, radius 5: yes
    await group.volunteer(302, NEAR, name="Near")  # 0.3 km: yes, first
    await group.volunteer(303, FAR, radius="2", name="Far")  # 3 km away, goes 2 km: no
    await group.volunteer(304, NEAR, categories=("dog_walking",), name="Dogs")  # no
    await group.sign_up(305, NEAR, name="Pending")  # never approved: no
    await group.volunteer(306, NEAR, name="Paused")
    await group.say(306, "/pause", name="Paused")

    request_id = await group.ask()

    # The wave is chosen nearest first; its pings then go out together (in any order).
    assert sorted(group.pinged(request_id)) == [301, 302]
    pings = await group.app.services.matchmaker.pinged_volunteers(request_id)
    assert pings == [302, 301]


async def test_a_volunteer_exactly_at_the_edge_of_their_radius_is_pinged(group: Group) -> None:
    await _neighbourhood(group)
    await group.volunteer(301, FAR, radius="3.5", name="Edge")
    request_id = await group.ask()
    assert group.pinged(request_id) == [301]


async def test_the_requester_is_never_pinged_about_their_own_request(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.volunteer(REQUESTER, NEAR, name="Rita")
    request_id = await group.ask(REQUESTER)
    assert group.pinged(request_id) == []


async def test_nobody_eligible_tells_requester_and_coordinators(group: Group) -> None:
    await _neighbourhood(group)
    group.telegram.clear()
    request_id = await group.ask()
    assert group.pinged(request_id) == []
    assert any("couldn't find a volunteer" in t for t in group.telegram.texts_to(REQUESTER))
    assert any(
        f"#{request_id}" in t and "nobody left" in t for t in group.telegram.texts_to(COORDINATOR)
    )


async def test_prescriptions_go_only_to_checked_volunteers(group: Group) -> None:
    await _neighbourhood(group)
    await group.volunteer(301, NEAR, categories=("prescription",), name="Unchecked")
    request_id = await group.ask(category="prescription")
    assert group.pinged(request_id) == []
    await group.app.storage.db.execute("UPDATE volunteers SET dbs_checked = 1")
    second = await group.ask(category="prescription")
    assert group.pinged(second) == [301]


async def test_phone_calls_ignore_distance(group: Group) -> None:
    await _neighbourhood(group)
    await group.volunteer(301, FAR, radius="0.5", categories=("phone_call",), name="Caller")
    request_id = await group.ask(category="phone_call", where=HOME)
    assert group.pinged(request_id) == [301]
