"""The JSON documents of OGC API - Features Part 1 (landing, conformance, collections, items).

Links are absolute (clients such as GDAL follow them as given). Item pages are
FeatureCollections emitted by PostGIS (``geo_directory.geojson.feature_collection``).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from geo_directory.geojson import MEDIA_TYPE as GEOJSON
from geo_directory.geojson import feature_collection
from tiles.sources import SOURCES, Source

from .params import CRS84, ItemsQuery

JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"
TITLE = "Maillage — OGC API - Features"
DESCRIPTION = (
    "Lieux d'inclusion numérique (standard national) et couverture des communes de France, "
    "pour les clients SIG (QGIS, GDAL/OGR, geopandas...)."
)
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
]


def link(request, name, args=(), *, rel, type, title="", query=None):
    href = request.build_absolute_uri(reverse(f"ogc:{name}", args=args))
    if query:
        href += "?" + urlencode(query)
    item = {"href": href, "rel": rel, "type": type}
    if title:
        item["title"] = title
    return item


def self_links(request, name, args=(), *, fmt, json_type=JSON, query=None):
    """``self`` for the format served and ``alternate`` for the other one."""
    query = {k: v for k, v in (query or {}).items() if k != "f"}
    as_json = link(request, name, args, rel="self", type=json_type, query={**query, "f": "json"})
    as_html = link(request, name, args, rel="alternate", type=HTML, query={**query, "f": "html"})
    if fmt == "html":
        as_json["rel"], as_html["rel"] = "alternate", "self"
    as_json["title"], as_html["title"] = "ce document en JSON", "ce document en HTML"
    return [as_json, as_html]


def landing(request, fmt):
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "links": [
            *self_links(request, "landing", fmt=fmt),
            link(
                request, "openapi", rel="service-desc", type=OPENAPI, title="Définition OpenAPI 3.0"
            ),
            link(
                request,
                "openapi",
                rel="service-doc",
                type=HTML,
                title="Documentation de l'API",
                query={"f": "html"},
            ),
            link(request, "conformance", rel="conformance", type=JSON, title="Conformité"),
            link(request, "collections", rel="data", type=JSON, title="Collections"),
        ],
    }


def conformance(request, fmt):
    return {"conformsTo": CONFORMANCE, "links": self_links(request, "conformance", fmt=fmt)}


def collection(request, source: Source, fmt, extent: dict):
    spatial = {"bbox": [extent["bbox"]] if extent["bbox"] else [[-180, -90, 180, 90]], "crs": CRS84}
    document = {
        "id": source.id,
        "title": source.title,
        "description": source.description,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": {"spatial": spatial},
        "links": [
            *self_links(request, "collection", [source.id], fmt=fmt),
            link(
                request, "items", [source.id], rel="items", type=GEOJSON, title="Objets (GeoJSON)"
            ),
            link(
                request,
                "schema",
                [source.id],
                rel="describedby",
                type=SCHEMA_JSON,
                title="Schéma des objets (JSON Schema)",
            ),
            link(
                request,
                "schema-xsd",
                [source.id],
                # GDAL 3.6 matches this rel in camel case ("describedBy") and reads XML Schema.
                rel="describedBy",
                type="application/xml",
                title="Schéma des objets (XML Schema, pour GDAL)",
            ),
            link(
                request,
                "items",
                [source.id],
                rel="items",
                type=HTML,
                title="Objets (HTML)",
                query={"f": "html"},
            ),
        ],
    }
    if extent["interval"]:
        document["extent"]["temporal"] = {
            "interval": [[f"{d}T00:00:00Z" for d in extent["interval"]]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return document


JSON_SCHEMA_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
}


def schema(request, source: Source):
    """The collection's feature schema (OGC API - Features Part 5 style), typed for GIS tools.

    GDAL's OAPIF driver reads it through the ``describedby`` link, so field types do not
    depend on whether the first page happens to hold a value.
    """
    geometry = "Point" if source.geometry_type == "point" else "MultiPolygon"
    properties = {
        f.name: {**JSON_SCHEMA_TYPES[f.type], "title": f.name, "description": f.description}
        for f in source.fields
    }
    properties["geometry"] = {
        "format": f"geometry-{geometry.lower()}",
        "x-ogc-role": "primary-geometry",
    }
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": request.build_absolute_uri(reverse("ogc:schema", args=[source.id])),
        "title": source.title,
        "description": source.description,
        "type": "object",
        "properties": properties,
    }


def collections(request, fmt, extents: dict):
    return {
        "links": self_links(request, "collections", fmt=fmt),
        "collections": [
            collection(request, source, "json", extents[source.id]) for source in SOURCES.values()
        ],
    }


def items_queryset(source: Source, query: ItemsQuery):
    queryset = source.queryset()
    if query.bbox:
        queryset = source.bbox_filter(queryset, query.bbox)
    queryset = source.filter_dates(queryset, query.dates)
    return source.filter(queryset, query.filters)


def page_links(request, source: Source, query: ItemsQuery, matched: int, fmt: str):
    params = {k: v for k, v in request.GET.items() if k not in ("offset", "f")}
    base = {**params, "limit": query.limit}
    links = self_links(
        request,
        "items",
        [source.id],
        fmt=fmt,
        json_type=GEOJSON,
        query={**base, "offset": query.offset} if query.offset else base,
    )
    page_type = HTML if fmt == "html" else GEOJSON
    extra = {"f": "html"} if fmt == "html" else {}
    if query.offset + query.limit < matched:
        links.append(
            link(
                request,
                "items",
                [source.id],
                rel="next",
                type=page_type,
                title="page suivante",
                query={**base, "offset": query.offset + query.limit, **extra},
            )
        )
    if query.offset > 0:
        links.append(
            link(
                request,
                "items",
                [source.id],
                rel="prev",
                type=page_type,
                title="page précédente",
                query={**base, "offset": max(0, query.offset - query.limit), **extra},
            )
        )
    links.append(link(request, "collection", [source.id], rel="collection", type=JSON))
    return links


def timestamp() -> str:
    return timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")


def items(request, source: Source, query: ItemsQuery) -> str:
    """The FeatureCollection text of one page, built by PostGIS."""
    queryset = items_queryset(source, query)
    matched = queryset.count()
    returned = max(0, min(query.limit, matched - query.offset))
    page = queryset[query.offset : query.offset + query.limit]
    return feature_collection(
        page,
        geometry=source.geometry(),
        properties=source.properties(),
        id_field=source.id_field,
        precision=source.precision,
        members={
            "numberMatched": matched,
            "numberReturned": returned,
            "timeStamp": timestamp(),
            "links": page_links(request, source, query, matched, "json"),
        },
    )


def item(request, source: Source, feature_id) -> dict | None:
    queryset = source.queryset().filter(**{source.id_field: feature_id})
    data = json.loads(
        feature_collection(
            queryset,
            geometry=source.geometry(),
            properties=source.properties(),
            id_field=source.id_field,
            precision=source.precision,
        )
    )
    if not data["features"]:
        return None
    feature = data["features"][0]
    feature["links"] = [
        *self_links(request, "item", [source.id, feature_id], fmt="json", json_type=GEOJSON),
        link(request, "collection", [source.id], rel="collection", type=JSON),
    ]
    return feature
