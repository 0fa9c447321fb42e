"""Ping latency: from the requester's confirming press to the last first-wave ping handed
to the Bot API, with 100,000 volunteers stored, against the same bot with 1,000.

    .venv/bin/python -m bench.ping_latency [--requests 40] [--volunteers 100000]

Two applications run side by side in one process, each on its own copy of a city, and
take turns: each request is asked of one, then of the other. The conversation up to the
summary is not timed; the confirming press is.
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
from typing import Any

from telegram.request import RequestData

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
from bot.telegram.app import build_application
from tests.conftest import COORDINATOR, Group, make_settings
from tests.support.telegram import FakeTelegram

REQUESTERS = range(200, 210)
SMALL_CITY = 1_000
# Messages a second PTB's AIORateLimiter lets through after a burst.
TELEGRAM_RATE = 30


@dataclass
class StampedTelegram(FakeTelegram):
    """FakeTelegram that also notes when each recorded call was handed to it."""

    handed_at: list[float] = field(default_factory=list)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        handed = time.perf_counter()
        recorded = len(self.calls)
        answer = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        self.handed_at.extend([handed] * (len(self.calls) - recorded))
        return answer

    def clear(self) -> None:
        super().clear()
        self.handed_at.clear()


@dataclass
class Latencies:
    volunteers: int
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
        for call, at in zip(telegram.calls, telegram.handed_at, strict=True)
        if call.method == "sendMessage" and wanted in call.buttons
    ]
    assert pings, "nobody was pinged"
    confirmation = next(
        at
        for call, at in zip(telegram.calls, telegram.handed_at, strict=True)
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


async def measure(requests: int, volunteers: int, folder: Path) -> list[Latencies]:
    groups: list[tuple[Group, Latencies]] = []
    for n in (volunteers, SMALL_CITY):
        home = folder / str(n)
        home.mkdir()
        settings = make_settings(
            home,
            DATABASE_PATH=str(copy_of(await city(n), home)),
            AREA_CENTER=f"{CITY_CENTER[0]},{CITY_CENTER[1]}",
            AREA_RADIUS_KM=str(CITY_RADIUS_KM),
        )
        telegram = StampedTelegram()
        app = build_application(settings, request=telegram)
        await app.initialize()
        group = Group(app, telegram)
        for person in (COORDINATOR, *REQUESTERS):
            await group.consent(person)
        groups.append((group, Latencies(n)))
    try:
        for i in range(-2, requests):  # two to warm up
            for group, figures in groups:
                target = figures if i >= 0 else Latencies(0)
                await one_request(group, REQUESTERS[i % len(REQUESTERS)], target, i)
    finally:
        for group, _ in groups:
            await group.app.shutdown()
    return [figures for _, figures in groups]


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--volunteers", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        big, small = await measure(args.requests, args.volunteers, Path(folder))

    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000

    print(f"{args.requests} requests each, medians in ms after the confirming press")
    print_table(
        ("volunteers stored", "confirmation sent", "first ping", "last ping", "p90", "pinged"),
        [
            (
                f"{f.volunteers:,}",
                ms(f.confirmation),
                ms(f.first_ping),
                ms(f.last_ping),
                sorted(f.last_ping)[int(len(f.last_ping) * 0.9)] * 1000,
                statistics.median(f.pinged),
            )
            for f in (big, small)
        ],
    )
    print_ratios(
        [
            (
                f"last ping {big.volunteers:,}/{small.volunteers:,}",
                ms(big.last_ping) / ms(small.last_ping),
            )
        ]
    )


if __name__ == "__main__":
    run(main)
