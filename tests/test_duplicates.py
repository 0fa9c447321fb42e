"""Telegram may deliver an update twice (same update_id): it has its effect once."""

from __future__ import annotations

import asyncio

from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group


async def _twice(group: Group, update: object, *, at_once: bool = False) -> None:
    if at_once:
        await asyncio.gather(group.app.process_update(update), group.app.process_update(update))
    else:
        await group.app.process_update(update)
        await group.app.process_update(update)


async def test_a_confirmation_delivered_twice_makes_one_request(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.enrol(301, NEAR, name="Alice")
    await group.consent(REQUESTER)
    await group.say(REQUESTER, "/request")
    await group.press(REQUESTER, "v1:cat:groceries")
    described = group.people.text(REQUESTER, "Milk please")
    await _twice(group, described)  # the second copy must not answer the "when?" step
    await group.press(REQUESTER, "v1:when:asap")
    await group.share(REQUESTER, *NEAR)
    await group.say(REQUESTER, "1 High St")
    confirm = group.people.press(REQUESTER, "v1:confirm:yes")
    await _twice(group, confirm)
    assert len(await group.app.storage.requests.by_requester(REQUESTER)) == 1
    assert len(group.telegram.answers()) == len(
        [c for c in group.telegram.calls if c.method == "answerCallbackQuery"]
    )
    assert len([t for t in group.telegram.texts_to(301) if "Can you help" in t]) == 1


async def test_an_accept_delivered_twice_at_once_hands_over_once(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.enrol(301, NEAR, name="Alice")
    await group.consent(REQUESTER)
    request_id = await group.ask()
    group.telegram.clear()
    accept = group.people.press(301, f"v1:accept:{request_id}", name="Alice")
    await _twice(group, accept, at_once=True)
    assert len([c for c in group.telegram.sent_to(301) if "Acacia" in c.text]) == 1
    assert len(group.telegram.answers()) == 1
    assert len([t for t in group.telegram.texts_to(REQUESTER) if "Alice" in t]) == 1


async def test_an_update_seen_before_a_restart_is_not_handled_after_it(
    group: Group,
) -> None:
    await group.consent(REQUESTER)
    start = group.people.text(REQUESTER, "/help")
    await group.app.process_update(start)
    await group.app.update_persistence()
    group.telegram.clear()
    # The handled ids live in the database, so another process would skip it too.
    assert await group.app.storage.handled.seen(start.update_id)
    await group.app.process_update(start)
    assert group.telegram.sent_to(REQUESTER) == []
