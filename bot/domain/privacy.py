"""Erasing people: whom a phone request is about, and what erasing them changed."""

from __future__ import annotations

from dataclasses import dataclass, field

# A stored conversation: its handler's name and its key (chat id, user id).
ConversationKey = tuple[str, tuple[int, ...]]


def contact_key(name: str | None, phone: str | None) -> tuple[str, str]:
    """One person taken over the phone: their number's digits and their name, whatever
    the spacing and case it was typed with."""
    return "".join(ch for ch in phone or "" if ch.isdigit()), " ".join(
        (name or "").split()
    ).casefold()


@dataclass(frozen=True)
class Contact:
    """Someone without Telegram, as a coordinator recorded them with /onbehalf."""

    name: str
    phone: str
    request_ids: list[int]


@dataclass(frozen=True)
class Erasure:
    """What erasing someone changed, for the help desk to tell the people involved."""

    known: bool  # whether the person was stored at all
    cancelled: list[tuple[int, int | None]]  # their open requests: (id, volunteer who held it)
    released: list[int]  # tasks they held as a volunteer, open again
    series_ids: list[int]  # their recurring requests, deleted
    # Their stored conversations, deleted: the application drops its copies in memory too.
    conversations: list[ConversationKey] = field(default_factory=list)


@dataclass(frozen=True)
class StaleDrafts:
    """Unfinished conversations the purge deleted, for the application to drop in memory."""

    user_ids: list[int]
    conversations: list[ConversationKey]
