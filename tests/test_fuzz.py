"""Bad input, generated: thousands of odd updates fed into the real application.

Whatever arrives (random text, control characters, HTML, 4,096-character messages,
commands with odd arguments, locations at the poles, forged and stale buttons, edited
messages, updates with no user) no handler raises, every button press is answered once,
and the database stays consistent.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.telegram.app import build_application
from tests.conftest import (
    COORDINATOR,
    HOME,
    MIDDLE,
    NEAR,
    POSTGRES_URL,
    REQUESTER,
    SCHEMAS,
    Group,
    make_settings,
)
from tests.support.telegram import BOT_USER, FakeTelegram

PEOPLE = (COORDINATOR, REQUESTER, 301, 302, 999)
COMMANDS = (
    "/start",
    "/help",
    "/privacy",
    "/cancel",
    "/request",
    "/myrequests",
    "/volunteer",
    "/mytasks",
    "/pause",
    "/resume",
    "/pending",
    "/language",
    "/open",
    "/stats",
    "/export",
    "/broadcast",
    "/onbehalf",
    "/forgetme",
    "/concern",
    "/nonsense",
)
ACTIONS = (
    "consent",
    "role",
    "cat",
    "when",
    "confirm",
    "accept",
    "decline",
    "done",
    "release",
    "cancelreq",
    "vcat",
    "vsave",
    "approve",
    "reject",
    "lang",
    "pingall",
    "close",
    "later",
    "fb",
    "avail",
    "stopseries",
    "bogus",
)
ARGS = st.one_of(
    st.sampled_from(
        [
            "1",
            "2",
            "0",
            "-1",
            "yes",
            "no",
            "need",
            "offer",
            "groceries",
            "weekly",
            "weekend",
            "en",
            "9" * 25,
            "",
        ]
    ),
    st.text(alphabet=st.characters(codec="ascii"), max_size=12),
)
TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet="<>&\"'/\\\x00\x07\u200f\u202e😀", max_size=50),
    st.just("<b>" * 1000 + "&" * 1096),  # 4,096 characters of HTML
    st.builds(lambda c, a: f"{c} {a}", st.sampled_from(COMMANDS), st.text(max_size=70)),
    st.sampled_from(COMMANDS),
)
LOCATION = st.one_of(
    st.tuples(st.floats(-90, 90), st.floats(-180, 180)),
    st.sampled_from([(90.0, 0.0), (-90.0, 180.0), (0.0, 0.0), HOME, (48.85, 2.35)]),
)
CALLBACK = st.one_of(
    st.builds(
        lambda a, xs: ":".join(["v1", a, *xs]),
        st.sampled_from(ACTIONS),
        st.lists(ARGS, max_size=3),
    ),
    st.text(max_size=64),
)


@st.composite
def updates(draw: st.DrawFn) -> dict[str, Any]:
    user_id = draw(st.sampled_from(PEOPLE))
    user = {
        "id": user_id,
        "is_bot": False,
        "first_name": draw(st.text(max_size=20)) or "X",
        "language_code": draw(st.sampled_from(["en", "pl", "cy", "xx", None])),
    }
    chat = {"id": user_id, "type": "private"}
    kind = draw(
        st.sampled_from(["text", "text", "location", "press", "press", "edited", "channel"])
    )
    base = {
        "message_id": draw(st.integers(1, 2000)),
        "date": int(time.time()),
        "chat": chat,
        "from": user,
    }
    if kind in ("text", "edited"):
        text = draw(TEXT) or "."
        message: dict[str, Any] = {**base, "text": text}
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return {"edited_message" if kind == "edited" else "message": message}
    if kind == "location":
        lat, lon = draw(LOCATION)
        return {"message": {**base, "location": {"latitude": lat, "longitude": lon}}}
    if kind == "channel":
        return {
            "channel_post": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": -100123, "type": "channel"},
                "text": "hi",
            }
        }
    return {
        "callback_query": {
            "id": "q",
            "from": user,
            "chat_instance": "c",
            "data": draw(CALLBACK),
            "message": {**base, "from": BOT_USER, "text": "…"},
        }
    }


async def _neighbourhood(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.enrol(301, NEAR, name="Alice")
    await group.enrol(302, MIDDLE, name="Bashir")
    await group.consent(REQUESTER, name="Rita")
    await group.ask()


async def _consistency_problems(group: Group) -> list[str]:
    db = group.app.storage.db
    problems = []
    # PostgreSQL checks its foreign keys as it writes, and has no integrity check to ask.
    if db.dialect == "sqlite":
        if (await db.fetchone("PRAGMA integrity_check"))[0] != "ok":  # type: ignore[index]
            problems.append("integrity check failed")
        if await db.fetchall("PRAGMA foreign_key_check"):
            problems.append("foreign keys broken")
    orphans = await db.fetchall("SELECT id FROM requests WHERE requester_id IS NULL")
    if orphans:
        problems.append(f"requests without a requester: {[r[0] for r in orphans]}")
    bad_claims = await db.fetchall(
        """SELECT r.id FROM requests r LEFT JOIN volunteers v ON v.user_id = r.volunteer_id
           WHERE r.status = 'claimed' AND (v.status IS NULL OR v.status <> 'approved')"""
    )
    if bad_claims:
        problems.append(f"claims by volunteers who aren't approved: {bad_claims}")
    return problems


TRIED = itertools.count()


async def _run(folder: Path, batch: list[dict[str, Any]]) -> None:
    telegram = FakeTelegram()
    app = build_application(make_settings(folder), request=telegram)
    errors: list[BaseException] = []

    async def record(update: object, context: Any) -> None:
        errors.append(context.error)

    app.add_error_handler(record)
    async with app:
        group = Group(app, telegram)
        await _neighbourhood(group)
        for number, raw in enumerate(batch, start=10_000):
            update = Update.de_json({"update_id": number, **raw}, app.bot)
            answered = len(telegram.answers())
            await app.process_update(update)
            next(TRIED)
            if update.callback_query is not None:
                assert len(telegram.answers()) == answered + 1, f"not answered once: {raw}"
        assert errors == [], errors
        assert await _consistency_problems(group) == []
        assert all(len(c.text) <= 4096 for c in telegram.calls)
    if POSTGRES_URL:
        # Each example is a new group in a new folder; its schema is emptied for the
        # next one now, not after the whole test (tests/support/schemas.py).
        await SCHEMAS.take_back()


# Each example is a new group: on PostgreSQL about four times the cost of SQLite's, so
# that half tries half as many (its updates reach the same handlers; what differs there
# is the storage, which 40 batches of 15-40 updates exercise well).
EXAMPLES = 40 if POSTGRES_URL else 80


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(updates(), min_size=15, max_size=40))
def test_no_update_breaks_the_bot(tmp_path_factory: Any, batch: list[dict[str, Any]]) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    asyncio.run(_run(folder, batch))
