"""The JSON documents of OGC API - Features (landing, conformance, collections, queryables,
items).

Links are absolute (clients such as GDAL follow them as given). Items are the layer's Features
written by its SQL writer (``geo_directory.geojson.LayerWriter``): the same text as every other
door, in the CRS asked for and with the properties asked for.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from geo_directory.geojson import MEDIA_TYPE as GEOJSON
from geo_directory.geojson import collection_text
from geo_directory.layers import Layer

from . import cql, crs
from .layers import LAYERS, writer
from .params import ItemsQuery

JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"
TITLE = "Maillage — OGC API - Features"
DESCRIPTION = (
    "Lieux d'inclusion numérique (standard national) et couverture des communes de France, "
    "pour les clients SIG (QGIS, GDAL/OGR, geopandas...)."
)
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
_FEATURES = "http://www.opengis.net/spec/ogcapi-features-"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
CONFORMANCE = [
    f"{_FEATURES}1/1.0/conf/core",
    f"{_FEATURES}1/1.0/conf/geojson",
    f"{_FEATURES}1/1.0/conf/oas30",
    f"{_FEATURES}1/1.0/conf/html",
    # Part 2: crs, bbox-crs, Content-Crs (ogc.crs)
    f"{_FEATURES}2/1.0/conf/crs",
    # Part 3: queryables, filter, filter-lang (ogc.cql)
    f"{_FEATURES}3/1.0/conf/queryables",
    f"{_FEATURES}3/1.0/conf/filter",
    f"{_FEATURES}3/1.0/conf/features-filter",
    # CQL2: what ogc.cql evaluates, in both encodings
    f"{_CQL2}cql2-text",
    f"{_CQL2}cql2-json",
    f"{_CQL2}basic-cql2",
    f"{_CQL2}advanced-comparison-operators",
    f"{_CQL2}case-insensitive-comparison",
    f"{_CQL2}accent-insensitive-comparison",
    f"{_CQL2}basic-spatial-functions",
    f"{_CQL2}basic-spatial-functions-plus",
    f"{_CQL2}spatial-functions",
    f"{_CQL2}array-functions",
    # sortby (+/- queryable properties), as OGC API - Records defines it
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
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


def collection(request, layer: Layer, fmt, extent: dict):
    spatial = {
        "bbox": [extent["bbox"]] if extent["bbox"] else [[-180, -90, 180, 90]],
        "crs": crs.CRS84,
    }
    document = {
        "id": layer.id,
        "title": layer.title,
        "description": layer.description,
        "itemType": "feature",
        "crs": crs.URIS,
        "storageCrs": crs.CRS84,
        "extent": {"spatial": spatial},
        "links": [
            *self_links(request, "collection", [layer.id], fmt=fmt),
            link(request, "items", [layer.id], rel="items", type=GEOJSON, title="Objets (GeoJSON)"),
            link(
                request,
                "schema",
                [layer.id],
                rel="describedby",
                type=SCHEMA_JSON,
                title="Schéma des objets (JSON Schema)",
            ),
            link(
                request,
                "schema-xsd",
                [layer.id],
                # GDAL 3.6 matches this rel in camel case ("describedBy") and reads XML Schema.
                rel="describedBy",
                type="application/xml",
                title="Schéma des objets (XML Schema, pour GDAL)",
            ),
            link(
                request,
                "queryables",
                [layer.id],
                rel=QUERYABLES_REL,
                type=SCHEMA_JSON,
                title="Propriétés interrogeables (filtres CQL2, tri)",
            ),
            link(
                request,
                "items",
                [layer.id],
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


def json_schema(item) -> dict:
    """A field's JSON Schema (``nullable`` written the JSON Schema way: a second type)."""
    schema = item.json_schema()
    if schema.pop("nullable", False):
        schema["type"] = [schema["type"], "null"]
    return schema


def geometry_schema(layer: Layer) -> dict:
    geometry = "point" if layer.geometry_type == "point" else "multipolygon"
    return {"format": f"geometry-{geometry}", "x-ogc-role": "primary-geometry"}


def schema(request, layer: Layer):
    """The collection's feature schema (OGC API - Features Part 5 style), typed for GIS tools.

    GDAL's OAPIF driver reads it through the ``describedby`` link, so field types do not
    depend on whether the first page happens to hold a value. List fields are arrays.
    """
    properties = {item.name: json_schema(item) for item in layer.fields}
    properties["geometry"] = geometry_schema(layer)
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": request.build_absolute_uri(reverse("ogc:schema", args=[layer.id])),
        "title": layer.title,
        "description": layer.description,
        "type": "object",
        "properties": properties,
    }


def queryables(request, layer: Layer):
    """Part 3 queryables: the properties a CQL2 ``filter`` (and ``sortby``) may name, with the
    type of their published value (list fields: arrays, for A_CONTAINS and the like)."""
    properties = {"geometry": {**geometry_schema(layer), "title": "geometry"}}
    for item in layer.filterable():
        properties[item.name] = json_schema(item)
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": request.build_absolute_uri(reverse("ogc:queryables", args=[layer.id])),
        "title": f"{layer.title} — propriétés interrogeables",
        "description": "Filtre d'égalité exacte sur la valeur publiée (paramètre nom=valeur "
        "pour les propriétés simples), filtres CQL2 (filter=...) et tri (sortby=...).",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }


def collections(request, fmt, extents: dict):
    return {
        "links": self_links(request, "collections", fmt=fmt),
        "crs": crs.URIS,
        "collections": [
            collection(request, layer, "json", extents[layer.id]) for layer, _ in LAYERS.values()
        ],
    }


def items_queryset(layer: Layer, query: ItemsQuery):
    """The layer's rows that ``query`` selects, in its order (the Feature id breaks ties)."""
    queryset = layer.rows(**query.options)
    if query.area is not None:
        queryset = queryset.alias(_ogc_area=layer.plain_geometry()).filter(
            _ogc_area__intersects=query.area
        )
    queryset = layer.filter_dates(queryset, query.dates)
    queryset = layer.filter(queryset, query.filters)
    if query.cql is not None:
        queryset = cql.apply(layer, queryset, query.cql)
    if query.sortby:
        names = [key.lstrip("-") for key in query.sortby]
        queryset, paths = layer.with_paths(queryset, names)
        keys = [
            ("-" if key.startswith("-") else "") + paths[key.lstrip("-")] for key in query.sortby
        ]
        queryset = queryset.order_by(*keys, layer.id_path)
    return queryset


def page_links(request, layer: Layer, query: ItemsQuery, matched: int, fmt: str):
    params = {k: v for k, v in request.GET.items() if k not in ("offset", "f")}
    base = {**params, "limit": query.limit}
    links = self_links(
        request,
        "items",
        [layer.id],
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
                [layer.id],
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
                [layer.id],
                rel="prev",
                type=page_type,
                title="page précédente",
                query={**base, "offset": max(0, query.offset - query.limit), **extra},
            )
        )
    links.append(link(request, "collection", [layer.id], rel="collection", type=JSON))
    return links


def timestamp() -> str:
    return timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")


def items(request, layer: Layer, query: ItemsQuery) -> str:
    """The FeatureCollection text of one page: the layer's own Features, counted and written
    by PostGIS in one statement."""
    queryset = items_queryset(layer, query)
    page = queryset[query.offset : query.offset + query.limit].values(page_id=F(layer.id_path))
    matched, features = writer(layer, query.crs, query.properties).page(
        page, matched=queryset, options=query.options
    )
    returned = max(0, min(query.limit, matched - query.offset))
    return collection_text(
        features,
        {
            "numberMatched": matched,
            "numberReturned": returned,
            "timeStamp": timestamp(),
            "links": page_links(request, layer, query, matched, "json"),
        },
    )


def item(request, layer: Layer, feature_id, crs_: crs.CRS = crs.DEFAULT) -> dict | None:
    page = layer.rows().filter(**{layer.id_path: feature_id}).values(page_id=F(layer.id_path))
    _, text = writer(layer, crs_).page(page)
    if not text:
        return None
    feature = json.loads(text)
    feature["links"] = [
        *self_links(request, "item", [layer.id, feature_id], fmt="json", json_type=GEOJSON),
        link(request, "collection", [layer.id], rel="collection", type=JSON),
    ]
    return feature
