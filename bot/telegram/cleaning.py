"""Free text as people type it, without control characters: cleaned once, as each update
arrives, so that no description, address, name, concern or broadcast stores a NUL.

Newlines and tabs stay; the rest of C0 and DEL go. Entity offsets (the command at the
start of "/request", a bold word) are moved to match, so handlers see a consistent message.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import Bot, Update

# C0 controls except tab (\x09) and newline (\x0a), and DEL.
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Where a message keeps the entities of its text.
_ENTITIES = {"text": "entities", "caption": "caption_entities"}


def strip_controls(text: str) -> str:
    return CONTROLS.sub("", text)


def _utf16_removed_before(text: str) -> list[int]:
    """For each UTF-16 position of `text` (and its end): how many controls precede it."""
    removed, counts = 0, []
    for char in text:
        counts.extend([removed] * (2 if ord(char) > 0xFFFF else 1))
        if CONTROLS.fullmatch(char):
            removed += 1
    counts.append(removed)
    return counts


def _moved(entities: list[Any], text: str) -> list[Any]:
    before = _utf16_removed_before(text)
    last = len(before) - 1
    moved = []
    for entity in entities:
        start = min(int(entity["offset"]), last)
        end = min(start + int(entity["length"]), last)
        offset = start - before[start]
        length = end - before[end] - offset
        if length > 0:  # an entity of controls only is gone with them
            moved.append({**entity, "offset": offset, "length": length})
    return moved


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        cleaned = {key: _clean(item) for key, item in value.items()}
        for text_key, entities_key in _ENTITIES.items():
            text = value.get(text_key)
            if isinstance(text, str) and isinstance(cleaned.get(entities_key), list):
                cleaned[entities_key] = _moved(cleaned[entities_key], text)
        return cleaned
    return value


def clean_update(update: Update, bot: Bot) -> Update:
    """The update itself when it holds no control character, else a cleaned copy."""
    data = update.to_dict()
    cleaned = _clean(data)
    if cleaned == data:
        return update
    fresh = Update.de_json(cleaned, bot)
    assert fresh is not None
    return fresh
