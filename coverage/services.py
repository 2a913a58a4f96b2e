"""Compute, store and keep up to date the coverage of communes (both bases), at national scale.

``recompute()`` fetches reference points and mediation points in a few queries, finds the
nearest point of every commune in numpy (``coverage.computation``) and writes back the rows that
changed (``coverage.storage``) inside a transaction: readers see the old figures or the new ones.

Writes keep the stored coverage up to date, reads never compute it. Database triggers queue
every change to places, activities, actors and communes (``coverage.pending``), whatever the
path; ``apply_pending()`` then updates only the communes those changes can affect
(``coverage.incremental``), or recomputes France when a full recomputation is cheaper or needed
(an import, communes changed). It runs in the writer's path: right after the commit of any
transaction that wrote through Django (``coverage.signals``), at the end of the imports, and
once a day (``manage.py refresh_coverage``), since activities start and end by date.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from geo_directory.cache import version as data_version
from geo_directory.territories.models import Commune

from . import incremental, pending, storage
from .computation import nearest_geodesic
from .models import Basis, CommuneShape, CoverageState, PlaceContainment
from .querysets import mediation_points

LOCK_KEY = 5_000_511  # pg_advisory_xact_lock key: one coverage update at a time
MAX_INCREMENTAL_PLACES = 500  # more changed places: a full recomputation is as fast (national)
SHAPE_TOLERANCE_DEG = 0.001  # ~100 m: simplified polygons for maps and the API


@dataclass
class CoverageReport:
    communes: int = 0
    points: dict = field(default_factory=dict)
    uncovered_10km: dict = field(default_factory=dict)
    shapes_refreshed: int = 0
    seconds: float = 0.0
    phases: dict = field(default_factory=dict)  # name -> seconds
    writes: dict = field(default_factory=dict)  # basis -> storage.WriteCounts
    departement: str | None = None

    def lines(self) -> list[str]:
        scope = f"département {self.departement}" if self.departement else "France entière"
        out = [
            f"Couverture recalculée ({scope}) : {self.communes} communes en {self.seconds:.2f} s"
        ]
        for basis in Basis:
            writes = self.writes.get(basis.value)
            changes = (
                f" ({writes.inserted} ajoutées, {writes.updated} modifiées, "
                f"{writes.deleted} retirées, {writes.unchanged} inchangées)"
                if writes
                else ""
            )
            out.append(
                f"  base {basis.value} : {self.points.get(basis.value, 0)} points de médiation, "
                f"{self.uncovered_10km.get(basis.value, 0)} communes non couvertes à 10 km"
                + changes
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


def _points(queryset, flagged=None):
    """ids, lon, lat of a Place queryset (one query, no model instances).

    With ``flagged`` (a subset queryset), also a boolean array: which of them belong to it.
    """
    ids_sql, params = queryset.values("pk").query.sql_with_params()
    flag_sql, flag_params = "false", []
    if flagged is not None:
        subset_sql, flag_params = flagged.values("pk").query.sql_with_params()
        flag_sql = f"p.id IN ({subset_sql})"
    sql = (
        f"SELECT p.id, ST_X(p.location::geometry), ST_Y(p.location::geometry), {flag_sql}"
        f" FROM {_table('places.Place')} p WHERE p.id IN ({ids_sql}) ORDER BY p.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*flag_params, *params])
        rows = cursor.fetchall()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    lon = np.array([r[1] for r in rows], dtype=float)
    lat = np.array([r[2] for r in rows], dtype=float)
    if flagged is None:
        return ids, lon, lat
    return ids, lon, lat, np.array([r[3] for r in rows], dtype=bool)


def _containing_communes(place_ids: np.ndarray) -> dict[int, set]:
    """place id -> codes of the communes whose polygon contains its point.

    Tests again only the places that are new or moved since the last run (``PlaceContainment``),
    each point probing the communes' GiST index; then reads the whole table.
    """
    if not len(place_ids):
        return {}
    places = _table("places.Place")
    cache = PlaceContainment._meta.db_table
    sql = f"""
        WITH stale AS MATERIALIZED (
            SELECT p.id, p.location::geometry AS g,
                   ST_X(p.location::geometry) AS x, ST_Y(p.location::geometry) AS y
            FROM {places} p LEFT JOIN {cache} k ON k.place_id = p.id
            WHERE p.deleted_at IS NULL AND p.location IS NOT NULL
              AND (k.place_id IS NULL OR k.lon <> ST_X(p.location::geometry)
                   OR k.lat <> ST_Y(p.location::geometry))
        )
        INSERT INTO {cache} (place_id, lon, lat, communes)
        SELECT s.id, s.x, s.y,
               coalesce(array_agg(c.code) FILTER (WHERE c.code IS NOT NULL), '{{}}')
        FROM stale s LEFT JOIN {Commune._meta.db_table} c ON ST_Intersects(c.geom, s.g)
        GROUP BY s.id, s.x, s.y
        ON CONFLICT (place_id) DO UPDATE
        SET lon = EXCLUDED.lon, lat = EXCLUDED.lat, communes = EXCLUDED.communes
    """
    wanted = set(place_ids.tolist())
    inside: dict[int, set] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.execute(f"SELECT place_id, communes FROM {cache} WHERE communes <> '{{}}'")
        for place_id, codes in cursor.fetchall():
            if place_id in wanted:
                inside[place_id] = set(codes)
    return inside


def coverage_rows(codes, lon, lat, ids, plon, plat, inside: dict[int, set]):
    """(code, distance_m | None, nearest id | None, has_place_inside) for every commune.

    Distances are rounded to the millimetre, so that an unchanged result compares equal to the
    stored one (``storage.write`` writes only the differences).
    """
    nearest = nearest_geodesic(lon, lat, plon, plat)
    with_inside = {code for place_id in ids.tolist() for code in inside.get(place_id, ())}
    found = nearest.index >= 0
    distances = np.where(found, np.round(nearest.distance_m, 3), np.nan).tolist()
    nearest_ids = (
        np.where(found, ids[np.maximum(nearest.index, 0)], -1) if len(ids) else nearest.index
    )
    return [
        (
            code,
            None if place_id < 0 else distance,
            None if place_id < 0 else place_id,
            code in with_inside,
        )
        for code, distance, place_id in zip(
            codes.tolist(), distances, nearest_ids.tolist(), strict=True
        )
    ]


def _shapes_marker() -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), max(updated_at) FROM {Commune._meta.db_table}")
        count, latest = cursor.fetchone()
    return f"{count}/{latest}/{SHAPE_TOLERANCE_DEG}"


def refresh_shapes(state: CoverageState | None = None) -> int:
    """Store a simplified polygon for every commune whose polygon changed since last time.

    With ``state``, skipped at once when no commune changed since the last refresh.
    """
    marker = _shapes_marker()
    if state is not None and state.shapes_marker == marker:
        return 0
    PlaceContainment.objects.all().delete()  # communes changed: test every place again
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
        refreshed = cursor.rowcount
    if state is not None:
        CoverageState.objects.filter(pk=state.pk).update(shapes_marker=marker)
    return refreshed


def _table(label: str) -> str:
    return apps.get_model(label)._meta.db_table


def recompute(departement: str | None = None) -> CoverageReport:
    """Recompute both bases (all of France, or the communes of one département).

    France: the changes queued before it started are then reflected, and forgotten.
    """
    started = time.perf_counter()
    report = CoverageReport(departement=departement)
    with transaction.atomic():
        _lock()
        version = data_version().number
        queued = None if departement else pending.read(with_places=False)  # before any data
        state, _ = CoverageState.objects.get_or_create(pk=1)
        clock = _Clock(report.phases)
        report.shapes_refreshed = refresh_shapes(state)
        if report.shapes_refreshed:
            _refresh_reach()
        clock.lap("shapes")
        for basis, rows, points in computed_rows(departement, clock):
            report.communes = len(rows)
            report.writes[basis] = storage.write(basis, rows, departement)
            clock.lap("write")
            report.points[basis] = points
            report.uncovered_10km[basis] = sum(
                1 for _, d, _, has in rows if not has and (d is None or d > 10_000)
            )
        report.seconds = time.perf_counter() - started
        if queued is not None:
            pending.forget(queued.ids)
            CoverageState.objects.filter(pk=1).update(
                computed_version=version,
                computed_on=timezone.localdate(),
                computed_at=timezone.now(),
                duration_ms=report.seconds * 1000,
            )
    return report


def computed_rows(departement: str | None = None, clock=None):
    """(basis, rows, mediation points) per basis, computed from the directory as it is now;
    rows as ``storage.write`` takes them. Nothing is written but the containment cache."""
    clock = clock or _Clock({})
    codes, lon, lat = _communes(departement)
    all_ids, all_lon, all_lat, with_mediator = _points(
        mediation_points(Basis.PLACES), flagged=mediation_points(Basis.MEDIATORS)
    )
    clock.lap("fetch")
    inside = _containing_communes(all_ids)
    clock.lap("inside")
    for basis in (Basis.MEDIATORS, Basis.PLACES):
        if basis == Basis.MEDIATORS:
            keep = with_mediator
            ids, plon, plat = all_ids[keep], all_lon[keep], all_lat[keep]
        else:
            ids, plon, plat = all_ids, all_lon, all_lat
        rows = coverage_rows(codes, lon, lat, ids, plon, plat, inside)
        clock.lap("nearest")
        yield basis.value, rows, len(ids)


def _lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _refresh_reach() -> None:
    """Communes changed: their reference points may have moved, so every reach box too."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {storage.TABLE} t SET reach = coverage_reach(c.reference_point, t.distance_m)"
            f" FROM {Commune._meta.db_table} c WHERE c.code = t.commune_id"
        )


@dataclass
class ApplyReport:
    """What ``apply_pending`` did: nothing, an incremental update, or a full recomputation."""

    mode: str = "nothing"  # "nothing" | "incremental" | "full"
    places: int = 0
    communes: dict = field(default_factory=dict)  # basis -> rows rewritten (incremental)
    full: CoverageReport | None = None
    new_day: bool = False
    seconds: float = 0.0

    def lines(self) -> list[str]:
        if self.mode == "full":
            return self.full.lines()
        if self.mode == "nothing":
            return ["Couverture à jour : aucun changement en attente."]
        rows = ", ".join(f"base {basis} : {n}" for basis, n in self.communes.items())
        day = " (activités commencées ou finies depuis le dernier calcul comprises)"
        return [
            f"Couverture mise à jour pour {self.places} lieu(x) changé(s)"
            f"{day if self.new_day else ''} en {self.seconds * 1000:.0f} ms ;"
            f" lignes réécrites : {rows}"
        ]


def apply_pending(*, today=None) -> ApplyReport:
    """Bring the stored coverage up to date with every queued change, and with the calendar.

    Only the communes the changed places can affect are updated; France is recomputed when a
    full recomputation was asked for (communes changed, an import touched thousands of places)
    or more than ``MAX_INCREMENTAL_PLACES`` places changed. One query when nothing is queued
    and the coverage was computed today.
    """
    started = time.perf_counter()
    today = today or timezone.localdate()
    report = ApplyReport()
    with transaction.atomic():
        _lock()
        state = CoverageState.objects.filter(pk=1).values("computed_on").first()
        computed_on = state["computed_on"] if state else None
        count, everything = pending.summary()
        if computed_on == today and not count:
            return report
        dated = set()
        if computed_on is not None and computed_on < today:
            dated = pending.dated_places(computed_on, today)
            report.new_day = True
        if everything or computed_on is None or count + len(dated) > MAX_INCREMENTAL_PLACES:
            report.mode, report.full = "full", recompute()
            report.seconds = time.perf_counter() - started
            return report
        queued = pending.read()
        report.mode = "incremental"
        result = incremental.update(queued.places | dated, queued.old_positions)
        report.places, report.communes = result.places, result.communes
        pending.forget(queued.ids)
        report.seconds = time.perf_counter() - started
        changes = {"computed_on": today}
        if any(result.communes.values()):
            changes["computed_at"] = timezone.now()  # a new stamp for the caches
        CoverageState.objects.filter(pk=1).update(**changes)
    return report


class _Clock:
    def __init__(self, phases: dict):
        self.phases = phases
        self.last = time.perf_counter()

    def lap(self, name: str):
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + now - self.last
        self.last = now


def is_fresh() -> bool:
    """True when no change waits in the queue and the coverage was brought up to date today.

    One single-row query; what the pages and the API show meanwhile is the last stored coverage.
    """
    sql = (
        f"SELECT s.computed_on = %s AND NOT EXISTS (SELECT 1 FROM {pending.TABLE})"
        f" FROM {CoverageState._meta.db_table} s WHERE s.id = 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.localdate()])
        row = cursor.fetchone()
    return bool(row and row[0])


def mark_stale() -> None:
    """Tell coverage that the directory changed by a path its triggers do not see (triggers
    disabled, a restored dump): the next ``apply_pending`` recomputes France."""
    pending.ask_full()
