"""Telegram Mini Apps init data: checking that Telegram signed it for this bot, recently.

The algorithm is Telegram's own ("Validating data received via the Mini App",
core.telegram.org/bots/webapps): the data-check-string is every received field but `hash`,
as `key=value` lines sorted by key and joined with "\\n"; the secret key is
HMAC-SHA256(key="WebAppData", message=bot token); the hash is the hex HMAC-SHA256 of the
data-check-string under that secret key."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

# Telegram's documentation advises refusing old init data; an hour is the contract.
MAX_AGE_S = 3600
# Clocks differ a little; init data "from the future" beyond this is refused too.
CLOCK_SKEW_S = 300


class InitDataError(ValueError):
    """Missing, malformed, forged or expired init data (answered 401)."""


@dataclass(frozen=True)
class WebAppUser:
    """Who opened the Mini App, as Telegram vouches for them."""

    id: int
    first_name: str
    language_code: str | None


def _secret(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def validate(init_data: str, bot_token: str, now: float) -> WebAppUser:
    """The user the init data was signed for; InitDataError when it is not good."""
    if not init_data:
        raise InitDataError("no init data")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("init data is not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("a field appears twice")
    received = fields.get("hash", "")
    expected = hmac.new(_secret(bot_token), _check_string(fields).encode(), hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest(), received.lower()):
        raise InitDataError("the hash does not match")
    try:
        auth_date = int(fields["auth_date"])
    except (KeyError, ValueError):
        raise InitDataError("no auth_date") from None
    if auth_date < now - MAX_AGE_S or auth_date > now + CLOCK_SKEW_S:
        raise InitDataError("the init data is too old")
    try:
        user = json.loads(fields["user"])
        if not isinstance(user, dict):
            raise TypeError
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise InitDataError("no user in the init data") from None
    language = user.get("language_code")
    return WebAppUser(
        id=user_id,
        first_name=str(user.get("first_name", "")),
        language_code=language if isinstance(language, str) else None,
    )


def sign(fields: dict[str, str], bot_token: str) -> str:
    """Init data as Telegram would send it for these fields (for tests and local trials)."""
    digest = hmac.new(_secret(bot_token), _check_string(fields).encode(), hashlib.sha256)
    return urlencode({**fields, "hash": digest.hexdigest()})
