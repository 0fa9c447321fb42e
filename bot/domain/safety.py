"""Small safeguards that several parts of the bot share."""

from __future__ import annotations

import secrets


def new_safety_code() -> str:
    """Four digits the volunteer says at the door; random, not guessable from the id."""
    return f"{secrets.randbelow(10_000):04d}"
