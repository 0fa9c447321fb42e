"""Phone numbers as people type them: checked leniently, kept as typed (spaces tidied)."""

from __future__ import annotations

import re

# Digits with the usual separators, optionally a leading +: "07700 900123",
# "+44 (0)20 7946 0018". 7 to 15 digits (E.164 allows 15).
PHONE = re.compile(r"^\+?[0-9(][0-9 ()./-]{5,30}$")
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15


def parse_phone(text: str) -> str | None:
    """A phone number as typed (spaces tidied), or None if it can't be one."""
    tidy = " ".join(text.split())
    digits = sum(ch.isdigit() for ch in tidy)
    if not PHONE.match(tidy) or not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
        return None
    return tidy
