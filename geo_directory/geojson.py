"""RFC 7946 FeatureCollections built by PostGIS in one SQL statement.

Building features one by one in Python costs milliseconds per page (see ../shared/STACK.md);
PostGIS emitting the JSON text costs a fraction of that. Any queryset (filtered, ordered,
sliced) becomes a FeatureCollection whose features keep its order, with an ``id`` per Feature,
``[lon, lat]`` coordinates in WGS84, no ``crs`` member, and properties named by the caller.
"""

from __future__ import annotations

import json

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, Func
from django.db.models.expressions import Combinable

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
