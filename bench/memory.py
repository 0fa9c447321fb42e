"""Memory: resident memory of the running bot, idle, with 100,000 volunteers and 10,000 open
requests stored, against the same bot on an empty database.

    .venv/bin/python -m bench.memory [--volunteers 100000] [--open-requests 10000]

Each bot is its own process running `run_polling()` as `python -m bot` does, the Bot API
replaced by a recording request whose getUpdates waits out its long-poll timeout like
Telegram's. Once start-up is over and the bot has idled a few seconds, this reads its
VmRSS (resident now) and VmHWM (the peak) from /proc, then stops it with SIGTERM.

Before idling, each bot runs WARM_QUERIES first-wave searches (the radius search
matching runs for a new request) at points spread over the city, so that SQLite's page
cache holds what a bot in use would: idle memory after a morning's requests, not
straight after start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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
)
from bot.config import parse_settings
from bot.domain.models import Category, Search
from bot.services.fairness import rules_for
from bot.services.matching import RECENT_TASKS_WINDOW_S
from tests.support.telegram import FakeTelegram

IDLE_S = 5.0
STARTED = "started"
READY = "ready"
WARM_QUERIES = 60


class IdleTelegram(FakeTelegram):
    """Answers like FakeTelegram, but getUpdates holds the long poll as Telegram does
    (otherwise an idle bot would spin asking for updates)."""

    async def respond(self, api: str, request_data: RequestData | None) -> tuple[int, bytes]:
        if api == "getUpdates":
            params = request_data.parameters if request_data else {}
            await asyncio.sleep(float(str(params.get("timeout") or 1)))
        return await super().respond(api, request_data)


async def warm_up(application: Any) -> None:
    """First waves at points over the city, as new requests would ask for them."""
    rng = random.Random(5)
    settings = application.services.settings
    for _ in range(WARM_QUERIES):
        lat, lon = point_in_city(rng)
        now = time.time()
        await application.storage.volunteers.candidates(
            Search(
                request_id=0,
                round=1,
                lat=lat,
                lon=lon,
                category=Category.GROCERIES,
                exclude=(),
                needs_check=False,
                any_distance=False,
                recent_since=now - RECENT_TASKS_WINDOW_S,
                free_slots=frozenset(),
                limit=settings.wave_size,
                rules=rules_for(settings, now, None, asked=False),
            )
        )


def run_bot(database: Path) -> None:
    """The child: the real application on `database`, polling until SIGTERM."""
    from bot.telegram.app import build_application

    folder = database.parent
    settings = parse_settings(
        {
            "BOT_TOKEN": "123456:TEST-token",
            "DATABASE_PATH": str(database),
            "ADMIN_IDS": "100",
            "AREA_CENTER": f"{CITY_CENTER[0]},{CITY_CENTER[1]}",
            "AREA_RADIUS_KM": str(CITY_RADIUS_KM),
        }
    )
    app = build_application(settings, request=IdleTelegram())

    original = app.post_init
    assert original is not None

    async def post_init(application: Any) -> None:
        """The bot's own post_init (menus, reminders, unfinished requests), matching
        warmed up, then a word to the parent that start-up is over."""
        await original(application)
        print(STARTED, flush=True)
        await warm_up(application)
        print(READY, flush=True)

    app.post_init = post_init
    os.chdir(folder)
    app.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])


@dataclass(frozen=True)
class Memory:
    label: str
    resident_mb: float
    peak_mb: float
    start_s: float


def measure(label: str, database: Path) -> Memory:
    """Start the bot on `database`, let it idle, read its memory, stop it."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.memory", "--child", str(database)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        start_s = math.nan
        for line in child.stdout:
            if line.strip() == STARTED:
                start_s = time.perf_counter() - started
            if line.strip() == READY:
                break
        else:
            raise RuntimeError(f"the bot on {database} stopped before it was ready")
        time.sleep(IDLE_S)
        status = Path(f"/proc/{child.pid}/status").read_text(encoding="utf-8")
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        resident = int(fields["VmRSS"].split()[0]) / 1024
        peak = int(fields["VmHWM"].split()[0]) / 1024
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)
    return Memory(label, resident, peak, start_s)


async def prepare(volunteers: int, open_requests: int, folder: Path) -> tuple[Path, Path]:
    full = folder / "full"
    empty = folder / "empty"
    full.mkdir()
    empty.mkdir()
    return copy_of(await city(volunteers, open_requests), full), empty / "bot.db"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--open-requests", type=int, default=10_000)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_bot(args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        full, empty = asyncio.run(prepare(args.volunteers, args.open_requests, Path(folder)))
        stored = f"{args.volunteers:,} volunteers, {args.open_requests:,} open requests"
        # Alternate, twice each, so neither side always runs on a warmer machine.
        runs = [
            measure(label, path)
            for _ in range(2)
            for label, path in ((stored, full), ("empty database", empty))
        ]
    by_label: dict[str, list[Memory]] = {}
    for memory in runs:
        by_label.setdefault(memory.label, []).append(memory)
    rows = []
    for label, found in by_label.items():
        rows.append(
            (
                label,
                max(m.resident_mb for m in found),
                max(m.peak_mb for m in found),
                min(m.start_s for m in found),
            )
        )
    print(
        f"idle {IDLE_S:.0f} s after start-up and {WARM_QUERIES} first-wave searches, "
        "the larger of two runs each"
    )
    print_table(("stored", "resident MB (VmRSS)", "peak MB (VmHWM)", "start-up s"), rows)
    print_ratios([("resident, stored/empty", rows[0][1] / rows[1][1])])


if __name__ == "__main__":
    main()
