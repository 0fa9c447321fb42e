"""The event bus over an outbox in memory (tests/support/fakes.py): what it does when
another process holds an event it would deliver. End to end: test_events.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bot.domain.events import Claim, RequestDone, StoredEvent
from bot.services import events
from bot.services.events import EventBus
from tests.support.fakes import Clock, FakeOutbox


class HeldOnce(FakeOutbox):
    """An outbox whose first claim finds another process delivering the event (a
    takeover): that process then dies holding it, and nothing new is recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.held = True

    @asynccontextmanager
    async def claim(self, stored: StoredEvent, lane: str) -> AsyncIterator[Claim]:
        if self.held:
            self.held = False
            yield Claim(elsewhere=True)
            return
        async with super().claim(stored, lane) as claim:
            yield claim


async def test_an_event_another_process_held_is_delivered_when_it_lets_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(events, "ELSEWHERE_RETRY_S", 0.01)
    outbox = HeldOnce()
    bus = EventBus(outbox, Clock())
    heard: list[int] = []

    async def tell(event: RequestDone, _id: int) -> None:
        heard.append(event.request_id)

    bus.on(RequestDone, "tell", tell)
    await bus.record(RequestDone(7, 301))
    assert heard == []  # held elsewhere: not this process's to hand on now

    for _ in range(100):
        if heard:
            break
        await asyncio.sleep(0.01)
    assert heard == [7]  # looked again by itself, once
    assert outbox.waiting == []
    await bus.stop()
