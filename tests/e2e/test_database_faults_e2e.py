"""The real process while its database fails: another process holds the write lock past
the busy timeout, or the disk fills up. The bot answers after, or says to try again;
it never goes deaf, and `--check` tells a serving bot from a stopped one."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    BOTS,
    COORDINATOR,
    REQUESTER,
    BotProcess,
    Emulator,
    Neighbours,
    is_new,
    shows,
)
from tests.support.storage import sqlite_only

# A write lock held by another process and a full disk are SQLite's own faults;
# PostgreSQL's (a lost connection, a restarted server) are test_failover_e2e.py's.
pytestmark = sqlite_only


def _check(bot: BotProcess) -> int:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--check"],
        cwd=bot.workdir,
        env=bot.env(),
        capture_output=True,
        timeout=30,
    ).returncode


def test_a_lock_held_past_the_busy_timeout_delays_answers_but_loses_none(
    bot: BotProcess, neighbours: Neighbours
) -> None:
    neighbours.say(REQUESTER, "/start")
    neighbours.wait_for(REQUESTER, shows("v1:consent:yes"), "the privacy notice")
    other = sqlite3.connect(bot.database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # an sqlite3 shell, a backup script
    release = threading.Timer(7.0, other.execute, ("ROLLBACK",))  # past busy_timeout (5 s)
    release.start()
    try:
        neighbours.press(REQUESTER, "v1:consent:yes", timeout=30)
        neighbours.wait_for(REQUESTER, is_new, "the welcome after consent", timeout=30)
    finally:
        release.join()
        other.close()
    with sqlite3.connect(bot.database) as db:
        row = db.execute("SELECT consented_at FROM users WHERE id = ?", (REQUESTER,)).fetchone()
    assert row is not None
    assert row[0] is not None
    neighbours.say(REQUESTER, "/request")  # and later updates are handled
    neighbours.wait_for(REQUESTER, shows("v1:cat:groceries"), "the category question")
    assert _check(bot) == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs, where the disk can really fill up (needs the right to mount)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path) -> Path:
    """Write junk until the disk is full."""
    junk = folder / "junk"
    with contextlib.suppress(OSError), junk.open("wb") as out:
        while True:
            out.write(b"\0" * 4096)
            out.flush()
    return junk


def test_a_full_disk_is_told_and_the_bot_carries_on_when_there_is_room(
    emulator: Emulator,
    token: str,
    neighbours: Neighbours,
    tmp_path: Path,
    small_disk: Path,
    request: pytest.FixtureRequest,
) -> None:
    workdir = tmp_path / "bot"
    workdir.mkdir()
    bot = BotProcess(emulator, token, workdir, admin_ids=str(COORDINATOR))
    bot.database = small_disk / "bot.db"
    bot.extra_env = {"DB_RETRY_S": "1"}
    request.node.stash.setdefault(BOTS, []).append(bot)
    neighbours.watchdog = bot.assert_running
    bot.start()
    try:
        neighbours.say(COORDINATOR, "/start")
        neighbours.wait_for(COORDINATOR, shows("v1:consent:yes"), "the privacy notice")
        neighbours.press(COORDINATOR, "v1:consent:yes")
        neighbours.say(REQUESTER, "/start")
        neighbours.wait_for(REQUESTER, shows("v1:consent:yes"), "the privacy notice")
        junk = _fill(small_disk)
        answer = neighbours.press(REQUESTER, "v1:consent:yes", timeout=30)
        assert "try again in a few minutes" in str(answer.get("text"))  # on the button
        neighbours.wait_for(
            COORDINATOR, lambda m: "database is failing" in m.text, "the warning", 30
        )
        assert _check(bot) == 0  # serving: no restart is needed, and none would help

        junk.unlink()  # room again
        neighbours.press(REQUESTER, "v1:consent:yes", timeout=30)
        neighbours.wait_for(REQUESTER, is_new, "the welcome after consent", timeout=30)
        neighbours.wait_for(
            COORDINATOR, lambda m: "database works again" in m.text, "the all-clear", 30
        )
        neighbours.settle()
        warnings = [m for m in neighbours.screen(COORDINATOR) if "database is failing" in m.text]
        assert len(warnings) == 1
    finally:
        bot.stop()
    assert _check(bot) == 1  # stopped: the heartbeat says so
