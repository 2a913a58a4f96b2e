"""The OpenAPI 3.0 definition of the OGC API (``service-desc``), generated from the collections.

Every collection gets its own ``/items`` path with its property filters, so that clients see
which filters exist and their types. ``limit`` declares its default (100) and maximum (10,000):
GDAL's OAPIF driver reads that maximum to choose its page size.
"""

from __future__ import annotations

from django.urls import reverse

from tiles.sources import SOURCES

from .documents import DESCRIPTION, TITLE
from .params import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET

SCHEMA_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
}

PARAMETERS = {
    "f": {
        "name": "f",
        "in": "query",
        "description": "Format de la réponse (sinon l'en-tête Accept ; JSON par défaut).",
        "required": False,
        "schema": {"type": "string", "enum": ["json", "html"]},
    },
    "limit": {
        "name": "limit",
        "in": "query",
        "description": f"Nombre maximal d'objets par page ({DEFAULT_LIMIT} par défaut).",
        "required": False,
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_LIMIT,
            "default": DEFAULT_LIMIT,
        },
        "style": "form",
        "explode": False,
    },
    "offset": {
        "name": "offset",
        "in": "query",
        "description": "Nombre d'objets à sauter (pagination ; suivez plutôt le lien next).",
        "required": False,
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
    },
    "bbox": {
        "name": "bbox",
        "in": "query",
        "description": "Rectangle lon_min,lat_min,lon_max,lat_max en WGS84 (CRS84).",
        "required": False,
        "schema": {
            "type": "array",
            "minItems": 4,
            "maxItems": 4,
            "items": {"type": "number", "minimum": -180, "maximum": 180},
        },
        "style": "form",
        "explode": False,
        "example": [5.9, 43.9, 6.5, 44.3],
    },
    "datetime": {
        "name": "datetime",
        "in": "query",
        "description": "Date RFC 3339 ou intervalle (début/fin, « .. » = ouvert), "
        "comparé à la date de mise à jour du lieu ; ignoré pour les communes.",
        "required": False,
        "schema": {"type": "string"},
        "example": "2024-01-01/..",
    },
}


def _ref(name):
    return {"$ref": f"#/components/parameters/{name}"}


def _exception(description):
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/exception"}}},
    }


ERRORS = {
    "400": _exception("Paramètre invalide (le corps nomme le paramètre)."),
    "404": _exception("Collection ou objet inconnu."),
    "503": _exception("Base de données momentanément indisponible."),
}


def _json_response(description, schema=None, media="application/json"):
    content = {media: {"schema": schema or {"type": "object"}}, "text/html": {}}
    return {"description": description, "content": content}


def _feature_schema(source):
    properties = {
        f.name: {**SCHEMA_TYPES[f.type], "description": f.description, "nullable": True}
        for f in source.fields
    }
    geometry = "Point" if source.geometry_type == "point" else "MultiPolygon"
    return {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": source.id_type},
            "geometry": {
                "type": "object",
                "nullable": True,
                "properties": {
                    "type": {"type": "string", "enum": [geometry, "Polygon"]},
                    "coordinates": {"type": "array", "items": {}},
                },
            },
            "properties": {"type": "object", "properties": properties},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
        },
    }


def _filter_schema(field):
    schema = dict(SCHEMA_TYPES[field.type])
    if field.choices:
        schema["enum"] = list(field.choices)
    elif field.type == "string":
        schema.update(minLength=1, maxLength=250)
    return schema


def _collection_paths(source):
    feature = {"$ref": f"#/components/schemas/{source.id}Feature"}
    filters = [
        {
            "name": f.name,
            "in": "query",
            "required": False,
            "description": f"Filtre d'égalité : {f.description}",
            "schema": _filter_schema(f),
        }
        for f in source.filterable()
    ]
    items = {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": feature},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
            "timeStamp": {"type": "string", "format": "date-time"},
        },
    }
    base = f"/collections/{source.id}"
    return {
        base: {
            "get": {
                "summary": f"Description de la collection {source.id}",
                "operationId": f"describe_{source.id}",
                "tags": ["Collections"],
                "parameters": [_ref("f")],
                "responses": {"200": _json_response(source.title), **ERRORS},
            }
        },
        f"{base}/items": {
            "get": {
                "summary": f"Objets de la collection {source.id}",
                "description": source.description,
                "operationId": f"get_{source.id}_items",
                "tags": ["Données"],
                "parameters": [
                    _ref("f"),
                    _ref("limit"),
                    _ref("offset"),
                    _ref("bbox"),
                    _ref("datetime"),
                    *filters,
                ],
                "responses": {
                    "200": _json_response(
                        "Une page d'objets (GeoJSON).", items, "application/geo+json"
                    ),
                    **ERRORS,
                },
            }
        },
        f"{base}/items/{{featureId}}": {
            "get": {
                "summary": f"Un objet de la collection {source.id}",
                "operationId": f"get_{source.id}_item",
                "tags": ["Données"],
                "parameters": [
                    {
                        "name": "featureId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    _ref("f"),
                ],
                "responses": {
                    "200": _json_response("Un objet (GeoJSON).", feature, "application/geo+json"),
                    **ERRORS,
                },
            }
        },
    }


def openapi_document(request) -> dict:
    root = request.build_absolute_uri(reverse("ogc:landing")).rstrip("/")
    paths = {
        "/": {
            "get": {
                "summary": "Page d'accueil",
                "operationId": "landing",
                "tags": ["Capacités"],
                "parameters": [_ref("f")],
                "responses": {"200": _json_response("Liens vers l'API et les données."), **ERRORS},
            }
        },
        "/conformance": {
            "get": {
                "summary": "Classes de conformité",
                "operationId": "conformance",
                "tags": ["Capacités"],
                "parameters": [_ref("f")],
                "responses": {"200": _json_response("Classes de conformité."), **ERRORS},
            }
        },
        "/collections": {
            "get": {
                "summary": "Collections",
                "operationId": "collections",
                "tags": ["Capacités"],
                "parameters": [_ref("f")],
                "responses": {"200": _json_response("Les collections."), **ERRORS},
            }
        },
    }
    for source in SOURCES.values():
        paths.update(_collection_paths(source))
    schemas = {
        "exception": {
            "type": "object",
            "required": ["code"],
            "properties": {
                "code": {"type": "string"},
                "description": {"type": "string"},
                "parameter": {"type": "string"},
            },
        },
        "link": {
            "type": "object",
            "required": ["href"],
            "properties": {
                "href": {"type": "string"},
                "rel": {"type": "string"},
                "type": {"type": "string"},
                "title": {"type": "string"},
            },
        },
    }
    for source in SOURCES.values():
        schemas[f"{source.id}Feature"] = _feature_schema(source)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": TITLE,
            "description": DESCRIPTION,
            "version": "1.0.0",
            "license": {"name": "Licence Ouverte 2.0 (données)"},
        },
        "servers": [{"url": root}],
        "paths": paths,
        "components": {"parameters": PARAMETERS, "schemas": schemas},
    }
