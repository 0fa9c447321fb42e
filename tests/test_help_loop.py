"""The help loop through the real application: ask -> ping -> take -> done."""

from __future__ import annotations

from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group


async def test_request_pings_nearby_volunteer_who_takes_it_and_finishes(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.volunteer(301, NEAR, name="Alice")
    await group.consent(REQUESTER, name="Rita")

    request_id = await group.ask()

    assert group.pinged(request_id) == [301]
    ping = group.telegram.last_to(301)
    assert "Milk and bread please" in ping.text
    assert "Acacia" not in ping.text

    group.telegram.clear()
    await group.press(301, f"v1:accept:{request_id}", name="Alice")

    details = [c for c in group.telegram.sent_to(301) if "Acacia" in c.text]
    assert len(details) == 1
    assert details[0].params.get("protect_content") is True
    assert any("Alice" in t for t in group.telegram.texts_to(REQUESTER))

    await group.press(301, f"v1:done:{request_id}", name="Alice")
    stored = await group.stored(request_id)
    assert stored.status == "done"
    assert any("done" in t for t in group.telegram.texts_to(REQUESTER))
