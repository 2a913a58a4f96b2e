"""The one SQL statement of a page of ``/api/v1/lieux/``: the number of matches and the page's
Features (``LayerWriter.counted_page_sql``), the count in the same pass as the page
(``count(*) OVER ()``).

Compiling the search through the ORM (the FilterSet's filters, the queryset methods) costs more
than PostGIS takes to answer a moving map's bbox or a "near me" point. So a search made only
of ``bbox`` and/or ``near`` (its shape) is compiled once per worker with unlikely numbers in
place of the request's (``SENTINELS``), kept by the one cache (``memo``), and each request
swaps its own numbers in (``geojson.swap_numbers``). The first compilation of a shape is
checked against the request's own compilation (same SQL, same parameters); a shape that does
not match is compiled per request, as every other search is.
"""

from __future__ import annotations

from types import SimpleNamespace

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Count, F, Window

from geo_directory import cache
from geo_directory.geojson import swap_numbers, with_extras

from ..filter_fields import Near
from ..filters import PlaceFilter, PlaceFilterSet
from ..layer import PLACES, PLACES_WRITER
from ..models import Place

NEARBY_EXTRAS = {"distance_m": "round(page.distance)"}
# Unlikely values (no request sends 15 decimals) that stand for a request's numbers.
SENTINELS = {
    "bbox": (1.123456789012345, 2.234567890123456, 3.345678901234567, 4.456789012345678),
    "near": Near(5.567890123456789, 6.678901234567891, 7.789012345678912),
    "radius_km": 7.789012345678912,  # validated apart, applied by ``near``
}


def numbers_of(name: str, value) -> list[float]:
    """The numbers of a cleaned value that reach the SQL parameters (in metres for a radius)."""
    if name == "near":
        return [value.lon, value.lat, value.radius_m]
    if name == "radius_km":
        return []
    return [float(number) for number in value]


# The sentinels' numbers, read once (a Point's coordinates are GEOS calls).
SENTINEL_NUMBERS = {name: numbers_of(name, value) for name, value in SENTINELS.items()}


def matches(values: dict):
    """The matches of a search, ordered, unsliced: Feature id, number of matches, distance."""
    queryset = PlaceFilterSet.narrow(PLACES.rows(), values)
    nearby = ("distance",) if values.get("near") is not None else ()
    return queryset.annotate(matched=Window(Count("*"))).values(*nearby, "matched", page_id=F("pk"))


def _compiled(values: dict) -> tuple[str, list]:
    """(SQL, params) of the matches of ``values`` (``matches``), compiled now
    (EmptyResultSet when nothing can match)."""
    page_sql, page_params = matches(values).query.sql_with_params()
    return page_sql, list(page_params)


def _template(shape: tuple[str, ...], values: dict):
    """The matches of ``shape`` compiled with the sentinels, checked against ``values``'s own
    compilation; False when swapping numbers does not give the same SQL and params."""
    page_sql, page_params = _compiled({name: SENTINELS[name] for name in shape})
    if (page_sql, swap_numbers(page_params, _swaps(shape, values))) != _compiled(values):
        return False
    return page_sql, page_params


def _swaps(shape, values: dict) -> dict[float, float]:
    swaps = {}
    for name in shape:
        swaps.update(zip(SENTINEL_NUMBERS[name], numbers_of(name, values[name]), strict=True))
    return swaps


def _matches_sql(search: PlaceFilter) -> tuple[str, list, bool]:
    """(SQL, params) of the search's matches, and whether the SQL is its shape's (the same for
    every request of that shape)."""
    values = search.values
    shape = tuple(sorted(values))
    if shape and set(shape) <= SENTINELS.keys():
        swaps = _swaps(shape, values)
        if not swaps.keys() & set(swaps.values()):  # a request's number is no sentinel
            template = cache.memo(
                "layer-sql", ("lieux-page", shape), lambda: _template(shape, values)
            )
            if template:
                return template[0], swap_numbers(template[1], swaps), True
    return (*_compiled(values), False)


def nearest(
    search: PlaceFilter, first: str | None = None
) -> tuple[tuple | None, list[tuple[int, float]]]:
    """(the row of ``first``, every match of a search around a point, nearest first: (id,
    metres)). The public search page reads them so (compiled once per shape and prepared, as a
    page of this API is): it counts them, keeps one record per real place and shows a page of
    them. ``first`` (a statement of one row without parameters: the places' version; its row
    is None without it) is read by the same statement (``beside``), the request's first read
    (``cache.first_read``: the connection's health check)."""
    alias = router.db_for_read(Place)
    db = connections[alias]
    try:
        page_sql, params, shared = _matches_sql(search)
    except EmptyResultSet:  # nothing can match
        page_sql, params, shared = None, [], False
    if page_sql is not None:
        page_sql = f"SELECT m.page_id, m.distance FROM ({page_sql}) m"
    sql = page_sql if first is None else beside(first, page_sql)
    if sql is None:
        return None, []

    def read():
        with prepared_cursor(alias) if shared else db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    rows = cache.first_read(db, read)
    if first is None:
        return None, rows
    if page_sql is None:
        return rows[0], []
    width = len(rows[0]) - 2  # first's columns, then (id, metres)
    return rows[0][:width], [r[width:] for r in rows if r[width] is not None]


def beside(first: str, sql: str | None) -> str:
    """One statement: the row of ``first`` (a statement of one row, or none) beside each row of
    ``sql`` (or alone, with NULLs, when ``sql`` gives none or is None). Each row of ``sql``
    comes in its order: a join without a condition is a nested loop over its one-row side."""
    if sql is None:
        return f"SELECT f.* FROM (SELECT) one LEFT JOIN ({first}) f ON true"
    return (
        f"SELECT f.*, r.* FROM (SELECT) one LEFT JOIN ({first}) f ON true"
        f" LEFT JOIN ({sql}) r ON true"
    )


def _extras(search: PlaceFilter) -> dict | None:
    return NEARBY_EXTRAS if search.values.get("near") is not None else None  # no Point made


def _slice(search: PlaceFilter) -> list[int]:
    return [search.page_size, (search.page - 1) * search.page_size]


def statement(search: PlaceFilter) -> tuple[str, list]:
    """(SQL, params) of one statement giving (matches or None, the page's Features text)."""
    page_sql, page_params, _shared = _matches_sql(search)
    sql, rows_params = PLACES_WRITER.counted_page_sql(page_sql, extras=_extras(search))
    return sql, [*page_params, *_slice(search), *rows_params]


def ids_statement(search: PlaceFilter) -> tuple[str, list, bool]:
    """(SQL, params, shared) of the page's rows: Feature id, matches, extras' JSON texts."""
    page_sql, page_params, shared = _matches_sql(search)
    sql = PLACES_WRITER.page_ids_sql(page_sql, _extras(search))
    return sql, [*page_params, *_slice(search)], shared


# psycopg prepares a statement automatically after this many executions: never, in practice,
# for Django's own cursors (which bind on the client: nothing to reuse); ``Prepared`` asks.
ONLY_WHEN_ASKED = 2**31 - 1


class Prepared:
    """A psycopg cursor binding its parameters on the server and executing every statement as
    a prepared one (PostgreSQL plans a shape's statement once per connection, not per
    request); Django's cursor wrapper goes around it (errors, execute wrappers, query log)."""

    def __init__(self, raw_connection):
        if raw_connection.prepare_threshold is None:  # Django's default: psycopg would then
            raw_connection.prepare_threshold = ONLY_WHEN_ASKED  # prepare nothing, even asked
        self.cursor = psycopg.Cursor(raw_connection)

    def execute(self, sql, params=None):
        self.executed = sql
        return self.cursor.execute(sql, params, prepare=True)

    @property
    def _query(self):
        """What Django's query log reads of the last statement (psycopg keeps nothing of a
        prepared one): its SQL, parameters left as placeholders."""
        return SimpleNamespace(query=self.executed.encode()) if hasattr(self, "executed") else None

    def __getattr__(self, name):
        return getattr(self.cursor, name)


def prepared_cursor(alias: str):
    """Django's cursor over a ``Prepared`` one, on the connection ``alias`` (health-checked)."""
    db = connections[alias]
    db.close_if_health_check_failed()
    db.ensure_connection()
    raw = Prepared(db.connection)
    return db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)


def page(search: PlaceFilter, version) -> tuple[int, str]:
    """(number of matches, the Features of the requested page joined by commas): the page's
    ids from PostGIS, their Features from the one cache (``LayerWriter.feature_texts``, kept
    per data ``version``), or, should a Feature be missing (a write between the two reads),
    the whole page in one statement."""
    try:
        sql, params, shared = ids_statement(search)
    except EmptyResultSet:
        return 0, ""
    alias = router.db_for_read(Place)  # where the ORM would read (a replica, or the primary)
    with prepared_cursor(alias) if shared else connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _features(search, version, alias, rows)


def versioned_page(search: PlaceFilter) -> tuple[cache.Version, int, str] | None:
    """(the data's version, number of matches, the page's Features) for a search of a shape
    compiled once (``bbox`` and/or ``near``: a moving map, a "near me"): the version and the
    page's ids read by one prepared statement (``beside``: one snapshot, one round trip,
    planned once per connection; the two sent in a pipeline cost the client twice the work),
    as the request's first statement (``cache.first_read``: the connection's health check);
    None for any other search (``page`` after ``cache.version``)."""
    try:
        sql, params, shared = ids_statement(search)
    except EmptyResultSet:
        return None
    if not shared:
        return None
    alias = router.db_for_read(Place)
    db = connections[alias]

    def read():
        with prepared_cursor(alias) as cursor:
            cursor.execute(beside(cache.VERSION_SQL, sql), params)
            return cursor.fetchall()

    rows = cache.first_read(db, read)
    version = cache.version_of(rows[0][:2] if rows else None)
    _last_version[0] = version
    page_rows = [row[2:] for row in rows if row[2] is not None]  # none: past the last match
    return (version, *_features(search, version, alias, page_rows))


_last_version: list[cache.Version | None] = [None]  # this worker's, by versioned_page


def last_version() -> cache.Version | None:
    """The data's version this worker's last ``versioned_page`` read: where to look for the
    same page kept (then checked against the version read alone)."""
    return _last_version[0]


def _features(search: PlaceFilter, version, alias: str, rows: list) -> tuple[int, str]:
    """(number of matches, Features) of the page's ``rows`` (id, matches, extras' texts)."""
    if not rows:  # past the last match: counted apart
        return PlaceFilterSet.narrow(PLACES.rows(), search.values).count(), ""
    texts = PLACES_WRITER.feature_texts(
        [row[0] for row in rows], version, alias, lambda: prepared_cursor(alias)
    )
    names = list(_extras(search) or ())
    try:
        features = [
            with_extras(texts[row[0]], dict(zip(names, row[2:], strict=True)))
            if names
            else texts[row[0]]
            for row in rows
        ]
    except KeyError:
        return whole_page(search, alias)
    return rows[0][1], ",".join(features)


def whole_page(search: PlaceFilter, alias: str) -> tuple[int, str]:
    """The page in one statement (``statement``), read-consistent."""
    sql, params = statement(search)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        matched, features = cursor.fetchone()
    if matched is None:
        matched = PlaceFilterSet.narrow(PLACES.rows(), search.values).count()
    return matched, features
