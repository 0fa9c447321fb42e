"""Start-up after a crash in the middle of a wave. The wave's pings and its event are
stored together, then sent: a ping recorded but never sent (the bot died between the two)
is sent at start-up, once; a wave cut short is finished, not followed by another."""

from __future__ import annotations

from pathlib import Path

from bot.db import Database
from bot.db.events import EventRepository
from bot.domain.events import Event, RequestOpened, WaveSent
from bot.telegram.app import build_application
from tests.conftest import COORDINATOR, MIDDLE, NEAR, REQUESTER, Group, make_settings
from tests.support.telegram import FakeTelegram


async def _undelivered(db: Database, event: Event) -> None:
    """The event as the outbox held it before its delivery (delivered, it is gone)."""
    await EventRepository(db).add(event, 0.0)


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
        # As if the bot died after sending 301's ping, before sending 302's: the wave's
        # event was not yet all delivered.
        db = first.storage.db
        await db.execute(
            "UPDATE pings SET chat_id = NULL, message_id = NULL WHERE volunteer_id = 302"
        )
        await _undelivered(db, WaveSent(request_id, 1, 1, (301, 302)))
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
        # The first wave went out, but the bot died before recording that the request's
        # opening was delivered: start-up hands it to its subscribers again.
        db = first.storage.db
        await _undelivered(db, RequestOpened(request_id))
    telegram = FakeTelegram()
    second = build_application(settings, request=telegram)
    async with second:
        assert second.post_init is not None
        await second.post_init(second)
        group = Group(second, telegram)
        assert group.pinged(request_id) == []  # 302 waits for the escalation, as before
        assert (await group.stored(request_id)).announced_at is not None
        assert len(await group.reminders("escalate")) == 1
