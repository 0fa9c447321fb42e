"""What happened to a request, as the services decide it: domain events.

A service records a transition and the events it causes in one database transaction (the
outbox, bot.db.events); after the commit, bot.services.events delivers each event, in
order, to the subscribers that do the telling (bot.telegram.subscribers) and the
scheduling (the chaser). An event names what changed, not what to say: the ids it needs,
and the few facts that no later read could recover (who held a task before it closed).
Its `kind` is stored with it, so a name once used is never changed or reused.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar


@dataclass(frozen=True)
class Event:
    kind: ClassVar[str]

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class RequestOpened(Event):
    """A saved request starts: its reminders, its first wave, its group-chat post."""

    kind: ClassVar[str] = "request_opened"
    request_id: int


@dataclass(frozen=True)
class WaveSent(Event):
    """These volunteers' pings were recorded for a wave: the pings go out."""

    kind: ClassVar[str] = "wave_sent"
    request_id: int
    round: int
    wave: int
    volunteer_ids: tuple[int, ...]


@dataclass(frozen=True)
class WaveDeferred(Event):
    """Nobody may be asked now, but someone resting (quiet hours, the caps) may be `at`."""

    kind: ClassVar[str] = "wave_deferred"
    request_id: int
    round: int
    wave: int
    at: float


@dataclass(frozen=True)
class NobodyLeft(Event):
    """Nobody is left to ask about an open request."""

    kind: ClassVar[str] = "nobody_left"
    request_id: int


@dataclass(frozen=True)
class RequestClaimed(Event):
    """A volunteer took a request (`assigned_by`: a coordinator handed it to them)."""

    kind: ClassVar[str] = "request_claimed"
    request_id: int
    volunteer_id: int
    assigned_by: int | None = None


@dataclass(frozen=True)
class RequestReleased(Event):
    """A task is back on the board: handed back ("released"), or its volunteer was
    erased ("left")."""

    kind: ClassVar[str] = "request_released"
    request_id: int
    volunteer_id: int | None
    reason: str = "released"


@dataclass(frozen=True)
class RequestDone(Event):
    kind: ClassVar[str] = "request_done"
    request_id: int
    volunteer_id: int


@dataclass(frozen=True)
class RequestClosed(Event):
    """Closed undone: "cancelled" by its requester (or their erasure), "closed" by a
    coordinator (`by`), or "expired". `holder`: the volunteer who had it, if anyone."""

    kind: ClassVar[str] = "request_closed"
    request_id: int
    reason: str
    holder: int | None = None
    by: int | None = None


@dataclass(frozen=True)
class DetailsAdded(Event):
    """The requester asked again for the same need; the volunteer on it hears what."""

    kind: ClassVar[str] = "details_added"
    request_id: int
    volunteer_id: int
    addition: str


@dataclass(frozen=True)
class HelpMissed(Event):
    """The requester answered "no" to "did you get the help?"."""

    kind: ClassVar[str] = "help_missed"
    request_id: int


@dataclass(frozen=True)
class AlertDue(Event):
    """A request is still open after COORDINATOR_ALERT_AFTER: the coordinators hear."""

    kind: ClassVar[str] = "alert_due"
    request_id: int
    pinged: int


@dataclass(frozen=True)
class TaskSoon(Event):
    """A task is due soon: its volunteer is reminded."""

    kind: ClassVar[str] = "task_soon"
    request_id: int
    volunteer_id: int


@dataclass(frozen=True)
class FollowUpDue(Event):
    """Time to ask the volunteer how the task went."""

    kind: ClassVar[str] = "follow_up_due"
    request_id: int
    volunteer_id: int


@dataclass(frozen=True)
class DigestDue(Event):
    """The coordinators' daily digest of `day` (the group's local date)."""

    kind: ClassVar[str] = "digest_due"
    day: str


@dataclass(frozen=True)
class VolunteerDecided(Event):
    """A coordinator decided about a volunteer (`by`): "approved" or "rejected" (their
    sign-up), "checked" (ID/DBS), "held", "resumed" (the hold lifted) or "removed" from
    the roster."""

    kind: ClassVar[str] = "volunteer_decided"
    user_id: int
    decision: str
    by: int | None = None


@dataclass(frozen=True)
class RoleChanged(Event):
    """Someone was made a coordinator (`coordinator`), or no longer is, by `by`."""

    kind: ClassVar[str] = "role_changed"
    user_id: int
    coordinator: bool
    by: int | None = None


KINDS: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        RequestOpened,
        WaveSent,
        WaveDeferred,
        NobodyLeft,
        RequestClaimed,
        RequestReleased,
        RequestDone,
        RequestClosed,
        DetailsAdded,
        HelpMissed,
        AlertDue,
        TaskSoon,
        FollowUpDue,
        DigestDue,
        VolunteerDecided,
        RoleChanged,
    )
}


def from_json(kind: str, payload: str) -> Event:
    """The event a stored row holds; unknown keys (written by a newer version) are ignored."""
    cls = KINDS[kind]
    data: dict[str, Any] = json.loads(payload)
    values = {}
    for field in fields(cls):
        if field.name in data:
            value = data[field.name]
            values[field.name] = tuple(value) if isinstance(value, list) else value
    return cls(**values)


@dataclass(frozen=True)
class StoredEvent:
    """An event as the outbox holds it: its id (the order of delivery, and what a
    subscriber is idempotent by) and the subscribers that have had it."""

    id: int
    event: Event
    done: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Claim:
    """An event held for one lane of delivery (bot.services.events): who has had it by
    now; or that another process's same lane holds it (it carries on from there), or
    that it is gone (delivered to everyone meanwhile)."""

    done: frozenset[str] = frozenset()
    elsewhere: bool = False
    gone: bool = False
