"""The radius search's R*Tree (migration 0002) finds exactly whom a full scan finds, and
follows every change to a volunteer: saved, approved, turned down, paused, moved, deleted."""

from __future__ import annotations

import math
import random
import sqlite3
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest

from bot.db import Database, VolunteerRepository
from bot.db.connection import MIGRATIONS_DIR
from bot.db.volunteers import EDGE_KM
from bot.domain.distance import EARTH_RADIUS_KM, haversine_km
from bot.domain.models import Category, VolunteerStatus

# (centre, how far volunteers and requests spread from it in km): a city, both poles,
# and both sides of the antimeridian, where a lat/lon box needs the most care.
REGIONS = (
    ((51.5072, -0.1276), 25.0),
    ((89.9, 0.0), 60.0),
    ((-89.95, 120.0), 40.0),
    ((0.0, 179.98), 60.0),
    ((-16.5, -179.97), 40.0),
)
COORDINATOR = 1


def destination(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point `km` away along a bearing, on haversine's sphere."""
    phi1, lmb1, theta = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    delta = km / EARTH_RADIUS_KM
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    )
    lmb2 = lmb1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(phi2), (math.degrees(lmb2) + 540) % 360 - 180


def somewhere(rng: random.Random) -> tuple[float, float]:
    (lat, lon), spread = rng.choice(REGIONS)
    return destination(lat, lon, rng.uniform(0, 360), spread * math.sqrt(rng.random()))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "bot.db")
    await database.open()
    yield database
    await database.close()


async def add_users(db: Database, ids: Iterable[int], blocked: Iterable[int] = ()) -> None:
    gone = set(blocked)
    await db.executemany(
        "INSERT INTO users (id, first_name, consented_at, blocked_at, created_at) "
        "VALUES (?, ?, 0, ?, 0)",
        [
            (
                i,
                f"V{i}",
                1.0 if i in gone else None,
            )
            for i in ids
        ],
    )


async def find(
    volunteers: VolunteerRepository,
    lat: float,
    lon: float,
    category: Category = Category.GROCERIES,
    *,
    exclude: Iterable[int] = (),
    needs_check: bool = False,
    any_distance: bool = False,
) -> dict[int, float]:
    found = await volunteers.candidates(
        request_id=1,
        round_=1,
        lat=lat,
        lon=lon,
        category=category,
        exclude=set(exclude),
        needs_check=needs_check,
        any_distance=any_distance,
        recent_since=0,
    )
    bands = [round(c.distance_km * 2) for c in found]
    assert bands == sorted(bands), "not nearest first"
    return {c.volunteer.user_id: c.distance_km for c in found}


def full_scan(
    rows: list[dict[str, Any]],
    lat: float,
    lon: float,
    category: Category,
    exclude: set[int],
    needs_check: bool,
    any_distance: bool,
) -> dict[int, float]:
    """The rules, read one by one, over every volunteer."""
    found = {}
    for row in rows:
        eligible = (
            row["status"] == "approved"
            and not row["paused"]
            and row["blocked_at"] is None
            and category.value in row["categories"].split(",")
            and (row["dbs_checked"] or not needs_check)
            and row["user_id"] not in exclude
        )
        distance = haversine_km(lat, lon, row["lat"], row["lon"])
        if eligible and (any_distance or distance <= row["radius_km"] + EDGE_KM):
            found[row["user_id"]] = distance
    return found


async def test_the_index_finds_exactly_whom_a_full_scan_finds(db: Database) -> None:
    rng = random.Random(2024)
    ids = list(range(1000, 4000))
    blocked = set(rng.sample(ids, 60))
    await add_users(db, ids, blocked)
    radii = (0.1, 0.5, 1.0, 1.5, 2.0, 5.0, 20.0, 50.0)
    rows = []
    for user_id in ids:
        lat, lon = somewhere(rng)
        radius = rng.choice(radii) if rng.random() < 0.5 else rng.uniform(0.05, 50.0)
        codes = sorted({rng.choice(list(Category)).value for _ in range(rng.randint(1, 4))})
        status = rng.choices(("approved", "pending", "rejected"), (8, 1, 1))[0]
        paused, checked = int(rng.random() < 0.1), int(rng.random() < 0.3)
        rows.append((user_id, lat, lon, radius, ",".join(codes), status, paused, checked))
    await db.executemany(
        "INSERT INTO volunteers (user_id, lat, lon, radius_km, categories, status, paused, "
        "dbs_checked, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0)",
        rows,
    )
    everyone = [
        dict(row)
        for row in await db.fetchall(
            "SELECT v.*, u.blocked_at FROM volunteers v JOIN users u ON u.id = v.user_id"
        )
    ]
    volunteers = VolunteerRepository(db)

    edges_found = 0
    for i in range(240):
        edge_of = None
        if i % 2:
            # A request exactly at the edge of someone's radius.
            edge_of = rng.choice(everyone)
            lat, lon = destination(
                edge_of["lat"], edge_of["lon"], rng.uniform(0, 360), edge_of["radius_km"]
            )
        else:
            lat, lon = somewhere(rng)
        category = Category(edge_of["categories"].split(",")[0]) if edge_of else None
        category = category or rng.choice(list(Category))
        needs_check = rng.random() < 0.2
        exclude = set(rng.sample(ids, 5))
        expected = full_scan(everyone, lat, lon, category, exclude, needs_check, False)
        found = await find(
            volunteers, lat, lon, category, exclude=exclude, needs_check=needs_check
        )
        assert found.keys() == expected.keys(), (lat, lon, found.keys() ^ expected.keys())
        if edge_of is not None and edge_of["user_id"] in found:
            edges_found += 1

    # Distance doesn't matter for a phone call: no index, everyone eligible.
    expected = full_scan(everyone, 51.5, -0.1, Category.PHONE_CALL, set(), False, True)
    found = await find(volunteers, 51.5, -0.1, Category.PHONE_CALL, any_distance=True)
    assert found.keys() == expected.keys()
    assert edges_found > 30  # the edge cases were really asked, and found


async def test_a_volunteer_exactly_at_their_edge_is_found_wherever_they_are(
    db: Database,
) -> None:
    rng = random.Random(7)
    volunteers = VolunteerRepository(db)
    ids = list(range(10, 410))
    await add_users(db, ids)
    for user_id in ids:
        lat, lon = somewhere(rng)
        radius = rng.choice((0.1, 1.5, 5.0, 50.0))
        await volunteers.save_profile(user_id, lat, lon, radius, [Category.ERRAND], now=0)
        await volunteers.decide(user_id, VolunteerStatus.APPROVED, COORDINATOR, now=0)
        at_edge = destination(lat, lon, rng.uniform(0, 360), radius)
        if haversine_km(lat, lon, *at_edge) > radius + EDGE_KM:
            continue  # float rounding put the point just outside: not an edge case
        assert user_id in await find(volunteers, *at_edge, Category.ERRAND), (lat, lon, radius)


async def test_an_edge_that_is_exactly_a_32_bit_float_still_counts(db: Database) -> None:
    """The R*Tree keeps 32-bit floats: a circle whose box ends exactly on one, and a request
    a hair beyond it but within the edge tolerance, must still meet."""
    volunteers = VolunteerRepository(db)
    await add_users(db, [1])
    edge_km = math.radians(0.25) * EARTH_RADIUS_KM  # unpadded, the box ends at 0.25
    await volunteers.save_profile(1, 0.0, 0.0, edge_km, [Category.OTHER], now=0)
    await volunteers.decide(1, VolunteerStatus.APPROVED, COORDINATOR, now=0)
    beyond = 0.25 + 1e-12  # about 0.1 µm further than the radius
    assert haversine_km(0.0, 0.0, beyond, 0.0) <= edge_km + EDGE_KM
    assert set(await find(volunteers, beyond, 0.0, Category.OTHER)) == {1}


async def test_saving_deciding_pausing_moving_and_deleting_keep_the_index_in_step(
    db: Database,
) -> None:
    volunteers = VolunteerRepository(db)
    await add_users(db, [301, 302])
    home, elsewhere = (51.5, -0.1), (51.6, -0.1)  # 11 km apart

    await volunteers.save_profile(301, *home, 2.0, [Category.GROCERIES], now=0)
    assert await find(volunteers, *home) == {}  # waiting for a coordinator
    assert await volunteers.decide(301, VolunteerStatus.APPROVED, COORDINATOR, now=1)
    assert set(await find(volunteers, *home)) == {301}

    await volunteers.save_profile(301, *elsewhere, 2.0, [Category.GROCERIES], now=2)
    assert await find(volunteers, *home) == {}  # moved away, still approved
    assert set(await find(volunteers, *elsewhere)) == {301}
    await volunteers.save_profile(301, *elsewhere, 20.0, [Category.GROCERIES], now=3)
    assert set(await find(volunteers, *home)) == {301}  # now goes further

    assert await volunteers.set_paused(301, True, now=4)
    assert await find(volunteers, *home) == {}
    assert await volunteers.set_paused(301, False, now=5)
    assert set(await find(volunteers, *home)) == {301}

    await volunteers.save_profile(302, *home, 2.0, [Category.GROCERIES], now=6)
    assert await volunteers.decide(302, VolunteerStatus.REJECTED, COORDINATOR, now=7)
    assert set(await find(volunteers, *home)) == {301}
    # Saving again after being turned down means waiting again, not being pinged.
    await volunteers.save_profile(302, *home, 3.0, [Category.GROCERIES], now=8)
    assert set(await find(volunteers, *home)) == {301}

    await db.execute("DELETE FROM users WHERE id = 301")  # cascades to volunteers
    assert await find(volunteers, *home) == {}
    row = await db.fetchone("SELECT count(*) FROM volunteer_areas")
    assert row is not None
    assert row[0] == 0


async def test_the_migration_indexes_volunteers_stored_before_it(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        old.executescript((MIGRATIONS_DIR / "0001_initial.sql").read_text(encoding="utf-8"))
        old.executescript(
            """
            PRAGMA user_version = 1;
            INSERT INTO users (id, first_name, created_at) VALUES (1, 'A', 0), (2, 'B', 0);
            INSERT INTO volunteers (user_id, lat, lon, radius_km, categories, status,
                                    created_at, updated_at)
            VALUES (1, 51.5, -0.1, 2, 'groceries', 'approved', 0, 0),
                   (2, 51.5, -0.1, 2, 'groceries', 'pending', 0, 0);
            """
        )
    old.close()
    db = Database(path)
    await db.open()
    try:
        assert set(await find(VolunteerRepository(db), 51.51, -0.1)) == {1}
    finally:
        await db.close()
