"""Two bot processes on one PostgreSQL database over the real Bot API: one serves, the
other stands by without calling Telegram, and takes over within FAILOVER_S when the first
is killed in the middle of a help loop, which then completes with every message once.
(Run in the PostgreSQL half of `make test`; tests/e2e/conftest.py leaves it out otherwise.)
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import postgres_url
from tests.e2e.conftest import (
    BOTS,
    BYSTANDER,
    COORDINATOR,
    REQUESTER,
    BotProcess,
    Emulator,
    Neighbours,
    shows,
)
from tests.e2e.steps import (
    ADDRESS,
    DESCRIPTION,
    NEAR,
    assert_no_errors,
    finish_request,
    ready,
    start_request,
)

# Run by make test's PostgreSQL half (it is end to end too: tests/e2e/conftest.py).
pytestmark = pytest.mark.postgres

FAILOVER_S = 5


def _pair(
    emulator: Emulator, token: str, tmp_path: Path, request: pytest.FixtureRequest
) -> tuple[BotProcess, BotProcess]:
    url = postgres_url(tmp_path)
    bots = []
    for name in ("one", "two"):
        workdir = tmp_path / name
        workdir.mkdir()
        bot = BotProcess(emulator, token, workdir, admin_ids=str(COORDINATOR))
        bot.extra_env.update(DATABASE_URL=url, FAILOVER_S=str(FAILOVER_S))
        request.node.stash.setdefault(BOTS, []).append(bot)
        bots.append(bot)
    return bots[0], bots[1]


def test_a_standby_takes_over_a_help_loop_when_the_serving_bot_is_killed(
    emulator: Emulator,
    token: str,
    neighbours: Neighbours,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    people = neighbours
    serving, standby = _pair(emulator, token, tmp_path, request)
    try:
        serving.start()
        standby.start(standby=True)
        people.watchdog = serving.assert_running
        ready(people, (301, NEAR))
        when_question = start_request(people, DESCRIPTION)
        people.settle()
        # Standing by, it has said nothing and asked Telegram for nothing.
        assert "Standing by" in standby.log()
        assert "Application started" not in standby.log()

        polls = emulator.method_calls(token, "getUpdates")
        assert serving.stop(kill=True) == -signal.SIGKILL
        killed_at = time.monotonic()
        people.watchdog = standby.assert_running
        while emulator.method_calls(token, "getUpdates") <= polls:
            assert time.monotonic() - killed_at < FAILOVER_S + 10, standby.log()
            time.sleep(0.1)
        took_over = time.monotonic() - killed_at
        assert took_over < FAILOVER_S + 5, f"took {took_over:.1f} s"

        # The half-finished request goes on where it stopped, on the other process.
        request_id, _ = finish_request(people, ADDRESS, when_question)
        ping = people.wait_for(301, shows(f"v1:accept:{request_id}"), "the ping")
        people.press(301, f"v1:accept:{request_id}", on=ping)
        people.wait_for(REQUESTER, lambda m: "is going to help" in m.text, "the news")
        people.settle()

        # (The bystander's /privacy is settle()'s barrier, asked for each time.)
        seen = Counter((m.chat_id, m.text) for m in people.sent_by_bot() if m.chat_id != BYSTANDER)
        twice = [text for (chat, text), n in seen.items() if n > 1]
        assert twice == [], "said twice after the takeover"
        assert_no_errors(standby, people)
        assert standby.stop() == 0, standby.log()
    finally:
        serving.stop()
        standby.stop()
