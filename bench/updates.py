"""Updates per second through the real Application, the Bot API replaced by a recording
request: the help loop (a whole /request conversation, then a volunteer's Accept) against
an echo handler on the same application (so through the project's per-update work:
duplicate check, language, stored conversation state), and against a bare
python-telegram-bot Application that only echoes, in the same run.

    .venv/bin/python -m bench.updates [--rounds 60] [--volunteers 10000]

Rounds alternate: one help loop (8 updates), then 8 messages echoed by each, so all see
the same noise. Only `process_update` is timed; the figures are medians over rounds.
Between blocks the benchmark waits for PTB's rate limiter (30 messages a second,
Telegram's own limit) to refill: in a tight loop both sides would measure that limiter,
not the bot. It also counts, with SQLite's own trace of every statement, what the
confirming press and the Accept press ask of the database, and sets what binds a real
group (Telegram's ~30 messages a second) against the CPU time one help loop costs here.
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
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    ContextTypes,
    MessageHandler,
    filters,
)

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
from bot.db.connection import SqliteDatabase
from bot.telegram.app import build_application
from tests.conftest import COORDINATOR, Group, make_settings
from tests.support.telegram import FakeTelegram, People

ECHO_USER = 42
# Each help loop has a requester of its own: a second ask of the same kind by the same
# person is asked whether it is the same need (another update, another figure).
FIRST_REQUESTER = 200
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


async def bare_echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(message.text or "")


@dataclass
class Statements:
    """What SQLite ran for one update, from its trace callback."""

    seen: list[str] = field(default_factory=list)

    def trace(self, sql: str) -> None:
        self.seen.append(" ".join(sql.split()).upper())

    def counts(self) -> dict[str, int]:
        selects = writes = commits = users = 0
        in_transaction = False
        for sql in self.seen:
            if sql.startswith("BEGIN"):
                in_transaction = True
            elif sql.startswith(("COMMIT", "END")):
                in_transaction = False
                commits += 1
            elif sql.startswith("ROLLBACK"):
                in_transaction = False
            elif sql.startswith(("SELECT", "WITH")):
                selects += 1
                users += " FROM USERS " in f"{sql} "
            elif sql.startswith(("INSERT", "UPDATE", "DELETE", "REPLACE")):
                writes += 1
                # isolation_level=None: a write outside BEGIN ... COMMIT commits alone.
                commits += not in_transaction
        statements = sum(1 for sql in self.seen if not sql.startswith(("BEGIN", "COMMIT")))
        return {
            "statements": statements,
            "SELECTs": selects,
            "user lookups": users,
            "writes": writes,
            "commits": commits,
        }


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
    group: Group,
    steps: dict[str, Step],
    requester: int,
    lat: float,
    lon: float,
    sql: dict[str, Statements] | None = None,
) -> tuple[float, int, int]:
    """One request from /request to confirmation, and the nearest volunteer's Accept.
    With `sql`, the statements of the confirming press and the Accept press go there."""
    people, telegram = group.people, group.telegram
    tracer = Statements()
    backend = group.app.storage.db.backend
    assert isinstance(backend, SqliteDatabase), "the statement trace is SQLite's"
    connection = backend._require()  # the bench's look inside
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
        if sql is not None and name.startswith("confirm"):
            await connection.set_trace_callback(tracer.trace)
        seconds += await handle(group, steps[name], update)
    if sql is not None:
        await connection.set_trace_callback(None)  # type: ignore[arg-type]  # None stops it
        sql["confirm press (first wave)"] = tracer
        tracer = Statements()
    match = re.search(r"#(\d+)", telegram.last_to(requester).text)
    assert match, telegram.last_to(requester).text
    request_id = int(match.group(1))
    pinged = group.pinged(request_id)
    assert pinged, f"nobody was pinged about request {request_id}"
    accept = people.press(pinged[0], f"v1:accept:{request_id}", name="Vic")
    if sql is not None:
        await connection.set_trace_callback(tracer.trace)
    seconds += await handle(group, steps["Accept press"], accept)
    if sql is not None:
        await connection.set_trace_callback(None)  # type: ignore[arg-type]  # None stops it
        sql["Accept press"] = tracer
    calls = len(telegram.calls)
    messages = sum(1 for call in telegram.calls if call.chat_id is not None)
    await refill(calls)
    telegram.clear()  # keeps the recording small over many rounds
    return seconds, calls, messages


async def echo_round(group: Group, step: Step) -> tuple[float, int]:
    """As many echoed messages as the help loop has updates: seconds and Bot API calls."""
    seconds = 0.0
    for i in range(UPDATES_PER_LOOP):
        seconds += await handle(group, step, group.people.text(ECHO_USER, f"echo {i}"))
    calls = len(group.telegram.calls)
    await refill(calls)
    group.telegram.clear()
    return seconds, calls


class Bare:
    """python-telegram-bot alone: an Application with one echo handler, nothing else."""

    def __init__(self) -> None:
        self.telegram = FakeTelegram()
        self.app = (
            Application.builder()
            .token("123456:BARE-token")
            .request(self.telegram)
            .get_updates_request(self.telegram)
            .build()
        )
        self.app.add_handler(MessageHandler(filters.TEXT, bare_echo))
        self.people = People(self.app.bot)

    async def round(self, step: Step) -> tuple[float, int]:
        seconds = 0.0
        for i in range(UPDATES_PER_LOOP):
            update = self.people.text(ECHO_USER, f"echo {i}")
            started = time.perf_counter()
            await self.app.process_update(update)
            took = time.perf_counter() - started
            step.seconds.append(took)
            step.calls.append(1)
            seconds += took
        calls = len(self.telegram.calls)
        self.telegram.clear()
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
    bare = Bare()
    async with app, bare.app:
        group = Group(app, telegram)
        requesters = range(FIRST_REQUESTER, FIRST_REQUESTER + rounds + 2)
        for person in (COORDINATOR, *requesters):
            await group.consent(person)
        warm_up = Figures()  # caches, prepared statements, lazy imports
        for requester in requesters[:2]:
            await help_loop(group, warm_up.steps, requester, *point_in_city(rng))
            await echo_round(group, warm_up.echo)
            await bare.round(warm_up.bare)
        for i in range(rounds):
            requester = requesters[i + 2]
            cpu = time.process_time()
            sql = figures.sql if i == rounds // 2 else None  # one loop, mid-run
            help_s, help_calls, messages = await help_loop(
                group, figures.steps, requester, *point_in_city(rng), sql
            )
            figures.help_cpu_s.append(time.process_time() - cpu)
            figures.help_messages.append(messages)
            echo_s, echo_calls = await echo_round(group, figures.echo)
            bare_s, bare_calls = await bare.round(figures.bare)
            figures.help_rates.append(UPDATES_PER_LOOP / help_s)
            figures.echo_rates.append(UPDATES_PER_LOOP / echo_s)
            figures.bare_rates.append(UPDATES_PER_LOOP / bare_s)
            figures.help_call_rates.append(help_calls / help_s)
            figures.echo_call_rates.append(echo_calls / echo_s)
            figures.bare_call_rates.append(bare_calls / bare_s)
    return figures


@dataclass
class Figures:
    steps: dict[str, Step] = field(
        default_factory=lambda: {name: Step(name) for name in HELP_LOOP_STEPS}
    )
    echo: Step = field(default_factory=lambda: Step("echo"))
    bare: Step = field(default_factory=lambda: Step("bare PTB echo"))
    help_rates: list[float] = field(default_factory=list)
    echo_rates: list[float] = field(default_factory=list)
    bare_rates: list[float] = field(default_factory=list)
    # Bot API calls made per second of handling: the work per update differs, this not.
    help_call_rates: list[float] = field(default_factory=list)
    echo_call_rates: list[float] = field(default_factory=list)
    bare_call_rates: list[float] = field(default_factory=list)
    # CPU seconds of one whole help loop (the process: aiosqlite's thread included).
    help_cpu_s: list[float] = field(default_factory=list)
    # Messages (calls to a chat) of one help loop: what Telegram's 30 a second counts.
    help_messages: list[int] = field(default_factory=list)
    sql: dict[str, Statements] = field(default_factory=dict)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--volunteers", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        figures = await measure(args.rounds, args.volunteers, Path(folder))
    help_rate = statistics.median(figures.help_rates)
    echo_rate = statistics.median(figures.echo_rates)
    bare_rate = statistics.median(figures.bare_rates)
    print(f"{args.volunteers:,} volunteers stored, {args.rounds} rounds")
    print_table(
        ("update", "median ms", "Bot API calls"),
        [
            *(
                (step.name, median_ms(step.seconds), statistics.median(step.calls))
                for step in [*figures.steps.values(), figures.echo, figures.bare]
            ),
            ("help loop, per update", 1000 / help_rate, ""),
            ("echo, per update", 1000 / echo_rate, ""),
            ("bare PTB echo, per update", 1000 / bare_rate, ""),
        ],
    )
    help_calls = statistics.median(figures.help_call_rates)
    echo_calls = statistics.median(figures.echo_call_rates)
    bare_calls = statistics.median(figures.bare_call_rates)
    print(
        f"updates/s (median of rounds): help loop {help_rate:.0f}, echo {echo_rate:.0f}, "
        f"bare PTB echo {bare_rate:.0f}"
    )
    print(
        f"Bot API calls/s of handling: help loop {help_calls:.0f}, echo {echo_calls:.0f}, "
        f"bare PTB echo {bare_calls:.0f}"
    )
    print()
    print("What one press asks of SQLite (one help loop mid-run, from its statement trace)")
    print_table(
        ("press", "statements", "SELECTs", "user lookups", "writes", "commits"),
        [(name, *stats.counts().values()) for name, stats in figures.sql.items()],
    )
    # What binds a real group: Telegram's messages a second, or this machine's CPU.
    messages = statistics.median(figures.help_messages)
    cpu_s = statistics.median(figures.help_cpu_s)
    by_telegram = TELEGRAM_RATE * 3600 / messages
    by_cpu = 3600 / cpu_s
    print()
    print(
        f"help loops an hour one bot can carry: {by_telegram:,.0f} at Telegram's "
        f"{TELEGRAM_RATE} messages a second ({messages:.0f} messages a loop), against "
        f"{by_cpu:,.0f} by CPU ({cpu_s * 1000:.0f} ms CPU a loop, one core)"
    )
    print_ratios(
        [
            ("help loop/echo updates per second", help_rate / echo_rate),
            ("help loop/echo Bot API calls per second", help_calls / echo_calls),
            ("help loop/bare PTB echo updates per second", help_rate / bare_rate),
            ("help loop/bare PTB echo Bot API calls per second", help_calls / bare_calls),
            ("echo/bare PTB echo updates per second", echo_rate / bare_rate),
            ("CPU-bound/Telegram-bound help loops an hour", by_cpu / by_telegram),
        ]
    )


if __name__ == "__main__":
    run(main)
