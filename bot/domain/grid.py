"""Volunteers on a grid, found nearest first: the first wave without reading a whole circle.

The R*Tree of volunteers' circles answers "whose circle holds this point?" with everyone
(at a million volunteers, about 5,300 for a London street) before anything is ordered.
This grid keeps each volunteer once, in the cell of their home, and walks outwards from
the request in steps: after each step everyone within the distance covered so far is
known, nearest first, and the caller stops as soon as the wave is settled.

Cells are rows of latitude of the same height, each row cut into as many columns as fit
at its widest parallel, so a cell is about `cell_km` across anywhere on Earth; a row's
columns wrap at the antimeridian, and near a pole a row is one cell. Each cell is one
flat array of floats, six to a volunteer (id, latitude and longitude in radians, cos
latitude, radius, offer bits): about 50 bytes a volunteer, and no Python object each.

No I/O here: bot/db/nearest.py fills the grid from the database and keeps it in step.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections.abc import Iterable, Iterator

from bot.domain.distance import EARTH_RADIUS_KM, KM_PER_DEGREE_LAT
from bot.domain.models import Category

_STRIDE = 6
# One bit per kind of help; CHECKED: coordinator-checked (ID/DBS).
_BITS = {category: 1 << n for n, category in enumerate(Category)}
CHECKED = 1 << len(_BITS)
# Generous by a millimetre: the grid's sums differ from haversine_km's in the last bits,
# and a volunteer exactly at their edge must never be cut off here (the caller checks
# the exact distance). Covered distances are claimed a millimetre short, for the same
# reason.
SLACK_KM = 1e-6


def offer_bits(categories: Iterable[Category], checked: bool) -> int:
    bits = CHECKED if checked else 0
    for category in categories:
        bits |= _BITS[category]
    return bits


def cell_size_for(count: int, area_km2: float) -> float:
    """A cell holding about 16 volunteers where they live evenly: few enough that the
    first step reads little, enough that an empty town isn't mostly empty cells."""
    if count <= 0:
        return 1.0
    return min(5.0, max(0.1, math.sqrt(area_km2 * 16 / count)))


class VolunteerGrid:
    """Pingable volunteers by where they live. Adding one already there replaces them."""

    def __init__(self, cell_km: float = 0.5) -> None:
        self.cell_km = cell_km
        self._row_deg = cell_km / KM_PER_DEGREE_LAT
        self._rows = max(1, math.ceil(180 / self._row_deg))
        self._columns: list[int] = [self._columns_in(i) for i in range(self._rows)]
        self._cells: dict[int, array[float]] = {}
        self._count = 0
        # The widest radius ever added: no one is eligible beyond it (plus any stretch).
        self.max_radius_km = 0.0

    def __len__(self) -> int:
        return self._count

    def _columns_in(self, row: int) -> int:
        south = -90 + row * self._row_deg
        north = min(90.0, south + self._row_deg)
        widest = 0.0 if south < 0 < north else min(abs(south), abs(north))
        return max(1, int(360 * math.cos(math.radians(widest)) / self._row_deg))

    def _row(self, lat: float) -> int:
        return min(self._rows - 1, max(0, int((lat + 90) / self._row_deg)))

    def _column(self, row: int, lon: float) -> int:
        columns = self._columns[row]
        return int((lon + 180) * columns / 360) % columns

    def _key(self, lat: float, lon: float) -> int:
        row = self._row(lat)
        return row * 1_000_000_000 + self._column(row, lon)

    def add(
        self,
        user_id: int,
        lat: float,
        lon: float,
        radius_km: float,
        bits: int,
        *,
        known_new: bool = False,
    ) -> None:
        """Put a volunteer in the cell of their home; `known_new` skips looking for them
        there first (loading, when every volunteer comes once)."""
        if not known_new:
            self.remove(user_id, lat, lon)
        phi = math.radians(lat)
        cell = self._cells.setdefault(self._key(lat, lon), array("d"))
        cell.extend((float(user_id), phi, math.radians(lon), math.cos(phi), radius_km, bits))
        self._count += 1
        self.max_radius_km = max(self.max_radius_km, radius_km)

    def remove(self, user_id: int, lat: float, lon: float) -> bool:
        """Take a volunteer out of the cell of (lat, lon), where they were added."""
        key = self._key(lat, lon)
        cell = self._cells.get(key)
        if cell is None:
            return False
        wanted = float(user_id)
        for at in range(0, len(cell), _STRIDE):
            if cell[at] == wanted:
                del cell[at : at + _STRIDE]
                self._count -= 1
                if not cell:
                    del self._cells[key]
                return True
        return False

    def nearest(
        self,
        lat: float,
        lon: float,
        category: Category,
        *,
        needs_check: bool = False,
        stretch_km: float = 0.0,
        give_up_km: float = math.inf,
    ) -> Walk:
        """Volunteers offering `category` (checked ones only, with `needs_check`) whose
        radius, stretched by `stretch_km`, reaches (lat, lon): (distance km, user id),
        nearest first. The walk reads no further than `give_up_km` (then `complete` is
        False: there may be more)."""
        return Walk(
            self,
            lat,
            lon,
            _BITS[category] | (CHECKED if needs_check else 0),
            stretch_km,
            give_up_km,
        )

    def _new_cells(
        self, lat: float, lon: float, km: float, spans: dict[int, tuple[int, int]]
    ) -> Iterator[array[float]]:
        """The cells within `km` of (lat, lon) (a box around the cap, by rows) not read
        yet; `spans` remembers, per row, the columns already read."""
        delta = km / EARTH_RADIUS_KM * 1.0001 + 1e-9
        dlat = math.degrees(delta)
        everywhere = lat + dlat >= 90 or lat - dlat <= -90
        ratio = math.sin(min(delta, math.pi / 2)) / max(math.cos(math.radians(lat)), 1e-12)
        everywhere = everywhere or delta >= math.pi / 2 or ratio >= 1
        dlon = 180.0 if everywhere else math.degrees(math.asin(ratio))
        cells = self._cells
        for row in range(self._row(lat - dlat), self._row(lat + dlat) + 1):
            columns = self._columns[row]
            done = spans.get(row)
            if done is not None and done[1] - done[0] + 1 >= columns:
                continue  # the whole row was read
            low = math.floor((lon - dlon + 180) * columns / 360)
            high = math.floor((lon + dlon + 180) * columns / 360)
            fresh: Iterable[int]
            if everywhere or high - low + 1 >= columns:
                if done is None:
                    fresh = range(columns)
                else:
                    width = done[1] - done[0] + 1
                    fresh = [c for c in range(columns) if (c - done[0]) % columns >= width]
                spans[row] = (0, columns - 1)
            elif done is None:
                fresh = range(low, high + 1)
                spans[row] = (low, high)
            else:
                # The columns read lie inside the wider span, around the same longitude.
                fresh = [*range(low, done[0]), *range(done[1] + 1, high + 1)]
                spans[row] = (min(low, done[0]), max(high, done[1]))
            base = row * 1_000_000_000
            for column in fresh:
                cell = cells.get(base + column % columns)
                if cell is not None:
                    yield cell


class Walk:
    """One nearest-first walk over the grid: an iterator of (distance km, user id)."""

    def __init__(
        self,
        grid: VolunteerGrid,
        lat: float,
        lon: float,
        wanted: int,
        stretch_km: float,
        give_up_km: float,
    ) -> None:
        self._stretch_km, self._give_up_km = stretch_km, give_up_km
        self._found = self._walk(grid, lat, lon, wanted)
        # True once the walk has read every cell anyone eligible could live in.
        self.complete = False

    def __iter__(self) -> Walk:
        return self

    def __next__(self) -> tuple[float, int]:
        return next(self._found)

    def _walk(
        self, grid: VolunteerGrid, lat: float, lon: float, wanted: int
    ) -> Iterator[tuple[float, int]]:
        stretch_km, give_up_km = self._stretch_km, self._give_up_km
        phi, lmb = math.radians(lat), math.radians(lon)
        cos_phi = math.cos(phi)
        reach = grid.max_radius_km + stretch_km + SLACK_KM
        spans: dict[int, tuple[int, int]] = {}  # row -> columns read so far (unwrapped)
        pending: list[tuple[float, int]] = []  # found, beyond the distance covered
        sin, asin, sqrt, push, pop = math.sin, math.asin, math.sqrt, heapq.heappush, heapq.heappop
        diameter = 2 * EARTH_RADIUS_KM
        step = grid.cell_km
        covered = step / 2
        while True:
            last = covered >= reach
            for cell in grid._new_cells(lat, lon, covered, spans):
                it = iter(cell)
                for uid, phi2, lmb2, cos2, radius, bits in zip(it, it, it, it, it, it):  # noqa: B905
                    if int(bits) & wanted != wanted:
                        continue
                    a = sin((phi2 - phi) / 2) ** 2 + cos_phi * cos2 * sin((lmb2 - lmb) / 2) ** 2
                    km = diameter * asin(min(1.0, sqrt(a)))
                    if km <= radius + stretch_km + SLACK_KM:
                        push(pending, (km, int(uid)))
            if last:
                self.complete = True
            # Nobody unread is nearer than `covered` (less a millimetre for rounding).
            while pending and (last or pending[0][0] <= covered - SLACK_KM):
                yield pop(pending)
            if last or covered > give_up_km:
                return
            covered = max(covered + step, covered * 1.5)
