"""OGC API - Features Part 1 endpoints, in JSON (GeoJSON for features) and HTML.

Thin views: parse the parameters (``ogc.params``), build the document (``ogc.documents``),
answer with validators (ETag, Last-Modified from ``tiles.versions``) and a 304 on revalidation.
Errors are OGC exception bodies (``code``, ``description``) naming the parameter.
"""

from __future__ import annotations

import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from geo_directory.geojson import MEDIA_TYPE as GEOJSON
from tiles import versions
from tiles.sources import SOURCES, ParameterError

from . import documents
from .openapi import openapi_document
from .params import output_format, parse_items

EXTENT_CACHE: dict = {}


def exception(status: int, code: str, description: str, parameter: str | None = None):
    body = {"code": code, "description": description}
    if parameter:
        body["parameter"] = parameter
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def bad_parameter(error: ParameterError):
    return exception(400, "InvalidParameterValue", error.message, error.name)


def not_found(description: str):
    return exception(404, "NotFound", description)


def respond(request, fmt, version, build, template, context=None, json_type="application/json"):
    """Answer ``build()``'s document as JSON or through ``template``, with validators."""
    etag = versions.etag_for(version, fmt, request.get_host(), request.get_full_path())
    if response := versions.not_modified(request, etag, version):
        return response
    document = build()
    if fmt == "html":
        response = render(request, template, {"doc": document, **(context or {})})
    elif isinstance(document, str):
        response = HttpResponse(document, content_type=json_type)
    else:
        text = json.dumps(document, ensure_ascii=False)
        response = HttpResponse(text, content_type=json_type)
    return versions.set_validators(response, etag, version)


def simple_params(request, allowed=("f",)):
    unknown = sorted(set(request.GET) - set(allowed))
    if unknown:
        raise ParameterError(unknown[0], f"Paramètre inconnu : {unknown[0]}.")
    return output_format(request)


def extents(version) -> dict:
    """Spatial and temporal extents of every collection, computed once per data version."""
    cached = EXTENT_CACHE.get("value")
    if cached and cached[0] == version.number:
        return cached[1]
    value = {source_id: source.extent() for source_id, source in SOURCES.items()}
    EXTENT_CACHE["value"] = (version.number, value)
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
    version = versions.current()
    return respond(
        request, fmt, version, lambda: documents.landing(request, fmt), "ogc/landing.html"
    )


@ogc_view
def conformance(request):
    fmt = simple_params(request)
    version = versions.current()
    return respond(
        request, fmt, version, lambda: documents.conformance(request, fmt), "ogc/conformance.html"
    )


@ogc_view
def openapi(request):
    fmt = simple_params(request)
    version = versions.current()
    return respond(
        request,
        fmt,
        version,
        lambda: openapi_document(request),
        "ogc/openapi.html",
        json_type=documents.OPENAPI,
    )


def _prepared(collection_id):
    source = SOURCES.get(collection_id)
    if source is not None:
        source.prepare()
    return source


@ogc_view
def collections(request):
    fmt = simple_params(request)
    for source in SOURCES.values():
        source.prepare()
    version = versions.current()
    return respond(
        request,
        fmt,
        version,
        lambda: documents.collections(request, fmt, extents(version)),
        "ogc/collections.html",
    )


@ogc_view
def collection(request, collection_id):
    fmt = simple_params(request)
    source = _prepared(collection_id)
    if source is None:
        return not_found(f"Collection inconnue : {collection_id}.")
    version = versions.current()
    return respond(
        request,
        fmt,
        version,
        lambda: documents.collection(request, source, fmt, extents(version)[source.id]),
        "ogc/collection.html",
        {"source": source},
    )


@ogc_view
def schema(request, collection_id):
    simple_params(request)
    source = SOURCES.get(collection_id)
    if source is None:
        return not_found(f"Collection inconnue : {collection_id}.")
    version = versions.current()
    return respond(
        request,
        "json",
        version,
        lambda: documents.schema(request, source),
        None,
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
    """The same schema as a GML application schema: what GDAL 3.6's OAPIF driver reads."""
    simple_params(request)
    source = SOURCES.get(collection_id)
    if source is None:
        return not_found(f"Collection inconnue : {collection_id}.")
    context = {
        "source": source,
        "namespace": request.build_absolute_uri(reverse("ogc:landing")),
        "geometry_type": "Point" if source.geometry_type == "point" else "MultiSurface",
        # GDAL makes its own "id" field from the Feature id.
        "fields": [(f.name, XSD_TYPES[f.type]) for f in source.fields if f.name != "id"],
    }
    return render(request, "ogc/schema.xsd", context, content_type="application/xml")


@ogc_view
def items(request, collection_id):
    source = _prepared(collection_id)
    if source is None:
        return not_found(f"Collection inconnue : {collection_id}.")
    fmt = output_format(request)
    query = parse_items(request.GET, source)
    version = versions.current()

    def build():
        text = documents.items(request, source, query)
        if fmt == "html":
            data = json.loads(text)
            data["links"] = documents.page_links(
                request, source, query, data["numberMatched"], "html"
            )
            return data
        return text

    columns = [f.name for f in source.fields][:8]
    return respond(
        request,
        fmt,
        version,
        build,
        "ogc/items.html",
        {"source": source, "columns": columns, "query": query},
        json_type=GEOJSON,
    )


@ogc_view
def item(request, collection_id, feature_id):
    fmt = simple_params(request)
    source = _prepared(collection_id)
    if source is None:
        return not_found(f"Collection inconnue : {collection_id}.")
    if source.id_type == "integer" and not (feature_id.isdigit() and len(feature_id) <= 18):
        return not_found(f"Objet inconnu dans {source.id} : {feature_id}.")
    version = versions.current()
    etag = versions.etag_for(version, fmt, request.get_host(), request.get_full_path())
    if response := versions.not_modified(request, etag, version):
        return response
    feature = documents.item(request, source, feature_id)
    if feature is None:
        return not_found(f"Objet inconnu dans {source.id} : {feature_id}.")
    if fmt == "html":
        response = render(request, "ogc/item.html", {"doc": feature, "source": source})
    else:
        text = json.dumps(feature, ensure_ascii=False)
        response = HttpResponse(text, content_type=GEOJSON)
    return versions.set_validators(response, etag, version)
