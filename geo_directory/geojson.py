"""RFC 7946 FeatureCollections built by PostGIS in one SQL statement.

Building features one by one in Python costs milliseconds per page (see ../shared/STACK.md);
PostGIS emitting the JSON text costs a fraction of that. Any queryset (filtered, ordered,
sliced) becomes a FeatureCollection whose features keep its order, with an ``id`` per Feature,
``[lon, lat]`` coordinates in WGS84, no ``crs`` member, and properties named by the caller.
"""

from __future__ import annotations

import copy
import json
import struct

from django.contrib.gis.db.backends.postgis.adapter import PostGISAdapter
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, Func
from django.db.models.expressions import Combinable

from geo_directory import cache

MEDIA_TYPE = "application/geo+json"


class ForcePolygonCCW(Func):
    """Exterior rings counter-clockwise, as RFC 7946 asks."""

    function = "ST_ForcePolygonCCW"


def _expression(value):
    return value if isinstance(value, Combinable | Func) else F(value)


def feature_collection(
    queryset,
    *,
    geometry,
    properties: dict,
    id_field: str = "pk",
    precision: int = 6,
    members: dict | None = None,
) -> str:
    """The FeatureCollection text for ``queryset``.

    ``geometry``: a field name or expression in EPSG:4326 (geography is fine).
    ``properties``: output name -> field path or expression.
    ``members``: extra top-level members (e.g. ``links``, ``numberMatched``), JSON-serialisable.
    """
    annotations = {"_fid": _expression(id_field), "_geom": AsGeoJSON(geometry, precision=precision)}
    names = list(properties)
    for index, name in enumerate(names):
        annotations[f"_p{index}"] = _expression(properties[name])
    head = {"type": "FeatureCollection", **(members or {})}
    values = queryset.annotate(**annotations).values(*annotations)
    try:
        inner_sql, params = values.query.sql_with_params()
    except EmptyResultSet:
        return json.dumps({**head, "features": []}, ensure_ascii=False)
    pairs = ", ".join(f"%s, t._p{index}" for index in range(len(names)))
    props_sql = f"json_build_object({pairs})::text" if names else "'{}'"
    prefix = json.dumps(head, ensure_ascii=False)[:-1] + ',"features":['
    sql = (
        "SELECT %s || coalesce(string_agg(f.feature, ',' ORDER BY f.rn), '') || ']}' FROM ("
        " SELECT row_number() OVER () AS rn,"
        ' \'{"type":"Feature","id":\' || to_json(t._fid)::text'
        " || ',\"geometry\":' || coalesce(t._geom, 'null')"
        f" || ',\"properties\":' || {props_sql} || '}}' AS feature"
        f" FROM ({inner_sql}) t) f"
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, [prefix, *names, *params])
        return cursor.fetchone()[0]


class LayerWriter:
    """A layer's Features written by PostGIS, the same text for every door.

    The rows' SQL (the layer's fields as columns, its Feature id, its GeoJSON geometry) is
    compiled by the ORM once per layer options and kept by the one cache (``memo``, under
    ``name``: what identifies this writer's view of the layer, by default the layer's id); a
    request only compiles its page's ids (filters, order, slice), joined to it on the Feature
    id. The text of a Feature equals what the layer's drf-gis serializer writes (tests hold
    them equal).
    """

    def __init__(self, layer, name=None):
        self.layer = layer
        self.name = layer.id if name is None else name

    def rows_sql(self, options: dict) -> tuple[str, tuple]:
        return cache.memo(
            "layer-sql",
            ("geojson", self.name, tuple(sorted(options.items()))),
            lambda: self._compile(options),
        )

    def _compile(self, options: dict) -> tuple[str, tuple]:
        layer = self.layer
        annotations = {
            "_fid": F(layer.id_path),
            "_geom": AsGeoJSON(layer.geometry(), precision=layer.precision),
        }
        for index, item in enumerate(layer.fields):
            annotations[f"_p{index}"] = item.expression
        rows = layer.rows(**options).order_by().annotate(**annotations).values(*annotations)
        return rows.query.sql_with_params()

    def feature_sql(self, extras: dict[str, str]) -> str:
        """The text of one Feature from the row ``f`` (and the page row ``page`` for extras:
        output name -> SQL over ``page``)."""
        pairs = [f"'{item.name}', f._p{index}" for index, item in enumerate(self.layer.fields)]
        pairs += [f"'{name}', {sql}" for name, sql in extras.items()]
        return (
            '\'{"type":"Feature","id":\' || to_json(f._fid)::text'
            " || ',\"geometry\":' || coalesce(f._geom, 'null')"
            f" || ',\"properties\":' || json_build_object({', '.join(pairs)})::text || '}}'"
        )

    def page(
        self,
        page,
        *,
        matched=None,
        extras: dict[str, str] | None = None,
        options: dict | None = None,
    ) -> tuple[int | None, str]:
        """(number of rows of ``matched``, or None; the Features of ``page`` joined by commas).

        ``page``: a queryset of the layer's model, filtered, ordered and sliced, whose
        ``values()`` are the Feature id as ``page_id`` and the columns ``extras`` reads.
        ``matched``: the unsliced queryset to count, in the same statement."""
        rows_sql, rows_params = self.rows_sql(options or {})
        try:
            page_sql, page_params = page.query.sql_with_params()
        except EmptyResultSet:
            return (0 if matched is not None else None), ""
        count_sql, count_params = "NULL::bigint", ()
        if matched is not None:
            try:
                inner, count_params = matched.order_by().values("pk").query.sql_with_params()
                count_sql = f"(SELECT count(*) FROM ({inner}) m)"
            except EmptyResultSet:
                count_sql = "0::bigint"
        sql = (
            f"WITH page AS (SELECT t.*, row_number() OVER () AS rn FROM ({page_sql}) t)"
            f" SELECT {count_sql}, (SELECT coalesce(string_agg({self.feature_sql(extras or {})},"
            f" ',' ORDER BY page.rn), '') FROM page JOIN ({rows_sql}) f ON f._fid = page.page_id)"
        )
        with connections[page.db].cursor() as cursor:
            cursor.execute(sql, [*page_params, *count_params, *rows_params])
            return cursor.fetchone()

    def counted_page_sql(
        self,
        page_sql: str,
        *,
        extras: dict[str, str] | None = None,
        options: dict | None = None,
    ) -> tuple[str, tuple]:
        """(SQL, the layer's params) of one statement giving (number of matches, the Features
        of one page), for ``page_sql``: the matches, ordered, unsliced, whose columns are the
        Feature id as ``page_id``, the number of matches as ``matched`` (``count(*) OVER ()``)
        and what ``extras`` reads. Its parameters: ``page_sql``'s, then the page's size and
        offset, then the returned params. No match on the page (past the last one): no count
        (None)."""
        rows_sql, rows_params = self.rows_sql(options or {})
        sql = (
            "WITH page AS (SELECT t.*, row_number() OVER () AS rn"
            f" FROM ({page_sql}) t LIMIT %s OFFSET %s)"
            " SELECT (SELECT page.matched FROM page LIMIT 1),"
            f" (SELECT coalesce(string_agg({self.feature_sql(extras or {})},"
            f" ',' ORDER BY page.rn), '') FROM page JOIN ({rows_sql}) f ON f._fid = page.page_id)"
        )
        return sql, rows_params

    # --- Features kept by the one cache, in blocks of ids -------------------------------------

    def page_ids_sql(self, page_sql: str, extras: dict[str, str] | None = None) -> str:
        """SQL of the page's rows only: Feature id, number of matches (``matched``) and the
        JSON text of each extra (over ``page``); params: ``page_sql``'s, size, offset."""
        columns = "".join(f", to_json({sql})::text" for sql in (extras or {}).values())
        return (
            f"SELECT page.page_id, page.matched{columns} FROM ({page_sql}) page LIMIT %s OFFSET %s"
        )

    def feature_texts(self, ids, version, alias: str, cursor_factory=None) -> dict:
        """The Feature text (no extras) of each id of ``ids`` that is in the layer, from the
        one cache (per data version, in blocks of ids: ``cache.in_blocks``), the blocks not
        kept yet read in one statement."""

        def read(wanted: list[int]) -> dict:
            rows_sql, rows_params = self.rows_sql({})
            sql = (
                f"SELECT f._fid, {self.feature_sql({})} FROM ({rows_sql}) f WHERE f._fid = ANY(%s)"
            )
            cursor = cursor_factory() if cursor_factory else connections[alias].cursor()
            with cursor:
                cursor.execute(sql, [*rows_params, wanted])
                return dict(cursor.fetchall())

        return cache.in_blocks("layer-features", (version, self.name), ids, read)


def with_extras(feature: str, extras: dict[str, str]) -> str:
    """A Feature's text with properties added at the end of its ``properties``, as
    ``json_build_object`` writes them (name -> JSON text of the value)."""
    added = "".join(f', "{name}" : {value}' for name, value in extras.items())
    return feature[:-2] + added + "}}"


def swap_numbers(params, numbers: dict[float, float]) -> list:
    """``params`` of a compiled statement with each number of ``numbers`` replaced by its value
    there: a parameter equal to it, or a coordinate of a geometry parameter (its EWKB holds the
    double itself). Lets a statement compiled once with unlikely numbers serve other values."""
    packed = [(struct.pack("<d", a), struct.pack("<d", b)) for a, b in numbers.items()]
    swapped = []
    for param in params:
        if isinstance(param, float) and param in numbers:
            param = numbers[param]
        elif isinstance(param, PostGISAdapter) and param.is_geometry:
            ewkb = param.ewkb
            if ewkb[:1] == b"\x01":  # little-endian, as GEOS writes it here
                for old, new in packed:
                    ewkb = ewkb.replace(old, new)
            if ewkb != param.ewkb:
                param = copy.copy(param)
                param.ewkb = ewkb
        swapped.append(param)
    return swapped


def collection_text(features: str, members: dict | None = None) -> str:
    """A FeatureCollection around Features already written as text."""
    head = json.dumps({"type": "FeatureCollection", **(members or {})}, ensure_ascii=False)
    return head[:-1] + ',"features":[' + features + "]}"
