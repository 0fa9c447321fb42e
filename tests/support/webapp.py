"""The coordinators' map in tests: init data signed as Telegram signs it, and the bot's own
web server listening on a free port of this machine."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from bot.webapp.initdata import sign
from bot.webapp.server import MapServer
from tests.conftest import Group

TOKEN = "123456:TEST-token"  # tests.conftest.make_settings' token
WEBAPP_URL = "https://example.org/elm/map"


def init_data(
    user_id: int,
    *,
    token: str = TOKEN,
    auth_date: float | None = None,
    first_name: str = "Cora",
    language: str = "en",
) -> str:
    """What Telegram hands the Mini App of `user_id`, signed with `token`."""
    user = {"id": user_id, "first_name": first_name, "language_code": language}
    fields = {
        "query_id": "AAH-test-query",
        "user": json.dumps(user, separators=(",", ":")),
        "auth_date": str(int(time.time() if auth_date is None else auth_date)),
    }
    return sign(fields, token)


def tma(user_id: int, **kw: Any) -> dict[str, str]:
    return {"Authorization": "tma " + init_data(user_id, **kw)}


@asynccontextmanager
async def serving(group: Group) -> AsyncIterator[tuple[MapServer, httpx.AsyncClient]]:
    """The map's server of the group's application, and a client pointed at it."""
    server = group.app.map_server
    assert server is not None, "the group needs WEBAPP_URL"
    await server.start(port=0)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            yield server, client
    finally:
        await server.stop()
