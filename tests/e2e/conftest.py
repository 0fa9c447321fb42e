"""End-to-end fixtures: the local Bot API emulator (../shared/tg-emulator), the real bot
process (`python -m bot`, long polling) pointed at it, and `Neighbours`, who play the
people of the group over the emulator's client API. In the PostgreSQL half of the run
(TEST_DATABASE_URL) each bot keeps its group in a PostgreSQL schema of its own.

The bot is driven only from outside, as Telegram would: nothing here calls its code. The
one import from the project is tests/conftest.py's POSTGRES_URL and postgres_url, so that
a bot process gets the same PostgreSQL server and its own schema there as the in-process
tests do (and its schemas are dropped with theirs); that module imports the bot for the
in-process tests' fixtures.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import asyncpg
import httpx
import pytest

from tests.conftest import POSTGRES_URL, postgres_url

REPO = Path(__file__).resolve().parents[2]
EMULATOR_MODULES = REPO / ".tg-emulator" / "node_modules"

COORDINATOR = 100
REQUESTER = 200
# Someone who has nothing to do with the group: their /privacy is a barrier (see settle()).
BYSTANDER = 9_999
AREA_CENTER = "51.5000,-0.1000"

TIMEOUT_S = 10.0  # the longest any single expected reaction may take
# Start-up imports the whole bot and compiles nothing, but on a busy two-core machine a
# cold Python start has taken over 10 s; a slow start is not what these tests look for.
START_TIMEOUT_S = 30.0
POLL_S = 0.05

# Every setting the bot reads: removed from the inherited environment, so a developer's
# shell (or CI) can't change what the bot under test does.
# Every setting the bot reads, as documented in .env.example: none may leak in from the
# environment the tests run in.
BOT_SETTINGS = frozenset(
    line.split("=", 1)[0]
    for line in (REPO / ".env.example").read_text().splitlines()
    if re.match(r"^[A-Z][A-Z0-9_]*=", line)
)

# The emulator's own switches that would change what these tests see (faults, no patches).
EMULATOR_KNOBS = (
    "PATCHES",
    "FAULT_EVERY429",
    "FAULT_RETRY_AFTER",
    "FAULT_EVERY500",
    "EDIT_KEEPS_MARKUP",
)

_token_numbers = itertools.count(123_456)


# --- finding and running the emulator ------------------------------------------------------


def emulator_src() -> Path:
    """The emulator's folder: $TG_EMULATOR_SRC (relative to the repo), else ../shared."""
    raw = os.environ.get("TG_EMULATOR_SRC", "").strip()
    path = Path(raw) if raw else REPO.parent / "shared" / "tg-emulator"
    return path if path.is_absolute() else REPO / path


def unavailable(reason: str) -> NoReturn:
    """Skip the e2e tests, or fail them when CI demands that they run (REQUIRE_E2E)."""
    if os.environ.get("REQUIRE_E2E"):
        pytest.fail(f"{reason} (REQUIRE_E2E is set, so e2e tests may not be skipped)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stop_process(process: subprocess.Popen[bytes], *, kill: bool, grace_s: float = 10.0) -> int:
    """SIGKILL, or SIGTERM and wait (then SIGKILL); returns the exit code."""
    if process.poll() is None:
        if kill:
            process.kill()
        else:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()


class Emulator:
    """The running emulator: the Bot API at /bot<token>/..., and the client API for tests."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._http = httpx.Client(base_url=url, timeout=TIMEOUT_S, trust_env=False)

    def call(self, path: str, payload: dict[str, Any] | None = None) -> Any:
        """POST JSON to a client-API path; the `result` of an `ok` answer."""
        response = self._http.post(path, json=payload or {})
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict) or not body.get("ok"):
            raise AssertionError(f"emulator {path}: HTTP {response.status_code} {response.text}")
        return body.get("result")

    def bot_api(self, token: str, method: str, payload: dict[str, Any] | None = None) -> Any:
        """Call a Bot API method as the bot would (e.g. getMe)."""
        return self.call(f"/bot{token}/{method}", payload)

    def stats(self, token: str) -> dict[str, Any]:
        stats: dict[str, Any] = self.call("/getStats", {"token": token})
        return stats

    def method_calls(self, token: str, method: str) -> int:
        calls: int = self.stats(token)["methods"].get(method, {}).get("calls", 0)
        return calls

    def reset(self) -> None:
        self.call("/reset")

    def close(self) -> None:
        self._http.close()


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The Bot API emulator on a free localhost port, for the whole session."""
    script = emulator_src() / "start.js"
    if not script.is_file():
        unavailable(
            f"Bot API emulator not found at {script.parent}: check out ../shared/tg-emulator "
            "or set TG_EMULATOR_SRC, then run make emulator"
        )
    if not (EMULATOR_MODULES / "telegram-test-api").is_dir():
        unavailable(
            f"the Bot API emulator's npm package is not installed in {EMULATOR_MODULES}: "
            "run make emulator"
        )
    node = shutil.which("node")
    if node is None:
        unavailable("node is not on PATH: the Bot API emulator needs Node.js (>= 18)")

    port = free_port()
    folder = tmp_path_factory.mktemp("tg-emulator")
    log_path = folder / "emulator.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [node, str(script), str(port)],
            cwd=script.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={
                **{k: v for k, v in os.environ.items() if k not in EMULATOR_KNOBS},
                "NODE_PATH": str(EMULATOR_MODULES),
            },
        )
    running = Emulator(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"the Bot API emulator exited with {process.returncode}:\n"
                    + log_path.read_text(errors="replace")
                )
            try:
                running.call("/getStats")
                break
            except (httpx.TransportError, AssertionError):
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"the Bot API emulator did not answer on port {port} within "
                        f"{TIMEOUT_S:g} s:\n" + log_path.read_text(errors="replace")
                    )
                time.sleep(POLL_S)
        yield running
    finally:
        running.close()
        stop_process(process, kill=False, grace_s=5)


# --- what the bot sent, as a person's Telegram app shows it ------------------------------


def _truthy(value: object) -> bool:
    return value in (True, 1, "true", "True", "1")


@dataclass(frozen=True)
class BotMessage:
    """One message the bot sent (or one state of it: every edit is seen again)."""

    chat_id: int
    message_id: int
    text: str
    buttons: tuple[str, ...]  # callback_data of the inline buttons
    labels: tuple[str, ...]  # what the inline buttons say
    links: tuple[str, ...]  # the url of each inline URL button
    asks_location: bool  # a reply-keyboard button that shares the location
    edited: bool
    protected: bool  # protect_content: can't be forwarded or saved
    parse_mode: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, entry: dict[str, Any]) -> BotMessage:
        message: dict[str, Any] = entry["message"]
        markup = message.get("reply_markup")
        if isinstance(markup, str):  # stored as sent, should the emulator not decode it
            markup = _json_or_none(markup)
        markup = markup if isinstance(markup, dict) else {}
        inline = [
            button
            for row in markup.get("inline_keyboard", [])
            for button in row
            if isinstance(button, dict)
        ]
        asks_location = any(
            isinstance(button, dict) and _truthy(button.get("request_location"))
            for row in markup.get("keyboard", [])
            for button in row
        )
        return cls(
            chat_id=int(message["chat_id"]),
            message_id=int(entry["messageId"]),
            text=str(message.get("text") or message.get("caption") or ""),
            buttons=tuple(str(button.get("callback_data", "")) for button in inline),
            labels=tuple(str(button.get("text", "")) for button in inline),
            links=tuple(str(button["url"]) for button in inline if button.get("url")),
            asks_location=asks_location,
            edited=bool(entry.get("edited")),
            protected=_truthy(message.get("protect_content")),
            parse_mode=message.get("parse_mode"),
            raw=entry,
        )


def _json_or_none(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def is_new(message: BotMessage) -> bool:
    """A message that was sent, not an edit of an earlier one."""
    return not message.edited


def shows(data: str) -> Callable[[BotMessage], bool]:
    """A message with this button on it."""
    return lambda message: data in message.buttons


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9A-Fa-f]+);")
_TELEGRAM_TAGS = frozenset(
    [
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    ]
)


def html_problems(text: str) -> list[str]:
    """Why Telegram would refuse `text` with parse_mode=HTML (the emulator doesn't check):
    tags it doesn't support, unbalanced tags, or a bare `<` or `&`."""
    problems: list[str] = []
    open_tags: list[str] = []
    position = 0
    for tag in [*_TAG.finditer(text), None]:
        chunk = text[position : tag.start() if tag else len(text)]
        if "<" in chunk:
            problems.append(f"unescaped '<' in {chunk!r}")
        if chunk.count("&") != len(_ENTITY.findall(chunk)):
            problems.append(f"unescaped '&' in {chunk!r}")
        if tag is None:
            break
        position = tag.end()
        closing, name = tag.group(1) == "/", tag.group(2).lower()
        if name not in _TELEGRAM_TAGS:
            problems.append(f"unsupported tag <{tag.group(1)}{name}>")
        elif not closing:
            open_tags.append(name)
        elif not open_tags or open_tags.pop() != name:
            problems.append(f"unbalanced </{name}>")
    problems.extend(f"unclosed <{name}>" for name in open_tags)
    return problems


# --- the people -----------------------------------------------------------------------


class Neighbours:
    """The people in a test, each with a Telegram app: they type, share their location and
    press buttons through the emulator's client API, and read what the bot sent them.

    Each person's screen keeps every message (and every edit) the bot sent them. A message
    counts as read once wait_for() returned it, or when the person acts (say, share, press):
    so wait_for() after an action only finds what came after it.
    """

    def __init__(self, emulator: Emulator, token: str, names: dict[int, str]) -> None:
        self.emulator = emulator
        self.token = token
        self.names = dict(names)
        # The language each person's Telegram app runs in (language_code); English if unset.
        self.languages: dict[int, str] = {}
        # Called while waiting, e.g. to fail at once if the bot process died.
        self.watchdog: Callable[[], None] = lambda: None
        self._screens: dict[int, list[BotMessage]] = {}
        self._read: dict[int, set[int]] = {}
        self._bot_user: dict[str, Any] | None = None

    # who is who

    def person(self, user_id: int) -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": self.names.get(user_id, f"User{user_id}"),
            "language_code": self.languages.get(user_id, "en"),
        }

    def chat(self, user_id: int) -> dict[str, Any]:
        return {
            "id": user_id,
            "type": "private",
            "first_name": self.names.get(user_id, f"User{user_id}"),
        }

    @property
    def bot_user(self) -> dict[str, Any]:
        if self._bot_user is None:
            self._bot_user = dict(self.emulator.bot_api(self.token, "getMe"))
        return self._bot_user

    # acting

    def say(self, user_id: int, text: str) -> None:
        """Type a message; one starting with / is a command."""
        self.read_all(user_id)
        message: dict[str, Any] = {
            "botToken": self.token,
            "from": self.person(user_id),
            "chat": self.chat(user_id),
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
            self.emulator.call("/sendCommand", message)
        else:
            self.emulator.call("/sendMessage", message)

    def share_location(self, user_id: int, lat: float, lon: float) -> None:
        self.read_all(user_id)
        self.emulator.call(
            "/sendMessage",
            {
                "botToken": self.token,
                "from": self.person(user_id),
                "chat": self.chat(user_id),
                "date": int(time.time()),
                "location": {"latitude": lat, "longitude": lon},
            },
        )

    def press(
        self, user_id: int, data: str, on: BotMessage | None = None, timeout: float = TIMEOUT_S
    ) -> dict[str, Any]:
        """Press the button `data` on message `on` (default: the newest message showing it,
        else the newest message of all) and wait for the bot's answerCallbackQuery."""
        self.read_all(user_id)
        screen = self._screens.get(user_id, [])
        target = on or next(
            (m for m in reversed(screen) if data in m.buttons), screen[-1] if screen else None
        )
        message: dict[str, Any] = {
            "message_id": target.message_id if target else 1,
            "date": int(time.time()),
            "chat": self.chat(user_id),
            "from": self.bot_user,
        }
        if target is not None and target.text:
            message["text"] = target.text
        self.emulator.call(
            "/sendCallback",
            {
                "botToken": self.token,
                "from": self.person(user_id),
                "data": data,
                "message": message,
            },
        )
        return self.wait_for_answer(self._callback_id(user_id, data), data, timeout)

    def settle(self, timeout: float = TIMEOUT_S) -> None:
        """Return once the bot has handled every update sent so far.

        The bot handles updates one at a time, in order, so the answer to a bystander's
        /privacy sent now proves that everything before it is finished. (A bystander,
        because a command from someone in a conversation would end it.)"""
        self.say(BYSTANDER, "/privacy")
        self.wait_for(BYSTANDER, is_new, "an answer to /privacy (the barrier)", timeout)

    # reading

    def wait_for(
        self,
        user_id: int,
        predicate: Callable[[BotMessage], bool],
        what: str = "matching message",
        timeout: float = TIMEOUT_S,
    ) -> BotMessage:
        """The oldest unread message (or edit) to `user_id` that matches; waits for one."""
        deadline = time.monotonic() + timeout
        while True:
            self._fetch(user_id)
            read = self._read.setdefault(user_id, set())
            for index, message in enumerate(self._screens.get(user_id, [])):
                if index not in read and predicate(message):
                    read.add(index)
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.names.get(user_id, user_id)} ({user_id}) got no {what} within "
                    f"{timeout:g} s. Their screen:\n{self.transcript(user_id)}"
                )
            self.watchdog()
            time.sleep(POLL_S)

    def screen(self, user_id: int) -> list[BotMessage]:
        """Everything the bot sent this person so far, edits included, oldest first."""
        self._fetch(user_id)
        return list(self._screens.get(user_id, []))

    def read_all(self, user_id: int) -> None:
        self._fetch(user_id)
        self._read[user_id] = set(range(len(self._screens.get(user_id, []))))

    def transcript(self, user_id: int) -> str:
        lines = [
            f"  [{m.message_id}{' edited' if m.edited else ''}] {m.text[:300]!r}"
            + (f" buttons={list(m.buttons)}" if m.buttons else "")
            for m in self._screens.get(user_id, [])
        ]
        return "\n".join(lines) or "  (nothing)"

    def wait_for_answer(
        self, callback_id: str, data: str = "", timeout: float = TIMEOUT_S
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for answer in self.callback_answers():
                if str(answer.get("callback_query_id")) == callback_id:
                    return answer
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the press of {data!r} (callback {callback_id}) was not answered "
                    f"within {timeout:g} s"
                )
            self.watchdog()
            time.sleep(POLL_S)

    def callback_answers(self) -> list[dict[str, Any]]:
        answers: list[dict[str, Any]] = self.emulator.call(
            "/getCallbackAnswers", {"token": self.token}
        )
        return answers

    def history(self) -> list[dict[str, Any]]:
        """Everything sent either way with this bot token, as the emulator stores it."""
        entries: list[dict[str, Any]] = self.emulator.call(
            "/getUpdatesHistory", {"token": self.token}
        )
        return entries

    def sent_by_bot(self) -> list[BotMessage]:
        """Every message the bot sent to anyone (each in its latest state)."""
        return [
            BotMessage.parse(entry)
            for entry in self.history()
            if isinstance(entry.get("message"), dict) and "chat_id" in entry["message"]
        ]

    def everything_seen(self) -> list[BotMessage]:
        """Every message and every state of it that anyone could have read."""
        seen = [m for screen in self._screens.values() for m in screen]
        return [*seen, *self.sent_by_bot()]

    def _fetch(self, user_id: int) -> None:
        entries = self.emulator.call("/getUpdates", {"token": self.token, "chatId": user_id})
        self._screens.setdefault(user_id, []).extend(BotMessage.parse(e) for e in entries)

    def _callback_id(self, user_id: int, data: str) -> str:
        for entry in reversed(self.history()):
            query = entry.get("callbackQuery")
            if (
                isinstance(query, dict)
                and query.get("data") == data
                and query.get("from", {}).get("id") == user_id
            ):
                return str(entry["callbackId"])
        raise AssertionError(f"the emulator has no record of {user_id} pressing {data!r}")


# --- the bot process --------------------------------------------------------------------


class BotProcess:
    """`python -m bot` (long polling) against the emulator; can be stopped, killed and
    started again on the same database."""

    def __init__(self, emulator: Emulator, token: str, workdir: Path, admin_ids: str) -> None:
        self.emulator = emulator
        self.token = token
        self.workdir = workdir
        self.database = workdir / "bot.db"
        self.log_path = workdir / "bot.log"
        self.admin_ids = admin_ids
        self.starts = 0
        # Settings a test changes for the next start (e.g. short reminder intervals).
        self.extra_env: dict[str, str] = {}
        if POSTGRES_URL:
            # The same group in PostgreSQL: a schema of this bot's folder, dropped at the end.
            self.extra_env["DATABASE_URL"] = postgres_url(workdir)
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = False

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in BOT_SETTINGS}
        pythonpath = [str(REPO), *filter(None, [env.get("PYTHONPATH")])]
        no_proxy = ",".join(filter(None, ["127.0.0.1,localhost", env.get("NO_PROXY")]))
        env.update(
            BOT_TOKEN=self.token,
            BOT_API_BASE_URL=f"{self.emulator.url}/bot",
            DATABASE_PATH=str(self.database),
            ADMIN_IDS=self.admin_ids,
            AREA_CENTER=AREA_CENTER,
            AREA_RADIUS_KM="10",
            WAVE_SIZE="5",
            # Fairness has its own e2e test; elsewhere the hour of the run must not matter.
            QUIET_HOURS="off",
            MAX_PINGS_PER_DAY="1000",
            PING_SPACING_S="0",
            LOG_LEVEL="INFO",
            PYTHONPATH=os.pathsep.join(pythonpath),
            PYTHONUNBUFFERED="1",
            NO_PROXY=no_proxy,
            no_proxy=no_proxy,
        )
        env.update(self.extra_env)
        return env

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = START_TIMEOUT_S, *, standby: bool = False) -> None:
        """Start the bot and wait until it polls for updates (or, `standby`, until its
        heartbeat says it stands by for another process serving the database)."""
        assert not self.alive, "the bot is already running"
        assert not (self.workdir / ".env").exists(), "a .env would change the bot's settings"
        polls_before = self.emulator.method_calls(self.token, "getUpdates")
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"===== start #{self.starts} =====\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                cwd=self.workdir,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._stopping = False
        deadline = time.monotonic() + timeout
        if standby:
            self._wait_standing_by(deadline)
            return
        while self.emulator.method_calls(self.token, "getUpdates") <= polls_before:
            self.assert_running()
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the bot did not start polling within {timeout:g} s:\n{self.log()}"
                )
            time.sleep(POLL_S)

    def _wait_standing_by(self, deadline: float) -> None:
        heartbeat = self.database.with_name(self.database.name + ".heartbeat")
        while not (heartbeat.exists() and '"standby"' in heartbeat.read_text()):
            self.assert_running()
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not stand by:\n{self.log()}")
            time.sleep(POLL_S)

    def stop(self, kill: bool = False) -> int | None:
        """kill=True: SIGKILL (a crash). Else SIGTERM and wait. Returns the exit code."""
        if self._process is None:
            return None
        self._stopping = True
        return stop_process(self._process, kill=kill)

    def wait_for_exit(self, timeout: float) -> int:
        """The exit code of a bot that stops by itself (e.g. on losing the serving lock)."""
        assert self._process is not None, "the bot was never started"
        try:
            code = self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired as error:
            raise AssertionError(
                f"the bot still runs after {timeout:g} s:\n{self.log()}"
            ) from error
        self._stopping = True
        return code

    def assert_running(self) -> None:
        """Fail at once (with the bot's log) if the bot exited without being asked to."""
        process = self._process
        if process is not None and not self._stopping and process.poll() is not None:
            raise AssertionError(f"the bot exited with {process.returncode}:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stored(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Rows of the bot's database as it left them, read as another client would: the
        SQLite file, or its PostgreSQL schema (`?` placeholders either way)."""
        url = self.extra_env.get("DATABASE_URL")
        if url is None:
            with sqlite3.connect(self.database) as db:
                return list(db.execute(sql, params))
        numbered = iter(range(1, sql.count("?") + 1))
        query = re.sub(r"\?", lambda _: f"${next(numbered)}", sql)
        base, _, schema = url.partition("?search_path=")

        async def read() -> list[tuple[object, ...]]:
            connection = await asyncpg.connect(base, server_settings={"search_path": schema})
            try:
                return [tuple(row) for row in await connection.fetch(query, *params)]
            finally:
                await connection.close()

        return asyncio.run(read())


BOTS = pytest.StashKey[list[BotProcess]]()


def bot_pair(
    emulator: Emulator,
    token: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    database_url: str,
    failover_s: float,
) -> tuple[BotProcess, BotProcess]:
    """Two bot processes on one PostgreSQL database (each with a folder of its own for
    its log and heartbeat): the first to start serves, the other stands by."""
    bots = []
    for name in ("one", "two"):
        workdir = tmp_path / name
        workdir.mkdir()
        bot = BotProcess(emulator, token, workdir, admin_ids=str(COORDINATOR))
        bot.extra_env.update(DATABASE_URL=database_url, FAILOVER_S=f"{failover_s:g}")
        request.node.stash.setdefault(BOTS, []).append(bot)
        bots.append(bot)
    return bots[0], bots[1]


# --- a PostgreSQL server of the test's own -------------------------------------------------


class PrivateServer:
    """A PostgreSQL cluster in a temporary folder on a free port, which a test may
    restart: the machine's shared server is other work's, and stays up."""

    def __init__(self, bindir: Path, folder: Path, port: int) -> None:
        self.bindir = bindir
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.port = port
        # initdb refuses to run as root: the cluster is the postgres user's then.
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def url(self, schema: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres?search_path={schema}"

    def _run(self, *command: str) -> None:
        result = subprocess.run(
            [*self._as, *command], capture_output=True, text=True, timeout=60, check=False
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise AssertionError(f"{' '.join(command)} failed:\n{result.stderr}\n{log}")

    def _pg_ctl(self, *args: str) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args)

    def create(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "--no-instructions",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            # A test's cluster: durability is not what it is for.
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._pg_ctl("-o", options, "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast`: every connection is ended at once, as a restart for an upgrade does."""
        self._pg_ctl("-m", mode, "-w", "-t", "30", "stop")


@pytest.fixture
def private_postgres() -> Iterator[PrivateServer]:
    """A PostgreSQL server (with PostGIS, whose files are the system's) of this test's
    own. Skipped with the reason where the server's programs are missing, except under
    REQUIRE_E2E."""
    found = shutil.which("pg_config")
    candidates = [Path("/usr/lib/postgresql/15/bin")]
    if found:
        bindir = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False)
        candidates.insert(0, Path(bindir.stdout.strip()))
    bindir = next((c for c in candidates if (c / "initdb").is_file()), None)
    if bindir is None:
        unavailable("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        unavailable("running as root, and runuser (to run initdb as postgres) is missing")
    # Not under pytest's tmp_path: as root that is private to root, and the server
    # runs as the postgres user.
    folder = Path(tempfile.mkdtemp(prefix="mutualaid-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = PrivateServer(bindir, folder, free_port())
    try:
        server.create()
        server.start()
        yield server
    finally:
        with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
            server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failure, show the bot's own log under the test's report."""
    report = yield
    if report.failed:
        for number, bot in enumerate(item.stash.get(BOTS, []), 1):
            report.sections.append((f"bot log #{number} ({bot.log_path})", bot.log()))
    return report


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def token(emulator: Emulator) -> str:
    """A bot token of this test's own: its updates, messages and stats are its own."""
    emulator.reset()
    return f"{next(_token_numbers)}:TEST-e2e"


@pytest.fixture
def neighbours(emulator: Emulator, token: str) -> Neighbours:
    return Neighbours(
        emulator,
        token,
        names={
            COORDINATOR: "Cora",
            REQUESTER: "Rita",
            301: "Alice",
            302: "Bashir",
            303: "Chen",
            BYSTANDER: "Pat",
        },
    )


@pytest.fixture
def bot(
    emulator: Emulator,
    token: str,
    neighbours: Neighbours,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Iterator[BotProcess]:
    """The real bot, started, in an empty working directory (so no .env) of its own."""
    workdir = tmp_path / "bot"
    workdir.mkdir()
    process = BotProcess(emulator, token, workdir, admin_ids=str(COORDINATOR))
    request.node.stash.setdefault(BOTS, []).append(process)
    neighbours.watchdog = process.assert_running
    try:
        process.start()
        yield process
    finally:
        process.stop()


def pytest_itemcollected(item: pytest.Item) -> None:
    """Every test in this folder is end to end (`-m "not e2e"` leaves them out)."""
    item.add_marker(pytest.mark.e2e)
