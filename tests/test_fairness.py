"""Fair to volunteers: quiet hours, ping caps and spacing, no ping while busy at that
time, and nobody left out; each with the clock moved as the days would move it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import SettingsError
from bot.domain.models import Category, Profile, QuietHours
from tests.conftest import (
    COORDINATOR,
    FAR,
    MIDDLE,
    NEAR,
    REQUESTER,
    Group,
    group_with_clock,
    make_settings,
)

LONDON = ZoneInfo("Europe/London")
NIGHT = {"QUIET_HOURS": "21:00-08:00", "TIMEZONE": "Europe/London"}


def at(day: int, hour: int, minute: int = 0) -> float:
    """A moment in January 2025, London time (no daylight saving in the way)."""
    return datetime(2025, 1, day, hour, minute, tzinfo=LONDON).timestamp()


async def _people(group: Group, *volunteers: tuple[int, tuple[float, float]]) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.consent(REQUESTER, name="Rita")
    for user_id, where in volunteers:
        await group.enrol(user_id, where, name=f"V{user_id}")


async def _due_at(group: Group, kind: str) -> list[float]:
    rows = await group.app.storage.db.fetchall(
        "SELECT due_at FROM reminders WHERE kind = ? AND state = 'pending' ORDER BY due_at",
        (kind,),
    )
    return [row["due_at"] for row in rows]


# --- quiet hours --------------------------------------------------------------------------


async def test_a_night_request_goes_to_the_awake_and_reaches_the_sleeping_in_the_morning(
    tmp_path: Path,
) -> None:
    clock = [at(15, 22, 30)]
    async with group_with_clock(tmp_path, clock, **NIGHT) as group:
        await _people(group, (301, NEAR), (302, MIDDLE))
        # 302 is a night owl: no quiet hours of their own.
        await group.press(302, "v1:quiet:off", name="V302")
        request_id = await group.ask(name="Rita")
        assert group.pinged(request_id) == [302]  # 301, nearer, is asleep

        # 302 can't: nobody awake is left, so the ping waits for 301's morning.
        await group.press(302, f"v1:decline:{request_id}", name="V302")
        assert group.pinged(request_id) == [302]
        assert await _due_at(group, "wait") == [at(16, 8)]
        texts = " ".join(group.telegram.texts_to(REQUESTER))
        assert "couldn't find a volunteer" not in texts  # it waits: nobody is told "none"

        # The coordinators' alert is not held by anyone's quiet hours.
        clock[0] = at(15, 23, 40)
        assert await group.fire("alert") == 1
        assert f"#{request_id}" in group.telegram.last_to(COORDINATOR).text

        clock[0] = at(16, 8)
        assert await group.fire("wait") == 1
        assert group.pinged(request_id) == [302, 301]


async def test_a_ping_waiting_for_morning_is_not_sent_if_the_request_was_taken(
    tmp_path: Path,
) -> None:
    clock = [at(15, 21, 5)]
    async with group_with_clock(tmp_path, clock, **NIGHT) as group:
        await _people(group, (301, NEAR))
        request_id = await group.ask(name="Rita")
        assert group.pinged(request_id) == []
        assert await _due_at(group, "wait") == [at(16, 8)]
        # A coordinator finds someone on the phone and cancels it overnight.
        await group.app.services.desk.cancel(request_id, REQUESTER)
        clock[0] = at(16, 8)
        await group.fire("wait")
        assert group.pinged(request_id) == []


async def test_a_volunteer_s_own_quiet_hours_replace_the_group_s(tmp_path: Path) -> None:
    clock = [at(15, 7, 30)]  # quiet by the group's hours, not by 301's own
    async with group_with_clock(tmp_path, clock, **NIGHT) as group:
        await _people(group, (301, NEAR), (302, MIDDLE))
        await group.say(301, "/volunteer", name="V301")
        await group.press(301, "v1:quiet:2300-0700", name="V301")
        volunteer = await group.app.storage.volunteers.get(301)
        assert volunteer is not None
        assert volunteer.own_quiet
        assert volunteer.quiet_hours == QuietHours(23 * 60, 7 * 60)
        assert "23:00–07:00" in group.telegram.texts_to(301)[-1]
        request_id = await group.ask(name="Rita")
        assert group.pinged(request_id) == [301]  # awake; 302 keeps the group's 21-08

        # Back to the group's usual hours; a stale or forged button changes nothing.
        await group.press(301, "v1:quiet:default", name="V301")
        await group.press(301, "v1:quiet:2500-0700", name="V301")
        volunteer = await group.app.storage.volunteers.get(301)
        assert volunteer is not None
        assert not volunteer.own_quiet
        assert "doesn't work" in group.telegram.answers()[-1].text


async def test_signing_up_shows_the_quiet_hours_with_buttons(tmp_path: Path) -> None:
    clock = [at(15, 12)]
    async with group_with_clock(tmp_path, clock, **NIGHT) as group:
        await group.sign_up(301, NEAR, name="Val")
        prompt = next(c for c in group.telegram.sent_to(301) if "v1:quiet:off" in c.buttons)
        assert "21:00–08:00" in prompt.text
        assert "v1:quiet:off" in prompt.buttons
        assert "v1:quiet:default" in prompt.buttons


async def test_asking_everyone_passes_the_caps_but_not_quiet_hours(tmp_path: Path) -> None:
    """A coordinator's explicit ask is their judgement that this one is worth a ping more
    than usual; a volunteer's quiet hours are the volunteer's own, and stay."""
    clock = [at(15, 20, 0)]
    settings = {**NIGHT, "MAX_PINGS_PER_DAY": "1", "WAVE_SIZE": "1"}
    async with group_with_clock(tmp_path, clock, **settings) as group:
        await _people(group, (301, NEAR), (302, MIDDLE), (303, FAR))
        await group.app.storage.volunteers.set_quiet(303, True, None, clock[0])  # no quiet
        first = await group.ask(name="Rita")
        assert group.pinged(first) == [301]
        clock[0] = at(15, 21, 30)  # 301 and 302 now asleep; 301 at the cap too
        await group.press(COORDINATOR, f"v1:pingall:{first}", name="Cora")
        assert group.pinged(first) == [301, 303]
        second = await group.ask(name="Rita")
        assert group.pinged(second) == []  # 303 had today's one ping; the rest asleep
        await group.press(COORDINATOR, f"v1:pingall:{second}", name="Cora")
        assert group.pinged(second) == [303]  # past the cap, on the coordinator's word


async def test_asking_everyone_while_everyone_sleeps_says_when_they_will_be_asked(
    tmp_path: Path,
) -> None:
    clock = [at(15, 23, 0)]
    async with group_with_clock(tmp_path, clock, **NIGHT) as group:
        await _people(group, (301, NEAR))
        request_id = await group.ask(name="Rita")
        await group.press(COORDINATOR, f"v1:pingall:{request_id}", name="Cora")
        assert group.pinged(request_id) == []
        answer = group.telegram.answers()[-1].text
        assert "quiet hours" in answer
        assert "08:00" in answer


# --- ping caps ----------------------------------------------------------------------------


async def test_at_most_max_pings_a_day_then_the_next_day(tmp_path: Path) -> None:
    clock = [at(15, 10)]
    async with group_with_clock(
        tmp_path, clock, MAX_PINGS_PER_DAY="2", TIMEZONE="Europe/London"
    ) as group:
        await _people(group, (301, NEAR))
        asked = [await group.ask(name="Rita") for _ in range(3)]
        assert [group.pinged(r) for r in asked] == [[301], [301], []]
        # The third waits for 301's new day (local midnight), and goes then.
        assert await _due_at(group, "wait") == [at(16, 0)]
        clock[0] = at(16, 0)
        await group.fire("wait")
        assert group.pinged(asked[2]) == [301]


async def test_no_ping_within_the_spacing_of_one_they_did_not_take(tmp_path: Path) -> None:
    clock = [at(15, 10)]
    async with group_with_clock(tmp_path, clock, PING_SPACING_S="3600") as group:
        await _people(group, (301, NEAR), (302, MIDDLE))
        first = await group.ask(name="Rita")
        assert group.pinged(first) == [301, 302]
        await group.press(301, f"v1:accept:{first}", name="V301")
        await group.press(301, f"v1:done:{first}", name="V301")
        clock[0] = at(15, 10, 20)
        second = await group.ask(name="Rita")
        # 301 took the last one: no spacing. 302 was pinged 20 minutes ago for nothing.
        assert group.pinged(second) == [301]
        await group.press(301, f"v1:decline:{second}", name="V301")
        # Both are now spaced: the ping waits for the earlier end, 302's at 11:00.
        assert await _due_at(group, "wait") == [at(15, 11)]
        clock[0] = at(15, 11)
        await group.fire("wait")
        assert group.pinged(second) == [301, 302]


async def test_a_volunteer_busy_at_that_time_is_not_pinged(tmp_path: Path) -> None:
    clock = [at(15, 10)]
    async with group_with_clock(tmp_path, clock) as group:
        await _people(group, (301, NEAR), (302, MIDDLE))
        first = await group.ask(name="Rita")
        await group.press(301, f"v1:accept:{first}", name="V301")
        # 301 holds an "as soon as possible" task, not done: not asked for another one.
        second = await group.ask(name="Rita")
        assert group.pinged(second) == [302]
        await group.press(301, f"v1:done:{first}", name="V301")
        third = await group.ask(name="Rita")
        assert set(group.pinged(third)) == {301, 302}


async def test_mytasks_shows_the_caps_and_the_quiet_hours(tmp_path: Path) -> None:
    clock = [at(15, 12)]
    async with group_with_clock(tmp_path, clock, **NIGHT, MAX_PINGS_PER_DAY="6") as group:
        await _people(group, (301, NEAR))
        await group.say(301, "/mytasks", name="V301")
        text = group.telegram.last_to(301).text
        assert "at most 6 requests a day" in text
        assert "60 minutes apart" not in text  # the tests' groups have no spacing
        assert "21:00–08:00" in text
    async with group_with_clock(tmp_path, clock, PING_SPACING_S="3600") as group:
        await group.say(301, "/mytasks", name="V301")
        assert "At least 60 minutes apart" in group.telegram.last_to(301).text


# --- nobody left out ----------------------------------------------------------------------


async def test_a_volunteer_never_asked_in_30_days_gets_a_kind_note_once(tmp_path: Path) -> None:
    clock = [at(1, 9)]
    async with group_with_clock(tmp_path, clock) as group:
        await _people(group, (301, NEAR), (302, NEAR))
        await group.app.storage.volunteers.save_profile(
            Profile(301, *NEAR, 0.1, [Category.GROCERIES]), clock[0]
        )
        await group.enrol(303, FAR, name="V303", categories=("dog_walking",))
        clock[0] = at(2, 9)
        request_id = await group.ask(name="Rita")  # near 301 (0.3 km: beyond 0.1) and 302
        assert group.pinged(request_id) == [302]
        clock[0] = at(25, 9)
        await group.app.services.fairness.note_left_out()
        assert not any("month" in t for t in group.telegram.texts_to(301))  # not yet 30 days
        clock[0] = at(31, 10)
        assert await group.app.services.fairness.note_left_out() == 2  # 301 and 303
        note = group.telegram.last_to(301).text
        assert "no request has come your way" in note
        assert "Shopping" in note
        assert "a little beyond your 0.1 km" in note
        assert "/volunteer" in note
        assert not any("month" in t for t in group.telegram.texts_to(302))  # was asked
        # Once only.
        assert await group.app.services.fairness.note_left_out() == 0


async def test_the_daily_check_sends_the_notes_and_sets_itself_again(tmp_path: Path) -> None:
    clock = [at(1, 9)]
    async with group_with_clock(tmp_path, clock) as group:
        await _people(group, (301, NEAR))
        await group.app.services.fairness.start()  # as at start-up
        await group.app.services.fairness.start()  # a restart: still one check a day
        assert await _due_at(group, "left_out") == [at(1, 10)]
        clock[0] = at(31, 10)  # as if the bot had been down since
        assert await group.fire("left_out") == 1
        assert "no request has come your way" in group.telegram.last_to(301).text
        # The next check is tomorrow's, not each missed day's in turn.
        assert await _due_at(group, "left_out") == [at(31, 10) + 86400]


async def test_the_weekly_summary_lists_the_left_out_by_area_and_short_areas(
    tmp_path: Path,
) -> None:
    clock = [at(1, 9)]  # a Wednesday
    north = (51.5200, -0.1000)  # ~2.2 km north of the centre
    south = (51.4800, -0.1000)
    async with group_with_clock(tmp_path, clock, AREA_RADIUS_KM="3") as group:
        await _people(group)
        await group.enrol(301, north, name="V301", radius_km=1)
        await group.enrol(302, north, name="V302", radius_km=1)
        await group.enrol(303, south, name="Sam", radius_km=0.5)
        await group.app.services.fairness.start()
        assert await _due_at(group, "weekly") == [at(6, 8)]  # Monday, at DIGEST_TIME
        clock[0] = at(31, 12)
        for _ in range(2):
            await group.ask(name="Rita", where=(51.4810, -0.1000))  # south: only Sam near
        clock[0] = at(31, 12, 30)
        await group.app.services.reminders.schedule("weekly", clock[0], "now")
        await group.fire("weekly")
        text = group.telegram.last_to(COORDINATOR).text
        assert "north: V301, V302" in text  # never asked in a month
        assert "Sam" not in text.split("outnumber")[0]  # Sam was asked this week
        assert "south: 2 requests, 1 volunteer" in text


# --- settings -----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["21-08", "25:00-08:00", "21:00-21:00", "night", "9pm-8am"])
def test_bad_quiet_hours_stop_start_up_with_a_clear_line(tmp_path: Path, raw: str) -> None:
    with pytest.raises(SettingsError, match="QUIET_HOURS must be HH:MM-HH:MM"):
        make_settings(tmp_path, QUIET_HOURS=raw)


@pytest.mark.parametrize(
    ("name", "raw"),
    [("MAX_PINGS_PER_DAY", "0"), ("MAX_PINGS_PER_DAY", "lots"), ("PING_SPACING_S", "-5")],
)
def test_bad_caps_stop_start_up_naming_the_setting(tmp_path: Path, name: str, raw: str) -> None:
    with pytest.raises(SettingsError, match=name):
        make_settings(tmp_path, **{name: raw})


def test_the_caps_and_quiet_hours_have_kind_defaults(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, QUIET_HOURS="", MAX_PINGS_PER_DAY="", PING_SPACING_S="")
    assert settings.quiet_hours == QuietHours(21 * 60, 8 * 60)
    assert (settings.max_pings_per_day, settings.ping_spacing_s) == (6, 3600)
    assert make_settings(tmp_path, QUIET_HOURS="off").quiet_hours is None
    assert make_settings(tmp_path, PING_SPACING_S="0").ping_spacing_s == 0


def test_quiet_hours_run_over_midnight_and_end_on_local_clocks() -> None:
    night = QuietHours(21 * 60, 8 * 60)
    assert night.covers(23 * 60)
    assert night.covers(0)
    assert night.covers(7 * 60 + 59)
    assert not night.covers(8 * 60)
    assert not night.covers(20 * 60 + 59)
    # The clocks go forward on 30 March 2025: 08:00 that morning is still 08:00 local.
    before = datetime(2025, 3, 29, 23, 0, tzinfo=LONDON).timestamp()
    assert (
        night.ends_after(before, LONDON) == datetime(2025, 3, 30, 8, 0, tzinfo=LONDON).timestamp()
    )
