"""Money as people type it: an amount in pounds."""

from __future__ import annotations

import re

POUNDS = re.compile(r"£?\s*(\d{1,4})(?:[.,](\d{1,2}))?\s*(?:£|gbp|pounds?|quid)?")


def pounds_typed(text: str) -> int | None:
    """Pence from "12.50", "£12,5", "12 pounds"; None if it isn't an amount."""
    match = POUNDS.fullmatch(text.strip().lower())
    if not match:
        return None
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
