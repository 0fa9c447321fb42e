"""Start-up after a crash in the middle of a wave: a ping recorded but never sent (the
bot died between storing it and sending it) is sent at start-up, once."""

from __future__ import annotations

from pathlib import Path

from bot.telegram.app import build_application
from tests.conftest import COORDINATOR, MIDDLE, NEAR, REQUESTER, Group, make_settings
from tests.support.telegram import FakeTelegram


async def test_a_ping_recorded_but_never_sent_goes_out_at_start_up(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    telegram = FakeTelegram()
    async with build_application(settings, request=telegram) as first:
        group = Group(first, telegram)
        await group.consent(COORDINATOR, name="Cora")
        await group.enrol(301, NEAR, name="Alice")
        await group.enrol(302, MIDDLE, name="Bashir")
        await group.consent(REQUESTER)
        request_id = await group.ask()
        assert group.pinged(request_id) == [301, 302]
        # As if the bot died after storing 302's ping, before sending it.
        await first.services.db.execute(
            "UPDATE pings SET chat_id = NULL, message_id = NULL WHERE volunteer_id = 302"
        )
        await first.services.db.execute("UPDATE requests SET announced_at = NULL")
    telegram = FakeTelegram()
    second = build_application(settings, request=telegram)
    async with second:
        assert second.post_init is not None
        await second.post_init(second)
        group = Group(second, telegram)
        assert group.pinged(request_id) == [302]  # 301 had theirs: not again
        await second.post_init(second)  # a second start-up pings nobody twice
        assert group.pinged(request_id) == [302]
        await group.press(302, f"v1:accept:{request_id}", name="Bashir")
        assert (await group.stored(request_id)).volunteer_id == 302


async def test_a_wave_cut_short_is_finished_not_followed_by_another(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, WAVE_SIZE="1")
    telegram = FakeTelegram()
    async with build_application(settings, request=telegram) as first:
        group = Group(first, telegram)
        await group.consent(COORDINATOR, name="Cora")
        await group.enrol(301, NEAR, name="Alice")
        await group.enrol(302, MIDDLE, name="Bashir")
        await group.consent(REQUESTER)
        request_id = await group.ask()
        assert group.pinged(request_id) == [301]
        # The first wave went out, but the bot died before marking the request announced.
        await first.services.db.execute("UPDATE requests SET announced_at = NULL")
    telegram = FakeTelegram()
    second = build_application(settings, request=telegram)
    async with second:
        assert second.post_init is not None
        await second.post_init(second)
        group = Group(second, telegram)
        assert group.pinged(request_id) == []  # 302 waits for the escalation, as before
        assert (await group.stored(request_id)).announced_at is not None
        assert len(await group.reminders("escalate")) == 1
