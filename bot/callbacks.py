"""Button data: `v1:<action>[:<arg>...]`, at most 64 bytes, readable with no cache.

A button keeps working after a restart or an upgrade because everything it needs is in
its own data. A future `v2:` can live beside `v1:`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

VERSION = "v1"
MAX_BYTES = 64


class Action(StrEnum):
    CONSENT = "consent"
    ROLE = "role"  # after consent: "need" help or "offer" help
    CATEGORY = "cat"
    WHEN = "when"
    CONFIRM = "confirm"  # the requester's summary: yes / no
    ACCEPT = "accept"
    DECLINE = "decline"
    DONE = "done"
    RELEASE = "release"
    CANCEL_REQUEST = "cancelreq"
    VOLUNTEER_CATEGORY = "vcat"  # toggle a category on the volunteer form
    VOLUNTEER_SAVE = "vsave"
    APPROVE = "approve"
    REJECT = "reject"
    LANGUAGE = "lang"
    PING_EVERYONE = "pingall"  # a coordinator asks every eligible volunteer
    CLOSE = "close"  # a coordinator closes a request nobody can take
    LATER = "later"  # the volunteer needs more time
    FEEDBACK = "fb"  # the requester: did you get the help? yes / no
    AVAILABILITY = "avail"  # toggle when a volunteer is usually free
    STOP_SERIES = "stopseries"


@dataclass(frozen=True)
class CallbackData:
    action: Action
    args: tuple[str, ...] = ()

    def to_str(self) -> str:
        raw = ":".join((VERSION, self.action.value, *self.args))
        if len(raw.encode()) > MAX_BYTES or not raw.isascii():
            raise ValueError(f"callback data too long or not ASCII: {raw!r}")
        return raw

    @classmethod
    def parse(cls, raw: object) -> CallbackData | None:
        """The button's meaning, or None for anything malformed, foreign or from the future."""
        if not isinstance(raw, str) or len(raw.encode()) > MAX_BYTES:
            return None
        parts = raw.split(":")
        if len(parts) < 2 or parts[0] != VERSION:
            return None
        try:
            action = Action(parts[1])
        except ValueError:
            return None
        return cls(action, tuple(parts[2:]))

    @property
    def arg(self) -> str:
        return self.args[0] if self.args else ""

    @property
    def id_arg(self) -> int | None:
        """The first argument as a positive id (a request or a user), if it is one."""
        text = self.arg
        if not text.isdigit() or len(text) > 19:
            return None
        number = int(text)
        return number if 0 < number < 2**63 else None


def button(action: Action, *args: str | int) -> str:
    """The callback_data string for a button."""
    return CallbackData(action, tuple(str(a) for a in args)).to_str()


def matches(*actions: Action, arg: str | None = None) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: true for well-formed data with one of these actions
    (and, if given, this first argument)."""
    wanted = frozenset(actions)

    def check(raw: object) -> bool:
        data = CallbackData.parse(raw)
        return data is not None and data.action in wanted and (arg is None or data.arg == arg)

    return check
