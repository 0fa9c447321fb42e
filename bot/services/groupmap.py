"""The coordinators' map: open and taken requests at approximate places, and which parts of
the group's area have volunteers for which kind of help (and where nobody covers at all).

Privacy: a request's point is the centre of the ~200 m grid square it falls in, never the
place itself; nothing else about a request but its number, kind, status, age and waves
reaches the map (bot.db.groupmap reads nothing more)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.config import Area, Settings
from bot.db.groupmap import MapRepository
from bot.db.volunteers import VolunteerRepository
from bot.domain.distance import KM_PER_DEGREE_LAT, haversine_km
from bot.domain.figures import RequestOnMap
from bot.domain.models import Category, RequestStatus
from bot.services.matching import distance_matters, may_be_asked_for, within_reach

KM_PER_DEGREE = KM_PER_DEGREE_LAT
# Requests are shown at the centre of their square of this grid: near enough to plan a
# round, too coarse to find a door.
SNAP_KM = 0.2
# The cover grid: cells this size, unless the area is so wide that the page would have
# too many to draw; then they grow so that at most this many fit across.
CELL_KM = 0.25
MAX_CELLS_ACROSS = 64
# Points on the area's outline.
OUTLINE_POINTS = 72
DECIMALS = 5  # about a metre: more would only pretend to precision


@dataclass(frozen=True)
class Cell:
    """One square of the cover grid, by its row and column from the area's centre."""

    row: int
    col: int


class Grid:
    """Squares of a fixed size in km, laid from a fixed origin so a place always falls in
    the same square (the longitude step is taken at the origin's latitude)."""

    def __init__(self, origin_lat: float, origin_lon: float, size_km: float) -> None:
        self.origin_lat = origin_lat
        self.origin_lon = origin_lon
        self.size_km = size_km
        self.dlat = size_km / KM_PER_DEGREE
        self.dlon = size_km / (KM_PER_DEGREE * max(math.cos(math.radians(origin_lat)), 0.01))

    def cell_of(self, lat: float, lon: float) -> Cell:
        return Cell(
            math.floor((lat - self.origin_lat) / self.dlat),
            math.floor((lon - self.origin_lon) / self.dlon),
        )

    def centre(self, cell: Cell) -> tuple[float, float]:
        return (
            self.origin_lat + (cell.row + 0.5) * self.dlat,
            self.origin_lon + (cell.col + 0.5) * self.dlon,
        )

    def corners(self, cell: Cell) -> list[list[float]]:
        """The square as a closed GeoJSON ring ([lon, lat] pairs)."""
        south = self.origin_lat + cell.row * self.dlat
        west = self.origin_lon + cell.col * self.dlon
        north, east = south + self.dlat, west + self.dlon
        ring = [(west, south), (east, south), (east, north), (west, north), (west, south)]
        return [[round(x, DECIMALS + 1), round(y, DECIMALS + 1)] for x, y in ring]

    def cells_near(self, lat: float, lon: float, radius_km: float) -> list[Cell]:
        """The squares whose centres may lie within `radius_km` of a place (a box; the
        caller checks the exact distance)."""
        rows = radius_km / KM_PER_DEGREE / self.dlat
        cols = radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01)) / self.dlon
        here = self.cell_of(lat, lon)
        reach_rows, reach_cols = math.ceil(rows) + 1, math.ceil(cols) + 1
        return [
            Cell(r, c)
            for r in range(here.row - reach_rows, here.row + reach_rows + 1)
            for c in range(here.col - reach_cols, here.col + reach_cols + 1)
        ]


def snapped(lat: float, lon: float, grid: Grid) -> tuple[float, float]:
    """Where the map shows a request: the centre of its grid square."""
    centre = grid.centre(grid.cell_of(lat, lon))
    return round(centre[0], DECIMALS), round(centre[1], DECIMALS)


@dataclass(eq=False, repr=False)
class GroupMap:
    """Builds the map's GeoJSON from the repositories; the web app only serves it."""

    settings: Settings
    requests: MapRepository
    volunteers: VolunteerRepository
    clock: Callable[[], float]

    async def features(self) -> dict[str, Any]:
        """A GeoJSON FeatureCollection: requests, cover cells, the area's outline, and a
        `summary` (foreign member) with every figure the side panel shows as text."""
        now = self.clock()
        area = self.settings.area
        requests = await self.requests.requests()
        features = [self._request_feature(r, _snap_grid(area, r), now) for r in requests]
        cover: list[dict[str, Any]] = []
        if area is not None:
            cover = await self._cover(area)
            features.append(_outline(area))
        features += cover
        return {
            "type": "FeatureCollection",
            "features": features,
            "summary": self._summary(requests, cover, area, now),
        }

    def _request_feature(self, request: RequestOnMap, grid: Grid, now: float) -> dict[str, Any]:
        lat, lon = snapped(request.lat, request.lon, grid)
        overdue = request.due_at is not None and request.due_at < now
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "kind": "request",
                "id": request.id,
                "category": request.category.value,
                "status": request.status.value,
                "age_s": max(0, round(now - request.created_at)),
                "overdue": overdue,
                "waves": request.waves,
                "asked": request.asked,
            },
        }

    async def _cover(self, area: Area) -> list[dict[str, Any]]:
        """One feature per cell whose centre lies in the area: how many volunteers matching
        would ask about a request there, in all and for each kind of help."""
        grid = Grid(area.lat, area.lon, cell_km(area))
        cells = [
            cell
            for cell in grid.cells_near(area.lat, area.lon, area.radius_km)
            if haversine_km(area.lat, area.lon, *grid.centre(cell)) <= area.radius_km
        ]
        inside = set(cells)
        everyone: dict[Cell, int] = dict.fromkeys(cells, 0)
        per_kind: dict[Cell, dict[Category, int]] = {c: dict.fromkeys(Category, 0) for c in cells}
        anywhere = dict.fromkeys(Category, 0)  # kinds where distance doesn't matter
        for volunteer in await self.volunteers.pingable():
            kinds = may_be_asked_for(volunteer, self.settings)
            if not kinds:
                continue
            for kind in kinds:
                if not distance_matters(kind):
                    anywhere[kind] += 1
            near_kinds = [k for k in kinds if distance_matters(k)]
            for cell in grid.cells_near(volunteer.lat, volunteer.lon, volunteer.radius_km):
                if cell not in inside:
                    continue
                distance = haversine_km(volunteer.lat, volunteer.lon, *grid.centre(cell))
                if not within_reach(volunteer, distance):
                    continue
                everyone[cell] += 1
                for kind in near_kinds:
                    per_kind[cell][kind] += 1
        features = []
        for cell in cells:
            counts = {k.value: per_kind[cell][k] + anywhere[k] for k in Category}
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [grid.corners(cell)]},
                    "properties": {
                        "kind": "cover",
                        "volunteers": everyone[cell],
                        "by_category": counts,
                        "gap": everyone[cell] == 0,
                    },
                }
            )
        return features

    def _summary(
        self,
        requests: list[RequestOnMap],
        cover: list[dict[str, Any]],
        area: Area | None,
        now: float,
    ) -> dict[str, Any]:
        open_ones = [r for r in requests if r.status is RequestStatus.OPEN]
        oldest = open_ones[0] if open_ones else None
        gaps = {"any": sum(1 for f in cover if f["properties"]["gap"])}
        for kind in Category:
            gaps[kind.value] = sum(1 for f in cover if f["properties"]["by_category"][kind] == 0)
        return {
            "counts": {
                "open": len(open_ones),
                "claimed": sum(1 for r in requests if r.status is RequestStatus.CLAIMED),
                "overdue": sum(1 for r in requests if r.due_at is not None and r.due_at < now),
            },
            "oldest_open": (
                {"id": oldest.id, "age_s": max(0, round(now - oldest.created_at))}
                if oldest
                else None
            ),
            "cells": len(cover),
            "cell_km": cell_km(area) if area else None,
            "gaps": gaps,
            "checked_categories": sorted(c.value for c in self.settings.checked_categories),
            "area": (
                {"lat": area.lat, "lon": area.lon, "radius_km": area.radius_km} if area else None
            ),
        }


def cell_km(area: Area) -> float:
    return max(CELL_KM, 2 * area.radius_km / MAX_CELLS_ACROSS)


def _snap_grid(area: Area | None, request: RequestOnMap) -> Grid:
    """The area's own grid; without an area, one laid from the whole degree of latitude
    the request is in (still the same squares for every request there)."""
    if area is not None:
        return Grid(area.lat, area.lon, SNAP_KM)
    return Grid(float(math.floor(request.lat)), 0.0, SNAP_KM)


def _outline(area: Area) -> dict[str, Any]:
    """The area's circle as a polygon (an equirectangular approximation: plenty for a
    neighbourhood)."""
    ring = []
    for n in range(OUTLINE_POINTS + 1):
        angle = 2 * math.pi * n / OUTLINE_POINTS
        dlat = area.radius_km * math.cos(angle) / KM_PER_DEGREE
        dlon = (
            area.radius_km
            * math.sin(angle)
            / (KM_PER_DEGREE * max(math.cos(math.radians(area.lat)), 0.01))
        )
        ring.append([round(area.lon + dlon, DECIMALS), round(area.lat + dlat, DECIMALS)])
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"kind": "area"},
    }
