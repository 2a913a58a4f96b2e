"""Update the stored coverage for a few changed places, both bases, without recomputing France.

The stored coverage (``CommuneCoverage``) is the nearest mediation point of every commune for
the directory as it is, except for the places still queued in ``coverage_pending`` (migration
0008). Bringing it up to date for a set ``P`` of changed places touches only:

1. the communes whose stored nearest point is in ``P`` (removed, moved, no longer receiving the
   public, its last mediator gone...): their nearest point is searched again among all current
   points (``_search``: KNN candidates from the places' index, then exact geodesics);
2. the communes a current point of ``P`` is now nearer to than their stored nearest point: the
   rows whose ``reach`` box (GiST) contains that point, then the exact geodesic;
3. ``has_place_inside`` of the communes whose polygon holds a place of ``P``, where it is now or
   where it was before the change (the queue keeps that position).

Every other commune keeps its nearest point: that point is not in ``P``, so it did not change,
and no point outside ``P`` changed either. Distances are pyproj ``Geod`` metres rounded to the
millimetre, as in the full recomputation; among points at the very same position the lowest id
wins, as there. ``tests/coverage/test_incremental.py`` holds the result equal to a full
recomputation after random changes.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import connection
from django.utils import timezone

from geo_directory.territories.models import Commune

from . import storage
from .computation import GEOD, nearest_geodesic
from .models import Basis, CommuneCoverage
from .querysets import mediation_points

TABLE = CommuneCoverage._meta.db_table
COMMUNES = Commune._meta.db_table
BASES = [basis.value for basis in Basis]
FIRST_CANDIDATES = 8
MAX_KNN_COMMUNES = 64  # more communes to search again: fetch every point once (~30 ms)
_A = 6378137.0  # WGS84 semi-major axis (m)
_MIN_DEGREE_M = 110_000.0  # a degree of latitude is at least 110,574 m along a meridian


@dataclass
class IncrementalReport:
    places: int = 0
    communes: dict = field(default_factory=dict)  # basis -> rows rewritten


def update(place_ids, old_positions=()) -> IncrementalReport:
    """Bring the stored coverage up to date for ``place_ids`` (both bases).

    ``old_positions``: (lon, lat) where some of them were before the change (their communes may
    lose ``has_place_inside``). Call inside a transaction holding the coverage lock.
    """
    ids = sorted({int(pk) for pk in place_ids})
    report = IncrementalReport(places=len(ids), communes=dict.fromkeys(BASES, 0))
    places = _places(ids)  # id -> (lon, lat, bases it is a point of)
    inside = _inside([(lon, lat) for lon, lat, _ in places.values()] + list(old_positions))
    holders = {pk for pks in inside.values() for pk in pks}
    holders = {**_places(sorted(holders - set(places))), **places}
    inside = {code: [(pk, holders[pk][2]) for pk in pks] for code, pks in inside.items()}
    orphaned = _orphaned(ids)
    points = {
        basis: {pk: (lon, lat) for pk, (lon, lat, bases) in places.items() if basis in bases}
        for basis in BASES
    }
    reached = _reached(points)
    codes = {code for codes in orphaned.values() for code in codes} | set(inside)
    codes |= {code for pairs in reached.values() for code, _ in pairs}
    stored = _stored(codes)
    changed = []
    for basis in BASES:
        rows = _update_basis(
            basis, stored[basis], orphaned[basis], reached[basis], points[basis], inside
        )
        report.communes[basis] = len(rows)
        changed += [(basis, *row) for row in rows]
    _write(changed)
    return report


def _update_basis(basis, stored, orphaned, reached, points, inside) -> list[tuple]:
    """Rows of ``basis`` that change: (code, distance, nearest, has_place_inside)."""
    new = {code: list(row[:3]) for code, row in stored.items()}  # [distance, nearest, inside]
    orphaned = [code for code in orphaned if code in stored]
    # 1. Nearest point gone or changed: search again among every current point.
    search = _search if len(orphaned) <= MAX_KNN_COMMUNES else _search_in_memory
    for code, (distance, nearest) in search(basis, [(c, *stored[c][3:]) for c in orphaned]):
        new[code][0], new[code][1] = distance, nearest
    # 2. A current point of P nearer than the stored nearest one.
    skip = set(orphaned)
    pairs = [(code, pk) for code, pk in reached if code in stored and code not in skip]
    if pairs:
        _, _, exact = GEOD.inv(
            [stored[code][3] for code, _ in pairs],
            [stored[code][4] for code, _ in pairs],
            [points[pk][0] for _, pk in pairs],
            [points[pk][1] for _, pk in pairs],
        )
        for (code, pk), metres in zip(pairs, np.round(exact, 3).tolist(), strict=True):
            distance, nearest = new[code][0], new[code][1]
            if distance is None or (metres, pk) < (distance, nearest or 0):
                new[code][0], new[code][1] = metres, pk
    # 3. A point of the basis inside the commune.
    for code, holders in inside.items():
        if code in new:
            new[code][2] = any(basis in bases for _, bases in holders)
    return [
        (code, *values) for code, values in new.items() if tuple(values) != tuple(stored[code][:3])
    ]


@functools.lru_cache(maxsize=4)
def _basis_where(basis: str, today) -> tuple[str, tuple]:
    """``mediation_points(basis)`` as a condition on the unaliased ``places_place`` table."""
    sql, params = mediation_points(basis).order_by().values("pk").query.sql_with_params()
    head = 'SELECT "places_place"."id" AS "pk" FROM "places_place" WHERE '
    if not sql.startswith(head):  # another shape of query: keep its meaning
        return f'"places_place"."id" IN ({sql})', tuple(params)
    return f"({sql[len(head) :]})", tuple(params)


def _places(ids: list[int]) -> dict[int, tuple[float, float, frozenset]]:
    """Where the located ones are now, and which bases count them (a semi-join per basis: a
    condition in the select list would be hashed over every activity)."""
    if not ids:
        return {}
    today = timezone.localdate()
    parts, params = [], [ids]
    for basis in BASES:
        where, where_params = _basis_where(basis, today)
        parts.append(
            f'SELECT %s::text, "places_place"."id" FROM "places_place"'
            f' WHERE "places_place"."id" = ANY(%s) AND {where}'
        )
        params += [basis, ids, *where_params]
    bases = defaultdict(set)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ST_X(location::geometry), ST_Y(location::geometry) FROM places_place"
            " WHERE id = ANY(%s) AND location IS NOT NULL",
            params[:1],
        )
        located = cursor.fetchall()
        cursor.execute(" UNION ALL ".join(parts), params[1:])
        for basis, pk in cursor.fetchall():
            bases[pk].add(basis)
    return {pk: (lon, lat, frozenset(bases[pk])) for pk, lon, lat in located}


def _inside(positions) -> dict[str, list[int]]:
    """The communes whose polygon holds one of ``positions``, each with every located place it
    holds (the ``ST_Intersects`` of the full recomputation's containment)."""
    if not positions:
        return {}
    sql = f"""
        WITH touched AS (
            SELECT DISTINCT c.code, c.geom FROM {COMMUNES} c
            JOIN unnest(%s::float8[], %s::float8[]) AS v(x, y)
              ON ST_Intersects(c.geom, ST_SetSRID(ST_MakePoint(v.x, v.y), 4326))
        )
        SELECT t.code, p.id FROM touched t
        LEFT JOIN places_place p
          ON p.location IS NOT NULL AND ST_Intersects(t.geom, (p.location)::geometry)
    """
    lon = [float(p[0]) for p in positions]
    lat = [float(p[1]) for p in positions]
    inside = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, [lon, lat])
        for code, pk in cursor.fetchall():
            holders = inside[code]
            if pk is not None:
                holders.append(pk)
    return dict(inside)


def _orphaned(ids: list[int]) -> dict[str, list[str]]:
    """Per basis, communes whose stored nearest point is one of ``ids`` (or was deleted from
    the database: the foreign key set it to NULL)."""
    orphaned = {basis: [] for basis in BASES}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT basis, commune_id FROM {TABLE} WHERE nearest_place_id = ANY(%s)"
            f" UNION SELECT basis, commune_id FROM {TABLE}"
            " WHERE nearest_place_id IS NULL AND distance_m IS NOT NULL",
            [ids],
        )
        for basis, code in cursor.fetchall():
            orphaned[basis].append(code)
    return orphaned


def _reached(points: dict) -> dict[str, list[tuple[str, int]]]:
    """Per basis, (commune, point) pairs where the point lies in the commune's reach box."""
    reached = {basis: [] for basis in BASES}
    rows = [(basis, pk, lon, lat) for basis in BASES for pk, (lon, lat) in points[basis].items()]
    if not rows:
        return reached
    columns = [list(column) for column in zip(*rows, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.basis, t.commune_id, v.id FROM {TABLE} t"
            " JOIN unnest(%s::varchar[], %s::bigint[], %s::float8[], %s::float8[])"
            " AS v(basis, id, x, y)"
            " ON t.reach && ST_SetSRID(ST_MakePoint(v.x, v.y), 4326) AND t.basis = v.basis",
            columns,
        )
        for basis, code, pk in cursor.fetchall():
            reached[basis].append((code, pk))
    return reached


def _stored(codes) -> dict[str, dict[str, tuple]]:
    """Per basis, code -> (distance, nearest, inside, reference lon, reference lat)."""
    stored = {basis: {} for basis in BASES}
    if not codes:
        return stored
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.basis, t.commune_id, t.distance_m, t.nearest_place_id,"
            f" t.has_place_inside, ST_X(c.reference_point), ST_Y(c.reference_point)"
            f" FROM {TABLE} t JOIN {COMMUNES} c ON c.code = t.commune_id"
            " WHERE t.commune_id = ANY(%s) AND c.reference_point IS NOT NULL",
            [list(codes)],
        )
        for basis, code, *row in cursor.fetchall():
            stored[basis][code] = tuple(row)
    return stored


def _farthest_lonlat_degrees(metres: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """An upper bound of the planar lon/lat distance (degrees) of any point at most ``metres``
    away on the WGS84 ellipsoid from a point at latitude ``lat``; inf when there is none.

    Latitude: at most metres / 110,000 degrees (the meridian arc between two parallels is the
    shortest path between them). Longitude: the geodesic is no shorter than the chord, itself
    no shorter than 2 rho sin(dlon / 2), rho >= a cos(|lat| + dlat) for both points.
    """
    dlat = metres * 1.001 / _MIN_DEGREE_M + 1e-9
    far = np.abs(lat) + dlat
    with np.errstate(invalid="ignore", divide="ignore"):
        half = metres * 1.001 / (2 * _A * np.cos(np.radians(np.minimum(far, 90.0))))
        dlon = np.where(
            (far < 89.9) & (half < 1), np.degrees(2 * np.arcsin(np.minimum(half, 1))), np.inf
        )
    return np.hypot(dlat, dlon) * (1 + 1e-9) + 1e-9


def _search(basis: str, communes: list[tuple[str, float, float]]):
    """(code, (distance, nearest id)) of the nearest current point of ``basis``, exact.

    Candidates come from the index of ``location::geometry`` in order of planar lon/lat
    distance (KNN ``<->``, fast; the geography KNN is ~100 times slower); the exact geodesic
    picks the nearest among them, which is final once no unseen point (farther in lon/lat
    than every candidate) can be as near (``_farthest_lonlat_degrees``). The others ask for
    four times more candidates, up to every point.
    """
    if not communes:
        return
    where, params = _basis_where(basis, timezone.localdate())
    sql = f"""
        SELECT a.code, k.id, k.x, k.y, k.s
        FROM unnest(%s::varchar[], %s::float8[], %s::float8[]) AS a(code, x, y)
        CROSS JOIN LATERAL (
            SELECT "places_place"."id",
                   ST_X("places_place"."location"::geometry) AS x,
                   ST_Y("places_place"."location"::geometry) AS y,
                   ("places_place"."location")::geometry
                       <-> ST_SetSRID(ST_MakePoint(a.x, a.y), 4326) AS s
            FROM "places_place" WHERE {where}
            ORDER BY s LIMIT %s
        ) k
    """
    todo = {code: (lon, lat) for code, lon, lat in communes}
    k = FIRST_CANDIDATES
    while todo:
        codes = list(todo)
        lons = [todo[c][0] for c in codes]
        lats = [todo[c][1] for c in codes]
        with connection.cursor() as cursor:
            cursor.execute(sql, [codes, lons, lats, *params, k])
            rows = cursor.fetchall()
        found = defaultdict(list)
        if rows:
            _, _, metres = GEOD.inv(
                [todo[r[0]][0] for r in rows],
                [todo[r[0]][1] for r in rows],
                [r[2] for r in rows],
                [r[3] for r in rows],
            )
            for (code, pk, _, _, s), exact in zip(rows, np.round(metres, 3).tolist(), strict=True):
                found[code].append((exact, pk, s))
        best = {code: min((m, pk) for m, pk, _ in found[code]) for code in codes if found[code]}
        done = [code for code in codes if code not in best or len(found[code]) < k]
        rest = [code for code in codes if code in best and len(found[code]) >= k]
        if rest:
            bound = _farthest_lonlat_degrees(
                np.array([best[c][0] for c in rest]), np.array([todo[c][1] for c in rest])
            )
            farthest = np.array([max(s for *_, s in found[c]) for c in rest])
            done += [c for c, final in zip(rest, bound < farthest, strict=True) if final]
        for code in done:
            yield code, best.get(code, (None, None))
            del todo[code]
        k *= 4


def _search_in_memory(basis: str, communes: list[tuple[str, float, float]]):
    """As ``_search``, for many communes: every current point of ``basis`` once, in id order,
    and the full recomputation's own nearest search (``nearest_geodesic``)."""
    where, params = _basis_where(basis, timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT "places_place"."id", ST_X("places_place"."location"::geometry),'
            ' ST_Y("places_place"."location"::geometry) FROM "places_place"'
            f' WHERE {where} ORDER BY "places_place"."id"',
            params,
        )
        rows = cursor.fetchall()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    nearest = nearest_geodesic(
        [c[1] for c in communes],
        [c[2] for c in communes],
        np.array([r[1] for r in rows], dtype=float),
        np.array([r[2] for r in rows], dtype=float),
    )
    distances = np.round(nearest.distance_m, 3).tolist()
    for (code, _, _), index, distance in zip(
        communes, nearest.index.tolist(), distances, strict=True
    ):
        yield code, (None, None) if index < 0 else (distance, int(ids[index]))


def _write(rows) -> None:
    """``rows``: (basis, code, distance | None, nearest | None, inside)."""
    with connection.cursor() as cursor:
        storage.update(cursor, rows)
