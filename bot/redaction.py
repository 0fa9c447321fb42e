"""Logs never carry personal data: a logging filter that redacts it from every record.

PTB's DEBUG lines carry whole Bot API parameter dicts and update JSON (Python reprs and
JSON alike), so values are redacted by the keys they sit under (`'text': ...`,
`"first_name": ...`, `username='...'`) rather than by guessing what looks like a name.
On top of that: the bot token wherever it appears, and anything shaped like a phone
number. Method names, chat ids and update ids stay, so the log is still useful.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "<redacted>"

# Keys whose values say who someone is, where they live or what they wrote.
PERSONAL_KEYS = (
    "text",
    "caption",
    "first_name",
    "last_name",
    "username",
    "phone_number",
    "contact_phone",
    "contact_name",
    "vcard",
    "address",
    "description",
    "latitude",
    "longitude",
    "lat",
    "lon",
    "quote",
    "bio",
    "name",
    "query",
    "note",
)
_STRING = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_KEYS = "|".join(PERSONAL_KEYS)
# `'key': value` (a repr), `"key": value` (JSON) and `key=value` (a dataclass repr).
_KEYED_VALUE = re.compile(
    rf"""(?P<key>(?P<q>['"])(?:{_KEYS})(?P=q)\s*:\s*|\b(?:{_KEYS})=)(?:{_STRING}|{_NUMBER})"""
)
# aiosqlite's DEBUG lines: `functools.partial(<method>, 'SQL', (parameters...))`. The SQL
# stays; its parameters (the values stored) go.
_SQL_PARAMETERS = re.compile(
    rf"(functools\.partial\(<[^>]*>, (?:{_STRING})), .*\)(?= completed$|$)"
)
# A phone number: a leading + and 7 or more digits, or a leading 0 and 9 or more, with the
# usual separators. User ids and update ids never start with either.
_PHONE = re.compile(
    r"(?<![\w.+-])(?:\+\d(?:[ ()-]{0,2}\d){6,14}|0\d(?:[ ()-]{0,2}\d){8,14})(?![\w.])"
)
# A bot token in any form: 123456789:AA... (real ones have 35 characters after the colon),
# also inside a Bot API URL (…/bot<token>/sendMessage).
_TOKEN = re.compile(r"\b\d{5,20}:[A-Za-z0-9_-]{30,}\b|(?<=/bot)[^/\s'\"]+")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with personal values, phone numbers and the given secrets replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    text = _TOKEN.sub(REDACTED, text)
    text = _SQL_PARAMETERS.sub(rf"\1, {REDACTED})", text)
    text = _KEYED_VALUE.sub(lambda m: m.group("key") + repr(REDACTED), text)
    return _PHONE.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """On a handler: every record it writes is redacted first, whoever logged it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: keep the template only, never its arguments
            message = str(record.msg)
        record.msg, record.args = redact(message, self._secrets), None
        if record.exc_info and not record.exc_text:
            # Formatter.format uses exc_text as it finds it: redact the traceback too.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._secrets)
        return True


def install_redaction(
    token: str, handlers: Iterable[logging.Handler] | None = None
) -> RedactingFilter:
    """Put the filter on `handlers` (by default every handler of the root logger, where
    `python -m bot`'s logging set-up writes). Returns it, for tests to remove."""
    found = RedactingFilter([token])
    for handler in logging.getLogger().handlers if handlers is None else handlers:
        handler.addFilter(found)
    return found


def set_up_logging(level: str, token: str) -> None:
    """`python -m bot`'s logging: to stderr at LOG_LEVEL, with every line redacted."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL, and the URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Even at DEBUG, where PTB logs whole messages and updates: nothing personal, no token.
    install_redaction(token)
