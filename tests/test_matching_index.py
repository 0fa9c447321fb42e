"""The radius search's R*Tree (migration 0002) finds exactly whom a full scan finds, and
follows every change to a volunteer: saved, approved, turned down, paused, moved, deleted;
and its fairness rules (quiet hours, caps, spacing, busy) leave out exactly whom a plain
reading of them does. On PostgreSQL (TEST_DATABASE_URL) the same of PostGIS's search."""

from __future__ import annotations

import math
import random
import sqlite3
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.db import Database, VolunteerRepository
from bot.db.connection import MIGRATIONS_DIR
from bot.db.volunteers import EDGE_KM
from bot.domain.distance import EARTH_RADIUS_KM, haversine_km
from bot.domain.models import Category, PingRules, Profile, QuietHours, Search, VolunteerStatus
from tests.support.storage import database_for, sqlite_only

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
    database = database_for(tmp_path)
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
        Search(
            request_id=1,
            round=1,
            lat=lat,
            lon=lon,
            category=category,
            exclude=set(exclude),
            needs_check=needs_check,
            any_distance=any_distance,
            recent_since=0,
        )
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
        await volunteers.save_profile(Profile(user_id, lat, lon, radius, [Category.ERRAND]), now=0)
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
    await volunteers.save_profile(Profile(1, 0.0, 0.0, edge_km, [Category.OTHER]), now=0)
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

    await volunteers.save_profile(Profile(301, *home, 2.0, [Category.GROCERIES]), now=0)
    assert await find(volunteers, *home) == {}  # waiting for a coordinator
    assert await volunteers.decide(301, VolunteerStatus.APPROVED, COORDINATOR, now=1)
    assert set(await find(volunteers, *home)) == {301}

    await volunteers.save_profile(Profile(301, *elsewhere, 2.0, [Category.GROCERIES]), now=2)
    assert await find(volunteers, *home) == {}  # moved away, still approved
    assert set(await find(volunteers, *elsewhere)) == {301}
    await volunteers.save_profile(Profile(301, *elsewhere, 20.0, [Category.GROCERIES]), now=3)
    assert set(await find(volunteers, *home)) == {301}  # now goes further

    assert await volunteers.set_paused(301, True, now=4)
    assert await find(volunteers, *home) == {}
    assert await volunteers.set_paused(301, False, now=5)
    assert set(await find(volunteers, *home)) == {301}

    await volunteers.save_profile(Profile(302, *home, 2.0, [Category.GROCERIES]), now=6)
    assert await volunteers.decide(302, VolunteerStatus.REJECTED, COORDINATOR, now=7)
    assert set(await find(volunteers, *home)) == {301}
    # Saving again after being turned down means waiting again, not being pinged.
    await volunteers.save_profile(Profile(302, *home, 3.0, [Category.GROCERIES]), now=8)
    assert set(await find(volunteers, *home)) == {301}

    await db.execute("DELETE FROM users WHERE id = 301")  # cascades to volunteers
    assert await find(volunteers, *home) == {}
    if db.dialect == "sqlite":  # PostGIS reads the volunteers themselves: no boxes
        row = await db.fetchone("SELECT count(*) FROM volunteer_areas")
        assert row is not None
        assert row[0] == 0


@sqlite_only
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


def fair_scan(
    rows: list[dict[str, Any]],
    pings: list[tuple[int, float, str | None]],
    tasks: list[tuple[int, float | None]],
    rules: PingRules,
) -> tuple[set[int], set[int]]:
    """The fairness rules, read one by one: who may be pinged now, and who is held back
    (asleep, capped or spaced) though not busy."""
    free, held = set(), set()
    for row in rows:
        user_id = row["user_id"]
        own = QuietHours(row["quiet_from"], row["quiet_until"]) if row["quiet_from"] else None
        quiet = own if row["quiet_own"] else rules.default_quiet
        mine = [(at, answer) for who, at, answer in pings if who == user_id]
        today = sum(1 for at, _ in mine if at >= rules.day_start)
        spaced = rules.spacing_s > 0 and any(
            at > rules.now - rules.spacing_s and answer not in ("accepted", "released")
            for at, answer in mine
        )
        busy = any(
            who == user_id
            and abs((due if due is not None else rules.now) - rules.task_at) < rules.overlap_s
            for who, due in tasks
        )
        if busy:
            continue
        asleep = quiet is not None and quiet.covers(rules.minute)
        capped = rules.max_per_day is not None and today >= rules.max_per_day
        (held if asleep or capped or spaced else free).add(user_id)
    return free, held


async def test_the_fairness_rules_in_sql_find_whom_a_plain_reading_finds(db: Database) -> None:
    rng = random.Random(16)
    ids = list(range(5000, 5600))
    await add_users(db, ids)
    now = 1_736_000_000.0
    rows = []
    for user_id in ids:
        lat, lon = destination(51.5, -0.1, rng.uniform(0, 360), 3 * math.sqrt(rng.random()))
        own = int(rng.random() < 0.4)
        start, end = rng.randrange(1440), rng.randrange(1440)
        start, end = (start, end) if own and start != end and rng.random() < 0.7 else (None, None)
        rows.append((user_id, lat, lon, 5.0, "groceries", own, start, end))
    await db.executemany(
        "INSERT INTO volunteers (user_id, lat, lon, radius_km, categories, status, quiet_own, "
        "quiet_from, quiet_until, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, 'approved', ?, ?, ?, 0, 0)",
        rows,
    )
    await db.execute(
        "INSERT INTO users (id, first_name, consented_at, created_at) VALUES (1, 'R', 0, 0)"
    )
    # History: requests some volunteers hold now, and pings of the last two days.
    tasks: list[tuple[int, float | None]] = []
    pings: list[tuple[int, float, str | None]] = []
    for n in range(1, 400):
        holder = rng.choice(ids)
        due = None if rng.random() < 0.3 else now + rng.uniform(-6, 6) * 3600
        claimed = rng.random() < 0.3
        await db.execute(
            "INSERT INTO requests (id, requester_id, category, description, address, lat, lon, "
            "when_kind, due_at, safety_code, status, volunteer_id, created_at, updated_at) "
            "VALUES (?, 1, 'groceries', 'x', 'y', 51.5, -0.1, 'asap', ?, '1234', ?, ?, 0, 0)",
            (n + 1, due, "claimed" if claimed else "done", holder),
        )
        if claimed:
            tasks.append((holder, due))
        for _ in range(rng.randint(0, 3)):
            who = rng.choice(ids)
            sent = now - rng.uniform(0, 48) * 3600
            answer = rng.choice((None, "declined", "accepted", "released"))
            await db.execute(
                "INSERT OR IGNORE INTO pings (request_id, volunteer_id, round, wave, "
                "distance_km, sent_at, answer) VALUES (?, ?, 1, 1, 0, ?, ?)",
                (n + 1, who, sent, answer),
            )
    stored = await db.fetchall("SELECT volunteer_id, sent_at, answer FROM pings")
    pings = [(r["volunteer_id"], r["sent_at"], r["answer"]) for r in stored]
    everyone = [dict(r) for r in await db.fetchall("SELECT * FROM volunteers")]
    far = {r["user_id"]: haversine_km(51.5, -0.1, r["lat"], r["lon"]) for r in everyone}
    volunteers = VolunteerRepository(db)
    tz = ZoneInfo("Europe/London")
    for i in range(40):
        moment = now + rng.uniform(-12, 12) * 3600
        local = datetime.fromtimestamp(moment, tz)
        rules = PingRules(
            now=moment,
            tz=tz,
            minute=local.hour * 60 + local.minute,
            default_quiet=rng.choice((None, QuietHours(21 * 60, 8 * 60), QuietHours(60, 300))),
            task_at=moment + (rng.uniform(0, 5) * 3600 if i % 2 else 0),
            overlap_s=2 * 3600,
            day_start=moment - rng.uniform(0, 24) * 3600,
            next_day=moment + 3600,
            max_per_day=rng.choice((None, 1, 2, 6)),
            spacing_s=rng.choice((0.0, 1800.0, 3600.0)),
        )
        expected_free, expected_held = fair_scan(everyone, pings, tasks, rules)
        base = Search(
            request_id=10_000,
            round=1,
            lat=51.5,
            lon=-0.1,
            category=Category.GROCERIES,
            exclude=set(),
            needs_check=False,
            any_distance=False,
            recent_since=0,
            rules=rules,
        )
        found = {}
        for held in (False, True):
            candidates = await volunteers.candidates(replace(base, held=held))
            found[held] = [c.volunteer.user_id for c in candidates]
            if held:
                assert all(c.held_until is not None and c.held_until > moment for c in candidates)
        assert set(found[False]) == expected_free, i
        assert set(found[True]) == expected_held, i
        # No task was claimed since recent_since (claimed_at is unset), so the order is
        # nearness alone: the 500 m bands, then the distance, then the id.
        nearest_first = sorted(found[False], key=lambda user_id: (far[user_id], user_id))
        assert found[False] == nearest_first, i
        # The first wave keeps its order and its limit in SQL, with the rules too: the
        # first five of the unlimited search, in the same order.
        wave = await volunteers.candidates(replace(base, limit=5))
        assert [c.volunteer.user_id for c in wave] == found[False][:5], i
