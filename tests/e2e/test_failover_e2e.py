"""Two bot processes on one PostgreSQL database over the real Bot API: one serves, the
other stands by without calling Telegram, and takes over within FAILOVER_S when the first
is killed in the middle of a help loop, which then completes with every message once; and
the same loop across a restart of the PostgreSQL server itself (a server of the test's
own: the machine's shared one stays up).
(Run in the PostgreSQL half of `make test`; skipped, with the reason, in the SQLite half.)
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import postgres_url
from tests.e2e.conftest import (
    BYSTANDER,
    REQUESTER,
    Emulator,
    Neighbours,
    PrivateServer,
    bot_pair,
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
from tests.support.storage import postgres_only

# Run by make test's PostgreSQL half (it is end to end too: tests/e2e/conftest.py).
pytestmark = postgres_only

FAILOVER_S = 5


def test_a_standby_takes_over_a_help_loop_when_the_serving_bot_is_killed(
    emulator: Emulator,
    token: str,
    neighbours: Neighbours,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    people = neighbours
    serving, standby = bot_pair(
        emulator, token, tmp_path, request, postgres_url(tmp_path), FAILOVER_S
    )
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
        _said_once(people)
        assert_no_errors(standby, people)
        assert standby.stop() == 0, standby.log()
    finally:
        serving.stop()
        standby.stop()


def _said_once(people: Neighbours) -> None:
    """The requester and the volunteer (and the coordinator) saw every message once."""
    seen = Counter((m.chat_id, m.text) for m in people.sent_by_bot() if m.chat_id != BYSTANDER)
    twice = [text for (chat, text), n in seen.items() if n > 1]
    assert twice == [], "said twice"


def _until(done: Callable[[], bool], what: str, timeout: float, log: Callable[[], str]) -> float:
    """Wait for `done`; how long it took."""
    started = time.monotonic()
    while not done():
        assert time.monotonic() - started < timeout, f"no {what} within {timeout:g} s:\n{log()}"
        time.sleep(0.1)
    return time.monotonic() - started


def test_a_restart_of_the_postgresql_server_mid_help_loop_is_ridden_out(
    emulator: Emulator,
    token: str,
    neighbours: Neighbours,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    private_postgres: PrivateServer,
) -> None:
    people = neighbours
    url = private_postgres.url("restarted")
    serving, standby = bot_pair(emulator, token, tmp_path, request, url, FAILOVER_S)
    try:
        serving.start()
        standby.start(standby=True)
        people.watchdog = serving.assert_running
        ready(people, (301, NEAR))
        when_question = start_request(people, DESCRIPTION)
        people.settle()

        # Every connection ends, the serving lock's with it. The serving process can't
        # know whether another takes over: it stops (exit 3, for its supervisor to start
        # it again), without waiting for the server to come back.
        people.watchdog = standby.assert_running
        private_postgres.stop()
        assert serving.wait_for_exit(timeout=FAILOVER_S + 10) == 3, serving.log()
        assert "Traceback" not in serving.log(), serving.log()
        # The standby waits the outage out; the server comes back.
        time.sleep(1)
        standby.assert_running()
        polls = emulator.method_calls(token, "getUpdates")
        private_postgres.start()
        # ...and whichever holds the lock first serves: the standby, which was waiting.
        took = _until(
            lambda: emulator.method_calls(token, "getUpdates") > polls,
            "process serving again",
            FAILOVER_S + 15,
            lambda: standby.log() + serving.log(),
        )
        assert took < FAILOVER_S + 10, f"took {took:.1f} s"
        # The stopped one's supervisor starts it again: it stands by.
        serving.start(standby=True)

        # The half-finished request goes on where it stopped.
        request_id, _ = finish_request(people, ADDRESS, when_question)
        ping = people.wait_for(301, shows(f"v1:accept:{request_id}"), "the ping")
        people.press(301, f"v1:accept:{request_id}", on=ping)
        people.wait_for(REQUESTER, lambda m: "is going to help" in m.text, "the news")
        people.settle()
        _said_once(people)
        assert_no_errors(standby, people)
        # Stopped while standing by, it stops cleanly too (as `docker stop` would).
        assert serving.stop() == 0, serving.log()
        assert standby.stop() == 0, standby.log()
    finally:
        serving.stop()
        standby.stop()
