"""OGC API - Features endpoints (Parts 1, 2 and 3), in JSON (GeoJSON for features) and HTML.

Thin views: parse the parameters (``ogc.params``), build the document (``ogc.documents``),
answer with validators (ETag, Last-Modified) and a 304 on revalidation; ``respond`` is the only
place that reads the data version (``geo_directory.cache.version``). Features carry
``Content-Crs``. An HTML page of items shows at most ``HTML_MAX_ITEMS`` rows, with page links.
Errors are OGC exception bodies (``code``, ``description``) naming the parameter.
"""

from __future__ import annotations

import dataclasses
import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from geo_directory import cache, conditional
from geo_directory.geojson import MEDIA_TYPE as GEOJSON
from geo_directory.layers import ParameterError

from . import documents
from . import layers as registry
from .openapi import openapi_document
from .params import check_unknown, equality_fields, output_format, parse_item, parse_items

HTML_MAX_ITEMS = 100  # rows of one HTML page of items (JSON pages go up to the OGC limit)


def exception(status: int, code: str, description: str, parameter: str | None = None):
    body = {"code": code, "description": description}
    if parameter:
        body["parameter"] = parameter
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def bad_parameter(error: ParameterError):
    return exception(400, "InvalidParameterValue", error.message, error.name)


def not_found(description: str):
    return exception(404, "NotFound", description)


def respond(
    request,
    fmt,
    build,
    template,
    context=None,
    json_type="application/json",
    headers=None,
    missing="Objet inconnu.",
):
    """Answer ``build(version)``'s document as JSON or through ``template``, with validators;
    a 304 when the client holds the current version. ``build`` returning None is a 404."""
    version = cache.version()
    etag = conditional.etag_for(
        "ogc", version.number, fmt, request.get_host(), request.get_full_path()
    )

    def build_response():
        document = build(version)
        if document is None:
            return not_found(missing)
        if fmt == "html":
            response = render(request, template, {"doc": document, **(context or {})})
        elif isinstance(document, str):
            response = HttpResponse(document, content_type=json_type)
        else:
            text = json.dumps(document, ensure_ascii=False)
            response = HttpResponse(text, content_type=json_type)
        for name, value in (headers or {}).items():
            response[name] = value
        return response

    return conditional.respond(request, etag, version.changed_at, build_response)


def simple_params(request, allowed=("f",)):
    check_unknown(request.GET, set(allowed))
    return output_format(request)


def extents(version) -> dict:
    """Spatial and temporal extents of every collection (from their rows), computed once per
    data version (the one cache)."""
    value, _ = cache.get_or_build(
        "ogc-extents",
        (version,),
        lambda: {layer.id: layer.extent() for layer, _ in registry.LAYERS.values()},
        part=True,
    )
    return value


def ogc_view(func):
    """Answers OGC exceptions for bad parameters; GET and HEAD only."""

    @csrf_exempt  # read-only: any method but GET/HEAD gets 405 (not CSRF's 403)
    @require_safe
    def wrapper(request, *args, **kwargs):
        try:
            return func(request, *args, **kwargs)
        except ParameterError as error:
            return bad_parameter(error)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


@ogc_view
def landing(request):
    fmt = simple_params(request)
    return respond(request, fmt, lambda v: documents.landing(request, fmt), "ogc/landing.html")


@ogc_view
def conformance(request):
    fmt = simple_params(request)
    return respond(
        request, fmt, lambda v: documents.conformance(request, fmt), "ogc/conformance.html"
    )


@ogc_view
def openapi(request):
    fmt = simple_params(request)
    return respond(
        request,
        fmt,
        lambda v: openapi_document(request),
        "ogc/openapi.html",
        json_type=documents.OPENAPI,
    )


def _prepared(collection_id):
    layer = registry.get(collection_id)
    return layer


def unknown_collection(collection_id):
    return not_found(f"Collection inconnue : {collection_id}.")


@ogc_view
def collections(request):
    fmt = simple_params(request)
    return respond(
        request,
        fmt,
        lambda v: documents.collections(request, fmt, extents(v)),
        "ogc/collections.html",
    )


@ogc_view
def collection(request, collection_id):
    fmt = simple_params(request)
    layer = _prepared(collection_id)
    if layer is None:
        return unknown_collection(collection_id)
    return respond(
        request,
        fmt,
        lambda v: documents.collection(request, layer, fmt, extents(v)[layer.id]),
        "ogc/collection.html",
        {"layer": layer, "equality": {f.name for f in equality_fields(layer)}},
    )


@ogc_view
def schema(request, collection_id):
    simple_params(request)
    layer = registry.get(collection_id)
    if layer is None:
        return unknown_collection(collection_id)
    return respond(
        request,
        "json",
        lambda v: documents.schema(request, layer),
        None,
        json_type=documents.SCHEMA_JSON,
    )


@ogc_view
def queryables(request, collection_id):
    fmt = simple_params(request)
    layer = registry.get(collection_id)
    if layer is None:
        return unknown_collection(collection_id)
    return respond(
        request,
        fmt,
        lambda v: documents.queryables(request, layer),
        "ogc/queryables.html",
        {"layer": layer},
        json_type=documents.SCHEMA_JSON,
    )


XSD_TYPES = {
    "string": "string",
    "integer": "integer",
    "number": "double",
    "boolean": "boolean",
    "date": "date",
}


@ogc_view
def schema_xsd(request, collection_id):
    """The same schema as a GML application schema: what GDAL 3.6's OAPIF driver reads
    (a list field is a repeated string element, which GDAL reads as a string list)."""
    simple_params(request)
    layer = registry.get(collection_id)
    if layer is None:
        return unknown_collection(collection_id)
    context = {
        "layer": layer,
        "namespace": request.build_absolute_uri(reverse("ogc:landing")),
        "geometry_type": "Point" if layer.geometry_type == "point" else "MultiSurface",
        # GDAL makes its own "id" field from the Feature id.
        "fields": [
            (f.name, XSD_TYPES[f.type], "unbounded" if f.many else "1")
            for f in layer.fields
            if f.name != "id"
        ],
    }
    return render(request, "ogc/schema.xsd", context, content_type="application/xml")


@ogc_view
def items(request, collection_id):
    layer = _prepared(collection_id)
    if layer is None:
        return unknown_collection(collection_id)
    fmt = output_format(request)
    query = parse_items(request.GET, layer)
    if fmt == "html" and query.limit > HTML_MAX_ITEMS:
        query = dataclasses.replace(query, limit=HTML_MAX_ITEMS)  # a page a browser can show

    def build(version):
        text = documents.items(request, layer, query)
        if fmt == "html":
            data = json.loads(text)
            data["links"] = documents.page_links(
                request, layer, query, data["numberMatched"], "html"
            )
            return data
        return text

    shown = query.properties if query.properties is not None else [f.name for f in layer.fields]
    return respond(
        request,
        fmt,
        build,
        "ogc/items.html",
        {"layer": layer, "columns": list(shown)[:8], "query": query},
        json_type=GEOJSON,
        headers={"Content-Crs": query.crs.header},
    )


@ogc_view
def item(request, collection_id, feature_id):
    fmt = output_format(request)
    crs = parse_item(request.GET)
    layer = _prepared(collection_id)
    if layer is None:
        return unknown_collection(collection_id)
    if layer.id_type == "integer" and not (
        feature_id.isascii() and feature_id.isdigit() and len(feature_id) <= 18
    ):
        return not_found(f"Objet inconnu dans {layer.id} : {feature_id}.")
    return respond(
        request,
        fmt,
        lambda v: documents.item(request, layer, feature_id, crs),
        "ogc/item.html",
        {"layer": layer},
        json_type=GEOJSON,
        headers={"Content-Crs": crs.header},
        missing=f"Objet inconnu dans {layer.id} : {feature_id}.",
    )
