"""Telegram Mini Apps init data, checked exactly as Telegram's documentation describes."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.webapp.initdata import InitDataError, validate
from tests.support.webapp import TOKEN, init_data

NOW = 1_750_000_000.0
USER = 4242


def _by_the_book(fields: dict[str, str], token: str) -> str:
    """Telegram's algorithm, written out again from its documentation: the data-check-string
    is every field but hash, sorted `key=value` lines; secret = HMAC_SHA256("WebAppData",
    token); hash = hex HMAC_SHA256(secret, data-check-string)."""
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def _fields(auth_date: float = NOW) -> dict[str, str]:
    return {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": USER, "first_name": "Cora", "language_code": "cy"}),
        "auth_date": str(int(auth_date)),
    }


def test_init_data_signed_as_telegram_documents_is_accepted() -> None:
    user = validate(_by_the_book(_fields(), TOKEN), TOKEN, NOW + 10)
    assert (user.id, user.first_name, user.language_code) == (USER, "Cora", "cy")


def test_the_test_helper_signs_the_same_way() -> None:
    assert validate(init_data(USER, auth_date=NOW), TOKEN, NOW).id == USER


def test_a_tampered_hash_is_refused() -> None:
    good = dict(parse_qsl(_by_the_book(_fields(), TOKEN)))
    good["hash"] = good["hash"][:-1] + ("0" if good["hash"][-1] != "0" else "1")
    with pytest.raises(InitDataError):
        validate(urlencode(good), TOKEN, NOW)


def test_a_tampered_field_is_refused() -> None:
    """Someone swaps in a coordinator's user id and keeps the hash."""
    fields = dict(parse_qsl(_by_the_book(_fields(), TOKEN)))
    fields["user"] = json.dumps({"id": 100, "first_name": "Cora"})
    with pytest.raises(InitDataError):
        validate(urlencode(fields), TOKEN, NOW)


def test_init_data_older_than_an_hour_is_refused() -> None:
    data = _by_the_book(_fields(auth_date=NOW - 3601), TOKEN)
    with pytest.raises(InitDataError, match="old"):
        validate(data, TOKEN, NOW)
    assert validate(_by_the_book(_fields(auth_date=NOW - 3590), TOKEN), TOKEN, NOW).id == USER


def test_init_data_signed_with_another_bots_token_is_refused() -> None:
    data = _by_the_book(_fields(), "654321:ANOTHER-bot")
    with pytest.raises(InitDataError):
        validate(data, TOKEN, NOW)


@pytest.mark.parametrize(
    "raw",
    ["", "garbage", "hash=abc", "auth_date=1&auth_date=2&hash=x", "user=%7B&hash=00"],
)
def test_malformed_init_data_is_refused(raw: str) -> None:
    with pytest.raises(InitDataError):
        validate(raw, TOKEN, NOW)


def test_a_signed_user_that_is_not_an_object_is_refused() -> None:
    fields = {**_fields(), "user": "[1, 2]"}
    with pytest.raises(InitDataError):
        validate(_by_the_book(fields, TOKEN), TOKEN, NOW)
