"""What the coordinators' figures, digest and map are made of."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.models import Category, RequestStatus


@dataclass(frozen=True)
class RequestOnMap:
    """An open or taken request, as the map may know it (the exact place is snapped to a
    grid before it leaves the server)."""

    id: int
    category: Category
    status: RequestStatus
    lat: float
    lon: float
    created_at: float
    due_at: float | None
    waves: int  # waves of pings sent, over every round
    asked: int  # volunteers pinged about it so far


@dataclass(frozen=True)
class IdleVolunteer:
    user_id: int
    first_name: str
    last_task_at: float | None  # None: never had one


@dataclass(frozen=True)
class Digest:
    open: int
    overdue: int
    done_last_day: int
    not_helped: list[int]  # done requests whose requester said they didn't get the help
    idle: list[IdleVolunteer]


@dataclass(frozen=True)
class VolunteerCounts:
    available: int  # approved, not paused, not blocked: can be asked now
    paused: int
    waiting: int  # signed up, not yet approved
    checked: int  # approved and ID/DBS-checked
    recently_active: int  # took a task (and kept it, or not) in the window


@dataclass(frozen=True)
class DigestLists:
    """What the digest names, so a coordinator can act on each: request ids, and the
    volunteers waiting for approval."""

    open: list[int]
    overdue: list[int]
    expired: list[int]  # in the last day
    concerns: list[int | None]  # raised in the last day: the request each is about
    waiting: list[str]  # first names of volunteers waiting for approval
