"""Compute, store and keep fresh the coverage of communes (both bases), at national scale.

``recompute()`` fetches reference points and mediation points in a few queries, finds the
nearest point of every commune in numpy (``coverage.computation``) and writes every row back
with one COPY per basis inside a transaction: readers see the old figures or the new ones.
``ensure_fresh()`` is what pages and the API call: it recomputes when the directory changed
since the stored figures were computed (``CoverageState``), so a map never contradicts it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from django.apps import apps
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from scipy.spatial import cKDTree

from geo_directory.territories.models import Commune

from .computation import ecef, nearest_geodesic
from .models import Basis, CommuneCoverage, CommuneShape, CoverageState
from .querysets import mediation_points

LOCK_KEY = 5_000_511  # pg_advisory_xact_lock key: one recomputation at a time
SHAPE_TOLERANCE_DEG = 0.001  # ~100 m: simplified polygons for maps and the API


@dataclass
class CoverageReport:
    communes: int = 0
    points: dict = field(default_factory=dict)
    uncovered_10km: dict = field(default_factory=dict)
    shapes_refreshed: int = 0
    seconds: float = 0.0
    departement: str | None = None

    def lines(self) -> list[str]:
        scope = f"département {self.departement}" if self.departement else "France entière"
        out = [
            f"Couverture recalculée ({scope}) : {self.communes} communes en {self.seconds:.2f} s"
        ]
        for basis in Basis:
            out.append(
                f"  base {basis.value} : {self.points.get(basis.value, 0)} points de médiation, "
                f"{self.uncovered_10km.get(basis.value, 0)} communes non couvertes à 10 km"
            )
        if self.shapes_refreshed:
            out.append(f"  contours simplifiés mis à jour : {self.shapes_refreshed}")
        return out


def _communes(departement: str | None):
    sql = (
        f"SELECT code, ST_X(reference_point), ST_Y(reference_point) FROM {Commune._meta.db_table}"
        " WHERE reference_point IS NOT NULL"
    )
    params = []
    if departement:
        sql += " AND departement_id = %s"
        params.append(departement)
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY code", params)
        rows = cursor.fetchall()
    codes = np.array([r[0] for r in rows], dtype=object)
    lon = np.array([r[1] for r in rows], dtype=float)
    lat = np.array([r[2] for r in rows], dtype=float)
    return codes, lon, lat


def _points(queryset):
    """ids, lon, lat of a Place queryset (one query, no model instances)."""
    ids_sql, params = queryset.values("pk").query.sql_with_params()
    sql = (
        "SELECT p.id, ST_X(p.location::geometry), ST_Y(p.location::geometry)"
        f" FROM {_table('places.Place')} p WHERE p.id IN ({ids_sql}) ORDER BY p.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    lon = np.array([r[1] for r in rows], dtype=float)
    lat = np.array([r[2] for r in rows], dtype=float)
    return ids, lon, lat


def _containing_communes(place_ids: np.ndarray, departement: str | None) -> dict[int, set]:
    """place id -> codes of the communes whose polygon contains it (GiST index on geom)."""
    if not len(place_ids):
        return {}
    sql = (
        f"SELECT p.id, c.code FROM {_table('places.Place')} p"
        f" JOIN {Commune._meta.db_table} c ON ST_Intersects(c.geom, p.location::geometry)"
        " WHERE p.id = ANY(%s)"
    )
    params: list = [list(map(int, place_ids))]
    if departement:
        sql += " AND c.departement_id = %s"
        params.append(departement)
    inside: dict[int, set] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for place_id, code in cursor.fetchall():
            inside.setdefault(place_id, set()).add(code)
    return inside


def coverage_rows(codes, lon, lat, ids, plon, plat, inside: dict[int, set]):
    """(code, distance_m | None, nearest id | None, has_place_inside) for every commune."""
    nearest = nearest_geodesic(
        lon, lat, plon, plat, tree=cKDTree(ecef(plon, plat)) if len(ids) else None
    )
    with_inside = {code for place_id in ids.tolist() for code in inside.get(place_id, ())}
    rows = []
    for i, code in enumerate(codes.tolist()):
        found = nearest.index[i] >= 0
        rows.append(
            (
                code,
                float(nearest.distance_m[i]) if found else None,
                int(ids[nearest.index[i]]) if found else None,
                code in with_inside,
            )
        )
    return rows


def _write(basis: str, rows, departement: str | None):
    table = CommuneCoverage._meta.db_table
    with connection.cursor() as cursor:
        if departement:
            cursor.execute(
                f"DELETE FROM {table} WHERE basis = %s AND commune_id IN"
                f" (SELECT code FROM {Commune._meta.db_table} WHERE departement_id = %s)",
                [basis, departement],
            )
        else:
            cursor.execute(f"DELETE FROM {table} WHERE basis = %s", [basis])
        columns = "(commune_id, basis, distance_m, nearest_place_id, has_place_inside)"
        with cursor.cursor.copy(f"COPY {table} {columns} FROM STDIN") as copy:
            for code, distance, place_id, has_inside in rows:
                copy.write_row((code, basis, distance, place_id, has_inside))


def refresh_shapes() -> int:
    """Store a simplified polygon for every commune whose polygon changed since last time."""
    shape_table = CommuneShape._meta.db_table
    sql = f"""
        INSERT INTO {shape_table} (commune_id, geom, source_updated_at, tolerance)
        SELECT c.code,
               ST_Multi(ST_CollectionExtract(ST_MakeValid(
                   ST_SimplifyPreserveTopology(c.geom, %(tolerance)s)), 3)),
               c.updated_at, %(tolerance)s
        FROM {Commune._meta.db_table} c
        LEFT JOIN {shape_table} s ON s.commune_id = c.code
        WHERE c.geom IS NOT NULL
          AND (s.commune_id IS NULL OR s.source_updated_at <> c.updated_at
               OR s.tolerance <> %(tolerance)s)
        ON CONFLICT (commune_id) DO UPDATE
        SET geom = EXCLUDED.geom, source_updated_at = EXCLUDED.source_updated_at,
            tolerance = EXCLUDED.tolerance
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"tolerance": SHAPE_TOLERANCE_DEG})
        return cursor.rowcount


def _table(label: str) -> str:
    return apps.get_model(label)._meta.db_table


def fingerprint() -> str:
    """A cheap summary of the tables coverage depends on (catches writes that send no signal)."""
    today = timezone.localdate()
    sql = f"""
        SELECT (SELECT concat_ws('/', count(*), count(*) FILTER (WHERE deleted_at IS NULL),
                                 max(updated_at)) FROM {_table("places.Place")}),
               (SELECT concat_ws('/', count(*), sum(id)) FROM {_table("actors.Activity")}
                 WHERE start_date <= %s AND (end_date IS NULL OR end_date > %s)),
               (SELECT concat_ws('/', count(*) FILTER (WHERE deleted_at IS NULL), max(updated_at))
                  FROM {_table("actors.Actor")})
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [today, today])
        return "|".join(str(part) for part in cursor.fetchone())[:200]


def recompute(departement: str | None = None, *, if_stale: bool = False) -> CoverageReport | None:
    """Recompute both bases (all of France, or the communes of one département).

    ``if_stale``: skip (return None) when another process made the figures fresh meanwhile.
    """
    started = time.perf_counter()
    report = CoverageReport(departement=departement)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        if if_stale and is_fresh():
            return None
        state, _ = CoverageState.objects.get_or_create(pk=1)
        version = state.version
        report.shapes_refreshed = refresh_shapes()
        codes, lon, lat = _communes(departement)
        report.communes = len(codes)
        all_ids, all_lon, all_lat = _points(mediation_points(Basis.PLACES))
        inside = _containing_communes(all_ids, departement)
        mediator_ids = set(mediation_points(Basis.MEDIATORS).values_list("pk", flat=True))
        for basis in (Basis.MEDIATORS, Basis.PLACES):
            if basis == Basis.MEDIATORS:
                keep = np.isin(all_ids, np.fromiter(mediator_ids, dtype=np.int64))
                ids, plon, plat = all_ids[keep], all_lon[keep], all_lat[keep]
            else:
                ids, plon, plat = all_ids, all_lon, all_lat
            rows = coverage_rows(codes, lon, lat, ids, plon, plat, inside)
            _write(basis, rows, departement)
            report.points[basis.value] = len(ids)
            report.uncovered_10km[basis.value] = sum(
                1 for _, d, _, has in rows if not has and (d is None or d > 10_000)
            )
        report.seconds = time.perf_counter() - started
        if not departement:
            CoverageState.objects.filter(pk=1).update(
                computed_version=version,
                computed_on=timezone.localdate(),
                computed_at=timezone.now(),
                fingerprint=fingerprint(),
                duration_ms=report.seconds * 1000,
            )
    return report


def is_fresh() -> bool:
    state = CoverageState.objects.filter(pk=1).first()
    return bool(
        state
        and state.computed_version == state.version
        and state.computed_on == timezone.localdate()
        and state.fingerprint == fingerprint()
    )


def ensure_fresh() -> bool:
    """Recompute now if the directory changed since the stored figures; True if it did."""
    if is_fresh():
        return False
    return recompute(if_stale=True) is not None


def mark_stale() -> None:
    """Tell coverage that places or mediators changed (after a bulk import, for instance)."""
    if not CoverageState.objects.filter(pk=1).update(version=F("version") + 1):
        CoverageState.objects.get_or_create(pk=1, defaults={"version": 1})
