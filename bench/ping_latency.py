"""Ping latency: from the requester's confirming press to the last first-wave ping
answered by the Bot API, with 100,000 volunteers stored, against the same bot with
1,000, and against the 100,000 one while a broadcast is going out.

    .venv/bin/python -m bench.ping_latency [--requests 30] [--volunteers 100000]
        [--round-trip-ms 50] [--postgres postgresql://postgres:postgres@127.0.0.1:5432/test]

The Bot API stand-in answers each call after a round trip (50 ms by default, about what
a bot in Europe sees from Telegram's servers), so a bot that sends its calls one after
another pays one round trip each. Three applications run side by side in one process,
each on its own copy of a city, and take turns: each request is asked of one, then of
the next. The conversation up to the summary is not timed; the confirming press is.
The third has a broadcast to every volunteer going out meanwhile (BROADCAST_RATE 25):
its pings share the one send budget with it, and the busiest second of all it sent is
counted. With `--postgres URL` a fourth takes its turn: the same city copied into
PostgreSQL (bench.postgres), matching on PostGIS.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from telegram.request import RequestData

from bench.postgres import drop_postgres_city, postgres_city
from bench.support import (
    CITY_CENTER,
    CITY_RADIUS_KM,
    city,
    copy_of,
    point_in_city,
    print_ratios,
    print_table,
    run,
)
from bot.domain.broadcasts import Audience
from bot.telegram.app import build_application
from tests.conftest import COORDINATOR, Group, make_settings
from tests.support.telegram import Call, FakeTelegram

# Each request has a requester of its own: a second ask of the same kind by the same
# person is asked whether it is the same need.
FIRST_REQUESTER = 200
SMALL_CITY = 1_000
# Messages a second PTB's AIORateLimiter lets through after a burst.
TELEGRAM_RATE = 30


@dataclass
class StampedTelegram(FakeTelegram):
    """FakeTelegram that answers after a round trip, and notes when each recorded call
    was handed to it and answered."""

    round_trip_s: float = 0.0
    # Each call, when it was handed over and when it was answered.
    stamps: list[tuple[Call, float, float]] = field(default_factory=list)
    # Every message sent or edited, never cleared: the busiest second.
    every_send: list[float] = field(default_factory=list)

    async def respond(self, api: str, request_data: RequestData | None) -> tuple[int, bytes]:
        handed = time.perf_counter()
        if request_data is not None and "chat_id" in request_data.parameters:
            self.every_send.append(handed)
        if self.round_trip_s:
            await asyncio.sleep(self.round_trip_s)
        answer = await super().respond(api, request_data)
        params = dict(request_data.parameters) if request_data else {}
        # Stamped here, not by position in `calls`: a broadcast's calls interleave.
        self.stamps.append((Call(api, params), handed, time.perf_counter()))
        return answer

    def clear(self) -> None:
        super().clear()
        self.stamps.clear()

    def busiest_second(self) -> int:
        """The most messages handed over in any one second (a sliding window)."""
        times, most, start = sorted(self.every_send), 0, 0
        for end, at in enumerate(times):
            while times[start] <= at - 1.0:
                start += 1
            most = max(most, end - start + 1)
        return most


@dataclass
class Latencies:
    volunteers: int
    label: str = ""
    confirmation: list[float] = field(default_factory=list)
    first_ping: list[float] = field(default_factory=list)
    last_ping: list[float] = field(default_factory=list)
    pinged: list[int] = field(default_factory=list)


async def one_request(group: Group, requester: int, figures: Latencies, i: int) -> None:
    """Ask for help up to the summary, then time the confirming press."""
    telegram = group.telegram
    assert isinstance(telegram, StampedTelegram)
    lat, lon = point_in_city_nth(i)
    await group.say(requester, "/request")
    await group.press(requester, "v1:cat:groceries")
    await group.say(requester, "Milk, bread and a newspaper please")
    await group.press(requester, "v1:when:asap")
    await group.share(requester, lat, lon)
    await group.say(requester, "12 Acacia Avenue, ring twice")
    await asyncio.sleep(len(telegram.calls) / TELEGRAM_RATE + 0.05)  # let the limiter refill
    telegram.clear()
    pressed = time.perf_counter()
    await group.app.process_update(group.people.press(requester, "v1:confirm:yes"))
    match = re.search(r"#(\d+)", telegram.last_to(requester).text)
    assert match, telegram.last_to(requester).text
    wanted = f"v1:accept:{match.group(1)}"
    pings = [
        at
        for call, _, at in telegram.stamps
        if call.method == "sendMessage" and wanted in call.buttons
    ]
    assert pings, "nobody was pinged"
    confirmation = next(
        at
        for call, _, at in telegram.stamps
        if call.method == "sendMessage" and call.chat_id == requester
    )
    figures.confirmation.append(confirmation - pressed)
    figures.first_ping.append(pings[0] - pressed)
    figures.last_ping.append(pings[-1] - pressed)
    figures.pinged.append(len(pings))
    await asyncio.sleep(len(telegram.calls) / TELEGRAM_RATE + 0.05)
    telegram.clear()


def point_in_city_nth(i: int) -> tuple[float, float]:
    """The i-th request's place: the same for both cities, so they answer the same asks."""
    return point_in_city(random.Random(i))


async def measure(
    requests: int, volunteers: int, round_trip_s: float, folder: Path, postgres: str | None = None
) -> tuple[list[Latencies], int]:
    """The bots' latencies (the big city, the small one, the big one broadcasting, and
    with `postgres` the big one on PostgreSQL), and the busiest second of the one
    broadcasting."""
    groups: list[tuple[Group, Latencies]] = []
    broadcasting: StampedTelegram | None = None
    bots = [(volunteers, False, False), (SMALL_CITY, False, False), (volunteers, True, False)]
    if postgres is not None:
        bots.append((volunteers, False, True))
    for n, broadcast, on_postgres in bots:
        home = folder / f"{n}-{broadcast}-{on_postgres}"
        home.mkdir()
        database = {"DATABASE_PATH": str(copy_of(await city(n), home))}
        if on_postgres:
            assert postgres is not None
            database["DATABASE_URL"] = await postgres_city(postgres, n)
        settings = make_settings(
            home,
            **database,
            AREA_CENTER=f"{CITY_CENTER[0]},{CITY_CENTER[1]}",
            AREA_RADIUS_KM=str(CITY_RADIUS_KM),
            BROADCAST_RATE="25",
        )
        telegram = StampedTelegram(round_trip_s=round_trip_s)
        app = build_application(settings, request=telegram)
        await app.initialize()
        group = Group(app, telegram)
        for person in (COORDINATOR, *range(FIRST_REQUESTER, FIRST_REQUESTER + requests + 2)):
            await group.consent(person)
        label = f"{n:,}" + (", broadcast going out" if broadcast else "")
        label += ", PostgreSQL" if on_postgres else ""
        if broadcast:
            broadcaster = app.services.broadcaster
            draft = await broadcaster.prepare(
                COORDINATOR, Audience.VOLUNTEERS, "Street party on Saturday from 3pm"
            )
            await broadcaster.send(draft.broadcast_id)
            broadcasting = telegram
        groups.append((group, Latencies(n, label)))
    try:
        for i in range(-2, requests):  # two to warm up
            for group, figures in groups:
                target = figures if i >= 0 else Latencies(0)
                await one_request(group, FIRST_REQUESTER + i + 2, target, i)
    finally:
        for group, _ in groups:
            await group.app.shutdown()
        if postgres is not None:
            await drop_postgres_city(postgres, volunteers)
    assert broadcasting is not None
    return [figures for _, figures in groups], broadcasting.busiest_second()


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--round-trip-ms", type=float, default=50.0)
    parser.add_argument(
        "--postgres", metavar="URL", help="also on this PostgreSQL database with PostGIS"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        found, busiest = await measure(
            args.requests, args.volunteers, args.round_trip_ms / 1000, Path(folder), args.postgres
        )
    big, small, busy = found[:3]

    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000

    print(
        f"{args.requests} requests each, a {args.round_trip_ms:g} ms round trip per Bot API "
        "call; medians in ms after the confirming press, until the Bot API answered"
    )
    print_table(
        ("volunteers stored", "confirmation sent", "first ping", "last ping", "p90", "pinged"),
        [
            (
                f.label,
                ms(f.confirmation),
                ms(f.first_ping),
                ms(f.last_ping),
                sorted(f.last_ping)[int(len(f.last_ping) * 0.9)] * 1000,
                statistics.median(f.pinged),
            )
            for f in found
        ],
    )
    print(f"busiest second of the broadcasting bot, everything it sent: {busiest} messages")
    ratios = [
        (
            f"last ping {big.volunteers:,}/{small.volunteers:,}",
            ms(big.last_ping) / ms(small.last_ping),
        ),
        ("last ping during a broadcast/without", ms(busy.last_ping) / ms(big.last_ping)),
        ("last ping/round trip", ms(big.last_ping) / max(args.round_trip_ms, 1e-9)),
    ]
    if len(found) > 3:
        ratios.append(("last ping PostgreSQL/SQLite", ms(found[3].last_ping) / ms(big.last_ping)))
    print_ratios(ratios)


if __name__ == "__main__":
    run(main)
