"""The seams where a storage backend plugs into the services: structural types, so that
bot.db's classes (and a PostgreSQL backend's, issue 13) satisfy them without importing
the services."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from bot.domain.models import Candidate, Category, PingRules, Slot


class CandidateSearch(Protocol):
    """Who may be pinged about a request, best first (see VolunteerRepository.candidates
    for the rules and the order). On SQLite: the repository's R*Tree query, or
    bot.db.nearest.NearestVolunteers, which finds a wave nearest first; on PostGIS it would
    be a KNN query (`ORDER BY geog <-> point`). Every implementation finds the same
    people in the same order."""

    async def candidates(
        self,
        *,
        request_id: int,
        round_: int,
        lat: float,
        lon: float,
        category: Category,
        exclude: Collection[int],
        needs_check: bool,
        any_distance: bool,
        recent_since: float,
        free_slots: Collection[Slot] | None = None,
        limit: int | None = None,
        stretch_km: float = 0.0,
        rules: PingRules | None = None,
        held: bool = False,
    ) -> list[Candidate]: ...
