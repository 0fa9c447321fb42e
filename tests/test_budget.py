"""Telegram's limit, shared: one budget for everything the bot says, conversations first
and broadcasts with what they leave."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.services.budget import SendBudget
from bot.telegram.app import build_application
from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group, make_settings
from tests.support.telegram import FakeTelegram


async def test_a_ping_waiting_goes_before_a_broadcast_message_waiting() -> None:
    now = [0.0]
    budget = SendBudget(rate=200, reserve=5, clock=lambda: now[0])
    for _ in range(200):  # a second's worth at once: the bucket is full
        await budget.urgent()
    order: list[str] = []

    async def broadcast() -> None:
        await budget.spare()
        order.append("broadcast")

    async def ping() -> None:
        await budget.urgent()
        order.append("ping")

    # The broadcast message was waiting first; the ping still goes first.
    waiting = asyncio.create_task(broadcast())
    await asyncio.sleep(0)
    pinging = asyncio.create_task(ping())
    await asyncio.sleep(0)
    now[0] += 1.0  # a second later there is room for both
    await asyncio.wait_for(asyncio.gather(pinging, waiting), 5)
    assert order == ["ping", "broadcast"]


async def test_a_broadcast_leaves_room_for_the_next_press() -> None:
    now = [0.0]
    budget = SendBudget(rate=100, reserve=5, clock=lambda: now[0])
    for _ in range(95):  # the broadcast's share of the bucket
        await budget.spare()
    broadcast = asyncio.create_task(budget.spare())
    for _ in range(5):  # the reserve: presses answered at once, with no time passing
        await asyncio.wait_for(budget.urgent(), 1)
    await asyncio.sleep(0.05)
    assert not broadcast.done()  # no room for it until the bucket drains
    now[0] += 0.1
    await asyncio.wait_for(broadcast, 5)


class Counting(SendBudget):
    """The real budget, counting who drew on it."""

    def __init__(self) -> None:
        super().__init__()
        self.urgent_sends = 0
        self.broadcast_sends = 0

    async def urgent(self) -> None:
        self.urgent_sends += 1
        await super().urgent()

    async def spare(self) -> None:
        self.broadcast_sends += 1
        await super().spare()


async def test_pings_and_broadcasts_draw_on_the_same_budget(tmp_path: Path) -> None:
    budget = Counting()
    telegram = FakeTelegram()
    app = build_application(make_settings(tmp_path), request=telegram, budget=budget)
    async with app:
        group = Group(app, telegram)
        await group.consent(COORDINATOR, name="Cora")
        await group.consent(REQUESTER, name="Rita")
        for volunteer in (301, 302, 303):
            await group.enrol(volunteer, NEAR, name=f"V{volunteer}")
        before = budget.urgent_sends
        request_id = await group.ask(name="Rita")
        assert len(group.pinged(request_id)) == 3
        # Every message of the conversation, the three pings among them.
        sent = [c for c in telegram.calls if c.method == "sendMessage"]
        assert budget.urgent_sends - before >= len(sent) - 1  # the /start one was before
        assert budget.broadcast_sends == 0

        await group.say(COORDINATOR, "/broadcast", name="Cora")
        await group.say(COORDINATOR, "Street party on Saturday", name="Cora")
        await group.press(COORDINATOR, "v1:audience:volunteers", name="Cora")
        send = next(
            b for b in telegram.last_to(COORDINATOR).buttons if b.startswith("v1:bcast:send:")
        )
        await group.press(COORDINATOR, send, name="Cora")
        await app.services.broadcaster.idle()
        assert budget.broadcast_sends == 3  # one for each volunteer, none outside it
