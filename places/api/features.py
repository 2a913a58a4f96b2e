"""How places become GeoJSON Features, written by PostGIS in one statement per request.

The filtered queryset (any chain of ``PlaceQuerySet`` methods) is compiled by the ORM to select
only ids (and ``distance`` for a nearby search): cheap to compile. One SQL statement then counts
the matches, finds their last update (for ETag / Last-Modified) and writes the page's Features
as text, in the queryset's order, with the national standard's 32 fields as properties
(multi-valued fields as JSON arrays). Python only adds the FeatureCollection's head.
Compiling 35 ORM annotations per request, as ``geo_directory.geojson.feature_collection`` would,
cost more than the query itself (``bench/nearby.py``).
"""

from __future__ import annotations

import json
from datetime import datetime

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F

from .. import standard

STANDARD_FIELDS = standard.MODEL_FIELDS


def _coordinate(function: str) -> str:
    """The standard's latitude/longitude: only the source's own coordinates. A place the
    importer put at its commune's reference point keeps that point as geometry (to be found on
    a map) but has no latitude/longitude, as in ``places.exporters``."""
    return (
        f"CASE WHEN p.location_precision = 'source' "
        f"THEN round({function}(p.location::geometry)::numeric, 6) END"
    )


def _properties_sql(with_distance: bool) -> str:
    """``json_build_object`` of the properties, in the standard's order (id, pivot, nom, ...,
    prise_rdv), then ``location_precision`` and, for a nearby search, ``distance_m``.

    ``id`` is the standard's ``<import source>:<source id>`` (as in the CSV export); the
    Feature's own ``id`` is the directory's number, the one in ``/api/v1/lieux/<id>/``."""
    pairs = ["'id', p.import_source || ':' || p.source_id"]
    for name in STANDARD_FIELDS:
        pairs.append(f"'{name}', p.{name}")
        if name == "complement_adresse":
            pairs.append(f"'latitude', {_coordinate('ST_Y')}")
            pairs.append(f"'longitude', {_coordinate('ST_X')}")
    pairs.append("'location_precision', p.location_precision")
    if with_distance:
        pairs.append("'distance_m', round(page.distance::numeric, 1)")
    return "json_build_object(" + ", ".join(pairs) + ")::text"


FEATURE_SQL = {
    with_distance: (
        '\'{"type":"Feature","id":\' || p.id'
        " || ',\"geometry\":' || coalesce(ST_AsGeoJSON(p.location, 6), 'null')"
        f" || ',\"properties\":' || {_properties_sql(with_distance)} || '}}'"
    )
    for with_distance in (False, True)
}


def features_page(
    queryset, start: int = 0, stop: int | None = None, *, with_distance: bool = False
) -> tuple[int, datetime | None, str]:
    """(matched count, last update of the matches, the page's Features joined by commas).

    ``queryset``: places, filtered and ordered; ``with_distance``: it carries ``distance``
    (``PlaceQuerySet.near``)."""
    columns = ("distance",) if with_distance else ()
    page = queryset.values(*columns, page_id=F("pk"))
    page = page[start:stop] if stop is not None else page[start:]
    try:
        page_sql, page_params = page.query.sql_with_params()
        all_sql, all_params = queryset.order_by().values("updated_at").query.sql_with_params()
    except EmptyResultSet:  # e.g. "open now" and nothing is open
        return 0, None, ""
    sql = (
        f"WITH page AS (SELECT t.*, row_number() OVER () AS rn FROM ({page_sql}) t),"
        f" matched AS (SELECT count(*) AS n, max(m.updated_at) AS last FROM ({all_sql}) m)"
        " SELECT matched.n, matched.last, ("
        f"  SELECT coalesce(string_agg({FEATURE_SQL[with_distance]}, ',' ORDER BY page.rn), '')"
        "   FROM page JOIN places_place p ON p.id = page.page_id"
        " ) FROM matched"
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, [*page_params, *all_params])
        return cursor.fetchone()


def place_collection(queryset, *, with_distance: bool = False, members: dict | None = None) -> str:
    """The whole queryset as one FeatureCollection text (same Features as ``/api/v1/lieux/``)."""
    _matched, _last, features = features_page(queryset, with_distance=with_distance)
    head = json.dumps({"type": "FeatureCollection", **(members or {})}, ensure_ascii=False)
    return head[:-1] + ',"features":[' + features + "]}"
