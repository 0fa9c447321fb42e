"""Broadcasts: the outbox drain's achieved rate against BROADCAST_RATE when the Bot API
answers 1 send in 1,000 with 429 (retry after 1 s), with duplicates and losses counted;
and the drain's peak Python memory (tracemalloc) for a small and a large audience.

    .venv/bin/python -m bench.broadcast [--rates 25:2000,500:10000] [--memory 100,10000]

Each run is the real application from build_application() on a fresh SQLite file of
consented people, with the HTTP edge replaced by a fake Bot API (below) that counts what
each person received. `rate:recipients` pairs: at 25/s (the default setting) 2,000 people
take 80 s; a second run at 500/s covers 10,000 people in seconds. Every 429 costs its
full retry_after (the worker does not burst to catch up, which would earn more 429s), so
"ideal" is recipients / (recipients / rate + 429s x retry_after): at 500/s a 1 s pause
per 1,000 messages is a third of the time, at 25/s it is 2.4%.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
import tracemalloc
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram.warnings import PTBDeprecationWarning

from bench.support import print_ratios, print_table, run
from bot.config import parse_settings
from bot.domain.broadcasts import Audience
from bot.domain.results import Started
from bot.services.budget import TELEGRAM_RATE, SendBudget
from bot.telegram.app import MutualAidApplication, build_application
from tests.support.telegram import BotApiStandIn, answered

COORDINATOR = 1
FIRST_ID = 1_000_000
EVERY_429 = 1000
RETRY_AFTER_S = 1
BOT = {"id": 42, "is_bot": True, "first_name": "Helper", "username": "helper_bot"}


class CountingTelegram(BotApiStandIn):
    """The Bot API, as little of it as a broadcast needs: counts each person's messages in
    a preallocated array (so the fake itself does not grow with the audience) and answers
    every `every_429`-th message to a recipient with 429."""

    def __init__(self, recipients: int, every_429: int) -> None:
        self.received = bytearray(recipients)
        self.every_429 = every_429
        self.sends = 0
        self.refused = 0
        self.message_ids = 0

    def answer(self, api: str, params: dict[str, Any]) -> tuple[int, bytes]:
        chat_id = int(params.get("chat_id", 0) or 0)
        if api == "getMe":
            return answered(BOT)
        if not api.startswith(("send", "edit")):
            return 200, b'{"ok": true, "result": true}'
        if api == "sendMessage" and chat_id >= FIRST_ID:
            self.sends += 1
            if self.every_429 and self.sends % self.every_429 == 0:
                self.refused += 1
                body = {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {RETRY_AFTER_S}",
                    "parameters": {"retry_after": RETRY_AFTER_S},
                }
                return 429, json.dumps(body).encode()
            index = chat_id - FIRST_ID
            self.received[index] = min(255, self.received[index] + 1)
        self.message_ids += 1
        message = {
            "message_id": int(params.get("message_id") or self.message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT,
            "text": str(params.get("text", "")),
        }
        return answered(message)


@dataclass(frozen=True)
class Drain:
    rate: float
    recipients: int
    seconds: float
    delivered: int
    duplicates: int
    lost: int
    refused: int
    peak_kib: float

    @property
    def achieved(self) -> float:
        return self.delivered / self.seconds

    @property
    def ideal(self) -> float:
        """The best rate possible at `rate` with each 429's wait taken in full."""
        return self.recipients / (self.recipients / self.rate + self.refused * RETRY_AFTER_S)


async def drain(rate: float, recipients: int, every_429: int, *, trace: bool) -> Drain:
    """One broadcast to `recipients` people, from Send until the report."""
    with tempfile.TemporaryDirectory() as folder:
        settings = parse_settings(
            {
                "BOT_TOKEN": "123456:BENCH-token",
                "DATABASE_PATH": str(Path(folder) / "bot.db"),
                "ADMIN_IDS": str(COORDINATOR),
                "BROADCAST_RATE": str(rate),
            }
        )
        telegram = CountingTelegram(recipients, every_429)
        # Above Telegram's 30 a second the bot's shared budget would be what is measured;
        # there (a stand-in Bot API, the worker's own speed) it is lifted.
        budget = SendBudget(math.inf) if rate > TELEGRAM_RATE else None
        app: MutualAidApplication = build_application(settings, request=telegram, budget=budget)
        async with app:
            services, storage = app.services, app.storage
            await storage.db.executemany(
                "INSERT INTO users (id, first_name, language, consented_at, notice_version, "
                "created_at) VALUES (?, ?, 'en', 0, 1, 0)",
                [(FIRST_ID + i, f"N{i}") for i in range(recipients)],
            )
            if trace:
                tracemalloc.start()
            baseline = tracemalloc.get_traced_memory()[0] if trace else 0
            started = time.perf_counter()
            draft = await services.broadcaster.prepare(
                COORDINATOR, Audience.EVERYONE, "Street party on Saturday <3 & tea"
            )
            outcome, queued = await services.broadcaster.send(draft.broadcast_id)
            if outcome is not Started.STARTED or queued != recipients:
                raise RuntimeError(f"the broadcast did not start: {outcome}, {queued} queued")
            await services.broadcaster.idle()
            seconds = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] - baseline if trace else 0
            if trace:
                tracemalloc.stop()
        counts = telegram.received
        return Drain(
            rate=rate,
            recipients=recipients,
            seconds=seconds,
            delivered=sum(1 for n in counts if n >= 1),
            duplicates=sum(n - 1 for n in counts if n > 1),
            lost=sum(1 for n in counts if n == 0),
            refused=telegram.refused,
            peak_kib=peak / 1024,
        )


def _pairs(raw: str) -> list[tuple[float, int]]:
    pairs = []
    for part in raw.split(","):
        rate, recipients = part.split(":")
        pairs.append((float(rate), int(recipients)))
    return pairs


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rates", default="25:2000,500:10000", help="rate:recipients,...")
    parser.add_argument("--memory", default="100,10000", help="audience sizes to trace")
    parser.add_argument("--memory-rate", type=float, default=1000)
    args = parser.parse_args()
    # PTB 22 warns when it builds the RetryAfter of each 429 (int -> timedelta one day).
    warnings.filterwarnings("ignore", category=PTBDeprecationWarning)

    print(f"Achieved rate, 1 send in {EVERY_429:,} answered 429 (retry after {RETRY_AFTER_S} s)")
    rates = [await drain(rate, n, EVERY_429, trace=False) for rate, n in _pairs(args.rates)]
    print_table(
        [
            "BROADCAST_RATE",
            "recipients",
            "429s",
            "seconds",
            "achieved/s",
            "of set rate",
            "ideal/s",
            "of ideal",
            "duplicates",
            "lost",
        ],
        [
            (
                f"{r.rate:g}",
                f"{r.recipients:,}",
                r.refused,
                r.seconds,
                r.achieved,
                f"{r.achieved / r.rate:.1%}",
                r.ideal,
                f"{r.achieved / r.ideal:.1%}",
                r.duplicates,
                r.lost,
            )
            for r in rates
        ],
    )
    print()
    sizes = [int(n) for n in args.memory.split(",")]
    print(f"Peak Python memory of the drain (tracemalloc), at {args.memory_rate:g}/s, no 429s")
    memory = [await drain(args.memory_rate, n, 0, trace=True) for n in sizes]
    print_table(
        ["recipients", "seconds", "peak KiB", "duplicates", "lost"],
        [(f"{m.recipients:,}", m.seconds, m.peak_kib, m.duplicates, m.lost) for m in memory],
    )
    ratios = [(f"achieved/set at {r.rate:g}/s", r.achieved / r.rate) for r in rates]
    if len(memory) >= 2:
        ratios.append(
            (
                f"peak memory {memory[-1].recipients:,}/{memory[0].recipients:,}",
                memory[-1].peak_kib / memory[0].peak_kib,
            )
        )
    print_ratios(ratios)


if __name__ == "__main__":
    run(main)
