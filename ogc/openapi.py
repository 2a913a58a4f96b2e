"""The OpenAPI 3.0 definition of the OGC API (``service-desc``), generated from the layers.

Every collection gets its own ``/items`` path with its equality filters (the scalar queryables:
list fields are filtered in CQL2), its own parameters (communes: ``basis``, ``threshold_km``),
``sortby`` and ``properties`` with the names they accept, so that clients see which filters
exist and their types. ``limit`` declares its default (100) and maximum (10,000): GDAL's OAPIF
driver reads that maximum to choose its page size. ``filter-lang`` lists ``cql-text`` too: it
is how GDAL's OAPIF driver detects that it may send its ``-where`` to the server.
"""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from . import crs
from .cql import ALIASES, LANGUAGES
from .documents import DESCRIPTION, TITLE
from .layers import LAYERS, parameter_fields
from .params import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, equality_fields, sortable_fields

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
        "description": f"Nombre maximal d'objets par page ({DEFAULT_LIMIT} par défaut, "
        f"{MAX_LIMIT} au plus : une valeur plus grande sert {MAX_LIMIT} objets).",
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
        "description": "Rectangle lon_min,lat_min,lon_max,lat_max en CRS84 (ou 6 nombres avec "
        "les hauteurs, ignorées) ; dans un autre système avec bbox-crs, dans l'ordre de ses axes "
        "(EPSG:4326 : lat_min,lon_min,lat_max,lon_max). lon_min > lon_max : la bbox traverse "
        "l'antiméridien.",
        "required": False,
        "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
        "style": "form",
        "explode": False,
        "example": [5.9, 43.9, 6.5, 44.3],
    },
    "bbox-crs": {
        "name": "bbox-crs",
        "in": "query",
        "description": "Système de coordonnées de bbox (CRS84 par défaut).",
        "required": False,
        "schema": {"type": "string", "format": "uri", "enum": crs.URIS, "default": crs.CRS84},
    },
    "crs": {
        "name": "crs",
        "in": "query",
        "description": "Système de coordonnées de la réponse (CRS84 par défaut ; en-tête "
        "Content-Crs). EPSG:4326 : latitude puis longitude ; les projections : est, nord.",
        "required": False,
        "schema": {"type": "string", "format": "uri", "enum": crs.URIS, "default": crs.CRS84},
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
    "filter": {
        "name": "filter",
        "in": "query",
        "description": "Expression CQL2 sur les propriétés interrogeables (/queryables) et "
        "geometry : comparaisons, LIKE, BETWEEN, IN, IS NULL, CASEI, ACCENTI, A_CONTAINS et "
        "les autres opérateurs de listes, S_INTERSECTS et les autres opérateurs spatiaux "
        "(géométries en CRS84).",
        "required": False,
        "schema": {"type": "string"},
        "example": "code_insee = '04070' AND A_CONTAINS(services, ('Aide aux démarches "
        "administratives'))",
    },
    "filter-lang": {
        "name": "filter-lang",
        "in": "query",
        "description": "Encodage de filter : cql2-text (défaut) ou cql2-json ; cql-text "
        "(nom du brouillon, envoyé par GDAL) se lit comme cql2-text.",
        "required": False,
        "schema": {"type": "string", "enum": [*LANGUAGES, *ALIASES], "default": "cql2-text"},
    },
    "filter-crs": {
        "name": "filter-crs",
        "in": "query",
        "description": "Système des géométries de filter : CRS84 seulement.",
        "required": False,
        "schema": {"type": "string", "format": "uri", "enum": [crs.CRS84]},
    },
    "featureCrs": {
        "name": "crs",
        "in": "query",
        "description": "Système de coordonnées de la réponse (CRS84 par défaut).",
        "required": False,
        "schema": {"type": "string", "format": "uri", "enum": crs.URIS, "default": crs.CRS84},
    },
}

CONTENT_CRS = {
    "Content-Crs": {
        "description": "Système de coordonnées des géométries, entre chevrons.",
        "schema": {"type": "string"},
    }
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


def _feature_schema(layer):
    properties = {item.name: item.json_schema() for item in layer.fields}
    geometry = "Point" if layer.geometry_type == "point" else "MultiPolygon"
    return {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": layer.id_type},
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


def _drf_schema(field) -> dict:
    """The schema of a layer parameter declared as a DRF serializer field."""
    if isinstance(field, serializers.ChoiceField):
        schema = {"type": "string", "enum": list(field.choices)}
    elif isinstance(field, serializers.FloatField):
        schema = {"type": "number"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        if field.max_value is not None:
            schema["maximum"] = field.max_value
    elif isinstance(field, serializers.BooleanField):
        schema = {"type": "boolean"}
    else:
        schema = {"type": "string"}
    default = field.default
    if default is not serializers.empty and default is not None:
        schema["default"] = str(default) if isinstance(field, serializers.ChoiceField) else default
    return schema


def _layer_parameters(layer):
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": str(field.help_text or f"Paramètre de la couche : {name}."),
            "schema": _drf_schema(field),
        }
        for name, field in parameter_fields(layer).items()
    ]


def _collection_paths(layer):
    feature = {"$ref": f"#/components/schemas/{layer.id}Feature"}
    filters = [
        {
            "name": f.name,
            "in": "query",
            "required": False,
            "description": f"Égalité exacte sur la valeur publiée : {f.description}",
            "schema": _filter_schema(f),
        }
        for f in equality_fields(layer)
    ]
    sortable = [f.name for f in sortable_fields(layer)]
    choices = [
        {
            "name": "sortby",
            "in": "query",
            "required": False,
            "description": "Tri : propriétés séparées par des virgules, préfixe - pour l'ordre "
            "décroissant (+ ou rien : croissant).",
            "schema": {
                "type": "array",
                "items": {
                    "type": "string",
                    "pattern": "^[+-]?(" + "|".join(sortable) + ")$",
                },
            },
            "style": "form",
            "explode": False,
        },
        {
            "name": "properties",
            "in": "query",
            "required": False,
            "description": "Propriétés à renvoyer (séparées par des virgules) ; toutes par défaut.",
            "schema": {
                "type": "array",
                "items": {"type": "string", "enum": [f.name for f in layer.fields]},
            },
            "style": "form",
            "explode": False,
        },
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
    base = f"/collections/{layer.id}"
    features_200 = _json_response("Une page d'objets (GeoJSON).", items, "application/geo+json")
    features_200["headers"] = CONTENT_CRS
    feature_200 = _json_response("Un objet (GeoJSON).", feature, "application/geo+json")
    feature_200["headers"] = CONTENT_CRS
    return {
        base: {
            "get": {
                "summary": f"Description de la collection {layer.id}",
                "operationId": f"describe_{layer.id}",
                "tags": ["Collections"],
                "parameters": [_ref("f")],
                "responses": {"200": _json_response(layer.title), **ERRORS},
            }
        },
        f"{base}/queryables": {
            "get": {
                "summary": f"Propriétés interrogeables de {layer.id} (JSON Schema)",
                "operationId": f"get_{layer.id}_queryables",
                "tags": ["Collections"],
                "parameters": [_ref("f")],
                "responses": {
                    "200": _json_response(
                        "Les propriétés que filter et sortby peuvent nommer.",
                        media="application/schema+json",
                    ),
                    **ERRORS,
                },
            }
        },
        f"{base}/items": {
            "get": {
                "summary": f"Objets de la collection {layer.id}",
                "description": layer.description,
                "operationId": f"get_{layer.id}_items",
                "tags": ["Données"],
                "parameters": [
                    _ref("f"),
                    _ref("limit"),
                    _ref("offset"),
                    _ref("bbox"),
                    _ref("bbox-crs"),
                    _ref("crs"),
                    _ref("datetime"),
                    _ref("filter"),
                    _ref("filter-lang"),
                    _ref("filter-crs"),
                    *choices,
                    *_layer_parameters(layer),
                    *filters,
                ],
                "responses": {"200": features_200, **ERRORS},
            }
        },
        f"{base}/items/{{featureId}}": {
            "get": {
                "summary": f"Un objet de la collection {layer.id}",
                "operationId": f"get_{layer.id}_item",
                "tags": ["Données"],
                "parameters": [
                    {
                        "name": "featureId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    _ref("f"),
                    _ref("featureCrs"),
                ],
                "responses": {"200": feature_200, **ERRORS},
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
    for layer, _ in LAYERS.values():
        paths.update(_collection_paths(layer))
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
    for layer, _ in LAYERS.values():
        schemas[f"{layer.id}Feature"] = _feature_schema(layer)
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
