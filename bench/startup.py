"""Start-up with pending reminders: how long until the bot is ready, and the memory used.

Every reminder is a row that start-up re-arms as a JobQueue job (bot/services/reminders.py).
This compares, in one run, start-up over an empty reminders table (A) against one with
10,000 pending reminders (B): medians of several starts each. Target: B ready in under 2 s.

    .venv/bin/python -m bench.startup
"""

from __future__ import annotations

import asyncio
import gc
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bot.db import Database
from bot.telegram.app import build_application
from tests.conftest import make_settings
from tests.support.telegram import FakeTelegram

REMINDERS = 10_000
RUNS = 5
KINDS = ("escalate", "alert", "before", "follow_up", "expire")


async def fill(path: Path, count: int) -> None:
    """`count` pending reminders, due over the next week (kinds as the bot stores them)."""
    db = Database(path)
    await db.open()
    now = time.time()
    await db.executemany(
        "INSERT INTO reminders (key, kind, due_at, created_at) VALUES (?, ?, ?, ?)",
        ((f"bench:{n}", KINDS[n % len(KINDS)], now + 60 + n * 60, now) for n in range(count)),
    )
    await db.close()


async def start_once(folder: Path) -> tuple[float, int, int]:
    """Seconds from build to ready (post_init done, scheduler running), armed jobs, and
    the peak Python memory allocated on the way."""
    settings = make_settings(folder)
    gc.collect()
    tracemalloc.start()
    began = time.perf_counter()
    app = build_application(settings, request=FakeTelegram())
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    ready = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert app.job_queue is not None
    jobs = len(app.job_queue.jobs())
    await app.stop()
    await app.shutdown()
    return ready, jobs, peak


async def measure(count: int) -> tuple[float, int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        await fill(folder / "bot.db", count)
        results = [await start_once(folder) for _ in range(RUNS)]
    times = [r[0] for r in results]
    return statistics.median(times), results[0][1], statistics.median(r[2] for r in results)


async def main() -> None:
    empty = await measure(0)
    full = await measure(REMINDERS)
    rows = [("A: no reminders", 0, *empty), (f"B: {REMINDERS:,} reminders", REMINDERS, *full)]
    print(
        f"{'start-up':<22} {'reminders':>10} {'ready (median s)':>17} {'jobs armed':>11} "
        f"{'peak alloc MiB':>15}"
    )
    for name, count, ready, jobs, peak in rows:
        print(f"{name:<22} {count:>10,} {ready:>17.3f} {jobs:>11,} {peak / 2**20:>15.1f}")
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss_mib:.0f} MiB ({sys.platform}, {RUNS} starts each)")
    target = "met" if full[0] < 2 else "MISSED"
    print(
        f"ratios: B/A ready time {full[0] / max(empty[0], 1e-9):.1f}x; "
        f"B ready {full[0]:.2f} s vs target 2 s ({target}); "
        f"extra memory for {REMINDERS:,} reminders {(full[2] - empty[2]) / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    asyncio.run(main())
