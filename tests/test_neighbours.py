"""Neighbouring groups: a place outside our area but inside a neighbour's circle is pointed
to that group, with its link; coordinators see how many were sent where."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from bot.config import SettingsError
from tests.conftest import COORDINATOR, REQUESTER, Group, make_settings

# Our area: 10 km around 51.5,-0.1 (tests/conftest.py). Riverside: 3 km around a point
# about 20 km north; Hillside overlaps Riverside's circle, its centre further away.
RIVERSIDE = "Riverside Helpers|51.68,-0.10|3|https://t.me/riverside_bot?start=need"
HILLSIDE = "Hillside|51.70,-0.10|5|t.me/hillside_group"
NEIGHBOURS = f"{RIVERSIDE}; {HILLSIDE}"
IN_RIVERSIDE = (51.685, -0.10)  # inside both circles, nearer Riverside's centre
IN_HILLSIDE_ONLY = (51.73, -0.10)
NOWHERE = (52.5, -1.9)  # far from every group

Opener = Callable[..., AbstractAsyncContextManager[Group]]


async def _to_location_step(group: Group, user_id: int = REQUESTER) -> None:
    await group.consent(user_id)
    await group.say(user_id, "/request")
    await group.press(user_id, "v1:cat:groceries")
    await group.say(user_id, "Milk and bread please")
    await group.press(user_id, "v1:when:asap")


def test_neighbour_groups_are_read_from_the_setting(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, NEIGHBOUR_GROUPS=NEIGHBOURS)
    riverside, hillside = settings.neighbour_groups
    assert (riverside.name, riverside.lat, riverside.radius_km) == ("Riverside Helpers", 51.68, 3)
    assert riverside.link == "https://t.me/riverside_bot?start=need"
    assert hillside.link == "https://t.me/hillside_group"  # t.me/ without https is allowed
    assert make_settings(tmp_path).neighbour_groups == ()


@pytest.mark.parametrize(
    "entry",
    [
        "Riverside|51.68|3|https://t.me/riverside_bot",  # no longitude
        "Riverside|51.68,-0.1|far|https://t.me/riverside_bot",
        "Riverside|51.68,-0.1|0|https://t.me/riverside_bot",
        "Riverside|51.68,-0.1|3|https://example.org/join",  # not a t.me link
        "Riverside|51.68,-0.1|3",
        "|51.68,-0.1|3|https://t.me/riverside_bot",
    ],
)
def test_a_bad_neighbour_entry_stops_start_up_naming_the_variable_and_the_entry(
    tmp_path: Path, entry: str
) -> None:
    with pytest.raises(SettingsError) as error:
        make_settings(tmp_path, NEIGHBOUR_GROUPS=f"{RIVERSIDE};{entry}")
    message = str(error.value)
    assert "NEIGHBOUR_GROUPS" in message
    assert entry in message
    assert "\n" not in message


def test_the_same_neighbour_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="twice"):
        make_settings(tmp_path, NEIGHBOUR_GROUPS=f"{RIVERSIDE};{RIVERSIDE}")


async def test_a_requester_in_a_neighbours_area_gets_its_link_and_nothing_is_stored(
    open_group: Opener,
) -> None:
    async with open_group(NEIGHBOUR_GROUPS=NEIGHBOURS) as group:
        await _to_location_step(group)
        await group.share(REQUESTER, *IN_RIVERSIDE)
        told = group.telegram.last_to(REQUESTER)
        assert "Riverside Helpers" in told.text
        assert "outside the area" in told.text
        assert told.links == ["https://t.me/riverside_bot?start=need"]
        assert await group.app.storage.db.fetchall("SELECT id FROM requests") == []
        # The conversation waits for another place: one inside our area still works.
        await group.share(REQUESTER, 51.5, -0.1)
        assert "address" in group.telegram.last_to(REQUESTER).text


async def test_the_nearest_covering_neighbour_is_named(open_group: Opener) -> None:
    async with open_group(NEIGHBOUR_GROUPS=NEIGHBOURS) as group:
        await _to_location_step(group)
        await group.share(REQUESTER, *IN_HILLSIDE_ONLY)
        assert group.telegram.last_to(REQUESTER).links == ["https://t.me/hillside_group"]


async def test_outside_every_group_the_kind_answer_of_today(open_group: Opener) -> None:
    async with open_group(NEIGHBOUR_GROUPS=NEIGHBOURS) as group:
        await _to_location_step(group)
        await group.share(REQUESTER, *NOWHERE)
        told = group.telegram.last_to(REQUESTER)
        assert "another mutual-aid group near you" in told.text
        assert told.links == []


async def test_stats_count_referrals_per_neighbour_once_per_conversation(
    open_group: Opener,
) -> None:
    async with open_group(NEIGHBOUR_GROUPS=NEIGHBOURS) as group:
        await group.consent(COORDINATOR, name="Cora")
        await _to_location_step(group)
        await group.share(REQUESTER, *IN_RIVERSIDE)
        await group.share(REQUESTER, *IN_RIVERSIDE)  # the same place again: one person
        await _to_location_step(group, 201)
        await group.share(201, *IN_RIVERSIDE)
        await _to_location_step(group, 202)
        await group.share(202, *IN_HILLSIDE_ONLY)
        rows = await group.app.storage.db.fetchall("SELECT * FROM neighbour_referrals")
        # Counts per group and day, and nothing that says who.
        assert sorted((r["neighbour"], r["count"]) for r in rows) == [
            ("Hillside", 1),
            ("Riverside Helpers", 2),
        ]
        assert set(rows[0].keys()) == {"day", "neighbour", "count"}
        await group.say(COORDINATOR, "/stats", name="Cora")
        stats = group.telegram.sent_to(COORDINATOR)[-1].text
        assert "Sent to neighbouring groups" in stats
        assert "Riverside Helpers 2 · Hillside 1" in stats


async def test_stats_say_nobody_was_sent_on_when_nobody_was(open_group: Opener) -> None:
    async with open_group(NEIGHBOUR_GROUPS=NEIGHBOURS) as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.say(COORDINATOR, "/stats", name="Cora")
        assert "last 30 days: nobody" in group.telegram.sent_to(COORDINATOR)[-1].text


async def test_without_neighbours_stats_have_no_such_line(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.say(COORDINATOR, "/stats", name="Cora")
    assert "neighbouring" not in group.telegram.sent_to(COORDINATOR)[-1].text


async def test_a_volunteer_living_in_a_neighbours_area_is_pointed_there_uncounted(
    open_group: Opener,
) -> None:
    async with open_group(NEIGHBOUR_GROUPS=NEIGHBOURS) as group:
        await group.consent(301)
        await group.say(301, "/volunteer")
        await group.share(301, *IN_RIVERSIDE)
        told = group.telegram.last_to(301)
        assert "glad of your help" in told.text
        assert told.links == ["https://t.me/riverside_bot?start=need"]
        assert await group.app.storage.volunteers.get(301) is None
        assert await group.app.storage.db.fetchall("SELECT * FROM neighbour_referrals") == []


async def test_a_phone_request_from_a_neighbours_area_tells_the_coordinator(
    open_group: Opener,
) -> None:
    async with open_group(NEIGHBOUR_GROUPS=NEIGHBOURS) as group:
        await group.consent(COORDINATOR, name="Cora")
        for step in ("/onbehalf", "Edna", "07700 900123"):
            await group.say(COORDINATOR, step, name="Cora")
        await group.press(COORDINATOR, "v1:cat:groceries", name="Cora")
        await group.say(COORDINATOR, "Milk and bread", name="Cora")
        await group.press(COORDINATOR, "v1:when:asap", name="Cora")
        await group.share(COORDINATOR, *IN_RIVERSIDE, name="Cora")
        told = group.telegram.last_to(COORDINATOR)
        assert "pass the request to them" in told.text
        assert told.links == ["https://t.me/riverside_bot?start=need"]
