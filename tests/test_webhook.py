"""`python -m bot --webhook`, the real process: only requests carrying the secret token
are handled; anything else is refused and changes nothing."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-hook"
SECRET = "s3cret"
USER = 4242
BOT = {"id": 999_000_002, "is_bot": True, "first_name": "Helper", "username": "helper_bot"}


class FakeBotApi(ThreadingHTTPServer):
    """Answers the few Bot API methods the bot calls at start-up and when replying."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def methods(self) -> list[str]:
        with self.lock:
            return [method for method, _ in self.calls]


class _Handler(BaseHTTPRequestHandler):
    server: FakeBotApi

    def do_POST(self) -> None:
        method = self.path.rsplit("/", 1)[-1]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        params = _params(body, self.headers.get("Content-Type") or "")
        with self.server.lock:
            self.server.calls.append((method, params))
        result: Any = True
        if method == "getMe":
            result = {**BOT, "can_join_groups": True, "can_read_all_group_messages": False}
        elif method == "sendMessage":
            result = {
                "message_id": len(self.server.calls),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                "from": BOT,
                "text": str(params.get("text", "")),
            }
        payload = json.dumps({"ok": True, "result": result}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: pytest shows what matters


def _params(body: bytes, content_type: str) -> dict[str, Any]:
    if "json" in content_type and body:
        loaded = json.loads(body)
        return loaded if isinstance(loaded, dict) else {}
    from urllib.parse import parse_qsl

    return dict(parse_qsl(body.decode(errors="replace")))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    server = FakeBotApi()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _env(tmp_path: Path, api: FakeBotApi, port: int, **overrides: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "BOT_", "DATA"))}
    env.update(
        PYTHONPATH=str(ROOT),
        BOT_TOKEN=TOKEN,
        BOT_API_BASE_URL=f"http://127.0.0.1:{api.server_address[1]}/bot",
        DATABASE_PATH=str(tmp_path / "bot.db"),
        WEBHOOK_URL=f"http://127.0.0.1:{port}",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_SECRET=SECRET,
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _update(update_id: int) -> bytes:
    user = {"id": USER, "is_bot": False, "first_name": "Sam", "language_code": "en"}
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": {"id": USER, "type": "private", "first_name": "Sam"},
                "from": user,
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
    ).encode()


def _post(port: int, body: bytes, secret: str | None, path: str = "/telegram") -> int:
    """The HTTP status; 0 when the server closed the connection without one."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, ConnectionError):
        return 0


def _wait_for(condition: Any, timeout: float = 8.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _stored_users(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT COUNT(*) FROM users").fetchone()[0])


def test_only_updates_with_the_secret_token_are_handled(tmp_path: Path, api: FakeBotApi) -> None:
    port = _free_port()
    log = tmp_path / "bot.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--webhook"],
            cwd=tmp_path,
            env=_env(tmp_path, api, port),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        assert _wait_for(lambda: _listening(port) and "setWebhook" in api.methods()), (
            log.read_text()
        )
        webhook = dict(api.calls)["setWebhook"]
        assert webhook.get("secret_token") == SECRET
        assert webhook.get("url") == f"http://127.0.0.1:{port}/telegram"
        before = len(api.calls)

        assert _post(port, _update(1), secret=None) == 403
        assert _post(port, _update(2), secret="wrong") == 403
        time.sleep(0.3)  # give a wrongly accepted update the time to be answered
        assert api.calls[before:] == []
        assert _stored_users(tmp_path / "bot.db") == 0

        assert _post(port, _update(3), secret=SECRET) == 200
        assert _wait_for(
            lambda: any(
                m == "sendMessage" and int(p.get("chat_id", 0)) == USER
                for m, p in api.calls[before:]
            )
        )
    finally:
        _stop(process)


def test_webhook_without_a_secret_is_refused(tmp_path: Path, api: FakeBotApi) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--webhook"],
        cwd=tmp_path,
        env=_env(tmp_path, api, _free_port(), WEBHOOK_SECRET=None),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "WEBHOOK_SECRET" in lines[0]
    assert api.calls == []


def test_webhook_url_with_a_path_is_registered_as_given_and_served_there(
    tmp_path: Path, api: FakeBotApi
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/hooks/elm"
    log = tmp_path / "bot.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--webhook"],
            cwd=tmp_path,
            env=_env(tmp_path, api, port, WEBHOOK_URL=url),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        assert _wait_for(lambda: _listening(port) and "setWebhook" in api.methods()), (
            log.read_text()
        )
        assert dict(api.calls)["setWebhook"].get("url") == url
        before = len(api.calls)
        assert _post(port, _update(1), secret=SECRET, path="/telegram") == 404
        # Over 1 MiB, even with the secret: refused before it is read, and not handled.
        huge = _update(2)[:-1] + b', "padding": "' + b"x" * (1024 * 1024) + b'"}'
        assert _post(port, huge, secret=SECRET, path="/hooks/elm") in (0, 400, 413)
        assert _post(port, _update(3), secret=SECRET, path="/hooks/elm") == 200
        assert _wait_for(
            lambda: any(
                m == "sendMessage" and int(p.get("chat_id", 0)) == USER
                for m, p in api.calls[before:]
            )
        )
        time.sleep(0.3)  # a wrongly handled big update would be answered by now
        answered = [p for m, p in api.calls[before:] if m == "sendMessage"]
        assert len(answered) == 1, answered
    finally:
        _stop(process)
