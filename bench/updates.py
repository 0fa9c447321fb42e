"""Updates per second through the real Application, the Bot API replaced by a recording
request: the help loop (a whole /request conversation, then a volunteer's Accept) against
a bare echo handler on the same application, in the same run.

    .venv/bin/python -m bench.updates [--rounds 60] [--volunteers 10000]

Rounds alternate: one help loop (8 updates), then 8 echoed messages, so both see the same
noise. Only `process_update` is timed; the figures are medians over rounds. Between
blocks the benchmark waits for PTB's rate limiter (30 messages a second, Telegram's own
limit) to refill: in a tight loop both sides would measure that limiter, not the bot.
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

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes, MessageHandler, filters

from bench.support import (
    CITY_CENTER,
    CITY_RADIUS_KM,
    city,
    copy_of,
    median_ms,
    point_in_city,
    print_ratios,
    print_table,
    run,
)
from bot.telegram.app import build_application
from tests.conftest import COORDINATOR, Group, make_settings
from tests.support.telegram import FakeTelegram

ECHO_USER = 42
REQUESTERS = range(200, 210)
HELP_LOOP_STEPS = (
    "/request",
    "category press",
    "description",
    "when press",
    "location",
    "address",
    "confirm press (first wave)",
    "Accept press",
)
UPDATES_PER_LOOP = len(HELP_LOOP_STEPS)
# Messages a second PTB's AIORateLimiter lets through after a burst.
TELEGRAM_RATE = 30


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say the same words back: what PTB and our application cost without any feature."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(message.text or "")
    raise ApplicationHandlerStop  # the baseline must not reach the group's own handlers


@dataclass
class Step:
    """One kind of update: its handling times over the rounds, and the Bot API calls made."""

    name: str
    seconds: list[float] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)


async def handle(group: Group, step: Step, update: Update) -> float:
    """Handle one update, timed."""
    sent_before = len(group.telegram.calls)
    started = time.perf_counter()
    await group.app.process_update(update)
    seconds = time.perf_counter() - started
    step.seconds.append(seconds)
    step.calls.append(len(group.telegram.calls) - sent_before)
    return seconds


async def refill(calls: int) -> None:
    """Wait for PTB's rate limiter to let `calls` more messages through at once."""
    await asyncio.sleep(calls / TELEGRAM_RATE + 0.05)


async def help_loop(
    group: Group, steps: dict[str, Step], requester: int, lat: float, lon: float
) -> tuple[float, int]:
    """One request from /request to confirmation, and the nearest volunteer's Accept."""
    people, telegram = group.people, group.telegram
    seconds = 0.0
    for name, update in (
        ("/request", people.text(requester, "/request")),
        ("category press", people.press(requester, "v1:cat:groceries")),
        ("description", people.text(requester, "Milk, bread and a newspaper please")),
        ("when press", people.press(requester, "v1:when:asap")),
        ("location", people.location(requester, lat, lon)),
        ("address", people.text(requester, "12 Acacia Avenue, ring twice")),
        ("confirm press (first wave)", people.press(requester, "v1:confirm:yes")),
    ):
        seconds += await handle(group, steps[name], update)
    match = re.search(r"#(\d+)", telegram.last_to(requester).text)
    assert match, telegram.last_to(requester).text
    request_id = int(match.group(1))
    pinged = group.pinged(request_id)
    assert pinged, f"nobody was pinged about request {request_id}"
    accept = people.press(pinged[0], f"v1:accept:{request_id}", name="Vic")
    seconds += await handle(group, steps["Accept press"], accept)
    calls = len(telegram.calls)
    await refill(calls)
    telegram.clear()  # keeps the recording small over many rounds
    return seconds, calls


async def echo_round(group: Group, step: Step) -> tuple[float, int]:
    """As many echoed messages as the help loop has updates: seconds and Bot API calls."""
    seconds = 0.0
    for i in range(UPDATES_PER_LOOP):
        seconds += await handle(group, step, group.people.text(ECHO_USER, f"echo {i}"))
    calls = len(group.telegram.calls)
    await refill(calls)
    group.telegram.clear()
    return seconds, calls


async def measure(rounds: int, volunteers: int, folder: Path) -> Figures:
    settings = make_settings(
        folder,
        DATABASE_PATH=str(copy_of(await city(volunteers), folder)),
        AREA_CENTER=f"{CITY_CENTER[0]},{CITY_CENTER[1]}",
        AREA_RADIUS_KM=str(CITY_RADIUS_KM),
    )
    telegram = FakeTelegram()
    app = build_application(settings, request=telegram)
    app.add_handler(MessageHandler(filters.User(ECHO_USER) & filters.TEXT, echo), group=-100)
    rng = random.Random(2)
    figures = Figures()
    async with app:
        group = Group(app, telegram)
        for person in (COORDINATOR, *REQUESTERS):
            await group.consent(person)
        warm_up = Figures()  # caches, prepared statements, lazy imports
        for requester in REQUESTERS[:2]:
            await help_loop(group, warm_up.steps, requester, *point_in_city(rng))
            await echo_round(group, warm_up.echo)
        for i in range(rounds):
            requester = REQUESTERS[i % len(REQUESTERS)]
            help_s, help_calls = await help_loop(
                group, figures.steps, requester, *point_in_city(rng)
            )
            echo_s, echo_calls = await echo_round(group, figures.echo)
            figures.help_rates.append(UPDATES_PER_LOOP / help_s)
            figures.echo_rates.append(UPDATES_PER_LOOP / echo_s)
            figures.help_call_rates.append(help_calls / help_s)
            figures.echo_call_rates.append(echo_calls / echo_s)
    return figures


@dataclass
class Figures:
    steps: dict[str, Step] = field(
        default_factory=lambda: {name: Step(name) for name in HELP_LOOP_STEPS}
    )
    echo: Step = field(default_factory=lambda: Step("echo"))
    help_rates: list[float] = field(default_factory=list)
    echo_rates: list[float] = field(default_factory=list)
    # Bot API calls made per second of handling: the work per update differs, this not.
    help_call_rates: list[float] = field(default_factory=list)
    echo_call_rates: list[float] = field(default_factory=list)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--volunteers", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        figures = await measure(args.rounds, args.volunteers, Path(folder))
    help_rate = statistics.median(figures.help_rates)
    echo_rate = statistics.median(figures.echo_rates)
    print(f"{args.volunteers:,} volunteers stored, {args.rounds} rounds")
    print_table(
        ("update", "median ms", "Bot API calls"),
        [
            *(
                (step.name, median_ms(step.seconds), statistics.median(step.calls))
                for step in [*figures.steps.values(), figures.echo]
            ),
            ("help loop, per update", 1000 / help_rate, ""),
            ("echo, per update", 1000 / echo_rate, ""),
        ],
    )
    help_calls = statistics.median(figures.help_call_rates)
    echo_calls = statistics.median(figures.echo_call_rates)
    print(f"updates/s (median of rounds): help loop {help_rate:.0f}, echo {echo_rate:.0f}")
    print(f"Bot API calls/s of handling: help loop {help_calls:.0f}, echo {echo_calls:.0f}")
    print_ratios(
        [
            ("help loop/echo updates per second", help_rate / echo_rate),
            ("help loop/echo Bot API calls per second", help_calls / echo_calls),
        ]
    )


if __name__ == "__main__":
    run(main)
