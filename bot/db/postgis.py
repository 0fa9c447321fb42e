"""The radius search's SQL that only PostgreSQL with PostGIS reads (issue 13).

SQLite finds whose circle holds a request with the R*Tree of volunteers' circles
(migration 0002); PostgreSQL has a GiST index on each volunteer's position instead
(`volunteers.position`, a geography point). A GiST index on points can't answer "whose
own radius holds this point" by itself: it answers "who lives within this distance", so
the search asks it for everyone within the widest radius anyone has (plus a stretch), and
then checks each one's own radius with the same haversine as SQLite (bot/db/volunteers.py
DISTANCE), so both backends find the same people at the very edge too. The widest
radius is read from migration 0020's index on `radius_km`, not scanned.

A first wave is found nearest first (bot/db/nearest_postgis.py): PostGIS's KNN operator
(`ORDER BY position <-> point LIMIT n`) walks the same index outwards from the request.

The repositories' shared SQL chooses these fragments by `Database.dialect`.
"""

from __future__ import annotations

# The request's point as PostGIS reads it (x is the longitude).
POINT = "CAST(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geography)"
# The widest radius anyone has, in km (NULL when nobody volunteers): an index lookup.
WIDEST_KM = "(SELECT max(radius_km) FROM volunteers)"
# PostGIS measures on a sphere of the same mean radius as haversine's (use_spheroid =>
# false), by another formula: the index's circle is a little wider, so it never cuts off
# someone the haversine check below would keep.
_WIDER = 1.001
_WIDER_M = 1.0

# The 500 m bands the search orders by: SQLite's round() of a positive number rounds half
# away from zero; PostgreSQL's round(double precision) rounds half to even.
BAND = "floor(distance * 2 + 0.5)"


def within_widest_radius(params: dict[str, object], stretch_km: float) -> str:
    """The condition "within the widest radius (and `stretch_km`) of the request", which
    the GiST index on `volunteers.position` answers; `params` gets its values."""
    params["stretch_km"] = stretch_km
    params["wider"] = _WIDER
    params["wider_m"] = _WIDER_M
    return (
        f"ST_DWithin(v.position, {POINT}, "
        f"({WIDEST_KM} + :stretch_km) * 1000 * :wider + :wider_m, false)"
    )


def among(last_time: str) -> str:
    """The condition "one of the ids in :among (a JSON list), or `last_time`'s volunteer"
    as one array, so that PostgreSQL looks each id up in the primary key (an OR of the
    two would read the whole table)."""
    return (
        "v.user_id = ANY(ARRAY(SELECT CAST(value AS BIGINT) "
        "FROM json_array_elements_text(CAST(:among AS json)) "
        f"UNION ALL SELECT {last_time}))"
    )
