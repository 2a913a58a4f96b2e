"""Writing coverage rows back: only what changed, in bulk; COPY when a basis is empty.

A full national recomputation mostly finds the same nearest points as last time; rewriting
70,000 rows (and their index entries and foreign-key checks) would cost seconds, so the new
rows are compared with the stored ones in memory and only the differences are written, with one
UPDATE ... FROM unnest(...), one INSERT and one DELETE per basis. Every write sets the row's
``reach`` box from its distance (``coverage_reach``, migration 0008), in the same statement.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from geo_directory.territories.models import Commune

from .models import CommuneCoverage

TABLE = CommuneCoverage._meta.db_table
COMMUNES = Commune._meta.db_table


@dataclass
class WriteCounts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


def _scope(departement: str | None) -> tuple[str, list]:
    if not departement:
        return "", []
    return f" AND commune_id IN (SELECT code FROM {COMMUNES} WHERE departement_id = %s)", [
        departement
    ]


def write(basis: str, rows, departement: str | None = None) -> WriteCounts:
    """``rows``: (code, distance_m | None, nearest id | None, has_place_inside) per commune."""
    counts = WriteCounts()
    where, params = _scope(departement)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT commune_id, distance_m, nearest_place_id, has_place_inside FROM {TABLE}"
            f" WHERE basis = %s{where}",
            [basis, *params],
        )
        stored = {code: (d, n, h) for code, d, n, h in cursor.fetchall()}
        if not stored:
            _copy(cursor, basis, rows)
            counts.inserted = len(rows)
            return counts
        changed, new = [], []
        for row in rows:
            before = stored.pop(row[0], None)
            if before is None:
                new.append(row)
            elif before != row[1:]:
                changed.append(row)
            else:
                counts.unchanged += 1
        update(cursor, [(basis, *row) for row in changed])
        if new:
            _copy(cursor, basis, new)
        if stored:
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE basis = %s AND commune_id = ANY(%s)",
                [basis, list(stored)],
            )
        counts.updated, counts.inserted, counts.deleted = len(changed), len(new), len(stored)
    return counts


def update(cursor, rows) -> None:
    """``rows``: (basis, code, distance_m | None, nearest id | None, has_place_inside) of rows
    that exist."""
    if not rows:
        return
    cursor.execute(
        f"UPDATE {TABLE} t SET distance_m = v.d, nearest_place_id = v.n, has_place_inside = v.h,"
        " reach = coverage_reach(c.reference_point, v.d)"
        " FROM unnest(%s::varchar[], %s::varchar[], %s::float8[], %s::bigint[], %s::bool[])"
        f" AS v(basis, code, d, n, h) LEFT JOIN {COMMUNES} c ON c.code = v.code"
        " WHERE t.basis = v.basis AND t.commune_id = v.code",
        [list(column) for column in zip(*rows, strict=True)],
    )


def _copy(cursor, basis: str, rows) -> None:
    """COPY into a session's staging table, then one INSERT that adds the reach boxes."""
    columns = "(commune_id, distance_m, nearest_place_id, has_place_inside)"
    cursor.execute(
        "CREATE TEMP TABLE IF NOT EXISTS coverage_staging (commune_id varchar(5),"
        " distance_m float8, nearest_place_id bigint, has_place_inside bool)"
    )
    cursor.execute("TRUNCATE coverage_staging")
    with cursor.cursor.copy(f"COPY coverage_staging {columns} FROM STDIN") as copy:
        for code, distance, place_id, has_inside in rows:
            copy.write_row((code, distance, place_id, has_inside))
    cursor.execute(
        f"INSERT INTO {TABLE} (commune_id, basis, distance_m, nearest_place_id,"
        " has_place_inside, reach)"
        " SELECT s.commune_id, %s, s.distance_m, s.nearest_place_id, s.has_place_inside,"
        " coverage_reach(c.reference_point, s.distance_m)"
        f" FROM coverage_staging s LEFT JOIN {COMMUNES} c ON c.code = s.commune_id",
        [basis],
    )
