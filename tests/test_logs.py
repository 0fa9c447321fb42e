"""Logs carry no personal data, even at DEBUG: a whole help loop, with PTB's own DEBUG
lines (every Bot API call's parameters, every update), leaves no name, username, address,
phone number, description or bot token in the log."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from bot.redaction import install_redaction, redact
from tests.conftest import COORDINATOR, HOME, NEAR, REQUESTER, Group
from tests.support.telegram import People

TOKEN = "123456:TEST-token"
SECRETS = {
    "requester's name": "Zanzibarina",
    "volunteer's name": "Quillonius",
    "coordinator's name": "Corabellex",
    "username": "zanzibarina7701",
    "last name": "Featherstonehaugh",
    "address": "4 Rose Lane ADDRMARK",
    "description": "Eggs DESCMARK",
    "phone contact": "Dorisphonia",
    "phone number": "07700 900123",
    "token": TOKEN,
    "location": "51.5000123",
}


@pytest.fixture
def usernames(monkeypatch: pytest.MonkeyPatch) -> None:
    """Everyone has a Telegram username and last name, as many real people do."""
    plain = People._user

    def with_username(self: People, user_id: int, name: str, language: str) -> dict[str, Any]:
        user = plain(self, user_id, name, language)
        if user_id == REQUESTER:
            user.update(username=SECRETS["username"], last_name=SECRETS["last name"])
        return user

    monkeypatch.setattr(People, "_user", with_username)


async def test_a_whole_help_loop_at_debug_logs_nothing_personal(
    open_group: Callable[..., AbstractAsyncContextManager[Group]],
    caplog: pytest.LogCaptureFixture,
    usernames: None,
) -> None:
    caplog.set_level(logging.DEBUG)
    install_redaction(TOKEN, [caplog.handler])
    requester, volunteer, coordinator = (
        SECRETS["requester's name"],
        SECRETS["volunteer's name"],
        SECRETS["coordinator's name"],
    )
    async with open_group(LOG_LEVEL="DEBUG") as group:
        await group.consent(COORDINATOR, name=coordinator)
        await group.volunteer(301, NEAR, name=volunteer)
        await group.consent(REQUESTER, name=requester)
        request_id = await group.ask(
            name=requester,
            description=SECRETS["description"],
            address=SECRETS["address"],
            where=(float(SECRETS["location"]), HOME[1]),
        )
        await group.press(301, f"v1:accept:{request_id}", name=volunteer)
        await group.say(301, "/mytasks", name=volunteer)
        await group.press(301, f"v1:done:{request_id}", name=volunteer)
        await group.press(REQUESTER, f"v1:fb:{request_id}:yes", name=requester)
        # A request taken by phone, with a contact's name and number.
        for text in ("/onbehalf", SECRETS["phone contact"], SECRETS["phone number"]):
            await group.say(COORDINATOR, text, name=coordinator)
        await group.press(COORDINATOR, "v1:cat:groceries", name=coordinator)
        await group.say(COORDINATOR, SECRETS["description"], name=coordinator)
        await group.press(COORDINATOR, "v1:when:asap", name=coordinator)
        await group.share(COORDINATOR, *HOME, name=coordinator)
        await group.say(COORDINATOR, SECRETS["address"], name=coordinator)
        await group.press(COORDINATOR, "v1:confirm:yes", name=coordinator)
        # What long polling logs: the raw getUpdates result, people's names in it.
        raw = group.people.text(REQUESTER, "my number is 07700 900123", name=requester)
        group.telegram.updates.append(raw.to_dict())
        await group.app.bot.get_updates()

    log = caplog.text
    # The loop really did log at DEBUG, and the ids that make the log useful are kept.
    assert "Calling Bot API endpoint `sendMessage`" in log
    assert "getUpdates" in log
    assert f"'chat_id': {REQUESTER}" in log
    leaks = {what: log.count(secret) for what, secret in SECRETS.items() if secret in log}
    assert leaks == {}


def test_redaction_keeps_the_shape_of_a_line() -> None:
    line = json.dumps(
        {"update_id": 7, "message": {"from": {"id": 42, "first_name": 'Tom "T" O\'Neil'}}}
    )
    assert redact(line) == (
        '{"update_id": 7, "message": {"from": {"id": 42, "first_name": \'<redacted>\'}}}'
    )
    assert redact("ring +44 (0)20 7946 0018 for user 5551234567") == (
        "ring <redacted> for user 5551234567"
    )


def test_the_bots_logging_set_up_redacts_every_line(caplog: pytest.LogCaptureFixture) -> None:
    from bot.redaction import RedactingFilter, set_up_logging

    caplog.set_level(logging.DEBUG)
    set_up_logging("DEBUG", TOKEN)
    try:
        logging.getLogger("telegram.Bot").debug("Set Bot API URL: %s", f"http://x/bot{TOKEN}")
        logging.getLogger("bot.anything").info("%s", {"first_name": "Zanzibarina"})
    finally:
        for handler in logging.getLogger().handlers:
            for found in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
                handler.removeFilter(found)
    assert TOKEN not in caplog.text
    assert "Zanzibarina" not in caplog.text
    assert "Set Bot API URL: http://x/bot<redacted>" in caplog.text
